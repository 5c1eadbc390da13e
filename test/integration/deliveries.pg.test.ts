/**
 * The deliveries store on Postgres (deliveries-scenarios.ts), and two engine processes' stores taking from one
 * destination at once: no delivery is taken twice (SKIP LOCKED leases), fifo never hands out two at once.
 */
import { openStore, type Store } from '../../src/store/db';
import { DeliveryStore } from '../../src/store/deliveries';
import { describeDeliveryStore } from './deliveries-scenarios';
import { createTestDatabase } from './support';
import { sql } from 'kysely';

jest.setTimeout(60_000);
describeDeliveryStore('Postgres', async () => {
  const db = await createTestDatabase();
  const store = await openStore({ databaseUrl: db.url, poolSize: 4 });
  return {
    store,
    close: async () => {
      await store.close();
      await db.drop();
    },
  };
});

test('two processes taking at once never take the same delivery', async () => {
  const db = await createTestDatabase();
  const a: Store = await openStore({ databaseUrl: db.url, poolSize: 4 });
  const b: Store = await openStore({ databaseUrl: db.url, poolSize: 4, migrate: false });
  try {
    await sql`insert into messages (channel, status, sender, control_id, message_type, version, processing_id, remote)
              select 'race', 'processed', 'S|F', 'C' || g, 'DFT^P03', '2.5.1', 'P', '127.0.0.1' from generate_series(1, 60) g`.execute(a.db);
    const none = { name: 'n', types: null, statuses: new Set(['processed']), order: 'none' as const };
    const fifo = { ...none, name: 'f', order: 'fifo' as const };
    await new DeliveryStore(a.db).feed('race', [none, fifo], new Date('2000-01-01'));
    const stores = [new DeliveryStore(a.db), new DeliveryStore(b.db)];
    const taken = await Promise.all(Array.from({ length: 12 }, (_, i) => stores[i % 2]!.takeDue('race', 'n', 5, 60_000)));
    const ids = taken.flat().map((d) => d.id);
    expect(ids).toHaveLength(60);
    expect(new Set(ids).size).toBe(60);
    const heads = await Promise.all(Array.from({ length: 6 }, (_, i) => stores[i % 2]!.takeDue('race', 'f', 5, 60_000)));
    expect(heads.flat()).toHaveLength(1);
  } finally {
    await b.close();
    await a.close();
    await db.drop();
  }
});
