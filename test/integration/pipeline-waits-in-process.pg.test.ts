/**
 * A message told to wait for an earlier message of its patient that a job running beside it holds is claimed again
 * once that job has finished, carried into the worker's next job (or a job of its own when none starts), instead of
 * going back to the queue for ORDER_WAIT_MS; its own job ends at once (src/pipeline/bullmq/worker.ts). The order per
 * patient still comes from the store's claim. Real Postgres, real Redis, one BullMQ worker running two jobs at once.
 */
import { silentLogger } from '../../src/core/logger';
import { BullPipelineQueue } from '../../src/pipeline/bullmq/queue';
import { IN_PROCESS_WAIT_MS, startPipelineWorker } from '../../src/pipeline/bullmq/worker';
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

  /**
   * The fixture's store, with the job that holds `held` kept from finishing until `release` settles: `claimed()` tells
   * whether a claim has taken `held`, `writtenAt` when each message's completion was written.
   */
  function holdingStore(held: string, release: () => Promise<void>) {
    let claimed = false;
    const writtenAt = new Map<string, number>();
    const store = Object.create(f.repo) as MessageRepository;
    store.claimMany = async (ids, opts) => {
      const out = await f.repo.claimMany(ids, opts);
      if (ids.includes(held)) claimed = true;
      return out;
    };
    store.completeMany = async (done) => {
      if (done.some((d) => d.id === held)) await release();
      const n = await f.repo.completeMany(done);
      for (const d of done) writtenAt.set(d.id, performance.now());
      return n;
    };
    return { store, claimed: () => claimed, writtenAt };
  }

  test('the waiting message is claimed again once the earlier job finished, without a delayed job or a held slot', async () => {
    const queue = new BullPipelineQueue(f.redis(), f.prefix);
    const first = await f.storeMessage('W-1', 'patient-a');
    const second = await f.storeMessage('W-2', 'patient-a');
    const other = await f.storeMessage('W-3', 'patient-b');

    // The job holding the patient's first message is slow to finish, so the next job claims while it runs.
    const slow = holdingStore(first, () => new Promise((resolve) => setTimeout(resolve, 400)));
    const finishedAt = slow.writtenAt;
    const requeued: string[][] = [];
    const watched = Object.create(queue) as BullPipelineQueue;
    watched.enqueueLater = async (ids, delayMs) => {
      requeued.push([...ids]);
      await queue.enqueueLater(ids, delayMs);
    };
    const outcomes: Array<[string, Outcome['kind']]> = [];
    const worker = startPipelineWorker(f.deps(slow.store), {
      connection: f.redis(),
      prefix: f.prefix,
      concurrency: 2,
      logger: silentLogger,
      queue: watched,
      onOutcome: (id, outcome) => outcomes.push([id, outcome.kind]),
    });
    f.workers.push(worker);

    await queue.enqueueMany([first]);
    await waitFor(slow.claimed, 10_000, 'the first job claims');
    await queue.enqueueMany([second, other]);
    const kindsOf = (id: string) => outcomes.filter(([m]) => m === id).map(([, kind]) => kind);
    await waitFor(() => [first, second, other].every((id) => kindsOf(id).includes('filtered')), 15_000, 'all three finished');

    // The second job ended while the first still ran: the other patient's message done, the patient's second told to
    // wait. Nothing went to the queue as a delayed job: the second message was claimed again once the first finished.
    expect(requeued).toEqual([]);
    expect(kindsOf(second)).toEqual(['wait', 'filtered']);
    expect(kindsOf(other)).toEqual(['filtered']);
    expect(finishedAt.get(other)!).toBeLessThan(finishedAt.get(first)!);
    // The patient's order holds: its second message finished after its first; the other patient did not wait for it.
    expect(finishedAt.get(second)!).toBeGreaterThan(finishedAt.get(first)!);
    const rows = await f.store.db.selectFrom('messages').select(['id', 'status', 'attempts']).orderBy('id').execute();
    expect(rows.map((r) => [String(r.id), r.status, r.attempts])).toEqual([
      [first, 'filtered', 1],
      [second, 'filtered', 1],
      [other, 'filtered', 1],
    ]);
    await worker.close();
    await queue.close();
  }, 60_000);

  test('a job stuck in the store holds the later job at most IN_PROCESS_WAIT_MS; then its wait goes back to the queue', async () => {
    const queue = new BullPipelineQueue(f.redis(), f.prefix);
    const stuck = await f.storeMessage('S-1', 'patient-s');
    const later = await f.storeMessage('S-2', 'patient-s');
    const other = await f.storeMessage('S-3', 'patient-t');

    let unstick = (): void => undefined;
    const stuckStore = holdingStore(stuck, () => new Promise<void>((resolve) => (unstick = resolve)));
    const written = stuckStore.writtenAt;
    const requeued: Array<{ ids: string[]; at: number }> = [];
    const watched = Object.create(queue) as BullPipelineQueue;
    watched.enqueueLater = async (ids) => {
      requeued.push({ ids: [...ids], at: performance.now() });
    };
    const finished = new Map<string, number>();
    const worker = startPipelineWorker(f.deps(stuckStore.store), {
      connection: f.redis(),
      prefix: f.prefix,
      concurrency: 2,
      logger: silentLogger,
      queue: watched,
      onOutcome: (id, outcome) => finished.set(id, outcome.kind === 'wait' ? -1 : performance.now()),
    });
    f.workers.push(worker);

    await queue.enqueueMany([stuck]);
    await waitFor(stuckStore.claimed, 10_000, 'the stuck job claims');
    const started = performance.now();
    await queue.enqueueMany([later, other]);
    await waitFor(() => requeued.length > 0, 10_000, 'the wait goes back to the queue');
    expect(requeued.map((r) => r.ids)).toEqual([[later]]);
    expect(requeued[0]!.at - started).toBeGreaterThanOrEqual(IN_PROCESS_WAIT_MS - 50);
    // The other patient's message was written at once, not after the stuck one; the later one was told to wait.
    expect(written.get(other)! - started).toBeLessThan(IN_PROCESS_WAIT_MS);
    expect(finished.get(later)).toBe(-1);
    unstick();
    await waitFor(() => finished.has(stuck), 10_000, 'the stuck job finishes');
    await queue.close();
  }, 60_000);
});
