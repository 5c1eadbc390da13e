/**
 * A job's first run claims unmarked (nothing written until the message's outcome); when its worker dies mid-job,
 * BullMQ hands the stalled job to another worker, which takes the marked claim and so counts the attempt
 * (docs/architecture.md "The pipeline attempt"). Real Postgres, real Redis, two BullMQ workers.
 */
import { silentLogger } from '../../src/core/logger';
import { BullPipelineQueue } from '../../src/pipeline/bullmq/queue';
import { startPipelineWorker } from '../../src/pipeline/bullmq/worker';
import type { MessageRepository } from '../../src/store/repository';
import { openPipelineWorkerFixture, type PipelineWorkerFixture } from './pipeline-worker-fixture';
import { waitFor } from './support';

describe('a pipeline job whose worker dies', () => {
  let f: PipelineWorkerFixture;
  beforeAll(async () => {
    f = await openPipelineWorkerFixture('stall');
  });
  afterAll(async () => {
    await f.close();
  });
  const redis = () => f.redis();
  const storeMessage = (controlId: string) => f.storeMessage(controlId);

  const row = (id: string) =>
    f.store.db.selectFrom('messages').select(['status', 'attempts']).where('id', '=', id as never).executeTakeFirstOrThrow();
  const events = async (id: string) =>
    (
      await f.store.db
        .selectFrom('message_events')
        .select(['from_status', 'to_status', 'stage'])
        .where('message_id', '=', id as never)
        .orderBy('id')
        .execute()
    ).map((e) => `${e.from_status}>${e.to_status}:${e.stage}`);

  test('the first run writes nothing; the stalled job comes back marked, counts the attempt and finishes', async () => {
    const queue = new BullPipelineQueue(redis(), f.prefix);
    const stalled = await storeMessage('STALL-1');

    // Worker 1 claims the message and then hangs in the store's finish, as a worker that died would.
    let claimed = false;
    const hanging = Object.create(f.repo) as MessageRepository;
    hanging.claimMany = async (ids, opts) => {
      const out = await f.repo.claimMany(ids, opts);
      claimed = true;
      return out;
    };
    hanging.completeMany = () => new Promise<number>(() => undefined);
    const first = startPipelineWorker(f.deps(hanging), { connection: redis(), prefix: f.prefix, concurrency: 1, logger: silentLogger, queue });
    f.workers.push(first);
    await queue.enqueueMany([stalled]);
    await waitFor(() => claimed, 10_000, 'worker 1 claims the message');
    expect(await row(stalled)).toEqual({ status: 'received', attempts: 0 });
    await first.close(true); // dies: the job stays active and its lock lapses

    const finished = new Map<string, string>();
    const second = startPipelineWorker(f.deps(f.repo), {
      connection: redis(),
      prefix: f.prefix,
      concurrency: 1,
      logger: silentLogger,
      queue,
      onOutcome: (id, outcome) => finished.set(id, outcome.kind),
    });
    f.workers.push(second);
    await waitFor(() => finished.has(stalled), 45_000, 'worker 2 finishes the stalled job');
    expect(finished.get(stalled)).toBe('filtered');
    expect(await row(stalled)).toEqual({ status: 'filtered', attempts: 1 });
    expect(await events(stalled)).toEqual(['received>processing:begin', 'processing>filtered:filter']);

    // A fresh job on the same worker: unmarked, one write.
    const fresh = await storeMessage('FRESH-1');
    await queue.enqueueMany([fresh]);
    await waitFor(() => finished.has(fresh), 10_000, 'worker 2 finishes the fresh job');
    expect(await row(fresh)).toEqual({ status: 'filtered', attempts: 1 });
    expect(await events(fresh)).toEqual(['received>filtered:filter']);
    await queue.close();
  }, 90_000);
});
