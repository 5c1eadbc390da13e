/**
 * Late charges (pure): a charge that arrives after its encounter (same patient, payer and date of service) was
 * billed on a claim already sent is not billed on a second original claim, which the payer would deny as a
 * duplicate. It stays unclaimed, held with the claim to replace; the operator's replace action then builds the
 * replacement claim (frequency 7) carrying the sent claim's lines plus the late ones, naming the payer's claim
 * number (REF*F8; the frequency-reference rule holds it until the number is known, as for every correction).
 */
import type { ClaimLine } from '../model';
import { diagnosesOfLine, pointDiagnoses, type ClaimDraft, type UnclaimedCharge } from './build';
import type { LiveClaim } from './corrections';
import { sumAmounts } from './money';

/** The reason a late charge is held, in the biller's words. */
export function lateChargeMessage(claimId: string): string {
  return `encounter already billed on claim ${claimId}: replace it (POST /api/claims/${claimId}/replace)`;
}

/**
 * Splits drafts into those to build and the charges of drafts whose encounter `billedOn` says was already billed on
 * a sent claim (held with that claim's id).
 */
export function holdLateCharges(
  drafts: readonly ClaimDraft[],
  billedOn: ReadonlyArray<string | undefined>,
): { drafts: ClaimDraft[]; held: UnclaimedCharge[] } {
  const out: ClaimDraft[] = [];
  const held: UnclaimedCharge[] = [];
  drafts.forEach((d, i) => {
    const claimId = billedOn[i];
    if (claimId === undefined || d.correctsClaimId) {
      out.push(d);
      return;
    }
    for (const line of d.claim.lines) {
      held.push({
        chargeId: line.chargeId,
        reason: 'encounter-billed',
        message: lateChargeMessage(claimId),
        payerId: d.claim.payer.id,
        claimId,
      });
    }
  });
  return { drafts: out, held };
}

/**
 * The replacement (frequency 7) of a sent claim with late charges added: the sent claim's lines (as sent, with any
 * operator edits), then the late lines, renumbered, diagnoses pointed again from each line's own codes.
 */
export function replacementWithLateCharges(
  base: Pick<LiveClaim, 'id' | 'claim' | 'payerClaimNumber' | 'coverageId'>,
  late: readonly ClaimDraft[],
): ClaimDraft {
  const lateLines = late.flatMap((d) => d.claim.lines.map((l) => ({ line: l, codes: diagnosesOfLine(d.claim, l) })));
  const all: Array<{ line: ClaimLine; codes: string[] }> = [
    ...base.claim.lines.map((l) => ({ line: l, codes: diagnosesOfLine(base.claim, l) })),
    ...lateLines,
  ];
  const renumbered = all.map((x, i) => ({ ...x.line, lineNumber: i + 1 }));
  const pointed = pointDiagnoses(
    renumbered,
    all.map((x) => x.codes),
  );
  const { id: _id, controlNumber: _cn, payerClaimNumber: _pcn, ...body } = base.claim;
  return {
    claim: {
      ...body,
      frequency: '7',
      ...(base.payerClaimNumber ? { payerClaimNumber: base.payerClaimNumber } : {}),
      diagnoses: pointed.diagnoses,
      lines: pointed.lines,
      totalCharge: sumAmounts(pointed.lines.map((l) => l.chargeAmount)),
    },
    findings: late.flatMap((d) => d.findings),
    coverageId: base.coverageId,
    correctsClaimId: base.id,
  };
}
