/** Exact money arithmetic on decimal strings (two places), for claim totals and payment sums. Never floats. */
import { fromScaled, toScaled } from '../../core/decimal';

/** Σ amounts with two decimals ("0.00" for none). */
export function sumAmounts(amounts: readonly string[]): string {
  return fromScaled(
    amounts.reduce((s, a) => s + toScaled(a, 2), 0n),
    2,
  );
}

/** a − b with two decimals. */
export function subtractAmount(a: string, b: string): string {
  return fromScaled(toScaled(a, 2) - toScaled(b, 2), 2);
}

/** −1, 0 or 1 as a is less than, equal to or greater than b. */
export function compareAmounts(a: string, b: string): number {
  const d = toScaled(a, 2) - toScaled(b, 2);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** "25" → "25.00". */
export function money(a: string): string {
  return fromScaled(toScaled(a, 2), 2);
}
