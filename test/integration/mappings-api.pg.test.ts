/**
 * The mappings API against real engines: two engine processes' worth of engine (in this test process) on one
 * Postgres database and one Redis prefix. Engine A listens (MLLP + admin API, no worker); engine B only works
 * the queue, so every message is mapped by B and a change saved through A's API must reach B through the
 * notice channel. Each engine has its own temporary copy of the mappings directory (the repo's is never written).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../src/core/logger';
import { startEngine, type Engine, type EngineRole } from '../../src/main';
import { mappingSha256 } from '../../src/mappings/load';
import { connectMllp, type MllpTestClient } from './mllp-client';
import { createTestDatabase, dftMessage, freePort, ROOT, startRedisServer, tempProject, waitFor, type ProjectDirs } from './support';

jest.setTimeout(60_000);

const TOKEN = 'test-admin-token-mappings-0123456789';
const BODY_KEY = crypto.randomBytes(32).toString('base64');
const SHIPPED = fs.readFileSync(path.join(ROOT, 'mappings/dft-p03.yaml'), 'utf8');
/** The mapping files a test project starts with (every shipped mapping). */
const SHIPPED_FILES = fs.readdirSync(path.join(ROOT, 'mappings')).filter((f) => f.endsWith('.yaml') && !f.endsWith('.test.yaml'));
/** The shipped mapping with the transaction id read from FT1-1 (the set id) instead of FT1-2. */
const FROM_SET_ID = SHIPPED.replace('transactionId: FT1-2', 'transactionId: FT1-1');
/** Not a valid HL7 path: refused at the line and column of the value. */
const INVALID = FROM_SET_ID.replace('transactionId: FT1-1', 'transactionId: FT1-x');

function lineColOf(text: string, needle: string): { line: number; col: number } {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(needle));
  return { line: line + 1, col: lines[line]!.indexOf(needle) + 1 };
}

interface Running { engine: Engine; project: ProjectDirs }

describe('mappings API with hot reload across engine processes', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  /** A private Redis: the catch-up test drops every subscriber connection on it. */
  let redis: Awaited<ReturnType<typeof startRedisServer>>;
  const prefix = `rxbt${crypto.randomBytes(4).toString('hex')}`;
  let mllpPort: number;
  let a: Running;
  let b: Running;
  let client: MllpTestClient;
  let counter = 0;
  /** Every log line of both engines (and of B before its restart). */
  const logChunks: string[] = [];

  async function boot(role: EngineRole, project: ProjectDirs, httpPort: number): Promise<Running> {
    const stream = new PassThrough();
    stream.on('data', (c: Buffer) => logChunks.push(c.toString('utf8')));
    const engine = await startEngine({
      channelsDir: project.channelsDir, mappingsDir: project.mappingsDir, dataDir: project.dataDir,
      // Two processes with their own DATA_DIR on one store must share the body encryption key (docs/encryption.md).
      databaseUrl: db.url, redisUrl: redis.url, httpHost: '127.0.0.1', httpPort, adminToken: TOKEN, env: { RXBRIDGE_ENCRYPTION_KEY: BODY_KEY },
      logger: createLogger({ stream, level: 'debug' }), queuePrefix: prefix, role, sweepIntervalMs: 500, sweepOlderThanMs: 3000,
    });
    return { engine, project };
  }

  async function api(method: string, url: string, body?: unknown, opts: { token?: string | null; contentType?: string } = {}) {
    const token = opts.token === undefined ? TOKEN : opts.token;
    const res = await fetch(`http://127.0.0.1:${a.engine.httpAddress()!.port}${url}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': opts.contentType ?? 'application/json' } : {}),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, json: await res.json().catch(() => null) as any };
  }

  /** Sends one DFT with one line (transaction `T<n>`), waits for it to be processed, returns its charge row. */
  async function sendAndMap() {
    counter += 1;
    const controlId = `MAPI-${counter}`;
    client.sendFrame(dftMessage({ controlId, patientId: `PMAP${counter}`, lines: [{ txn: `T${counter}`, code: '90471', amount: '25' }] }));
    expect(await client.nextReply(10_000)).toContain('MSA|AA|');
    const store = a.engine.store.db;
    const { id } = await store.selectFrom('messages').select('id').where('control_id', '=', controlId).executeTakeFirstOrThrow();
    await waitFor(async () => (await store.selectFrom('messages').select('status').where('id', '=', id).executeTakeFirst())?.status === 'processed',
      15_000, `message ${controlId} processed`);
    const charge = await store.selectFrom('charges').selectAll().where('message_id', '=', id as never).executeTakeFirstOrThrow();
    return { id: String(id), controlId, txn: `T${counter}`, charge };
  }

  beforeAll(async () => {
    expect(FROM_SET_ID).not.toBe(SHIPPED);
    expect(INVALID).not.toBe(FROM_SET_ID);
    db = await createTestDatabase();
    redis = await startRedisServer();
    mllpPort = await freePort();
    a = await boot('listener', tempProject({ mllpPort }), 0);
    b = await boot('worker', tempProject({ mllpPort: await freePort() }), -1);
    client = await connectMllp(mllpPort);
  });

  afterAll(async () => {
    await client?.close();
    for (const e of [a, b]) {
      await e?.engine.stop();
      e?.project.cleanup();
    }
    await redis?.stop();
    await db?.drop();
  });

  test('a DFT maps with the shipped mapping; the list shows it with no saved version yet', async () => {
    const { charge, txn } = await sendAndMap();
    expect(charge.transaction_id).toBe(txn);
    const list = await api('GET', '/api/mappings');
    expect(list.status).toBe(200);
    expect(list.json.mappings.map((m: any) => m.name)).toEqual(['adt', 'adt-a40', 'dft-p03', 'oru-r01', 'ras-o17', 'rds', 'rds-vendor-example', 'vxu-v04']);
    expect(list.json.mappings.find((m: any) => m.name === 'dft-p03')).toEqual({
      name: 'dft-p03', description: expect.any(String), version: null, sha256: mappingSha256(SHIPPED), file: 'dft-p03.yaml',
    });
  });

  test('a saved change takes effect for the next message in the other process, without restart', async () => {
    const saved = await api('PUT', '/api/mappings/dft-p03', { content: FROM_SET_ID });
    expect(saved.status).toBe(200);
    // Version 1 is the file that was live before the first save; the change is version 2.
    expect(saved.json).toEqual({ name: 'dft-p03', version: 2, sha256: mappingSha256(FROM_SET_ID) });
    expect(fs.readFileSync(path.join(a.project.mappingsDir, 'dft-p03.yaml'), 'utf8')).toBe(FROM_SET_ID);
    expect(fs.readdirSync(a.project.mappingsDir).filter((f) => !SHIPPED_FILES.includes(f))).toEqual([]); // no temporary file left behind

    const { charge } = await sendAndMap();
    expect(charge.transaction_id).toBe('1'); // FT1-1, the set id: mapped by engine B with the new plan
    // B also wrote the text to its own mapping file, so a restart of B starts with it.
    await waitFor(() => fs.readFileSync(path.join(b.project.mappingsDir, 'dft-p03.yaml'), 'utf8') === FROM_SET_ID, 5000, 'B to write its file');
  });

  test('an invalid mapping is refused with line:col; nothing changes and the live one keeps running', async () => {
    const before = await a.engine.store.db.selectFrom('mapping_versions').select('version').execute();
    const refused = await api('PUT', '/api/mappings/dft-p03', { content: INVALID });
    expect(refused.status).toBe(422);
    expect(refused.json.error.code).toBe('CONFIG_INVALID');
    expect(refused.json.error.issues).toEqual([{ ...lineColOf(INVALID, 'FT1-x'), reason: expect.stringContaining('FT1-x') }]);

    const yamlError = await api('PUT', '/api/mappings/dft-p03', 'name: dft-p03\nrecords: [\n', { contentType: 'text/yaml' });
    expect(yamlError.status).toBe(422);
    expect(yamlError.json.error.issues[0]).toEqual({ line: expect.any(Number), col: expect.any(Number), reason: expect.stringContaining('invalid YAML') });

    const otherName = await api('PUT', '/api/mappings/dft-p03', { content: FROM_SET_ID.replace('name: dft-p03', 'name: other') });
    expect(otherName.status).toBe(422);
    expect(otherName.json.error.issues).toEqual([{ ...lineColOf(FROM_SET_ID, 'name: dft-p03'), reason: expect.stringContaining('must match') }]);

    expect(await a.engine.store.db.selectFrom('mapping_versions').select('version').execute()).toEqual(before);
    for (const e of [a, b]) expect(fs.readFileSync(path.join(e.project.mappingsDir, 'dft-p03.yaml'), 'utf8')).toBe(FROM_SET_ID);
    const { charge } = await sendAndMap();
    expect(charge.transaction_id).toBe('1'); // still version 2
  });

  test('GET shows the live text and every version', async () => {
    const got = await api('GET', '/api/mappings/dft-p03');
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({ name: 'dft-p03', content: FROM_SET_ID, version: 2 });
    expect(got.json.versions.map((v: any) => [v.version, v.sha256, v.actor])).toEqual([
      [1, mappingSha256(SHIPPED), 'file'],
      [2, mappingSha256(FROM_SET_ID), 'bootstrap-token'], // the caller: the bootstrap token (no admin user exists here)
    ]);
    expect(Date.parse(got.json.versions[1].createdAt)).not.toBeNaN();
    expect((await api('GET', '/api/mappings')).json.mappings.find((m: any) => m.name === 'dft-p03')).toMatchObject({ name: 'dft-p03', version: 2 });
    expect((await api('GET', '/api/mappings/nope')).status).toBe(404);
  });

  test('preview shows the diff between live and candidate on the stored messages and writes nothing', async () => {
    const versionsBefore = await a.engine.store.db.selectFrom('mapping_versions').selectAll().execute();
    const preview = await api('POST', '/api/mappings/dft-p03/preview', { content: SHIPPED, lastMessages: 10 });
    expect(preview.status).toBe(200);
    const messages = preview.json.messages as any[];
    // Newest first: every DFT stored so far (MAPI-1 … MAPI-n).
    expect(messages.map((m) => m.controlId)).toEqual(Array.from({ length: counter }, (_, i) => `MAPI-${counter - i}`));
    expect(preview.json).toMatchObject({ mapping: 'dft-p03', sha256: mappingSha256(SHIPPED), changed: counter });
    for (const m of messages) {
      const n = m.controlId.replace('MAPI-', '');
      expect(m.live.records.charges[0]).toMatchObject({ transactionId: '1', patientRef: `PMAP${n}` });
      expect(m.candidate.records.charges[0]).toMatchObject({ transactionId: `T${n}` });
      expect(m.diff).toEqual([{ change: 'field', kind: 'charges', index: 0, field: 'transactionId', before: '1', after: `T${n}` }]);
    }
    // The stored charge was written with the same source key the preview computes.
    const stored = await a.engine.store.db.selectFrom('charges').select('source_key').where('message_id', '=', messages[0].messageId).executeTakeFirstOrThrow();
    expect(messages[0].live.records.charges[0].sourceKey).toBe(stored.source_key);

    expect((await api('POST', '/api/mappings/dft-p03/preview', { content: SHIPPED, lastMessages: 2 })).json.messages).toHaveLength(2);

    const raw = dftMessage({ controlId: 'RAW-1', patientId: 'PRAW', lines: [{ txn: 'TR1', code: 'NOT-IN-MASTER', amount: '5' }] });
    const single = await api('POST', '/api/mappings/dft-p03/preview', { content: SHIPPED, raw });
    expect(single.status).toBe(200);
    expect(single.json.messages).toEqual([expect.objectContaining({
      messageId: null, controlId: 'RAW-1',
      diff: [{ change: 'field', kind: 'charges', index: 0, field: 'transactionId', before: '1', after: 'TR1' }],
    })]);

    const noCandidate = await api('POST', '/api/mappings/dft-p03/preview');
    expect(noCandidate.status).toBe(200);
    expect(noCandidate.json.changed).toBe(0);

    const invalid = await api('POST', '/api/mappings/dft-p03/preview', { content: INVALID });
    expect(invalid.status).toBe(422);
    expect(invalid.json.error.issues[0]).toMatchObject(lineColOf(INVALID, 'FT1-x'));
    expect((await api('POST', '/api/mappings/dft-p03/preview', { raw, lastMessages: 3 })).status).toBe(400);
    expect((await api('POST', '/api/mappings/dft-p03/preview', { lastMessages: 201 })).status).toBe(400);

    expect(await a.engine.store.db.selectFrom('mapping_versions').selectAll().execute()).toEqual(versionsBefore);
    expect(fs.readFileSync(path.join(a.project.mappingsDir, 'dft-p03.yaml'), 'utf8')).toBe(FROM_SET_ID);
    expect(a.engine.mappings.entry('dft-p03')!.text).toBe(FROM_SET_ID);
  });

  test('a new mapping can be created from a raw YAML body; names are checked', async () => {
    const copy = SHIPPED.replace('name: dft-p03', 'name: dft-copy');
    const created = await api('PUT', '/api/mappings/dft-copy', copy, { contentType: 'application/yaml' });
    expect(created.status).toBe(200);
    expect(created.json).toEqual({ name: 'dft-copy', version: 1, sha256: mappingSha256(copy) });
    expect(fs.readFileSync(path.join(a.project.mappingsDir, 'dft-copy.yaml'), 'utf8')).toBe(copy);
    await waitFor(() => b.engine.mappings.get('dft-copy') !== undefined, 5000, 'B to load the new mapping');
    expect((await api('GET', '/api/mappings')).json.mappings.map((m: any) => m.name)).toEqual(['adt', 'adt-a40', 'dft-copy', 'dft-p03', 'oru-r01', 'ras-o17', 'rds', 'rds-vendor-example', 'vxu-v04']);
    // Saving the same text again adds no version.
    expect((await api('PUT', '/api/mappings/dft-copy', { content: copy })).json.version).toBe(1);

    expect((await api('PUT', '/api/mappings/Bad_Name', { content: copy })).status).toBe(400);
    expect((await api('POST', '/api/mappings/bad.name/preview', {})).status).toBe(400);
    expect((await api('PUT', '/api/mappings/dft-copy', { content: copy, extra: 1 })).status).toBe(400);
    expect((await api('GET', '/api/mappings', undefined, { token: null })).status).toBe(401);
    expect((await api('PUT', '/api/mappings/dft-copy', { content: copy }, { token: 'wrong' })).status).toBe(401);
  });

  test('engine B restarted starts from its file, which holds the saved version', async () => {
    await b.engine.stop();
    b = await boot('worker', b.project, -1);
    const { charge } = await sendAndMap();
    expect(charge.transaction_id).toBe('1');
  });

  test('a version saved while the notices could not arrive is applied when the subscription is back', async () => {
    // As if a notice was lost: the version is only in the store. Then every subscriber connection drops.
    const SHIPPED_AGAIN = SHIPPED.replace('transactionId: FT1-2', 'transactionId: FT1-2.1');
    expect(SHIPPED_AGAIN).not.toBe(SHIPPED);
    await a.engine.store.db.insertInto('mapping_versions')
      .values({ mapping: 'dft-p03', version: 3, content: SHIPPED_AGAIN, sha256: mappingSha256(SHIPPED_AGAIN), actor: 'test' }).execute();
    const admin = redis.client();
    try {
      expect(Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub'))).toBeGreaterThanOrEqual(2);
    } finally {
      admin.disconnect();
    }
    await waitFor(() => b.engine.mappings.entry('dft-p03')?.text === SHIPPED_AGAIN, 10_000, 'B to catch up');
    await waitFor(() => a.engine.mappings.entry('dft-p03')?.text === SHIPPED_AGAIN, 10_000, 'A to catch up');
    const { charge, txn } = await sendAndMap();
    expect(charge.transaction_id).toBe(txn);
    expect((await api('GET', '/api/mappings/dft-p03')).json.version).toBe(3);
  });

  test('a notice published on Redis by someone else installs nothing: engines take mapping text only from the store', async () => {
    // Whoever can publish on Redis (a work queue, not a trust boundary) sends a newer "version" with its own text.
    const FORGED = SHIPPED.replace('transactionId: FT1-2', 'transactionId: PID-3');
    const before = b.engine.mappings.entry('dft-p03')!.text;
    const fileBefore = fs.readFileSync(path.join(b.project.mappingsDir, 'dft-p03.yaml'), 'utf8');
    const publisher = redis.client();
    try {
      const notice = { name: 'dft-p03', version: 99, sha256: mappingSha256(FORGED), content: FORGED };
      expect(await publisher.publish(`${prefix}:mappings`, JSON.stringify(notice))).toBeGreaterThanOrEqual(2);
    } finally {
      publisher.disconnect();
    }
    await new Promise((r) => setTimeout(r, 500));
    for (const e of [a, b]) expect(e.engine.mappings.entry('dft-p03')!.text).toBe(before);
    expect(fs.readFileSync(path.join(b.project.mappingsDir, 'dft-p03.yaml'), 'utf8')).toBe(fileBefore);
    const { charge, txn } = await sendAndMap();
    expect(charge.transaction_id).toBe(txn);
  });

  test('no patient data from the messages or previews reaches the logs', () => {
    const logs = logChunks.join('');
    expect(logs).toContain('mapping saved'); // engine A, where the API saved
    expect(logs).toContain('mapping reloaded'); // engine B, from the notice
    for (const phi of ['TESTPATIENT', 'ALEX', '19800101', 'PMAP1', 'PRAW', 'FT1|']) expect(logs).not.toContain(phi);
  });
});
