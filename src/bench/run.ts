/**
 * `npm run bench`: throughput and ACK latency of RxBridge against real Postgres and Redis; docs/benchmarks.md lists its targets.
 *
 * Scenarios, each on fresh state (own database, own Redis key prefix, own temporary project):
 * 1. echo    — our MllpListener with a handler that peeks MSH and builds an AA; no storage. The ceiling for
 *              framing + ACK on this machine.
 * 2. ingest  — startEngine(role 'listener'): every message committed to Postgres and enqueued, then ACKed.
 *              No worker runs, so this is intake only. Printed also as a ratio of echo at the same load.
 * 3. e2e     — startEngine(role 'all'): from the first send until the last message's charges are committed
 *              (the worker's onOutcome 'processed', after its commit), checked against the database at the end.
 * 0. map     — parse + map per catalogue mapping on one core (./mapping.ts); no services.
 * 0. billing — claim build + scrub + 837P write, and 835 read + balance + reconcile, on one core (./billing.ts);
 *              no services.
 * 0. pgbench — plain pgbench on the same Postgres, one 600-byte row inserted per transaction, 1 and 8 clients
 *              (./pgbench.ts): the yardstick ingest, end to end and latency are printed against.
 * 4. latency — role 'all' with a paced open-loop sender (4 connections, one message every 4 ms each =
 *              1,000 msg/s offered, pipelined so a slow ACK does not slow the sending): ACK p50/p99/max.
 * 5. overload — role 'all', 3 × capacity offered for 10 minutes between two phases of normal load: RSS and
 *              the time back to normal ACK latency (./overload.ts).
 * 6. console — the web console's data APIs over HTTP at 100,000 seeded messages: dashboard, message search by
 *              status, channel + dates, Rx number, patient, and a 10th keyset page; p50/p95 (./console.ts).
 *
 * The load generator (./generator.ts) runs in a separate process (child_process.fork), so sender and engine are
 * on different processes as in production; both share this machine's cores with Postgres and Redis.
 *
 * Environment: BENCH_SECONDS (measured seconds per run, default 60), BENCH_WARMUP_SECONDS (default
 * min(5, max(1, BENCH_SECONDS / 10))), BENCH_ONLY (comma list of map,billing,pgbench,echo,ingest,e2e,latency,overload,console), BENCH_CONSOLE_MESSAGES (messages seeded for the console scenario, default 100,000), BENCH_OVERLOAD_SECONDS (default 600), BENCH_OVERLOAD_RATE (msg/s offered; default 3 × the run's best end-to-end rate, or 3 × 3,500), BENCH_RESULTS
 * (JSON output path, default ./bench-results.json), BENCH_PG_ADMIN_URL, BENCH_REDIS_URL (see ./infra.ts), BENCH_CODE
 * (names the code measured when the run is not in a git checkout), BENCH_PATIENTS (patients the messages are
 * spread over, default 1000; for experiments), BENCH_CONNECTIONS (only the runs with these connection counts, e.g. `1,16`; for experiments), BENCH_ENGINE_ENV (`NAME=value,…` settings given to every engine the bench starts; for experiments), BENCH_LATENCY_ROLE (`listener`: the paced run without the pipeline worker; for experiments), CHROMIUM_PATH (the browser of the console paint measurement, default
 * /usr/bin/chromium), PGBENCH_PATH (default /usr/bin/pgbench). Only this file reads the environment: the modules get these values as parameters.
 * Everything is bounded by timeouts; the process exits 2 if the whole run overshoots its budget. On that, and on
 * SIGINT/SIGTERM, the scenario in progress still drops its database and deletes its Redis keys (the generator
 * exits by itself when its parent goes).
 */
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { silentLogger } from '../core/logger';
import { withTimeout } from '../core/with-timeout';
import { buildAck, newControlId } from '../hl7/ack';
import { peekMsh } from '../hl7/peek';
import type { EngineRole } from '../engine/config';
import { MllpListener } from '../mllp/listener';
import { benchBilling } from './billing';
import { benchConsole, DEFAULT_CONSOLE_MESSAGES } from './console';
import { DEFAULT_CHROMIUM_PATH } from './console-paint';
import { BENCH_PATIENTS } from './messages';
import { benchOneMapping, mappingWorkloads } from './mapping';
import { runOverload } from './overload';
import { benchPgbench, DEFAULT_PGBENCH_PATH, PGBENCH_CLIENTS } from './pgbench';
import { databaseCounts, openBenchEngine } from './bench-engine';
import { DEFAULT_BENCH_SERVERS, Generator, gitState, machineCpu, machineInfo, type BenchServers, type MachineInfo } from './infra';
import type { ParentMessage, PhaseResult } from './protocol';
import { formatReport, type BenchReport, type ScenarioResult, type E2eStats, type Kind } from './report';

type RunCommand = Extract<ParentMessage, { type: 'run' }>;

const SECONDS = positive(process.env.BENCH_SECONDS, 60);
const WARMUP = positive(process.env.BENCH_WARMUP_SECONDS, Math.min(5, Math.max(1, Math.round(SECONDS / 10))));
const ONLY = new Set(
  (process.env.BENCH_ONLY ?? 'map,billing,pgbench,echo,ingest,e2e,embedded,latency,overload,console')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
const RESULTS = path.resolve(process.env.BENCH_RESULTS ?? 'bench-results.json');
/** Window (messages in flight per connection) for the throughput runs. */
const WINDOW = 32;
/** How long the pipeline may take to finish the backlog after the sender stops. */
const DRAIN_TIMEOUT_S = Math.max(60, 4 * SECONDS);
/** The overload scenario: seconds at the high rate, and the rate (default 3 × this run's best end-to-end rate). */
const OVERLOAD_SECONDS = positive(process.env.BENCH_OVERLOAD_SECONDS, 600);
/** The Postgres and Redis the scenarios use, the patients the messages are spread over, the console scenario's settings. */
const SERVERS: BenchServers = {
  pgAdminUrl: process.env.BENCH_PG_ADMIN_URL ?? DEFAULT_BENCH_SERVERS.pgAdminUrl,
  redisUrl: process.env.BENCH_REDIS_URL ?? DEFAULT_BENCH_SERVERS.redisUrl,
};
const PATIENTS = Math.floor(positive(process.env.BENCH_PATIENTS, BENCH_PATIENTS));
/** For experiments: only the connection counts listed (BENCH_CONNECTIONS, e.g. `1,16`), and settings for every engine run (BENCH_ENGINE_ENV, e.g. `RXBRIDGE_MAX_ACK_DELAY_MS=0`). */
const CONNECTIONS = new Set((process.env.BENCH_CONNECTIONS ?? '').split(',').filter(Boolean).map(Number));
const ENGINE_ENV = engineEnv(process.env.BENCH_ENGINE_ENV ?? '');
const CONSOLE_MESSAGES = Math.floor(positive(process.env.BENCH_CONSOLE_MESSAGES, DEFAULT_CONSOLE_MESSAGES));
const CHROMIUM = process.env.CHROMIUM_PATH ?? DEFAULT_CHROMIUM_PATH;
const PGBENCH = process.env.PGBENCH_PATH ?? DEFAULT_PGBENCH_PATH;
const OVERLOAD_CAPACITY_DEFAULT = 3_500; // end to end, 1 connection, 2026-12-01 (docs/benchmarks.md)

/** `K=V,K=V` as an object; a part without `=` is an error. */
function engineEnv(list: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of list.split(',').filter(Boolean)) {
    const at = part.indexOf('=');
    if (at <= 0) throw new Error(`BENCH_ENGINE_ENV: "${part}" is not NAME=value`);
    out[part.slice(0, at)] = part.slice(at + 1);
  }
  return out;
}

function positive(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value !== '' && Number.isFinite(n) && n > 0 ? n : fallback;
}

interface Plan {
  kind: Kind;
  connections: number;
  /** Closed-loop window, or 'paced'. */
  window: number | 'paced';
  /** The engine's store (default Postgres); the embedded one (PGlite) is chosen with BENCH_ONLY `embedded`. */
  store?: 'postgres' | 'pglite';
}

/** The BENCH_ONLY name that selects a plan. */
const selectorOf = (p: Plan): string => (p.store === 'pglite' ? 'embedded' : p.kind);

const PLANS: Plan[] = [
  { kind: 'echo', connections: 1, window: 1 },
  { kind: 'echo', connections: 1, window: WINDOW },
  { kind: 'echo', connections: 4, window: WINDOW },
  { kind: 'echo', connections: 16, window: WINDOW },
  { kind: 'ingest', connections: 1, window: 1 },
  { kind: 'ingest', connections: 1, window: WINDOW },
  { kind: 'ingest', connections: 4, window: WINDOW },
  { kind: 'ingest', connections: 16, window: WINDOW },
  { kind: 'e2e', connections: 1, window: 1 },
  { kind: 'e2e', connections: 1, window: WINDOW },
  { kind: 'e2e', connections: 4, window: WINDOW },
  { kind: 'e2e', connections: 16, window: WINDOW },
  { kind: 'e2e', connections: 4, window: WINDOW, store: 'pglite' },
  { kind: 'latency', connections: 4, window: 'paced' },
];

/** Paced run: 4 connections × one message every 4 ms = 1,000 msg/s offered. */
const PACED_INTERVAL_MS = 4;
const PACED_MAX_IN_FLIGHT = 10_000;
/** pgbench's paced run, at the `latency` scenario's load, when that scenario is in the run (./pgbench.ts). */
const PACED_PLAN = PLANS.find((p) => p.kind === 'latency');
const PGBENCH_PACED =
  PACED_PLAN && ONLY.has('latency')
    ? { clients: PACED_PLAN.connections, ratePerSec: (PACED_PLAN.connections * 1000) / PACED_INTERVAL_MS }
    : undefined;

function command(plan: Plan, phase: string, seconds: number): RunCommand {
  return plan.window === 'paced'
    ? { type: 'run', phase, mode: 'paced', intervalMs: PACED_INTERVAL_MS, seconds, maxInFlight: PACED_MAX_IN_FLIGHT }
    : { type: 'run', phase, mode: 'closed', window: plan.window, seconds };
}

/**
 * CPU use over one measured phase: this process and the generator in percent of one core; the whole machine
 * (Postgres and Redis included) in percent of all cores.
 */
interface CpuProbe {
  stop(generatorCpuMs: number): { engine: number; generator: number; machine: number | undefined };
}

function cpuProbe(): CpuProbe {
  const t0 = performance.now();
  const own = process.cpuUsage();
  const machine = machineCpu();
  return {
    stop: (generatorCpuMs) => {
      const wall = performance.now() - t0;
      const used = process.cpuUsage(own);
      const m = machineCpu();
      const pct = (ms: number): number => Math.round((ms / wall) * 100);
      const machinePct =
        machine && m && m.total > machine.total ? Math.round(((m.busy - machine.busy) / (m.total - machine.total)) * 100) : undefined;
      return { engine: pct((used.user + used.system) / 1000), generator: pct(generatorCpuMs), machine: machinePct };
    },
  };
}

/** Runs warm-up then the measured phase on a fresh generator connected to `port`. */
async function drive(
  plan: Plan,
  port: number,
  between?: (warm: PhaseResult) => Promise<void>,
): Promise<{ warm: PhaseResult; run: PhaseResult; cpu: PhaseCpu }> {
  const gen = new Generator();
  try {
    await gen.connect(port, plan.connections, 20261125, PATIENTS);
    const warm = await gen.run(command(plan, 'warm-up', WARMUP));
    if (!warm.drained) throw new Error('warm-up: some messages were never answered');
    if (between) await between(warm);
    const probe = cpuProbe();
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const run = await gen.run(command(plan, 'measure', SECONDS));
    loop.disable();
    const cpu = { ...probe.stop(run.cpuMs), loopMaxMs: round1(loop.max / 1e6), loopP99Ms: round1(loop.percentile(99) / 1e6) };
    return { warm, run, cpu };
  } finally {
    await gen.close();
  }
}

/** CPU over the measured phase, and the engine process's event-loop delay (max and p99, in ms). */
type PhaseCpu = ReturnType<CpuProbe['stop']> & { loopMaxMs: number; loopP99Ms: number };

function baseResult(plan: Plan, run: PhaseResult, cpu: PhaseCpu): ScenarioResult {
  return {
    kind: plan.kind,
    store: plan.kind === 'echo' ? undefined : (plan.store ?? 'postgres'),
    eventLoop: { maxMs: cpu.loopMaxMs, p99Ms: cpu.loopP99Ms },
    connections: plan.connections,
    window: plan.window,
    seconds: SECONDS,
    msgPerSec: run.msgPerSec,
    ackLatency: run.latency,
    lateness: run.lateness,
    sent: run.sent,
    acked: run.acked,
    naks: run.naks,
    skipped: run.skipped,
    drained: run.drained,
    cpu: { enginePct: cpu.engine, generatorPct: cpu.generator, machinePct: cpu.machine },
    offeredPerSec: plan.window === 'paced' ? Math.round((plan.connections * 1000) / PACED_INTERVAL_MS) : undefined,
  };
}

async function runEcho(plan: Plan): Promise<ScenarioResult> {
  const listener = new MllpListener(
    { host: '127.0.0.1', port: 0, maxFrameBytes: 1 << 20, idleTimeoutMs: 300_000, maxConnections: 64, logger: silentLogger },
    {
      onFrame: async (payload) =>
        buildAck({ inbound: peekMsh(payload.toString('utf8')), code: 'AA', ackControlId: newControlId(), now: new Date() }),
      onOversize: async () => null,
    },
  );
  await listener.start();
  try {
    const { run, cpu } = await drive(plan, listener.address().port);
    return baseResult(plan, run, cpu);
  } finally {
    await listener.stop(5000);
  }
}

/** Remarks from clean-up, printed after the scenario's progress line. */
const notes: string[] = [];

/** Clean-ups of the scenario in progress (database, Redis keys), run also when the bench is interrupted. */
const pendingCleanups = new Set<() => Promise<void>>();

/** Runs the pending clean-ups (at most 10 s), then exits with `code`. */
function abort(code: number, why: string): void {
  console.error(`\nbench: ${why}; cleaning up`);
  const all = Promise.all([...pendingCleanups].map((c) => c().catch(() => undefined)));
  void withTimeout(all, 10_000, 'clean-up')
    .catch(() => undefined)
    .finally(() => process.exit(code));
}

async function runEngine(plan: Plan, role: EngineRole): Promise<ScenarioResult> {
  // Ingest has no worker, so its backlog only grows: backpressure is off there (it measures intake alone);
  // end to end runs with the engine's default backpressure, as in production.
  const bench = await openBenchEngine({
    role,
    store: plan.store ?? 'postgres',
    env: { ...(role === 'listener' ? { RXBRIDGE_MAX_ACK_DELAY_MS: '0' } : {}), ...ENGINE_ENV },
    servers: SERVERS,
    pending: pendingCleanups,
    notes,
  });
  const { engine, port, tracker } = bench;
  let result: ScenarioResult | undefined;
  let sampler: NodeJS.Timeout | undefined;
  try {
    const e2e = role === 'all';
    // Processed-count samples (wall clock, count) during the measured phase: backlog at the end of sending.
    const timeline: Array<[number, number]> = [];
    const { warm, run, cpu } = await drive(plan, port, async (w) => {
      if (!e2e) return;
      // Start the measured phase with the warm-up's messages done, so it measures only its own messages.
      if (!(await tracker.waitFor(w.acked, DRAIN_TIMEOUT_S * 1000))) throw new Error('warm-up messages were not processed in time');
      sampler = setInterval(() => timeline.push([Date.now(), tracker.processed]), 100);
    });
    result = baseResult(plan, run, cpu);
    if (e2e) {
      const target = warm.acked + run.acked;
      const sendEnd = run.startedAtEpochMs + SECONDS * 1000;
      const complete = await tracker.waitFor(target, DRAIN_TIMEOUT_S * 1000);
      clearInterval(sampler);
      const end = complete ? tracker.lastProcessedAt : Date.now();
      const done = tracker.processed - warm.acked;
      // Last sample at or before the end of sending (samples every 100 ms).
      let atSendEnd = 0;
      for (const [t, count] of timeline) if (t <= sendEnd) atSendEnd = count - warm.acked;
      const totalSeconds = (end - run.startedAtEpochMs) / 1000;
      const stats: E2eStats = {
        msgPerSec: Math.round(done / totalSeconds),
        messages: run.acked,
        processed: done,
        complete,
        totalSeconds: round1(totalSeconds),
        drainSeconds: round1(Math.max(0, end - sendEnd) / 1000),
        processedDuringSendPerSec: Math.round(atSendEnd / SECONDS),
        backlogAtSendEnd: Math.max(0, run.ackedInWindow - atSendEnd),
        outcomes: { ...tracker.kinds },
        expectedCharges: warm.chargeLines + run.chargeLines,
        ...(await databaseCounts(engine)),
      };
      result.e2e = stats;
    }
    return result;
  } finally {
    clearInterval(sampler);
    const warnings = await bench.close();
    if (result) result.engineWarnings = warnings;
  }
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

async function main(): Promise<boolean> {
  const plans = PLANS.filter((p) => ONLY.has(selectorOf(p)) && (CONNECTIONS.size === 0 || CONNECTIONS.has(p.connections)));
  const budgetS =
    300 +
    plans.length * (SECONDS + WARMUP + 120) +
    plans.filter((p) => p.kind === 'e2e' || p.kind === 'latency').length * 2 * DRAIN_TIMEOUT_S +
    (ONLY.has('overload') ? OVERLOAD_SECONDS + 900 : 0) +
    (ONLY.has('console') ? 600 : 0) +
    (ONLY.has('pgbench') ? (PGBENCH_CLIENTS.length + (PGBENCH_PACED ? 1 : 0)) * (SECONDS + 60) : 0);
  const watchdog = setTimeout(() => abort(2, `exceeded its time budget of ${budgetS} s`), budgetS * 1000);
  watchdog.unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => abort(130, `${signal} received`));

  const machine: MachineInfo = await machineInfo(SERVERS);
  const report: BenchReport = {
    date: new Date().toISOString(),
    benchSeconds: SECONDS,
    warmupSeconds: WARMUP,
    window: WINDOW,
    machine,
    git: gitState() ?? (process.env.BENCH_CODE ? { commit: process.env.BENCH_CODE, dirty: false } : undefined),
    generator: 'separate process (child_process.fork), raw node:net MLLP sockets',
    scenarios: [],
    failures: [],
  };
  console.log(
    `RxBridge bench: ${plans.length} runs of ${SECONDS} s (+${WARMUP} s warm-up each); time limit ${Math.round(budgetS / 60)} min`,
  );
  console.log(
    `machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memory}; node ${machine.node}; Postgres ${machine.postgres}; Redis ${machine.redis}`,
  );
  if (ONLY.has('map')) {
    const mappingsDir = path.resolve(__dirname, '../../mappings');
    const seconds = Math.min(10, SECONDS);
    report.mapping = [];
    for (const work of mappingWorkloads(mappingsDir)) {
      process.stdout.write(`- map ${work.mapping} (${seconds} s) ... `);
      try {
        const result = benchOneMapping(mappingsDir, work, seconds);
        report.mapping.push(result);
        console.log(`${result.msgPerSec} msg/s (${result.bytes} bytes, ${result.records} records)`);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        console.log(`FAILED: ${message}`);
        report.failures.push({ scenario: `map ${work.mapping}`, error: message });
      }
    }
  }
  if (ONLY.has('billing')) {
    const seconds = Math.min(10, SECONDS);
    process.stdout.write(`- billing (${seconds} s per measurement) ... `);
    try {
      const b = benchBilling(seconds);
      report.billing = b;
      console.log(`${b.claimsPerSec} claims/s built + scrubbed + written, ${b.remitClaimsPerSec} claims/s reconciled`);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      console.log(`FAILED: ${message}`);
      report.failures.push({ scenario: 'billing', error: message });
    }
  }
  if (ONLY.has('pgbench')) {
    process.stdout.write(`- pgbench, 1 and 8 clients${PGBENCH_PACED ? ', then paced' : ''} (${SECONDS} s each) ... `);
    try {
      const p = await benchPgbench({
        servers: SERVERS,
        seconds: SECONDS,
        pgbenchPath: PGBENCH,
        pending: pendingCleanups,
        paced: PGBENCH_PACED,
      });
      report.pgbench = p;
      console.log(
        'skipped' in p
          ? `skipped: ${p.skipped}`
          : [
              ...p.runs.map((run) => `${run.tps} tps with ${run.clients} client${run.clients === 1 ? '' : 's'}`),
              ...(p.paced ? [`paced ${p.paced.ratePerSec} tps from ${p.paced.clients} clients: p99 ${p.paced.latency.p99} ms`] : []),
            ].join(', '),
      );
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      console.log(`FAILED: ${message}`);
      report.failures.push({ scenario: 'pgbench', error: message });
    }
  }
  for (const plan of plans) {
    const label = `${plan.kind}${plan.store === 'pglite' ? ' (embedded)' : ''} ${plan.connections} conn, ${plan.window === 'paced' ? 'paced' : `window ${plan.window}`}`;
    process.stdout.write(`- ${label} ... `);
    const started = Date.now();
    let result: ScenarioResult;
    try {
      result =
        plan.kind === 'echo'
          ? await runEcho(plan)
          : await runEngine(plan, plan.kind === 'ingest' || process.env.BENCH_LATENCY_ROLE === 'listener' ? 'listener' : 'all');
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      console.log(`FAILED: ${message}`);
      for (const note of notes.splice(0)) console.log(`  note: ${note}`);
      report.failures.push({ scenario: label, error: message });
      continue;
    }
    report.scenarios.push(result);
    const e = result.e2e ? `, end to end ${result.e2e.msgPerSec} msg/s` : '';
    console.log(
      `${result.msgPerSec} msg/s acked${e}, ACK p50 ${result.ackLatency.p50} ms p99 ${result.ackLatency.p99} ms (${Math.round((Date.now() - started) / 1000)} s)`,
    );
    for (const note of notes.splice(0)) console.log(`  note: ${note}`);
  }
  if (ONLY.has('overload')) {
    const capacity = Math.max(0, ...report.scenarios.map((s) => s.e2e?.msgPerSec ?? 0)) || OVERLOAD_CAPACITY_DEFAULT;
    const offeredPerSec = positive(process.env.BENCH_OVERLOAD_RATE, 3 * capacity);
    const why = process.env.BENCH_OVERLOAD_RATE ? 'BENCH_OVERLOAD_RATE' : `3 x ${capacity} msg/s`;
    process.stdout.write(`- overload: ${offeredPerSec} msg/s offered for ${OVERLOAD_SECONDS} s (${why}) ... `);
    try {
      const o = await runOverload({
        offeredPerSec,
        seconds: OVERLOAD_SECONDS,
        servers: SERVERS,
        patients: PATIENTS,
        pending: pendingCleanups,
        notes,
      });
      report.overload = o;
      console.log(`max RSS ${o.rssMb.max} MB, recovery ${o.recovery.recoverySeconds ?? 'not within the phase'} s`);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      console.log(`FAILED: ${message}`);
      report.failures.push({ scenario: 'overload', error: message });
    }
    for (const note of notes.splice(0)) console.log(`  note: ${note}`);
  }
  if (ONLY.has('console')) {
    console.log('- console: web console APIs at 100,000 stored messages ...');
    try {
      report.console = await benchConsole({
        servers: SERVERS,
        messages: CONSOLE_MESSAGES,
        chromiumPath: CHROMIUM,
        pending: pendingCleanups,
        notes,
        log: (line) => console.log(`  ${line}`),
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      console.log(`  FAILED: ${message}`);
      report.failures.push({ scenario: 'console', error: message });
    }
    for (const note of notes.splice(0)) console.log(`  note: ${note}`);
  }
  const text = formatReport(report);
  console.log('');
  console.log(text);
  fs.writeFileSync(RESULTS, JSON.stringify(report, null, 2) + '\n');
  console.log(`\nresults written to ${RESULTS}`);
  return report.failures.length === 0;
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (err: unknown) => {
    console.error(`\nbench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
