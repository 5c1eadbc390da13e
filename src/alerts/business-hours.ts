/**
 * Business hours for alerts, pure: `parseBusinessHours("Mo-Fr 08:00-20:00, Sa 09:00-13:00")` and
 * `businessWindowStart(hours, timeZone, now)`.
 *
 * Grammar: one or more entries separated by commas; an entry is `DAYS HH:MM-HH:MM`, where DAYS is a day (`Mo`,
 * `Tu`, `We`, `Th`, `Fr`, `Sa`, `Su`) or a range of days (`Mo-Fr`; `Fr-Mo` wraps over the week-end). Times are
 * 00:00 to 24:00 on the wall clock of the time zone; the end must be later than the start (a window does not
 * cross midnight: write two entries). Windows may overlap; touching windows (…-20:00 and 20:00-…) join.
 *
 * The wall clock is read with Intl in the given IANA time zone, so daylight-saving changes are followed. On the
 * night a clock jumps, a window's start computed across the jump may be off by the jump (an hour); business
 * hours rarely span 02:00–03:00.
 */

export const DAY_NAMES = ['Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa', 'Su'] as const;

/** Minutes from Monday 00:00 (0) to Sunday 24:00 (10080): each window is [start, end). */
export interface BusinessHours {
  readonly text: string;
  readonly windows: ReadonlyArray<{ readonly start: number; readonly end: number }>;
}

const DAY_MINUTES = 1440;
const ENTRY = /^([A-Za-z]{2})(?:-([A-Za-z]{2}))?\s+(\d{2}):(\d{2})-(\d{2}):(\d{2})$/;

/** Parses the grammar above; throws an Error whose message says what is wrong (no value from elsewhere). */
export function parseBusinessHours(text: string): BusinessHours {
  const entries = text.split(',').map((e) => e.trim());
  if (entries.some((e) => e === '')) throw new Error('business hours need entries like "Mo-Fr 08:00-20:00", separated by commas');
  const windows: Array<{ start: number; end: number }> = [];
  for (const entry of entries) {
    const m = ENTRY.exec(entry);
    if (!m) throw new Error(`"${entry}" is not like "Mo-Fr 08:00-20:00" (days Mo Tu We Th Fr Sa Su, then HH:MM-HH:MM)`);
    const first = dayIndex(m[1]!);
    const last = m[2] === undefined ? first : dayIndex(m[2]);
    const from = minutes(m[3]!, m[4]!, entry);
    const to = minutes(m[5]!, m[6]!, entry);
    if (to <= from) throw new Error(`"${entry}": the end must be later than the start (a window cannot cross midnight; write two entries)`);
    for (let d = first; ; d = (d + 1) % 7) {
      windows.push({ start: d * DAY_MINUTES + from, end: d * DAY_MINUTES + to });
      if (d === last) break;
    }
  }
  return { text, windows: merge(windows) };
}

function dayIndex(name: string): number {
  const i = DAY_NAMES.findIndex((d) => d.toLowerCase() === name.toLowerCase());
  if (i < 0) throw new Error(`"${name}" is not a day: use Mo Tu We Th Fr Sa Su`);
  return i;
}

function minutes(hh: string, mm: string, entry: string): number {
  const h = Number(hh);
  const m = Number(mm);
  if (m > 59 || h > 24 || (h === 24 && m > 0)) throw new Error(`"${entry}": times run from 00:00 to 24:00`);
  return h * 60 + m;
}

/** Sorted, with overlapping or touching windows joined (Sunday 24:00 touching Monday 00:00 is not joined). */
function merge(windows: Array<{ start: number; end: number }>): Array<{ start: number; end: number }> {
  const sorted = [...windows].sort((a, b) => a.start - b.start);
  const out: Array<{ start: number; end: number }> = [];
  for (const w of sorted) {
    const last = out[out.length - 1];
    if (last && w.start <= last.end) last.end = Math.max(last.end, w.end);
    else out.push({ ...w });
  }
  return out;
}

/** True when `timeZone` is an IANA zone name this Node knows (e.g. Europe/Berlin, America/Chicago, UTC). */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Minutes since Monday 00:00 on the wall clock of `timeZone` at `now`. */
export function weekMinute(timeZone: string, now: Date): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(now);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(part('weekday'));
  return day * DAY_MINUTES + Number(part('hour')) * 60 + Number(part('minute'));
}

/**
 * When the business window that contains `now` began, or null when `now` is outside business hours. A window
 * that runs into the next (Sunday 24:00 → Monday 00:00) is not followed back: the window start is Monday 00:00.
 */
export function businessWindowStart(hours: BusinessHours, timeZone: string, now: Date): Date | null {
  const minute = weekMinute(timeZone, now);
  const window = hours.windows.find((w) => w.start <= minute && minute < w.end);
  if (!window) return null;
  const intoWindowMs = (minute - window.start) * 60_000 + now.getUTCSeconds() * 1000 + now.getUTCMilliseconds();
  return new Date(now.getTime() - intoWindowMs);
}
