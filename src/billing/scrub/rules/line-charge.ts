/** Line charge (SV102): a decimal amount, not negative, at most 2 decimals. */
import { isDecimal } from '../../../core/decimal';
import { lineFinding } from '../finding';
import type { ScrubRule } from '../types';

const MONEY = /^\d+(?:\.\d{1,2})?$/;

export const rule: ScrubRule = {
  id: 'line-charge',
  severity: 'error',
  scope: 'line',
  description: 'Every line charge is an amount of at least 0.00 with at most 2 decimals.',
  check(claim) {
    return claim.lines.flatMap((line) => {
      const amount = line.chargeAmount.trim();
      if (MONEY.test(amount)) return [];
      const why = !isDecimal(amount)
        ? 'is not an amount'
        : amount.startsWith('-')
          ? 'is negative'
          : 'must be digits with at most 2 decimals';
      return [lineFinding(rule, line.lineNumber, `charge "${line.chargeAmount}" of ${line.code} ${why}`)];
    });
  },
};
