/**
 * The payer ids incoming coverages carry (coverages.payer_id, as the ADT mapping stored it), with how many patients
 * carry each, how many of those patients' charges wait unclaimed (active, on no active claim line) and when the id
 * was first and last seen. Counts only: no patient data leaves this query. Which ids are unknown is the caller's
 * question (the billing configuration in force: src/billing/unknown-payers.ts).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './types';

export interface CoveragePayerRow {
  payerId: string;
  patients: number;
  charges: number;
  firstSeen: string;
  lastSeen: string;
}

export async function coveragePayerIds(db: Kysely<Database>): Promise<CoveragePayerRow[]> {
  const { rows } = await sql<{ payer_id: string; patients: string; charges: string; first_seen: Date; last_seen: Date }>`
    with ids as (
      select payer_id, count(distinct patient_ref) as patients, min(created_at) as first_seen, max(updated_at) as last_seen
      from coverages where payer_id is not null and payer_id <> '' group by payer_id
    )
    select ids.payer_id, ids.patients, ids.first_seen, ids.last_seen,
      (select count(*) from charges ch
        where ch.status = 'active'
          and ch.patient_ref in (select cv.patient_ref from coverages cv where cv.payer_id = ids.payer_id)
          and not exists (select 1 from claim_lines l where l.charge_id = ch.id and l.state = 'active')) as charges
    from ids order by ids.last_seen desc, ids.payer_id`.execute(db);
  return rows.map((r) => ({
    payerId: r.payer_id,
    patients: Number(r.patients),
    charges: Number(r.charges),
    firstSeen: new Date(r.first_seen).toISOString(),
    lastSeen: new Date(r.last_seen).toISOString(),
  }));
}
