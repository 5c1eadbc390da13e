/** Migration 034 on Postgres: see search-token-migration.ts. */
import { openStore } from '../../src/store/db';
import { createTestDatabase } from './support';
import { describeTokenMigration } from './search-token-migration';

describeTokenMigration(async () => {
  const database = await createTestDatabase();
  const store = await openStore({ databaseUrl: database.url, poolSize: 2 });
  return {
    store,
    close: async () => {
      await store.close();
      await database.drop();
    },
  };
});
