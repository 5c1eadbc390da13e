/**
 * Eligibility (src/billing/eligibility): the 270 inquiries sent and the 271 answers applied, so staff see when a
 * patient was last checked and what came back.
 * - eligibility_files: each 270 written and each 271 posted, as text (kind 270 | 271), with its payer and ISA13.
 * - eligibility_checks: one row per coverage asked about: the dates and member id asked about, the trace (TRN02) the
 *   271 answers with, and the latest answer: outcome (active | ended | rejected | unknown), a summary for staff, and
 *   what was changed (the decision as JSON: coverage ended, charges held, member id before and after, reordering).
 * - coverages.confirmed_priority: the place a payer's 271 gave the coverage (1 primary, 2 second); claim building
 *   puts confirmed coverages first (src/billing/cob/order.ts).
 * Frozen in time: takes Kysely<any>.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('eligibility_files')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('270', '271')`))
    .addColumn('payer_id', 'text')
    .addColumn('interchange_control', 'text')
    .addColumn('file_name', 'text')
    .addColumn('x12', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable('eligibility_checks')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('trace', 'text', (c) => c.notNull().unique())
    .addColumn('patient_ref', 'text', (c) => c.notNull())
    .addColumn('coverage_id', 'bigint', (c) => c.references('coverages.id').onDelete('set null'))
    .addColumn('payer_id', 'text', (c) => c.notNull())
    .addColumn('payer_name', 'text')
    .addColumn('member_id', 'text', (c) => c.notNull())
    .addColumn('service_from', 'date', (c) => c.notNull())
    .addColumn('service_to', 'date', (c) => c.notNull())
    .addColumn('inquiry_file_id', 'bigint', (c) => c.notNull().references('eligibility_files.id'))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('response_file_id', 'bigint', (c) => c.references('eligibility_files.id'))
    .addColumn('outcome', 'text', (c) => c.check(sql`outcome in ('active', 'ended', 'rejected', 'unknown')`))
    .addColumn('summary', 'text')
    .addColumn('changes', 'jsonb')
    .addColumn('answered_by', 'text')
    .addColumn('answered_at', 'timestamptz')
    .execute();
  await sql`create index eligibility_checks_patient_idx on eligibility_checks (patient_ref, id desc)`.execute(db);
  await db.schema
    .alterTable('coverages')
    .addColumn('confirmed_priority', 'smallint', (c) => c.check(sql`confirmed_priority between 1 and 3`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('coverages').dropColumn('confirmed_priority').execute();
  await db.schema.dropTable('eligibility_checks').execute();
  await db.schema.dropTable('eligibility_files').execute();
}
