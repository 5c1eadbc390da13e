/**
 * A message told to wait for an earlier message of its patient that a job running beside it holds is claimed again
 * once that job has finished, in the same job, instead of going back to the queue for ORDER_WAIT_MS
 * (src/pipeline/bullmq/worker.ts). The order per patient still comes from the store's claim. Real Postgres, real
 * Redis, one BullMQ worker running two jobs at once.
 */
import { silentLogger } from '../../src/core/logger';
import { BullPipelineQueue } from '../../src/pipeline/bullmq/queue';
import { startPipelineWorker } from '../../src/pipeline/bullmq/worker';
import type { Outcome } from '../../src/pipeline/process';
import type { MessageRepository } from '../../src/store/repository';
import { openPipelineWorkerFixture, type PipelineWorkerFixture } from './pipeline-worker-fixture';
import { waitFor } from './support';

describe('waits settled in process', () => {
  let f: PipelineWorkerFixture;
  beforeAll(async () => {
    f = await openPipelineWorkerFixture('waits');
  });
  afterAll(async () => {
    await f.close();
  });

  test('the later job waits for the earlier one and finishes its message after it, without a delayed job', async () => {
    const queue = new BullPipelineQueue(f.redis(), f.prefix);
    const first = await f.storeMessage('W-1', 'patient-a');
    const second = await f.storeMessage('W-2', 'patient-a');
    const other = await f.storeMessage('W-3', 'patient-b');

    // The job holding the patient's first message is slow to finish, so the next job claims while it runs.
    let firstClaimed = false;
    const finishedAt = new Map<string, number>();
    const slow = Object.create(f.repo) as MessageRepository;
    slow.claimMany = async (ids, opts) => {
      const out = await f.repo.claimMany(ids, opts);
      if (ids.includes(first)) firstClaimed = true;
      return out;
    };
    slow.completeMany = async (done) => {
      if (done.some((d) => d.id === first)) await new Promise((resolve) => setTimeout(resolve, 400));
      const n = await f.repo.completeMany(done);
      for (const d of done) finishedAt.set(d.id, performance.now());
      return n;
    };
    const requeued: string[][] = [];
    const watched = Object.create(queue) as BullPipelineQueue;
    watched.enqueueLater = async (ids, delayMs) => {
      requeued.push([...ids]);
      await queue.enqueueLater(ids, delayMs);
    };
    const outcomes: Array<[string, Outcome['kind']]> = [];
    const worker = startPipelineWorker(f.deps(slow), {
      connection: f.redis(),
      prefix: f.prefix,
      concurrency: 2,
      logger: silentLogger,
      queue: watched,
      onOutcome: (id, outcome) => outcomes.push([id, outcome.kind]),
    });
    f.workers.push(worker);

    await queue.enqueueMany([first]);
    await waitFor(() => firstClaimed, 10_000, 'the first job claims');
    await queue.enqueueMany([second, other]);
    await waitFor(() => outcomes.length === 3, 15_000, 'all three outcomes');

    // Nothing went back to the queue, and no wait was reported: the second message was claimed again in its job.
    expect(requeued).toEqual([]);
    expect(outcomes.map(([, kind]) => kind)).toEqual(['filtered', 'filtered', 'filtered']);
    // The patient's order holds: its second message finished after its first; the other patient did not wait for it.
    expect(finishedAt.get(second)!).toBeGreaterThan(finishedAt.get(first)!);
    const rows = await f.store.db.selectFrom('messages').select(['id', 'status', 'attempts']).orderBy('id').execute();
    expect(rows.map((r) => [String(r.id), r.status, r.attempts])).toEqual([
      [first, 'filtered', 1],
      [second, 'filtered', 1],
      [other, 'filtered', 1],
    ]);
    await queue.close();
  }, 60_000);
});
