/**
 * The patient and Rx search tokens (src/store/search-index.ts) move out of messages into message_terms, written once
 * at intake. In messages they made every status change (received → processing → final) re-insert the message's
 * 20–30 tokens into a GIN index, since a status change is never a HOT update (status is indexed), and made the row
 * that is rewritten twice per message 400–500 bytes wider. Here they are inserted once and never touched again.
 * - message_terms.tokens: 16-character base64url HMAC tokens, GIN-indexed for `tokens && array[...]`.
 * A message without search terms has no row. Frozen in time: takes Kysely<any>, never the current Database type.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('message_terms')
    .addColumn('message_id', 'bigint', (c) => c.primaryKey().references('messages.id'))
    .addColumn('tokens', sql`text[]`, (c) => c.notNull())
    .execute();
  await sql`insert into message_terms (message_id, tokens)
            select id, search_tokens from messages where cardinality(search_tokens) > 0`.execute(db);
  await sql`create index message_terms_tokens_idx on message_terms using gin (tokens)`.execute(db);
  await sql`drop index if exists messages_search_idx`.execute(db);
  await db.schema.alterTable('messages').dropColumn('search_tokens').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table messages add column search_tokens text[]`.execute(db);
  await sql`update messages m set search_tokens = t.tokens from message_terms t where t.message_id = m.id`.execute(db);
  await sql`create index messages_search_idx on messages using gin (search_tokens)`.execute(db);
  await db.schema.dropTable('message_terms').execute();
}
