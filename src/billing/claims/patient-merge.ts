/**
 * What a patient merge (ADT^A40: the surviving patient absorbs the prior one) does to the prior patient's claims
 * and coverages (docs/billing.md "Patient merges"). Pure: the store reads the rows, asks these functions, and
 * writes what they say.
 *
 * Claims. A claim's patient is frozen in its snapshot (the claim JSON the 837P is written from), so a claim does
 * not "move": an unsent original claim (draft, held, ready, or rejected by the clearinghouse) is voided in place
 * and its lines released, so the next build claims those charges under the surviving patient, with the
 * survivor's demographics and coverages. A claim the payer has (batched or later) stays as sent: the payer knows
 * it under the prior id, and a void or replacement of it must name the patient it was sent for; it is annotated.
 * An unsent correction (frequency 7 or 8) of a sent claim belongs to that sent claim and is kept the same way, and
 * so is an unsent claim to a next payer: it carries the adjudication of a claim sent under the prior id, and its
 * charges stay billed by that claim, so a build would never claim them again for the next payer.
 *
 * Coverages. Each coverage of the prior patient moves to the survivor unless the survivor already has the same
 * coverage: the same plan id (the store's key for a coverage within a patient), or the same payer and member id.
 * Then the survivor's row is the one kept (the registration the sender chose to keep) and the prior row stays
 * where it was, as history; charges that pointed at it point at the survivor's instead.
 */
import { SENT_STATUSES, UNSENT_STATUSES, type ClaimStatus } from './lifecycle';

export interface MergedClaim {
  id: string;
  status: ClaimStatus;
  frequency: '1' | '7' | '8';
  /** A claim to a next payer: the claim whose adjudication it carries (null for a claim to the first payer). */
  followsClaimId: string | null;
}

export type MergeClaimStep =
  | { kind: 'release'; claimId: string; status: ClaimStatus; reason: string }
  | { kind: 'keep'; claimId: string; status: ClaimStatus; sent: boolean; reason: string };

/** Claim reasons are plain words, never patient data or ids (claim events are shown to every billing user). */
const RELEASED = 'patient merged into another patient record: voided unsent, its charges bill again under the surviving patient';
const KEPT_SENT = 'patient merged into another patient record: the payer has this claim under the prior patient id; it stays as sent';
const KEPT_CORRECTION =
  'patient merged into another patient record: this correction goes with the claim it corrects, under the prior patient id';
const KEPT_FOLLOWER =
  'patient merged into another patient record: this claim carries the adjudication of a claim sent under the prior patient id and stays with it';

/** One step per claim of the prior patient; voided claims need none. */
export function planMergedClaims(claims: readonly MergedClaim[]): MergeClaimStep[] {
  const steps: MergeClaimStep[] = [];
  for (const c of claims) {
    if (c.status === 'voided') continue;
    if (SENT_STATUSES.has(c.status)) {
      steps.push({ kind: 'keep', claimId: c.id, status: c.status, sent: true, reason: KEPT_SENT });
    } else if (UNSENT_STATUSES.has(c.status) && c.frequency === '1' && c.followsClaimId !== null) {
      steps.push({ kind: 'keep', claimId: c.id, status: c.status, sent: false, reason: KEPT_FOLLOWER });
    } else if (UNSENT_STATUSES.has(c.status) && c.frequency === '1') {
      steps.push({ kind: 'release', claimId: c.id, status: c.status, reason: RELEASED });
    } else {
      steps.push({ kind: 'keep', claimId: c.id, status: c.status, sent: false, reason: KEPT_CORRECTION });
    }
  }
  return steps;
}

export interface MergedCoverage {
  id: string;
  planId: string;
  payerId: string | null;
  memberId: string | null;
}

export interface CoveragePlan {
  /** Prior coverages that move to the survivor (their ids, unchanged). */
  move: string[];
  /** Prior coverage id → the survivor's coverage it duplicates (the prior row stays; charges re-point). */
  duplicateOf: Map<string, string>;
}

/** Same plan id, or the same payer and member id (both present): the same coverage registered twice. */
function sameCoverage(a: MergedCoverage, b: MergedCoverage): boolean {
  if (a.planId === b.planId) return true;
  return a.payerId !== null && a.memberId !== null && a.payerId === b.payerId && a.memberId === b.memberId;
}

export function planMergedCoverages(prior: readonly MergedCoverage[], survivor: readonly MergedCoverage[]): CoveragePlan {
  const plan: CoveragePlan = { move: [], duplicateOf: new Map() };
  const kept: MergedCoverage[] = [...survivor];
  for (const c of prior) {
    const same = kept.find((s) => sameCoverage(c, s));
    if (same) {
      plan.duplicateOf.set(c.id, same.id);
    } else {
      plan.move.push(c.id);
      // Two prior rows for one coverage: the first moves, the second duplicates it.
      kept.push(c);
    }
  }
  return plan;
}
