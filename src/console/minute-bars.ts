/**
 * Geometry of the dashboard's messages-per-minute chart (minute-chart.tsx draws it): one column slot per minute,
 * the received bar and the failed bar over it, scaled to a round maximum (1, 2 or 5 × 10^n). Pure, no DOM.
 */
import type { MinuteCount } from '../admin/wire/messages';

export type { MinuteCount };

export interface MinuteBar {
  minute: string;
  x: number;
  width: number;
  received: { y: number; height: number };
  failed: { y: number; height: number };
  label: string;
}

/** The smallest of 1, 2, 5 × 10^n that is >= value (at least 1). */
export function roundUp(value: number): number {
  if (!(value > 1)) return 1;
  const p = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 5, 10]) if (m * p >= value) return m * p;
  return 10 * p;
}

export function minuteBars(points: MinuteCount[], width: number, height: number): { bars: MinuteBar[]; max: number } {
  const max = roundUp(Math.max(0, ...points.map((p) => Math.max(p.received, p.failed))));
  const slot = points.length > 0 ? width / points.length : width;
  const scale = (n: number) => (Math.max(0, n) / max) * height;
  const bars = points.map((p, i) => {
    const rh = scale(p.received);
    const fh = scale(p.failed);
    const time = new Date(p.minute);
    const hhmm = Number.isNaN(time.getTime()) ? p.minute : time.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
    return {
      minute: p.minute,
      x: i * slot + slot * 0.1,
      width: Math.max(1, slot * 0.8),
      received: { y: height - rh, height: rh },
      failed: { y: height - fh, height: fh },
      label: `${hhmm}: ${p.received} received, ${p.failed} failed`,
    };
  });
  return { bars, max };
}
