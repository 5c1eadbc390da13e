/**
 * Patient merges (ADT^A40, src/store/patient-merge.ts): a merged patient's row is kept, pointing at the patient
 * that absorbed it (`merged_into`, the survivor's patient_ref; chains are kept flat: a patient merged into one
 * that is merged later points at the final survivor). From then on a charge or coverage written for the merged id
 * lands on the survivor: the triggers below rewrite its patient_ref before the row is stored, on every write path
 * (the batched and the one-by-one pipeline writes, held-charge replacements), so no later message for the old id
 * bills a patient that no longer exists. Patient rows themselves are not rewritten: an update for the old id
 * updates the kept row, which no claim reads any more.
 * Frozen in time: takes Kysely<any>.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('patients')
    .addColumn('merged_into', 'text')
    .addColumn('merged_at', 'timestamptz')
    .addColumn('merged_by_message_id', 'bigint', (c) => c.references('messages.id'))
    .execute();
  await sql`alter table patients add constraint patients_merged_into_check check (merged_into is distinct from patient_ref)`.execute(db);
  await sql`create index patients_merged_into_idx on patients (merged_into) where merged_into is not null`.execute(db);

  // A charge for a merged patient: the survivor's ref and row, and the survivor's coverage in force on its date
  // of service (lowest priority number, then newest as_of, as the store links every charge).
  await sql`
    create function charges_follow_patient_merge() returns trigger language plpgsql as $$
    declare
      survivor text;
    begin
      select merged_into into survivor from patients where patient_ref = new.patient_ref;
      if survivor is not null then
        new.patient_ref := survivor;
        new.patient_id := (select id from patients where patient_ref = survivor);
        new.coverage_id := (
          select v.id from coverages v
           where v.patient_ref = survivor
             and (v.effective_date is null or v.effective_date <= new.service_date)
             and (v.expiration_date is null or v.expiration_date >= new.service_date)
           order by v.priority, v.as_of desc, v.id desc
           limit 1);
      end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger charges_follow_patient_merge before insert on charges
    for each row execute function charges_follow_patient_merge()`.execute(db);

  // A coverage for a merged patient is the survivor's (upserted by survivor + plan id, the as_of rule applies).
  await sql`
    create function coverages_follow_patient_merge() returns trigger language plpgsql as $$
    declare
      survivor text;
    begin
      select merged_into into survivor from patients where patient_ref = new.patient_ref;
      if survivor is not null then
        new.patient_ref := survivor;
      end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger coverages_follow_patient_merge before insert on coverages
    for each row execute function coverages_follow_patient_merge()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists coverages_follow_patient_merge on coverages`.execute(db);
  await sql`drop function if exists coverages_follow_patient_merge()`.execute(db);
  await sql`drop trigger if exists charges_follow_patient_merge on charges`.execute(db);
  await sql`drop function if exists charges_follow_patient_merge()`.execute(db);
  await sql`drop index if exists patients_merged_into_idx`.execute(db);
  await sql`alter table patients drop constraint if exists patients_merged_into_check`.execute(db);
  await db.schema.alterTable('patients').dropColumn('merged_by_message_id').dropColumn('merged_at').dropColumn('merged_into').execute();
}
