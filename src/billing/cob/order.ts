/**
 * Coordination of benefits (pure): which of a patient's coverages pays first, second and third on a date of service.
 *
 * The sender's COB priority (IN1-22) is where the order starts, not where it ends. Payers decide the order by rules the
 * sending system often does not apply, and a clearinghouse rejects a claim whose SBR01 says S or T without the other
 * payer's loops. So, among the coverages in force on the date of service only (an ended primary makes the next one
 * primary):
 * - Medicaid (SBR09 MC) pays last: it is the payer of last resort.
 * - Medicare Secondary Payer basics, when Medicare (SBR09 MA, MB or 16) is among them:
 *   - an employer group plan (a payer with a group number on the coverage, `cob: employer-group` or `cob: auto`,
 *     whose subscriber is the patient (18) or the patient's spouse (01): coverage through current employment) pays
 *     before Medicare;
 *   - a Medicare supplement (Medigap) or a retiree plan (`cob: supplement` or `cob: retiree`) pays after Medicare.
 * - A payer's own eligibility answer beats all of the above: coverages with a confirmed priority (a 271 named their
 *   payer as primary, src/billing/eligibility) come first, in that order; the others follow in the order above.
 * - Otherwise the sender's order holds: lowest priority number, then the newest as_of, then the highest id (the
 *   same tie-break as coverageInForce).
 * - One coverage per payer: two coverages of one payer in force on the date (a plan id that changed) count once,
 *   the one the sender's order puts first.
 *
 * SBR01 follows the position: P, S, T. A fourth payer and later are listed but not billed (the 837P names at most
 * ten other payers; pharmacies do not meet more than three).
 */
import type { CoverageInput } from '../claims/inputs';

/** How a payer coordinates with Medicare (billing.yaml `payers.<id>.cob`). */
export const COB_KINDS = ['auto', 'employer-group', 'supplement', 'retiree'] as const;
export type CobKind = (typeof COB_KINDS)[number];

/** What the ordering needs to know of each coverage's payer; undefined for a payer not configured. */
export interface CobPayer {
  filingIndicator: string;
  cob: CobKind;
}

export type PayerResponsibility = 'P' | 'S' | 'T';

export interface CoordinatedCoverage {
  coverage: CoverageInput;
  /** SBR01 of a claim to this coverage's payer; undefined for a fourth payer and later. */
  responsibility: PayerResponsibility | undefined;
  /**
   * Why this coverage's place differs from the feed's COB priority (1 pays first), in a biller's words; undefined
   * when it is the same.
   */
  reordered?: string;
}

const MEDICARE = new Set(['MA', 'MB', '16']);
const MEDICAID = 'MC';
const RESPONSIBILITIES: readonly PayerResponsibility[] = ['P', 'S', 'T'];

/** Effective ≤ date ≤ expiration; a missing date is open-ended. */
export function inForceOn(c: Pick<CoverageInput, 'effectiveDate' | 'expirationDate'>, date: string): boolean {
  return (c.effectiveDate === null || c.effectiveDate <= date) && (c.expirationDate === null || c.expirationDate >= date);
}

/** The sender's order: lowest priority number, then the newest as_of, then the highest id (ids are
 * numbers as text: a longer one is higher). */
export function senderOrder(a: CoverageInput, b: CoverageInput): number {
  return a.priority - b.priority || compare(b.asOf, a.asOf) || b.id.length - a.id.length || compare(b.id, a.id);
}

/**
 * The coverages in force on `date` in the order their payers pay (see the module comment). `payerOf` answers for a
 * coverage's payer id; a coverage whose payer is unknown or missing keeps the sender's place and counts as neither
 * Medicare nor Medicaid (it is not billable anyway, and the build says why).
 */
export function coordinationOrder(
  coverages: readonly CoverageInput[],
  date: string,
  payerOf: (payerId: string) => CobPayer | undefined,
): CoordinatedCoverage[] {
  const inForce = onePerPayer(coverages.filter((c) => inForceOn(c, date)).sort(senderOrder));
  const kinds = inForce.map((c) => kindOf(c, c.payerId === null ? undefined : payerOf(c.payerId)));
  const hasMedicare = kinds.includes('medicare');
  const rank = (k: Kind): number => {
    if (k === 'medicaid') return 3;
    if (!hasMedicare) return 1;
    if (k === 'employer-group') return 0;
    if (k === 'after-medicare') return 2;
    return 1;
  };
  const ordered = inForce
    .map((coverage, i) => ({ coverage, kind: kinds[i]!, senderPosition: i }))
    .sort((a, b) => confirmed(a.coverage) - confirmed(b.coverage) || rank(a.kind) - rank(b.kind) || a.senderPosition - b.senderPosition);
  return ordered.map((o, position) => {
    const why =
      position !== o.senderPosition
        ? o.coverage.confirmedPriority
          ? confirmedReason(o.coverage.confirmedPriority)
          : reason(o.kind, hasMedicare)
        : position + 1 < o.coverage.priority
          ? 'a coverage the feed ranks before it is not in force on the date of service'
          : position + 1 > o.coverage.priority
            ? 'the feed gives another coverage the same COB priority: the one written last pays first'
            : undefined;
    return { coverage: o.coverage, responsibility: RESPONSIBILITIES[position], ...(why ? { reordered: why } : {}) };
  });
}

/** A confirmed priority first (lower first), then every other coverage. */
function confirmed(c: CoverageInput): number {
  return c.confirmedPriority ?? Number.MAX_SAFE_INTEGER;
}

function confirmedReason(priority: number): string {
  return priority === 1
    ? "another payer's eligibility answer (271) names this payer as primary"
    : "this payer's eligibility answer (271) names another payer as primary";
}

type Kind = 'medicare' | 'medicaid' | 'employer-group' | 'after-medicare' | 'other';

function kindOf(c: CoverageInput, payer: CobPayer | undefined): Kind {
  if (!payer) return 'other';
  if (MEDICARE.has(payer.filingIndicator)) return 'medicare';
  if (payer.filingIndicator === MEDICAID) return 'medicaid';
  if (payer.cob === 'supplement' || payer.cob === 'retiree') return 'after-medicare';
  const activeEmployment = c.relationship === '18' || c.relationship === '01' || c.relationship === null;
  if ((payer.cob === 'employer-group' || (payer.cob === 'auto' && c.groupNumber)) && activeEmployment) return 'employer-group';
  return 'other';
}

function reason(kind: Kind, hasMedicare: boolean): string {
  switch (kind) {
    case 'medicaid':
      return 'Medicaid pays last (payer of last resort)';
    case 'employer-group':
      return (
        'an employer group plan of the patient or spouse pays before Medicare (Medicare Secondary Payer); ' +
        'set `cob: retiree` on the payer if it is a retiree plan'
      );
    case 'after-medicare':
      return 'a Medicare supplement or retiree plan pays after Medicare';
    default:
      return hasMedicare ? 'moved by the Medicare Secondary Payer order of another coverage' : 'moved because Medicaid pays last';
  }
}

/** The first coverage of each payer in the given order; coverages without a payer id are all kept. */
function onePerPayer(sorted: readonly CoverageInput[]): CoverageInput[] {
  const seen = new Set<string>();
  return sorted.filter((c) => {
    if (c.payerId === null) return true;
    if (seen.has(c.payerId)) return false;
    seen.add(c.payerId);
    return true;
  });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
