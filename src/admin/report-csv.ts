/**
 * The billing reports as CSV (GET /api/reports/*?format=csv; docs/billing.md "Reports"): one header row, one row per
 * report row, money as exact decimals, rates as fractions; cells escaped and formula-guarded by csv.ts.
 */
import { csvTable } from './csv';
import {
  AGING_BUCKETS,
  type AgingRow,
  type DenialReport,
  type MissedCharge,
  type PayerRow,
  type RejectionRow,
  type RevenueRow,
} from './wire/claims';

export function revenueCsv(by: string, rows: readonly RevenueRow[]): string {
  return csvTable(
    [by, 'name', 'claims', 'lines', 'charged', 'paid', 'patient_responsibility'],
    rows.map((r) => [r.key, r.label ?? null, r.claims, r.lines, r.charged, r.paid, r.patientResponsibility]),
  );
}

export function payersCsv(rows: readonly PayerRow[]): string {
  return csvTable(
    [
      'payer_id',
      'payer_name',
      'claims',
      'charged',
      'paid',
      'adjudicated',
      'denied',
      'denial_rate',
      'average_days_to_payment',
      'crossovers',
      'unmatched_paid',
      'provider_adjustments',
    ],
    rows.map((r) => [
      r.payerId,
      r.payerName,
      r.claims,
      r.charged,
      r.paid,
      r.adjudicated,
      r.denied,
      r.denialRate,
      r.averageDaysToPayment,
      r.crossovers ?? 0,
      r.unmatchedPaid ?? '0.00',
      r.providerAdjustments ?? '0.00',
    ]),
  );
}

export function agingCsv(rows: readonly AgingRow[]): string {
  return csvTable(
    ['payer_id', 'payer_name', ...AGING_BUCKETS.flatMap((b) => [`claims_${b}`, `balance_${b}`]), 'claims', 'balance'],
    rows.map((r) => [
      r.payerId,
      r.payerName,
      ...AGING_BUCKETS.flatMap((b) => [r.buckets[b].claims, r.buckets[b].balance]),
      r.claims,
      r.balance,
    ]),
  );
}

/**
 * One table for both breakdowns, told apart by `kind`: `carc` rows (group and reason code) first, then `rarc` rows
 * (remark code, group empty), each in the report's order.
 */
export function denialsCsv(report: DenialReport): string {
  return csvTable(
    ['kind', 'payer_id', 'payer_name', 'group', 'code', 'meaning', 'count', 'amount'],
    [
      ...report.rows.map((r) => ['carc', r.payerId, r.payerName, r.group, r.reason, r.meaning, r.count, r.amount]),
      ...report.remarks.map((r) => ['rarc', r.payerId, r.payerName, null, r.remark, r.meaning, r.count, r.amount]),
    ],
  );
}

export function rejectionsCsv(rows: readonly RejectionRow[]): string {
  return csvTable(
    [
      'payer_id',
      'payer_name',
      'period',
      'sets_999_accepted',
      'sets_999_rejected',
      'rate_999',
      'claims_999_accepted',
      'claims_999_rejected',
      'claims_277ca_accepted',
      'claims_277ca_rejected',
      'rate_277ca',
    ],
    rows.map((r) => [
      r.payerId,
      r.payerName,
      r.period,
      r.sets999.accepted,
      r.sets999.rejected,
      r.rate999,
      r.claims999.accepted,
      r.claims999.rejected,
      r.claims277.accepted,
      r.claims277.rejected,
      r.rate277,
    ]),
  );
}

export function missedChargesCsv(rows: readonly MissedCharge[]): string {
  return csvTable(
    [
      'message_id',
      'channel',
      'sender',
      'message_type',
      'control_id',
      'status',
      'reason',
      'error_code',
      'detail',
      'received_at',
      'finished_at',
    ],
    rows.map((r) => [
      r.messageId,
      r.channel,
      r.sender,
      r.messageType,
      r.controlId,
      r.status,
      r.reason,
      r.errorCode,
      r.detail,
      r.receivedAt,
      r.finishedAt,
    ]),
  );
}
