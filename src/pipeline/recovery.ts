/**
 * Recovery: the store is the truth, the queue a work list. Every message still `received` or `processing`
 * is enqueued again (job ids dedupe work that is still queued). Runs at boot and then as a periodic sweep,
 * so a flushed or restarted Redis, or an enqueue that failed after the ACK, loses nothing.
 */
import type { Logger } from '../core/logger';
import type { MessageStorePort, QueuePort } from './ports';

export interface RecoveryOptions {
  /** Only messages untouched for this long are re-enqueued (0 at boot: all of them). */
  olderThanMs: number;
  batchSize?: number;
}

export async function recoverOpenMessages(store: MessageStorePort, queue: QueuePort, opts: RecoveryOptions): Promise<number> {
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

/**
 * Runs recovery every `intervalMs` until stopped; failures (store or Redis down) are logged and retried next
 * time. `shouldSweep` lets the caller skip a round while the queue holds a backlog (its jobs would be queued
 * twice; a flushed Redis has an empty queue, so the sweep runs then).
 */
export function startRecoverySweep(store: MessageStorePort, queue: QueuePort, log: Logger, intervalMs: number, olderThanMs: number,
  shouldSweep: () => Promise<boolean> = async () => true): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    shouldSweep()
      .then((go) => (go ? recoverOpenMessages(store, queue, { olderThanMs }) : 0))
      .then((n) => { if (n > 0) log.info('recovery sweep enqueued messages', { recovered: n }); })
      .catch((err) => log.warn('recovery sweep failed', { error: (err as Error).name }))
      .finally(() => { running = false; });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
