/**
 * The bench's result shapes (also the JSON written to bench-results.json) and the plain-text report: one table
 * per scenario family, ingest as a ratio of echo at the same connections and window, ingest, end to end and latency
 * as a ratio of pgbench's rate (1 client for one message at a time, 8 clients for many in flight), and the product's
 * performance targets (ingest, parse + map, billing, overload, console) marked met or missed. Pure.
 */
import type { MachineInfo } from './infra';
import type { BillingBenchResult } from './billing';
import type { ConsoleBenchResult } from './console';
import type { MappingBenchResult } from './mapping';
import type { OverloadResult } from './overload';
import type { PgbenchResult } from './pgbench';
import type { PgbenchRun } from './pgbench-output';
import type { Summary } from './protocol';

export type Kind = 'echo' | 'ingest' | 'e2e' | 'latency';

export interface E2eStats {
  /** Measured-phase messages / seconds from their first send until the last one's charges were committed. */
  msgPerSec: number;
  /** Messages AA-answered in the measured phase, and how many of them reached `processed`. */
  messages: number;
  processed: number;
  /** False when the drain timeout ran out first (msgPerSec is then a lower bound). */
  complete: boolean;
  totalSeconds: number;
  /** Time from the end of sending until the last charge commit. */
  drainSeconds: number;
  /** Processing rate while the sender was still sending, and the backlog left when it stopped. */
  processedDuringSendPerSec: number;
  backlogAtSendEnd: number;
  /** Pipeline outcomes over the whole run (warm-up included): processed, wait, retry, ... */
  outcomes: Record<string, number>;
  /** Messages per status and charge rows in the database at the end (warm-up included). */
  statuses: Record<string, number>;
  charges: number;
  expectedCharges: number;
}

export interface ScenarioResult {
  kind: Kind;
  /** The engine's store (engine scenarios only). */
  store?: 'postgres' | 'pglite';
  /** The engine process's event-loop delay over the measured phase (a stall shows as max), in ms. */
  eventLoop?: { maxMs: number; p99Ms: number };
  connections: number;
  window: number | 'paced';
  seconds: number;
  /** AA answers per second during the measured phase. */
  msgPerSec: number;
  ackLatency: Summary;
  lateness?: Summary;
  offeredPerSec?: number;
  sent: number;
  acked: number;
  naks: number;
  skipped: number;
  drained: boolean;
  cpu: { enginePct: number; generatorPct: number; machinePct: number | undefined };
  e2e?: E2eStats;
  /** Warning and error lines in the engine's log during the scenario (engine scenarios only). */
  engineWarnings?: number;
}

export interface BenchReport {
  date: string;
  benchSeconds: number;
  warmupSeconds: number;
  window: number;
  machine: MachineInfo;
  /** Commit of the code measured; dirty = src/ had uncommitted changes (they are in the build). */
  git?: { commit: string; dirty: boolean };
  generator: string;
  scenarios: ScenarioResult[];
  /** Parse + map per catalogue mapping on one core (the `map` scenario; no services). */
  mapping?: MappingBenchResult[];
  /** Claims built + scrubbed + written, and 835 reconciliation, on one core (the `billing` scenario; no services). */
  billing?: BillingBenchResult;
  /** Ten minutes at 3 × capacity, then normal load (the `overload` scenario). */
  overload?: OverloadResult;
  /** The web console's data APIs at 100,000 stored messages (the `console` scenario). */
  console?: ConsoleBenchResult;
  /** Single-row insert transactions of plain pgbench on the same Postgres (the `pgbench` scenario): the yardstick. */
  pgbench?: PgbenchResult;
  /** Scenarios that could not be completed (the run goes on with the next one). */
  failures: Array<{ scenario: string; error: string }>;
  targets?: TargetCheck[];
}

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | undefined;
}

export const TARGETS = {
  dftParseMapPerSec: 20_000,
  claimsPerSec: 10_000,
  remitClaimsPerSec: 5000,
  ingestPerSec: 3000,
  /** End to end on Postgres with 16 connections × 32 in flight, and with 1 × 32. */
  e2ePerSec: 4000,
  e2eOneConnectionPerSec: 2500,
  /** End to end 16 × 32 against pgbench with 8 clients. */
  e2eVsPgbenchC8: 0.5,
  /** One message at a time with the whole engine running: stored and ACKed, and against pgbench with 1 client. */
  oneAtATimePerSec: 1000,
  oneAtATimeVsPgbenchC1: 0.3,
  ackP99Ms: 10,
  offeredPerSec: 1000,
  /** Whole-machine CPU at the offered rate. */
  machineCpuPct: 50,
  /** Embedded store (PGlite), 4 connections × 32: end to end, and the longest event-loop stall. */
  embeddedE2ePerSec: 2000,
  embeddedLoopStallMs: 50,
  sustainedSeconds: 60,
  overloadRssMb: 512,
  overloadRecoverySeconds: 30,
  overloadSeconds: 600,
};

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const n = (v: number): string => v.toLocaleString('en-US');
const ms = (v: number): string => v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2);
const pct = (v: number | undefined): string => (v === undefined ? '-' : `${v}%`);
const win = (w: number | 'paced'): string => String(w);

function echoFor(all: ScenarioResult[], s: ScenarioResult): ScenarioResult | undefined {
  return all.find((e) => e.kind === 'echo' && e.connections === s.connections && e.window === s.window);
}

/**
 * The pgbench run a scenario is compared with: 1 client for a sender with one message at a time (window 1: each
 * ACK waits for at least one commit, as each pgbench transaction does), 8 clients for anything with more in flight.
 * Undefined when pgbench did not run (or was skipped).
 */
export function pgbenchReference(r: BenchReport, s: ScenarioResult): PgbenchRun | undefined {
  if (!r.pgbench || 'skipped' in r.pgbench) return undefined;
  const clients = s.window === 1 ? 1 : 8;
  return r.pgbench.runs.find((run) => run.clients === clients);
}

/** `msgPerSec` as a ratio of the scenario's pgbench rate: "0.11x c1" (1 client) or "0.25x c8"; "-" without one. */
export function vsPgbench(r: BenchReport, s: ScenarioResult, msgPerSec: number): string {
  const ref = pgbenchReference(r, s);
  return ref && ref.tps > 0 ? `${(msgPerSec / ref.tps).toFixed(2)}x c${ref.clients}` : '-';
}

/** Computes the target checks (also stored in the JSON). */
export function checkTargets(r: BenchReport): TargetCheck[] {
  const ingest = r.scenarios.filter((s) => s.kind === 'ingest');
  const short = r.benchSeconds < TARGETS.sustainedSeconds ? ` (run of ${r.benchSeconds} s, not ${TARGETS.sustainedSeconds} s)` : '';
  const checks: TargetCheck[] = [];
  const dft = r.mapping?.find((m) => m.mapping === 'dft-p03');
  if (dft) {
    checks.push({
      target: `parse + map >= ${n(TARGETS.dftParseMapPerSec)} DFT^P03/s per core (2 KB, 3 FT1)`,
      measured: `${n(dft.msgPerSec)} msg/s (${n(dft.bytes)} bytes, ${dft.records} records)`,
      met: dft.msgPerSec >= TARGETS.dftParseMapPerSec,
    });
  }
  const b = r.billing;
  if (b) {
    const held = b.findings.error > 0 ? `, ${n(b.findings.error)} scrub errors` : '';
    checks.push({
      target: `scrub + claim build + 837P write >= ${n(TARGETS.claimsPerSec)} claims/s`,
      measured: `${n(b.claimsPerSec)} claims/s (${n(b.claims)} claims, ${n(b.lines)} lines, ${n(b.batchSize)} per file${held})`,
      met: b.claimsPerSec >= TARGETS.claimsPerSec,
    });
    checks.push({
      target: `835 reconciliation >= ${n(TARGETS.remitClaimsPerSec)} claims/s`,
      measured: `${n(b.remitClaimsPerSec)} claims/s (${n(b.matched)} of ${n(b.claims)} claims matched, ${n(b.remitBytes)} bytes)`,
      met: b.remitClaimsPerSec >= TARGETS.remitClaimsPerSec && b.matched === b.claims,
    });
  }
  if (ingest.length > 0) {
    const best = ingest.reduce((a, b) => (b.msgPerSec > a.msgPerSec ? b : a));
    checks.push({
      target: `ingest >= ${n(TARGETS.ingestPerSec)} msg/s (stored + ACKed)`,
      measured: `best ${n(best.msgPerSec)} msg/s (${best.connections} conn, window ${best.window})${short}`,
      met: best.msgPerSec >= TARGETS.ingestPerSec,
    });
  }
  checks.push(...hotPathChecks(r, short));
  const o = r.overload;
  if (o) {
    const shortRun = o.seconds < TARGETS.overloadSeconds ? ` (run of ${o.seconds} s, not ${TARGETS.overloadSeconds} s)` : '';
    checks.push({
      target: `overload: RSS < ${TARGETS.overloadRssMb} MB at ${n(o.offeredPerSec)} msg/s offered`,
      measured: `max RSS ${n(o.rssMb.max)} MB over ${o.seconds} s (start ${n(o.rssMb.start)}, end ${n(o.rssMb.end)})${shortRun}`,
      met: o.rssMb.max < TARGETS.overloadRssMb && o.complete && o.charges === o.expectedCharges && shortRun === '',
    });
    checks.push({
      target: `overload: normal ACK latency within ${TARGETS.overloadRecoverySeconds} s after it stops`,
      measured:
        o.recovery.recoverySeconds === null
          ? `not back within the ${o.recovery.series.length} s measured (p99 > ${ms(o.recovery.thresholdMs)} ms)`
          : `${o.recovery.recoverySeconds} s (p99 of every later ACK <= ${ms(o.recovery.thresholdMs)} ms)`,
      met: o.recovery.recoverySeconds !== null && o.recovery.recoverySeconds <= TARGETS.overloadRecoverySeconds && shortRun === '',
    });
  }
  const c = r.console;
  if (c) {
    const dashboard = c.endpoints.filter((e) => e.name === 'dashboard');
    const searches = c.endpoints.filter((e) => e.name !== 'dashboard');
    const worst = (list: typeof c.endpoints) => list.reduce((a, b) => (b.p95 > a.p95 ? b : a));
    if (dashboard.length > 0) {
      const d = worst(dashboard);
      checks.push({
        target: `console: dashboard data < ${n(d.targetMs)} ms at ${n(c.messages)} messages`,
        measured: `p95 ${ms(d.p95)} ms (p50 ${ms(d.p50)}, max ${ms(d.max)}) over ${d.calls} calls`,
        met: d.p95 < d.targetMs,
      });
    }
    const paint = c.paint;
    if (paint) {
      checks.push({
        target: `console: dashboard first paint < 1,000 ms at ${n(c.messages)} messages, in a browser`,
        measured:
          'skipped' in paint
            ? `skipped: ${paint.skipped}`
            : `channel table rendered at p50 ${n(paint.channelTable.p50)} ms, max ${n(paint.channelTable.max)} ms ` +
              `(first contentful paint p50 ${n(paint.firstContentfulPaint.p50)} ms; ${paint.loads} loads)`,
        met: 'skipped' in paint ? undefined : paint.channelTable.max < 1000,
      });
    }
    if (searches.length > 0) {
      const w = worst(searches);
      checks.push({
        target: `console: message search < ${n(w.targetMs)} ms at ${n(c.messages)} messages`,
        measured: `slowest p95 ${ms(w.p95)} ms (${w.name}); ${searches.length} searches of ${w.calls} calls each`,
        met: searches.every((e) => e.p95 < e.targetMs),
      });
    }
  }
  return checks;
}

/** "; pgbench paced alike: p99 …" when the run has pgbench's paced run (the floor under the paced ACK latency). */
function pacedPgbenchNote(r: BenchReport): string {
  const paced = r.pgbench && !('skipped' in r.pgbench) ? r.pgbench.paced : undefined;
  return paced
    ? `; pgbench paced alike (${n(paced.ratePerSec)} tps, ${paced.clients} clients): p99 ${ms(paced.latency.p99)} ms, max ${ms(paced.latency.max)}`
    : '';
}

/** The end-to-end, one-at-a-time, latency and embedded-store targets. */
function hotPathChecks(r: BenchReport, short: string): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const find = (connections: number, window: number | 'paced', store: 'postgres' | 'pglite' = 'postgres') =>
    r.scenarios.find(
      (s) => s.kind === 'e2e' && s.e2e && s.connections === connections && s.window === window && (s.store ?? 'postgres') === store,
    );
  const e2eRate = (s: ScenarioResult) => (s.e2e?.complete ? s.e2e.msgPerSec : 0);
  const pg = (s: ScenarioResult) => pgbenchReference(r, s);
  for (const [connections, target] of [
    [16, TARGETS.e2ePerSec],
    [1, TARGETS.e2eOneConnectionPerSec],
  ] as const) {
    const s = find(connections, 32);
    if (!s) continue;
    checks.push({
      target: `end to end >= ${n(target)} msg/s, ${connections} conn x 32 in flight, every charge written`,
      measured: `${n(s.e2e?.msgPerSec ?? 0)} msg/s, charges ${n(s.e2e?.charges ?? 0)}/${n(s.e2e?.expectedCharges ?? 0)}${s.e2e?.complete ? '' : ' (drain timed out)'}${short}`,
      met: e2eRate(s) >= target && s.e2e?.charges === s.e2e?.expectedCharges,
    });
  }
  const wide = find(16, 32);
  const c8 = wide && pg(wide);
  if (wide && c8) {
    const ratio = e2eRate(wide) / c8.tps;
    checks.push({
      target: `end to end 16 x 32 >= ${TARGETS.e2eVsPgbenchC8} of pgbench with 8 clients`,
      measured: `${ratio.toFixed(2)} (${n(wide.e2e?.msgPerSec ?? 0)} msg/s against ${n(Math.round(c8.tps))} tps)`,
      met: ratio >= TARGETS.e2eVsPgbenchC8,
    });
  }
  const one = find(1, 1);
  if (one) {
    const c1 = pg(one);
    const ratio = c1 ? one.msgPerSec / c1.tps : undefined;
    checks.push({
      target: `one at a time (1 conn, window 1, whole engine) >= ${n(TARGETS.oneAtATimePerSec)} msg/s stored and ACKed, >= ${TARGETS.oneAtATimeVsPgbenchC1} of pgbench with 1 client`,
      measured: `${n(one.msgPerSec)} msg/s, ACK p99 ${ms(one.ackLatency.p99)} ms; ${ratio === undefined ? 'no pgbench in this run' : `${ratio.toFixed(2)} of ${n(Math.round(c1!.tps))} tps`}${short}`,
      met: ratio === undefined ? undefined : one.msgPerSec >= TARGETS.oneAtATimePerSec && ratio >= TARGETS.oneAtATimeVsPgbenchC1,
    });
  }
  const lat = r.scenarios.find((s) => s.kind === 'latency');
  if (lat) {
    const offeredMet = lat.msgPerSec >= TARGETS.offeredPerSec * 0.98;
    const keptUp = (lat.e2e?.processedDuringSendPerSec ?? 0) >= lat.msgPerSec * 0.95 && (lat.e2e?.complete ?? false);
    const cpuMet = lat.cpu.machinePct !== undefined && lat.cpu.machinePct <= TARGETS.machineCpuPct;
    checks.push({
      target: `at ${n(TARGETS.offeredPerSec)} msg/s offered: ACK p99 <= ${TARGETS.ackP99Ms} ms, the pipeline keeps up, machine CPU <= ${TARGETS.machineCpuPct} %`,
      measured:
        `p99 ${ms(lat.ackLatency.p99)} ms (p50 ${ms(lat.ackLatency.p50)}) at ${n(lat.msgPerSec)} msg/s acked; ` +
        `processed ${n(lat.e2e?.processedDuringSendPerSec ?? 0)}/s while sending; machine CPU ${pct(lat.cpu.machinePct)}` +
        `${pacedPgbenchNote(r)}${short}`,
      met: lat.ackLatency.p99 <= TARGETS.ackP99Ms && offeredMet && keptUp && cpuMet,
    });
  }
  const embedded = find(4, 32, 'pglite');
  if (embedded) {
    const stall = embedded.eventLoop?.maxMs ?? Infinity;
    checks.push({
      target: `embedded store: end to end >= ${n(TARGETS.embeddedE2ePerSec)} msg/s with 4 conn, no event-loop stall over ${TARGETS.embeddedLoopStallMs} ms`,
      measured: `${n(embedded.e2e?.msgPerSec ?? 0)} msg/s, longest event-loop delay ${ms(stall)} ms${short}`,
      met: e2eRate(embedded) >= TARGETS.embeddedE2ePerSec && stall <= TARGETS.embeddedLoopStallMs,
    });
  }
  return checks;
}

/** `msgPerSec` over the echo of the same connections and window in this run ("0.31x"); "-" without one. */
function vsEcho(all: ScenarioResult[], s: ScenarioResult, msgPerSec: number): string {
  const echo = echoFor(all, s);
  return echo && echo.msgPerSec > 0 ? `${(msgPerSec / echo.msgPerSec).toFixed(2)}x` : '-';
}

export function formatReport(r: BenchReport): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(`RxBridge bench  ${r.date}${r.git ? `  (commit ${r.git.commit}${r.git.dirty ? ' + uncommitted changes in src/' : ''})` : ''}`);
  out.push(
    `machine: ${m.cpus} CPUs, ${m.cpuModel}, ${m.memory} RAM, ${m.platform}; node ${m.node}; Postgres ${m.postgres}; Redis ${m.redis}`,
  );
  out.push(`each run: ${r.warmupSeconds} s warm-up, then ${r.benchSeconds} s measured; load generator: ${r.generator}`);
  out.push('msg/s = AA answers per second while sending; ACK latency = send -> ACK per message, in ms, seen by the generator.');
  out.push('CPU: engine process and generator in % of one core, machine (incl. Postgres and Redis) in % of all cores.');

  if (r.mapping && r.mapping.length > 0) {
    out.push('', 'Parse + map on one core (no services; parseHl7 + evaluateMapping per message)');
    out.push(
      table(
        ['mapping', 'message type', 'bytes', 'records', 'msg/s', 'seconds'],
        r.mapping.map((m) => [m.mapping, m.messageType, n(m.bytes), String(m.records), n(m.msgPerSec), String(m.seconds)]),
      ),
    );
  }

  if (r.billing) {
    const b = r.billing;
    out.push('', 'Billing on one core (no services; synthetic claims of 1-4 lines, every scrub rule, in-memory code sets)');
    out.push(
      table(
        ['step', 'claims', 'lines', 'bytes', 'claims/s', 'seconds', 'findings e/w/i'],
        [
          [
            'build + scrub + 837P write',
            n(b.claims),
            n(b.lines),
            n(b.x12Bytes),
            n(b.claimsPerSec),
            String(b.seconds),
            `${b.findings.error}/${b.findings.warning}/${b.findings.info}`,
          ],
          ['835 read + balance + reconcile', n(b.matched), n(b.lines), n(b.remitBytes), n(b.remitClaimsPerSec), String(b.seconds), '-'],
        ],
      ),
    );
  }

  const pb = r.pgbench;
  if (pb) {
    out.push(
      '',
      `pgbench on the same Postgres (the yardstick; "vs pgbench" below is msg/s over its rate: c1 = 1 client for window 1, c8 = 8 clients otherwise)`,
    );
    if ('skipped' in pb) out.push(`skipped: ${pb.skipped}`);
    else {
      out.push(`${pb.command}; one ${n(pb.rowBytes)}-byte row inserted per transaction, throw-away database`);
      out.push(
        table(
          ['clients', 'tps', 'latency avg ms', 'transactions', 'failed'],
          pb.runs.map((run) => [
            String(run.clients),
            n(run.tps),
            run.latencyMs === undefined ? '-' : ms(run.latencyMs),
            n(run.transactions),
            n(run.failed),
          ]),
        ),
      );
      if (pb.paced) {
        const l = pb.paced.latency;
        out.push(
          `paced: ${n(pb.paced.ratePerSec)} tps offered from ${pb.paced.clients} clients (-R), ${n(l.count)} transactions: latency p50 ${ms(l.p50)} ms, p99 ${ms(l.p99)} ms, max ${ms(l.max)} ms`,
        );
      }
    }
  }

  const throughput = r.scenarios.filter((s) => s.kind === 'echo' || s.kind === 'ingest');
  if (throughput.length > 0) {
    out.push('', 'Bare MLLP echo (no storage) and ingest (committed to Postgres + enqueued, then ACKed; no worker)');
    out.push(
      table(
        [
          'scenario',
          'conns',
          'window',
          'msg/s',
          'ACK p50',
          'ACK p99',
          'ACK max',
          'vs echo',
          'vs pgbench',
          'engine CPU',
          'gen CPU',
          'machine CPU',
        ],
        throughput.map((s) => {
          const echo = s.kind === 'ingest' ? echoFor(r.scenarios, s) : undefined;
          return [
            s.kind,
            String(s.connections),
            win(s.window),
            n(s.msgPerSec),
            ms(s.ackLatency.p50),
            ms(s.ackLatency.p99),
            ms(s.ackLatency.max),
            echo && echo.msgPerSec > 0 ? `${(s.msgPerSec / echo.msgPerSec).toFixed(2)}x` : '-',
            s.kind === 'ingest' ? vsPgbench(r, s, s.msgPerSec) : '-',
            pct(s.cpu.enginePct),
            pct(s.cpu.generatorPct),
            pct(s.cpu.machinePct),
          ];
        }),
      ),
    );
  }

  const e2e = r.scenarios.filter((s) => s.kind === 'e2e' && s.e2e);
  if (e2e.length > 0) {
    out.push('', 'End to end (role all: first send -> last charge committed)');
    out.push(
      table(
        [
          'store',
          'conns',
          'window',
          'e2e msg/s',
          'vs echo',
          'vs pgbench',
          'ACKed msg/s',
          'processed/s while sending',
          'backlog at stop',
          'drain s',
          'total s',
          'ACK p99',
          'waits',
          'charges db/expected',
          'engine CPU',
          'machine CPU',
          'loop max ms',
        ],
        e2e.map((s) => {
          const x = s.e2e as E2eStats;
          return [
            s.store ?? 'postgres',
            String(s.connections),
            win(s.window),
            n(x.msgPerSec) + (x.complete ? '' : ' (incomplete)'),
            vsEcho(r.scenarios, s, x.msgPerSec),
            s.store === 'pglite' ? '-' : vsPgbench(r, s, x.msgPerSec),
            n(s.msgPerSec),
            n(x.processedDuringSendPerSec),
            n(x.backlogAtSendEnd),
            String(x.drainSeconds),
            String(x.totalSeconds),
            ms(s.ackLatency.p99),
            n(x.outcomes.wait ?? 0),
            `${n(x.charges)}/${n(x.expectedCharges)}`,
            pct(s.cpu.enginePct),
            pct(s.cpu.machinePct),
            s.eventLoop ? ms(s.eventLoop.maxMs) : '-',
          ];
        }),
      ),
    );
  }

  const lat = r.scenarios.filter((s) => s.kind === 'latency');
  const echoOneByOne = r.scenarios.find((e) => e.kind === 'echo' && e.connections === 1 && e.window === 1);
  if (lat.length > 0) {
    out.push('', 'ACK latency under paced load (role all; open loop, 4 connections x one message every 4 ms)');
    out.push(
      table(
        [
          'offered msg/s',
          'ACKed msg/s',
          'vs pgbench',
          'ACK p50',
          'ACK p99',
          'p99 vs echo 1x1',
          'ACK max',
          'send lateness p99',
          'skipped',
          'processed/s while sending',
          'drain s',
          'engine CPU',
          'machine CPU',
        ],
        lat.map((s) => [
          n(s.offeredPerSec ?? 0),
          n(s.msgPerSec),
          vsPgbench(r, s, s.msgPerSec),
          ms(s.ackLatency.p50),
          ms(s.ackLatency.p99),
          echoOneByOne && echoOneByOne.ackLatency.p99 > 0 ? `${(s.ackLatency.p99 / echoOneByOne.ackLatency.p99).toFixed(1)}x` : '-',
          ms(s.ackLatency.max),
          s.lateness ? ms(s.lateness.p99) : '-',
          n(s.skipped),
          n(s.e2e?.processedDuringSendPerSec ?? 0),
          String(s.e2e?.drainSeconds ?? '-'),
          pct(s.cpu.enginePct),
          pct(s.cpu.machinePct),
        ]),
      ),
    );
  }

  const o = r.overload;
  if (o) {
    out.push(
      '',
      `Overload (role all, ${o.connections} connections, paced, at most 1,000 unanswered per connection; ` +
        `1,000 msg/s for 30 s, then ${n(o.offeredPerSec)} msg/s for ${o.seconds} s, then 1,000 msg/s for 60 s)`,
    );
    out.push(
      table(
        ['phase', 'offered msg/s', 'sent', 'skipped', 'ACKed msg/s', 'processed msg/s', 'ACK p50', 'ACK p99', 'ACK max'],
        [
          [
            'baseline',
            '1,000',
            '-',
            '-',
            n(o.baseline.msgPerSec),
            '-',
            ms(o.baseline.latency.p50),
            ms(o.baseline.latency.p99),
            ms(o.baseline.latency.max),
          ],
          [
            'overload',
            n(o.offeredPerSec),
            n(o.overload.sent),
            n(o.overload.skipped),
            n(o.overload.ackedPerSec),
            n(o.overload.processedPerSec),
            ms(o.overload.latency.p50),
            ms(o.overload.latency.p99),
            ms(o.overload.latency.max),
          ],
          ['recovery', '1,000', '-', '-', '-', '-', ms(o.recovery.latency.p50), ms(o.recovery.latency.p99), ms(o.recovery.latency.max)],
        ],
      ),
    );
    out.push(
      `RSS (MB): start ${n(o.rssMb.start)}, max ${n(o.rssMb.max)}, end ${n(o.rssMb.end)}; every 10 s: ${o.rssMb.everyTenSeconds.join(' ')}`,
    );
    out.push(
      `recovery: ${o.recovery.recoverySeconds === null ? 'not within the phase' : `${o.recovery.recoverySeconds} s`} ` +
        `(p99 of the ACKs from then on <= ${ms(o.recovery.thresholdMs)} ms); recovery p99 per second: ${o.recovery.series.map((x) => ms(x.p99)).join(' ')}`,
    );
    out.push(`all processed: ${o.complete}; charges ${n(o.charges)}/${n(o.expectedCharges)}; engine log warnings ${o.engineWarnings}`);
  }

  const c = r.console;
  if (c) {
    out.push(
      '',
      `Web console APIs over HTTP at ${n(c.messages)} stored messages (seeded in ${c.seedSeconds} s; ` +
        'admin token; 3 warm-up calls, then calls one after another; ms)',
    );
    out.push(
      table(
        ['call', 'rows', 'p50', 'p95', 'max', 'target'],
        c.endpoints.map((e) => [e.name, String(e.rows), ms(e.p50), ms(e.p95), ms(e.max), `< ${n(e.targetMs)}`]),
      ),
    );
  }

  const problems = r.scenarios.filter(
    (s) =>
      s.naks > 0 || !s.drained || (s.engineWarnings ?? 0) > 0 || (s.e2e && (!s.e2e.complete || s.e2e.charges !== s.e2e.expectedCharges)),
  );
  if (problems.length > 0) out.push('');
  for (const s of problems) {
    out.push(
      `warning: ${s.kind} ${s.connections} conn: ${s.naks} non-AA answers, all answered=${s.drained}` +
        (s.e2e ? `, all processed=${s.e2e.complete}, charges ${s.e2e.charges}/${s.e2e.expectedCharges}` : '') +
        `, engine log warnings ${s.engineWarnings ?? 0}`,
    );
  }

  for (const f of r.failures) out.push(`FAILED: ${f.scenario}: ${f.error}`);

  const checks = checkTargets(r);
  r.targets = checks;
  if (checks.length > 0) {
    out.push('', 'Targets');
    out.push(
      table(
        ['target', 'measured', 'result'],
        checks.map((c) => [c.target, c.measured, c.met === undefined ? '-' : c.met ? 'MET' : 'MISSED']),
      ),
    );
  }
  return out.join('\n');
}
