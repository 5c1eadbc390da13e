/**
 * X12 "R" (decimal) values from the exact decimal strings of the billing model, and exact sums of them.
 * Pure; never floats.
 *
 * Written form (our choice, as the DOMAIN example shows): no sign for positive values, no leading zeros
 * before the integer digit, no trailing zeros after the decimal point and no trailing decimal point:
 * "25.00" → "25", "25.50" → "25.5", "0.500" → "0.5", "-3.10" → "-3.1", "0.00" → "0".
 */

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

interface Scaled {
  /** The value times 10^scale. */
  readonly units: bigint;
  readonly scale: number;
}

/** Parses an exact decimal ("12", "-3.5", ".75", "25.00"); undefined when the text is not one. */
function parse(text: string): Scaled | undefined {
  const m = DECIMAL.exec(text.trim());
  if (!m) return undefined;
  const whole = m[2] ?? '';
  const fraction = m[3] ?? '';
  if (whole.length + fraction.length === 0) return undefined;
  const units = BigInt(`${whole || '0'}${fraction}`);
  return { units: m[1] === '-' ? -units : units, scale: fraction.length };
}

function rescale(value: Scaled, scale: number): bigint {
  return value.units * 10n ** BigInt(scale - value.scale);
}

function render(value: Scaled): string {
  const negative = value.units < 0n;
  let digits = (negative ? -value.units : value.units).toString().padStart(value.scale + 1, '0');
  let fraction = value.scale === 0 ? '' : digits.slice(-value.scale);
  if (value.scale > 0) digits = digits.slice(0, -value.scale);
  fraction = fraction.replace(/0+$/, '');
  const text = fraction === '' ? digits : `${digits}.${fraction}`;
  return negative && /[1-9]/.test(text) ? `-${text}` : text;
}

/** Whether the text is an exact decimal number. */
export function isX12Decimal(text: string): boolean {
  const m = DECIMAL.exec(text.trim());
  return m !== null && (Boolean(m[2]) || Boolean(m[3]));
}

const ZERO = 48; // '0'

/**
 * The X12 R form of an exact decimal string. Throws RangeError when the text is not a decimal. Works on the
 * digits as text (the writer formats every amount of every line): the same result as render(parse(text)).
 */
export function formatX12Decimal(text: string): string {
  const m = DECIMAL.exec(text.trim());
  const whole = m?.[2] ?? '';
  const fraction = m?.[3] ?? '';
  if (!m || whole.length + fraction.length === 0) throw new RangeError('not a decimal number');
  let start = 0;
  while (start < whole.length - 1 && whole.charCodeAt(start) === ZERO) start++;
  let end = fraction.length;
  while (end > 0 && fraction.charCodeAt(end - 1) === ZERO) end--;
  const integer = whole.length === 0 ? '0' : whole.slice(start);
  const written = end === 0 ? integer : `${integer}.${fraction.slice(0, end)}`;
  return m[1] === '-' && /[1-9]/.test(written) ? `-${written}` : written;
}

/** The exact sum of decimal strings, in X12 R form ("0" for none). Throws RangeError on a non-decimal. */
export function sumX12Decimals(values: readonly string[]): string {
  const parsed = values.map((v) => {
    const p = parse(v);
    if (!p) throw new RangeError('not a decimal number');
    return p;
  });
  const scale = Math.max(0, ...parsed.map((p) => p.scale));
  const units = parsed.reduce((sum, p) => sum + rescale(p, scale), 0n);
  return render({ units, scale });
}

/** Whether two decimal strings are the same number ("25" = "25.00"). False when either is not a decimal. */
export function x12DecimalsEqual(a: string, b: string): boolean {
  const pa = parse(a);
  const pb = parse(b);
  if (!pa || !pb) return false;
  const scale = Math.max(pa.scale, pb.scale);
  return rescale(pa, scale) === rescale(pb, scale);
}
