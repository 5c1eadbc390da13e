/**
 * Exact decimal numbers as text — money, units, X12 "R" values — and the engine's only arithmetic on them.
 * Values are parsed to scaled BigInts (the value times 10^scale), never to floats, so a sum or a product is
 * exact and what is written is what the store holds. Pure, no Node modules: the web console uses it too.
 *
 * Grammar: an optional sign, digits, and an optional fraction ("12", "-3.5", ".75", "25.00", "+1."); at least
 * one digit; surrounding white space is ignored. Anything else is not a decimal.
 *
 * Rounding, wherever a value loses places (toScaled, multiply, normalizeDecimal): half away from zero
 * ("0.105" → "0.11", "-0.105" → "-0.11").
 */

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/** A decimal as written: its digits as one integer and the number of places after the point. */
interface Exact {
  /** The value times 10^scale. */
  readonly units: bigint;
  readonly scale: number;
}

/** The sign, integer digits and fraction digits of a decimal; undefined when the text is not one. */
function partsOf(text: string): { negative: boolean; whole: string; fraction: string } | undefined {
  const m = DECIMAL.exec(text.trim());
  if (!m) return undefined;
  const whole = m[2] ?? '';
  const fraction = m[3] ?? '';
  if (whole.length + fraction.length === 0) return undefined;
  return { negative: m[1] === '-', whole, fraction };
}

/** Exactly as written, no rounding ("25.50" → 2550 at scale 2); undefined when the text is not a decimal. */
function exactOf(text: string): Exact | undefined {
  const p = partsOf(text);
  if (!p) return undefined;
  const units = BigInt(`${p.whole || '0'}${p.fraction}`);
  return { units: p.negative ? -units : units, scale: p.fraction.length };
}

function rescale(value: Exact, scale: number): bigint {
  return value.units * 10n ** BigInt(scale - value.scale);
}

/** Whether the text is an exact decimal number (see the grammar above). */
export function isDecimal(text: string): boolean {
  return partsOf(text) !== undefined;
}

/** text → integer scaled by 10^scale, rounded half away from zero. Throws RangeError when it is not a decimal. */
export function toScaled(text: string, scale: number): bigint {
  const p = partsOf(text);
  if (!p) throw new RangeError('not a decimal number');
  const fraction = p.fraction.padEnd(scale + 1, '0');
  let value = BigInt((p.whole || '0') + fraction.slice(0, scale));
  if (Number(fraction[scale]) >= 5) value += 1n;
  return p.negative ? -value : value;
}

/** A scaled integer as a decimal string with exactly `scale` places: fromScaled(-5n, 2) = "-0.05". */
export function fromScaled(value: bigint, scale: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

/** Canonical form with the given number of decimals, e.g. normalizeDecimal("7.5", 2) = "7.50". */
export function normalizeDecimal(text: string, scale: number): string {
  return fromScaled(toScaled(text, scale), scale);
}

/** Decimal places written in a decimal string (its own exact scale). */
function placesOf(text: string): number {
  return partsOf(text)?.fraction.length ?? 0;
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

/**
 * Whether the text is a decimal in the plain form the API writes: an optional minus, at least one integer
 * digit, and digits after a point when there is one ("12", "-3.50"; not "+1", ".5", "1." or " 1").
 */
export function isPlainDecimal(text: string): boolean {
  return /^-?\d+(?:\.\d+)?$/.test(text);
}

// X12 "R" form (our choice, as the DOMAIN example shows): no sign for positive values, no leading zeros before
// the integer digit, no trailing zeros after the decimal point and no trailing decimal point:
// "25.00" → "25", "25.50" → "25.5", "0.500" → "0.5", "-3.10" → "-3.1", "0.00" → "0".

/** An exact value in X12 R form. */
function renderX12(value: Exact): string {
  const negative = value.units < 0n;
  let digits = (negative ? -value.units : value.units).toString().padStart(value.scale + 1, '0');
  let fraction = value.scale === 0 ? '' : digits.slice(-value.scale);
  if (value.scale > 0) digits = digits.slice(0, -value.scale);
  fraction = fraction.replace(/0+$/, '');
  const text = fraction === '' ? digits : `${digits}.${fraction}`;
  return negative && /[1-9]/.test(text) ? `-${text}` : text;
}

const ZERO = 48; // '0'

/**
 * The X12 R form of an exact decimal string. Throws RangeError when the text is not a decimal. Works on the
 * digits as text (the claim writer formats every amount of every line): the same result as renderX12(exactOf(text)).
 */
export function formatX12Decimal(text: string): string {
  const p = partsOf(text);
  if (!p) throw new RangeError('not a decimal number');
  const { whole, fraction } = p;
  let start = 0;
  while (start < whole.length - 1 && whole.charCodeAt(start) === ZERO) start++;
  let end = fraction.length;
  while (end > 0 && fraction.charCodeAt(end - 1) === ZERO) end--;
  const integer = whole.length === 0 ? '0' : whole.slice(start);
  const written = end === 0 ? integer : `${integer}.${fraction.slice(0, end)}`;
  return p.negative && /[1-9]/.test(written) ? `-${written}` : written;
}

/** The exact sum of decimal strings, in X12 R form ("0" for none). Throws RangeError on a non-decimal. */
export function sumX12Decimals(values: readonly string[]): string {
  const parsed = values.map((v) => {
    const p = exactOf(v);
    if (!p) throw new RangeError('not a decimal number');
    return p;
  });
  const scale = Math.max(0, ...parsed.map((p) => p.scale));
  const units = parsed.reduce((sum, p) => sum + rescale(p, scale), 0n);
  return renderX12({ units, scale });
}

/** Whether two decimal strings are the same number ("25" = "25.00"). False when either is not a decimal. */
export function decimalsEqual(a: string, b: string): boolean {
  const pa = exactOf(a);
  const pb = exactOf(b);
  if (!pa || !pb) return false;
  const scale = Math.max(pa.scale, pb.scale);
  return rescale(pa, scale) === rescale(pb, scale);
}
