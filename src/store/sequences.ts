/**
 * Ids drawn ahead of the rows they will name, from a table's `id` sequence (bigserial).
 *
 * Contract: `nextIdOf(table)` is the SQL expression for the next id of `table`, for a statement that draws one per
 * row. The sequence is looked up once per statement (the sub-select), not once per row: the catalogue lookup inside
 * `pg_get_serial_sequence` is not cached, and on the embedded store it cost more than the row's insert.
 */
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from './types';

export function nextIdOf(table: keyof Database): RawBuilder<string> {
  return sql<string>`nextval((select pg_get_serial_sequence(${sql.lit(table)}, 'id')::regclass))`;
}

/** `count` new ids of `table`, ascending, as decimal text. */
export async function nextRowIds(db: Kysely<Database> | Transaction<Database>, table: keyof Database, count: number): Promise<string[]> {
  if (count === 0) return [];
  const { rows } = await sql<{ id: string }>`select ${nextIdOf(table)}::text as id from generate_series(1, ${count})`.execute(db);
  return rows.map((r) => String(r.id));
}
