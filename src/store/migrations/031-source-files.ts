/**
 * Files taken in by file and SFTP channel sources (src/sources/file-source.ts, docs/reliability.md "File sources"):
 * one row per file, keyed by channel and file key (name, size and modification time), holding the exactly-once
 * progress (`committed` messages of the file are stored; `last_message_id`, or `watermark` before the first, bounds
 * the search for a message stored but not yet counted when the engine stopped) and the lease (`lease_owner` until
 * `lease_until`) that keeps two engine processes from taking the same file.
 * Frozen in time: takes Kysely<any>, never the current Database type.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('source_files')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('file_key', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('reading')
        .check(sql`status in ('reading','stored','archived','error')`),
    )
    .addColumn('total', 'integer')
    .addColumn('committed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('watermark', 'bigint', (c) => c.notNull())
    .addColumn('last_message_id', 'bigint')
    .addColumn('warnings', 'text')
    .addColumn('error', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'timestamptz')
    .addColumn('first_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .addUniqueConstraint('source_files_key_uq', ['channel', 'file_key'])
    .execute();
  await sql`create index source_files_open_idx on source_files (channel) where status in ('reading','stored')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('source_files').execute();
}
