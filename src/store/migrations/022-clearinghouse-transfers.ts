/**
 * The clearinghouse exchange (src/clearinghouse, docs/billing.md "Clearinghouse exchange (SFTP)"):
 * - clearinghouse_transfers: one row per 837P batch to upload, written in the batch's own transaction (so a batch
 *   is never written without its upload queued). status pending (not sent yet) | sent | failed (the last attempt
 *   failed: next_attempt_at is the retry, null once max attempts are spent). A worker locks the row
 *   (`for update skip locked`) for the whole upload, so two engine processes never send one batch together.
 * - clearinghouse_files: every answer file picked up, keyed by clearinghouse + remote name + SHA-256 of its
 *   content, inserted in the same transaction as its posting: a file is posted at most once. status posted (not yet
 *   moved to the archive folder) | archived | error (could not be read: detail says why) | received (a kind
 *   without a poster, e.g. a 271 before the eligibility reader is wired).
 * - claim_batches.ta1_*: the TA1 the clearinghouse answered the batch's interchange with (A accepted, E accepted
 *   with errors, R rejected) and its TA105 note code.
 * Frozen in time: takes Kysely<any>, never the current Database type.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('clearinghouse_transfers')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('batch_id', 'bigint', (c) => c.notNull().unique().references('claim_batches.id'))
    .addColumn('clearinghouse', 'text', (c) => c.notNull())
    .addColumn('remote_name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('pending')
        .check(sql`status in ('pending', 'sent', 'failed')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.defaultTo(sql`now()`))
    .addColumn('last_error', 'text')
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create unique index clearinghouse_transfers_name_uq on clearinghouse_transfers (clearinghouse, remote_name)`.execute(db);
  await sql`create index clearinghouse_transfers_due_ix on clearinghouse_transfers (next_attempt_at) where status <> 'sent'`.execute(db);

  await db.schema
    .createTable('clearinghouse_files')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('clearinghouse', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('posted', 'archived', 'error', 'received')`))
    .addColumn('detail', 'text')
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('archived_at', 'timestamptz')
    .execute();
  await sql`create unique index clearinghouse_files_key_uq on clearinghouse_files (clearinghouse, name, sha256)`.execute(db);

  await db.schema
    .alterTable('claim_batches')
    .addColumn('ta1_ack_code', 'text')
    .addColumn('ta1_note_code', 'text')
    .addColumn('ta1_received_at', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('claim_batches')
    .dropColumn('ta1_ack_code')
    .dropColumn('ta1_note_code')
    .dropColumn('ta1_received_at')
    .execute();
  await db.schema.dropTable('clearinghouse_files').execute();
  await db.schema.dropTable('clearinghouse_transfers').execute();
}
