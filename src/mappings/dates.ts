/**
 * HL7 date/time (DT, TS, DTM; the first component of a DR range) → calendar date YYYY-MM-DD as the
 * sender wrote it. The time and any offset are ignored: a date of service is the sender's local date.
 * Returns undefined for text that is not a valid date with at least day precision.
 */
const HL7_DATE = /^(\d{4})(\d{2})(\d{2})(?:\d{0,6}(?:\.\d{1,4})?)?(?:[+-]\d{4})?$/;

export function hl7Date(text: string): string | undefined {
  const m = HL7_DATE.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) return undefined;
  return `${m[1]}-${m[2]}-${m[3]}`;
}
