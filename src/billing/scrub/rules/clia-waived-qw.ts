/** A CLIA-waived test code carries QW, unless it is on CMS's "no QW needed" list (DOMAIN.md §3). */
import { lineFinding } from '../finding';
import { CLIA_WAIVED_TESTS, NO_QW_NEEDED } from '../tables';
import type { ScrubRule } from '../types';

export const rule: ScrubRule = {
  id: 'clia-waived-qw',
  severity: 'error',
  scope: 'line',
  description:
    'CLIA-waived test codes carry modifier QW, except those CMS bills without it (81002, 81025, 82270, 82272, 82962, 83026, 84830, 85013, 85651).',
  check(claim) {
    return claim.lines.flatMap((line) =>
      CLIA_WAIVED_TESTS.has(line.code) && !NO_QW_NEEDED.has(line.code) && !line.modifiers.includes('QW')
        ? [lineFinding(rule, line.lineNumber, `${line.code} is a CLIA-waived test: add modifier QW`)]
        : [],
    );
  },
};
