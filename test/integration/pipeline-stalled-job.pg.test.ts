/**
 * A job's first run claims unmarked (nothing written until the message's outcome); when its worker dies mid-job,
 * BullMQ hands the stalled job to another worker, which takes the marked claim and so counts the attempt
 * (docs/architecture.md "The pipeline attempt"). Real Postgres, real Redis, two BullMQ workers.
 */
import crypto from 'node:crypto';
import { Redis } from 'ioredis';
import type { Worker } from 'bullmq';
import { silentLogger } from '../../src/core/logger';
import { BullPipelineQueue } from '../../src/pipeline/bullmq/queue';
import { startPipelineWorker } from '../../src/pipeline/bullmq/worker';
import type { MessagesPort } from '../../src/pipeline/ports';
import type { ProcessDeps } from '../../src/pipeline/process';
import { openStore, type Store } from '../../src/store/db';
import { MessageRepository } from '../../src/store/repository';
import { createTestDatabase, REDIS_URL, waitFor } from './support';

const CHANNEL = 'pharmacy-inbound';

describe('a pipeline job whose worker dies', () => {
  let database: { url: string; drop(): Promise<void> };
  let store: Store;
  let repo: MessageRepository;
  const prefix = `rxbtest-stall-${crypto.randomBytes(4).toString('hex')}`;
  const connections: Redis[] = [];
  const workers: Worker[] = [];
  const redis = () => {
    const r = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    connections.push(r);
    return r;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    store = await openStore({ databaseUrl: database.url, poolSize: 4 });
    repo = new MessageRepository(store.db, store.pipelineDb);
  });
  afterAll(async () => {
    for (const w of workers) await w.close(true).catch(() => undefined);
    const cleanup = redis();
    const keys = await cleanup.keys(`${prefix}:*`);
    if (keys.length > 0) await cleanup.del(...keys);
    for (const c of connections) c.disconnect();
    await store.close();
    await database.drop();
  });

  /** No route maps anything: every claimed message is finished as filtered, which is all this test needs. */
  const deps = (messages: MessagesPort): ProcessDeps => ({
    store: messages,
    channel: (name) => (name === CHANNEL ? { name, pipeline: { attempts: 3, backoffMs: 100 }, routeFor: () => undefined } : undefined),
    mapping: () => undefined,
  });

  async function storeMessage(controlId: string): Promise<string> {
    const [stored] = await repo.recordInbound([
      {
        channel: CHANNEL,
        status: 'received',
        sender: 'RXSYS|PHARM01',
        controlId,
        messageType: 'DFT^P03',
        version: '2.5.1',
        processingId: 'P',
        patientKey: null,
        remote: 'test',
        content: `MSH|^~\\&|RXSYS|PHARM01|||20240101||DFT^P03|${controlId}|P|2.5.1`,
        duplicateWindowMs: 0,
      },
    ]);
    return stored!.id;
  }
  const row = (id: string) =>
    store.db.selectFrom('messages').select(['status', 'attempts']).where('id', '=', id as never).executeTakeFirstOrThrow();
  const events = async (id: string) =>
    (
      await store.db
        .selectFrom('message_events')
        .select(['from_status', 'to_status', 'stage'])
        .where('message_id', '=', id as never)
        .orderBy('id')
        .execute()
    ).map((e) => `${e.from_status}>${e.to_status}:${e.stage}`);

  test('the first run writes nothing; the stalled job comes back marked, counts the attempt and finishes', async () => {
    const queue = new BullPipelineQueue(redis(), prefix);
    const stalled = await storeMessage('STALL-1');

    // Worker 1 claims the message and then hangs in the store's finish, as a worker that died would.
    let claimed = false;
    const hanging = Object.create(repo) as MessageRepository;
    hanging.claimMany = async (ids, opts) => {
      const out = await repo.claimMany(ids, opts);
      claimed = true;
      return out;
    };
    hanging.completeMany = () => new Promise<number>(() => undefined);
    const first = startPipelineWorker(deps(hanging), { connection: redis(), prefix, concurrency: 1, logger: silentLogger, queue });
    workers.push(first);
    await queue.enqueueMany([stalled]);
    await waitFor(() => claimed, 10_000, 'worker 1 claims the message');
    expect(await row(stalled)).toEqual({ status: 'received', attempts: 0 });
    await first.close(true); // dies: the job stays active and its lock lapses

    const finished = new Map<string, string>();
    const second = startPipelineWorker(deps(repo), {
      connection: redis(),
      prefix,
      concurrency: 1,
      logger: silentLogger,
      queue,
      onOutcome: (id, outcome) => finished.set(id, outcome.kind),
    });
    workers.push(second);
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
