/**
 * The hot statements' plans follow the tables as they grow (src/store/prepared.ts): a prepared statement whose
 * generic plan was made on a young table (a few rows) is planned again on the same connection once the table is
 * large, instead of scanning it whole on every call until autovacuum analyses it.
 */
import { sql, type Kysely } from 'kysely';
import { replanDue, REPLAN_MAX_MS } from '../../src/store/prepared';
import { openStore, type Store } from '../../src/store/db';
import { MessageRepository } from '../../src/store/repository';
import type { Database } from '../../src/store/types';
import type { InboundRecord } from '../../src/pipeline/ports';
import { createTestDatabase, dftMessage } from './support';

function record(i: number): InboundRecord {
  const content = dftMessage({ controlId: `PLAN${i}`, patientId: `P${i % 50}`, lines: [{ txn: `T${i}`, code: '99211', amount: '10.00' }] });
  return {
    channel: 'pharmacy-inbound',
    status: 'received',
    sender: 'RXAPP|STORE1',
    controlId: `PLAN${i}`,
    messageType: 'DFT^P03',
    version: '2.5.1',
    processingId: 'P',
    patientKey: `pk${i % 50}`,
    remote: '127.0.0.1:1',
    content,
    duplicateWindowMs: 86_400_000,
  };
}

/** The generic plan the connection holds for the intake statement (built now if it has none). */
async function genericPlanOfIntake(db: Kysely<Database>): Promise<string> {
  const { rows: params } = await sql<{ n: number }>`
    select cardinality(parameter_types) as n from pg_prepared_statements where name = 'rxb_record_inbound'`.execute(db);
  const nulls = sql.raw(Array.from({ length: Number(params[0]?.n ?? 0) }, () => 'null').join(', '));
  await sql`set plan_cache_mode = force_generic_plan`.execute(db);
  try {
    const { rows } = await sql<{ 'QUERY PLAN': string }>`explain execute rxb_record_inbound(${nulls})`.execute(db);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  } finally {
    await sql`reset plan_cache_mode`.execute(db);
  }
}

describe('prepared statements on a growing table', () => {
  let database: { url: string; drop(): Promise<void> };
  let store: Store;

  beforeAll(async () => {
    database = await createTestDatabase();
    // One connection on the main pool: the statements, the bulk insert and the EXPLAIN all share its session.
    store = await openStore({ databaseUrl: database.url, poolSize: 1 });
    // An ANALYZE by autovacuum would also make the plans again (and make this test's stale plan vanish by chance):
    // the table is left to the engine's own re-planning. Set before any statement is prepared (DDL drops plans).
    await sql`alter table messages set (autovacuum_enabled = false)`.execute(store.db);
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('plans the intake statement again once the table has grown, by index instead of a whole-table scan', async () => {
    // The re-plan clock reads Date.now(): held still here, so the first calls keep the plan they made however slow
    // the machine's commits are (a stall of a second would otherwise drop it before the table grows), and moved on
    // below. Only Date is faked: timers and I/O run as usual.
    jest.useFakeTimers({
      doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'requestAnimationFrame', 'cancelAnimationFrame',
        'requestIdleCallback', 'cancelIdleCallback', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval',
        'setTimeout', 'clearTimeout'],
    });
    const repo = new MessageRepository(store.db, store.pipelineDb);
    for (let i = 0; i < 8; i++) await repo.recordInbound([record(i)]);
    // The connection now holds a generic plan made on 8 rows; the table grows to 40,000 rows without an ANALYZE.
    await sql`
      insert into messages (channel, status, sender, control_id, message_type, version, processing_id, patient_key, remote)
      select 'pharmacy-inbound', 'processed', 'RXAPP|STORE1', 'BULK' || g, 'DFT^P03', '2.5.1', 'P', 'pk' || (g % 50), '127.0.0.1:1'
        from generate_series(1, 40000) g`.execute(store.db);
    const stale = await genericPlanOfIntake(store.db);
    expect(stale).toMatch(/Seq Scan on messages/);

    // Past the connection's first re-plan time, the next call drops the stale plan before it runs.
    jest.setSystemTime(Date.now() + 1100);
    await repo.recordInbound([record(100)]);
    const fresh = await genericPlanOfIntake(store.db);
    expect(fresh).not.toMatch(/Seq Scan on messages/);
    expect(fresh).toMatch(/Index (Only )?Scan using messages_dedupe_idx/);
  });
});

describe('replanDue', () => {
  it('starts a new connection clock, then re-plans at doubling intervals up to the cap', () => {
    const client = {} as never;
    let now = 1_000_000;
    expect(replanDue(client, now)).toBe(false);
    now += 999;
    expect(replanDue(client, now)).toBe(false);
    const due: number[] = [];
    for (let t = 0; t < 30 * 60_000; t += 100) if (replanDue(client, now + t)) due.push(t);
    const gaps = due.slice(1).map((t, i) => t - (due[i] as number));
    expect(due[0]).toBeLessThanOrEqual(100);
    expect(gaps.slice(0, 4)).toEqual([2000, 4000, 8000, 16000]);
    expect(Math.max(...gaps)).toBe(REPLAN_MAX_MS);
  });
});
