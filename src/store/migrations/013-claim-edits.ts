/**
 * Staff time on claims: an operator's edits kept with the claim (applied again on every rebuild), and the raw
 * 999/997 and 277CA files with what they said about each batch and claim (the IK3/IK4 segment and element errors,
 * the STC codes), so a biller sees which segment the clearinghouse refused and why.
 * Frozen in time: takes Kysely<any>, never the current Database type.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('claims')
    .addColumn('edits', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema
    .createTable('acknowledgments')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    // 999, 997 or 277CA
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('x12', 'text', (c) => c.notNull())
    .addColumn('actor', 'text')
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable('claim_acknowledgments')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('acknowledgment_id', 'bigint', (c) => c.notNull().references('acknowledgments.id').onDelete('cascade'))
    .addColumn('claim_id', 'bigint', (c) => c.notNull().references('claims.id'))
    // accepted | rejected (the outcome for this claim)
    .addColumn('outcome', 'text', (c) => c.notNull())
    // What the file said about this claim: the set's IK5/AK9 status, its IK3/IK4 errors, or the 277CA STC codes.
    .addColumn('detail', 'jsonb', (c) => c.notNull())
    .execute();
  await sql`create index claim_acknowledgments_claim_idx on claim_acknowledgments (claim_id, id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('claim_acknowledgments').execute();
  await db.schema.dropTable('acknowledgments').execute();
  await db.schema.alterTable('claims').dropColumn('edits').execute();
}
