/**
 * Opens the store: Kysely over node-postgres, against Postgres (DATABASE_URL) or embedded PGlite (DATA_DIR)
 * through a node-postgres connection of our own (pglite-connection.ts), so one code path serves both (and one set of column types, in
 * types.ts, with no cast for either). Runs migrations on open.
 *
 * Persistence names (docs/architecture.md "Persistence names"): `Store` is only this opened database (its Kysely
 * handles, kind, ping, pool counts, close). An interface a pure layer declares for the database is a `…Port`
 * (MessagesPort, ClaimsPort, ApplicationAcksPort, …); a class here that implements one over one aggregate's tables
 * is a `…Repository` (MessageRepository, ClaimRepository, …), and a function that builds one is named for its port
 * (applicationAcksPort(db)). Everything else here is named for its one job (queries.ts, AuditTrail, BodyCodec).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Kysely, Migrator, PostgresDialect, sql, type Migration, type MigrationProvider } from 'kysely';
import pg from 'pg';
import { usePreparedStatements } from './prepared';
import { PgliteConnection, pgliteClientConfig } from './pglite-connection';
import { openPgliteThread, type PgliteThread } from './pglite-thread';
import type { Database } from './types';
import * as m001 from './migrations/001-core';
import * as m002 from './migrations/002-records';
import * as m003 from './migrations/003-codesets';
import * as m004 from './migrations/004-claims';
import * as m005 from './migrations/005-security';
import * as m006 from './migrations/006-encryption';
import * as m007 from './migrations/007-console';
import * as m008 from './migrations/008-application-acks';
import * as m009 from './migrations/009-providers';
import * as m010 from './migrations/010-payer-edits';
import * as m011 from './migrations/011-posting';
import * as m012 from './migrations/012-held-charges';
import * as m013 from './migrations/013-claim-edits';
import * as m015 from './migrations/015-login-throttle';
import * as m016 from './migrations/016-control-id-reuse';
import * as m018 from './migrations/018-fee-schedules';
import * as m019 from './migrations/019-patient-merges';
import * as m021 from './migrations/021-next-payer-claims';
import * as m022 from './migrations/022-clearinghouse-transfers';
import * as m023 from './migrations/023-eligibility';
import * as m024 from './migrations/024-remittance-withdraw';
import * as m026 from './migrations/026-message-words';
import * as m027 from './migrations/027-channel-pauses';
import * as m028 from './migrations/028-remark-codes';
import * as m029 from './migrations/029-eligibility-transfers';
import * as m030 from './migrations/030-deliveries';
import * as m031 from './migrations/031-source-files';
import * as m033 from './migrations/033-message-terms';
import * as m034 from './migrations/034-numeric-search-tokens';

// bigint ids and counts arrive as strings (exact); numeric stays a string (exact money).
// int8 -> string is pg's default; dates (type 1082) stay 'YYYY-MM-DD' strings instead of local-midnight Dates.
pg.types.setTypeParser(1082, (v: string) => v);

const MIGRATIONS: Record<string, Migration> = {
  '001-core': m001,
  '002-records': m002,
  '003-codesets': m003,
  '004-claims': m004,
  '005-security': m005,
  '006-encryption': m006,
  '007-console': m007,
  '008-application-acks': m008,
  '009-providers': m009,
  '010-payer-edits': m010,
  '011-posting': m011,
  '012-held-charges': m012,
  '013-claim-edits': m013,
  '015-login-throttle': m015,
  '016-control-id-reuse': m016,
  '018-fee-schedules': m018,
  '019-patient-merges': m019,
  '021-next-payer-claims': m021,
  '022-clearinghouse-transfers': m022,
  '023-eligibility': m023,
  '024-remittance-withdraw': m024,
  '026-message-words': m026,
  '027-channel-pauses': m027,
  '028-remark-codes': m028,
  '029-eligibility-transfers': m029,
  '030-deliveries': m030,
  '031-source-files': m031,
  '033-message-terms': m033,
  '034-numeric-search-tokens': m034,
};

class StaticMigrations implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return MIGRATIONS;
  }
}

export type StoreKind = 'postgres' | 'pglite';

export interface OpenStoreOptions {
  /** Postgres connection string; when absent, PGlite under dataDir is used. */
  databaseUrl?: string;
  /** Directory for the embedded store (PGlite files live in dataDir/pglite). `memory://` for a throwaway one. */
  dataDir?: string;
  /** Pool size for Postgres (PGlite: one session, with the intake's and the pipeline's connections over it). */
  poolSize?: number;
  /** Run the migrations on open (default true; `rxbridge doctor` only looks). */
  migrate?: boolean;
}

export interface Store {
  readonly db: Kysely<Database>;
  /**
   * For re-derivable pipeline writes: commits asynchronously on Postgres (see MessageRepository); on PGlite
   * connections of its own over the one session (pglite-thread.ts), committing synchronously like `db`.
   */
  readonly pipelineDb: Kysely<Database>;
  readonly kind: StoreKind;
  /** True when the store answers a trivial query. */
  ping(): Promise<boolean>;
  /** The connection pools' counts (metrics): Postgres has `main` and `pipeline`; PGlite none. */
  poolStats(): Array<{ pool: string; total: number; idle: number; waiting: number }>;
  /** Flushes (PGlite: CHECKPOINT) and closes every connection. */
  close(): Promise<void>;
}

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const store = opts.databaseUrl ? openPostgres(opts.databaseUrl, opts.poolSize ?? 20) : await openPglite(opts.dataDir ?? './data');
  if (opts.migrate === false) return store;
  try {
    await migrate(store.db);
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

/**
 * Where the database stands against this build's migrations (`rxbridge doctor`); reads only. `pending`: known
 * here, not run yet (the next start runs them). `unknown`: run by another (newer) build, unknown here — this
 * build refuses to start on such a database.
 */
export async function migrationStatus(db: Kysely<any>): Promise<{ pending: string[]; unknown: string[] }> {
  const migrations = await new Migrator({ db, provider: new StaticMigrations() }).getMigrations();
  const known = new Set(Object.keys(MIGRATIONS));
  const { rows } = await sql<{ name: string }>`select name from kysely_migration`
    .execute(db)
    .catch(() => ({ rows: [] as Array<{ name: string }> }));
  return {
    pending: migrations.filter((m) => m.executedAt === undefined).map((m) => m.name),
    unknown: rows.map((r) => r.name).filter((n) => !known.has(n)),
  };
}

export async function migrate(db: Kysely<any>): Promise<void> {
  const migrator = new Migrator({ db, provider: new StaticMigrations() });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`store migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message ?? error}`);
  }
}

function openPostgres(url: string, max: number): Store {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 3000, idleTimeoutMillis: 30000 });
  guardPool(pool);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const pipelinePool = new pg.Pool({
    connectionString: url,
    max: Math.max(4, Math.floor(max / 2)),
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30000,
    options: '-c synchronous_commit=off',
  });
  guardPool(pipelinePool);
  const pipelineDb = new Kysely<Database>({ dialect: new PostgresDialect({ pool: pipelinePool }) });
  // The hot statements (prepared.ts) run as named statements on each handle's own pool.
  usePreparedStatements(db, pool);
  usePreparedStatements(pipelineDb, pipelinePool);
  return {
    db,
    pipelineDb,
    kind: 'postgres',
    ping: () => pingDb(db),
    poolStats: () => [countsOf('main', pool), countsOf('pipeline', pipelinePool)],
    close: async () => {
      await pipelineDb.destroy();
      await db.destroy();
    },
  };
}

/**
 * The embedded store's connections for the pipeline. With one, a job's claim waits behind the other jobs'
 * statements on that one client while the store's thread idles; two keep a statement queued on the thread (measured
 * in docs/benchmarks.md: 10 to 19 % more messages a second end to end). Each is a connection of its own over
 * the session, with its own prepared statements.
 */
export const EMBEDDED_PIPELINE_CONNECTIONS = 2;

async function openPglite(dataDir: string): Promise<Store> {
  let dir = dataDir;
  let release = (): void => undefined;
  if (!dataDir.startsWith('memory://')) {
    dir = path.join(dataDir, 'pglite');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 }); // the embedded database holds every record: owner only
    release = lockDataDir(dataDir);
  }
  let thread: PgliteThread;
  try {
    // Without its thread the embedded store answers nothing again: the process ends, as it did when PGlite ran on
    // the main thread and aborted, so the supervisor restarts it and PGlite recovers from its write-ahead log.
    thread = await openPgliteThread(dir, () => {
      process.stderr.write('embedded store lost: its thread stopped; the engine exits so that it is restarted\n');
      process.exit(70);
    });
  } catch (err) {
    release();
    throw err;
  }
  // Connections over the one session (pglite-thread.ts): the intake's and everything else's, and the pipeline's
  // (EMBEDDED_PIPELINE_CONNECTIONS), so that none waits for another's turn on the main thread to reach the store.
  const handle = (clients: number): Kysely<Database> => {
    // Every client of the pool has a connection of its own over the session. Idle clients are kept: a new one
    // would prepare its statements again under its own names.
    class EmbeddedClient extends pg.Client {
      constructor(config: pg.ClientConfig = {}) {
        super({ ...config, ...pgliteClientConfig(new PgliteConnection(thread.connection())) } as pg.ClientConfig);
      }
    }
    const pool = new pg.Pool({ Client: EmbeddedClient, max: clients, idleTimeoutMillis: 0 } as pg.PoolConfig);
    guardPool(pool);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    usePreparedStatements(db, pool, { closeOnError: false });
    return db;
  };
  const db = handle(1);
  const pipelineDb = handle(EMBEDDED_PIPELINE_CONNECTIONS);
  return {
    db,
    pipelineDb,
    kind: 'pglite',
    ping: () => pingDb(db),
    poolStats: () => [],
    close: async () => {
      try {
        await pipelineDb.destroy();
        await db.destroy();
      } finally {
        await thread.close({ checkpoint: !dataDir.startsWith('memory://') }).finally(release);
      }
    },
  };
}

/**
 * A lost server connection (restart, terminated backend) must never crash the process: the query in flight
 * rejects and its caller answers AR or retries. pg emits 'error' on idle pools and on checked-out clients.
 */
function guardPool(pool: pg.Pool): void {
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
}

function countsOf(name: string, pool: pg.Pool) {
  return { pool: name, total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
}

async function pingDb(db: Kysely<Database>): Promise<boolean> {
  try {
    await db.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
    return true;
  } catch {
    return false;
  }
}

/** The embedded store's data directory is held by another live process (a running engine): its pid is `owner`. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: number,
  ) {
    super(`data directory ${dataDir} is in use by process ${owner} (the embedded store allows one process)`);
    this.name = 'DataDirInUseError';
  }
}

/**
 * PGlite is one process only: a lock file holds the owner's pid. A lock whose process is gone is taken over.
 * Returns the release function.
 */
function lockDataDir(dataDir: string): () => void {
  const lockFile = path.join(dataDir, 'rxbridge.lock');
  for (let tries = 0; tries < 2; tries++) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lockFile, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(fs.readFileSync(lockFile, 'utf8').trim());
      if (owner && owner !== process.pid && processAlive(owner)) {
        throw new DataDirInUseError(dataDir, owner);
      }
      fs.rmSync(lockFile, { force: true });
    }
  }
  throw new Error(`could not lock data directory ${dataDir}`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
