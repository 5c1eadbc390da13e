import { layoutBars, niceCeiling, niceTicks, tickCountFor } from '../../src/console/chart-scale';

describe('console chart scale', () => {
  it('rounds an axis maximum up to 1, 2, 2.5 or 5 times a power of ten', () => {
    expect([0, -4, NaN, 0.7, 1, 1.2, 2.2, 3, 7, 10, 11, 240, 260, 0.037].map(niceCeiling))
      .toEqual([1, 1, 1, 1, 1, 2, 2.5, 5, 10, 10, 20, 250, 500, 0.05]);
  });

  it('makes evenly spaced ticks from zero that reach the maximum', () => {
    expect(niceTicks(230, 4)).toEqual([0, 100, 200, 300]);
    expect(niceTicks(0.35, 4)).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(niceTicks(100, 4)).toEqual([0, 25, 50, 75, 100]);
  });

  it('lays bars out per category and series, proportional to the axis maximum', () => {
    const layout = layoutBars(['mtm', 'dispense'], [
      { name: 'charged', values: [150, 75] },
      { name: 'paid', values: [100, -5] },
    ], { width: 500, labelWidth: 100, valueWidth: 100, barHeight: 10, gap: 6, axisHeight: 20, tickCount: 3 });
    expect(layout.max).toBe(150);
    expect(layout.plotWidth).toBe(300);
    expect(layout.ticks.map((t) => t.x)).toEqual([100, 200, 300, 400]);
    const [mtm, dispense] = layout.rows;
    expect(mtm!.bars.map((b) => [b.x, b.y, b.width])).toEqual([[100, 3, 300], [100, 13, 200]]);
    expect(dispense!.bars.map((b) => [b.y, b.width, b.value])).toEqual([[29, 150, 75], [39, 0, -5]]);
    expect(layout.height).toBe(2 * 26 + 20);
  });

  it('gives a wide plot more ticks and a narrow one fewer, so axis labels never overlap', () => {
    expect([40, 100, 240, 400, 2000].map((w) => tickCountFor(w))).toEqual([1, 1, 3, 5, 6]);
    const wide = layoutBars(['a'], [{ name: 's', values: [1000] }], { width: 1000, labelWidth: 170, valueWidth: 90, barHeight: 10, gap: 6 });
    const narrow = layoutBars(['a'], [{ name: 's', values: [1000] }], { width: 400, labelWidth: 170, valueWidth: 90, barHeight: 10, gap: 6 });
    expect(wide.ticks.length).toBeGreaterThan(narrow.ticks.length);
    for (const layout of [wide, narrow]) {
      const gaps = layout.ticks.slice(1).map((t, i) => t.x - layout.ticks[i]!.x);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(70);
    }
  });
});
