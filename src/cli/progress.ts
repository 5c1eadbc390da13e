/**
 * A progress line for long imports, on stderr as plain text rewritten in place with `\r` (no dependency, no
 * cursor codes): "12,345 rows  45%  8,123 rows/s". The percentage is of the source bytes read. Updates are
 * throttled; finish() prints the final figures and ends the line.
 */

/** 12345 → "12,345". */
export const count = (n: number): string => n.toLocaleString('en-US');

/** "12,345 rows  45%  8,123 rows/s" */
export function formatProgress(p: { rows: number; bytes: number; totalBytes: number; elapsedMs: number }): string {
  const percent = p.totalBytes > 0 ? Math.min(100, Math.floor((p.bytes / p.totalBytes) * 100)) : 100;
  const rate = p.elapsedMs > 0 ? Math.round((p.rows * 1000) / p.elapsedMs) : p.rows;
  return `${count(p.rows)} rows  ${percent}%  ${count(rate)} rows/s`;
}

const PROGRESS_INTERVAL_MS = 200;

export interface ProgressIo {
  err(text: string): void;
  now(): number;
}

export function progressPrinter(io: ProgressIo, started: number, source: { bytesRead(): number; totalBytes: number }) {
  let shown = false;
  let shownRows = -1;
  let last = -Infinity;
  let width = 0;
  const show = (rows: number) => {
    const text = formatProgress({ rows, bytes: source.bytesRead(), totalBytes: source.totalBytes, elapsedMs: io.now() - started });
    io.err(`\r${text.padEnd(width)}`);
    width = Math.max(width, text.length);
    shown = true;
    shownRows = rows;
  };
  return {
    update: (rows: number) => {
      const now = io.now();
      if (now - last < PROGRESS_INTERVAL_MS) return;
      last = now;
      show(rows);
    },
    finish: (rows: number) => {
      if (rows !== shownRows) show(rows);
      io.err('\n');
    },
    abandon: () => {
      if (shown) io.err('\n');
    },
  };
}
