/**
 * reconcile: an 835 Remittance against the claims we submitted (DOMAIN.md §2.3–§2.4). Pure; it decides and
 * reports, the caller stores.
 *
 * Matching: CLP01 → our claim by controlNumber (CLM01). Each SVC → one of that claim's lines not matched yet:
 * REF*6R equal to the line number or charge id when the payer returned one; otherwise the same code (SVC06 as
 * submitted when the payer changed it, else SVC01) with the same modifiers (compared only when SVC06 is absent,
 * since the model keeps the adjudicated ones) and the same date of service when the SVC carries one (DTM*472,
 * else the DTM*150 period start). Unmatched CLPs and SVCs are reported, not errors.
 *
 * Outcome per CLP (CLP02):
 *   22 → reversal (a previous payment is taken back); 23 → not-ours; 25 → predetermination; 4 → denied;
 *   1/2/3, 19/20/21 (processed, maybe forwarded) and any other status → by amounts:
 *     claim paid 0 → patient-responsibility when the patient owes something (CLP05 or any PR amount: a
 *       deductible, coinsurance or copay, even beside a CO-45 write-down; $0 paid is not a denial), else denied;
 *     paid > 0 but some matched line denied → partial;  otherwise → paid.
 * Per line: paid; patient-responsibility (paid 0 with a PR amount: processed, the patient owes it); paid (paid 0
 * and every adjustment OA-23, the impact of the prior payer's adjudication: a secondary payer finding nothing left
 * after the primary is no denial); else denied.
 * Days to payment: BPR16 − the claim's submittedAt date, when both are known.
 */
import { toScaled } from '../../core/decimal';
import type { Adjustment, ClaimPayment, ProviderAdjustment, Remittance, ServicePayment } from '../model';

export interface LineForReconciliation {
  lineNumber: number;
  chargeId: string;
  code: string;
  modifiers: string[];
  /** YYYY-MM-DD. */
  serviceDate: string;
  chargeAmount: string;
}

export interface ClaimForReconciliation {
  /** Our claim id (claims.id). */
  id: string;
  /** CLM01 as sent. */
  controlNumber: string;
  totalCharge: string;
  lines: LineForReconciliation[];
  /** When the claim was submitted: YYYY-MM-DD or an ISO timestamp (its date part is used). */
  submittedAt?: string;
}

export type ClaimOutcome = 'paid' | 'partial' | 'denied' | 'patient-responsibility' | 'reversal' | 'not-ours' | 'predetermination';
export type LineOutcome = 'paid' | 'denied' | 'patient-responsibility';

export interface LineReconciliation {
  lineNumber: number;
  chargeId: string;
  /** 1-based position of the SVC in the CLP. */
  serviceIndex: number;
  outcome: LineOutcome;
  charge: string;
  paid: string;
  /** The code as adjudicated (SVC01), which may differ from ours. */
  adjudicatedCode: string;
  unitsPaid?: string;
  adjustments: Adjustment[];
  /** The line's remark codes (LQ*HE), when it has any. */
  remarks?: string[];
}

export interface UnmatchedService {
  /** 1-based position of the SVC in the CLP. */
  serviceIndex: number;
  code: string;
  modifiers: string[];
  serviceDate?: string;
  charge: string;
  paid: string;
}

export interface ClaimReconciliation {
  claimId: string;
  controlNumber: string;
  /** CLP02 as sent. */
  status: string;
  outcome: ClaimOutcome;
  charge: string;
  paid: string;
  patientResponsibility: string;
  /** CLP07: keep it for replacement (7) and void (8) claims. */
  payerClaimNumber?: string;
  /** Claim-level CAS. */
  adjustments: Adjustment[];
  /** Claim-level remark codes (MOA, MIA), when it has any. */
  remarks?: string[];
  lines: LineReconciliation[];
  /** SVCs of this CLP that match none of our lines. */
  unmatchedServices: UnmatchedService[];
  /** Our line numbers no SVC answered (only listed when the CLP has SVCs). */
  linesWithoutService: number[];
  /** Days from submission to the 835 payment date (BPR16). */
  daysToPayment?: number;
}

export interface UnmatchedClaim {
  controlNumber: string;
  status: string;
  charge: string;
  paid: string;
  payerClaimNumber?: string;
}

export interface ReconciliationResult {
  traceNumber: string;
  paymentAmount: string;
  paymentDate?: string;
  /** One entry per matched CLP, in 835 order (a reversal and its correction are two entries). */
  claims: ClaimReconciliation[];
  /** CLPs whose CLP01 is none of our claims. */
  unmatchedClaims: UnmatchedClaim[];
  providerAdjustments: ProviderAdjustment[];
}

export function reconcile(rem: Remittance, claims: readonly ClaimForReconciliation[]): ReconciliationResult {
  const byControlNumber = new Map<string, ClaimForReconciliation>();
  for (const claim of claims) if (!byControlNumber.has(claim.controlNumber)) byControlNumber.set(claim.controlNumber, claim);

  const result: ReconciliationResult = {
    traceNumber: rem.traceNumber,
    paymentAmount: rem.paymentAmount,
    claims: [],
    unmatchedClaims: [],
    providerAdjustments: rem.providerAdjustments,
  };
  if (rem.paymentDate !== undefined) result.paymentDate = rem.paymentDate;

  for (const payment of rem.claims) {
    const ours = byControlNumber.get(payment.controlNumber);
    if (ours) result.claims.push(reconcileClaimPayment(payment, ours, rem.paymentDate));
    else result.unmatchedClaims.push(unmatchedClaim(payment));
  }
  return result;
}

/** One CLP against one claim of ours, whatever its CLP01 (an operator may match an unmatched CLP by hand). */
export function reconcileClaimPayment(payment: ClaimPayment, ours: ClaimForReconciliation, paymentDate?: string): ClaimReconciliation {
  const lines: LineReconciliation[] = [];
  const unmatchedServices: UnmatchedService[] = [];
  const available = [...ours.lines].sort((a, b) => a.lineNumber - b.lineNumber);

  payment.services.forEach((service, i) => {
    const line = matchLine(service, available);
    if (!line) {
      unmatchedServices.push(unmatchedService(service, i + 1));
      return;
    }
    available.splice(available.indexOf(line), 1);
    const reconciled: LineReconciliation = {
      lineNumber: line.lineNumber,
      chargeId: line.chargeId,
      serviceIndex: i + 1,
      outcome: lineOutcome(service),
      charge: service.charge,
      paid: service.paid,
      adjudicatedCode: service.code,
      adjustments: service.adjustments,
    };
    if (service.unitsPaid !== undefined) reconciled.unitsPaid = service.unitsPaid;
    if (service.remarks !== undefined) reconciled.remarks = service.remarks;
    lines.push(reconciled);
  });

  const out: ClaimReconciliation = {
    claimId: ours.id,
    controlNumber: ours.controlNumber,
    status: payment.status,
    outcome: claimOutcome(payment, lines),
    charge: payment.charge,
    paid: payment.paid,
    patientResponsibility: payment.patientResponsibility,
    adjustments: payment.adjustments,
    lines,
    unmatchedServices,
    linesWithoutService: payment.services.length > 0 ? available.map((l) => l.lineNumber) : [],
  };
  if (payment.payerClaimNumber !== undefined) out.payerClaimNumber = payment.payerClaimNumber;
  if (payment.remarks !== undefined) out.remarks = payment.remarks;
  const days = daysBetween(ours.submittedAt, paymentDate);
  if (days !== undefined) out.daysToPayment = days;
  return out;
}

function matchLine(service: ServicePayment, candidates: readonly LineForReconciliation[]): LineForReconciliation | undefined {
  if (service.lineControlNumber !== undefined) {
    const ref = service.lineControlNumber;
    const byRef = candidates.find((l) => String(l.lineNumber) === ref || l.chargeId === ref);
    if (byRef) return byRef;
  }
  const code = service.submittedCode ?? service.code;
  return candidates.find(
    (line) =>
      line.code === code &&
      (service.submittedCode !== undefined || sameModifiers(line.modifiers, service.modifiers)) &&
      (service.serviceDate === undefined || line.serviceDate === service.serviceDate),
  );
}

function sameModifiers(a: readonly string[], b: readonly string[]): boolean {
  const norm = (m: readonly string[]): string => m.filter((x) => x !== '').join(':');
  return norm(a) === norm(b);
}

const isZero = (amount: string): boolean => toScaled(amount, 2) === 0n;
/** Some PR (deductible, coinsurance, copay…) amount that is not zero. */
const patientOwes = (adjustments: readonly Adjustment[]): boolean => adjustments.some((a) => a.group === 'PR' && !isZero(a.amount));

/** OA-23: the impact of a prior payer's adjudication (what an earlier payer paid or the patient owed after it). */
const settledByPriorPayer = (adjustments: readonly Adjustment[]): boolean => {
  const nonZero = adjustments.filter((a) => !isZero(a.amount));
  return nonZero.length > 0 && nonZero.every((a) => a.group === 'OA' && a.reason === '23');
};

function lineOutcome(service: ServicePayment): LineOutcome {
  if (!isZero(service.paid)) return 'paid';
  if (patientOwes(service.adjustments)) return 'patient-responsibility';
  return settledByPriorPayer(service.adjustments) ? 'paid' : 'denied';
}

function claimOutcome(payment: ClaimPayment, lines: readonly LineReconciliation[]): ClaimOutcome {
  switch (payment.status) {
    case '22':
      return 'reversal';
    case '23':
      return 'not-ours';
    case '25':
      return 'predetermination';
    case '4':
      return 'denied';
    default:
      break;
  }
  if (isZero(payment.paid)) {
    const all = [...payment.adjustments, ...payment.services.flatMap((s) => s.adjustments)];
    return toScaled(payment.patientResponsibility, 2) > 0n || patientOwes(all) ? 'patient-responsibility' : 'denied';
  }
  return lines.some((l) => l.outcome === 'denied') ? 'partial' : 'paid';
}

function unmatchedService(service: ServicePayment, serviceIndex: number): UnmatchedService {
  const out: UnmatchedService = {
    serviceIndex,
    code: service.code,
    modifiers: service.modifiers,
    charge: service.charge,
    paid: service.paid,
  };
  if (service.serviceDate !== undefined) out.serviceDate = service.serviceDate;
  return out;
}

function unmatchedClaim(payment: ClaimPayment): UnmatchedClaim {
  const out: UnmatchedClaim = {
    controlNumber: payment.controlNumber,
    status: payment.status,
    charge: payment.charge,
    paid: payment.paid,
  };
  if (payment.payerClaimNumber !== undefined) out.payerClaimNumber = payment.payerClaimNumber;
  return out;
}

/** Whole days from the date part of `from` to `to` (YYYY-MM-DD); undefined when either is missing or unreadable. */
export function daysBetween(from: string | undefined, to: string | undefined): number | undefined {
  const start = utcDay(from);
  const end = utcDay(to);
  return start === undefined || end === undefined ? undefined : Math.round((end - start) / 86_400_000);
}

function utcDay(value: string | undefined): number | undefined {
  const m = value === undefined ? null : /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(ms) ? undefined : ms;
}
