/** The dashboard chart's geometry (src/console/minute-bars.ts): round maxima, bar heights and slots. */
import { minuteBars, roundUp } from '../../src/console/minute-bars';

describe('minute chart geometry', () => {
  test('roundUp gives 1, 2 or 5 × 10^n at or above the value', () => {
    expect([0, 0.5, 1, 2, 3, 7, 10, 11, 49, 120, 5001].map(roundUp)).toEqual([1, 1, 1, 2, 5, 10, 10, 20, 50, 200, 10000]);
  });

  test('bars: one slot per minute, heights scaled to the round maximum, failed drawn over received', () => {
    const minute = (i: number) => new Date(Date.UTC(2026, 10, 25, 10, i)).toISOString();
    const points = [{ minute: minute(0), received: 0, failed: 0 }, { minute: minute(1), received: 4, failed: 1 }, { minute: minute(2), received: 3, failed: 0 }];
    const { bars, max } = minuteBars(points, 300, 100);
    expect(max).toBe(5);
    expect(bars.map((b) => Math.round(b.x))).toEqual([10, 110, 210]);
    expect(bars.map((b) => b.width)).toEqual([80, 80, 80]);
    expect(bars[0]!.received).toEqual({ y: 100, height: 0 });
    expect(bars[1]!.received).toEqual({ y: 20, height: 80 });
    expect(bars[1]!.failed).toEqual({ y: 80, height: 20 });
    expect(bars[1]!.label).toMatch(/4 received, 1 failed$/);
  });

  test('an hour of zeros draws nothing above the axis; an empty series draws no bar', () => {
    const zeros = Array.from({ length: 60 }, (_, i) => ({ minute: String(i), received: 0, failed: 0 }));
    const { bars, max } = minuteBars(zeros, 360, 80);
    expect(max).toBe(1);
    expect(bars.every((b) => b.received.height === 0 && b.failed.height === 0)).toBe(true);
    expect(minuteBars([], 360, 80).bars).toEqual([]);
  });
});
