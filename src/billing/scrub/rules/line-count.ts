/** A claim has 1 to 50 lines (2400 loop limit; claim building splits larger encounters). */
import { claimFinding } from '../finding';
import type { ScrubRule } from '../types';

const MAX_LINES = 50;

export const rule: ScrubRule = {
  id: 'line-count',
  severity: 'error',
  scope: 'claim',
  description: `The claim has at least one and at most ${MAX_LINES} lines.`,
  check(claim) {
    const n = claim.lines.length;
    if (n === 0) return [claimFinding(rule, 'the claim has no lines')];
    if (n > MAX_LINES) return [claimFinding(rule, `the claim has ${n} lines; at most ${MAX_LINES} fit on a claim: split it`)];
    return [];
  },
};
