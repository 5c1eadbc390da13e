/**
 * Migration 029 on the embedded store (PGlite) and on Postgres alike: a clearinghouse transfer uploads a batch or a
 * 270 eligibility file, exactly one of the two (the check constraint refuses neither and both), and a 270 file is
 * uploaded by one transfer at most.
 */
import { openStore, type Store } from '../../src/store/db';

jest.setTimeout(60_000);

describe('clearinghouse transfers of 270 files on PGlite', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ dataDir: 'memory://' });
  });
  afterAll(async () => { await store?.close(); });

  test('a transfer names a batch or a 270 file, exactly one', async () => {
    const db = store.db;
    const file = await db.insertInto('eligibility_files').values({ kind: '270', payer_id: 'P1', interchange_control: '000000001',
      file_name: '270-P1.x12', x12: 'ISA*~', actor: 't' }).returning('id').executeTakeFirstOrThrow();
    const batch = await db.insertInto('claim_batches').values({ payer_id: 'P1', sender_id: 'S', interchange_control: '2', group_control: '2',
      transaction_set_control: '1', usage: 'T', claim_count: 0, total_charge: '0.00', file_name: 'b.837', x12: 'ISA*~', actor: 't' } as never)
      .returning('id').executeTakeFirstOrThrow();
    const row = (o: { batch_id?: string | null; eligibility_file_id?: string | null }, name: string) =>
      db.insertInto('clearinghouse_transfers').values({ clearinghouse: 'c', remote_name: name, size: 5, ...o }).execute();

    await expect(row({}, 'none')).rejects.toThrow(/clearinghouse_transfers_one_file_ck/);
    await expect(row({ batch_id: String(batch.id), eligibility_file_id: String(file.id) }, 'both')).rejects.toThrow(/clearinghouse_transfers_one_file_ck/);
    await row({ eligibility_file_id: String(file.id) }, 'a.270');
    await row({ batch_id: String(batch.id) }, 'b.837');
    await expect(row({ eligibility_file_id: String(file.id) }, 'again.270')).rejects.toThrow(/unique|duplicate/i);
    const rows = await db.selectFrom('clearinghouse_transfers').select(['batch_id', 'eligibility_file_id', 'status']).orderBy('id').execute();
    expect(rows).toEqual([
      { batch_id: null, eligibility_file_id: String(file.id), status: 'pending' },
      { batch_id: String(batch.id), eligibility_file_id: null, status: 'pending' },
    ]);
  });
});
