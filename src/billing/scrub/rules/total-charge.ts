/** CLM02 equals the sum of the line charges (DOMAIN.md §2.2.6), compared exactly. */
import { fromScaled, isDecimal, toScaled } from '../../../mappings/decimal';
import { claimFinding } from '../finding';
import type { ScrubRule } from '../types';

const SCALE = 6;

function show(value: bigint): string {
  const cents = 10n ** BigInt(SCALE - 2);
  return value % cents === 0n ? fromScaled(value / cents, 2) : fromScaled(value, SCALE);
}

export const rule: ScrubRule = {
  id: 'total-charge',
  severity: 'error',
  scope: 'claim',
  description: 'The claim total charge (CLM02) equals the sum of the line charges.',
  check(claim) {
    if (!isDecimal(claim.totalCharge)) return [claimFinding(rule, `total charge "${claim.totalCharge}" is not an amount`)];
    if (!claim.lines.every((l) => isDecimal(l.chargeAmount))) return []; // line-charge reports the line
    const sum = claim.lines.reduce((s, l) => s + toScaled(l.chargeAmount, SCALE), 0n);
    const total = toScaled(claim.totalCharge, SCALE);
    return total === sum ? [] : [claimFinding(rule, `total charge ${claim.totalCharge} does not equal the sum of the line charges, ${show(sum)}`)];
  },
};
