/**
 * The embedded store runs the hot statements as named prepared statements too (src/store/prepared.ts): PGlite plans
 * each of them once per session instead of on every call. A statement that fails leaves the one session usable.
 */
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/store/db';
import { prepared } from '../../src/store/prepared';
import { MessageRepository } from '../../src/store/repository';

describe('prepared statements on the embedded store', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ dataDir: 'memory://' });
  });
  afterAll(async () => {
    await store.close();
  });

  const record = (controlId: string) => ({
    channel: 'pharmacy-inbound',
    status: 'received' as const,
    sender: 'RXSYS|PHARM01',
    controlId,
    messageType: 'DFT^P03',
    version: '2.5.1',
    processingId: 'P',
    patientKey: 'pk1',
    remote: 'test',
    content: `MSH|^~\\&|RXSYS|PHARM01|||20240101||DFT^P03|${controlId}|P|2.5.1`,
    duplicateWindowMs: 60_000,
  });

  it('prepares the intake statement once in the session and runs it again by name', async () => {
    const repo = new MessageRepository(store.db, store.pipelineDb);
    await repo.recordInbound([record('PREP-1')]);
    await repo.recordInbound([record('PREP-2')]);
    const { rows } = await sql<{ name: string }>`select name from pg_prepared_statements where name = 'rxb_record_inbound'`.execute(store.db);
    expect(rows).toEqual([{ name: 'rxb_record_inbound' }]);
  });

  it('keeps the session usable after a prepared statement fails', async () => {
    await expect(prepared(store.db, 'rxb_test_divide', 'select 1 / $1::int as n', [0])).rejects.toThrow('division by zero');
    expect(await prepared(store.db, 'rxb_test_divide', 'select 1 / $1::int as n', [1])).toEqual([{ n: 1 }]);
    const repo = new MessageRepository(store.db, store.pipelineDb);
    const [stored] = await repo.recordInbound([record('PREP-3')]);
    expect(stored?.status).toBe('received');
  });
});
