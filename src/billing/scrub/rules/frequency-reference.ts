/** A replacement (7) or void (8) claim names the payer's claim number it corrects (REF*F8, from 835 CLP07). */
import { claimFinding } from '../finding';
import type { ScrubRule } from '../types';

export const rule: ScrubRule = {
  id: 'frequency-reference',
  severity: 'error',
  scope: 'claim',
  description: "A replacement (7) or void (8) claim carries the payer's claim number of the claim it corrects.",
  check(claim) {
    if (claim.frequency === '1' || (claim.payerClaimNumber ?? '').trim() !== '') return [];
    const kind = claim.frequency === '7' ? 'replacement' : 'void';
    return [
      claimFinding(rule, `a ${kind} claim (frequency ${claim.frequency}) needs the payer's claim number (REF*F8, from the 835 CLP07)`),
    ];
  },
};
