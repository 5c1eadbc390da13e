/**
 * A replacement (7) or void (8) claim to a payer whose rules say `acceptsCorrections: false`: the payer rejects
 * electronic corrections, so the claim is held with what the biller does instead. The date of service that
 * decides is the claim's earliest line date (the rules in force when the corrected service was given).
 */
import { claimFinding } from '../finding';
import type { ScrubRule } from '../types';

export const rule: ScrubRule = {
  id: 'corrections-accepted',
  severity: 'error',
  scope: 'claim',
  description:
    'A replacement (7) or void (8) claim goes only to a payer that takes electronic corrections (payer rule acceptsCorrections).',
  check(claim, { payerRules }) {
    if (claim.frequency !== '7' && claim.frequency !== '8') return [];
    const dos = claim.lines.map((l) => l.serviceDate).sort()[0];
    if (dos === undefined || payerRules.payerRulesFor(claim.payer.id, dos).acceptsCorrections) return [];
    const kind = claim.frequency === '7' ? 'replacement (frequency 7)' : 'void (frequency 8)';
    const original = claim.payerClaimNumber ? `payer claim ${claim.payerClaimNumber}` : 'the original claim';
    return [
      claimFinding(
        rule,
        `payer ${claim.payer.id} takes no electronic ${kind} claims (payer rules: acceptsCorrections false): ${claim.frequency === '7' ? 'correct' : 'void'} ${original} the way the payer asks (its portal, a paper corrected claim or a call); this claim stays held as the record of the change (an override would send what the payer rejects)`,
      ),
    ];
  },
};
