/**
 * The IPC protocol between the bench runner (src/bench/run.ts, the engine's process) and the load generator
 * (src/bench/generator.ts, a forked child). Plain JSON-serialisable objects only.
 *
 * Sequence: parent sends `connect`, child answers `connected`; then any number of `run` → `phase-done`
 * (phases never overlap: a phase ends only after every message it sent is answered, or reports
 * drained=false); finally `close`, after which the child exits. Any failure is reported as `error` and the
 * child exits with code 1.
 */

export interface ConnectCommand {
  type: 'connect';
  host: string;
  port: number;
  connections: number;
  /** Makes control ids unique across runs (MSH-10 = tag + connection + sequence). */
  runTag: string;
  /** Seed for the synthetic-message PRNG (patients, FT1 line counts). */
  seed: number;
  /** Patients the messages are spread over. */
  patients: number;
}

export interface ClosedLoopRun {
  type: 'run';
  phase: string;
  /** Each connection keeps `window` messages in flight; a new one is sent as each ACK arrives. */
  mode: 'closed';
  window: number;
  seconds: number;
}

export interface PacedRun {
  type: 'run';
  phase: string;
  /** Open loop: each connection sends one message every `intervalMs`, whether or not ACKs have come back. */
  mode: 'paced';
  intervalMs: number;
  seconds: number;
  /** Per connection; a due message is skipped (and counted) while this many are unanswered. */
  maxInFlight: number;
  /** Also report the ACK latency of each second of the phase (by when the answer arrived). */
  series?: boolean;
}

/**
 * The answers that arrived in one second of a phase: how many, and their p99 send → ACK time (ms); `tailP99` is
 * the p99 of every answer from this second to the end of the phase ("from here on, latency is …").
 */
export interface SecondStats {
  count: number;
  p99: number;
  tailP99: number;
}

export type ParentMessage = ConnectCommand | ClosedLoopRun | PacedRun | { type: 'close' };

/** Latency summary in milliseconds (nearest-rank percentiles). */
export interface Summary {
  count: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

export interface PhaseResult {
  phase: string;
  /** Wall clock (Date.now()) when the phase's first message was written. */
  startedAtEpochMs: number;
  seconds: number;
  /** Messages written during the phase. */
  sent: number;
  /** Answers that were AA for the message's MSH-10 (every one, including those drained after the deadline). */
  acked: number;
  /** Answers that were anything else (AR/AE, or a control id mismatch). */
  naks: number;
  /** AA answers received before the deadline: the basis of `msgPerSec`. */
  ackedInWindow: number;
  msgPerSec: number;
  /** Send → ACK time per message, in ms, measured in the generator. */
  latency: Summary;
  /** Paced mode: how late the generator wrote each message compared with its schedule (ms). */
  lateness?: Summary;
  /** Paced mode: due messages not sent because maxInFlight was reached. */
  skipped: number;
  /** Paced mode with `series`: one entry per second from the phase's start, until its last answer. */
  series?: SecondStats[];
  /** FT1 lines in the AA-answered messages (= charges expected end to end). */
  chargeLines: number;
  /** False when some messages were still unanswered when the drain timeout ran out. */
  drained: boolean;
  /** CPU time the generator process used during the phase (user + system, ms). */
  cpuMs: number;
}

export type ChildMessage = { type: 'connected' } | { type: 'phase-done'; result: PhaseResult } | { type: 'error'; message: string };
