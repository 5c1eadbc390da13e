/**
 * Claims to the next payer (coordination of benefits, src/billing/workflows/next-payer.ts): a secondary or tertiary
 * claim bills the same charges as the claim it follows, after that claim's payer adjudicated it.
 * - claims.follows_claim_id: the claim whose adjudication this one carries (2320/2430); at most one claim follows a
 *   claim, so posting the same adjudication again (or a second 835 for the claim) never builds a second one.
 * - claims.payer_step and claim_lines.payer_step: 1 primary, 2 secondary, 3 tertiary. A charge has at most one
 *   active line per payer step (it was one per charge): the primary and its secondary both bill it.
 * Frozen in time: takes Kysely<any>, never the current Database type.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('claims')
    .addColumn('follows_claim_id', 'bigint', (c) => c.references('claims.id'))
    .addColumn('payer_step', 'smallint', (c) => c.notNull().defaultTo(1))
    .execute();
  await sql`create unique index claims_follows_uq on claims (follows_claim_id) where follows_claim_id is not null`.execute(db);
  await db.schema
    .alterTable('claim_lines')
    .addColumn('payer_step', 'smallint', (c) => c.notNull().defaultTo(1))
    .execute();
  await sql`drop index claim_lines_charge_active_uq`.execute(db);
  await sql`create unique index claim_lines_charge_active_uq on claim_lines (charge_id, payer_step) where state = 'active'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index claim_lines_charge_active_uq`.execute(db);
  await sql`create unique index claim_lines_charge_active_uq on claim_lines (charge_id) where state = 'active'`.execute(db);
  await db.schema.alterTable('claim_lines').dropColumn('payer_step').execute();
  await sql`drop index claims_follows_uq`.execute(db);
  await db.schema.alterTable('claims').dropColumn('payer_step').dropColumn('follows_claim_id').execute();
}
