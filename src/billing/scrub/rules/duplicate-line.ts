/** Two lines of one claim with the same code, modifiers, date of service, NDC and rendering NPI: likely a double charge. */
import { lineFinding } from '../finding';
import type { ScrubRule } from '../types';

export const rule: ScrubRule = {
  id: 'duplicate-line',
  severity: 'warning',
  scope: 'line',
  description: 'No two lines of the claim bill the same code, modifiers, date of service, NDC and rendering provider.',
  check(claim) {
    if (claim.lines.length < 2) return [];
    const seen = new Map<string, number>();
    return claim.lines.flatMap((line) => {
      const key = [line.code, line.modifiers.join(':'), line.serviceDate, line.ndc ?? '', line.renderingProvider?.npi ?? ''].join('|');
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, line.lineNumber);
        return [];
      }
      return [lineFinding(rule, line.lineNumber, `line ${line.lineNumber} repeats line ${first} (${line.code} on ${line.serviceDate}): bill units on one line, or drop the double charge`)];
    });
  },
};
