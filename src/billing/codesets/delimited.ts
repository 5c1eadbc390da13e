/**
 * Splitting delimited text files (CSV, tab-delimited) line by line, for the code-set and edit parsers. A quoted
 * cell may hold the delimiter, doubled quotes ("") and line breaks (the CMS MUE files open with a quoted,
 * multi-line copyright notice), so lines are gathered until their quotes balance. Pure.
 */

export interface DelimitedRecord {
  /** 1-based line the record starts on. */
  line: number;
  cells: string[];
}

/** Splits one complete record (quotes balanced). Cells are not trimmed. */
export function splitRecord(text: string, delimiter: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell.trim() === '') {
      quoted = true;
      cell = '';
    } else if (ch === delimiter) {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells;
}

/** Feeds lines, returns complete records: a line inside an open quoted cell waits for the rest. */
export function recordGatherer(delimiter: string): {
  line(text: string, lineNumber: number): DelimitedRecord | undefined;
  pending(): number | undefined;
} {
  let buffer: string | undefined;
  let start = 0;
  return {
    line(text, lineNumber) {
      const joined = buffer === undefined ? text : `${buffer}\n${text}`;
      if (buffer === undefined) start = lineNumber;
      if ((joined.match(/"/g)?.length ?? 0) % 2 === 1) {
        buffer = joined;
        return undefined;
      }
      buffer = undefined;
      return { line: start, cells: splitRecord(joined, delimiter) };
    },
    pending: () => (buffer === undefined ? undefined : start),
  };
}

/** A header cell as compared: line breaks and runs of spaces as one space, trimmed, lower case. */
export function headerText(cell: string): string {
  return cell.replace(/\s+/g, ' ').trim().toLowerCase();
}
