/**
 * A real Postgres database and real Redis for tests that run BullMQ pipeline workers directly: the store, Redis
 * connections under one key prefix, a channel whose messages are all filtered (no route), and messages stored as
 * intake would. `close()` stops the workers, deletes the prefix's keys and drops the database.
 */
import crypto from 'node:crypto';
import { Redis } from 'ioredis';
import type { Worker } from 'bullmq';
import type { MessagesPort } from '../../src/pipeline/ports';
import type { ProcessDeps } from '../../src/pipeline/process';
import { openStore, type Store } from '../../src/store/db';
import { MessageRepository } from '../../src/store/repository';
import { createTestDatabase, REDIS_URL } from './support';

export const FIXTURE_CHANNEL = 'pharmacy-inbound';

export interface PipelineWorkerFixture {
  store: Store;
  repo: MessageRepository;
  prefix: string;
  /** A new Redis connection (closed by close()). */
  redis(): Redis;
  /** Workers to close at the end. */
  workers: Worker[];
  /** Pipeline deps over `messages`: no route maps anything, so every claimed message is finished as filtered. */
  deps(messages: MessagesPort): ProcessDeps;
  /** Stores a received message as intake would; returns its id. */
  storeMessage(controlId: string, patientKey?: string | null): Promise<string>;
  close(): Promise<void>;
}

export async function openPipelineWorkerFixture(name: string): Promise<PipelineWorkerFixture> {
  const database = await createTestDatabase();
  const store = await openStore({ databaseUrl: database.url, poolSize: 4 });
  const repo = new MessageRepository(store.db, store.pipelineDb);
  const prefix = `rxbtest-${name}-${crypto.randomBytes(4).toString('hex')}`;
  const connections: Redis[] = [];
  const workers: Worker[] = [];
  const redis = (): Redis => {
    const r = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    connections.push(r);
    return r;
  };
  return {
    store,
    repo,
    prefix,
    redis,
    workers,
    deps: (messages) => ({
      store: messages,
      channel: (channel) =>
        channel === FIXTURE_CHANNEL ? { name: channel, pipeline: { attempts: 3, backoffMs: 100 }, routeFor: () => undefined } : undefined,
      mapping: () => undefined,
    }),
    storeMessage: async (controlId, patientKey = null) => {
      const [stored] = await repo.recordInbound([
        {
          channel: FIXTURE_CHANNEL,
          status: 'received',
          sender: 'RXSYS|PHARM01',
          controlId,
          messageType: 'DFT^P03',
          version: '2.5.1',
          processingId: 'P',
          patientKey,
          remote: 'test',
          content: `MSH|^~\\&|RXSYS|PHARM01|||20240101||DFT^P03|${controlId}|P|2.5.1`,
          duplicateWindowMs: 0,
        },
      ]);
      return stored!.id;
    },
    close: async () => {
      for (const w of workers) await w.close(true).catch(() => undefined);
      const cleanup = redis();
      const keys = await cleanup.keys(`${prefix}:*`);
      if (keys.length > 0) await cleanup.del(...keys);
      for (const c of connections) c.disconnect();
      await store.close();
      await database.drop();
    },
  };
}
