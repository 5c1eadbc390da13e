/**
 * Pricing: the fee schedule (`rxbridge prices import`) and unpriced charges. A charge the mapping wrote without an
 * amount (`unpriced: write`, e.g. a dispense whose RDS carries no FT1) is stored at 0.00 with `unpriced` set;
 * claim building prices it from the fee-schedule row in force on its date of service (writing the price and
 * `priced_by` on the charge when it claims it), or holds it "no price".
 * One schedule row per (code system, code, method, effective from); a re-import of the same row updates it.
 * Frozen in time: takes Kysely<any>.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // unpriced: the feed sent no amount. priced_by: the schedule row and formula claim building priced it with (then
  // charge_amount holds that price, so a replacement claim bills the same amount); null while it awaits a price.
  await db.schema
    .alterTable('charges')
    .addColumn('unpriced', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('priced_by', 'text')
    .execute();
  await db.schema
    .createTable('fee_schedule')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('code_system', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('effective_from', 'date', (c) => c.notNull())
    .addColumn('effective_to', 'date')
    .addColumn('amount', sql`numeric(14, 5)`)
    .addColumn('basis', 'text')
    .addColumn('unit_cost', sql`numeric(14, 5)`)
    .addColumn('multiplier', sql`numeric(8, 4)`)
    .addColumn('dispensing_fee', sql`numeric(12, 2)`)
    .addColumn('description', 'text')
    .addColumn('source_file', 'text', (c) => c.notNull())
    .addColumn('source_line', 'integer', (c) => c.notNull())
    .addColumn('imported_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('fee_schedule_row_key', ['code_system', 'code', 'method', 'effective_from'])
    .execute();
  await sql`alter table fee_schedule add constraint fee_schedule_method_check
    check (method in ('uc', 'cost', 'admin'))`.execute(db);
  await sql`alter table fee_schedule add constraint fee_schedule_dates_check
    check (effective_to is null or effective_to >= effective_from)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('fee_schedule').ifExists().execute();
  await db.schema.alterTable('charges').dropColumn('priced_by').dropColumn('unpriced').execute();
}
