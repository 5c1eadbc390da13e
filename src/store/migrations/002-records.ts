/**
 * Patients, coverages and the wider charge line a mapping produces (src/mappings/records.ts), plus the table of
 * mapping versions the mappings API keeps. Frozen in time: takes Kysely<any>, never the current Database type.
 *
 * Patients are keyed by patient_ref, coverages by (patient_ref, plan_id); `as_of` is the event time of the
 * message that last wrote the row, so an older message never overwrites a newer one. A charge points at its
 * patient and at the coverage in force on its date of service when it was written (both may be null).
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('patients')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('patient_ref', 'text', (c) => c.notNull().unique())
    .addColumn('as_of', 'timestamptz', (c) => c.notNull())
    .addColumn('family_name', 'text')
    .addColumn('given_name', 'text')
    .addColumn('middle_name', 'text')
    .addColumn('birth_date', 'date')
    .addColumn('sex', 'text')
    .addColumn('address_line1', 'text')
    .addColumn('address_line2', 'text')
    .addColumn('city', 'text')
    .addColumn('state', 'text')
    .addColumn('postal_code', 'text')
    .addColumn('phone', 'text')
    .addColumn('account_number', 'text')
    .addColumn('source_key', 'text')
    .addColumn('message_id', 'bigint', (c) => c.references('messages.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('coverages')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('patient_ref', 'text', (c) => c.notNull())
    .addColumn('plan_id', 'text', (c) => c.notNull())
    .addColumn('as_of', 'timestamptz', (c) => c.notNull())
    .addColumn('payer_id', 'text')
    .addColumn('payer_name', 'text')
    .addColumn('member_id', 'text')
    .addColumn('group_number', 'text')
    .addColumn('group_name', 'text')
    .addColumn('plan_type', 'text')
    .addColumn('relationship', 'text')
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('effective_date', 'date')
    .addColumn('expiration_date', 'date')
    .addColumn('subscriber_family_name', 'text')
    .addColumn('subscriber_given_name', 'text')
    .addColumn('subscriber_birth_date', 'date')
    .addColumn('subscriber_sex', 'text')
    .addColumn('source_key', 'text')
    .addColumn('message_id', 'bigint', (c) => c.references('messages.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('coverages_patient_plan_uq', ['patient_ref', 'plan_id'])
    .execute();
  // Coverage as of a date of service: a patient's coverages, primary first.
  await sql`create index coverages_patient_priority_idx on coverages (patient_ref, priority)`.execute(db);

  await db.schema
    .alterTable('charges')
    .addColumn('service_kind', 'text', (c) => c.notNull().defaultTo('other'))
    .addColumn('ndc_quantity', sql`numeric(12, 3)`)
    .addColumn('ndc_unit', 'text')
    .addColumn('rx_number', 'text')
    .addColumn('fill_number', 'text')
    .addColumn('days_supply', 'integer')
    .addColumn('daw', 'text')
    .addColumn('lot', 'text')
    .addColumn('vfc_eligibility', 'text')
    .addColumn('place_of_service', 'text')
    .addColumn('patient_id', 'bigint', (c) => c.references('patients.id'))
    .addColumn('coverage_id', 'bigint', (c) => c.references('coverages.id'))
    .execute();

  await db.schema
    .createTable('mapping_versions')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('mapping', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('actor', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('mapping_versions_uq', ['mapping', 'version'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('mapping_versions').execute();
  await db.schema
    .alterTable('charges')
    .dropColumn('coverage_id')
    .dropColumn('patient_id')
    .dropColumn('place_of_service')
    .dropColumn('vfc_eligibility')
    .dropColumn('lot')
    .dropColumn('daw')
    .dropColumn('days_supply')
    .dropColumn('fill_number')
    .dropColumn('rx_number')
    .dropColumn('ndc_unit')
    .dropColumn('ndc_quantity')
    .dropColumn('service_kind')
    .execute();
  await db.schema.dropTable('coverages').execute();
  await db.schema.dropTable('patients').execute();
}
