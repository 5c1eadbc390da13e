/**
 * Whether a remittance posted by mistake may be withdrawn (docs/billing.md "Withdrawing a remittance"). A withdraw
 * undoes the posting, so it is allowed only while nothing was built on it. It is refused, naming the claim, when:
 * - the remittance is already withdrawn;
 * - it was posted before withdraws existed (migration 024), so the claims' state before it is not known;
 * - a claim it posted to has a payment from a later remittance (withdraw that one first);
 * - a claim to the next payer it built was put in a batch (any status but draft, held, ready, voided);
 * - a claim it posted to was closed, or has any other history entry after the posting except notes, postings and
 *   withdraws (a 277CA, a void, a correction, an edit: the claim moved on from what the posting left);
 * - one of its unmatched lines was matched to a claim by hand.
 * Pure: the store gathers the facts (src/store/remittance-withdraw.ts) and applies the withdraw when this says none.
 */
import type { ClaimStatus } from '../claims/lifecycle';

/** A next-payer claim in one of these was never put in a batch: the withdraw voids it. */
const NEVER_BATCHED: ReadonlySet<ClaimStatus> = new Set(['draft', 'held', 'ready', 'voided']);

export interface PostedClaimFacts {
  claimId: string;
  status: ClaimStatus;
  /** The first history entry (not a note) after the posting committed. */
  laterEvent?: { action: string; toStatus: string; actor: string };
  /** A payment to this claim from a remittance posted after this one (not withdrawn). */
  laterPayment?: { remittanceId: string; traceNumber: string };
  /** The claim to the next payer this posting built. */
  builtFollower?: { id: string; status: ClaimStatus; payerId: string };
}

export interface WithdrawFacts {
  remittanceId: string;
  withdrawn: boolean;
  /** Claims it paid whose state before the posting was not kept (posted before withdraws existed): not restorable. */
  unrecordedClaims: readonly string[];
  claims: readonly PostedClaimFacts[];
  /** Unmatched lines of this remittance that an operator matched to a claim. */
  handMatched: ReadonlyArray<{ claimId: string; by: string | null }>;
}

/** Why the remittance cannot be withdrawn, in words naming the claim, or undefined when it can. */
export function withdrawRefusal(f: WithdrawFacts): string | undefined {
  if (f.withdrawn) return `remittance ${f.remittanceId} is already withdrawn`;
  const unrecorded = f.unrecordedClaims[0];
  if (unrecorded) {
    return `claim ${unrecorded} cannot be restored: remittance ${f.remittanceId} was posted before withdraws were possible (its state before the posting was not kept)`;
  }
  for (const c of f.claims) {
    if (c.laterPayment) {
      return `claim ${c.claimId} has a later remittance posted (remittance ${c.laterPayment.remittanceId}, trace ${c.laterPayment.traceNumber}): withdraw that one first`;
    }
    if (c.builtFollower && !NEVER_BATCHED.has(c.builtFollower.status)) {
      return `claim ${c.builtFollower.id} to payer ${c.builtFollower.payerId}, built from this remittance for claim ${c.claimId}, is ${c.builtFollower.status}: the next payer has it`;
    }
    if (c.status === 'closed') return `claim ${c.claimId} was closed after this remittance`;
    if (c.laterEvent) {
      return `claim ${c.claimId} changed after this remittance (${c.laterEvent.action} → ${c.laterEvent.toStatus} by ${c.laterEvent.actor})`;
    }
  }
  const matched = f.handMatched[0];
  if (matched)
    return `an unmatched line of this remittance was matched by hand to claim ${matched.claimId}${matched.by ? ` by ${matched.by}` : ''}`;
  return undefined;
}
