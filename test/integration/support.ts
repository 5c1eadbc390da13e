/**
 * Shared helpers for integration tests: a fresh Postgres database per test file, a private redis-server,
 * temporary channel/mapping directories, synthetic HL7 messages, and polling.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';

export const ROOT = path.resolve(__dirname, '../..');

/**
 * The sample channel file's text without its own `destinations:` (the state registry, disabled), for tests that
 * give the channel destinations of their own: the key and everything under it up to the next top-level key.
 */
export function sampleChannelWithoutDestinations(): string {
  const lines = fs.readFileSync(path.join(ROOT, 'channels/pharmacy-inbound.yaml'), 'utf8').split('\n');
  const start = lines.indexOf('destinations:');
  if (start < 0) return lines.join('\n');
  let end = start + 1;
  while (end < lines.length && (lines[end] === '' || /^[ #]/.test(lines[end]!))) end++;
  return [...lines.slice(0, start), ...lines.slice(end)].join('\n');
}
export const CORPUS = path.resolve(ROOT, '../shared/corpus');
export const PG_ADMIN_URL = process.env.DATABASE_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';

/** Creates an empty database for one test file; drop() removes it. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `rxb_t_${crypto.randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * A redis-server of the test's own (so FLUSHALL or a restart touches nobody else). `appendonly` keeps its data
 * in an append-only file, so restart() (SIGTERM, a pause, the same port and directory) brings the data back.
 */
export async function startRedisServer(opts: { appendonly?: boolean } = {}): Promise<{
  url: string; stop(): Promise<void>; client(): Redis; restart(downMs?: number): Promise<void>;
}> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', opts.appendonly ? 'yes' : 'no', '--dir', dir];
  const url = `redis://127.0.0.1:${port}`;
  const launch = async (): Promise<ChildProcess> => {
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    await waitFor(async () => {
      const r = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      r.on('error', () => undefined);
      try { await r.connect(); return (await r.ping()) === 'PONG'; } catch { return false; } finally { r.disconnect(); }
    }, 10_000, 'private redis-server to start');
    return child;
  };
  const halt = async (child: ChildProcess, signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  };
  let child = await launch();
  return {
    url,
    client: () => new Redis(url, { maxRetriesPerRequest: null }),
    restart: async (downMs = 0) => {
      await halt(child, 'SIGTERM');
      await new Promise((r) => setTimeout(r, downMs));
      child = await launch();
    },
    stop: async () => {
      await halt(child, 'SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface ProjectDirs { root: string; channelsDir: string; mappingsDir: string; dataDir: string; cleanup(): void }

/**
 * A temporary project: the sample channel (port from the given number) and the sample mappings (every
 * mappings/*.yaml the channel may route to), with optional overrides of the channel and the dft-p03 mapping text.
 */
export function tempProject(opts: { mllpPort: number; channelYaml?: string; mappingYaml?: string }): ProjectDirs {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-proj-'));
  const channelsDir = path.join(root, 'channels');
  const mappingsDir = path.join(root, 'mappings');
  const dataDir = path.join(root, 'data');
  fs.mkdirSync(channelsDir);
  fs.mkdirSync(mappingsDir);
  const channel = opts.channelYaml ?? fs.readFileSync(path.join(ROOT, 'channels/pharmacy-inbound.yaml'), 'utf8');
  fs.writeFileSync(path.join(channelsDir, 'pharmacy-inbound.yaml'), channel.replace('${MLLP_PORT:-2575}', String(opts.mllpPort)).replace('${MLLP_HOST:-0.0.0.0}', '127.0.0.1'));
  for (const file of fs.readdirSync(path.join(ROOT, 'mappings'))) {
    if (file.endsWith('.yaml') && !file.endsWith('.test.yaml')) fs.copyFileSync(path.join(ROOT, 'mappings', file), path.join(mappingsDir, file));
  }
  if (opts.mappingYaml !== undefined) fs.writeFileSync(path.join(mappingsDir, 'dft-p03.yaml'), opts.mappingYaml);
  return { root, channelsDir, mappingsDir, dataDir, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
}

/** An HL7 segment with the given fields by number (1-based), empty between them. */
export function hl7Segment(name: string, fields: Record<number, string>): string {
  const max = Math.max(...Object.keys(fields).map(Number));
  return [name, ...Array.from({ length: max }, (_, i) => fields[i + 1] ?? '')].join('|');
}

export interface DftLine {
  txn: string; code: string; amount: string; type?: 'CG' | 'CD';
  /** FT1-31: the Set ID (FT1-1, the line's 1-based position here) of the line of this message a credit reverses. */
  reverses?: string;
  units?: string; date?: string;
}

/** A synthetic DFT^P03 message (2.5.1 layout; FT1-1 numbers the lines from 1; FT1-31 names a line by that number). */
export function dftMessage(o: { controlId: string; patientId: string; lines: DftLine[]; version?: string; sender?: string }): string {
  const version = o.version ?? '2.5.1';
  const segs = [
    `MSH|^~\\&|${o.sender ?? 'RXSYS'}|PHARM01|RXBRIDGE|BILLING|20261103101500||DFT^P03^DFT_P03|${o.controlId}|P|${version}`,
    'EVN|P03|20261103101500',
    `PID|1||${o.patientId}^^^PHARM01^MR||TESTPATIENT^ALEX||19800101|U`,
    'PV1|1|O',
  ];
  o.lines.forEach((l, i) => {
    const f = new Array(32).fill('');
    f[0] = 'FT1';
    f[1] = String(i + 1);
    f[2] = l.txn;
    f[4] = l.date ?? '20261103';
    f[6] = l.type ?? 'CG';
    f[7] = `${l.code}^Service^C4`;
    f[10] = l.units ?? '1';
    f[11] = `${l.amount}&USD`;
    f[19] = 'Z23^Encounter for immunization^I10';
    f[20] = '1234567893^PHARMACIST^PAT^^^^^^NPI';
    f[25] = `${l.code}^Service^C4`;
    if (l.reverses) f[31] = l.reverses;
    segs.push(f.join('|'));
  });
  return segs.join('\r');
}

export function adtMessage(controlId: string, patientId: string, version = '2.5.1'): string {
  return [
    `MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|BILLING|20261103101500||ADT^A04^ADT_A01|${controlId}|P|${version}`,
    'EVN|A04|20261103101500',
    `PID|1||${patientId}^^^PHARM01^MR||TESTPATIENT^ALEX||19800101|U`,
  ].join('\r');
}
