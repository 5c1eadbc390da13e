/**
 * The pipeline queue on BullMQ. Jobs carry the message id only (no PHI in Redis). The store is the truth:
 * a lost job is rebuilt from the store by recovery (src/pipeline/recovery.ts).
 *
 * A job carries a batch of message ids (in id order; up to BATCH_SIZE), so the worker claims and finishes a
 * batch with one store round trip each. Single-message jobs (replays, waits, retries) carry one id; a replay's
 * job id is `m<id>-<tag>`, so adding it twice while it exists is a no-op. A message in two jobs is harmless: the
 * store claims it for one attempt at a time and charges are keyed by source. Finished jobs are removed, so
 * Redis holds only pending work.
 */
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QueuePort } from '../ports';

export const PIPELINE_QUEUE = 'rxbridge-pipeline';

export interface PipelineJobData {
  messageIds: string[];
}

/** Most message ids one job carries. */
export const BATCH_SIZE = 50;

/** Retries for failures the pipeline could not even record (store down): the sweep picks up the rest. */
const JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: true,
  removeOnFail: true,
};

export function jobIdFor(messageId: string, tag?: string): string {
  return tag ? `m${messageId}-${tag}` : `m${messageId}`;
}

export class BullPipelineQueue implements QueuePort {
  readonly queue: Queue<PipelineJobData>;

  /** `prefix`: the engine's Redis key prefix (RXBRIDGE_QUEUE_PREFIX, src/engine/config.ts); every process sharing work uses the same. */
  constructor(connection: Redis, prefix: string) {
    this.queue = new Queue<PipelineJobData>(PIPELINE_QUEUE, { connection, prefix, defaultJobOptions: JOB_OPTIONS });
    // Errors surface on the calls; an 'error' event without a listener would crash the process.
    this.queue.on('error', () => undefined);
  }

  async enqueue(messageId: string, attemptTag?: string): Promise<void> {
    await this.queue.add('process', { messageIds: [messageId] }, { jobId: jobIdFor(messageId, attemptTag) });
  }

  async enqueueMany(messageIds: readonly string[]): Promise<void> {
    const jobs = [];
    for (let i = 0; i < messageIds.length; i += BATCH_SIZE) {
      jobs.push({ name: 'process', data: { messageIds: messageIds.slice(i, i + BATCH_SIZE) } });
    }
    if (jobs.length > 0) await this.queue.addBulk(jobs);
  }

  async enqueueLater(messageIds: readonly string[], delayMs: number): Promise<void> {
    const jobs = [];
    for (let i = 0; i < messageIds.length; i += BATCH_SIZE) {
      jobs.push({ name: 'process', data: { messageIds: messageIds.slice(i, i + BATCH_SIZE) }, opts: { delay: delayMs } });
    }
    if (jobs.length > 0) await this.queue.addBulk(jobs);
  }

  /** Jobs waiting, delayed or active. */
  async depth(): Promise<number> {
    const counts = await this.queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  /** Job counts by state (waiting includes prioritized jobs). The queue is shared by every channel. */
  async counts(): Promise<{ waiting: number; active: number; delayed: number; failed: number }> {
    const c = await this.queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
    return { waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0 };
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

/**
 * Batches enqueue calls made in the same few milliseconds into one addBulk (one Redis round trip).
 * Failures are reported to `onError` and otherwise dropped: the message stays `received` in the store and
 * the recovery sweep enqueues it again.
 */
export class EnqueueBatcher {
  private pending: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly queue: QueuePort,
    private readonly onError: (err: unknown, count: number) => void,
    private readonly maxBatch = 200,
    private readonly maxDelayMs = 25,
  ) {}

  add(messageId: string): void {
    this.pending.push(messageId);
    if (this.pending.length >= this.maxBatch) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.maxDelayMs);
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) {
      this.inFlight = this.inFlight.then(() => this.queue.enqueueMany(batch)).catch((err) => this.onError(err, batch.length));
    }
    return this.inFlight;
  }
}
