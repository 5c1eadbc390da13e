/**
 * Moves the dates of sample messages to today (`rxbridge send --shift-dates-to-today`), so synthetic samples written
 * in one year still make charges and clean claims (timely filing, coverage in force) in any later year. Pure.
 *
 * Contract: every component or subcomponent of a message, MSH-1/MSH-2 aside, that reads as an HL7 DT/DTM/TS value
 * (YYYYMMDD, optionally HHMM, SS, .S to .SSSS and a ±ZZZZ offset; a real calendar date in 1900–2199) is a date.
 * All messages given together move by one whole number of days, so that the latest date among them falls on
 * `today` (UTC calendar day); time of day, precision and offsets are kept, and every other byte is unchanged.
 * Values that only look like dates with another year (NPIs, phone numbers) are not touched. Messages with no
 * date are returned as given. withControlIdSuffix gives a moved message a control id of its own.
 */

const DATE_VALUE = /^(\d{4})(\d{2})(\d{2})((?:\d{2}(?:\d{2}(?:\d{2}(?:\.\d{1,4})?)?)?)?(?:[+-]\d{4})?)$/;
const DAY_MS = 86_400_000;

/** The UTC midnight of a DT/DTM value, or undefined when it is not one. */
function dayOf(value: string): number | undefined {
  const m = DATE_VALUE.exec(value);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1900 || y > 2199 || mo < 1 || mo > 12 || d < 1) return undefined;
  const t = Date.UTC(y, mo - 1, d);
  return new Date(t).getUTCDate() === d ? t : undefined;
}

function ymd(t: number): string {
  return new Date(t).toISOString().slice(0, 10).replace(/-/g, '');
}

/** Applies `fn` to every component value of the message, keeping the separators (MSH-1 and MSH-2 untouched). */
function mapValues(message: string, fn: (value: string) => string): string {
  const field = message.startsWith('MSH') ? (message[3] ?? '|') : '|';
  const enc = message.startsWith('MSH') ? message.slice(4, 8) : '^~\\&';
  const component = enc[0] ?? '^';
  const repetition = enc[1] ?? '~';
  const sub = enc[3] ?? '&';
  return message
    .split('\r')
    .map((segment) => {
      const fields = segment.split(field);
      const first = segment.startsWith('MSH') ? 2 : 1; // MSH-1 is the separator itself, MSH-2 the encoding characters
      return fields
        .map((f, i) =>
          i < first
            ? f
            : f
                .split(repetition)
                .map((r) =>
                  r
                    .split(component)
                    .map((c) => c.split(sub).map(fn).join(sub))
                    .join(component),
                )
                .join(repetition),
        )
        .join(field);
    })
    .join('\r');
}

/** The number of whole days that moves the latest date of `messages` to `today`; 0 when they hold no date. */
export function daysToToday(messages: readonly string[], today: Date): number {
  let latest: number | undefined;
  for (const m of messages) {
    mapValues(m, (v) => {
      const day = dayOf(v);
      if (day !== undefined && (latest === undefined || day > latest)) latest = day;
      return v;
    });
  }
  if (latest === undefined) return 0;
  const todayDay = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  return Math.round((todayDay - latest) / DAY_MS);
}

/** Every date of `message` moved by `days` (see the module comment). */
export function shiftDates(message: string, days: number): string {
  if (days === 0) return message;
  return mapValues(message, (v) => {
    const day = dayOf(v);
    return day === undefined ? v : ymd(day + days * DAY_MS) + v.slice(8);
  });
}

/** The messages moved together so that their latest date is `today`. */
export function shiftDatesToToday(messages: readonly string[], today: Date): { messages: string[]; days: number } {
  const days = daysToToday(messages, today);
  return { messages: messages.map((m) => shiftDates(m, days)), days };
}

/**
 * The message with `-<suffix>` appended to its control id (MSH-10), so a sample moved to another day is a message of
 * its own, not a duplicate of (nor a reuse of the charges of) the one sent on an earlier day. A message without
 * MSH-10 is returned as given.
 */
export function withControlIdSuffix(message: string, suffix: string): string {
  if (!message.startsWith('MSH')) return message;
  const field = message[3] ?? '|';
  const end = message.indexOf('\r');
  const msh = end < 0 ? message : message.slice(0, end);
  const fields = msh.split(field);
  // fields[0] is "MSH", fields[1] the encoding characters (MSH-2): MSH-n is fields[n - 1].
  if (fields.length < 10 || fields[9] === '') return message;
  fields[9] = `${fields[9]}-${suffix}`;
  return fields.join(field) + (end < 0 ? '' : message.slice(end));
}
