/**
 * The billing manager's reports on what is owed and what came back refused (docs/billing.md "Reports"), read from
 * claims, recorded payments (a withdrawn remittance's count nowhere) and acknowledgments:
 * - A/R aging: each sent claim's open balance (charge − every payer's paid − patient responsibility − the non-PR
 *   adjustments of its payments), in buckets of days since it was first sent (its batch's time), by payer; claims
 *   closed, voided, void claims (frequency 8) and claims a sent correction supersedes are not open;
 * - denials by CARC: the adjustments (group and reason, PR excluded) on denied claims and denied lines, count and
 *   amount, by the payer whose 835 sent them;
 * - denials by RARC: the remark codes on denied lines (LQ*HE) and denied claims (MOA, MIA), count of the lines and
 *   claims carrying each and the amount denied there (their non-PR adjustments), by the same payer;
 * - front-end rejections: per payer and month, 999 transaction sets and claims accepted or rejected, and 277CA
 *   claims accepted or rejected, with the rejection rates.
 * Money comes back as exact decimal strings; payer ids as stored (the service adds the configured names).
 */
import { sql, type Kysely } from 'kysely';
import { fromScaled, normalizeDecimal, toScaled } from '../core/decimal';
import type { Database } from './types';

/** Dates YYYY-MM-DD, both included. */
export interface DateRange {
  since?: string;
  until?: string;
}

export const AGING_BUCKETS = ['0-30', '31-60', '61-90', '91-120', '120+'] as const;
export type AgingBucket = (typeof AGING_BUCKETS)[number];

export interface AgingRow {
  payerId: string;
  payerName: string;
  /** Per bucket: claims and their open balance. */
  buckets: Record<AgingBucket, { claims: number; balance: string }>;
  claims: number;
  balance: string;
}

export interface DenialRow {
  payerId: string;
  payerName: string;
  group: string;
  reason: string;
  /** Denied claims and lines carrying the code. */
  count: number;
  amount: string;
}

export interface RemarkRow {
  payerId: string;
  payerName: string;
  /** The remark code (RARC). */
  remark: string;
  /** Denied lines and denied claims carrying the code. */
  count: number;
  /** Their non-PR adjustments: for a line its own, for a claim the claim's and its lines'. */
  amount: string;
}

export interface RejectionRow {
  payerId: string;
  payerName: string;
  /** YYYY-MM of the acknowledgment's receipt. */
  period: string;
  sets999: { accepted: number; rejected: number };
  claims999: { accepted: number; rejected: number };
  claims277: { accepted: number; rejected: number };
  /** rejected / (accepted + rejected), 4 decimals; null when none. */
  rate999: number | null;
  rate277: number | null;
}

/** `and column >= since and column <= until` for the bounds given (none: nothing). */
export const dateBetween = (column: ReturnType<typeof sql>, r: DateRange) =>
  sql`${r.since ? sql`and ${column} >= ${r.since}::date` : sql``} ${r.until ? sql`and ${column} <= ${r.until}::date` : sql``}`;

/** The payer an 835 (`r`) is reported under: the configured payer it resolved to, else its 835 id, else its name. */
export const REMIT_PAYER = sql`coalesce(r.payer_ref, nullif(r.payer_id, ''), r.payer_name)`;

/** A/R aging as of `asOf` (YYYY-MM-DD); `range` filters by the date each claim was first sent. */
export async function agingReport(db: Kysely<Database>, asOf: string, range: DateRange): Promise<AgingRow[]> {
  const rows = await sql<{ payer_id: string; payer_name: string; bucket: AgingBucket; claims: string; balance: string }>`
    with open as (
      select c.id, c.payer_id, c.payer_name, b.created_at::date as sent_on,
             c.total_charge - c.paid_amount - c.patient_responsibility
               - coalesce((select sum(a.amount) from claim_payments p join payment_adjustments a on a.claim_payment_id = p.id
                            where p.claim_id = c.id and p.withdrawn_at is null and a.group_code <> 'PR'), 0) as balance
        from claims c join claim_batches b on b.id = c.batch_id
       where c.status in ('batched', 'submitted', 'accepted', 'paid', 'partial', 'denied') and c.frequency <> '8'
         and not exists (select 1 from claims r where r.corrects_claim_id = c.id
                          and r.status in ('batched', 'submitted', 'accepted', 'paid', 'partial', 'denied', 'closed'))
         ${dateBetween(sql`b.created_at::date`, range)}
    ), aged as (
      select *, (${asOf}::date - sent_on) as age from open where balance > 0
    )
    select payer_id, max(payer_name) as payer_name,
           case when age <= 30 then '0-30' when age <= 60 then '31-60' when age <= 90 then '61-90'
                when age <= 120 then '91-120' else '120+' end as bucket,
           count(*) as claims, sum(balance)::text as balance
      from aged group by payer_id, bucket order by payer_id`.execute(db);
  const out = new Map<string, AgingRow>();
  for (const r of rows.rows) {
    let row = out.get(r.payer_id);
    if (!row) {
      const buckets = Object.fromEntries(AGING_BUCKETS.map((b) => [b, { claims: 0, balance: '0.00' }])) as AgingRow['buckets'];
      out.set(r.payer_id, (row = { payerId: r.payer_id, payerName: r.payer_name, buckets, claims: 0, balance: '0.00' }));
    }
    row.buckets[r.bucket] = { claims: Number(r.claims), balance: money(r.balance) };
    row.claims += Number(r.claims);
    row.balance = addMoney(row.balance, money(r.balance));
  }
  return [...out.values()];
}

/** Denials by CARC; `range` filters by the 835's payment date (else the day it was received). */
export async function denialReport(db: Kysely<Database>, range: DateRange): Promise<DenialRow[]> {
  const rows = await sql<{ payer_id: string; payer_name: string; group_code: string; reason: string; count: string; amount: string }>`
    select ${REMIT_PAYER} as payer_id, max(r.payer_name) as payer_name,
           a.group_code, a.reason, count(*) as count, sum(a.amount)::text as amount
      from payment_adjustments a
      join claim_payments p on p.id = a.claim_payment_id
      join remittances r on r.id = p.remittance_id
      left join line_payments lp on lp.id = a.line_payment_id
     where p.withdrawn_at is null and p.matched_payment_id is null and a.group_code <> 'PR'
       and (lp.outcome = 'denied' or (a.line_payment_id is null and p.outcome = 'denied'))
       ${dateBetween(sql`coalesce(r.payment_date, r.received_at::date)`, range)}
     group by 1, a.group_code, a.reason
     order by 1, sum(a.amount) desc, a.group_code, a.reason`.execute(db);
  return rows.rows.map((r) => ({
    payerId: r.payer_id,
    payerName: r.payer_name,
    group: r.group_code,
    reason: r.reason,
    count: Number(r.count),
    amount: money(r.amount),
  }));
}

/**
 * Denials by RARC; the same payments and range as denialReport. A line's codes count when the line is denied, a
 * claim's (MOA, MIA) when the claim is denied; a code on both a claim and one of its lines counts once for each.
 */
export async function remarkReport(db: Kysely<Database>, range: DateRange): Promise<RemarkRow[]> {
  const rows = await sql<{ payer_id: string; payer_name: string; remark: string; count: string; amount: string }>`
    with carriers as (
      select lp.claim_payment_id as payment_id, lp.id as line_id, lp.remark_codes as codes
        from line_payments lp where lp.outcome = 'denied' and cardinality(lp.remark_codes) > 0
      union all
      select p.id, null, p.remark_codes from claim_payments p where p.outcome = 'denied' and cardinality(p.remark_codes) > 0
    )
    select ${REMIT_PAYER} as payer_id, max(r.payer_name) as payer_name,
           code.remark, count(*) as count, sum(denied.amount)::text as amount
      from carriers c
      join claim_payments p on p.id = c.payment_id
      join remittances r on r.id = p.remittance_id
      cross join lateral unnest(c.codes) as code(remark)
      cross join lateral (
        select coalesce(sum(a.amount), 0) as amount from payment_adjustments a
         where a.claim_payment_id = c.payment_id and a.group_code <> 'PR'
           and (c.line_id is null or a.line_payment_id = c.line_id)
      ) denied
     where p.withdrawn_at is null and p.matched_payment_id is null
       ${dateBetween(sql`coalesce(r.payment_date, r.received_at::date)`, range)}
     group by 1, code.remark
     order by 1, sum(denied.amount) desc, code.remark`.execute(db);
  return rows.rows.map((r) => ({
    payerId: r.payer_id,
    payerName: r.payer_name,
    remark: r.remark,
    count: Number(r.count),
    amount: money(r.amount),
  }));
}

/** Front-end rejections per payer and month; `range` filters by the day the acknowledgment was received. */
export async function rejectionReport(db: Kysely<Database>, range: DateRange): Promise<RejectionRow[]> {
  const rows = await sql<{
    payer_id: string;
    payer_name: string;
    period: string;
    s999_a: string;
    s999_r: string;
    c999_a: string;
    c999_r: string;
    c277_a: string;
    c277_r: string;
  }>`
    with acks as (
      select c.payer_id, c.payer_name, to_char(k.received_at, 'YYYY-MM') as period, k.id as ack_id,
             ca.detail->>'kind' as kind, ca.outcome
        from claim_acknowledgments ca
        join acknowledgments k on k.id = ca.acknowledgment_id
        join claims c on c.id = ca.claim_id
       where ca.outcome in ('accepted', 'rejected') ${dateBetween(sql`k.received_at::date`, range)}
    ), sets as (
      select payer_id, period, ack_id, bool_or(outcome = 'rejected') as rejected from acks where kind = '999' group by 1, 2, 3
    )
    select a.payer_id, max(a.payer_name) as payer_name, a.period,
           (select count(*) from sets s where s.payer_id = a.payer_id and s.period = a.period and not s.rejected) as s999_a,
           (select count(*) from sets s where s.payer_id = a.payer_id and s.period = a.period and s.rejected) as s999_r,
           count(*) filter (where kind = '999' and outcome = 'accepted') as c999_a,
           count(*) filter (where kind = '999' and outcome = 'rejected') as c999_r,
           count(*) filter (where kind = '277CA' and outcome = 'accepted') as c277_a,
           count(*) filter (where kind = '277CA' and outcome = 'rejected') as c277_r
      from acks a group by a.payer_id, a.period order by a.payer_id, a.period`.execute(db);
  const rate = (a: number, r: number) => (a + r === 0 ? null : Math.round((r / (a + r)) * 10_000) / 10_000);
  return rows.rows.map((r) => {
    const sets999 = { accepted: Number(r.s999_a), rejected: Number(r.s999_r) };
    const claims277 = { accepted: Number(r.c277_a), rejected: Number(r.c277_r) };
    return {
      payerId: r.payer_id,
      payerName: r.payer_name,
      period: r.period,
      sets999,
      claims999: { accepted: Number(r.c999_a), rejected: Number(r.c999_r) },
      claims277,
      rate999: rate(sets999.accepted, sets999.rejected),
      rate277: rate(claims277.accepted, claims277.rejected),
    };
  });
}

/** numeric text → two decimals ("45" → "45.00"), exactly. */
function money(text: string): string {
  return normalizeDecimal(text, 2);
}

function addMoney(a: string, b: string): string {
  return fromScaled(toScaled(a, 2) + toScaled(b, 2), 2);
}
