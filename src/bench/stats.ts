/**
 * Latency samples: a growable Float64Array (no per-sample allocation) and a nearest-rank summary.
 */
import type { Summary } from './protocol';

export class Samples {
  private data = new Float64Array(1 << 16);
  private n = 0;

  add(value: number): void {
    if (this.n === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.n++] = value;
  }

  get count(): number {
    return this.n;
  }

  clear(): void {
    this.n = 0;
  }

  /** Nearest-rank p50/p99, max and mean, rounded to 0.01 ms; all zero when empty. */
  summary(): Summary {
    return summarize(this.data.subarray(0, this.n));
  }

  /** The same over the samples from index `from` (in the order added) to the last. */
  summaryFrom(from: number): Summary {
    return summarize(this.data.subarray(Math.min(from, this.n), this.n));
  }
}

export function summarize(values: Float64Array): Summary {
  const n = values.length;
  if (n === 0) return { count: 0, p50: 0, p99: 0, max: 0, mean: 0 };
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i] as number;
  const rank = (p: number): number => sorted[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))] as number;
  return { count: n, p50: round2(rank(0.5)), p99: round2(rank(0.99)), max: round2(sorted[n - 1] as number), mean: round2(sum / n) };
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
