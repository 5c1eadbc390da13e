/**
 * What a reversed charge means for the claim that bills it (pure). A claim line whose charge was reversed after
 * the claim was built:
 * - claim not sent yet (draft, held, ready, rejected), an original → release: the claim is voided in place and
 *   its other charges are claimed again by the same build, without the reversed one;
 * - claim not sent yet, itself a correction of claim O → its replacement is planned again from O;
 * - claim sent (batched or later, except denied) → correct: a replacement claim (frequency 7) with the lines
 *   whose charges are still active, or a void claim (frequency 8) repeating every line when none is, both
 *   naming the payer's claim number (REF*F8) when an 835 or 277CA gave it (else the scrubber's
 *   frequency-reference rule holds the correction until it arrives);
 * - claim denied → drop: nothing was paid, so the payer is not told; the line is marked dropped.
 * - a claim to a next payer (it carries an earlier payer's adjudication), sent, with some charges still active →
 *   await: its line is marked dropped and nothing is built now, because the adjudication it carries changes too; the
 *   earlier payer's answer to that payer's own correction builds its replacement (src/billing/workflows/next-payer.ts).
 *   With no charge left active it is voided like any claim (the void repeats what the payer has).
 * An operator's void of a sent claim is a void claim too (voidOf).
 */
import type { Claim, ClaimFrequency, ClaimLine } from '../model';
import { diagnosesOfLine, pointDiagnoses, type ClaimDraft } from './build';
import type { ChargeInput } from './inputs';
import { SENT_STATUSES, type ClaimStatus } from './lifecycle';
import { sumAmounts } from './money';

export interface LiveLine {
  chargeId: string;
  chargeStatus: ChargeInput['status'];
}

/** A claim as stored, with the current status of each of its charges. */
export interface LiveClaim {
  id: string;
  status: ClaimStatus;
  payerClaimNumber?: string;
  coverageId: string | null;
  claim: Claim;
  lines: readonly LiveLine[];
  /** For a replacement or void claim: the claim it corrects (with its own lines). */
  original?: LiveClaim;
  /** For a claim to a next payer: the claim whose adjudication it carries. */
  followsClaimId?: string;
}

export type CorrectionPlan =
  | { kind: 'release'; claimId: string; reason: string }
  | { kind: 'drop'; claimId: string; chargeIds: string[]; reason: string }
  /** A sent claim to a next payer: its reversed lines are dropped and its replacement awaits the earlier payer. */
  | { kind: 'await'; claimId: string; chargeIds: string[]; reason: string }
  | {
      kind: 'correct';
      /** The claim corrected: its lines become superseded by the draft's. */
      claimId: string;
      /** An unsent earlier correction of the same claim, voided in favour of this one. */
      replacesCorrectionId?: string;
      draft: ClaimDraft;
      reason: string;
    };

/** One plan per affected claim (a claim with at least one line whose charge is now reversed). */
export function planCorrections(affected: readonly LiveClaim[]): CorrectionPlan[] {
  const plans: CorrectionPlan[] = [];
  for (const live of affected) {
    const reversed = live.lines.filter((l) => l.chargeStatus === 'reversed').map((l) => l.chargeId);
    if (reversed.length === 0) continue;
    const what = `charge ${reversed.join(', ')} reversed`;
    if (live.status === 'denied') {
      plans.push({ kind: 'drop', claimId: live.id, chargeIds: reversed, reason: `${what} on a denied claim; nothing to correct` });
    } else if (SENT_STATUSES.has(live.status) && live.followsClaimId && live.lines.some((l) => l.chargeStatus === 'active')) {
      plans.push({
        kind: 'await',
        claimId: live.id,
        chargeIds: reversed,
        reason:
          `${what} after this claim was sent: it is replaced when claim ${live.followsClaimId}'s payer answers its own ` +
          'correction, since the adjudication this claim carries changes too',
      });
    } else if (SENT_STATUSES.has(live.status)) {
      plans.push({ kind: 'correct', claimId: live.id, draft: correctionOf(live), reason: `${what} after the claim was sent` });
    } else if (live.original) {
      plans.push({
        kind: 'correct',
        claimId: live.original.id,
        replacesCorrectionId: live.id,
        draft: correctionOf(withStatuses(live.original, live.lines)),
        reason: `${what} before the correction was sent`,
      });
    } else {
      plans.push({ kind: 'release', claimId: live.id, reason: `${what} before the claim was sent; its other charges are claimed again` });
    }
  }
  return plans;
}

/**
 * The correction of a sent claim given its charges' statuses now: replacement (7) with the lines still active,
 * or void (8) with every line when none is.
 */
export function correctionOf(base: LiveClaim): ClaimDraft {
  const active = new Set(base.lines.filter((l) => l.chargeStatus === 'active').map((l) => l.chargeId));
  const kept = base.claim.lines.filter((l) => active.has(l.chargeId));
  return kept.length === 0 ? voidOf(base) : draftOf(base, '7', kept);
}

/** The void claim (frequency 8) of a sent claim: every line repeated, naming the payer's claim number. */
export function voidOf(base: Pick<LiveClaim, 'id' | 'claim' | 'payerClaimNumber' | 'coverageId'>): ClaimDraft {
  return draftOf(base, '8', base.claim.lines);
}

function draftOf(
  base: Pick<LiveClaim, 'id' | 'claim' | 'payerClaimNumber' | 'coverageId'>,
  frequency: ClaimFrequency,
  lines: readonly ClaimLine[],
): ClaimDraft {
  const renumbered = lines.map((l, i) => ({ ...l, lineNumber: i + 1 }));
  const pointed = pointDiagnoses(
    renumbered,
    lines.map((l) => diagnosesOfLine(base.claim, l)),
  );
  const { id: _id, controlNumber: _cn, payerClaimNumber: _pcn, ...body } = base.claim;
  return {
    claim: {
      ...body,
      frequency,
      ...(base.payerClaimNumber ? { payerClaimNumber: base.payerClaimNumber } : {}),
      diagnoses: pointed.diagnoses,
      lines: pointed.lines,
      totalCharge: sumAmounts(pointed.lines.map((l) => l.chargeAmount)),
    },
    findings: [],
    coverageId: base.coverageId,
    correctsClaimId: base.id,
  };
}

/** The original with the charge statuses seen on its correction's lines (the same charges, fresher statuses). */
function withStatuses(original: LiveClaim, seen: readonly LiveLine[]): LiveClaim {
  const status = new Map(seen.map((l) => [l.chargeId, l.chargeStatus]));
  return { ...original, lines: original.lines.map((l) => ({ ...l, chargeStatus: status.get(l.chargeId) ?? l.chargeStatus })) };
}
