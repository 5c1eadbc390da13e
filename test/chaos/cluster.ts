/**
 * A chaos cluster: the built engine run as separate processes (`node bin/rxbridge.js start --role listener` and
 * one or more `--role worker`) on a fresh Postgres database (createTestDatabase) and a private redis-server
 * (startRedisServer), so faults touch nothing outside the test. Each process logs (warn and above) to
 * test-output/chaos/<fault>-<process>.log; a process that exits by itself while the test expects it to run is
 * reported with the tail of that log.
 *
 * Contract: start() resolves once every process answers GET /api/health with 200; close() stops every process,
 * drops the database, stops Redis and removes the temporary project, whatever state the fault left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { createTestDatabase, freePort, PG_ADMIN_URL, ROOT, startRedisServer, tempProject, waitFor, type ProjectDirs } from '../integration/support';

export const CHAOS_OUTPUT = path.join(ROOT, 'test-output');
const LOG_DIR = path.join(CHAOS_OUTPUT, 'chaos');
export const ADMIN_TOKEN = 'chaos-admin-token-0123456789abcdef';

export type Role = 'listener' | 'worker';

export interface Health { status: number; body: { status?: string; store?: boolean; queue?: boolean; queueDepth?: number } | null }

/** One engine process; start() may be called again after kill9() (a supervisor restarting it). */
export class EngineProcess {
  private child: ChildProcess | undefined;
  private expectedExit = false;
  /** Set when the process exited without being asked to: the test fails with its log tail. */
  unexpectedExit: string | undefined;

  constructor(readonly name: string, readonly role: Role, readonly httpPort: number, private readonly env: NodeJS.ProcessEnv,
    private readonly logFile: string) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    const out = fs.openSync(this.logFile, 'a');
    this.expectedExit = false;
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/rxbridge.js'), 'start', '--role', this.role], { env: this.env, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    this.child = child;
    child.once('exit', (code, signal) => {
      if (!this.expectedExit) this.unexpectedExit = `${this.name} exited (${signal ?? code}); log tail:\n${this.logTail()}`;
    });
    await waitFor(async () => {
      if (!this.running) throw new Error(`${this.name} did not start: ${this.unexpectedExit ?? ''}`);
      return (await this.health()).status === 200;
    }, 60_000, `${this.name} to answer /api/health with 200`, 100);
  }

  /** SIGKILL: no shutdown code runs. */
  async kill9(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGTERM (graceful), SIGKILL after 10 s. */
  async stop(): Promise<void> {
    const forced = setTimeout(() => this.child?.kill('SIGKILL'), 10_000);
    await this.signal('SIGTERM');
    clearTimeout(forced);
  }

  async health(): Promise<Health> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.httpPort}/api/health`, { signal: AbortSignal.timeout(3000) });
      return { status: res.status, body: (await res.json().catch(() => null)) as Health['body'] };
    } catch {
      return { status: 0, body: null };
    }
  }

  /** An admin API call with the bootstrap token. */
  async api(url: string): Promise<any> {
    const res = await fetch(`http://127.0.0.1:${this.httpPort}${url}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, signal: AbortSignal.timeout(5000) });
    return res.json();
  }

  /** Resident set size in MiB (Linux /proc), undefined when the process is gone. */
  rssMiB(): number | undefined {
    if (!this.running || this.pid === undefined) return undefined;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : undefined;
    } catch {
      return undefined;
    }
  }

  logTail(lines = 20): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    this.expectedExit = true;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(sig);
    await exited;
  }
}

export interface Cluster {
  fault: string;
  mllpPort: number;
  listener: EngineProcess;
  workers: EngineProcess[];
  redis: Awaited<ReturnType<typeof startRedisServer>>;
  dbName: string;
  /** A Kysely on the test database for the checks (its pool survives terminated backends). */
  kdb: Kysely<any>;
  processes(): EngineProcess[];
  /** Throws when a process exited that should be running. */
  assertNoUnexpectedExit(): void;
  close(): Promise<void>;
}

export async function startCluster(opts: { fault: string; workers: number; redisAppendOnly?: boolean }): Promise<Cluster> {
  fs.mkdirSync(LOG_DIR, { recursive: true });
  for (const f of fs.readdirSync(LOG_DIR)) if (f.startsWith(`${opts.fault}-`)) fs.rmSync(path.join(LOG_DIR, f));
  const db = await createTestDatabase();
  const redis = await startRedisServer({ appendonly: opts.redisAppendOnly });
  const mllpPort = await freePort();
  const project: ProjectDirs = tempProject({ mllpPort });
  // Processes with their own DATA_DIR on one store share the body encryption key (docs/encryption.md).
  const bodyKey = crypto.randomBytes(32).toString('base64');
  const make = async (name: string, role: Role): Promise<EngineProcess> => {
    const httpPort = await freePort();
    const dataDir = path.join(project.root, `data-${name}`);
    fs.mkdirSync(dataDir, { recursive: true });
    const env: NodeJS.ProcessEnv = {
      ...process.env, DATABASE_URL: db.url, REDIS_URL: redis.url, HTTP_HOST: '127.0.0.1', HTTP_PORT: String(httpPort),
      CHANNELS_DIR: project.channelsDir, MAPPINGS_DIR: project.mappingsDir, DATA_DIR: dataDir, LOG_LEVEL: 'warn',
      RXBRIDGE_ENCRYPTION_KEY: bodyKey, RXBRIDGE_ADMIN_TOKEN: ADMIN_TOKEN,
      // Recovery on a test's time scale (production: 15 s / 60 s); the mechanism is the same.
      RXBRIDGE_SWEEP_INTERVAL_MS: '1000', RXBRIDGE_SWEEP_AGE_MS: '3000',
    };
    return new EngineProcess(name, role, httpPort, env, path.join(LOG_DIR, `${opts.fault}-${name}.log`));
  };
  const listener = await make('listener', 'listener');
  const workers: EngineProcess[] = [];
  for (let i = 1; i <= opts.workers; i++) workers.push(await make(`worker${i}`, 'worker'));
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  pool.on('error', () => undefined);
  pool.on('connect', (c) => c.on('error', () => undefined));
  const kdb = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  const dbName = new URL(db.url).pathname.slice(1);
  const all = () => [listener, ...workers];

  const cluster: Cluster = {
    fault: opts.fault, mllpPort, listener, workers, redis, dbName, kdb,
    processes: all,
    assertNoUnexpectedExit: () => {
      const gone = all().filter((p) => p.unexpectedExit !== undefined);
      if (gone.length > 0) throw new Error(gone.map((p) => p.unexpectedExit).join('\n'));
    },
    close: async () => {
      await Promise.all(all().map((p) => p.stop().catch(() => undefined)));
      await kdb.destroy().catch(() => undefined);
      await pgAdmin(`alter database ${dbName} allow_connections true`).catch(() => undefined);
      await db.drop().catch(() => undefined);
      await redis.stop().catch(() => undefined);
      project.cleanup();
    },
  };
  try {
    // The listener first: migrations run once, then the workers start in parallel.
    await listener.start();
    await Promise.all(workers.map((w) => w.start()));
  } catch (err) {
    await cluster.close();
    throw err;
  }
  return cluster;
}

/** One statement on the admin database (the `test` database of DATABASE_TEST_URL). */
export async function pgAdmin(query: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  c.on('error', () => undefined);
  await c.connect();
  try {
    await c.query(query);
  } finally {
    await c.end();
  }
}
