/**
 * The pipeline worker on BullMQ: runs processBatch for each job's ids (unmarked claims for a job's first run) and
 * maps outcomes onto the queue:
 * wait/retry → a delayed single-message job (attempts are counted in the store, not by BullMQ);
 * dead letter → done (the store holds it); a thrown error (store down) → BullMQ retries the whole job.
 */
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../../core/logger';
import type { ClaimOptions, QueuePort } from '../ports';
import { ORDER_WAIT_MS, processBatch, type Outcome, type ProcessDeps } from '../process';
import { PIPELINE_QUEUE, type PipelineJobData } from './queue';

export interface PipelineWorkerOptions {
  connection: Redis;
  /** The engine's Redis key prefix: the same as the queue's (RXBRIDGE_QUEUE_PREFIX). */
  prefix: string;
  concurrency: number;
  logger: Logger;
  /** Where waits and retries are put back. */
  queue: QueuePort;
  /** Called after each message's outcome (metrics, tests). */
  onOutcome?: (messageId: string, outcome: Outcome) => void;
}

export function startPipelineWorker(deps: ProcessDeps, opts: PipelineWorkerOptions): Worker<PipelineJobData> {
  const worker = new Worker<PipelineJobData>(
    PIPELINE_QUEUE,
    async (job: Job<PipelineJobData>) => {
      const ids = Array.isArray(job.data.messageIds) ? job.data.messageIds.map(String) : [];
      const outcomes = await processBatch(ids, deps, claimOptionsFor(job));
      // Waiting messages go back together (one delayed job per batch), so a backlog does not splinter into
      // single-message jobs; retries keep their own backoff.
      const waiting = [...outcomes].filter(([, o]) => o.kind === 'wait').map(([id]) => id);
      if (waiting.length > 0) await opts.queue.enqueueLater(waiting, ORDER_WAIT_MS);
      for (const [messageId, outcome] of outcomes) {
        if (outcome.kind === 'retry') await opts.queue.enqueueLater([messageId], outcome.delayMs);
        opts.onOutcome?.(messageId, outcome);
        logOutcome(opts.logger, messageId, outcome);
      }
    },
    {
      connection: opts.connection,
      prefix: opts.prefix,
      concurrency: opts.concurrency,
      // A killed worker's job comes back after the lock lapses; 15 s keeps recovery quick.
      lockDuration: 15_000,
      stalledInterval: 5_000,
      maxStalledCount: 100,
    },
  );
  worker.on('error', (err) => opts.logger.warn('pipeline worker error', { error: err.name }));
  return worker;
}

/**
 * A job run for the first time claims unmarked (nothing written before the outcome); a job that was running when its
 * worker died (BullMQ found it stalled) or that failed before takes the marked claim, which counts every attempt, so a
 * message that keeps killing its worker is given up after the channel's attempts.
 */
export function claimOptionsFor(job: Pick<Job, 'attemptsMade' | 'stalledCounter'>): ClaimOptions {
  return { unmarked: job.attemptsMade === 0 && !job.stalledCounter };
}

function logOutcome(log: Logger, messageId: string, outcome: Outcome): void {
  switch (outcome.kind) {
    case 'processed':
      log.debug('message processed', { messageId, charges: outcome.charges });
      break;
    case 'retry':
      log.warn('message will be retried', { messageId, code: outcome.error.code, stage: outcome.stage, delayMs: outcome.delayMs });
      break;
    case 'dead-letter':
      log.warn('message dead-lettered', { messageId, code: outcome.error.code, stage: outcome.stage, reason: outcome.error.message });
      break;
    default:
      break;
  }
}
