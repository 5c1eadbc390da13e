/** CLM02 equals the sum of the line charges (DOMAIN.md §2.2.6), compared exactly. */
import { fromScaled } from '../../../core/decimal';
import { claimFinding } from '../finding';
import { EXACT_AMOUNT_SCALE, exactAmount } from '../formats';
import type { ScrubRule } from '../types';

function show(value: bigint): string {
  const cents = 10n ** BigInt(EXACT_AMOUNT_SCALE - 2);
  return value % cents === 0n ? fromScaled(value / cents, 2) : fromScaled(value, EXACT_AMOUNT_SCALE);
}

export const rule: ScrubRule = {
  id: 'total-charge',
  severity: 'error',
  scope: 'claim',
  description: 'The claim total charge (CLM02) equals the sum of the line charges.',
  check(claim) {
    const total = exactAmount(claim.totalCharge);
    if (total === undefined) return [claimFinding(rule, `total charge "${claim.totalCharge}" is not an amount`)];
    let sum = 0n;
    for (const line of claim.lines) {
      const amount = exactAmount(line.chargeAmount);
      if (amount === undefined) return []; // line-charge reports the line
      sum += amount;
    }
    return total === sum
      ? []
      : [claimFinding(rule, `total charge ${claim.totalCharge} does not equal the sum of the line charges, ${show(sum)}`)];
  },
};
