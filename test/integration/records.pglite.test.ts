/** Mapped records (patients, coverages, linked charges) on a throwaway PGlite store: see records-scenarios.ts. */
import { openStore } from '../../src/store/db';
import { describeRecordStore } from './records-scenarios';

describeRecordStore('PGlite', async () => {
  const store = await openStore({ dataDir: 'memory://' });
  return { store, close: () => store.close() };
});
