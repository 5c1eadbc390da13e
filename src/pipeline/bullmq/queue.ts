/**
 * The pipeline queue on BullMQ. Jobs carry the message id only (no PHI in Redis). The store is the truth:
 * a lost job is rebuilt from the store by recovery (src/pipeline/recovery.ts).
 *
 * Job ids: `m<id>` for a message's first run, `m<id>-<tag>` for a replay, so adding the same work twice while
 * a job exists is a no-op. Finished jobs are removed, so Redis holds only pending work.
 */
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QueuePort } from '../ports';

export const PIPELINE_QUEUE = 'rxbridge-pipeline';

export interface PipelineJobData {
  messageId: string;
}

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

  constructor(connection: Redis, prefix = 'rxb') {
    this.queue = new Queue<PipelineJobData>(PIPELINE_QUEUE, { connection, prefix, defaultJobOptions: JOB_OPTIONS });
    // Errors surface on the calls; an 'error' event without a listener would crash the process.
    this.queue.on('error', () => undefined);
  }

  async enqueue(messageId: string, attemptTag?: string): Promise<void> {
    await this.queue.add('process', { messageId }, { jobId: jobIdFor(messageId, attemptTag) });
  }

  async enqueueMany(messageIds: readonly string[]): Promise<void> {
    if (messageIds.length === 0) return;
    await this.queue.addBulk(messageIds.map((messageId) => ({ name: 'process', data: { messageId }, opts: { jobId: jobIdFor(messageId) } })));
  }

  /** Jobs waiting, delayed or active. */
  async depth(): Promise<number> {
    const counts = await this.queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
    return Object.values(counts).reduce((a, b) => a + b, 0);
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
    private readonly maxDelayMs = 2,
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
