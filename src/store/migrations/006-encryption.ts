/**
 * Message bodies at rest (src/store/bodies.ts): message_contents.key_id names the key a body is sealed with
 * (null = plain text), content becomes nullable for retention, which replaces a body with null and stamps
 * pruned_at. Frozen in time: takes Kysely<any>, never the current Database type.
 * The partial index on key_id serves the start-up check (the distinct key ids in the store, by a loose index scan).
 * body_keys lists the key ids engine processes seal with (ids only, never keys): a process started with another
 * key than the others is refused before it writes a body they could not read.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table message_contents
              add column key_id text,
              add column pruned_at timestamptz,
              alter column content drop not null,
              add constraint message_contents_pruned_ck check (content is not null or pruned_at is not null)`.execute(db);
  await sql`create index message_contents_key_idx on message_contents (key_id) where key_id is not null`.execute(db);
  await db.schema
    .createTable('body_keys')
    .addColumn('key_id', 'text', (c) => c.primaryKey())
    .addColumn('first_used_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('body_keys').execute();
  await sql`drop index message_contents_key_idx`.execute(db);
  await sql`update message_contents set content = '' where content is null`.execute(db);
  await sql`alter table message_contents
              drop constraint message_contents_pruned_ck,
              alter column content set not null,
              drop column pruned_at,
              drop column key_id`.execute(db);
}
