/**
 * Paused channels (src/store/channel-pauses.ts): a row per channel an administrator paused in the console. A
 * paused channel's MLLP listener is closed in every engine process (new connections are refused) while its stored
 * messages keep processing; the row outlives restarts until the channel is resumed.
 * Frozen in time: takes Kysely<any>, never the current Database type.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('channel_pauses')
    .addColumn('channel', 'text', (c) => c.primaryKey())
    .addColumn('paused_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('paused_by', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('channel_pauses').execute();
}
