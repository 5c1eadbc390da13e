/**
 * Duplicates against claim history (DOMAIN.md §4): the same patient, code and date of service already billed
 * on another claim. A warning (payers deny exact duplicates with CARC 18, but the history port does not compare
 * modifiers or rendering NPIs). Runs for original claims only, and only when the context has a history port.
 */
import { lineFinding } from '../finding';
import { plural } from '../formats';
import type { ScrubRule } from '../types';

export const rule: ScrubRule = {
  id: 'duplicate-service',
  severity: 'warning',
  scope: 'line',
  description: 'No line repeats a code the patient was already billed for on the same date of service on another claim.',
  check(claim, { history }) {
    if (!history || claim.frequency !== '1') return [];
    return claim.lines.flatMap((line) => {
      const prior = history.priorLines(claim.patient.patientRef, line.code, line.serviceDate);
      return prior > 0
        ? [lineFinding(rule, line.lineNumber, `${line.code} on ${line.serviceDate} was already billed for this patient on another claim (${plural(prior, 'line')})`)]
        : [];
    });
  },
};
