/**
 * The same engine on the embedded store (PGlite through its node-postgres adapter): messages become charges,
 * and everything survives a stop and start on the same data directory.
 */
import { segment, startHarness, type Harness } from './engine-harness';
import { dftMessage } from './support';

describe('engine on PGlite', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness({ store: 'pglite' }); }, 60_000);
  afterAll(async () => { await h.close(); });

  test('charges are written, and kept across a restart; a duplicate after restart is still caught', async () => {
    const msg = dftMessage({ controlId: 'L-1', patientId: 'PL1', lines: [
      { txn: 'TL1-1', code: '90471', amount: '25' }, { txn: 'TL1-2', code: '90686', amount: '18.5' },
    ] });
    expect(segment(await h.send(msg), 'MSA')[1]).toBe('AA');
    const row = await h.engine.store.db.selectFrom('messages').select('id').where('control_id', '=', 'L-1').executeTakeFirstOrThrow();
    await h.waitForStatus(String(row.id), ['processed']);
    expect(h.engine.store.kind).toBe('pglite');

    await h.restart();
    const charges = await h.engine.store.db.selectFrom('charges').select(['code', 'charge_amount']).orderBy('id').execute();
    expect(charges).toEqual([{ code: '90471', charge_amount: '25.00' }, { code: '90686', charge_amount: '18.50' }]);
    expect(segment(await h.send(msg), 'MSA')[1]).toBe('AA');
    const statuses = await h.engine.store.db.selectFrom('messages').select('status').where('control_id', '=', 'L-1').orderBy('id').execute();
    expect(statuses.map((s) => s.status)).toEqual(['processed', 'duplicate']);
  }, 60_000);
});
