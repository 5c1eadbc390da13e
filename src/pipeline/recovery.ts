/**
 * Recovery: the store is the truth, the queue a work list. Every message still `received` or `processing`
 * is enqueued again (job ids dedupe work that is still queued). Runs at boot and then as a periodic sweep,
 * so a flushed or restarted Redis, or an enqueue that failed after the ACK, loses nothing.
 */
import type { Logger } from '../core/logger';
import { periodicTask, type PeriodicTask } from '../core/periodic';
import type { MessagesPort, QueuePort } from './ports';

export interface RecoveryOptions {
  /** Only messages untouched for this long are re-enqueued (0 at boot: all of them). */
  olderThanMs: number;
  batchSize?: number;
}

export async function recoverOpenMessages(store: MessagesPort, queue: QueuePort, opts: RecoveryOptions): Promise<number> {
  const batchSize = opts.batchSize ?? 1000;
  let after = '0';
  let total = 0;
  for (;;) {
    const ids = await store.openMessageIds(after, batchSize, opts.olderThanMs);
    if (ids.length === 0) return total;
    await queue.enqueueMany(ids);
    total += ids.length;
    after = ids[ids.length - 1] ?? after;
  }
}

/** Rounds in a row the sweep may be skipped for a busy queue before it runs anyway. */
export const MAX_SKIPPED_SWEEPS = 8;

/**
 * Whether a sweep round runs: when the caller says so, and in any case after MAX_SKIPPED_SWEEPS skipped rounds
 * in a row — a queue that looks busy may hold jobs no worker will ever finish (after a FLUSHALL in the middle
 * of BullMQ's bookkeeping, say), and then only the sweep gets the open messages moving again. A sweep that was
 * not needed only queues messages twice, which is harmless (a claim is atomic; finished ones are skipped).
 */
export function sweepNow(callerSaysGo: boolean, skippedInARow: number): boolean {
  return callerSaysGo || skippedInARow >= MAX_SKIPPED_SWEEPS;
}

/** Spreads the sweeps of engine processes started together (a fraction of the interval). */
const SWEEP_JITTER = 0.1;

/**
 * The periodic sweep: recovery every `intervalMs` (± 10 %), one round at a time; a failure (store or Redis down) is
 * logged and tried again next time. `shouldSweep` lets the caller skip a round while the queue holds a backlog (its
 * jobs would be queued twice; a flushed Redis has an empty queue, so the sweep runs then) — but never more than
 * MAX_SKIPPED_SWEEPS rounds in a row (sweepNow).
 */
export function recoverySweep(
  store: MessagesPort,
  queue: QueuePort,
  log: Logger,
  intervalMs: number,
  olderThanMs: number,
  shouldSweep: () => Promise<boolean> = async () => true,
): PeriodicTask {
  let skipped = 0;
  return periodicTask({
    name: 'recovery sweep',
    intervalMs,
    jitter: SWEEP_JITTER,
    run: async () => {
      if (!sweepNow(await shouldSweep(), skipped)) {
        skipped++;
        return;
      }
      skipped = 0;
      const n = await recoverOpenMessages(store, queue, { olderThanMs });
      if (n > 0) log.info('recovery sweep enqueued messages', { recovered: n });
    },
    onError: (err) => log.warn('recovery sweep failed', { error: (err as Error).name }),
  });
}

/** Starts the recoverySweep; returns a stop function that resolves once a round in progress has finished. */
export function startRecoverySweep(
  store: MessagesPort,
  queue: QueuePort,
  log: Logger,
  intervalMs: number,
  olderThanMs: number,
  shouldSweep: () => Promise<boolean> = async () => true,
): () => Promise<void> {
  const sweep = recoverySweep(store, queue, log, intervalMs, olderThanMs, shouldSweep);
  void sweep.start();
  return () => sweep.stop();
}
