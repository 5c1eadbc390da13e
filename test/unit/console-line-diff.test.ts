import { diffStats, foldUnchanged, lineDiff } from '../../src/console/line-diff';

describe('console line diff', () => {
  it('numbers both sides and marks added and removed lines', () => {
    const rows = lineDiff('a\nb\nc\n', 'a\nB\nc\nd\n');
    expect(rows).toEqual([
      { kind: 'same', oldLine: 1, newLine: 1, text: 'a' },
      { kind: 'removed', oldLine: 2, newLine: null, text: 'b' },
      { kind: 'added', oldLine: null, newLine: 2, text: 'B' },
      { kind: 'same', oldLine: 3, newLine: 3, text: 'c' },
      { kind: 'added', oldLine: null, newLine: 4, text: 'd' },
    ]);
    expect(diffStats(rows)).toEqual({ added: 2, removed: 1 });
  });

  it('handles texts without a final newline and identical texts', () => {
    expect(lineDiff('x\ny', 'x\nz').map((r) => r.kind)).toEqual(['same', 'removed', 'added']);
    const same = lineDiff('one\ntwo\n', 'one\ntwo\n');
    expect(diffStats(same)).toEqual({ added: 0, removed: 0 });
    expect(foldUnchanged(same)).toEqual([{ kind: 'skipped', count: 2 }]);
    expect(foldUnchanged(lineDiff('', ''))).toEqual([]);
  });

  it('folds long unchanged runs, keeping context around each change', () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n');
    const after = before.replace('line 10', 'line ten');
    const folded = foldUnchanged(lineDiff(before, after), 2);
    expect(folded.map((r) => (r.kind === 'skipped' ? `skip ${r.count}` : `${r.kind} ${r.text}`))).toEqual([
      'skip 7', 'same line 8', 'same line 9', 'removed line 10', 'added line ten', 'same line 11', 'same line 12', 'skip 8',
    ]);
  });
});
