/**
 * The Docker image's directory layout, run as an unprivileged user (nobody, as the image runs as `node`): code and the
 * shipped mappings and billing folder owned by root and read-only, everything the engine writes on the data volume.
 * bin/docker-entrypoint.sh seeds the volume on the first start; a mapping saved through the API lands on the volume.
 * Pointed at the root-owned shipped folder instead, a save answers 503 DIRECTORY_NOT_WRITABLE naming the folder and
 * the cause, the engine logs it, and `rxbridge doctor` fails on it. Needs root to switch users (setpriv): skipped
 * otherwise, saying so.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort, REDIS_URL, ROOT, waitFor } from './support';

const NOBODY = 65534;
const TOKEN = 'docker-layout-admin-token-0123456789abcdef';
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0 && fs.existsSync('/usr/bin/setpriv');
const maybe = asRoot ? describe : describe.skip;
if (!asRoot) console.warn('docker-layout: skipped (needs root and setpriv to run the engine as an unprivileged user)');

/** A command line run as nobody. */
const asNobody = (args: string[]): string[] => ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', '--', ...args];

maybe('the Docker layout as an unprivileged user', () => {
  let root: string;
  let app: string;
  let data: string;
  const prefix = `rxb-docker-${process.pid}`;

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-docker-'));
    fs.chmodSync(root, 0o755);
    app = path.join(root, 'app');
    data = path.join(root, 'data');
    for (const dir of ['mappings', 'billing']) fs.cpSync(path.join(ROOT, dir), path.join(app, dir), { recursive: true });
    fs.mkdirSync(data);
    fs.chownSync(data, NOBODY, NOBODY);
  });

  afterAll(async () => {
    fs.rmSync(root, { recursive: true, force: true });
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  async function envFor(mappingsDir: string): Promise<Record<string, string>> {
    return {
      PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: data,
      DATA_DIR: data, MAPPINGS_DIR: mappingsDir, CHANNELS_DIR: path.join(ROOT, 'channels'),
      BILLING_CONFIG: path.join(data, 'billing/billing.yaml'), PAYER_RULES_DIR: path.join(data, 'billing/payer-rules'),
      RXBRIDGE_SEED_DIR: app, REDIS_URL, RXBRIDGE_QUEUE_PREFIX: prefix, RXBRIDGE_ADMIN_TOKEN: TOKEN,
      HTTP_HOST: '127.0.0.1', HTTP_PORT: String(await freePort()), MLLP_HOST: '127.0.0.1', MLLP_PORT: String(await freePort()),
      LOG_LEVEL: 'info',
    };
  }

  /** Starts the entry point as nobody; resolves once /api/health answers. */
  async function start(env: Record<string, string>): Promise<{ child: ChildProcess; log: () => string; url: string }> {
    let log = '';
    const child = spawn('/usr/bin/setpriv', asNobody(['sh', path.join(ROOT, 'bin/docker-entrypoint.sh'), 'start']), { cwd: root, env });
    child.stdout!.on('data', (b: Buffer) => { log += b.toString(); });
    child.stderr!.on('data', (b: Buffer) => { log += b.toString(); });
    const url = `http://127.0.0.1:${env.HTTP_PORT}`;
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`the engine exited (${child.exitCode}):\n${log}`);
      return fetch(`${url}/api/health`).then((r) => r.ok, () => false);
    }, 60_000, 'the engine answering /api/health', 250);
    return { child, log: () => log, url };
  }

  async function stop(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

  async function saveWithComment(url: string, comment: string): Promise<{ status: number; body: any }> {
    const current = await fetch(`${url}/api/mappings/adt`, { headers: auth }).then((r) => r.json() as Promise<{ content: string }>);
    const res = await fetch(`${url}/api/mappings/adt`, { method: 'PUT', headers: auth, body: JSON.stringify({ content: `${current.content}\n# ${comment}\n` }) });
    return { status: res.status, body: await res.json() };
  }

  it('seeds the volume on the first start, and a mapping saved from the API is written there by the engine\'s user', async () => {
    const env = await envFor(path.join(data, 'mappings'));
    const engine = await start(env);
    try {
      expect(engine.log()).toContain(`seeded ${path.join(data, 'mappings')}`);
      expect(fs.statSync(path.join(data, 'billing/billing.yaml')).uid).toBe(NOBODY);
      const saved = await saveWithComment(engine.url, 'saved from the console');
      expect(saved).toMatchObject({ status: 200, body: { name: 'adt', version: expect.any(Number) } });
      const file = path.join(data, 'mappings/adt.yaml');
      expect(fs.readFileSync(file, 'utf8')).toContain('# saved from the console');
      expect(fs.statSync(file).uid).toBe(NOBODY);
      // The image's own copy is untouched.
      expect(fs.readFileSync(path.join(app, 'mappings/adt.yaml'), 'utf8')).not.toContain('saved from the console');
    } finally {
      await stop(engine.child);
    }
    // A second start keeps the volume's copy (what admins saved), not the image's.
    const again = await start(env);
    try {
      expect(again.log()).not.toContain('seeded');
      expect(fs.readFileSync(path.join(data, 'mappings/adt.yaml'), 'utf8')).toContain('# saved from the console');
    } finally {
      await stop(again.child);
    }
  }, 180_000);

  it('a mappings folder it cannot write: the save answers 503 naming the folder and the cause, the log says so, doctor fails', async () => {
    const shipped = path.join(app, 'mappings');
    const env = await envFor(shipped);
    const engine = await start(env);
    try {
      const saved = await saveWithComment(engine.url, 'cannot be written');
      expect(saved.status).toBe(503);
      expect(saved.body.error).toMatchObject({
        code: 'DIRECTORY_NOT_WRITABLE', message: expect.stringContaining(`the mappings folder ${shipped} cannot be written by the engine (EACCES: permission denied)`),
      });
      await waitFor(() => engine.log().includes('mapping not saved'), 5000, 'the log line');
      expect(fs.readFileSync(path.join(shipped, 'adt.yaml'), 'utf8')).not.toContain('cannot be written');
      // The previous version stays live.
      const live = await fetch(`${engine.url}/api/mappings/adt`, { headers: auth }).then((r) => r.json() as Promise<{ content: string }>);
      expect(live.content).not.toContain('cannot be written');
    } finally {
      await stop(engine.child);
    }
    const doctor = spawnSync('/usr/bin/setpriv', asNobody([process.execPath, path.join(ROOT, 'bin/rxbridge.js'), 'doctor']),
      { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
    expect(doctor.status).toBe(1);
    expect(doctor.stdout).toContain(`FAIL  writable: MAPPINGS_DIR ${shipped} (mappings saved from the console) cannot be written by this user (EACCES: permission denied)`);
    expect(doctor.stdout).toContain(`ok    writable: DATA_DIR ${data}`);
    expect(doctor.stdout).toMatch(/ok {4}billing: \d+ payer\(s\)/);
  }, 180_000);
});
