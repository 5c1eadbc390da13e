/**
 * CSV as the API exports it (GET /api/audit.csv, GET /api/reports/*?format=csv): RFC 4180 quoting, CRLF line ends,
 * and spreadsheet formulas neutralized — a text cell starting with = + - @ tab or CR gets a leading apostrophe, so a
 * value someone typed (a payer name, a reason) never runs as a formula. A plain number (`-12.50`, `3`) is written as
 * it is: it cannot be a formula, and a spreadsheet must read it as a number.
 */

/** One CSV text cell (RFC 4180 quoting), with spreadsheet formulas neutralized. */
export function csvCell(value: string | null): string {
  if (value === null) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/** A header row and rows; numbers and plain decimal strings are written bare, other text through csvCell. */
export function csvTable(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | null>>): string {
  const cell = (v: string | number | null) => (typeof v === 'number' ? String(v) : v !== null && PLAIN_NUMBER.test(v) ? v : csvCell(v));
  return `${[header.map(csvCell).join(','), ...rows.map((r) => r.map(cell).join(','))].join('\r\n')}\r\n`;
}
