/**
 * The blind-index tokens of message_terms and message_words become 64-bit integers (bigint[]): the first 8 bytes of
 * the same HMAC-SHA256 (src/store/search-index.ts blindToken), read as a signed big-endian integer. Before, they
 * were 16 base64url characters (the first 12 bytes). The GIN indexes then hold 8-byte keys compared as integers,
 * not 17-byte texts compared by the database's collation: inserting a finished message's tokens costs about half
 * the CPU and WAL it did. A search finds the same messages, since each stored token keeps its leading 8 bytes.
 * Frozen in time: takes Kysely<any>, never the current Database type.
 */
import { type Kysely, sql } from 'kysely';

const TABLES = ['message_terms', 'message_words'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  // ALTER ... USING takes no subquery: the array is converted by a function that exists while this runs.
  await sql`
    create function rxb_tokens_to_bigint(tokens text[]) returns bigint[] language sql immutable as $$
      select coalesce(array_agg(('x' || encode(substring(decode(translate(t, '-_', '+/'), 'base64') from 1 for 8), 'hex'))::bit(64)::bigint
                                order by n), '{}')
        from unnest(tokens) with ordinality as u(t, n)
    $$`.execute(db);
  for (const table of TABLES) {
    await sql`alter table ${sql.table(table)} alter column tokens type bigint[] using rxb_tokens_to_bigint(tokens)`.execute(db);
  }
  await sql`drop function rxb_tokens_to_bigint(text[])`.execute(db);
}

/**
 * Back to text tokens. The 12-byte tokens of the older build cannot be rebuilt from the 8 bytes kept, so the rows
 * are removed: under the older build, `rxbridge search reindex` gives messages their content words again, and
 * patient and Rx searches find only messages stored after the downgrade.
 */
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of TABLES) {
    await sql`delete from ${sql.table(table)}`.execute(db);
    await sql`alter table ${sql.table(table)} alter column tokens type text[] using tokens::text[]`.execute(db);
  }
}
