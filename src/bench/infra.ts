/**
 * Bench infrastructure (I/O on purpose): a fresh Postgres database per scenario, Redis key clean-up for a
 * queue prefix, a temporary project (sample channel + DFT^P03 mapping), free ports, machine facts, and the
 * forked load generator with timeouts on every exchange.
 *
 * Defaults match the integration tests: Postgres at postgres://postgres@127.0.0.1:5432/test (trust auth; used
 * only to create and drop databases), Redis at redis://127.0.0.1:6379. Override with BENCH_PG_ADMIN_URL and
 * BENCH_REDIS_URL.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { BENCH_PATIENTS } from './messages';
import type { ChildMessage, ParentMessage, PhaseResult } from './protocol';

/** Where the benchmarks' Postgres (a user that may create databases) and Redis are (run.ts reads BENCH_PG_ADMIN_URL, BENCH_REDIS_URL). */
export interface BenchServers {
  pgAdminUrl: string;
  redisUrl: string;
}
export const DEFAULT_BENCH_SERVERS: BenchServers = {
  pgAdminUrl: 'postgres://postgres@127.0.0.1:5432/test',
  redisUrl: 'redis://127.0.0.1:6379',
};
/** The repository root (this file runs from dist/bench). */
export const ROOT = path.resolve(__dirname, '../..');

export interface Database {
  url: string;
  drop(): Promise<void>;
}

async function adminQuery(servers: BenchServers, text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: servers.pgAdminUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

/** Creates an empty database named rxb_bench_<random>; drop() removes it (forcing out open sessions). */
export async function createDatabase(servers: BenchServers): Promise<Database> {
  const name = `rxb_bench_${crypto.randomBytes(5).toString('hex')}`;
  await adminQuery(servers, `create database ${name}`);
  const url = new URL(servers.pgAdminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await adminQuery(servers, `drop database if exists ${name} with (force)`);
    },
  };
}

/** Deletes every Redis key under `prefix:` (the engine's BullMQ keys for one scenario). Returns the count. */
export async function deleteRedisPrefix(servers: BenchServers, prefix: string): Promise<number> {
  const redis = new Redis(servers.redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 5000 });
  redis.on('error', () => undefined);
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
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

export interface Project {
  root: string;
  channelsDir: string;
  mappingsDir: string;
  dataDir: string;
  logFile: string;
  cleanup(): void;
}

/** A temporary project with the repository's sample channel and mappings/dft-p03.yaml. */
export function tempProject(): Project {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-bench-'));
  const channelsDir = path.join(root, 'channels');
  const mappingsDir = path.join(root, 'mappings');
  const dataDir = path.join(root, 'data');
  fs.mkdirSync(channelsDir);
  fs.mkdirSync(mappingsDir);
  fs.mkdirSync(dataDir);
  fs.copyFileSync(path.join(ROOT, 'channels/pharmacy-inbound.yaml'), path.join(channelsDir, 'pharmacy-inbound.yaml'));
  for (const name of fs.readdirSync(path.join(ROOT, 'mappings')).filter((f) => f.endsWith('.yaml') && !f.endsWith('.test.yaml'))) {
    fs.copyFileSync(path.join(ROOT, 'mappings', name), path.join(mappingsDir, name));
  }
  return {
    root,
    channelsDir,
    mappingsDir,
    dataDir,
    logFile: path.join(root, 'engine.log'),
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memory: string;
  node: string;
  postgres: string;
  redis: string;
  platform: string;
}

export async function machineInfo(servers: BenchServers): Promise<MachineInfo> {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const line = fs
      .readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) cpuModel = line.split(':')[1]?.trim() ?? cpuModel;
  } catch {
    /* not Linux */
  }
  const postgres = String((await adminQuery(servers, 'show server_version')).rows[0]?.server_version ?? 'unknown');
  const redis = new Redis(servers.redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 5000 });
  redis.on('error', () => undefined);
  let redisVersion = 'unknown';
  try {
    redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
  } finally {
    redis.disconnect();
  }
  return {
    cpus: os.availableParallelism(),
    cpuModel,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    postgres,
    redis: redisVersion,
    platform: `${os.type()} ${os.release()}`,
  };
}

/** The commit the bench ran on, and whether the working tree had changes (the build includes them). */
export function gitState(): { commit: string; dirty: boolean } | undefined {
  try {
    const git = (...args: string[]): string =>
      execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return { commit: git('rev-parse', '--short', 'HEAD'), dirty: git('status', '--porcelain', '--untracked-files=no', '--', 'src') !== '' };
  } catch {
    return undefined;
  }
}

/** Whole-machine CPU time from /proc/stat (Linux): busy and total jiffies; undefined elsewhere. */
export function machineCpu(): { busy: number; total: number } | undefined {
  try {
    const fields = (fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/** The forked load generator, with a timeout on every exchange; kill() is idempotent. */
export class Generator {
  private readonly child: ChildProcess;
  private waiter: { resolve(m: ChildMessage): void; reject(e: Error): void } | undefined;
  private exited = false;

  constructor() {
    this.child = fork(path.join(__dirname, 'generator.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: ChildMessage) => {
      const w = this.waiter;
      this.waiter = undefined;
      if (!w) return;
      if (m.type === 'error') w.reject(new Error(`load generator: ${m.message}`));
      else w.resolve(m);
    });
    this.child.on('exit', (code) => {
      this.exited = true;
      const w = this.waiter;
      this.waiter = undefined;
      w?.reject(new Error(`load generator exited (code ${code})`));
    });
  }

  private exchange(msg: ParentMessage, timeoutMs: number): Promise<ChildMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`load generator did not answer '${msg.type}' within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.child.send(msg);
    });
  }

  /** `patients`: how many patients the messages are spread over (BENCH_PATIENTS; default BENCH_PATIENTS of messages.ts). */
  async connect(port: number, connections: number, seed: number, patients = BENCH_PATIENTS): Promise<void> {
    const runTag = crypto.randomBytes(3).toString('hex').toUpperCase();
    await this.exchange({ type: 'connect', host: '127.0.0.1', port, connections, runTag, seed, patients }, 15_000);
  }

  async run(cmd: Extract<ParentMessage, { type: 'run' }>): Promise<PhaseResult> {
    // The generator itself gives up draining 30 s after the deadline; allow a little more.
    const m = await this.exchange(cmd, (cmd.seconds + 45) * 1000);
    if (m.type !== 'phase-done') throw new Error(`load generator answered '${m.type}' to 'run'`);
    return m.result;
  }

  /** Asks the child to close its sockets and exit; kills it if it has not within 2 s. */
  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    try {
      this.child.send({ type: 'close' });
    } catch {
      /* channel already closed */
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await gone;
    clearTimeout(timer);
  }
}
