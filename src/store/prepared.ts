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
 * Only a Postgres handle opened by openStore (db.ts registers its pools here) runs statements as named ones.
 * Anything else runs the same text and parameters as a plain query through Kysely, as before: a transaction's
 * handle (its connection is not the pool's to pick) and PGlite. PGlite's node-postgres adapter would take named
 * statements too (every pg client of its pool shares one connection object, so pg's record of the names it
 * prepared matches PGlite's one session), but the embedded store is not where the hot path's speed is measured,
 * so it keeps the plain path its tests cover.
 */
import { CompiledQuery, type Kysely, type RawBuilder } from 'kysely';
import type pg from 'pg';
import type { Database } from './types';

/** The pool behind each Postgres handle openStore opened. */
const pools = new WeakMap<Kysely<Database>, pg.Pool>();

/** Statements run through `prepared` on `db` become named statements on `pool`, the pool `db` itself uses. */
export function usePreparedStatements(db: Kysely<Database>, pool: pg.Pool): void {
  pools.set(db, pool);
}

/** Runs `sqlText` with `params` as the prepared statement `name` where it can (see above); returns its rows. */
export async function prepared<R>(db: Kysely<Database>, name: string, sqlText: string, params: readonly unknown[]): Promise<R[]> {
  const pool = pools.get(db);
  if (!pool) return (await db.executeQuery<R>(CompiledQuery.raw(sqlText, [...params]))).rows;
  return (await pool.query<R & pg.QueryResultRow>({ name, text: sqlText, values: [...params] })).rows;
}

/** A `sql` template run through `prepared`: its text must not depend on the values (they are its parameters). */
export async function preparedSql<R>(db: Kysely<Database>, name: string, query: RawBuilder<R>): Promise<R[]> {
  const compiled = query.compile(db);
  return prepared<R>(db, name, compiled.sql, compiled.parameters);
}
