/** Mapped records (patients, coverages, linked charges) on a fresh Postgres database: see records-scenarios.ts. */
import { openStore } from '../../src/store/db';
import { describeRecordStore } from './records-scenarios';
import { createTestDatabase } from './support';

describeRecordStore('Postgres', async () => {
  const db = await createTestDatabase();
  const store = await openStore({ databaseUrl: db.url, poolSize: 4 });
  return { store, close: async () => { await store.close(); await db.drop(); } };
});
