/**
 * Encryption at rest through a whole engine on Postgres, with zero configuration: the first start makes
 * DATA_DIR/encryption.key (0600) and says so once; the stored bodies are envelopes (no HL7 text in the column);
 * the pipeline, the message detail API, replay with an edited message and the mapping preview all see plain
 * text; a start without the key that sealed the stored bodies is refused.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { generateKeyBase64 } from '../../src/core/crypto-box';
import { readBodyKeySetup } from '../../src/core/encryption-config';
import { createLogger } from '../../src/core/logger';
import { openBodyCodec } from '../../src/store/bodies';
import { startHarness, type Harness } from './engine-harness';
import { dftMessage, ROOT, waitFor } from './support';

jest.setTimeout(60_000);

const SHIPPED = fs.readFileSync(path.join(ROOT, 'mappings/dft-p03.yaml'), 'utf8');

describe('message bodies encrypted at rest (engine, Postgres)', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness({ store: 'postgres' }); });
  afterAll(async () => { await h?.close(); });

  const idOf = async (controlId: string) => {
    const row = await h.engine.store.db.selectFrom('messages').select('id').where('control_id', '=', controlId).executeTakeFirstOrThrow();
    return String(row.id);
  };
  const storedRows = async (id: string) => (await sql<{ content: string; key_id: string | null; version: number }>`
    select content, key_id, version from message_contents where message_id = ${id} order by version`.execute(h.engine.store.db)).rows;

  test('the first start creates DATA_DIR/encryption.key (0600) and logs one warning naming it', () => {
    const file = path.join(h.project.dataDir, 'encryption.key');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const warnings = h.logs().split('\n').filter((l) => l.includes('generated the encryption key for message bodies'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ level: 'warn', file });
    expect(h.logs()).not.toContain(fs.readFileSync(file, 'utf8').trim());
  });

  test('a processed message: the stored body is an envelope, the pipeline and the API see the HL7', async () => {
    const msg = dftMessage({ controlId: 'ENC-1', patientId: 'PENC1', lines: [{ txn: 'TE1', code: '90471', amount: '25' }] });
    await h.send(msg);
    const id = await idOf('ENC-1');
    await h.waitForStatus(id, ['processed']);

    const rows = await storedRows(id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.key_id).toBe(h.engine.repository.bodies.currentKeyId);
    expect(rows[0]!.content.startsWith(`rxb1.${rows[0]!.key_id}.`)).toBe(true);
    // No HL7 anywhere in the column, in text or in the decoded bytes.
    const everything = await sql<{ n: string }>`select count(*) as n from message_contents where content like '%MSH|%' or content like '%PENC1%'`
      .execute(h.engine.store.db);
    expect(everything.rows[0]!.n).toBe('0');
    expect(Buffer.from(rows[0]!.content.split('.')[2]!, 'base64').toString('latin1')).not.toContain('PENC1');

    const charges = await h.engine.store.db.selectFrom('charges').select(['code', 'charge_amount', 'patient_ref']).where('message_id', '=', id as never).execute();
    expect(charges).toEqual([{ code: '90471', charge_amount: '25.00', patient_ref: 'PENC1' }]);

    const detail = await h.api('GET', `/api/messages/${id}`);
    expect(detail.status).toBe(200);
    expect(detail.json.raw).toBe(msg);
    expect(detail.json.contents).toEqual([expect.objectContaining({ version: 1, kind: 'raw', content: msg, key_id: rows[0]!.key_id, pruned_at: null })]);
  });

  test('replay with an edited message: the edit is stored encrypted, processed, and both versions read back', async () => {
    const msg = dftMessage({ controlId: 'ENC-2', patientId: 'PENC2', lines: [{ txn: 'TE2', code: '90471', amount: 'abc' }] });
    await h.send(msg);
    const id = await idOf('ENC-2');
    await h.waitForStatus(id, ['error']);
    const fixed = msg.replace('abc&USD', '30&USD');
    expect((await h.api('POST', `/api/messages/${id}/replay`, { raw: fixed })).status).toBe(202);
    await h.waitForStatus(id, ['processed']);

    const rows = await storedRows(id);
    expect(rows.map((r) => r.version)).toEqual([1, 2]);
    for (const r of rows) {
      expect(r.key_id).not.toBeNull();
      expect(r.content).not.toContain('MSH|');
    }
    const detail = await h.api('GET', `/api/messages/${id}`);
    expect(detail.json.contents.map((c: { content: string }) => c.content)).toEqual([msg, fixed]);
    expect(detail.json.raw).toBe(fixed);
    expect(detail.json.charges[0].charge_amount).toBe('30.00');
    // A plain replay (no edit) reads the stored, encrypted edit.
    expect((await h.api('POST', `/api/messages/${id}/replay`)).status).toBe(202);
    await waitFor(async () => (await h.engine.store.db.selectFrom('message_events').select('to_status')
      .where('message_id', '=', id as never).where('to_status', '=', 'processed').execute()).length === 2, 15_000, 'second replay');
  });

  test('the mapping preview re-runs stored (encrypted) messages', async () => {
    const preview = await h.api('POST', '/api/mappings/dft-p03/preview', { content: SHIPPED, lastMessages: 10 });
    expect(preview.status).toBe(200);
    const controlIds = (preview.json.messages as Array<{ controlId: string }>).map((m) => m.controlId);
    expect(controlIds).toEqual(expect.arrayContaining(['ENC-1', 'ENC-2']));
  });

  test('a tampered body is dead-lettered with BODY_UNREADABLE and the detail still answers', async () => {
    const msg = dftMessage({ controlId: 'ENC-3', patientId: 'PENC3', lines: [{ txn: 'TE3', code: '90471', amount: '5' }] });
    await h.send(msg);
    const id = await idOf('ENC-3');
    await h.waitForStatus(id, ['processed']);
    // One base64 character of the IV/tag changed, as a disk fault or a hand edit in the database would.
    await sql`update message_contents set content = overlay(content placing (case when substr(content, 40, 1) = 'A' then 'B' else 'A' end) from 40 for 1)
              where message_id = ${id}`.execute(h.engine.store.db);
    expect((await h.api('POST', `/api/messages/${id}/replay`)).status).toBe(202);
    await h.waitForStatus(id, ['error']);
    const row = await h.engine.store.db.selectFrom('messages').select(['error_code', 'error_text']).where('id', '=', id as never).executeTakeFirstOrThrow();
    expect(row.error_code).toBe('BODY_UNREADABLE');
    expect(row.error_text).toMatch(/failed authentication/);
    const detail = await h.api('GET', `/api/messages/${id}`);
    expect(detail.status).toBe(200);
    expect(detail.json.contents[0]).toMatchObject({ content: null, error: 'BODY_UNREADABLE' });
    expect(detail.json.raw).toBe('');
  });

  test('a start without the key of the stored bodies is refused, naming what is missing', async () => {
    const log = createLogger({ silent: true });
    const check = { createKey: true, register: false };
    const emptyDir = path.join(h.project.root, 'other-data');
    await expect(openBodyCodec(h.engine.store.db, readBodyKeySetup({}, emptyDir), log, check))
      .rejects.toThrow(/holds message bodies encrypted with key k[0-9a-f]{10}, but .*encryption\.key is missing/);
    expect(fs.existsSync(path.join(emptyDir, 'encryption.key'))).toBe(false);
    await expect(openBodyCodec(h.engine.store.db, readBodyKeySetup({ RXBRIDGE_ENCRYPTION_KEY: generateKeyBase64() }, emptyDir), log, check))
      .rejects.toThrow(/encrypted with key k[0-9a-f]{10}, which is not configured: give it in RXBRIDGE_ENCRYPTION_OLD_KEYS/);
    // The same key (from its file) with a new current key is accepted: that is the rotation set-up.
    const old = fs.readFileSync(path.join(h.project.dataDir, 'encryption.key'), 'utf8').trim();
    const codec = await openBodyCodec(h.engine.store.db, readBodyKeySetup({
      RXBRIDGE_ENCRYPTION_KEY: generateKeyBase64(), RXBRIDGE_ENCRYPTION_KEY_ID: 'next', RXBRIDGE_ENCRYPTION_OLD_KEYS: old,
    }, emptyDir), log, check);
    expect(codec.currentKeyId).toBe('next');
  });

  test('a restart reads the key file again and the stored bodies stay readable', async () => {
    await h.restart();
    expect(h.logs().split('\n').filter((l) => l.includes('generated the encryption key')).length).toBe(1);
    const detail = await h.api('GET', `/api/messages/${await idOf('ENC-1')}`);
    expect(detail.json.raw).toContain('MSH|');
  });
});
