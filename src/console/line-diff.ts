/**
 * A line diff of two texts for the console (a mapping version against the current text), with line numbers on
 * both sides and long unchanged runs folded. Pure, no DOM: the diffing is the `diff` package's (diffLines);
 * this module only shapes its answer into rows a table can show.
 */
import { diffLines } from 'diff';

export type DiffRow =
  { kind: 'same' | 'added' | 'removed'; oldLine: number | null; newLine: number | null; text: string } | { kind: 'skipped'; count: number };

/** Every line of `before` and `after`, each marked same, removed (only in before) or added (only in after). */
export function lineDiff(before: string, after: string): DiffRow[] {
  const rows: DiffRow[] = [];
  let oldLine = 1;
  let newLine = 1;
  for (const change of diffLines(before, after)) {
    const lines = change.value.split('\n');
    if (lines[lines.length - 1] === '') lines.pop(); // the text after the last newline of the chunk
    for (const text of lines) {
      if (change.added) rows.push({ kind: 'added', oldLine: null, newLine: newLine++, text });
      else if (change.removed) rows.push({ kind: 'removed', oldLine: oldLine++, newLine: null, text });
      else rows.push({ kind: 'same', oldLine: oldLine++, newLine: newLine++, text });
    }
  }
  return rows;
}

/**
 * Keeps `context` unchanged lines around each change and folds longer unchanged runs into one `skipped` row.
 * A diff without changes folds to a single skipped row (or nothing, for two empty texts).
 */
export function foldUnchanged(rows: readonly DiffRow[], context = 3): DiffRow[] {
  const near = rows.map(() => false);
  rows.forEach((r, i) => {
    if (r.kind === 'same' || r.kind === 'skipped') return;
    for (let j = Math.max(0, i - context); j <= Math.min(rows.length - 1, i + context); j++) near[j] = true;
  });
  const out: DiffRow[] = [];
  let skipped = 0;
  rows.forEach((r, i) => {
    if (r.kind === 'same' && !near[i]) {
      skipped++;
      return;
    }
    if (skipped > 0) out.push({ kind: 'skipped', count: skipped });
    skipped = 0;
    out.push(r);
  });
  if (skipped > 0) out.push({ kind: 'skipped', count: skipped });
  return out;
}

/** How many lines were added and removed. */
export function diffStats(rows: readonly DiffRow[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const r of rows) {
    if (r.kind === 'added') added++;
    else if (r.kind === 'removed') removed++;
  }
  return { added, removed };
}
