/**
 * Payer edit tables (src/billing/codesets/edits.ts): the CMS NCCI procedure-to-procedure pairs, the MUE unit
 * ceilings and the MCE age/sex diagnosis lists, each import a release in code_releases (kind ncci, mue or mce;
 * its valid_from/valid_to say which dates of service it answers for) with its rows here. Frozen in time: takes
 * Kysely<any>, never the current Database type.
 *
 * One table for the three kinds, the columns each uses:
 *   ncci  code = column 1, other_code = column 2, indicator = modifier indicator (0/1/9), valid_from = effective
 *         date, valid_to = the day before the deletion date (null: active), rationale
 *   mue   code, max_units = the MUE value, indicator = MUE adjudication indicator (1/2/3), rationale
 *   mce   code = ICD-10-CM with its dot, indicator = the edit (newborn, pediatric, maternity, adult, male,
 *         female), age_from/age_to for age edits
 * Rows go with their release (on delete cascade), so importing a release again replaces its rows.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('code_edits')
    .addColumn('release_id', 'integer', (c) => c.notNull().references('code_releases.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('other_code', 'text')
    .addColumn('indicator', 'text', (c) => c.notNull())
    .addColumn('max_units', 'integer')
    .addColumn('age_from', 'integer')
    .addColumn('age_to', 'integer')
    .addColumn('valid_from', 'date')
    .addColumn('valid_to', 'date')
    .addColumn('rationale', 'text')
    .addCheckConstraint('code_edits_kind_ck', sql`kind in ('ncci', 'mue', 'mce')`)
    .execute();
  // Preloading for a scrub run: the edits of a kind for the codes of the run's claims.
  await sql`create index code_edits_kind_code_idx on code_edits (kind, code)`.execute(db);
  await sql`create index code_edits_release_idx on code_edits (release_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('code_edits').execute();
}
