/**
 * The embedded store has no autovacuum (PGlite runs Postgres in single-user mode), so the engine vacuums it
 * (src/store/embedded-vacuum.ts). Each message's row is updated when the pipeline finishes it: without a vacuum
 * the next status change of the same rows needs new pages, and the table grows for good.
 */
import { sql, type Kysely } from 'kysely';
import { openStore, type Store } from '../../src/store/db';
import { BodyCodec } from '../../src/store/bodies';
import { vacuumEmbeddedStore } from '../../src/store/embedded-vacuum';
import { MessageRepository } from '../../src/store/repository';
import { startHarness } from './engine-harness';
import { dftMessage } from './support';

jest.setTimeout(60_000);

async function storeWithMessages(count: number): Promise<Store> {
  const store = await openStore({ dataDir: 'memory://' });
  const repo = new MessageRepository(store.db, store.db, BodyCodec.plaintext());
  const content = dftMessage({ controlId: 'V-1', patientId: 'PV1', lines: [{ txn: 'TV1', code: '90471', amount: '25' }] });
  for (let at = 0; at < count; at += 200) {
    await repo.recordInbound(
      Array.from({ length: Math.min(200, count - at) }, (_, i) => ({
        channel: 'c', status: 'received' as const, sender: 'S', controlId: `V-${at + i}`, messageType: 'DFT^P03',
        version: '2.5.1', processingId: 'P', patientKey: null, remote: 't', content, duplicateWindowMs: 0,
      })),
    );
  }
  return store;
}

const heapBytes = async (db: Kysely<any>) =>
  Number((await sql<{ bytes: string }>`select pg_relation_size('messages') as bytes`.execute(db)).rows[0]!.bytes);
const finishAll = (db: Kysely<any>, status: string) =>
  sql`update messages set status = ${status}, finished_at = now()`.execute(db);

describe('the embedded store is vacuumed', () => {
  test('after a vacuum the next status change reuses the space of the last; without one the table grows', async () => {
    for (const vacuum of [false, true]) {
      const store = await storeWithMessages(2_000);
      try {
        await finishAll(store.db, 'processed');
        const before = await heapBytes(store.db);
        if (vacuum) expect((await vacuumEmbeddedStore(store.db)).tables).toContain('messages');
        await finishAll(store.db, 'error');
        const after = await heapBytes(store.db);
        if (vacuum) expect(after).toBeLessThanOrEqual(before * 1.05);
        else expect(after).toBeGreaterThan(before * 1.3);
      } finally {
        await store.close();
      }
    }
  });

  test('tables get statistics; a table unchanged since its last vacuum is left alone', async () => {
    const store = await storeWithMessages(400);
    try {
      const reltuples = async () =>
        Number((await sql<{ n: number }>`select reltuples as n from pg_class where relname = 'messages'`.execute(store.db)).rows[0]!.n);
      expect(await reltuples()).toBe(-1); // never analysed
      const first = await vacuumEmbeddedStore(store.db);
      expect(first.tables).toEqual(expect.arrayContaining(['messages', 'message_contents', 'charges']));
      expect(await reltuples()).toBe(400);

      expect((await vacuumEmbeddedStore(store.db)).tables).toEqual([]);
      await finishAll(store.db, 'processed');
      expect((await vacuumEmbeddedStore(store.db)).tables).toEqual(['messages']);
    } finally {
      await store.close();
    }
  });

  test('the engine on the embedded store runs it on its interval', async () => {
    const h = await startHarness({ store: 'pglite', config: { embeddedVacuumIntervalMs: 200 } });
    try {
      const deadline = Date.now() + 10_000;
      while (!h.logs().includes('embedded store vacuumed') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(h.logs()).toContain('embedded store vacuumed');
    } finally {
      await h.close();
    }
  });
});
