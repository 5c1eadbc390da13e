/**
 * Claims, their lines and history, 837P batches with their persisted control-number counters, and what 835
 * remittances paid (docs/billing.md). Frozen in time: takes Kysely<any>, never the current Database type.
 *
 * claim_lines.state: active (this claim bills the charge; at most one active line per charge), superseded (the
 * claim was corrected by a replacement or void claim, whose line is now the active one), released (the claim was
 * voided before it was sent because a charge was reversed: the other charges may be claimed again), dropped (the
 * charge will not be billed: an operator voided the claim, or it was reversed on a denied claim).
 *
 * x12_counters: one row per submitter id; a batch takes its numbers with `update … returning` in the same
 * transaction that inserts it, so numbers are never reused (a failed batch rolls back both).
 */
import { type Kysely, sql } from 'kysely';

const money = sql`numeric(12, 2)`;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('x12_counters')
    .addColumn('sender_id', 'text', (c) => c.primaryKey())
    .addColumn('interchange', 'bigint', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`interchange between 0 and 999999999`),
    )
    .addColumn('group_control', 'bigint', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`group_control between 0 and 999999999`),
    )
    .addColumn('transaction_set', 'bigint', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`transaction_set between 0 and 999999999`),
    )
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('claim_batches')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('payer_id', 'text', (c) => c.notNull())
    .addColumn('sender_id', 'text', (c) => c.notNull())
    .addColumn('interchange_control', 'bigint', (c) => c.notNull())
    .addColumn('group_control', 'bigint', (c) => c.notNull())
    .addColumn('transaction_set_control', 'bigint', (c) => c.notNull())
    .addColumn('usage', 'text', (c) => c.notNull())
    .addColumn('claim_count', 'integer', (c) => c.notNull())
    .addColumn('total_charge', money, (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull().unique())
    .addColumn('x12', 'text', (c) => c.notNull())
    .addColumn('actor', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('claim_batches_interchange_uq', ['sender_id', 'interchange_control'])
    .execute();

  await db.schema
    .createTable('claims')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('control_number', 'text', (c) =>
      c
        .notNull()
        .unique()
        .check(sql`length(control_number) <= 20`),
    )
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('draft','held','ready','batched','submitted',
      'accepted','rejected','paid','partial','denied','closed','voided')`),
    )
    .addColumn('frequency', 'text', (c) => c.notNull().check(sql`frequency in ('1','7','8')`))
    .addColumn('corrects_claim_id', 'bigint', (c) => c.references('claims.id'))
    .addColumn('payer_id', 'text', (c) => c.notNull())
    .addColumn('payer_name', 'text', (c) => c.notNull())
    .addColumn('patient_ref', 'text', (c) => c.notNull())
    .addColumn('coverage_id', 'bigint', (c) => c.references('coverages.id'))
    .addColumn('service_date', 'date', (c) => c.notNull())
    .addColumn('billing_npi', 'text', (c) => c.notNull())
    .addColumn('payer_claim_number', 'text')
    .addColumn('total_charge', money, (c) => c.notNull())
    .addColumn('claim', 'jsonb', (c) => c.notNull())
    .addColumn('findings', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('override_reason', 'text')
    .addColumn('overridden_by', 'text')
    .addColumn('overridden_at', 'timestamptz')
    .addColumn('batch_id', 'bigint', (c) => c.references('claim_batches.id'))
    .addColumn('submitted_at', 'timestamptz')
    .addColumn('adjudicated_at', 'timestamptz')
    .addColumn('paid_amount', money, (c) => c.notNull().defaultTo(0))
    .addColumn('patient_responsibility', money, (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index claims_status_payer_idx on claims (status, payer_id, id)`.execute(db);
  await sql`create index claims_patient_idx on claims (patient_ref, service_date)`.execute(db);
  await sql`create index claims_corrects_idx on claims (corrects_claim_id) where corrects_claim_id is not null`.execute(db);

  await db.schema
    .createTable('claim_lines')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('claim_id', 'bigint', (c) => c.notNull().references('claims.id'))
    .addColumn('line_number', 'integer', (c) => c.notNull().check(sql`line_number between 1 and 50`))
    .addColumn('charge_id', 'bigint', (c) => c.notNull().references('charges.id'))
    .addColumn('state', 'text', (c) =>
      c
        .notNull()
        .defaultTo('active')
        .check(sql`state in ('active','superseded','released','dropped')`),
    )
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('modifiers', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('units', sql`numeric(12, 3)`, (c) => c.notNull())
    .addColumn('charge_amount', money, (c) => c.notNull())
    .addColumn('service_date', 'date', (c) => c.notNull())
    .addColumn('service_kind', 'text', (c) => c.notNull())
    .addColumn('paid_amount', money, (c) => c.notNull().defaultTo(0))
    .addUniqueConstraint('claim_lines_number_uq', ['claim_id', 'line_number'])
    .execute();
  // A charge is billed by at most one claim at a time.
  await sql`create unique index claim_lines_charge_active_uq on claim_lines (charge_id) where state = 'active'`.execute(db);
  await sql`create index claim_lines_charge_idx on claim_lines (charge_id, state)`.execute(db);

  await db.schema
    .createTable('claim_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('claim_id', 'bigint', (c) => c.notNull().references('claims.id'))
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .execute();
  await sql`create index claim_events_claim_idx on claim_events (claim_id, id)`.execute(db);

  await db.schema
    .createTable('remittances')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('trace_number', 'text', (c) => c.notNull())
    .addColumn('payer_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('payer_name', 'text', (c) => c.notNull())
    .addColumn('payment_amount', money, (c) => c.notNull())
    .addColumn('handling', 'text', (c) => c.notNull())
    .addColumn('payment_method', 'text', (c) => c.notNull())
    .addColumn('payment_date', 'date')
    .addColumn('payee_npi', 'text')
    .addColumn('x12', 'text', (c) => c.notNull())
    .addColumn('actor', 'text')
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('remittances_trace_uq', ['payer_id', 'trace_number'])
    .execute();

  await db.schema
    .createTable('claim_payments')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('remittance_id', 'bigint', (c) => c.notNull().references('remittances.id'))
    .addColumn('claim_id', 'bigint', (c) => c.references('claims.id'))
    .addColumn('control_number', 'text', (c) => c.notNull())
    .addColumn('status_code', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('charge', money, (c) => c.notNull())
    .addColumn('paid', money, (c) => c.notNull())
    .addColumn('patient_responsibility', money, (c) => c.notNull())
    .addColumn('payer_claim_number', 'text')
    .addColumn('days_to_payment', 'integer')
    .execute();
  await sql`create index claim_payments_claim_idx on claim_payments (claim_id)`.execute(db);

  await db.schema
    .createTable('line_payments')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('claim_payment_id', 'bigint', (c) => c.notNull().references('claim_payments.id'))
    .addColumn('claim_line_id', 'bigint', (c) => c.references('claim_lines.id'))
    .addColumn('line_number', 'integer')
    .addColumn('service_index', 'integer', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('charge', money, (c) => c.notNull())
    .addColumn('paid', money, (c) => c.notNull())
    .addColumn('units_paid', sql`numeric(12, 3)`)
    .execute();
  await sql`create index line_payments_payment_idx on line_payments (claim_payment_id)`.execute(db);

  await db.schema
    .createTable('payment_adjustments')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('claim_payment_id', 'bigint', (c) => c.notNull().references('claim_payments.id'))
    .addColumn('line_payment_id', 'bigint', (c) => c.references('line_payments.id'))
    .addColumn('group_code', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('amount', money, (c) => c.notNull())
    .addColumn('quantity', sql`numeric(12, 3)`)
    .execute();
  await sql`create index payment_adjustments_payment_idx on payment_adjustments (claim_payment_id)`.execute(db);

  await db.schema
    .createTable('provider_adjustments')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('remittance_id', 'bigint', (c) => c.notNull().references('remittances.id'))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('reference', 'text')
    .addColumn('amount', money, (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'provider_adjustments',
    'payment_adjustments',
    'line_payments',
    'claim_payments',
    'remittances',
    'claim_events',
    'claim_lines',
    'claims',
    'claim_batches',
    'x12_counters',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
