/**
 * Two lines of one claim with the same code, modifiers (in any order), date of service, NDC and rendering NPI:
 * likely a double charge. A line with a repeat modifier (76, 77, 91, 59, XE/XS/XP/XU) is an intended repeat and
 * is not flagged.
 */
import { isIntendedRepeat } from '../billed-service';
import { lineFinding } from '../finding';
import type { ScrubRule } from '../types';

export const rule: ScrubRule = {
  id: 'duplicate-line',
  severity: 'warning',
  scope: 'line',
  description:
    'No two lines of the claim bill the same code, modifiers, date of service, NDC and rendering provider (repeat modifiers excepted).',
  check(claim) {
    if (claim.lines.length < 2) return [];
    const seen = new Map<string, number>();
    return claim.lines.flatMap((line) => {
      if (isIntendedRepeat(line)) return [];
      const modifiers = line.modifiers
        .map((m) => m.toUpperCase())
        .sort()
        .join(':');
      const key = [line.code, modifiers, line.serviceDate, line.ndc ?? '', line.renderingProvider?.npi ?? ''].join('|');
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, line.lineNumber);
        return [];
      }
      return [
        lineFinding(
          rule,
          line.lineNumber,
          `line ${line.lineNumber} repeats line ${first} (${line.code} on ${line.serviceDate}): bill units on one line, or drop the double charge`,
        ),
      ];
    });
  },
};
