/**
 * A horizontal bar chart as inline SVG (no chart library, no external assets; the CSP allows it): one row per
 * category, one bar per series, the value written after each bar, a legend and an axis. The geometry is
 * chart-scale.ts's. The SVG is an image with a title; the page shows the same numbers in a table beside it.
 * Without a fixed `width` the chart takes its container's width (measured, and again when the panel resizes), and
 * the axis gets as many ticks as its labels have room for.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { layoutBars, type ChartSeries } from './chart-scale';

/** Room for category labels, and how many characters of 11px text fit in it (the rest is cut with "…"). */
const LABEL_WIDTH = 170;
const LABEL_CHARS = Math.floor((LABEL_WIDTH - 12) / 7.5);

export interface BarChartProps {
  title: string;
  labels: readonly string[];
  series: ReadonlyArray<ChartSeries & { className?: string }>;
  format(value: number): string;
  width?: number;
}

/** Narrowest chart drawn; a narrower panel scrolls it. */
const MIN_WIDTH = 320;

/** The width of the element `ref` holds, kept current while it resizes; `fallback` until measured. */
function useWidth(fallback: number) {
  const ref = useRef<HTMLElement>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setWidth(Math.max(MIN_WIDTH, Math.floor(el.clientWidth)));
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return { ref, width };
}

export function BarChart({ title, labels, series, format, width: fixed }: BarChartProps) {
  const measured = useWidth(640);
  const width = fixed ?? measured.width;
  if (labels.length === 0) return null;
  const layout = layoutBars(labels, series, {
    width,
    labelWidth: LABEL_WIDTH,
    barHeight: series.length > 1 ? 12 : 16,
    gap: 10,
    valueWidth: 90,
  });
  return (
    <figure class="chart" ref={measured.ref}>
      <svg role="img" aria-label={title} width={layout.width} height={layout.height} viewBox={`0 0 ${layout.width} ${layout.height}`}>
        <title>{title}</title>
        {layout.ticks.map((t) => (
          <g key={t.value} class="tick">
            <line x1={t.x} x2={t.x} y1={0} y2={layout.plotHeight} />
            <text x={t.x} y={layout.plotHeight + 14} text-anchor="middle">
              {format(t.value)}
            </text>
          </g>
        ))}
        {layout.rows.map((row) => (
          <g key={row.label} class="row">
            <text class="label" x={layout.plotLeft - 8} y={row.y + row.height / 2 + 4} text-anchor="end">
              {truncate(row.label, LABEL_CHARS)}
            </text>
            {row.bars.map((b) => (
              <g key={b.series}>
                <rect
                  class={`bar ${series[b.series]?.className ?? `series-${b.series}`}`}
                  x={b.x}
                  y={b.y}
                  width={Math.max(b.width, 1)}
                  height={b.height - 1}
                >
                  <title>{`${row.label} — ${series[b.series]?.name ?? ''}: ${format(b.value)}`}</title>
                </rect>
                <text class="value" x={b.x + b.width + 4} y={b.y + b.height - 2}>
                  {format(b.value)}
                </text>
              </g>
            ))}
          </g>
        ))}
      </svg>
      {series.length > 1 && (
        <figcaption class="legend">
          {series.map((s, i) => (
            <span key={s.name}>
              <span class={`swatch ${s.className ?? `series-${i}`}`} aria-hidden="true" /> {s.name}
            </span>
          ))}
        </figcaption>
      )}
    </figure>
  );
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
