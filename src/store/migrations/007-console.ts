/**
 * The web console's searches, answered from indexes at 100,000 messages and beyond:
 * - messages.search_tokens: the blind index of patient ids, family-name prefixes and Rx numbers
 *   (src/store/search-index.ts): keyed hashes, never the values, so message metadata stays free of patient data.
 *   Messages stored before this migration have none (null): they are not found by patient or Rx.
 * - received_at (date ranges, the dashboard's last hour), (status, id) and (message_type, id) for keyset pages
 *   filtered by status or type without a channel; (channel, id) for a channel's pages with a date range.
 * Frozen in time: takes Kysely<any>, never the current Database type.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table messages add column search_tokens text[]`.execute(db);
  await sql`create index messages_search_idx on messages using gin (search_tokens)`.execute(db);
  await sql`create index messages_received_at_idx on messages (received_at)`.execute(db);
  await sql`create index messages_status_id_idx on messages (status, id)`.execute(db);
  await sql`create index messages_type_id_idx on messages (message_type, id)`.execute(db);
  await sql`create index messages_channel_id_idx on messages (channel, id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const index of [
    'messages_channel_id_idx',
    'messages_type_id_idx',
    'messages_status_id_idx',
    'messages_received_at_idx',
    'messages_search_idx',
  ]) {
    await sql`drop index ${sql.id(index)}`.execute(db);
  }
  await sql`alter table messages drop column search_tokens`.execute(db);
}
