/**
 * Channel reload without a restart, against a whole engine (real sockets, Postgres, Redis):
 * - an in-place change (accept, routes, description) applies to the next frame over the SAME open connection and
 *   keeps the listener;
 * - invalid files answer 422 with file:line:col and change nothing (the old channel still serves);
 * - a new channel file starts a listener on its port, removing the file stops it; a port already in use makes
 *   that channel `failed` while the others apply, and a later reload retries it;
 * - a `source` change (port) moves the listener;
 * - SIGHUP through serveUntilStopped reloads channels (and prints the issues of invalid files on stderr);
 * - a reload through one engine's API reaches a second engine on the same queue prefix (Redis notice).
 */
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Redis } from 'ioredis';
import { serveUntilStopped } from '../../src/cli/main';
import { createLogger } from '../../src/core/logger';
import { startEngine, type Engine, type EngineRole } from '../../src/main';
import { segment, startHarness, type Harness } from './engine-harness';
import { connectMllp, type MllpTestClient } from './mllp-client';
import { adtMessage, createTestDatabase, dftMessage, freePort, REDIS_URL, tempProject, waitFor, type ProjectDirs } from './support';

jest.setTimeout(60_000);

/** A small channel file: DFT^P03 only (plus `extraTypes`, routed to adt), on 127.0.0.1:`port`. */
function channelYaml(name: string, port: number | string, opts: { extraTypes?: string[]; description?: string; enabled?: boolean } = {}): string {
  const extra = opts.extraTypes ?? [];
  return [
    `name: ${name}`,
    `description: "${opts.description ?? 'test feed'}"`,
    `enabled: ${opts.enabled ?? true}`,
    'source:',
    '  type: mllp',
    '  host: 127.0.0.1',
    `  port: ${port}`,
    `accept: [DFT^P03${extra.map((t) => `, ${t}`).join('')}]`,
    'routes:',
    '  - types: [DFT^P03]',
    '    mapping: dft-p03',
    ...(extra.length > 0 ? [`  - types: [${extra.join(', ')}]`, '    mapping: adt'] : []),
    '',
  ].join('\n');
}

/** MSA-1 and MSA-2 of an ACK, and ERR's condition code when there is one. */
function answer(ack: string): { code: string | undefined; controlId: string | undefined } {
  const msa = segment(ack, 'MSA');
  return { code: msa[1], controlId: msa[2] };
}

/** Resolves to the socket error code of a connection attempt to `port`, or 'connected'. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => { s.destroy(); resolve('connected'); });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.name));
  });
}

let counter = 0;
const nextId = (prefix: string) => `${prefix}-${++counter}`;

describe('channel reload through the API and SIGHUP', () => {
  let h: Harness;
  let channelFile: string;
  const signals = new EventEmitter();

  beforeAll(async () => {
    // The harness puts its port where the sample has ${MLLP_PORT:-2575}.
    h = await startHarness({ store: 'postgres', channelYaml: channelYaml('pharmacy-inbound', '${MLLP_PORT:-2575}') });
    channelFile = path.join(h.project.channelsDir, 'pharmacy-inbound.yaml');
    void serveUntilStopped(h.engine, signals); // only SIGHUP is emitted: the harness stops the engine
  });
  afterAll(async () => {
    await h?.close();
  });

  const reload = () => h.api('POST', '/api/channels/reload');
  const logLines = () => h.logs().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

  test('an in-place change (accept, routes, description): AR before, AA after, over the same open connection', async () => {
    const client = await h.client();
    try {
      const listener = h.engine.listeners.get('pharmacy-inbound');
      const before = nextId('RLA');
      client.sendFrame(adtMessage(before, 'PRL1'));
      const refused = await client.nextReply(10_000);
      expect(answer(refused)).toEqual({ code: 'AR', controlId: before });
      expect(segment(refused, 'ERR')[3]).toMatch(/^200\^/);

      fs.writeFileSync(channelFile, channelYaml('pharmacy-inbound', h.mllpPort, { extraTypes: ['ADT^A04'], description: 'reloaded feed' }));
      const res = await reload();
      expect(res.status).toBe(200);
      expect(res.json.channels).toEqual([{ name: 'pharmacy-inbound', outcome: 'updated', changed: ['accept', 'description', 'routes'] }]);

      const after = nextId('RLA');
      client.sendFrame(adtMessage(after, 'PRL2'));
      expect(answer(await client.nextReply(10_000))).toEqual({ code: 'AA', controlId: after });
      // The same listener and connection carried both frames.
      expect(h.engine.listeners.get('pharmacy-inbound')).toBe(listener);
      expect(listener?.connectionCount).toBe(1);
      // Routed by the new plan: the adt mapping processes it.
      const row = await h.engine.store.db.selectFrom('messages').select('id').where('control_id', '=', after).executeTakeFirstOrThrow();
      await h.waitForStatus(String(row.id), ['processed']);

      const channels = await h.api('GET', '/api/channels');
      expect(channels.json.channels[0]).toMatchObject({ name: 'pharmacy-inbound', description: 'reloaded feed', state: 'listening' });
      expect(channels.json.channels[0].accept).toEqual(['DFT^P03', 'ADT^A04']);
      expect(h.engine.channels[0]?.description).toBe('reloaded feed');

      const audit = await h.api('GET', '/api/audit?action=channels.reload');
      expect(audit.json.events[0]).toMatchObject({ actor: 'bootstrap-token', action: 'channels.reload' });
      expect(audit.json.events[0].detail).toMatchObject({ updated: ['pharmacy-inbound'], failed: [] });
      expect(logLines()).toEqual(expect.arrayContaining([
        expect.objectContaining({ message: 'channel reloaded', channel: 'pharmacy-inbound', status: 'updated' }),
        expect.objectContaining({ message: 'channels reloaded', reason: 'api', count: 1 }),
      ]));
    } finally {
      await client.close();
    }
  });

  test('invalid files: 422 with file:line:col and the reason; nothing changes, the old channel still serves', async () => {
    const client = await h.client();
    const badFile = path.join(h.project.channelsDir, 'broken.yaml');
    try {
      const valid = fs.readFileSync(channelFile, 'utf8');
      fs.writeFileSync(channelFile, valid.replace('  port:', '  prot:'));
      fs.writeFileSync(badFile, channelYaml('broken', 1).replace('enabled: true', 'enabled: maybe'));
      const res = await reload();
      expect(res.status).toBe(422);
      expect(res.json.error.code).toBe('CONFIG_INVALID');
      expect(res.json.error.message).toContain('the channels in force stay');
      const issues = res.json.error.issues as Array<{ file: string; line: number; col: number; reason: string }>;
      expect(issues).toEqual(expect.arrayContaining([
        { file: badFile, line: 3, col: 10, reason: expect.stringContaining('enabled') },
        { file: channelFile, line: 7, col: 3, reason: expect.stringContaining('prot') },
      ]));

      // Still the reloaded plan of the first test, still listening on the same port.
      expect(h.engine.channels.map((c) => c.name)).toEqual(['pharmacy-inbound']);
      const id = nextId('RLB');
      client.sendFrame(adtMessage(id, 'PRL3'));
      expect(answer(await client.nextReply(10_000))).toEqual({ code: 'AA', controlId: id });
      const dft = nextId('RLB');
      client.sendFrame(dftMessage({ controlId: dft, patientId: 'PRL4', lines: [{ txn: `${dft}-1`, code: '90471', amount: '5' }] }));
      expect(answer(await client.nextReply(10_000))).toEqual({ code: 'AA', controlId: dft });
      fs.writeFileSync(channelFile, valid);
    } finally {
      fs.rmSync(badFile, { force: true });
      await client.close();
    }
  });

  test('a new channel file starts listening on its port; a port in use fails that channel only; removing the file stops it', async () => {
    const labPort = await freePort();
    const labFile = path.join(h.project.channelsDir, 'lab.yaml');
    // Something else holds the port: lab fails, pharmacy-inbound's in-place change still applies.
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(labPort, '127.0.0.1', r));
    fs.writeFileSync(labFile, channelYaml('lab', labPort));
    fs.writeFileSync(channelFile, channelYaml('pharmacy-inbound', h.mllpPort, { extraTypes: ['ADT^A04'], description: 'with a lab' }));
    const failed = await reload();
    expect(failed.status).toBe(200);
    expect(failed.json.channels).toEqual([
      { name: 'lab', outcome: 'failed', changed: [], reason: expect.stringContaining('EADDRINUSE') },
      { name: 'pharmacy-inbound', outcome: 'updated', changed: ['description'] },
    ]);
    expect(h.engine.channels.map((c) => c.name)).toEqual(['pharmacy-inbound']); // a failed addition is not kept
    expect(h.engine.listeners.has('lab')).toBe(false);
    expect(h.engine.channels[0]?.description).toBe('with a lab');
    await new Promise((r) => blocker.close(r));

    // The port is free again: the next reload adds it.
    const added = await reload();
    expect(added.json.channels).toEqual([
      { name: 'lab', outcome: 'added', changed: [] },
      { name: 'pharmacy-inbound', outcome: 'unchanged', changed: [] },
    ]);
    const lab = await connectMllp(labPort);
    const id = nextId('RLC');
    lab.sendFrame(dftMessage({ controlId: id, patientId: 'PRL5', lines: [{ txn: `${id}-1`, code: '90471', amount: '5' }] }));
    expect(answer(await lab.nextReply(10_000))).toEqual({ code: 'AA', controlId: id });
    const row = await h.engine.store.db.selectFrom('messages').select(['id', 'channel']).where('control_id', '=', id).executeTakeFirstOrThrow();
    expect(row.channel).toBe('lab');
    await h.waitForStatus(String(row.id), ['processed']); // the worker knows the new channel
    const status = await h.api('GET', '/api/channels');
    expect(status.json.channels.map((c: { name: string; state: string; port: number }) => [c.name, c.state, c.port]))
      .toEqual([['lab', 'listening', labPort], ['pharmacy-inbound', 'listening', h.mllpPort]]);

    fs.rmSync(labFile);
    const removed = await reload();
    expect(removed.json.channels).toEqual([
      { name: 'pharmacy-inbound', outcome: 'unchanged', changed: [] },
      { name: 'lab', outcome: 'removed', changed: [] },
    ]);
    await lab.closed; // the open connection was ended by the stopping listener
    expect(await tryConnect(labPort)).toBe('ECONNREFUSED');
    expect(h.engine.listeners.has('lab')).toBe(false);
    expect((await h.api('GET', '/api/channels')).json.channels.map((c: { name: string }) => c.name)).toEqual(['pharmacy-inbound']);
  });

  test('SIGHUP reloads the channel files; invalid files are printed on stderr and change nothing', async () => {
    fs.writeFileSync(channelFile, channelYaml('pharmacy-inbound', h.mllpPort, { extraTypes: ['ADT^A04', 'ADT^A08'], description: 'by signal' }));
    signals.emit('SIGHUP');
    await waitFor(() => h.engine.channels[0]?.accept.has('ADT^A08') === true, 10_000, 'the SIGHUP reload');
    expect(logLines()).toEqual(expect.arrayContaining([expect.objectContaining({ message: 'channels reloaded', reason: 'SIGHUP', count: 1 })]));
    const client = await h.client();
    try {
      const id = nextId('RLE');
      client.sendFrame(adtMessage(id, 'PRL6').replace('ADT^A04^ADT_A01', 'ADT^A08^ADT_A01'));
      expect(answer(await client.nextReply(10_000))).toEqual({ code: 'AA', controlId: id });
    } finally {
      await client.close();
    }

    const errors: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((text: unknown) => { errors.push(String(text)); });
    try {
      const valid = fs.readFileSync(channelFile, 'utf8');
      fs.writeFileSync(channelFile, valid.replace('  port:', '  prot:'));
      signals.emit('SIGHUP');
      await waitFor(() => errors.length > 0, 10_000, 'the refused reload on stderr');
      expect(errors[0]).toContain('rxbridge: channel reload refused, the channels in force stay:');
      expect(errors[0]).toContain(`${channelFile}:7:3:`);
      fs.writeFileSync(channelFile, valid);
    } finally {
      spy.mockRestore();
    }
    expect(h.engine.channels[0]?.description).toBe('by signal');
    expect(h.engine.listeners.get('pharmacy-inbound')?.serving).toBe(true);
  });

  test('a source change to a port in use fails: the channel listens again on its old settings', async () => {
    const taken = await freePort();
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(taken, '127.0.0.1', r));
    try {
      const valid = fs.readFileSync(channelFile, 'utf8');
      fs.writeFileSync(channelFile, channelYaml('pharmacy-inbound', taken, { extraTypes: ['ADT^A04'] }));
      const res = await reload();
      expect(res.json.channels).toEqual([{
        name: 'pharmacy-inbound', outcome: 'failed', changed: ['accept', 'description', 'routes', 'source'],
        reason: expect.stringContaining('EADDRINUSE'),
      }]);
      // The previous plan stays whole (ADT^A08 still accepted), on the old port.
      expect(h.engine.channels[0]?.accept.has('ADT^A08')).toBe(true);
      expect(h.engine.listeners.get('pharmacy-inbound')?.address().port).toBe(h.mllpPort);
      const client = await h.client();
      try {
        const id = nextId('RLG');
        client.sendFrame(adtMessage(id, 'PRL10').replace('ADT^A04^ADT_A01', 'ADT^A08^ADT_A01'));
        expect(answer(await client.nextReply(10_000))).toEqual({ code: 'AA', controlId: id });
      } finally {
        await client.close();
      }
      fs.writeFileSync(channelFile, valid);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  test('a source change (port) moves the listener: the old port refuses, the new one serves', async () => {
    const oldPort = h.mllpPort;
    const open = await h.client();
    const newPort = await freePort();
    fs.writeFileSync(channelFile, channelYaml('pharmacy-inbound', newPort, { extraTypes: ['ADT^A04'] }));
    const res = await reload();
    expect(res.json.channels).toEqual([{ name: 'pharmacy-inbound', outcome: 'restarted', changed: ['accept', 'description', 'routes', 'source'] }]);
    await open.closed; // senders on a restarted channel reconnect
    expect(await tryConnect(oldPort)).toBe('ECONNREFUSED');
    const moved = await connectMllp(newPort);
    try {
      const id = nextId('RLD');
      moved.sendFrame(adtMessage(id, 'PRL7'));
      expect(answer(await moved.nextReply(10_000))).toEqual({ code: 'AA', controlId: id });
    } finally {
      await moved.close();
    }
    expect(h.engine.listeners.get('pharmacy-inbound')?.address().port).toBe(newPort);
    const status = await h.api('GET', '/api/channels');
    expect(status.json.channels[0]).toMatchObject({ state: 'listening', port: newPort });
  });
});

describe('channel reload across engine processes (Redis notice)', () => {
  const TOKEN = 'test-admin-token-channels-0123456789';
  const BODY_KEY = crypto.randomBytes(32).toString('base64');
  const prefix = `rxbt${crypto.randomBytes(4).toString('hex')}`;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const running: Array<{ engine: Engine; project: ProjectDirs; logs: string[]; port: number }> = [];

  async function boot(role: EngineRole, httpPort: number) {
    const port = await freePort();
    const project = tempProject({ mllpPort: port, channelYaml: channelYaml('pharmacy-inbound', port) });
    const logs: string[] = [];
    const stream = new PassThrough();
    stream.on('data', (c: Buffer) => logs.push(c.toString('utf8')));
    const engine = await startEngine({
      channelsDir: project.channelsDir, mappingsDir: project.mappingsDir, dataDir: project.dataDir,
      databaseUrl: db.url, redisUrl: REDIS_URL, httpHost: '127.0.0.1', httpPort, adminToken: TOKEN, env: { RXBRIDGE_ENCRYPTION_KEY: BODY_KEY },
      logger: createLogger({ stream, level: 'debug' }), queuePrefix: prefix, role, sweepIntervalMs: 500, sweepOlderThanMs: 3000,
    });
    const r = { engine, project, logs, port };
    running.push(r);
    return r;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const r of running) {
      await r.engine.stop();
      r.project.cleanup();
    }
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await db?.drop();
  });

  test('a reload through engine A\'s API makes engine B (same prefix) reload its own files', async () => {
    const a = await boot('all', 0);
    const b = await boot('listener', -1);
    const onB: MllpTestClient = await connectMllp(b.port);
    try {
      const refusedId = nextId('RLF');
      onB.sendFrame(adtMessage(refusedId, 'PRL8'));
      expect(answer(await onB.nextReply(10_000)).code).toBe('AR');

      for (const r of [a, b]) {
        fs.writeFileSync(path.join(r.project.channelsDir, 'pharmacy-inbound.yaml'), channelYaml('pharmacy-inbound', r.port, { extraTypes: ['ADT^A04'] }));
      }
      const res = await fetch(`http://127.0.0.1:${a.engine.httpAddress()!.port}/api/channels/reload`, {
        method: 'POST', headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(res.status).toBe(200);
      await waitFor(() => b.engine.channels[0]?.accept.has('ADT^A04') === true, 10_000, 'engine B to reload on the notice');
      expect(b.logs.join('')).toContain('"reason":"notice"');

      const acceptedId = nextId('RLF');
      onB.sendFrame(adtMessage(acceptedId, 'PRL9'));
      expect(answer(await onB.nextReply(10_000))).toEqual({ code: 'AA', controlId: acceptedId });
      // A ignored its own notice: one reload only (the API's).
      await new Promise((r) => setTimeout(r, 300));
      expect(a.logs.join('').match(/"message":"channels reloaded"/g)).toHaveLength(1);
    } finally {
      await onB.close();
    }
  });
});
