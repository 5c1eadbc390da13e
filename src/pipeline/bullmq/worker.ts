/**
 * The pipeline worker on BullMQ: runs processMessage for each job and maps its outcome onto BullMQ:
 * wait/retry → the job is moved to delayed (store-counted attempts, not BullMQ's), dead-letter → done
 * (the store holds the dead letter), a thrown error (store down) → BullMQ retries the job.
 */
import { DelayedError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../../core/logger';
import { processMessage, type Outcome, type ProcessDeps } from '../process';
import { PIPELINE_QUEUE, type PipelineJobData } from './queue';

export interface PipelineWorkerOptions {
  connection: Redis;
  prefix?: string;
  concurrency: number;
  logger: Logger;
  /** Called after each outcome (metrics, tests). */
  onOutcome?: (messageId: string, outcome: Outcome) => void;
}

export function startPipelineWorker(deps: ProcessDeps, opts: PipelineWorkerOptions): Worker<PipelineJobData> {
  const worker = new Worker<PipelineJobData>(
    PIPELINE_QUEUE,
    async (job: Job<PipelineJobData>, token?: string) => {
      const { messageId } = job.data;
      const outcome = await processMessage(messageId, deps);
      opts.onOutcome?.(messageId, outcome);
      logOutcome(opts.logger, messageId, outcome);
      if (outcome.kind === 'wait' || outcome.kind === 'retry') {
        await job.moveToDelayed(Date.now() + outcome.delayMs, token);
        throw new DelayedError();
      }
    },
    {
      connection: opts.connection,
      prefix: opts.prefix ?? 'rxb',
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

function logOutcome(log: Logger, messageId: string, outcome: Outcome): void {
  switch (outcome.kind) {
    case 'processed':
      log.debug('message processed', { messageId, charges: outcome.inserted });
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
