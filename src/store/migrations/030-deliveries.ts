/**
 * Channel destinations (docs/channels.md "Destinations"): one deliveries row per final message and destination it
 * is for, written by the delivery feeder (src/destinations/feeder.ts) after the message is final, never by the hot
 * path. delivery_cursors keeps, per channel, the highest message id below which every message has been fed, so a
 * restart (or kill -9) feeds each message once: the rows are unique per (message, channel, destination) and inserted
 * with ON CONFLICT DO NOTHING in the same transaction that moves the cursor.
 *
 * A delivery is taken by pushing `next_attempt_at` forward (a lease), so engine processes sharing a Postgres never
 * send it at once; `control_id` (the outbound MSH-10) is stored when it is first taken, before any send, so every
 * retry and every process after a crash sends the same one. `order_key` groups deliveries that must go in message
 * order ('' = the whole destination, a patient key, or null = no order).
 * delivery_refeeds lists messages replayed through the admin API: once such a message is final again, the feeder
 * makes its deliveries again (a delivery it had is reopened with a new control id; one it now qualifies for is added).
 * Frozen in time: takes Kysely<any>, never the current Database type.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('deliveries')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('message_id', 'bigint', (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('destination', 'text', (c) => c.notNull())
    // open: to send (or being sent under a lease); delivered; failed (dead letter, last_error says why);
    // filtered (the destination's `when` did not hold).
    .addColumn('state', 'text', (c) =>
      c
        .notNull()
        .defaultTo('open')
        .check(sql`state in ('open','delivered','failed','filtered')`),
    )
    .addColumn('order_key', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('control_id', 'text')
    .addColumn('last_error', 'text')
    .addColumn('detail', 'text')
    .addColumn('replays', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('delivered_at', 'timestamptz')
    .addUniqueConstraint('deliveries_message_destination_uq', ['message_id', 'channel', 'destination'])
    .execute();
  await sql`create index deliveries_open_idx on deliveries (channel, destination, message_id) where state = 'open'`.execute(db);
  await sql`create index deliveries_failed_idx on deliveries (channel, destination, id) where state = 'failed'`.execute(db);
  // The last day's deliveries per destination (the dashboard's count) without reading every delivery ever made.
  await sql`create index deliveries_delivered_idx on deliveries (delivered_at) where state = 'delivered'`.execute(db);
  await db.schema
    .createTable('delivery_cursors')
    .addColumn('channel', 'text', (c) => c.primaryKey())
    .addColumn('last_message_id', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // Messages replayed (through the admin API) whose deliveries are to be made again once they are final.
  await db.schema
    .createTable('delivery_refeeds')
    .addColumn('message_id', 'bigint', (c) => c.primaryKey().references('messages.id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('delivery_refeeds').execute();
  await db.schema.dropTable('delivery_cursors').execute();
  await db.schema.dropTable('deliveries').execute();
}
