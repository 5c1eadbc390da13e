/**
 * Number formats of the billing views: money from the API's exact decimal strings ("1234.50" → "$1,234.50"),
 * rates as percentages, day counts. Pure, no DOM. Money is formatted from the string's digits, never through
 * a float sum, so what is shown is what the store holds.
 */
import { fromScaled, isPlainDecimal, toScaled } from '../core/decimal';

/** "1234.5" → "$1,234.50"; "-3" → "−$3.00"; null, empty or not a plain decimal → "—". Rounds half away from zero to cents. */
export function formatMoney(amount: string | number | null | undefined): string {
  if (amount === null || amount === undefined || amount === '') return '—';
  const text = typeof amount === 'number' ? amount.toFixed(2) : amount.trim();
  if (!isPlainDecimal(text)) return '—';
  // The store keeps two places; the rounding only guards longer input.
  const cents = toScaled(text, 2);
  const [units = '0', fraction = '00'] = fromScaled(cents < 0n ? -cents : cents, 2).split('.');
  const grouped = units.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${cents < 0n ? '−' : ''}$${grouped}.${fraction}`;
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

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * A date-time for dense tables, one fixed width that never wraps: `2026-12-07 14:03:22` in the browser's time
 * zone (`utc` for UTC: tests). Null, empty or unreadable → "—".
 */
export function formatCompactDateTime(iso: string | Date | null | undefined, utc = false): string {
  if (iso === null || iso === undefined || iso === '') return '—';
  const d = iso instanceof Date ? iso : new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  const [y, mo, day, h, mi, s] = utc
    ? [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
    : [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()];
  return `${y}-${pad(mo)}-${pad(day)} ${pad(h)}:${pad(mi)}:${pad(s)}`;
}
