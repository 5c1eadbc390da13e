/** Migration 034 on PGlite: see search-token-migration.ts. */
import { openStore } from '../../src/store/db';
import { describeTokenMigration } from './search-token-migration';

describeTokenMigration(async () => {
  const store = await openStore({ dataDir: 'memory://' });
  return { store, close: () => store.close() };
});
