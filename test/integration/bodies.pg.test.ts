/**
 * Stored message bodies on Postgres beyond the engine: key rotation (`rxbridge keys rotate`, in batches, old
 * keys and plain rows to the current key, and back to plain text), and retention (`rxbridge retention run` and
 * the engine's timer): only bodies of final messages older than the channel's bodiesDays are pruned, metadata,
 * events and charges stay, a replay in progress is never pruned, and a pruned message replays only with an edit.
 * Every rotation and retention run (CLI: actor `cli:<os user>`; the engine's timer: `system`) leaves an audit event
 * with its counts, and `rxbridge audit verify` still passes after them.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import type { BodyKey } from '../../src/core/crypto-box';
import { EngineError } from '../../src/core/errors';
import { createLogger } from '../../src/core/logger';
import { keysCommand, type CliIo } from '../../src/cli/keys';
import { retentionCommand } from '../../src/cli/retention';
import { cliActor, usersCommand } from '../../src/cli/users';
import { AuditTrail } from '../../src/store/audit';
import type { InboundRecord } from '../../src/pipeline/ports';
import { BodyCodec, openBodyCodec, registeredKeyIds, storedKeyIds } from '../../src/store/bodies';
import { pruneBodies, rotateBodies, startRetentionTimer } from '../../src/store/body-maintenance';
import { openStore, type Store } from '../../src/store/db';
import { getMessageDetail } from '../../src/store/queries';
import { MessageRepository } from '../../src/store/repository';
import { createTestDatabase, dftMessage, ROOT, tempProject, waitFor, type ProjectDirs } from './support';

jest.setTimeout(60_000);

const keyOf = (id: string): BodyKey => ({ id, key: crypto.randomBytes(32) });
const b64 = (k: BodyKey) => k.key.toString('base64');

function inbound(channel: string, controlId: string): InboundRecord {
  return {
    channel, status: 'received', sender: 'RXSYS|PHARM01', controlId, messageType: 'DFT^P03', version: '2.5.1',
    processingId: 'P', patientKey: null, remote: 'test',
    content: dftMessage({ controlId, patientId: `P-${controlId}`, lines: [{ txn: `T-${controlId}`, code: '90471', amount: '10' }] }),
    duplicateWindowMs: 0,
  };
}

function captureIo(): CliIo & { lines: string[]; errs: string[] } {
  const lines: string[] = [];
  const errs: string[] = [];
  return { lines, errs, out: (l) => lines.push(l), err: (l) => errs.push(l) };
}

interface Db { url: string; drop(): Promise<void> }

/** The audit events of one action, oldest first, as stored. */
async function auditEvents(store: Store, action: string) {
  return (await sql<{ actor: string; role: string | null; target_type: string | null; target_id: string | null; detail: unknown }>`
    select actor, role, target_type, target_id, detail from audit_events where action = ${action} order by id`.execute(store.db)).rows;
}

/** `rxbridge audit verify` against the store of `env`: its exit code and output. */
async function auditVerify(env: Record<string, string>): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await usersCommand('audit', ['verify'], env, { out: (l) => lines.push(l), err: (l) => lines.push(l), password: async () => undefined });
  return { code, out: lines.join('\n') };
}

async function record(repo: MessageRepository, channel: string, controlIds: string[]): Promise<string[]> {
  return (await repo.recordInbound(controlIds.map((c) => inbound(channel, c)))).map((r) => r.id);
}

describe('key rotation', () => {
  let db: Db;
  let store: Store;
  const A = keyOf('ka');
  const B = keyOf('kb');
  const C = keyOf('kc');
  const originals = new Map<string, string>();
  const contents = async () => (await sql<{ message_id: string; content: string; key_id: string | null }>`
    select message_id, content, key_id from message_contents order by id`.execute(store.db)).rows;

  beforeAll(async () => {
    db = await createTestDatabase();
    store = await openStore({ databaseUrl: db.url });
    const plain = new MessageRepository(store.db);
    const underA = new MessageRepository(store.db, store.db, BodyCodec.encrypted(A));
    const ids = [...await record(plain, 'rot', ['R1', 'R2', 'R3']), ...await record(underA, 'rot', ['R4', 'R5', 'R6', 'R7', 'R8'])];
    ids.forEach((id, i) => originals.set(id, inbound('rot', `R${i + 1}`).content));
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  test('before: plain rows and rows under the old key', async () => {
    const rows = await contents();
    expect(rows.map((r) => r.key_id)).toEqual([null, null, null, 'ka', 'ka', 'ka', 'ka', 'ka']);
    expect(await storedKeyIds(store.db)).toEqual(['ka']);
  });

  test('rxbridge keys rotate refuses while a stored key is not configured', async () => {
    const io = captureIo();
    const code = await keysCommand(['rotate'], { DATABASE_URL: db.url, RXBRIDGE_ENCRYPTION_KEY: b64(B), RXBRIDGE_ENCRYPTION_KEY_ID: 'kb' }, io);
    expect(code).toBe(1);
    expect(io.errs.join('\n')).toMatch(/encrypted with key ka, which is not configured/);
    expect((await contents()).filter((r) => r.key_id === 'kb')).toHaveLength(0);
  });

  test('rxbridge keys rotate moves every body (old key and plain) to the current key, in batches', async () => {
    const env = { DATABASE_URL: db.url, RXBRIDGE_ENCRYPTION_KEY: b64(B), RXBRIDGE_ENCRYPTION_KEY_ID: 'kb', RXBRIDGE_ENCRYPTION_OLD_KEYS: `ka:${b64(A)}` };
    const io = captureIo();
    expect(await keysCommand(['rotate', '--batch', '3'], env, io)).toBe(0);
    expect(io.lines).toEqual(['rotated 8 bodies to kb in 3 batches']);
    const rows = await contents();
    expect(rows.every((r) => r.key_id === 'kb' && !r.content.includes('MSH|'))).toBe(true);
    const onlyB = BodyCodec.encrypted(B);
    for (const r of rows) expect(onlyB.open(r.content, r.key_id)).toBe(originals.get(String(r.message_id)));
    expect(await storedKeyIds(store.db)).toEqual(['kb']);

    const status = captureIo();
    expect(await keysCommand(['status'], env, status)).toBe(0);
    expect(status.lines[0]).toBe('current key: kb (from RXBRIDGE_ENCRYPTION_KEY)');
    expect(status.lines.find((l) => l.includes('kb ') && l.includes('(current key)'))).toMatch(/kb\s+8/);

    // Nothing left to move: a second run is a no-op.
    const again = captureIo();
    expect(await keysCommand(['rotate'], env, again)).toBe(0);
    expect(again.lines).toEqual(['rotated 0 bodies to kb in 0 batches']);

    // Both runs are in the audit trail (the refused run above rotated nothing and is not); no key material.
    const events = await auditEvents(store, 'keys.rotate');
    expect(events).toEqual([
      { actor: cliActor(env), role: null, target_type: 'key', target_id: 'kb', detail: { rotated: 8, unreadable: 0, batches: 3, toPlainText: false, retiredKeyIds: [] } },
      { actor: cliActor(env), role: null, target_type: 'key', target_id: 'kb', detail: { rotated: 0, unreadable: 0, batches: 0, toPlainText: false, retiredKeyIds: [] } },
    ]);
    expect(cliActor(env)).toMatch(/^cli:./);
    expect(JSON.stringify(events)).not.toContain(b64(B));
  });

  test('the pipeline claims rotated bodies as plain text', async () => {
    const repo = new MessageRepository(store.db, store.db, BodyCodec.encrypted(B));
    const [id] = [...originals.keys()];
    const claims = await repo.claimMany([id!]);
    expect(claims.get(id!)).toMatchObject({ kind: 'claimed', item: { content: originals.get(id!) } });
  });

  test('a body that cannot be opened is counted and left alone; the rest rotate', async () => {
    const [first] = (await contents());
    await sql`update message_contents set content = overlay(content placing 'AAAA' from 30 for 4) where message_id = ${first!.message_id}`.execute(store.db);
    const report = await rotateBodies(store.db, BodyCodec.encrypted(C, [B]), { batchSize: 100 });
    expect(report).toEqual({ rotated: 7, unreadable: 1, batches: 1 });
    expect((await contents()).map((r) => r.key_id)).toEqual(['kb', 'kc', 'kc', 'kc', 'kc', 'kc', 'kc', 'kc']);
  });

  test('rotating in plain mode (RXBRIDGE_STORE_PLAINTEXT=true) opens every readable body back to plain text', async () => {
    const io = captureIo();
    const env = { DATABASE_URL: db.url, RXBRIDGE_STORE_PLAINTEXT: 'true', RXBRIDGE_ENCRYPTION_OLD_KEYS: `kb:${b64(B)},kc:${b64(C)}` };
    expect(await keysCommand(['rotate'], env, io)).toBe(1);
    expect(io.lines).toEqual([
      'rotated 7 bodies to plain text in 1 batches',
      '1 bodies could not be decrypted (BODY_UNREADABLE) and were left as they are',
    ]);
    const rows = await contents();
    expect(rows.map((r) => r.key_id)).toEqual(['kb', null, null, null, null, null, null, null]);
    for (const r of rows.slice(1)) expect(r.content).toBe(originals.get(String(r.message_id)));
    const status = captureIo();
    expect(await keysCommand(['status'], env, status)).toBe(0);
    expect(status.lines[0]).toMatch(/^current key: none: new bodies are stored in plain text/);
    expect(status.lines).toEqual(expect.arrayContaining([expect.stringMatching(/^ {2}kb\s+1 {2}\(older key/), expect.stringMatching(/^ {2}plain text\s+7$/)]));

    // A run that left a body unreadable changed rows all the same: it is recorded, with the count.
    expect((await auditEvents(store, 'keys.rotate')).at(-1)).toEqual({
      actor: cliActor(env), role: null, target_type: 'key', target_id: null,
      detail: { rotated: 7, unreadable: 1, batches: 1, toPlainText: true, retiredKeyIds: [] },
    });
    expect(await auditVerify(env)).toEqual({ code: 0, out: expect.stringMatching(/^audit trail ok: 3 events; head [0-9a-f]{64}$/) });
  });
});

describe('engine processes sharing one store must share the key', () => {
  let db: Db;
  let store: Store;
  const A = keyOf('ka');
  const B = keyOf('kb');
  const log = createLogger({ silent: true });
  const open = (setup: Parameters<typeof openBodyCodec>[1]) => openBodyCodec(store.db, setup, log);

  beforeAll(async () => {
    db = await createTestDatabase();
    store = await openStore({ databaseUrl: db.url });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  test('the first engine registers its key id (the id only)', async () => {
    await open({ mode: 'key', current: A, older: [], origin: 'test' });
    expect(await registeredKeyIds(store.db)).toEqual(['ka']);
    const row = await sql<Record<string, unknown>>`select * from body_keys`.execute(store.db);
    expect(Object.keys(row.rows[0]!).sort()).toEqual(['first_used_at', 'key_id']);
  });

  test('a second engine with its own (generated or configured) key is refused before it writes anything', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-key2-'));
    try {
      await expect(open({ mode: 'create', file: path.join(dir, 'encryption.key'), keyId: undefined, older: [] }))
        .rejects.toThrow(/another engine process on this store seals message bodies with key ka, which is not configured here: give every engine process the same key/);
      expect(fs.existsSync(path.join(dir, 'encryption.key'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    await expect(open({ mode: 'key', current: B, older: [], origin: 'test' })).rejects.toThrow(/with key ka, which is not configured here/);
    await expect(open({ mode: 'plaintext', older: [] })).rejects.toThrow(/with key ka/);
    expect(await registeredKeyIds(store.db)).toEqual(['ka']);
  });

  test('the same key, or a new key with the old one, is accepted; rotation retires the old id once no body uses it', async () => {
    await open({ mode: 'key', current: A, older: [], origin: 'test' });
    await open({ mode: 'key', current: B, older: [A], origin: 'test' });
    expect(await registeredKeyIds(store.db)).toEqual(['ka', 'kb']);
    await record(new MessageRepository(store.db, store.db, BodyCodec.encrypted(A)), 'c', ['S1']);
    const io = captureIo();
    expect(await keysCommand(['rotate'], { DATABASE_URL: db.url, RXBRIDGE_ENCRYPTION_KEY: b64(B), RXBRIDGE_ENCRYPTION_KEY_ID: 'kb', RXBRIDGE_ENCRYPTION_OLD_KEYS: `ka:${b64(A)}` }, io)).toBe(0);
    expect(io.lines).toEqual([
      'rotated 1 bodies to kb in 1 batches',
      'no body uses key ka any more: it can be removed from RXBRIDGE_ENCRYPTION_OLD_KEYS',
    ]);
    expect(await registeredKeyIds(store.db)).toEqual(['kb']);
    expect((await auditEvents(store, 'keys.rotate')).map((e) => e.detail)).toEqual([
      { rotated: 1, unreadable: 0, batches: 1, toPlainText: false, retiredKeyIds: ['ka'] },
    ]);
    await expect(open({ mode: 'key', current: A, older: [], origin: 'test' })).rejects.toThrow(/encrypted with key kb/);
  });
});

describe('retention', () => {
  let db: Db;
  let store: Store;
  let project: ProjectDirs;
  let repo: MessageRepository;
  const A = keyOf('ka');
  const CH = 'pharmacy-inbound';
  const ids: Record<string, string> = {};
  let env: Record<string, string>;

  const setState = (id: string, status: string, daysAgo: number | null) => sql`
    update messages set status = ${status}, received_at = now() - make_interval(days => 45),
           finished_at = ${daysAgo === null ? null : sql`now() - make_interval(days => ${daysAgo})`}
     where id = ${id}`.execute(store.db);
  const bodiesOf = async (id: string) => (await sql<{ content: string | null; pruned_at: Date | null; key_id: string | null }>`
    select content, pruned_at, key_id from message_contents where message_id = ${id} order by version`.execute(store.db)).rows;

  beforeAll(async () => {
    db = await createTestDatabase();
    store = await openStore({ databaseUrl: db.url });
    repo = new MessageRepository(store.db, store.db, BodyCodec.encrypted(A));
    const channel = fs.readFileSync(path.join(ROOT, 'channels/pharmacy-inbound.yaml'), 'utf8');
    project = tempProject({ mllpPort: 2575, channelYaml: `${channel}\nretention:\n  bodiesDays: 30\n` });
    env = { DATABASE_URL: db.url, CHANNELS_DIR: project.channelsDir, MAPPINGS_DIR: project.mappingsDir, DATA_DIR: project.dataDir };
    const names = ['oldProcessed', 'oldError', 'oldReceived', 'oldProcessing', 'recentProcessed', 'editedOld', 'racing'];
    const got = await record(repo, CH, names.map((n) => `RET-${n}`));
    names.forEach((n, i) => { ids[n] = got[i]!; });
    ids.otherChannel = (await record(repo, 'other', ['RET-other']))[0]!;
    // editedOld: replayed with an edited message (two versions), then finished long ago.
    await setState(ids.editedOld!, 'processed', 40);
    const edited = inbound(CH, 'RET-editedOld-v2');
    await repo.prepareReplay(ids.editedOld!, { content: edited.content, messageType: 'DFT^P03', patientKey: null, sender: 'RXSYS|PHARM01', controlId: 'RET-editedOld-v2' }, 'test');
    await setState(ids.editedOld!, 'processed', 40);
    await setState(ids.oldProcessed!, 'processed', 40);
    await setState(ids.oldError!, 'error', 35);
    await setState(ids.oldReceived!, 'received', null);
    await setState(ids.oldProcessing!, 'processing', null);
    await setState(ids.recentProcessed!, 'processed', 2);
    await setState(ids.racing!, 'processed', 40);
    await setState(ids.otherChannel!, 'processed', 40);
    await sql`insert into message_events (message_id, to_status, stage, detail) values (${ids.oldProcessed}, 'processed', 'write', '1 charges')`.execute(store.db);
    await sql`insert into charges (message_id, channel, source_key, status, service_date, patient_ref, code_system, code, units, charge_amount)
              values (${ids.oldProcessed}, ${CH}, 'ret-src-1', 'active', '2026-01-01', 'P-RET', 'CPT', '90471', 1, 10)`.execute(store.db);
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
    project?.cleanup();
  });

  test('--dry-run reports what would be pruned and changes nothing', async () => {
    const io = captureIo();
    expect(await retentionCommand(['run', '--dry-run'], env, io)).toBe(0);
    // oldProcessed, oldError, editedOld (two versions), racing.
    expect(io.lines[0]).toMatch(/^pharmacy-inbound: bodies of messages finished more than 30 days ago: 5 would be pruned \(\d+\.\d KiB\)$/);
    expect(io.lines[1]).toMatch(/^total: 5 bodies would be pruned, .* would be freed for reuse \(estimate\)$/);
    expect((await sql<{ n: string }>`select count(*) as n from message_contents where content is null`.execute(store.db)).rows[0]!.n).toBe('0');
    expect(await auditEvents(store, 'retention.run')).toEqual([]); // a dry run changes nothing and is not recorded
  });

  test('a replay in progress wins: the run waits for it, sees the message is no longer final, and leaves it', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query('begin');
      await client.query(`update messages set status = 'received', finished_at = null where id = $1`, [ids.racing]);
      const run = pruneBodies(store.db, [{ channel: CH, bodiesDays: 30 }], { batchSize: 2 });
      await new Promise((r) => setTimeout(r, 300));
      await client.query('commit');
      const report = await run;
      expect(report.pruned).toBe(4);
      expect(report.vacuumed).toBe(true);
      expect(report.bytes).toBeGreaterThan(4 * 300);
    } finally {
      await client.end();
    }
    expect((await bodiesOf(ids.racing!))[0]!.content).not.toBeNull();
  });

  test('only final messages past the window, of channels with retention, lost their bodies', async () => {
    for (const name of ['oldProcessed', 'oldError', 'editedOld']) {
      const bodies = await bodiesOf(ids[name]!);
      expect(bodies.length).toBeGreaterThan(0);
      for (const b of bodies) {
        expect(b.content).toBeNull();
        expect(b.key_id).toBeNull();
        expect(b.pruned_at).toBeInstanceOf(Date);
      }
    }
    expect(await bodiesOf(ids.editedOld!)).toHaveLength(2);
    for (const name of ['oldReceived', 'oldProcessing', 'recentProcessed', 'racing', 'otherChannel']) {
      const [b] = await bodiesOf(ids[name]!);
      expect(b!.content).toMatch(/^rxb1\.ka\./);
      expect(b!.pruned_at).toBeNull();
    }
  });

  test('metadata, events and charges of a pruned message stay; its detail says it was pruned', async () => {
    const detail = await getMessageDetail(store.db, ids.oldProcessed!, repo.bodies);
    expect(detail).toMatchObject({ status: 'processed', control_id: 'RET-oldProcessed', raw: '' });
    expect(detail!.contents).toEqual([expect.objectContaining({ version: 1, kind: 'raw', content: null, pruned_at: expect.any(Date) })]);
    expect(detail!.events.map((e) => e.detail)).toContain('1 charges');
    expect(detail!.charges.map((c) => c.source_key)).toEqual(['ret-src-1']);
  });

  test('a pruned message replays only with an edited raw message', async () => {
    const err = await repo.prepareReplay(ids.oldProcessed!, null, 'test').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('CONFLICT');
    expect((err as EngineError).message).toMatch(/pruned by retention; replay it with an edited raw message/);
    const edited = inbound(CH, 'RET-oldProcessed');
    expect(await repo.prepareReplay(ids.oldProcessed!, { content: edited.content, messageType: 'DFT^P03', patientKey: null, sender: 'RXSYS|PHARM01', controlId: 'RET-oldProcessed' }, 'test')).toBe(1);
    const claim = await repo.claimMany([ids.oldProcessed!]);
    expect(claim.get(ids.oldProcessed!)).toMatchObject({ kind: 'claimed', item: { content: edited.content } });
  });

  test('rxbridge retention run: a second run finds nothing; no channel with retention: nothing to do', async () => {
    const io = captureIo();
    expect(await retentionCommand(['run', '--batch', '1'], env, io)).toBe(0);
    expect(io.lines).toEqual([
      'pharmacy-inbound: bodies of messages finished more than 30 days ago: 0 pruned (0 B)',
      'total: 0 bodies pruned, 0 B freed for reuse (estimate)',
    ]);
    const plainProject = tempProject({ mllpPort: 2575 });
    const none = captureIo();
    expect(await retentionCommand(['run'], { ...env, CHANNELS_DIR: plainProject.channelsDir }, none)).toBe(0);
    expect(none.lines).toEqual(['no channel sets retention.bodiesDays: nothing to prune']);
    plainProject.cleanup();
    expect(await retentionCommand(['prune'], env, captureIo())).toBe(2);

    // The run (not the dry run, not the runs with nothing to do) is in the audit trail with its counts.
    expect(await auditEvents(store, 'retention.run')).toEqual([{
      actor: cliActor(env), role: null, target_type: null, target_id: null,
      detail: { pruned: 0, bytes: 0, vacuumed: false, channels: [{ channel: CH, bodiesDays: 30, pruned: 0, bytes: 0 }] },
    }]);
  });

  test('the engine timer prunes on its interval', async () => {
    const [late] = await record(repo, CH, ['RET-timer']);
    await setState(late!, 'filtered', 31);
    const stop = startRetentionTimer(store.db, [{ channel: CH, bodiesDays: 30 }], createLogger({ silent: true }), 100, 10, new AuditTrail(store.db));
    try {
      await waitFor(async () => (await bodiesOf(late!))[0]!.content === null, 10_000, 'the timer to prune');
    } finally {
      await stop();
    }
    // Each run of the timer is recorded by actor `system`; the one that pruned says so.
    const runs = (await auditEvents(store, 'retention.run')).filter((e) => e.actor === 'system');
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(runs.every((e) => e.role === null)).toBe(true);
    expect(runs[0]!.detail).toMatchObject({ pruned: 1, vacuumed: true, channels: [{ channel: CH, bodiesDays: 30, pruned: 1 }] });
    expect(await auditVerify(env)).toMatchObject({ code: 0, out: expect.stringMatching(/^audit trail ok: \d+ events/) });
  });
});
