/**
 * Calendar dates as YYYY-MM-DD strings (which compare correctly as text). Pure, UTC arithmetic.
 *
 * Scrubbing asks the same few dates of service again for every line of every claim: isIsoDate reads the digits
 * without a Date, and the date arithmetic remembers its answers (./remember.ts, bounded).
 */
import { remembered } from './remember';

/** How many numbers of days (or years) get their own remembered function before they start over. */
const MAX_OFFSETS = 256;

/** True for a real calendar date written YYYY-MM-DD. */
export function isIsoDate(text: string): boolean {
  if (text.length !== 10 || text.charCodeAt(4) !== DASH || text.charCodeAt(7) !== DASH) return false;
  const y = digits(text, 0, 4);
  const m = digits(text, 5, 7);
  const d = digits(text, 8, 10);
  // Years before 0100 are refused: Date.UTC, which addDays and addYears use, reads years 0-99 as 1900-1999.
  if (y < 100 || m < 1 || m > 12 || d < 1) return false;
  return d <= daysInMonth(y, m);
}

const DASH = 45; // '-'
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The number written by text[from, to) when every character is a digit, else -1. */
function digits(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!;
}

function toUtc(date: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d));
}

function fromUtc(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Per number of days: date → date plus that many days. */
const addDaysBy = new Map<number, (date: string) => string>();

/** `date` plus `days` calendar days. */
export function addDays(date: string, days: number): string {
  let add = addDaysBy.get(days);
  if (!add) {
    if (addDaysBy.size >= MAX_OFFSETS) addDaysBy.clear();
    add = remembered((from: string) => {
      const d = toUtc(from);
      d.setUTCDate(d.getUTCDate() + days);
      return fromUtc(d);
    }, 1024);
    addDaysBy.set(days, add);
  }
  return add(date);
}

/** Per number of years: date → the same day that many years later. */
const addYearsBy = new Map<number, (date: string) => string>();

/** The same day `years` later; Feb 29 becomes Feb 28 when the target year has no Feb 29. */
export function addYears(date: string, years: number): string {
  let add = addYearsBy.get(years);
  if (!add) {
    if (addYearsBy.size >= MAX_OFFSETS) addYearsBy.clear();
    add = remembered((from: string) => {
      const [y, m, d] = from.split('-').map(Number) as [number, number, number];
      const target = new Date(Date.UTC(y + years, m - 1, d));
      if (target.getUTCMonth() !== m - 1) target.setUTCDate(0); // rolled into March: last day of February
      return fromUtc(target);
    }, 1024);
    addYearsBy.set(years, add);
  }
  return add(date);
}

/** Whole years of age on `date` (both YYYY-MM-DD); undefined when either is not a date or `date` is before birth. */
export function ageOn(birthDate: string, date: string): number | undefined {
  if (!isIsoDate(birthDate) || !isIsoDate(date) || date < birthDate) return undefined;
  const years = Number(date.slice(0, 4)) - Number(birthDate.slice(0, 4));
  return date.slice(5) >= birthDate.slice(5) ? years : years - 1;
}
