/**
 * The embedded store on its own thread (src/store/pglite-thread.ts): the event loop keeps running while PGlite works,
 * errors come back as errors on the query that caused them, data survives a close and reopen, and a thread that
 * stops makes later queries fail instead of hang.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import pg from 'pg';
import { EMBEDDED_PIPELINE_CONNECTIONS, openStore } from '../../src/store/db';
import { PgliteConnection, pgliteClientConfig } from '../../src/store/pglite-connection';
import { openPgliteThread } from '../../src/store/pglite-thread';
import { prepared } from '../../src/store/prepared';

jest.setTimeout(60_000);

test('a long statement does not hold up the event loop', async () => {
  const store = await openStore({ dataDir: 'memory://', migrate: false });
  try {
    let last = performance.now();
    let longestGap = 0;
    let ticks = 0;
    const tick = () => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
      ticks++;
    };
    const ticker = setInterval(tick, 5);
    const started = performance.now();
    await sql`select pg_sleep(0.6)`.execute(store.db);
    const took = performance.now() - started;
    tick(); // the time since the last tick counts too (a loop held up the whole time never ticked at all)
    clearInterval(ticker);
    expect(took).toBeGreaterThanOrEqual(550); // the statement did run that long …
    expect(longestGap).toBeLessThan(200); // … and the loop kept turning meanwhile
    expect(ticks).toBeGreaterThan(20);
  } finally {
    await store.close();
  }
});

test('an error answers its own query; the connection goes on', async () => {
  const store = await openStore({ dataDir: 'memory://', migrate: false });
  try {
    await expect(sql`select * from no_such_table`.execute(store.db)).rejects.toThrow(/no_such_table/);
    const rows = await sql<{ n: number }>`select ${41}::int + 1 as n`.execute(store.db);
    expect(rows.rows[0]?.n).toBe(42);
    // A transaction that fails is rolled back whole.
    await sql`create table t (id int primary key)`.execute(store.db);
    await expect(
      store.db.transaction().execute(async (trx) => {
        await sql`insert into t values (1)`.execute(trx);
        await sql`insert into t values (1)`.execute(trx);
      }),
    ).rejects.toThrow(/duplicate key/);
    expect((await sql<{ c: string }>`select count(*) as c from t`.execute(store.db)).rows[0]?.c).toBe('0');
  } finally {
    await store.close();
  }
});

test('what was written is there after a close and a reopen', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-pglite-thread-'));
  try {
    const first = await openStore({ dataDir: dir, migrate: false });
    await sql`create table kept (v text)`.execute(first.db);
    await sql`insert into kept values ('still here')`.execute(first.db);
    await first.close();
    const second = await openStore({ dataDir: dir, migrate: false });
    const rows = await sql<{ v: string }>`select v from kept`.execute(second.db);
    await second.close();
    expect(rows.rows).toEqual([{ v: 'still here' }]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** The bytes of every object alive on `worker`'s JavaScript heap (a heap snapshot holds the live objects only). */
async function liveHeapBytes(worker: Worker): Promise<number> {
  const chunks: Buffer[] = [];
  for await (const chunk of await worker.getHeapSnapshot()) chunks.push(Buffer.from(chunk as Buffer));
  const snapshot = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
    snapshot: { meta: { node_fields: string[] } };
    nodes: number[];
  };
  const fields = snapshot.snapshot.meta.node_fields;
  const selfSize = fields.indexOf('self_size');
  let total = 0;
  for (let i = selfSize; i < snapshot.nodes.length; i += fields.length) total += snapshot.nodes[i]!;
  return total;
}

test('answers read through the thread are not kept there: its heap does not grow with the rows read', async () => {
  const thread = await openPgliteThread('memory://');
  const client = new pg.Client(pgliteClientConfig(new PgliteConnection(thread.connection())) as pg.ClientConfig);
  await client.connect();
  try {
    const read = async (times: number) => {
      for (let i = 0; i < times; i++) {
        const res = await client.query({ name: 'rxb_rows', text: "select g, repeat('x', 40) as pad from generate_series(1, $1::int) g", values: [50_000] });
        expect(res.rows).toHaveLength(50_000);
      }
    };
    await read(2);
    const before = await liveHeapBytes(thread.worker);
    await read(6); // 300,000 rows: kept as parsed messages, they would take tens of megabytes
    const after = await liveHeapBytes(thread.worker);
    expect(after - before).toBeLessThan(5_000_000);
  } finally {
    await client.end();
    await thread.close({ checkpoint: false });
  }
});

test('after the thread stops, a call fails at once instead of waiting forever', async () => {
  const thread = await openPgliteThread('memory://');
  await thread.close({ checkpoint: false });
  await expect(thread.connection().execProtocolStream(new Uint8Array([0x53, 0, 0, 0, 4]))).rejects.toThrow(/embedded store: it was closed/);
});

test('a thread that stops on its own is reported once; one that is closed is not', async () => {
  const lost: string[] = [];
  const thread = await openPgliteThread('memory://', (why) => lost.push(why));
  const closed = await openPgliteThread('memory://', (why) => lost.push(`closed one: ${why}`));
  await closed.close({ checkpoint: false });
  // As if PGlite aborted: the thread ends without being asked.
  await thread.worker.terminate();
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(lost).toEqual(['its thread stopped']);
  await expect(thread.connection().execProtocolStream(new Uint8Array([0x53, 0, 0, 0, 4]))).rejects.toThrow(/embedded store: its thread has stopped/);
});

describe('two connections over the one session (the intake handle and the pipeline handle)', () => {
  test('a transaction on one handle keeps the other handle out of it until it ends', async () => {
    const store = await openStore({ dataDir: 'memory://', migrate: false });
    try {
      await sql`create table t (who text)`.execute(store.db);
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let intakeDone = false;
      let intake: Promise<unknown> | undefined;
      const rolledBack = store.pipelineDb
        .transaction()
        .execute(async (trx) => {
          await sql`insert into t values ('pipeline')`.execute(trx);
          // The other handle writes while this transaction is open: it must not run inside it.
          intake = sql`insert into t values ('intake')`.execute(store.db).then(() => (intakeDone = true));
          await new Promise((resolve) => setTimeout(resolve, 50));
          expect(intakeDone).toBe(false);
          // What the other handle sees meanwhile is not this transaction's either.
          await held;
          throw new Error('roll back');
        })
        .catch((err: Error) => err.message);
      await new Promise((resolve) => setTimeout(resolve, 100));
      release();
      expect(await rolledBack).toBe('roll back');
      await intake;
      // The rollback took the pipeline's row only: the intake's row was written after it, on its own.
      const rows = await sql<{ who: string }>`select who from t`.execute(store.db);
      expect(rows.rows).toEqual([{ who: 'intake' }]);
    } finally {
      await store.close();
    }
  });

  test('both handles prepare statements of one name, and run many statements at once with the right answers', async () => {
    const store = await openStore({ dataDir: 'memory://', migrate: false });
    try {
      const run = (db: typeof store.db, n: number) => prepared<{ n: number }>(db, 'rxb_same_name', 'select $1::int * 2 as n', [n]);
      const asked = Array.from({ length: 200 }, (_, i) => i);
      const answers = await Promise.all(asked.map((i) => run(i % 2 === 0 ? store.db : store.pipelineDb, i)));
      expect(answers.map((rows) => rows[0]?.n)).toEqual(asked.map((i) => i * 2));
      // The pipeline's handle ran its statements on connections of its own (EMBEDDED_PIPELINE_CONNECTIONS), each
      // with the statement prepared once under its own name.
      const names = await sql<{ name: string }>`select name from pg_prepared_statements order by name`.execute(store.db);
      expect(names.rows.map((r) => r.name)).toEqual([
        ...Array.from({ length: EMBEDDED_PIPELINE_CONNECTIONS }, (_, k) => `c${k + 1}.rxb_same_name`),
        'rxb_same_name',
      ]);
      // Transactions on both handles at once, each seeing only its own uncommitted row.
      await sql`create table u (who text)`.execute(store.db);
      const seen = await Promise.all(
        [store.db, store.pipelineDb].map((db, k) =>
          db.transaction().execute(async (trx) => {
            await sql`insert into u values (${`handle ${k}`})`.execute(trx);
            await new Promise((resolve) => setTimeout(resolve, 20));
            return (await sql<{ who: string }>`select who from u order by who`.execute(trx)).rows.map((r) => r.who);
          }),
        ),
      );
      expect(seen).toEqual([['handle 0'], ['handle 0', 'handle 1']]);
    } finally {
      await store.close();
    }
  });
});
