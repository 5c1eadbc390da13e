/**
 * Posting by payer (docs/billing.md "Remittances and acknowledgments"): which configured payer an 835 came from
 * and every id it gave (N1*PR N104, REF*2U, TRN03); each claim payment's role for its claim (the claim's payer,
 * a secondary or tertiary crossover, another payer) and its CLP's position in the 835; unmatched payments matched
 * by hand (the new payment row, who, when); the crossover payer a claim was forwarded to (CLP02 19–21); the claim
 * a PLB adjustment names. Frozen in time: takes Kysely<any>, never the current Database type.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('remittances')
    .addColumn('payer_ref', 'text')
    .addColumn('payer_identifiers', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .execute();
  await db.schema
    .alterTable('claim_payments')
    .addColumn('payer_role', 'text', (c) => c.check(sql`payer_role in ('claim-payer', 'secondary', 'tertiary', 'other-payer')`))
    .addColumn('clp_index', 'integer')
    .addColumn('matched_payment_id', 'bigint', (c) => c.references('claim_payments.id'))
    .addColumn('matched_by', 'text')
    .addColumn('matched_at', 'timestamptz')
    .execute();
  // Rows recorded before roles existed were applied as the claim's payer's.
  await sql`update claim_payments set payer_role = 'claim-payer' where claim_id is not null`.execute(db);
  await sql`create index claim_payments_unmatched_idx on claim_payments (id) where claim_id is null and matched_payment_id is null`.execute(
    db,
  );
  await db.schema.alterTable('claims').addColumn('forwarded_to', 'text').execute();
  await db.schema
    .alterTable('provider_adjustments')
    .addColumn('claim_id', 'bigint', (c) => c.references('claims.id'))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('provider_adjustments').dropColumn('claim_id').execute();
  await db.schema.alterTable('claims').dropColumn('forwarded_to').execute();
  await sql`drop index if exists claim_payments_unmatched_idx`.execute(db);
  await db.schema
    .alterTable('claim_payments')
    .dropColumn('payer_role')
    .dropColumn('clp_index')
    .dropColumn('matched_payment_id')
    .dropColumn('matched_by')
    .dropColumn('matched_at')
    .execute();
  await db.schema.alterTable('remittances').dropColumn('payer_ref').dropColumn('payer_identifiers').execute();
}
