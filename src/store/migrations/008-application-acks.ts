/**
 * Application acknowledgments (enhanced mode, MSH-16): one row per message whose sender asked for one on a channel
 * with an `applicationAcks` destination, written in the intake's commit. The row keeps what the ACK needs from the
 * inbound MSH (delimiters, application/facility names, control id, version: no patient data) so delivery never
 * reads the message body. Delivery (src/acks) takes due rows by pushing `next_attempt_at` forward (a lease), so
 * several engine processes never send the same ACK at once.
 * Frozen in time: takes Kysely<any>, never the current Database type.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('application_acks')
    .addColumn('message_id', 'bigint', (c) => c.primaryKey().references('messages.id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull())
    // MSH-16 as the sender gave it: AL always, ER only after an error, SU only after success.
    .addColumn('requested', 'text', (c) => c.notNull().check(sql`requested in ('AL','ER','SU')`))
    .addColumn('header', 'text', (c) => c.notNull())
    // open: to send once the message is final; sent; not_needed (ER/SU and the other outcome); failed (gave up).
    .addColumn('state', 'text', (c) =>
      c
        .notNull()
        .defaultTo('open')
        .check(sql`state in ('open','sent','not_needed','failed')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('ack_code', 'text')
    .addColumn('ack_control_id', 'text')
    .addColumn('last_error', 'text')
    .addColumn('sent_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index application_acks_open_idx on application_acks (next_attempt_at, message_id) where state = 'open'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('application_acks').execute();
}
