/**
 * 270 eligibility inquiries go to the clearinghouse like 837P batches (docs/billing.md "Clearinghouse exchange (SFTP)"):
 * a clearinghouse_transfers row uploads either a batch (batch_id) or a 270 file (eligibility_file_id, its text in
 * eligibility_files.x12), exactly one of the two (check constraint). Each file is uploaded at most by one row (unique).
 * Frozen in time: takes Kysely<any>, never the current Database type.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table clearinghouse_transfers alter column batch_id drop not null`.execute(db);
  await db.schema
    .alterTable('clearinghouse_transfers')
    .addColumn('eligibility_file_id', 'bigint', (c) => c.unique().references('eligibility_files.id'))
    .execute();
  await sql`alter table clearinghouse_transfers add constraint clearinghouse_transfers_one_file_ck
    check ((batch_id is null) <> (eligibility_file_id is null))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from clearinghouse_transfers where batch_id is null`.execute(db);
  await sql`alter table clearinghouse_transfers drop constraint clearinghouse_transfers_one_file_ck`.execute(db);
  await db.schema.alterTable('clearinghouse_transfers').dropColumn('eligibility_file_id').execute();
  await sql`alter table clearinghouse_transfers alter column batch_id set not null`.execute(db);
}
