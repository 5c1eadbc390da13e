/**
 * Code sets with effective dates (DOMAIN.md §5; src/billing/codesets): one row per loaded release in
 * code_releases, its codes in code_entries. Frozen in time: takes Kysely<any>, never the current Database type.
 *
 * A release is unique by (kind, name); importing it again replaces it (its entries go with it: on delete
 * cascade). valid_from/valid_to (inclusive, null = open) are the dates the release answers for; releases of a
 * kind may overlap (annual and quarterly side by side), the one loaded last answers. An entry's own
 * valid_from/valid_to are the code's dates inside its release (HCPCS add/termination, NDC marketing dates).
 * Entries have no key of their own: a code may appear twice in a release with different dates (our CPT list).
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('code_releases')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('valid_from', 'date')
    .addColumn('valid_to', 'date')
    .addColumn('loaded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('row_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('source_file', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull().defaultTo(''))
    .addUniqueConstraint('code_releases_kind_name_uq', ['kind', 'name'])
    .addCheckConstraint('code_releases_dates_ck', sql`valid_from is null or valid_to is null or valid_from <= valid_to`)
    .execute();

  await db.schema
    .createTable('code_entries')
    .addColumn('release_id', 'integer', (c) => c.notNull().references('code_releases.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('valid_from', 'date')
    .addColumn('valid_to', 'date')
    .addColumn('billable', 'boolean', (c) => c.notNull())
    .addColumn('description', 'text')
    .execute();
  // Preloading for a scrub run: the entries of a kind for a set of codes, across releases.
  await sql`create index code_entries_kind_code_idx on code_entries (kind, code)`.execute(db);
  // Replacing a release (the cascade) and counting its rows.
  await sql`create index code_entries_release_idx on code_entries (release_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('code_entries').execute();
  await db.schema.dropTable('code_releases').execute();
}
