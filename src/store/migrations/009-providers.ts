/**
 * Imported providers (`rxbridge providers import`, NPPES layout): the pharmacists and prescribers claims may name
 * by NPI besides billing.yaml `providers`. One row per NPI, upserted by every import (the last file read wins);
 * a deactivated NPI may come without a name, as NPPES publishes it. Where each row came from (file and line)
 * is kept for the operator. Public registry data: no patient data.
 * Frozen in time: takes Kysely<any>, never the current Database type.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('providers')
    .addColumn('npi', 'text', (c) => c.primaryKey().check(sql`npi ~ '^[12][0-9]{9}$'`))
    // NPPES Entity Type Code: 1 person, 2 organisation; null when the file did not say (our simple layout, stubs).
    .addColumn('entity_type', 'text', (c) => c.check(sql`entity_type in ('1','2')`))
    .addColumn('family_name', 'text')
    .addColumn('given_name', 'text')
    .addColumn('organization_name', 'text')
    .addColumn('taxonomy', 'text')
    .addColumn('deactivated_on', 'date')
    .addColumn('reactivated_on', 'date')
    .addColumn('source_file', 'text', (c) => c.notNull())
    .addColumn('source_line', 'integer', (c) => c.notNull())
    .addColumn('imported_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'providers_named_or_deactivated',
      sql`family_name is not null or organization_name is not null or deactivated_on is not null`,
    )
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('providers').execute();
}
