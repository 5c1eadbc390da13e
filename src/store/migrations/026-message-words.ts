/**
 * Full-text search in message content without the content: message_words holds, per message, the keyed hashes of
 * the words of its latest content version (src/store/content-index.ts), never the words.
 * - message_words.tokens: 16-character base64url HMAC tokens, GIN-indexed for `tokens @> array[...]`.
 * - message_words.indexed_at: when the pipeline (or `rxbridge search reindex`) wrote them.
 * A separate table, not a column of messages: the intake's insert into messages stays as it was (no wider row, no
 * extra index to maintain on the path to the ACK); the pipeline writes the row when it finishes the message.
 * Frozen in time: takes Kysely<any>, never the current Database type.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('message_words')
    .addColumn('message_id', 'bigint', (c) => c.primaryKey().references('messages.id'))
    .addColumn('tokens', sql`text[]`, (c) => c.notNull())
    .addColumn('indexed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index message_words_tokens_idx on message_words using gin (tokens)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('message_words').execute();
}
