/**
 * The bench's load generator: runs as a child process (child_process.fork from src/bench/run.ts), so the
 * sender and the engine use separate processes (and cores) as they would in production. Commands and results
 * travel over the IPC channel (see ./protocol.ts).
 *
 * Each connection is a raw node:net socket speaking MLLP with the project's frame() and MllpDecoder. ACKs come
 * back in send order per connection, so a FIFO of send times per connection gives each message's send → ACK
 * time. An answer counts as AA only when MSA-1 is AA and MSA-2 is the MSH-10 sent.
 *
 * A phase ends at its deadline for sending; then it waits (at most DRAIN_TIMEOUT_MS) for every message it
 * sent to be answered before reporting, so the next phase starts clean.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { MllpDecoder, frame } from '../mllp/decoder';
import { BENCH_PATIENTS, dftP03, prng } from './messages';
import type { ChildMessage, ClosedLoopRun, ConnectCommand, PacedRun, ParentMessage, PhaseResult, SecondStats } from './protocol';
import { Samples } from './stats';

const DRAIN_TIMEOUT_MS = 30_000;
const CONNECT_TIMEOUT_MS = 10_000;

interface InFlight {
  sentAt: number;
  controlId: string;
  lines: number;
}

interface Conn {
  index: number;
  socket: net.Socket;
  decoder: MllpDecoder;
  /** Unanswered messages, oldest first (head index avoids shifting). */
  fifo: InFlight[];
  head: number;
  seq: number;
  random: () => number;
}

interface PhaseState {
  deadline: number;
  sending: boolean;
  sent: number;
  acked: number;
  naks: number;
  ackedInWindow: number;
  chargeLines: number;
  latency: Samples;
  /**
   * With a series: answers of the current second (reused), that second's index, the finished seconds, and where
   * each second's answers start in `latency` (answers are added in arrival order).
   */
  series?: { start: number; second: number; current: Samples; done: SecondStats[]; firstIndex: number[] };
  /** Called after each answer (closed loop refills, drain checks). */
  onAnswer: (conn: Conn) => void;
}

let runTag = '';
/** Patients the messages are spread over (the connect command's; run.ts reads BENCH_PATIENTS). */
let patients = BENCH_PATIENTS;
let conns: Conn[] = [];
let phase: PhaseState | undefined;
/** Set once the parent asked us to close: socket closes are expected from then on. */
let closing = false;

function send(msg: ChildMessage): void {
  process.send?.(msg);
}

/** Reports the failure to the parent and exits shortly after (time for the IPC message to go out). */
function fail(message: string): void {
  if (closing) return;
  closing = true;
  send({ type: 'error', message });
  setTimeout(() => process.exit(1), 200);
}

function inFlight(c: Conn): number {
  return c.fifo.length - c.head;
}

function writeMessage(c: Conn): void {
  const controlId = `${runTag}${c.index.toString(36)}-${(c.seq++).toString(36)}`;
  const patient = `BP${Math.floor(c.random() * patients)}`;
  const lines = c.random() < 0.5 ? 1 : 2;
  c.fifo.push({ sentAt: performance.now(), controlId, lines });
  c.socket.write(frame(dftP03(controlId, patient, lines)));
  if (phase) phase.sent++;
}

function onAnswer(c: Conn, payload: Buffer): void {
  const now = performance.now();
  const entry = c.fifo[c.head];
  if (!entry) return; // an answer nobody waits for (e.g. a NAK for junk): ignored
  c.fifo[c.head++] = undefined as unknown as InFlight;
  if (c.head > 4096 && c.head * 2 > c.fifo.length) {
    c.fifo = c.fifo.slice(c.head);
    c.head = 0;
  }
  const p = phase;
  if (!p) return;
  const text = payload.toString('latin1');
  const msa = text.indexOf('\rMSA|');
  const ok =
    msa >= 0 &&
    text.startsWith(`AA|${entry.controlId}`, msa + 5) &&
    (text.charCodeAt(msa + 8 + entry.controlId.length) === 0x7c ||
      text.charCodeAt(msa + 8 + entry.controlId.length) === 0x0d ||
      msa + 8 + entry.controlId.length === text.length);
  if (ok) {
    p.acked++;
    p.chargeLines += entry.lines;
    if (now <= p.deadline) p.ackedInWindow++;
  } else {
    p.naks++;
  }
  if (p.series) {
    // Seconds that ended before this answer are closed first, so each second's answers are one run in `latency`.
    const second = Math.floor((now - p.series.start) / 1000);
    while (p.series.second < second) closeSecond(p.series, p.latency);
    p.series.current.add(now - entry.sentAt);
  }
  p.latency.add(now - entry.sentAt);
  p.onAnswer(c);
}

async function connectAll(cmd: ConnectCommand): Promise<void> {
  runTag = cmd.runTag;
  patients = cmd.patients;
  conns = await Promise.all(
    Array.from(
      { length: cmd.connections },
      (_, index) =>
        new Promise<Conn>((resolve, reject) => {
          const socket = net.connect({ host: cmd.host, port: cmd.port });
          const timer = setTimeout(() => reject(new Error(`connect timeout after ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
          socket.setNoDelay(true);
          const c: Conn = {
            index,
            socket,
            decoder: new MllpDecoder({ maxFrameBytes: 1 << 20 }),
            fifo: [],
            head: 0,
            seq: 0,
            random: prng(cmd.seed + index * 7919),
          };
          socket.on('data', (chunk: Buffer) => {
            const events = c.decoder.push(chunk);
            socket.cork();
            for (const ev of events) if (ev.kind === 'frame') onAnswer(c, ev.payload);
            process.nextTick(() => socket.uncork());
          });
          socket.once('connect', () => {
            clearTimeout(timer);
            resolve(c);
          });
          socket.once('error', (err) => reject(err));
          socket.once('close', () => fail(`connection ${index} closed by the server`));
        }),
    ),
  );
}

/** Ends the current second of a series: its count and p99 are kept, its samples dropped. */
function closeSecond(series: NonNullable<PhaseState['series']>, latency: Samples): void {
  const { count, p99 } = series.current.summary();
  series.done.push({ count, p99, tailP99: 0 });
  series.firstIndex.push(latency.count - count);
  series.current.clear();
  series.second++;
}

/** Fills each second's tailP99 once the phase is over. */
function finishSeries(series: NonNullable<PhaseState['series']>, latency: Samples): SecondStats[] {
  series.done.forEach((s, i) => {
    s.tailP99 = latency.summaryFrom(series.firstIndex[i] ?? 0).p99;
  });
  return series.done;
}

function newPhase(seconds: number, onAns: (c: Conn) => void): PhaseState {
  return {
    deadline: performance.now() + seconds * 1000,
    sending: true,
    sent: 0,
    acked: 0,
    naks: 0,
    ackedInWindow: 0,
    chargeLines: 0,
    latency: new Samples(),
    onAnswer: onAns,
  };
}

/** Resolves when the deadline has passed and nothing is in flight; drained=false after DRAIN_TIMEOUT_MS more. */
function finishPhase(p: PhaseState, isSendingDone: () => boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const check = (): void => {
      const now = performance.now();
      if (isSendingDone() && conns.every((c) => inFlight(c) === 0)) return resolve(true);
      if (now > p.deadline + DRAIN_TIMEOUT_MS) return resolve(false);
      setTimeout(check, 5);
    };
    setTimeout(check, Math.max(0, p.deadline - performance.now()));
  });
}

function result(
  name: string,
  p: PhaseState,
  startedAtEpochMs: number,
  seconds: number,
  drained: boolean,
  cpu: NodeJS.CpuUsage,
  extra: Partial<PhaseResult> = {},
): PhaseResult {
  const used = process.cpuUsage(cpu);
  return {
    phase: name,
    startedAtEpochMs,
    seconds,
    sent: p.sent,
    acked: p.acked,
    naks: p.naks,
    ackedInWindow: p.ackedInWindow,
    msgPerSec: Math.round(p.ackedInWindow / seconds),
    latency: p.latency.summary(),
    skipped: 0,
    chargeLines: p.chargeLines,
    drained,
    cpuMs: Math.round((used.user + used.system) / 1000),
    ...extra,
  };
}

async function runClosed(cmd: ClosedLoopRun): Promise<PhaseResult> {
  const cpu = process.cpuUsage();
  const p = newPhase(cmd.seconds, (c) => {
    if (p.sending && performance.now() < p.deadline) {
      while (inFlight(c) < cmd.window) writeMessage(c);
    } else {
      p.sending = false;
    }
  });
  phase = p;
  const startedAtEpochMs = Date.now();
  for (const c of conns) {
    c.socket.cork();
    for (let i = 0; i < cmd.window; i++) writeMessage(c);
    process.nextTick(() => c.socket.uncork());
  }
  const stopTimer = setTimeout(() => {
    p.sending = false;
  }, cmd.seconds * 1000);
  const drained = await finishPhase(p, () => !p.sending || performance.now() >= p.deadline);
  clearTimeout(stopTimer);
  p.sending = false;
  phase = undefined;
  return result(cmd.phase, p, startedAtEpochMs, cmd.seconds, drained, cpu);
}

async function runPaced(cmd: PacedRun): Promise<PhaseResult> {
  const cpu = process.cpuUsage();
  const p = newPhase(cmd.seconds, () => undefined);
  if (cmd.series) p.series = { start: performance.now(), second: 0, current: new Samples(), done: [], firstIndex: [] };
  phase = p;
  const lateness = new Samples();
  let skipped = 0;
  let pacing = conns.length;
  const start = performance.now() + 1;
  const startedAtEpochMs = Date.now();
  const stagger = cmd.intervalMs / conns.length;
  for (const c of conns) {
    let k = 0;
    const offset = start + c.index * stagger;
    const tick = (): void => {
      const now = performance.now();
      let due = offset + k * cmd.intervalMs;
      let wrote = false;
      while (due <= now && due < p.deadline) {
        if (inFlight(c) >= cmd.maxInFlight) skipped++;
        else {
          if (!wrote) c.socket.cork();
          wrote = true;
          writeMessage(c);
          lateness.add(now - due);
        }
        k++;
        due = offset + k * cmd.intervalMs;
      }
      if (wrote) c.socket.uncork();
      if (due < p.deadline) setTimeout(tick, Math.max(0, due - performance.now()));
      else pacing--;
    };
    setTimeout(tick, Math.max(0, offset - performance.now()));
  }
  const drained = await finishPhase(p, () => pacing === 0);
  p.sending = false;
  phase = undefined;
  if (p.series && p.series.current.count > 0) closeSecond(p.series, p.latency);
  const series = p.series && finishSeries(p.series, p.latency);
  return result(cmd.phase, p, startedAtEpochMs, cmd.seconds, drained, cpu, { lateness: lateness.summary(), skipped, series });
}

async function handle(msg: ParentMessage): Promise<void> {
  try {
    switch (msg.type) {
      case 'connect':
        await connectAll(msg);
        send({ type: 'connected' });
        break;
      case 'run': {
        const r = msg.mode === 'closed' ? await runClosed(msg) : await runPaced(msg);
        send({ type: 'phase-done', result: r });
        break;
      }
      case 'close':
        closing = true;
        for (const c of conns) c.socket.destroy();
        process.disconnect?.();
        setTimeout(() => process.exit(0), 50);
        break;
    }
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
}

if (!process.send) {
  console.error('src/bench/generator is started by src/bench/run (child_process.fork), not directly');
  process.exit(2);
}
process.on('message', (msg: ParentMessage) => void handle(msg));
// The parent went away (crashed or killed): nothing left to report to.
process.on('disconnect', () => {
  closing = true;
  process.exit(0);
});
