/**
 * Duplicates against claim history (DOMAIN.md §4 "Duplicates"): a service the payer already has — same patient,
 * payer, date of service, code, modifiers and rendering NPI on another claim that was submitted and not voided —
 * is denied as an exact duplicate (CARC 18). An error: the claim is held until an operator corrects it, voids it,
 * or overrides it with a reason (the "bill it anyway" of a biller who knows better). A line with a repeat
 * modifier (76, 77, 91, 59, XE/XS/XP/XU) says the repeat is intended and is not flagged. Runs for original
 * claims only (a replacement repeats its original on purpose), and only when the context has a history port.
 */
import { billedServiceOf, isIntendedRepeat } from '../billed-service';
import { lineFinding } from '../finding';
import { plural } from '../formats';
import type { ScrubRule } from '../types';

export const rule: ScrubRule = {
  id: 'duplicate-service',
  severity: 'error',
  scope: 'line',
  description:
    'No line bills a service already submitted to the payer (same patient, date of service, code, modifiers and rendering NPI) unless a repeat modifier says it is intended.',
  check(claim, { history }) {
    if (!history || claim.frequency !== '1') return [];
    return claim.lines.flatMap((line) => {
      if (isIntendedRepeat(line)) return [];
      const service = billedServiceOf(claim, line);
      const prior = history.priorLines(service);
      if (prior === 0) return [];
      const billed = [line.code, ...line.modifiers].join('-');
      return [
        lineFinding(
          rule,
          line.lineNumber,
          `${billed} on ${line.serviceDate} (rendering NPI ${service.renderingNpi}) was already submitted to payer ${claim.payer.id} for this patient (${plural(prior, 'line')} on another claim): the payer denies exact duplicates; void or correct this claim, add a repeat modifier (76, 77, 91, 59, XE/XS/XP/XU) if the service was repeated, or override with a reason`,
        ),
      ];
    });
  },
};
