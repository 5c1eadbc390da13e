/**
 * The embedded store (PGlite) runs the same body code as Postgres: the start-up key check (a loose index scan),
 * sealed bodies read back, rotation, and retention with its VACUUM.
 */
import crypto from 'node:crypto';
import { sql } from 'kysely';
import { createLogger } from '../../src/core/logger';
import { BodyCodec, openBodyCodec, storedKeyIds } from '../../src/store/bodies';
import { pruneBodies, rotateBodies } from '../../src/store/body-maintenance';
import { openStore, type Store } from '../../src/store/db';
import { MessageRepository } from '../../src/store/repository';
import { dftMessage } from './support';

jest.setTimeout(60_000);

describe('message bodies on PGlite', () => {
  let store: Store;
  beforeAll(async () => { store = await openStore({ dataDir: 'memory://' }); });
  afterAll(async () => { await store?.close(); });

  test('seal, check keys, rotate, prune and vacuum', async () => {
    const A = { id: 'ka', key: crypto.randomBytes(32) };
    const B = { id: 'kb', key: crypto.randomBytes(32) };
    const repo = new MessageRepository(store.db, store.db, BodyCodec.encrypted(A));
    const content = dftMessage({ controlId: 'PGL-1', patientId: 'PPGL', lines: [{ txn: 'T1', code: '90471', amount: '1' }] });
    const [stored] = await repo.recordInbound([{
      channel: 'c', status: 'received', sender: 'S', controlId: 'PGL-1', messageType: 'DFT^P03', version: '2.5.1',
      processingId: 'P', patientKey: null, remote: 't', content, duplicateWindowMs: 0,
    }]);
    const id = stored!.id;
    expect(await storedKeyIds(store.db)).toEqual(['ka']);
    await expect(openBodyCodec(store.db, { mode: 'key', current: B, older: [], origin: 'test' }, createLogger({ silent: true })))
      .rejects.toThrow(/key ka, which is not configured/);
    expect((await rotateBodies(store.db, BodyCodec.encrypted(B, [A]))).rotated).toBe(1);
    expect(await storedKeyIds(store.db)).toEqual(['kb']);
    const claimed = await new MessageRepository(store.db, store.db, BodyCodec.encrypted(B)).claimMany([id]);
    expect(claimed.get(id)).toMatchObject({ kind: 'claimed', item: { content } });

    await sql`update messages set status = 'processed', finished_at = now() - interval '10 days' where id = ${id}`.execute(store.db);
    const report = await pruneBodies(store.db, [{ channel: 'c', bodiesDays: 7 }]);
    expect(report).toMatchObject({ pruned: 1, vacuumed: true });
    expect(await storedKeyIds(store.db)).toEqual([]);
  });

  test('a record prepared ahead of its commit is stored as one prepared at the commit', async () => {
    const key = { id: 'kp', key: crypto.randomBytes(32) };
    const repo = new MessageRepository(store.db, store.db, BodyCodec.encrypted(key));
    const record = (controlId: string) => ({
      channel: 'prep', status: 'received' as const, sender: 'S', controlId, messageType: 'DFT^P03', version: '2.5.1',
      processingId: 'P', patientKey: null, remote: 't',
      content: dftMessage({ controlId, patientId: 'PPREP', lines: [{ txn: `T-${controlId}`, code: '90471', amount: '1' }] }),
      duplicateWindowMs: 0,
    });
    const ahead = repo.prepareInbound(record('PREP-A'));
    expect(ahead.prepared).toMatchObject({ keyId: 'kp' });
    expect(ahead.prepared!.content).not.toContain('PPREP');
    expect(repo.prepareInbound(ahead)).toBe(ahead); // prepared once
    const [a, b] = await repo.recordInbound([ahead, record('PREP-B')]);
    const claimed = await repo.claimMany([a!.id, b!.id]);
    expect(claimed.get(a!.id)).toMatchObject({ kind: 'claimed', item: { content: record('PREP-A').content } });
    expect(claimed.get(b!.id)).toMatchObject({ kind: 'claimed', item: { content: record('PREP-B').content } });
    const terms = await sql<{ message_id: string; tokens: string[] }>`
      select message_id, tokens::text[] as tokens from message_terms where message_id in (${a!.id}, ${b!.id}) order by message_id`.execute(store.db);
    expect(terms.rows).toHaveLength(2);
    // The same patient id and sender: the same blind tokens, prepared early or not.
    expect(terms.rows[0]!.tokens.length).toBeGreaterThan(0);
    expect(terms.rows[0]!.tokens).toEqual(terms.rows[1]!.tokens);
  });
});
