/**
 * Geometry of the console's horizontal bar charts (reports): a "nice" axis maximum and ticks, and the rectangle
 * of every bar, one row per category with one bar per series. Pure, no DOM: bar-chart.tsx draws the result as
 * inline SVG. Negative and non-finite values are drawn as zero-length bars (their value is still shown).
 */

export interface ChartSeries {
  name: string;
  values: readonly number[];
}

export interface ChartOptions {
  /** Whole width of the SVG, labels included. */
  width: number;
  /** Room for the category labels on the left. */
  labelWidth: number;
  /** Height of one bar. */
  barHeight: number;
  /** Space between two categories. */
  gap: number;
  /** Room under the plot for the axis labels. */
  axisHeight?: number;
  /** Room on the right for the value of the longest bar. */
  valueWidth?: number;
  /** How many intervals the axis has (about). */
  tickCount?: number;
}

export interface Bar {
  series: number;
  value: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ChartLayout {
  width: number;
  height: number;
  plotLeft: number;
  plotWidth: number;
  plotHeight: number;
  max: number;
  ticks: Array<{ value: number; x: number }>;
  rows: Array<{ label: string; y: number; height: number; bars: Bar[] }>;
}

/** The smallest of 1, 2, 2.5, 5 × 10^k that is ≥ `value` (1 for 0, negative or non-finite values). */
export function niceCeiling(value: number): number {
  if (!Number.isFinite(value) || value <= 0) return 1;
  const exponent = Math.floor(Math.log10(value));
  const base = 10 ** exponent;
  for (const step of [1, 2, 2.5, 5, 10]) {
    const candidate = step * base;
    if (candidate >= value * (1 - 1e-12)) return Number(candidate.toPrecision(12));
  }
  return 10 * base;
}

/** Evenly spaced tick values from 0 to a nice maximum ≥ `max`, about `count` intervals. */
export function niceTicks(max: number, count = 4): number[] {
  const step = niceCeiling(Math.max(max, 0) / Math.max(1, count));
  const top = Math.max(step, Math.ceil(Math.max(max, 0) / step - 1e-9) * step);
  const ticks: number[] = [];
  for (let i = 0; i * step <= top + step * 1e-9; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

/**
 * How many axis intervals a plot of `plotWidth` pixels has room for when each tick label takes about `labelWidth`
 * pixels (at least 1, at most 6), so the axis labels never run into each other.
 */
export function tickCountFor(plotWidth: number, labelWidth = 80): number {
  return Math.max(1, Math.min(6, Math.floor(plotWidth / labelWidth)));
}

const usable = (v: number): number => (Number.isFinite(v) && v > 0 ? v : 0);

export function layoutBars(labels: readonly string[], series: readonly ChartSeries[], o: ChartOptions): ChartLayout {
  const axisHeight = o.axisHeight ?? 20;
  const valueWidth = o.valueWidth ?? 70;
  const plotLeft = o.labelWidth;
  const plotWidth = Math.max(10, o.width - o.labelWidth - valueWidth);
  const largest = Math.max(0, ...series.flatMap((s) => s.values.map(usable)));
  const ticks = niceTicks(largest, o.tickCount ?? tickCountFor(plotWidth));
  const max = ticks[ticks.length - 1] ?? 1;
  const rowHeight = Math.max(1, series.length) * o.barHeight;
  const rows = labels.map((label, i) => {
    const y = o.gap / 2 + i * (rowHeight + o.gap);
    const bars = series.map((s, k): Bar => {
      const value = s.values[i] ?? 0;
      return { series: k, value, x: plotLeft, y: y + k * o.barHeight, width: (usable(value) / max) * plotWidth, height: o.barHeight };
    });
    return { label, y, height: rowHeight, bars };
  });
  const plotHeight = labels.length * (rowHeight + o.gap);
  return {
    width: o.width,
    height: plotHeight + axisHeight,
    plotLeft,
    plotWidth,
    plotHeight,
    max,
    ticks: ticks.map((value) => ({ value, x: plotLeft + (value / max) * plotWidth })),
    rows,
  };
}
