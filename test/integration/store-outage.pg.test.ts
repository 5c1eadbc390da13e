/**
 * Store unavailable → AR (the sender keeps the message and resends), never AA; health says 503; when the store
 * is back the engine recovers by itself.
 */
import pg from 'pg';
import { segment, startHarness, type Harness } from './engine-harness';
import { dftMessage, PG_ADMIN_URL, waitFor } from './support';

async function admin(query: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  await c.query(query);
  await c.end();
}

describe('store outage', () => {
  let h: Harness;
  let dbName: string;
  beforeAll(async () => {
    h = await startHarness({ store: 'postgres' });
    const row = await h.engine.store.db.selectNoFrom((eb) => eb.fn<string>('current_database').as('name')).executeTakeFirstOrThrow();
    dbName = row.name;
  });
  afterAll(async () => {
    await admin(`alter database ${dbName} allow_connections true`).catch(() => undefined);
    await h.close();
  });

  test('answers AR while Postgres refuses connections, and AA again once it is back', async () => {
    expect(segment(await h.send(dftMessage({ controlId: 'S-1', patientId: 'PS1', lines: [{ txn: 'S1', code: '90471', amount: '1' }] })), 'MSA')[1]).toBe('AA');

    await admin(`alter database ${dbName} allow_connections false`);
    await admin(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${dbName}'`);
    const ack = await h.send(dftMessage({ controlId: 'S-2', patientId: 'PS2', lines: [{ txn: 'S2', code: '90471', amount: '1' }] }));
    expect(segment(ack, 'MSA').slice(0, 3)).toEqual(['MSA', 'AR', 'S-2']);
    expect(ack).toContain('|207^');
    expect((await h.api('GET', '/api/health', undefined, null)).status).toBe(503);

    await admin(`alter database ${dbName} allow_connections true`);
    await waitFor(async () => (await h.api('GET', '/api/health', undefined, null)).status === 200, 15_000, 'health to recover');
    const again = await h.send(dftMessage({ controlId: 'S-2', patientId: 'PS2', lines: [{ txn: 'S2', code: '90471', amount: '1' }] }));
    expect(segment(again, 'MSA')[1]).toBe('AA');
    const row = await h.engine.store.db.selectFrom('messages').select(['id']).where('control_id', '=', 'S-2').executeTakeFirstOrThrow();
    await h.waitForStatus(String(row.id), ['processed']);
  });
});
