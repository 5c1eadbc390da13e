/** A claim needs a principal diagnosis (HI*ABK). */
import { claimFinding } from '../finding';
import type { ScrubRule } from '../types';

export const rule: ScrubRule = {
  id: 'diagnosis-required',
  severity: 'error',
  scope: 'claim',
  description: 'The claim has at least one diagnosis (the principal one).',
  check(claim) {
    return claim.diagnoses.length === 0 ? [claimFinding(rule, 'the claim has no diagnosis: a principal diagnosis is required')] : [];
  },
};
