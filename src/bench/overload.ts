/**
 * The `overload` scenario of `npm run bench`: does the engine stay bounded and come back
 * when senders offer far more than it can finish?
 *
 * One engine (role all, default backpressure: src/pipeline/backpressure.ts), 8 connections, paced open-loop
 * senders that each keep at most 1,000 messages unanswered (as a sender with a large window would):
 * 1. baseline — 1,000 msg/s for 30 s: the normal ACK p99;
 * 2. overload — `offeredPerSec` (3 × the end-to-end capacity by default) for `seconds` (600 by default);
 * 3. recovery — 1,000 msg/s again for 60 s, with the ACK p99 of every second.
 * The engine's RSS (this process: the engine runs here, the generator in its own) is sampled every second.
 * Reported: what was offered, sent, skipped (held back because 1,000 were unanswered) and ACKed; processed per
 * second during the overload; RSS at start, max and end; and the recovery time: from the end of the overload
 * until the first second from which the p99 of all later ACKs is within max(25 ms, 2 × baseline p99).
 * At the end every ACKed message must be processed and the charges must match the lines sent.
 */
import type { SecondStats, Summary } from './protocol';
import { databaseCounts, openBenchEngine } from './bench-engine';
import { Generator, type BenchServers } from './infra';

export const OVERLOAD_CONNECTIONS = 8;
const NORMAL_PER_SEC = 1_000;
const BASELINE_SECONDS = 30;
const RECOVERY_SECONDS = 60;
const MAX_UNANSWERED_PER_CONNECTION = 1_000;
const DRAIN_TIMEOUT_MS = 300_000;

export interface OverloadResult {
  connections: number;
  offeredPerSec: number;
  seconds: number;
  baseline: { msgPerSec: number; latency: Summary };
  overload: { sent: number; skipped: number; acked: number; naks: number; ackedPerSec: number; processedPerSec: number; latency: Summary };
  recovery: { latency: Summary; thresholdMs: number; recoverySeconds: number | null; series: SecondStats[] };
  rssMb: { start: number; max: number; end: number; everyTenSeconds: number[] };
  complete: boolean;
  charges: number;
  expectedCharges: number;
  engineWarnings: number;
}

/**
 * Seconds after the overload's end until latency is back to normal: the first second of the recovery phase from
 * which the p99 of all later answers (`tailP99`) is within the threshold — so a single slow second later on (a
 * checkpoint, a GC pause, as in normal operation) does not count as "not recovered", but a sustained one does.
 * Null if that never happens within the phase.
 */
export function recoverySeconds(series: SecondStats[], thresholdMs: number, gapSeconds: number): number | null {
  const first = series.findIndex((s) => s.count > 0 && s.tailP99 <= thresholdMs);
  return first < 0 ? null : Math.round((gapSeconds + first) * 10) / 10;
}

const intervalFor = (perSec: number) => (OVERLOAD_CONNECTIONS * 1000) / perSec;

export async function runOverload(opts: {
  offeredPerSec: number;
  seconds: number;
  servers: BenchServers;
  patients: number;
  pending: Set<() => Promise<void>>;
  notes: string[];
}): Promise<OverloadResult> {
  const bench = await openBenchEngine({ role: 'all', env: {}, servers: opts.servers, pending: opts.pending, notes: opts.notes });
  const gen = new Generator();
  const rss: number[] = [];
  const mb = () => Math.round(process.memoryUsage.rss() / 1048576);
  const sampler = setInterval(() => rss.push(mb()), 1000);
  let result: Omit<OverloadResult, 'engineWarnings'>;
  let engineWarnings = 0;
  try {
    await gen.connect(bench.port, OVERLOAD_CONNECTIONS, 20261201, opts.patients);
    const paced = (phase: string, perSec: number, seconds: number, maxInFlight: number, series = false) =>
      gen.run({ type: 'run', phase, mode: 'paced', intervalMs: intervalFor(perSec), seconds, maxInFlight, series });

    const baseline = await paced('baseline', NORMAL_PER_SEC, BASELINE_SECONDS, MAX_UNANSWERED_PER_CONNECTION);
    await bench.tracker.waitFor(baseline.acked, DRAIN_TIMEOUT_MS);
    const rssStart = mb();
    const startIndex = rss.length;
    const processedBefore = bench.tracker.processed;
    const overload = await paced('overload', opts.offeredPerSec, opts.seconds, MAX_UNANSWERED_PER_CONNECTION);
    const overloadEnd = overload.startedAtEpochMs + opts.seconds * 1000;
    const processedDuring = bench.tracker.processed - processedBefore;
    const recovery = await paced('recovery', NORMAL_PER_SEC, RECOVERY_SECONDS, MAX_UNANSWERED_PER_CONNECTION, true);
    const acked = baseline.acked + overload.acked + recovery.acked;
    const complete = await bench.tracker.waitFor(acked, DRAIN_TIMEOUT_MS);
    const thresholdMs = Math.max(25, 2 * baseline.latency.p99);
    const series = recovery.series ?? [];
    const counts = await databaseCounts(bench.engine);
    const during = rss.slice(startIndex);
    result = {
      connections: OVERLOAD_CONNECTIONS,
      offeredPerSec: opts.offeredPerSec,
      seconds: opts.seconds,
      baseline: { msgPerSec: baseline.msgPerSec, latency: baseline.latency },
      overload: {
        sent: overload.sent,
        skipped: overload.skipped,
        acked: overload.acked,
        naks: overload.naks,
        ackedPerSec: Math.round(overload.acked / opts.seconds),
        processedPerSec: Math.round(processedDuring / opts.seconds),
        latency: overload.latency,
      },
      recovery: {
        latency: recovery.latency,
        thresholdMs,
        series,
        recoverySeconds: recoverySeconds(series, thresholdMs, (recovery.startedAtEpochMs - overloadEnd) / 1000),
      },
      rssMb: {
        start: rssStart,
        max: Math.max(rssStart, ...during),
        end: mb(),
        everyTenSeconds: during.filter((_, i) => i % 10 === 0),
      },
      complete,
      charges: counts.charges,
      expectedCharges: baseline.chargeLines + overload.chargeLines + recovery.chargeLines,
    };
  } finally {
    clearInterval(sampler);
    await gen.close();
    engineWarnings = await bench.close();
  }
  return { ...result, engineWarnings };
}
