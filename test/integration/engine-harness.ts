/**
 * Starts a whole engine in this process for a test: a temp project (sample channel on a free port), a store
 * (fresh Postgres database or PGlite in a temp dir), the shared Redis with a unique queue prefix, the admin API
 * on an ephemeral port, and a log capture so tests can read every line written.
 */
import crypto from 'node:crypto';
import { PassThrough } from 'node:stream';
import { Redis } from 'ioredis';
import { createLogger } from '../../src/core/logger';
import { startEngine, type Engine, type EngineConfig } from '../../src/main';
import type { Outcome } from '../../src/pipeline/process';
import { connectMllp, type MllpTestClient } from './mllp-client';
import { createTestDatabase, freePort, REDIS_URL, tempProject, waitFor, type ProjectDirs } from './support';

export const TOKEN = 'test-admin-token-0123456789';

export interface Harness {
  engine: Engine;
  project: ProjectDirs;
  mllpPort: number;
  /** The test database (Postgres store only), for the CLI commands a test runs against the same store. */
  databaseUrl?: string;
  logs: () => string;
  outcomes: Array<{ id: string; outcome: Outcome }>;
  send(message: string): Promise<string>;
  api(method: string, url: string, body?: unknown, token?: string | null): Promise<{ status: number; json: any }>;
  waitForStatus(id: string, statuses: string[], timeoutMs?: number): Promise<void>;
  client(): Promise<MllpTestClient>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(opts: {
  store: 'postgres' | 'pglite'; mappingYaml?: string; channelYaml?: string;
  /** Engine environment (RXBRIDGE_* settings); the sample channel's MLLP_PORT is set by the project. */
  env?: Record<string, string>;
  /** Engine settings that override the harness's (e.g. `https`, `tlsWatchIntervalMs`). */
  config?: Partial<EngineConfig>;
}): Promise<Harness> {
  const mllpPort = await freePort();
  const project = tempProject({ mllpPort, mappingYaml: opts.mappingYaml, channelYaml: opts.channelYaml });
  const db = opts.store === 'postgres' ? await createTestDatabase() : undefined;
  const prefix = `rxbt${crypto.randomBytes(4).toString('hex')}`;
  const logStream = new PassThrough();
  const chunks: string[] = [];
  logStream.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  const outcomes: Array<{ id: string; outcome: Outcome }> = [];
  const logger = createLogger({ stream: logStream, level: 'debug' });

  const boot = () => startEngine({
    channelsDir: project.channelsDir, mappingsDir: project.mappingsDir, dataDir: project.dataDir,
    databaseUrl: db?.url, redisUrl: REDIS_URL, httpHost: '127.0.0.1', httpPort: 0, adminToken: TOKEN,
    env: opts.env ?? {}, logger, queuePrefix: prefix, sweepIntervalMs: 500, sweepOlderThanMs: 3000,
    onOutcome: (id, outcome) => outcomes.push({ id, outcome }),
    ...opts.config,
  });
  let engine = await boot();
  let shared: MllpTestClient | undefined;

  const h: Harness = {
    get engine() { return engine; },
    project, mllpPort, outcomes, databaseUrl: db?.url,
    logs: () => chunks.join(''),
    async client() { return connectMllp(mllpPort); },
    async send(message) {
      shared ??= await connectMllp(mllpPort);
      shared.sendFrame(message);
      return shared.nextReply(10_000);
    },
    async api(method, url, body, token = TOKEN) {
      const addr = engine.httpAddress()!;
      const res = await fetch(`http://127.0.0.1:${addr.port}${url}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, json: await res.json().catch(() => null) };
    },
    async waitForStatus(id, statuses, timeoutMs = 15_000) {
      await waitFor(async () => {
        const row = await engine.store.db.selectFrom('messages').select('status').where('id', '=', id as never).executeTakeFirst();
        return row !== undefined && statuses.includes(row.status);
      }, timeoutMs, `message ${id} to reach ${statuses.join('/')}`);
    },
    async restart() {
      await shared?.close();
      shared = undefined;
      await engine.stop();
      engine = await boot();
    },
    async close() {
      await shared?.close();
      await engine.stop();
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      await db?.drop();
      project.cleanup();
    },
  };
  return h;
}

/** Segment `name` of an HL7 text (CR separated). */
export function segment(text: string, name: string): string[] {
  return (text.split('\r').find((s) => s.startsWith(`${name}|`)) ?? '').split('|');
}

export { waitFor };
