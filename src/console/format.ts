/**
 * Number formats of the billing views: money from the API's exact decimal strings ("1234.50" → "$1,234.50"),
 * rates as percentages, day counts. Pure, no DOM. Money is formatted from the string's digits, never through
 * a float sum, so what is shown is what the store holds.
 */

/** "1234.5" → "$1,234.50"; "-3" → "−$3.00"; null, empty or not a decimal → "—". */
export function formatMoney(amount: string | number | null | undefined): string {
  if (amount === null || amount === undefined || amount === '') return '—';
  const text = typeof amount === 'number' ? amount.toFixed(2) : amount.trim();
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return '—';
  const [, sign = '', whole = '0', fraction = ''] = m;
  let cents = `${fraction}00`.slice(0, 2);
  let units = BigInt(whole);
  // Round half up on the third decimal (the store keeps two; this only guards longer input).
  if (fraction.length > 2 && Number(fraction[2]) >= 5) {
    const c = Number(cents) + 1;
    if (c === 100) {
      units += 1n;
      cents = '00';
    } else {
      cents = String(c).padStart(2, '0');
    }
  }
  const grouped = units.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const zero = units === 0n && cents === '00';
  return `${sign === '-' && !zero ? '−' : ''}$${grouped}.${cents}`;
}

/** The decimal string as a number for charts (precision is not needed there). */
export function moneyValue(amount: string | null | undefined): number {
  const n = Number(amount ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/** 0.1234 → "12.3 %"; null → "—". */
export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—';
  return `${(rate * 100).toFixed(1)} %`;
}

/** 12.345 → "12.3 days"; 1 → "1.0 day"; null → "—". */
export function formatDays(days: number | null | undefined): string {
  if (days === null || days === undefined || !Number.isFinite(days)) return '—';
  return `${days.toFixed(1)} ${days === 1 ? 'day' : 'days'}`;
}
