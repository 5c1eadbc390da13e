/** "Initial" codes (90471/90473, 99605/99606) are billed once per date of service; the rest are add-ons. */
import type { ScrubFinding } from '../../model';
import { lineFinding } from '../finding';
import { countOf, linesByDate } from '../formats';
import { INITIAL_CODE_GROUPS } from '../tables';
import type { ScrubRule } from '../types';

export const rule: ScrubRule = {
  id: 'initial-code-once',
  severity: 'error',
  scope: 'line',
  description: 'At most one unit of 90471/90473 and one of 99605/99606 per date of service; further services use the add-on code.',
  check(claim) {
    const out: ScrubFinding[] = [];
    for (const [dos, lines] of linesByDate(claim)) {
      for (const group of INITIAL_CODE_GROUPS) {
        const initial = lines.filter((l) => group.codes.includes(l.code));
        const total = initial.reduce((n, l) => n + countOf(l), 0);
        if (total <= 1) continue;
        const billed = initial.map((l) => (countOf(l) > 1 ? `${l.code} ×${countOf(l)}` : l.code)).join(' + ');
        out.push(
          lineFinding(
            rule,
            initial[initial.length - 1]!.lineNumber,
            `${billed} on ${dos}: only one of ${group.codes.join('/')} per date of service; bill the others as ${group.additional}`,
          ),
        );
      }
    }
    return out;
  },
};
