/**
 * Remittance advice remark codes (RARC) as an 835 posted them (src/billing/remittance/read-835.ts): on
 * line_payments the line's LQ*HE codes, on claim_payments the claim's MOA/MIA codes; '{}' when none (and on every
 * row posted before this migration). The denials report groups denied lines and claims by them.
 * Frozen in time: takes Kysely<any>, never the current Database type.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  for (const table of ['line_payments', 'claim_payments']) {
    await db.schema
      .alterTable(table)
      .addColumn('remark_codes', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
      .execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['line_payments', 'claim_payments']) await db.schema.alterTable(table).dropColumn('remark_codes').execute();
}
