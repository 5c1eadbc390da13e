/**
 * Withdrawing a remittance posted by mistake (docs/billing.md "Withdrawing a remittance"):
 * - remittances.withdrawn_at/_by/_reason: the remittance stays, marked withdrawn (its rows are kept for the audit
 *   and no longer counted); events_through: the last claim event id when its posting committed, so a later step on
 *   a claim it posted (any claim event after it) can be told apart from the posting itself;
 * - claim_payments.withdrawn_at: a payment of a withdrawn remittance (not counted anywhere);
 * - remittance_claim_states: each claim as it was just before the remittance posted to it (status, money, payer
 *   claim number, forwarded-to, submitted/adjudicated times, the claim following it, each line's paid amount), which
 *   a withdraw restores;
 * - the (payer, trace number) uniqueness holds among remittances not withdrawn, so the same file can be posted again.
 * Frozen in time: takes Kysely<any>, never the current Database type.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('remittances')
    .addColumn('withdrawn_at', 'timestamptz')
    .addColumn('withdrawn_by', 'text')
    .addColumn('withdrawn_reason', 'text')
    .addColumn('events_through', 'bigint')
    .execute();
  await sql`alter table remittances drop constraint remittances_trace_uq`.execute(db);
  await sql`create unique index remittances_trace_live_uq on remittances (payer_id, trace_number) where withdrawn_at is null`.execute(db);
  await sql`create index remittances_received_idx on remittances (received_at desc, id desc)`.execute(db);
  await db.schema.alterTable('claim_payments').addColumn('withdrawn_at', 'timestamptz').execute();
  await db.schema
    .createTable('remittance_claim_states')
    .addColumn('remittance_id', 'bigint', (c) => c.notNull().references('remittances.id'))
    .addColumn('claim_id', 'bigint', (c) => c.notNull().references('claims.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('paid_amount', sql`numeric(12, 2)`, (c) => c.notNull())
    .addColumn('patient_responsibility', sql`numeric(12, 2)`, (c) => c.notNull())
    .addColumn('payer_claim_number', 'text')
    .addColumn('forwarded_to', 'text')
    .addColumn('submitted_at', 'timestamptz')
    .addColumn('adjudicated_at', 'timestamptz')
    .addColumn('follower_id', 'bigint')
    .addColumn('line_paid', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addPrimaryKeyConstraint('remittance_claim_states_pk', ['remittance_id', 'claim_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('remittance_claim_states').execute();
  await db.schema.alterTable('claim_payments').dropColumn('withdrawn_at').execute();
  await sql`drop index remittances_received_idx`.execute(db);
  await sql`drop index remittances_trace_live_uq`.execute(db);
  await sql`alter table remittances add constraint remittances_trace_uq unique (payer_id, trace_number)`.execute(db);
  await db.schema
    .alterTable('remittances')
    .dropColumn('withdrawn_at')
    .dropColumn('withdrawn_by')
    .dropColumn('withdrawn_reason')
    .dropColumn('events_through')
    .execute();
}
