/** A claim with a CLIA-waived test needs the location's CLIA certificate number (REF*X4): 2 digits, D, 7 digits. */
import { claimFinding } from '../finding';
import { CLIA_WAIVED_TESTS } from '../tables';
import type { ScrubRule } from '../types';

const CLIA_FORM = /^\d{2}D\d{7}$/;

export const rule: ScrubRule = {
  id: 'clia-number',
  severity: 'error',
  scope: 'claim',
  description: 'When a CLIA-waived test is billed, the billing provider has a CLIA number of the form 12D3456789.',
  check(claim) {
    const tests = [...new Set(claim.lines.filter((l) => CLIA_WAIVED_TESTS.has(l.code)).map((l) => l.code))];
    if (tests.length === 0) return [];
    const clia = (claim.billingProvider.cliaNumber ?? '').trim();
    if (clia === '')
      return [claimFinding(rule, `the claim bills CLIA-waived test ${tests.join(', ')} but the location has no CLIA number configured`)];
    if (!CLIA_FORM.test(clia)) return [claimFinding(rule, `CLIA number "${clia}" is not of the form 12D3456789`)];
    return [];
  },
};
