/**
 * The upkeep Postgres's autovacuum does, done for the embedded store. PGlite runs Postgres in single-user mode, where
 * no autovacuum worker exists. Without this upkeep:
 * - a row version left behind by an update or a delete stays on its page for good, so `messages` (each message's
 *   status is updated once), `inbound_keys` and the claim tables and their indexes only ever grow;
 * - the visibility map is never set, so the console's index-only scans read the table too;
 * - the planner never gets statistics.
 *
 * vacuumEmbeddedStore runs `VACUUM (ANALYZE)` on each table of the store that changed since its last vacuum, one table
 * per statement. PGlite has one session, so a vacuum holds the ACKs of incoming messages while it runs; one
 * statement per table lets them through between tables. A table vacuumed before and left unchanged is skipped, and
 * the pages of a changed table that were all-visible are skipped too, so a daily run reads what changed that day.
 *
 * embeddedVacuumTask runs it daily in every engine process on the embedded store (src/engine/worker-side.ts).
 */
import { sql, type Kysely } from 'kysely';
import type { Logger } from '../core/logger';
import { periodicTask, type PeriodicTask } from '../core/periodic';
import { errorName } from './body-maintenance';
import type { Database } from './types';

export interface VacuumReport {
  /** The tables vacuumed and analysed, in the order they were done. */
  tables: string[];
  durationMs: number;
}

/** Vacuums and analyses every table of the public schema with rows changed since its last vacuum (or never vacuumed). */
export async function vacuumEmbeddedStore(db: Kysely<Database>): Promise<VacuumReport> {
  const started = Date.now();
  // The one PGlite backend sends its table counters to the statistics only now and then, and single-user mode
  // has no timer to make it: without this the counts read below would miss the latest changes.
  await sql`select pg_stat_force_next_flush()`.execute(db);
  const due = await sql<{ relname: string }>`
    select relname from pg_stat_user_tables
     where schemaname = 'public'
       and (n_dead_tup > 0 or n_mod_since_analyze > 0 or coalesce(last_vacuum, last_autovacuum) is null)
     order by n_dead_tup desc, relname`.execute(db);
  const tables: string[] = [];
  for (const { relname } of due.rows) {
    await sql`vacuum (analyze) ${sql.table(relname)}`.execute(db);
    tables.push(relname);
  }
  return { tables, durationMs: Date.now() - started };
}

/** Daily by default; the first run ten minutes after start, once the engine's start-up work is done. */
export const EMBEDDED_VACUUM_FIRST_DELAY_MS = 600_000;

/** Runs vacuumEmbeddedStore every intervalMs (± 10 %), logging what it did; a failed run is tried at the next interval. */
export function embeddedVacuumTask(db: Kysely<Database>, log: Logger, intervalMs: number, firstDelayMs: number): PeriodicTask {
  return periodicTask({
    name: 'embedded store vacuum',
    intervalMs,
    firstDelayMs,
    jitter: 0.1,
    run: async () => {
      const r = await vacuumEmbeddedStore(db);
      log.info('embedded store vacuumed', { count: r.tables.length, durationMs: r.durationMs });
    },
    onError: (err) => log.warn('embedded store vacuum failed; it runs again at the next interval', { error: errorName(err) }),
  });
}
