/**
 * One engine for an engine scenario of the bench, on fresh state: its own Postgres database, its own Redis key
 * prefix, a temporary project with the sample channel on a free port, its log in a file. `close()` stops the
 * engine and drops the state; the clean-up is also registered in `pending` so an interrupted bench still drops
 * it. An engine log with warnings is kept (its path is added to `notes`).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createLogger } from '../core/logger';
import { withTimeout } from '../core/with-timeout';
import { startEngine, type Engine, type EngineRole } from '../main';
import type { Outcome } from '../pipeline/process';
import { createDatabase, deleteRedisPrefix, freePort, tempProject, type BenchServers } from './infra';

const ENGINE_START_TIMEOUT_MS = 30_000;
const ENGINE_STOP_TIMEOUT_MS = 30_000;

/** Counts of pipeline outcomes, and when the last message was processed (its charges committed). */
export class OutcomeTracker {
  processed = 0;
  lastProcessedAt = 0;
  readonly kinds: Record<string, number> = {};

  readonly hook = (_id: string, outcome: Outcome): void => {
    this.kinds[outcome.kind] = (this.kinds[outcome.kind] ?? 0) + 1;
    if (outcome.kind === 'processed') {
      this.processed++;
      this.lastProcessedAt = Date.now();
    }
  };

  /** Resolves true once `count` messages are processed, false after timeoutMs. */
  async waitFor(count: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.processed < count) {
      if (Date.now() > deadline) return false;
      await sleep(20);
    }
    return true;
  }
}

export interface BenchEngine {
  engine: Engine;
  /** The sample channel's MLLP port. */
  port: number;
  tracker: OutcomeTracker;
  /** Stops the engine, drops the database and Redis keys; returns the warning/error lines of its log. */
  close(): Promise<number>;
}

export async function openBenchEngine({
  role,
  store = 'postgres',
  env,
  servers,
  pending,
  notes,
}: {
  role: EngineRole;
  /** Postgres (a fresh database) or the embedded store (PGlite in the temporary project's data directory). */
  store?: 'postgres' | 'pglite';
  env: Record<string, string>;
  servers: BenchServers;
  pending: Set<() => Promise<void>>;
  notes: string[];
}): Promise<BenchEngine> {
  const db = store === 'postgres' ? await createDatabase(servers) : { url: undefined, drop: async () => undefined };
  const project = tempProject();
  const prefix = `rxbbench-${crypto.randomBytes(4).toString('hex')}`;
  const logStream = fs.createWriteStream(project.logFile);
  const tracker = new OutcomeTracker();
  const dropState = async (): Promise<void> => {
    await db.drop().catch((err) => notes.push(`drop database: ${(err as Error).message}`));
    await deleteRedisPrefix(servers, prefix).catch((err) => notes.push(`redis clean-up: ${(err as Error).message}`));
  };
  const onAbort = async (): Promise<void> => {
    await dropState();
    project.cleanup();
  };
  pending.add(onAbort);
  let engine: Engine | undefined;
  const close = async (): Promise<number> => {
    if (engine)
      await withTimeout(engine.stop(), ENGINE_STOP_TIMEOUT_MS, 'engine stop').catch((err) =>
        notes.push(`engine stop: ${(err as Error).message}`),
      );
    await new Promise<void>((resolve) => logStream.end(resolve));
    const warnings = countWarnings(project.logFile);
    if (warnings > 0) notes.push(`the engine logged ${warnings} warning/error lines (kept in ${project.logFile})`);
    else project.cleanup();
    pending.delete(onAbort);
    await dropState();
    return warnings;
  };
  try {
    const port = await freePort();
    engine = await withTimeout(
      startEngine({
        channelsDir: project.channelsDir,
        mappingsDir: project.mappingsDir,
        dataDir: project.dataDir,
        databaseUrl: db.url,
        redisUrl: servers.redisUrl,
        httpHost: '127.0.0.1',
        httpPort: -1,
        env: { MLLP_PORT: String(port), MLLP_HOST: '127.0.0.1', ...env },
        role,
        logger: createLogger({ stream: logStream, level: 'info' }),
        queuePrefix: prefix,
        onOutcome: tracker.hook,
      }),
      ENGINE_START_TIMEOUT_MS,
      'engine start',
    );
    return { engine, port, tracker, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Messages per status and charge rows in the engine's database. */
export async function databaseCounts(engine: Engine): Promise<{ statuses: Record<string, number>; charges: number }> {
  const rows = await engine.store.db
    .selectFrom('messages')
    .select((eb) => ['status', eb.fn.countAll<string>().as('n')])
    .groupBy('status')
    .execute();
  const charges = await engine.store.db
    .selectFrom('charges')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirst();
  return {
    statuses: Object.fromEntries(rows.map((r) => [String(r.status), Number(r.n)])),
    charges: Number(charges?.n ?? 0),
  };
}

function countWarnings(file: string): number {
  try {
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => /"level":"(warn|error)"/.test(l)).length;
  } catch {
    return 0;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
