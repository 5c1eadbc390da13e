/**
 * Held charges: a charge the mapping could not bill as it stands (a vaccine whose CVX has no product code on the
 * date of administration, later an unpriced dispense or an unmatched credit) is written with status `held` and
 * its `hold_reason` instead of dead-lettering the message, so the message's other lines still bill. Claims never
 * take a held charge; a replay of its message after the cause is fixed replaces it under the same source key.
 * Frozen in time: takes Kysely<any>.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table charges drop constraint if exists charges_status_check`.execute(db);
  await sql`alter table charges add constraint charges_status_check
    check (status in ('active', 'reversed', 'reversal', 'held'))`.execute(db);
  await db.schema.alterTable('charges').addColumn('hold_reason', 'text').execute();
  await sql`alter table charges add constraint charges_hold_reason_check
    check ((status = 'held') = (hold_reason is not null))`.execute(db);
  // The held-charges listing: few rows, read often by billers.
  await sql`create index charges_held_idx on charges (id) where status = 'held'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists charges_held_idx`.execute(db);
  await sql`alter table charges drop constraint if exists charges_hold_reason_check`.execute(db);
  await db.schema.alterTable('charges').dropColumn('hold_reason').execute();
  await sql`alter table charges drop constraint if exists charges_status_check`.execute(db);
  await sql`alter table charges add constraint charges_status_check
    check (status in ('active', 'reversed', 'reversal'))`.execute(db);
}
