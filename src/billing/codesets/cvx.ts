/**
 * CDC CVX (vaccine administered) table `cvx.txt` (public; DOMAIN.md §5). Pipe-delimited (a tab-delimited export
 * is read too; the first line decides), columns in this order:
 *   CVX code | short description | full vaccine name | notes | status | [internal id] | [non-vaccine flag] | last updated
 * Six to eight columns: the optional middle ones vary between releases, so the last column is always the update
 * date and the first five are fixed. An optional header line (first cell not a number, naming CVX) is skipped.
 * Code columns are space-padded; codes are kept with at least two digits ("8" and "08" are both "08").
 * CVX has no effective dates: an entry is open-ended, billable when its status is Active (Inactive, Never Active,
 * Non-US, Pending are not). The description is the full vaccine name.
 * The text encoding (historically UTF-16LE with a BOM) is the reader's business: this parser gets decoded lines.
 */
import { hl7Date } from '../../mappings/dates';
import { CodeSetFormatError, type CodeSetParser } from './types';

/** "8", "08", " 08 " → "08"; "140" stays. Non-numeric input is returned trimmed. */
export function normalizeCvx(code: string): string {
  const text = code.trim();
  return /^\d+$/.test(text) ? String(Number(text)).padStart(2, '0') : text;
}

/** The update dates the CDC files use (YYYY/MM/DD, M/D/YYYY, YYYY-MM-DD) → YYYY-MM-DD, or undefined. */
export function cvxDate(text: string): string | undefined {
  const value = text.trim().split(/\s+/)[0] ?? '';
  const ymd = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$/.exec(value);
  const mdy = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value);
  const [y, m, d] = ymd ? [ymd[1]!, ymd[2]!, ymd[3]!] : mdy ? [mdy[3]!, mdy[1]!, mdy[2]!] : ['', '', ''];
  return y ? hl7Date(`${y}${m.padStart(2, '0')}${d.padStart(2, '0')}`) : undefined;
}

export function cvxParser(): CodeSetParser {
  let delimiter: '|' | '\t' | undefined;
  return {
    line(text, lineNumber) {
      if (text.trim() === '') return [];
      const first = delimiter === undefined;
      delimiter ??= text.includes('|') ? '|' : '\t';
      const cells = text.split(delimiter).map((c) => c.trim());
      const code = cells[0] ?? '';
      if (!/^\d{1,3}$/.test(code)) {
        if (first && /cvx/i.test(code)) return [];
        throw new CodeSetFormatError(lineNumber, `CVX code "${code}" in the first column is not a number of 1–3 digits`);
      }
      if (cells.length < 6 || cells.length > 8) {
        throw new CodeSetFormatError(
          lineNumber,
          `has ${cells.length} ${delimiter === '|' ? 'pipe' : 'tab'}-separated columns; cvx.txt has 6 to 8 (code, short, full name, notes, status, …, last updated)`,
        );
      }
      const status = cells[4]!;
      if (!status) throw new CodeSetFormatError(lineNumber, `CVX ${code} has no status (column 5)`);
      const updated = cells[cells.length - 1]!;
      if (updated && !cvxDate(updated)) {
        throw new CodeSetFormatError(lineNumber, `last updated date "${updated}" (last column) is not a date`);
      }
      return [
        {
          code: normalizeCvx(code),
          validFrom: null,
          validTo: null,
          billable: /^active$/i.test(status),
          description: cells[2] || cells[1] || null,
        },
      ];
    },
    end: () => [],
  };
}
