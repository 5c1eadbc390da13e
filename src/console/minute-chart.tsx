/**
 * Messages per minute over the last hour, as inline SVG (no chart library): one column per minute, received in
 * blue with the failed part in red over it, a y-axis with a round maximum, and a text summary for screen readers.
 * The geometry comes from minute-bars.ts (pure); this draws it.
 */
import { minuteBars } from './minute-bars';
import type { MinuteCount } from './ops-api';

const W = 360;
const H = 80;
const AXIS = 28;

export function MinuteChart({ points, title }: { points: MinuteCount[]; title: string }) {
  const { bars, max } = minuteBars(points, W, H);
  const received = points.reduce((n, p) => n + p.received, 0);
  const failed = points.reduce((n, p) => n + p.failed, 0);
  const summary = `${title}: ${received} received and ${failed} failed in the last hour`;
  return (
    <figure class="minute-chart">
      <svg viewBox={`0 0 ${W + AXIS} ${H + 16}`} width={W + AXIS} height={H + 16} role="img" aria-label={summary}>
        <line x1={AXIS} y1={0} x2={AXIS} y2={H} class="axis" />
        <line x1={AXIS} y1={H} x2={AXIS + W} y2={H} class="axis" />
        <text x={AXIS - 4} y={9} class="tick" text-anchor="end">
          {max}
        </text>
        <text x={AXIS - 4} y={H} class="tick" text-anchor="end">
          0
        </text>
        <text x={AXIS} y={H + 13} class="tick">
          −60 min
        </text>
        <text x={AXIS + W} y={H + 13} class="tick" text-anchor="end">
          now
        </text>
        <g transform={`translate(${AXIS},0)`}>
          {bars.map((b) => (
            <g key={b.minute}>
              <title>{b.label}</title>
              {b.received.height > 0 && <rect class="received" x={b.x} y={b.received.y} width={b.width} height={b.received.height} />}
              {b.failed.height > 0 && <rect class="failed" x={b.x} y={b.failed.y} width={b.width} height={b.failed.height} />}
            </g>
          ))}
        </g>
      </svg>
      <figcaption>
        <span class="key received" /> received {received} <span class="key failed" /> failed {failed}{' '}
        <span class="muted">(per minute, last hour)</span>
      </figcaption>
    </figure>
  );
}
