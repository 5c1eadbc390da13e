/** Service units (SV104) are a whole number greater than zero. */
import { lineFinding } from '../finding';
import { unitsOf } from '../formats';
import type { ScrubRule } from '../types';

export const rule: ScrubRule = {
  id: 'units-positive',
  severity: 'error',
  scope: 'line',
  description: 'Every line bills a whole number of units greater than zero.',
  check(claim) {
    return claim.lines.flatMap((line) => {
      const units = unitsOf(line);
      let message: string | undefined;
      if (units === undefined) message = `units "${line.units}" of ${line.code} are not a number`;
      else if (units <= 0n) message = `units ${line.units} of ${line.code} must be greater than zero`;
      else if (units % 1000n !== 0n) message = `units ${line.units} of ${line.code} must be a whole number`;
      return message ? [lineFinding(rule, line.lineNumber, message)] : [];
    });
  },
};
