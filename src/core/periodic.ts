/**
 * A periodic loop as a Service: the one way the engine runs something every so often (the recovery sweep, the
 * backlog poller, retention, application-ACK delivery, the alert monitor).
 *
 * Guarantees:
 * - Never two runs at once: the next run is scheduled only after the previous one has finished (a chain of
 *   timeouts, not an interval), so a slow run delays the next instead of piling runs up.
 * - A loop never keeps the process alive: its timer is unref'd.
 * - With `jitter` (a fraction of the interval, 0 to 1), each wait is drawn from intervalMs × (1 ± jitter), so
 *   many engine processes started together do not all run at the same moment.
 * - A run that throws (or rejects) is handed to `onError` and the loop goes on; an `onError` that throws itself
 *   is ignored. Nothing here throws into the caller once constructed.
 * - The first run comes after `firstDelayMs` (default: one interval, jittered), or at once with `runAtStart`.
 * - `stop()` cancels the next run, aborts the signal the run in progress was given, and resolves once that run
 *   has finished. It is idempotent and may be called before `start()`; a stopped task does not start again.
 * - `trigger()` asks for a run soon: at once when the loop is waiting, or right after the run in progress.
 */
import type { Service } from './service';

export interface PeriodicTaskOptions {
  /** For logs and the shutdown order ("recovery sweep"). */
  name: string;
  /** The wait between the end of one run and the start of the next, in ms (> 0). */
  intervalMs: number;
  /** Spreads each wait over intervalMs × (1 ± jitter); 0 to 1, default 0. */
  jitter?: number;
  /** One run. `signal` is aborted when the task is stopped, so a long run (a loop of batches) can end early. */
  run: (signal: AbortSignal) => Promise<unknown> | unknown;
  /** Hears a run that threw or rejected; the loop continues. */
  onError: (err: unknown) => void;
  /** The first run at once when started (default: after the first wait). */
  runAtStart?: boolean;
  /** The wait before the first run, when it differs from the interval (ignored with runAtStart). */
  firstDelayMs?: number;
  /** Random numbers in [0, 1) for the jitter (tests). */
  random?: () => number;
}

export interface PeriodicTask extends Service {
  /** Runs soon: at once when waiting, right after the current run when one is in progress. No-op once stopped. */
  trigger(): void;
}

export function periodicTask(opts: PeriodicTaskOptions): PeriodicTask {
  const jitter = opts.jitter ?? 0;
  if (!(opts.intervalMs > 0) || !Number.isFinite(opts.intervalMs))
    throw new Error(`${opts.name}: intervalMs must be a positive number of ms, got ${opts.intervalMs}`);
  if (!(jitter >= 0 && jitter <= 1)) throw new Error(`${opts.name}: jitter must be between 0 and 1, got ${jitter}`);
  const random = opts.random ?? Math.random;
  const abort = new AbortController();
  let started = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;

  const stopped = () => abort.signal.aborted;

  const waitFor = (base: number): number => Math.max(0, Math.round(base * (1 + jitter * (2 * random() - 1))));

  const schedule = (ms: number) => {
    if (stopped()) return;
    clearTimeout(timer);
    timer = setTimeout(runNow, ms);
    timer.unref();
  };

  const runNow = () => {
    timer = undefined;
    if (stopped() || running) return;
    again = false;
    running = (async () => {
      try {
        await opts.run(abort.signal);
      } catch (err) {
        try {
          opts.onError(err);
        } catch {
          // A failing error handler must not end the loop.
        }
      }
    })().finally(() => {
      running = undefined;
      schedule(again ? 0 : waitFor(opts.intervalMs));
    });
  };

  return {
    name: opts.name,
    async start() {
      if (started || stopped()) return;
      started = true;
      if (opts.runAtStart) runNow();
      else schedule(waitFor(opts.firstDelayMs ?? opts.intervalMs));
    },
    async stop() {
      abort.abort();
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
    trigger() {
      if (!started || stopped()) return;
      if (running) again = true;
      else schedule(0);
    },
  };
}
