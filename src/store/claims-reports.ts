/**
 * Billing reports (docs/billing.md "Reports"), read straight from claims and recorded payments:
 * - revenue by service kind, payer or month of service: claims and lines sent (batched or later, void claims
 *   excluded, each charge counted once: on the claim that bills it now), charged, paid and patient
 *   responsibility as the 835s recorded them (by service: from the line payments);
 * - per payer: claims sent, charged, paid, how many the payer adjudicated and denied (by each claim's latest
 *   adjudicating payment, so a denial later paid on appeal is not counted), the denial rate, and the average
 *   days from submission to the first payment that paid (or assigned to the patient) something.
 * Money comes back as exact decimal strings.
 */
import { sql, type Kysely } from 'kysely';
import { SENT_STATUSES } from '../billing/claims/lifecycle';
import type { Database } from './types';

export type RevenueDimension = 'service' | 'payer' | 'month';

export interface RevenueRow {
  key: string;
  claims: number;
  lines: number;
  charged: string;
  paid: string;
  patientResponsibility: string;
}

export interface PayerReportRow {
  payerId: string;
  payerName: string;
  claims: number;
  charged: string;
  paid: string;
  adjudicated: number;
  denied: number;
  /** denied / adjudicated, 4 decimals; null before any adjudication. */
  denialRate: number | null;
  /** Days from submission to the first paying 835, averaged over claims; null when none was paid yet. */
  averageDaysToPayment: number | null;
}

const SENT = sql.join([...SENT_STATUSES].map((s) => sql.lit(s)));

export async function revenueReport(db: Kysely<Database>, by: RevenueDimension): Promise<RevenueRow[]> {
  const key = by === 'service' ? sql`l.service_kind` : by === 'payer' ? sql`c.payer_id` : sql`to_char(l.service_date, 'YYYY-MM')`;
  const billed = await sql<{ key: string; claims: string; lines: string; charged: string }>`
    select ${key} as key, count(distinct c.id) as claims, count(*) as lines, coalesce(sum(l.charge_amount), 0)::text as charged
      from claim_lines l join claims c on c.id = l.claim_id
     where l.state = 'active' and c.status in (${SENT}) and c.frequency <> '8'
     group by 1`.execute(db);
  const paid = by === 'service'
    ? await sql<{ key: string; paid: string; pr: string }>`
        select l.service_kind as key, coalesce(sum(lp.paid), 0)::text as paid,
               coalesce(sum((select sum(a.amount) from payment_adjustments a where a.line_payment_id = lp.id and a.group_code = 'PR')), 0)::text as pr
          from line_payments lp join claim_lines l on l.id = lp.claim_line_id
         group by 1`.execute(db)
    : await sql<{ key: string; paid: string; pr: string }>`
        select ${by === 'payer' ? sql`c.payer_id` : sql`to_char(c.service_date, 'YYYY-MM')`} as key,
               coalesce(sum(p.paid), 0)::text as paid, coalesce(sum(p.patient_responsibility), 0)::text as pr
          from claim_payments p join claims c on c.id = p.claim_id
         group by 1`.execute(db);
  const rows = new Map<string, RevenueRow>();
  const row = (k: string): RevenueRow => {
    let r = rows.get(k);
    if (!r) rows.set(k, r = { key: k, claims: 0, lines: 0, charged: '0.00', paid: '0.00', patientResponsibility: '0.00' });
    return r;
  };
  for (const b of billed.rows) Object.assign(row(b.key), { claims: Number(b.claims), lines: Number(b.lines), charged: money(b.charged) });
  for (const p of paid.rows) Object.assign(row(p.key), { paid: money(p.paid), patientResponsibility: money(p.pr) });
  return [...rows.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export async function payerReport(db: Kysely<Database>): Promise<PayerReportRow[]> {
  const result = await sql<{
    payer_id: string; payer_name: string; claims: string; charged: string; paid: string; adjudicated: string; denied: string;
    avg_days: string | null;
  }>`
    with sent as (
      select c.* from claims c where c.status in (${SENT}) and c.frequency <> '8'
    ), latest as (
      select distinct on (p.claim_id) p.claim_id, p.outcome
        from claim_payments p
       where p.outcome in ('paid', 'partial', 'denied', 'patient-responsibility')
       order by p.claim_id, p.id desc
    ), first_paid as (
      select distinct on (p.claim_id) p.claim_id, p.days_to_payment
        from claim_payments p
       where p.outcome in ('paid', 'partial', 'patient-responsibility') and p.days_to_payment is not null
       order by p.claim_id, p.id
    )
    select s.payer_id, max(s.payer_name) as payer_name, count(*) as claims,
           sum(s.total_charge)::text as charged, sum(s.paid_amount)::text as paid,
           count(l.claim_id) as adjudicated, count(*) filter (where l.outcome = 'denied') as denied,
           avg(f.days_to_payment)::text as avg_days
      from sent s
      left join latest l on l.claim_id = s.id
      left join first_paid f on f.claim_id = s.id
     group by s.payer_id
     order by s.payer_id`.execute(db);
  return result.rows.map((r) => {
    const adjudicated = Number(r.adjudicated);
    const denied = Number(r.denied);
    return {
      payerId: r.payer_id, payerName: r.payer_name, claims: Number(r.claims), charged: money(r.charged), paid: money(r.paid),
      adjudicated, denied,
      denialRate: adjudicated === 0 ? null : Math.round((denied / adjudicated) * 10_000) / 10_000,
      averageDaysToPayment: r.avg_days === null ? null : Math.round(Number(r.avg_days) * 10) / 10,
    };
  });
}

/** numeric text → two decimals ("45" → "45.00"). */
function money(text: string): string {
  const [whole, frac = ''] = text.split('.');
  return `${whole}.${frac.padEnd(2, '0').slice(0, 2)}`;
}
