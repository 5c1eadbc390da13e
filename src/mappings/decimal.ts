/**
 * Exact decimal strings for money and units: parsed to scaled BigInts, never floats.
 * Accepts an optional sign, digits, and an optional fraction ("12", "-3.5", ".75"). Anything else is invalid.
 */
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

export function isDecimal(text: string): boolean {
  const m = DECIMAL.exec(text.trim());
  return m !== null && ((m[2] ?? '') + (m[3] ?? '')).length > 0;
}

/** text → integer scaled by 10^scale, rounded half away from zero. Throws on invalid input. */
export function toScaled(text: string, scale: number): bigint {
  const m = DECIMAL.exec(text.trim());
  if (!m || ((m[2] ?? '') + (m[3] ?? '')).length === 0) throw new RangeError('not a decimal number');
  const negative = m[1] === '-';
  const whole = m[2] || '0';
  const frac = (m[3] ?? '').padEnd(scale + 1, '0');
  let value = BigInt(whole + frac.slice(0, scale)) ;
  if (Number(frac[scale]) >= 5) value += 1n;
  return negative ? -value : value;
}

export function fromScaled(value: bigint, scale: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

/** Canonical form with the given number of decimals, e.g. normalize("7.5", 2) = "7.50". */
export function normalizeDecimal(text: string, scale: number): string {
  return fromScaled(toScaled(text, scale), scale);
}

/** Decimal places written in a decimal string (its own exact scale). */
function placesOf(text: string): number {
  const m = DECIMAL.exec(text.trim());
  return m?.[3]?.length ?? 0;
}

/** a × b, result with `scale` decimals (exact up to the final rounding, half away from zero). */
export function multiply(a: string, b: string, scale: number): string {
  const [pa, pb] = [placesOf(a), placesOf(b)];
  const exact = pa + pb;
  const product = toScaled(a, pa) * toScaled(b, pb);
  if (exact <= scale) return fromScaled(product * 10n ** BigInt(scale - exact), scale);
  const divisor = 10n ** BigInt(exact - scale);
  const half = divisor / 2n;
  const rounded = product >= 0n ? (product + half) / divisor : (product - half) / divisor;
  return fromScaled(rounded, scale);
}
