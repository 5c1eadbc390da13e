/**
 * The pipeline worker on BullMQ: runs processBatch for each job's ids (unmarked claims for a job's first run) and
 * maps outcomes onto the queue:
 * wait/retry → a delayed job (attempts are counted in the store, not by BullMQ);
 * dead letter → done (the store holds it); a thrown error (store down) → BullMQ retries the whole job.
 *
 * Waits settled in process first: a message told to wait (an earlier message of its patient is still open) is most
 * often waiting for a job this worker is running at the same moment, one that started before it (jobs of
 * consecutive ids run side by side). So such a job ends at once (its slot is free for the next job), and its waiting
 * messages are carried, once the jobs this worker started before it have settled, into the next job the worker
 * starts (CarryOver): they are claimed with that job's own messages in one claim and one completion, not in a second
 * small round. Nothing starting within CARRY_IDLE_MS, they go to the queue as a job of their own. Only what waits
 * for something else (its patient's earlier message is retrying, or held by another process) goes back to the queue
 * for ORDER_WAIT_MS; so does a wait whose earlier jobs have not settled within IN_PROCESS_WAIT_MS (one job stuck in
 * the store, a lock held elsewhere). The store's claim still decides every wait, so the order per patient is the
 * same. Carried messages live in memory only: if the process dies first they are still received in the store, and
 * the recovery sweep queues them again.
 */
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../../core/logger';
import { withTimeout } from '../../core/with-timeout';
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
  const running = new RunningJobs();
  const requeueFailed = (err: unknown, count: number) =>
    opts.logger.warn('re-queueing waiting messages failed; the recovery sweep will pick them up', { error: (err as Error).name, count });
  const carry = new CarryOver((ids) => opts.queue.enqueueMany(ids).catch((err: unknown) => requeueFailed(err, ids.length)));
  const worker = new Worker<PipelineJobData>(
    PIPELINE_QUEUE,
    async (job: Job<PipelineJobData>) => {
      const ids = Array.isArray(job.data.messageIds) ? job.data.messageIds.map(String) : [];
      const claim = claimOptionsFor(job);
      let earlierJobs: ReadonlyArray<Promise<void>> = [];
      const outcomes = await running.run((earlier) => {
        earlierJobs = earlier;
        // Carried messages join this job's own: processBatch orders them all by id, and the claim decides each one.
        return processBatch([...carry.take(), ...ids], deps, claim);
      });
      // Waiting messages go back together (one job per batch), so a backlog does not splinter into
      // single-message jobs; retries keep their own backoff.
      const waiting = waitingIds(outcomes);
      if (waiting.length > 0) {
        if (earlierJobs.length === 0) await opts.queue.enqueueLater(waiting, ORDER_WAIT_MS);
        else
          void settledWithin(earlierJobs, IN_PROCESS_WAIT_MS)
            .then((settled) => (settled ? carry.add(waiting) : opts.queue.enqueueLater(waiting, ORDER_WAIT_MS)))
            .catch((err: unknown) => requeueFailed(err, waiting.length));
      }
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

/** The longest a job's waiting messages wait for the jobs started before it before they go back to the queue. */
export const IN_PROCESS_WAIT_MS = 2_000;

/** How long carried messages wait for the next job to start before they are queued as a job of their own. */
export const CARRY_IDLE_MS = 20;

/**
 * Message ids carried into the next job a worker starts (`take`). Ids added while nothing takes them are handed to
 * `flush` (the queue) CARRY_IDLE_MS after the first of them, so they never wait on an idle worker.
 */
export class CarryOver {
  private ids: string[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly flush: (ids: string[]) => void | Promise<void>,
    private readonly idleMs = CARRY_IDLE_MS,
  ) {}

  add(ids: readonly string[]): void {
    this.ids.push(...ids);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const taken = this.take();
      if (taken.length > 0) void this.flush(taken);
    }, this.idleMs);
  }

  /** Every id carried so far (oldest first); the carry is empty afterwards. */
  take(): string[] {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const taken = this.ids;
    this.ids = [];
    return taken;
  }
}

/** True once every promise (none rejects) has settled, false if `ms` pass first. */
function settledWithin(promises: ReadonlyArray<Promise<void>>, ms: number): Promise<boolean> {
  return withTimeout(Promise.all(promises), ms).then(
    () => true,
    () => false,
  );
}

function waitingIds(outcomes: Map<string, Outcome>): string[] {
  return [...outcomes].filter(([, o]) => o.kind === 'wait').map(([id]) => id);
}

/**
 * The jobs one worker is running, in the order they started. `run` hands its task the jobs that started before it
 * (each settles when its job's task has settled, whether it succeeded or threw).
 */
export class RunningJobs {
  private readonly settled = new Set<Promise<void>>();

  async run<T>(task: (earlier: ReadonlyArray<Promise<void>>) => Promise<T>): Promise<T> {
    const earlier = [...this.settled];
    let markSettled = (): void => undefined;
    const mine = new Promise<void>((resolve) => {
      markSettled = resolve;
    });
    this.settled.add(mine);
    try {
      return await task(earlier);
    } finally {
      this.settled.delete(mine);
      markSettled();
    }
  }
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
