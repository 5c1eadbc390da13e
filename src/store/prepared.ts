/**
 * Named prepared statements for the store's hot statements (intake's batch insert, the worker's claim and its
 * completion: one of each per batch of messages). Sent unnamed, each of those big statements is parsed, analysed and
 * planned on every call, which for a small batch costs Postgres about as much CPU as running it (docs/benchmarks.md
 * "Where the time goes").
 * With a `name`, node-postgres prepares the statement once per connection and afterwards only binds and runs it.
 *
 * Contract: every call with one name passes the same SQL text (the values are parameters, never inlined; pg
 * refuses a second text under a name it already prepared on a connection), and the statement's result is the same
 * as the plain query's: only where it is planned changes. Names live per connection, so a statement is prepared
 * at most once per pooled connection. So a connection pooler between RxBridge and Postgres must keep a server
 * session per client connection (pgbouncer's session mode, or a pooler that tracks prepared statements).
 *
 * Only a handle opened by openStore (db.ts registers its pools here) runs statements as named ones: Postgres's two
 * pools, and the embedded store's two (pglite-connection.ts takes named statements: each client of those pools has
 * a connection of its own over PGlite's one session, whose statement names pglite-thread.ts keeps apart, so pg's
 * record of the names a client prepared is the session's). There planning matters even more, since PGlite
 * runs every statement on its one thread. Anything else runs the same text and
 * parameters as a plain query through Kysely: a transaction's handle (its connection is not the pool's to pick).
 *
 * Plans are made again as the tables grow. After five runs Postgres keeps one generic plan per prepared statement,
 * costed on the planner's view of the tables at that moment, and keeps it until the tables' statistics change. On a
 * young database that view is of a few hundred rows, so the plan scans `messages` whole (a sequential scan or a hash
 * join), and every later call pays for the whole table until autovacuum next analyses it (a minute or more; measured:
 * the intake insert going from 0.6 to 2 ms and the claim and completion walking every message). So each pooled
 * connection drops its cached plans (`DISCARD PLANS`: the statements stay prepared, only their plans go) at growing
 * intervals of its own life, 1 s, 2 s, 4 s … up to every REPLAN_MAX_MS: the next runs are planned afresh against the
 * tables' current size (the planner scales its row estimates to a table's current pages even before an ANALYZE).
 */
import { CompiledQuery, type Kysely, type RawBuilder } from 'kysely';
import type pg from 'pg';
import type { Database } from './types';

/** The pool behind each handle openStore opened, and whether a connection whose statement failed is closed. */
const pools = new WeakMap<Kysely<Database>, { pool: pg.Pool; closeOnError: boolean }>();

/**
 * Statements run through `prepared` on `db` become named statements on `pool`, the pool `db` itself uses. A
 * connection whose statement failed is closed rather than reused (as pool.query does), unless `closeOnError` is
 * false: a PGlite connection is as good after an error as before (its session never breaks), and a client closed
 * for it would be replaced by a new connection that prepares every statement again under new names, while the
 * session keeps the old ones.
 */
export function usePreparedStatements(db: Kysely<Database>, pool: pg.Pool, { closeOnError = true } = {}): void {
  pools.set(db, { pool, closeOnError });
}

/** The longest a pooled connection keeps its plans (see above). */
export const REPLAN_MAX_MS = 5 * 60_000;

/** When each pooled connection next drops its plans, and the interval after that. */
const replans = new WeakMap<pg.PoolClient, { dueAt: number; intervalMs: number }>();

/** True when `client`'s plans are due to be dropped (and schedules the next time); a new connection starts its clock. */
export function replanDue(client: pg.PoolClient, now = Date.now()): boolean {
  const r = replans.get(client);
  if (!r) {
    replans.set(client, { dueAt: now + 1000, intervalMs: 1000 });
    return false;
  }
  if (now < r.dueAt) return false;
  r.intervalMs = Math.min(r.intervalMs * 2, REPLAN_MAX_MS);
  r.dueAt = now + r.intervalMs;
  return true;
}

/** Runs `sqlText` with `params` as the prepared statement `name` where it can (see above); returns its rows. */
export async function prepared<R>(db: Kysely<Database>, name: string, sqlText: string, params: readonly unknown[]): Promise<R[]> {
  const registered = pools.get(db);
  if (!registered) return (await db.executeQuery<R>(CompiledQuery.raw(sqlText, [...params]))).rows;
  const client = await registered.pool.connect();
  let failure: Error | undefined;
  try {
    if (replanDue(client)) await client.query('discard plans');
    return (await client.query<R & pg.QueryResultRow>({ name, text: sqlText, values: [...params] })).rows;
  } catch (err) {
    failure = err as Error;
    throw err;
  } finally {
    client.release(registered.closeOnError ? failure : undefined);
  }
}

/** A `sql` template run through `prepared`: its text must not depend on the values (they are its parameters). */
export async function preparedSql<R>(db: Kysely<Database>, name: string, query: RawBuilder<R>): Promise<R[]> {
  const compiled = query.compile(db);
  return prepared<R>(db, name, compiled.sql, compiled.parameters);
}
