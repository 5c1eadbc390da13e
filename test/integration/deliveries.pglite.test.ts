/** The deliveries store on PGlite: see deliveries-scenarios.ts. */
import { openStore } from '../../src/store/db';
import { describeDeliveryStore } from './deliveries-scenarios';

jest.setTimeout(60_000);
describeDeliveryStore('PGlite', async () => {
  const store = await openStore({ dataDir: 'memory://' });
  return { store, close: () => store.close() };
});
