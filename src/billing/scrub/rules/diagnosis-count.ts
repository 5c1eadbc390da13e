/** The HI segment holds at most 12 diagnoses. */
import { claimFinding } from '../finding';
import type { ScrubRule } from '../types';

const MAX_DIAGNOSES = 12;

export const rule: ScrubRule = {
  id: 'diagnosis-count',
  severity: 'error',
  scope: 'claim',
  description: `The claim has at most ${MAX_DIAGNOSES} diagnoses.`,
  check(claim) {
    const n = claim.diagnoses.length;
    return n > MAX_DIAGNOSES ? [claimFinding(rule, `the claim has ${n} diagnoses; at most ${MAX_DIAGNOSES} fit on a claim`)] : [];
  },
};
