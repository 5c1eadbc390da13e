/** Content search, CSV export and bulk replay of the message list on PGlite: see message-search-scenarios.ts. */
import { describeMessageSearch } from './message-search-scenarios';

jest.setTimeout(120_000);
describeMessageSearch('pglite');
