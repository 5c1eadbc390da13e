/**
 * Billing reports (docs/billing.md "Reports"), read straight from claims and recorded payments.
 *
 * Each service is counted once, on the claim that bills it now: a claim and its corrections (frequency 7
 * replacements, 8 voids, chained by corrects_claim_id) form one chain; the chain's billing claim is its newest
 * sent claim (batched or later), and a chain whose billing claim is a void counts nowhere. Charged and claims/
 * lines come from the billing claim's lines; paid and patient responsibility from the chain's newest claim with
 * a payment (a replacement's adjudication supersedes its original's, and a reversal nets out on the claim that
 * carries it), attributed to the billing claim's payer, month and service kinds. So a claim paid, then replaced
 * and the replacement paid, counts its charge once and its payment once. A claim to the next payer (secondary,
 * tertiary) belongs to the chain of the claim it follows: the service counts once, every payer's money is added,
 * and the patient responsibility is what the last payer that answered left.
 * - revenue by service kind, payer (the payer billed; crossover payments included) or month of service;
 * - per payer: claims billed, charged, adjudicated and denied (by the latest adjudication of its own, so a
 *   denial later paid on appeal is not counted), the denial rate, average days to the first paying 835; paid is
 *   the money that payer sent (a crossover payer gets its own row, its crossover adjudications counted in
 *   `crossovers`), unmatched money and PLB adjustments by the payer whose 835 carried them;
 * - remittance totals: unmatched CLPs nobody matched yet, and PLB adjustments by reason.
 * A withdrawn remittance's payments and PLB adjustments count nowhere (docs/billing.md "Withdrawing a remittance").
 * A date range (since/until, both included) keeps the chains whose billing claim's date of service is in it, and
 * the remittances (unmatched money, PLB) whose payment date is.
 * Money comes back as exact decimal strings.
 */
import { sql, type Kysely } from 'kysely';
import { SENT_STATUSES } from '../billing/claims/lifecycle';
import { dateBetween, REMIT_PAYER, type DateRange } from './claims-receivables';
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
  /** What this payer sent on claims (as the claim's payer or as a crossover). */
  paid: string;
  adjudicated: number;
  denied: number;
  /** denied / adjudicated, 4 decimals; null before any adjudication. */
  denialRate: number | null;
  /** Days from submission to the first paying 835, averaged over claims; null when none was paid yet. */
  averageDaysToPayment: number | null;
  /** Claims this payer adjudicated as secondary or tertiary (crossovers). */
  crossovers: number;
  /** Paid on CLPs of this payer's 835s that match no claim yet. */
  unmatchedPaid: string;
  /** Σ PLB amounts of this payer's 835s (positive: taken back from the payment; negative: added, e.g. interest). */
  providerAdjustments: string;
}

export interface RemittanceTotals {
  unmatched: { payments: number; charged: string; paid: string };
  providerAdjustments: Array<{ reason: string; count: number; amount: string; attachedToClaims: number }>;
}

const SENT = sql.join([...SENT_STATUSES].map((s) => sql.lit(s)));

/**
 * The chain of each claim, its billing claim and its paying claims (see the module comment), as CTEs. A claim to the
 * next payer (follows_claim_id, payer_step 2 or 3) joins the chain of the claim it follows: it never bills the
 * service again (billing is the newest sent claim of step 1), its payer's money adds to the chain (paying: the
 * newest claim with a payment per payer step) and what the patient owes comes from the last step that answered
 * (last_paying).
 */
const chains = (range: DateRange) => sql`
  with recursive chain(id, root) as (
    select id, id from claims where corrects_claim_id is null and follows_claim_id is null
    union all
    select c.id, ch.root from claims c join chain ch on c.corrects_claim_id = ch.id or c.follows_claim_id = ch.id
  ), billing as (
    select distinct on (ch.root) ch.root, c.id as claim_id
      from chain ch join claims c on c.id = ch.id
     where c.status in (${SENT}) and c.payer_step = 1
     order by ch.root, c.id desc
  ), live as (
    select b.root, b.claim_id from billing b join claims c on c.id = b.claim_id where c.frequency <> '8' ${dateBetween(sql`c.service_date`, range)}
  ), paying as (
    select distinct on (ch.root, c.payer_step) ch.root, ch.id as claim_id, c.payer_step
      from chain ch join claims c on c.id = ch.id
     where exists (select 1 from claim_payments p where p.claim_id = ch.id and p.withdrawn_at is null)
     order by ch.root, c.payer_step, ch.id desc
  ), last_paying as (
    select distinct on (root) root, claim_id from paying order by root, payer_step desc
  )`;

/** A payment's place in line (posting.ts claimTotals): the patient owes what the last payer in line assigned. */
const LEVEL = sql`case p.payer_role when 'tertiary' then 3 when 'secondary' then 2 when 'other-payer' then 0 else 1 end`;

export async function revenueReport(db: Kysely<Database>, by: RevenueDimension, range: DateRange = {}): Promise<RevenueRow[]> {
  const key = by === 'service' ? sql`l.service_kind` : by === 'payer' ? sql`c.payer_id` : sql`to_char(l.service_date, 'YYYY-MM')`;
  const billed = await sql<{ key: string; claims: string; lines: string; charged: string }>`
    ${chains(range)}
    select ${key} as key, count(distinct c.id) as claims, count(*) as lines, coalesce(sum(l.charge_amount), 0)::text as charged
      from live v join claims c on c.id = v.claim_id join claim_lines l on l.claim_id = c.id
     where l.state in ('active', 'superseded')
     group by 1`.execute(db);
  const paid =
    by === 'service'
      ? await sql<{ key: string; paid: string; pr: string }>`
        ${chains(range)}
        , levels as (
          select p.claim_id, max(${LEVEL}) as level from claim_payments p where p.claim_id is not null and p.withdrawn_at is null group by p.claim_id
        )
        select l.service_kind as key, coalesce(sum(lp.paid), 0)::text as paid,
               coalesce(sum(case when y.claim_id = z.claim_id and ${LEVEL} = lv.level then (select sum(a.amount) from payment_adjustments a
                              where a.line_payment_id = lp.id and a.group_code = 'PR') end), 0)::text as pr
          from live v join paying y on y.root = v.root
          join last_paying z on z.root = v.root
          join levels lv on lv.claim_id = y.claim_id
          join claim_payments p on p.claim_id = y.claim_id and p.withdrawn_at is null
          join line_payments lp on lp.claim_payment_id = p.id
          join claim_lines l on l.id = lp.claim_line_id
         group by 1`.execute(db)
      : await sql<{ key: string; paid: string; pr: string }>`
        ${chains(range)}
        select ${by === 'payer' ? sql`c.payer_id` : sql`to_char(c.service_date, 'YYYY-MM')`} as key,
               coalesce(sum(pc.paid_amount), 0)::text as paid,
               coalesce(sum(case when y.claim_id = z.claim_id then pc.patient_responsibility end), 0)::text as pr
          from live v join paying y on y.root = v.root
          join last_paying z on z.root = v.root
          join claims c on c.id = v.claim_id join claims pc on pc.id = y.claim_id
         group by 1`.execute(db);
  const rows = new Map<string, RevenueRow>();
  const row = (k: string): RevenueRow => {
    let r = rows.get(k);
    if (!r) rows.set(k, (r = { key: k, claims: 0, lines: 0, charged: '0.00', paid: '0.00', patientResponsibility: '0.00' }));
    return r;
  };
  for (const b of billed.rows) Object.assign(row(b.key), { claims: Number(b.claims), lines: Number(b.lines), charged: money(b.charged) });
  for (const p of paid.rows) Object.assign(row(p.key), { paid: money(p.paid), patientResponsibility: money(p.pr) });
  return [...rows.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export async function payerReport(db: Kysely<Database>, range: DateRange = {}): Promise<PayerReportRow[]> {
  const billed = await sql<{
    payer_id: string;
    payer_name: string;
    claims: string;
    charged: string;
    adjudicated: string;
    denied: string;
    avg_days: string | null;
  }>`
    ${chains(range)}, own as (
      select p.* from claim_payments p where coalesce(p.payer_role, 'claim-payer') = 'claim-payer' and p.withdrawn_at is null
    ), latest as (
      select distinct on (y.root) y.root, p.outcome
        from paying y join own p on p.claim_id = y.claim_id
       where y.payer_step = 1 and p.outcome in ('paid', 'partial', 'denied', 'patient-responsibility')
       order by y.root, p.id desc
    ), first_paid as (
      select distinct on (y.root) y.root, p.days_to_payment
        from paying y join own p on p.claim_id = y.claim_id
       where y.payer_step = 1 and p.outcome in ('paid', 'partial', 'patient-responsibility') and p.days_to_payment is not null
       order by y.root, p.id
    )
    select c.payer_id, max(c.payer_name) as payer_name, count(*) as claims, sum(c.total_charge)::text as charged,
           count(l.root) as adjudicated, count(*) filter (where l.outcome = 'denied') as denied,
           avg(f.days_to_payment)::text as avg_days
      from live v join claims c on c.id = v.claim_id
      left join latest l on l.root = v.root
      left join first_paid f on f.root = v.root
     group by c.payer_id`.execute(db);
  const paid = await sql<{ payer_id: string; payer_name: string; paid: string; crossovers: string }>`
    ${chains(range)}
    select case when coalesce(p.payer_role, 'claim-payer') = 'claim-payer' then c.payer_id else ${REMIT_PAYER} end as payer_id,
           max(case when coalesce(p.payer_role, 'claim-payer') = 'claim-payer' then c.payer_name else r.payer_name end) as payer_name,
           sum(p.paid)::text as paid,
           count(distinct p.claim_id) filter (where p.payer_role in ('secondary', 'tertiary')
             or (coalesce(p.payer_role, 'claim-payer') = 'claim-payer' and c.payer_step > 1)) as crossovers
      from live v join paying y on y.root = v.root
      join claim_payments p on p.claim_id = y.claim_id and p.withdrawn_at is null
      join remittances r on r.id = p.remittance_id
      join claims c on c.id = y.claim_id
     group by 1`.execute(db);
  const remits = await sql<{ payer_id: string; payer_name: string; unmatched: string; plb: string }>`
    select ${REMIT_PAYER} as payer_id, max(r.payer_name) as payer_name,
           coalesce(sum((select sum(p.paid) from claim_payments p
                          where p.remittance_id = r.id and p.claim_id is null and p.matched_payment_id is null)), 0)::text as unmatched,
           coalesce(sum((select sum(a.amount) from provider_adjustments a where a.remittance_id = r.id)), 0)::text as plb
      from remittances r
     where r.withdrawn_at is null ${dateBetween(sql`coalesce(r.payment_date, r.received_at::date)`, range)}
     group by 1`.execute(db);

  const rows = new Map<string, PayerReportRow>();
  const row = (id: string, name: string): PayerReportRow => {
    let r = rows.get(id);
    if (!r) {
      rows.set(
        id,
        (r = {
          payerId: id,
          payerName: name,
          claims: 0,
          charged: '0.00',
          paid: '0.00',
          adjudicated: 0,
          denied: 0,
          denialRate: null,
          averageDaysToPayment: null,
          crossovers: 0,
          unmatchedPaid: '0.00',
          providerAdjustments: '0.00',
        }),
      );
    }
    return r;
  };
  for (const b of billed.rows) {
    const adjudicated = Number(b.adjudicated);
    const denied = Number(b.denied);
    Object.assign(row(b.payer_id, b.payer_name), {
      claims: Number(b.claims),
      charged: money(b.charged),
      adjudicated,
      denied,
      denialRate: adjudicated === 0 ? null : Math.round((denied / adjudicated) * 10_000) / 10_000,
      averageDaysToPayment: b.avg_days === null ? null : Math.round(Number(b.avg_days) * 10) / 10,
    });
  }
  for (const p of paid.rows) Object.assign(row(p.payer_id, p.payer_name), { paid: money(p.paid), crossovers: Number(p.crossovers) });
  for (const r of remits.rows) {
    if (r.unmatched === '0' && r.plb === '0' && !rows.has(r.payer_id)) continue;
    Object.assign(row(r.payer_id, r.payer_name), { unmatchedPaid: money(r.unmatched), providerAdjustments: money(r.plb) });
  }
  return [...rows.values()].sort((a, b) => (a.payerId < b.payerId ? -1 : a.payerId > b.payerId ? 1 : 0));
}

/** Unmatched CLPs not matched yet, and PLB adjustments by reason (see the module comment). */
export async function remittanceTotals(db: Kysely<Database>, range: DateRange = {}): Promise<RemittanceTotals> {
  const unmatched = await sql<{ payments: string; charged: string; paid: string }>`
    select count(*) as payments, coalesce(sum(charge), 0)::text as charged, coalesce(sum(paid), 0)::text as paid
      from claim_payments p
     where claim_id is null and matched_payment_id is null and withdrawn_at is null
       and exists (select 1 from remittances r where r.id = p.remittance_id ${dateBetween(sql`coalesce(r.payment_date, r.received_at::date)`, range)})`.execute(
    db,
  );
  const plb = await sql<{ reason: string; count: string; amount: string; attached: string }>`
    select reason, count(*) as count, sum(amount)::text as amount, count(claim_id) as attached
      from provider_adjustments a
     where exists (select 1 from remittances r where r.id = a.remittance_id and r.withdrawn_at is null
                     ${dateBetween(sql`coalesce(r.payment_date, r.received_at::date)`, range)})
     group by reason order by reason`.execute(db);
  const u = unmatched.rows[0]!;
  return {
    unmatched: { payments: Number(u.payments), charged: money(u.charged), paid: money(u.paid) },
    providerAdjustments: plb.rows.map((r) => ({
      reason: r.reason,
      count: Number(r.count),
      amount: money(r.amount),
      attachedToClaims: Number(r.attached),
    })),
  };
}

/** numeric text → two decimals ("45" → "45.00"). */
function money(text: string): string {
  if (text.startsWith('-')) return `-${money(text.slice(1))}`;
  const [whole, frac = ''] = text.split('.');
  return `${whole}.${frac.padEnd(2, '0').slice(0, 2)}`;
}
