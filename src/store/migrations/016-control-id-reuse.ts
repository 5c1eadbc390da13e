/**
 * Duplicates are the same sender, control id and content: a sender that reuses an MSH-10 for another message
 * (an update after a registration) has it processed, and flagged.
 * - messages.content_hash: the message's content key (src/hl7/content-hash.ts: MSH-7 left out, segment
 *   terminators normalized); null for rows stored before this migration (and for rejected frames).
 * - messages.reused_control_id_of: an earlier message of the same channel, sender and control id with other
 *   content, inside the duplicate window, that this one was processed next to (the console's badge).
 * - inbound_keys: one row per (channel, content hash) naming the message that holds it and until when. The hash
 *   covers MSH-3, MSH-4 and MSH-10, so one content is one sender and control id: the key needs no more columns. The intake's insert claims its key with ON CONFLICT, so two engine processes committing the same resend
 *   at once agree on one holder: the second waits for the first's commit and sees its row (a plain lookup in the
 *   same statement could not). A holder older than the window gives its key to the next message. Messages are
 *   never deleted (bodies are pruned), so the key needs no foreign key.
 * Frozen in time: takes Kysely<any>, never the current Database type.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table messages add column content_hash text`.execute(db);
  await sql`alter table messages add column reused_control_id_of bigint`.execute(db);
  await db.schema
    .createTable('inbound_keys')
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('message_id', 'bigint', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // received_at + the holder's window; a later record compares with its own window (expires_at - received_at).
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('inbound_keys_pk', ['content_hash', 'channel'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('inbound_keys').execute();
  await sql`alter table messages drop column reused_control_id_of`.execute(db);
  await sql`alter table messages drop column content_hash`.execute(db);
}
