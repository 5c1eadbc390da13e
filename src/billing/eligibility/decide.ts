/**
 * What a 271 answer means for the patient's records: pure. The workflow (src/billing/workflows/eligibility.ts) reads
 * the inquiry, the patient's coverages, unclaimed charges and unsent claims, calls `decideEligibility`, and writes what
 * it returns in one unit of work.
 *
 * - Rejected (any AAA at the answer's level or above): nothing changes; the reason (AAA03) is recorded for staff.
 * - Active (EB01 1–5) with no end date before the dates asked about: nothing to do; the check is recorded.
 * - Ended: an inactive answer (EB01 6–8), or a plan/eligibility end date (DTP 347 or 357, the end of a 291/307 RD8
 *   range) of the payer's own answer (not of an EB*R's other payer). The end date is that date; an inactive answer
 *   without any date ends the coverage the day before the first date asked about. The coverage's expiration becomes
 *   the end date when it has none or a later one, and the patient's unclaimed active charges after that date that
 *   were linked to this coverage (or to none) are held with a reason naming the payer and date. Unsent claims of the
 *   coverage for a later date get a note (they were built before the answer: void or correct them).
 * - Member id changed: NM1*IL NM109 differs from the id asked about (letters compared without case or spaces): the
 *   coverage takes the payer's id (a Medicare MBI that replaced an old id, a corrected typo); unsent claims of the
 *   coverage get a note (their snapshot carries the old id until corrected).
 * - Another payer is primary: an EB*R whose 2120 NM1 is PRP (primary payer), or an EB*R with a Medicare Secondary
 *   Payer insurance type (EB04, MSP_INSURANCE_TYPES) naming the payer that pays first. When one of the patient's other
 *   coverages in force on the date asked about is of that payer (by payer id, else by payer name), it is recorded as
 *   primary (confirmed priority 1) and the inquired coverage as second (2): src/billing/cob/order.ts puts confirmed
 *   coverages first. The patient's unsent claims on or after the date asked about get a note (correct them to
 *   rebuild in the new order). A payer named that the patient has no coverage of is reported, not invented.
 */
import type { CoverageInput } from '../claims/inputs';
import { inForceOn } from '../cob/order';
import { ACTIVE_EB01, INACTIVE_EB01, MSP_INSURANCE_TYPES, type EligibilityAnswer, type OtherPayer, type PlanDate } from './read-271';

/** The recorded 270 an answer names. */
export interface InquiryOfRecord {
  id: string;
  patientRef: string;
  coverageId: string;
  payerId: string;
  payerName: string;
  /** The member id asked about. */
  memberId: string;
  serviceFrom: string;
  serviceTo: string;
}

export interface UnclaimedCharge {
  id: string;
  serviceDate: string;
  coverageId: string | null;
}

export interface UnsentClaim {
  id: string;
  coverageId: string | null;
  serviceDate: string;
}

export type EligibilityOutcome = 'active' | 'ended' | 'rejected' | 'unknown';

export interface EligibilityDecision {
  outcome: EligibilityOutcome;
  /** A line for staff, without patient data (payer, dates, codes). */
  summary: string;
  /** AAA reasons (code and words), when rejected. */
  rejections: string[];
  /** The coverage ends on `endDate` (previous expiration given for the record). */
  endCoverage?: { coverageId: string; endDate: string; previous: string | null };
  /** Charges to hold and why. */
  hold: { chargeIds: string[]; reason: string };
  /** The coverage's member id becomes `to`. */
  memberId?: { coverageId: string; from: string; to: string };
  /** Another payer is primary: confirmed priorities to record, by coverage id. */
  reorder?: { primaryCoverageId: string; priorities: Record<string, number>; payer: string };
  /** A payer named primary that the patient has no coverage of. */
  unknownPrimary?: string;
  /** Notes to add to unsent claims. */
  claimNotes: Array<{ claimId: string; note: string }>;
}

/** How every hold reason written by an eligibility answer starts (releaseEligibilityHolds releases only those). */
export const ELIGIBILITY_HOLD_PREFIX = 'eligibility:';

const dayBefore = (iso: string): string => new Date(Date.parse(`${iso}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
const normalizeId = (id: string): string => id.replace(/\s+/g, '').toUpperCase();

/** The earliest end date the payer gives for its own coverage, if any. */
function endDateOf(dates: readonly PlanDate[]): string | undefined {
  const ends = dates.flatMap((d) =>
    d.qualifier === '347' || d.qualifier === '357'
      ? [d.from]
      : (d.qualifier === '291' || d.qualifier === '307') && d.to !== d.from
        ? [d.to]
        : [],
  );
  return ends.sort()[0];
}

/** The payer an EB*R names as paying first, if it does. */
function primaryNamed(answer: EligibilityAnswer): OtherPayer | undefined {
  for (const b of answer.benefits) {
    if (b.code !== 'R') continue;
    const prp = b.otherPayers.find((p) => p.entity === 'PRP');
    if (prp) return prp;
    if (b.insuranceType && MSP_INSURANCE_TYPES.has(b.insuranceType)) {
      const named = b.otherPayers.find((p) => p.entity !== 'SEP' && p.entity !== 'TTP' && (p.name || p.id));
      if (named) return named;
    }
  }
  return undefined;
}

function payerLabel(p: OtherPayer): string {
  return [p.name, p.id ? `(${p.id})` : undefined].filter(Boolean).join(' ') || 'another payer';
}

function matchesPayer(c: CoverageInput, p: OtherPayer): boolean {
  if (p.id && c.payerId && normalizeId(c.payerId) === normalizeId(p.id)) return true;
  return !!p.name && !!c.payerName && c.payerName.trim().toUpperCase() === p.name.trim().toUpperCase();
}

/** See the module comment. `coverages` are the patient's; `charges` the patient's unclaimed active charges. */
export function decideEligibility(
  answer: EligibilityAnswer,
  inquiry: InquiryOfRecord,
  coverages: readonly CoverageInput[],
  charges: readonly UnclaimedCharge[],
  unsentClaims: readonly UnsentClaim[],
  answeredOn: string,
): EligibilityDecision {
  const none: EligibilityDecision = {
    outcome: 'unknown',
    summary: '',
    rejections: [],
    hold: { chargeIds: [], reason: '' },
    claimNotes: [],
  };
  const payer = inquiry.payerName || inquiry.payerId;
  if (answer.rejections.length > 0) {
    const rejections = answer.rejections.map((r) => `${r.reason} ${r.reasonText}${r.followUp ? ` (follow-up ${r.followUp})` : ''}`);
    return { ...none, outcome: 'rejected', rejections, summary: `${payer} rejected the inquiry: ${rejections.join('; ')}` };
  }
  const coverage = coverages.find((c) => c.id === inquiry.coverageId);
  const decision: EligibilityDecision = { ...none };
  const own = answer.benefits.filter((b) => ACTIVE_EB01.has(b.code) || INACTIVE_EB01.has(b.code));
  const active = own.some((b) => ACTIVE_EB01.has(b.code));
  const inactive = !active && own.some((b) => INACTIVE_EB01.has(b.code));
  const stated = endDateOf([...answer.dates, ...own.flatMap((b) => b.dates)]);
  const endDate = inactive ? (stated ?? dayBefore(inquiry.serviceFrom)) : active ? stated : undefined;
  const lines: string[] = [];

  if (active || inactive) decision.outcome = 'active';
  if (endDate !== undefined && (inactive || endDate < inquiry.serviceTo || charges.some((c) => c.serviceDate > endDate))) {
    decision.outcome = 'ended';
  }
  if (endDate !== undefined && coverage) {
    const previous = coverage.expirationDate;
    if (previous === null || previous > endDate) decision.endCoverage = { coverageId: coverage.id, endDate, previous };
    const reason = `${ELIGIBILITY_HOLD_PREFIX} ${payer} says the coverage ended ${endDate} (271 of ${answeredOn}); release after fixing the patient's coverage`;
    const chargeIds = charges
      .filter((c) => c.serviceDate > endDate && (c.coverageId === coverage.id || c.coverageId === null))
      .map((c) => c.id);
    decision.hold = { chargeIds, reason };
    for (const claim of unsentClaims) {
      if (claim.coverageId === coverage.id && claim.serviceDate > endDate) {
        decision.claimNotes.push({
          claimId: claim.id,
          note: `eligibility: ${payer} says the coverage ended ${endDate}: void or correct this claim`,
        });
      }
    }
  }
  if (decision.outcome === 'ended') lines.push(`coverage ended ${endDate}`);
  else if (decision.outcome === 'active') lines.push(`coverage active${endDate ? ` until ${endDate}` : ''}`);
  else lines.push('no coverage information (no EB)');
  if (decision.hold.chargeIds.length > 0) lines.push(`${decision.hold.chargeIds.length} charge(s) held`);

  if (coverage && answer.memberId && normalizeId(answer.memberId) !== normalizeId(inquiry.memberId)) {
    decision.memberId = { coverageId: coverage.id, from: coverage.memberId ?? inquiry.memberId, to: answer.memberId };
    lines.push('member id changed');
    for (const claim of unsentClaims) {
      if (claim.coverageId === coverage.id) {
        decision.claimNotes.push({
          claimId: claim.id,
          note: `eligibility: ${payer} knows the member by another id now: correct this claim to carry it`,
        });
      }
    }
  }

  const primary = primaryNamed(answer);
  if (primary && coverage && !matchesPayer(coverage, primary)) {
    const other = coverages
      .filter((c) => c.id !== coverage.id && inForceOn(c, inquiry.serviceFrom) && matchesPayer(c, primary))
      .sort((a, b) => a.priority - b.priority)[0];
    const label = payerLabel(primary);
    if (other) {
      decision.reorder = { primaryCoverageId: other.id, priorities: { [other.id]: 1, [coverage.id]: 2 }, payer: label };
      lines.push(`${label} is primary`);
      for (const claim of unsentClaims) {
        if (claim.serviceDate >= inquiry.serviceFrom) {
          decision.claimNotes.push({
            claimId: claim.id,
            note: `eligibility: ${payer} names ${label} as the primary payer: correct this claim to rebuild it in that order`,
          });
        }
      }
    } else {
      decision.unknownPrimary = label;
      lines.push(`${label} named as primary, but the patient has no coverage of that payer`);
    }
  }
  decision.summary = `${payer}: ${lines.join('; ')}`;
  return decision;
}
