/**
 * Backpressure at intake (src/pipeline/backpressure.ts): while the store's open backlog is over its soft limit,
 * the engine holds each positive ACK (after the commit), never a NAK; at the hard limit a frame is not committed
 * until there is room; when the backlog clears, ACKs are prompt again.
 * The backlog is made by inserting open messages the pipeline cannot see yet (updated in the future, so the
 * recovery sweep leaves them alone), which keeps the test independent of how fast the worker is.
 */
import { sql } from 'kysely';
import { segment, startHarness, waitFor, type Harness } from './engine-harness';
import { dftMessage } from './support';

jest.setTimeout(60_000);

const HOLD_MS = 600;
let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    store: 'postgres',
    env: { RXBRIDGE_BACKLOG_SOFT: '5', RXBRIDGE_BACKLOG_HARD: '40', RXBRIDGE_MAX_ACK_DELAY_MS: String(HOLD_MS) },
  });
});
afterAll(async () => h?.close());

async function timedSend(message: string): Promise<{ ms: number; ack: string }> {
  const t0 = performance.now();
  const ack = await h.send(message);
  return { ms: performance.now() - t0, ack };
}

const dft = (n: number) => dftMessage({ controlId: `BP${n}`, patientId: `BPPAT${n}`, lines: [{ txn: `BPT${n}`, code: '90471', amount: '25.00' }] });

const fakeBacklog = (n: number) => sql`insert into messages (channel, status, updated_at)
  select 'backlog-test', 'received', now() + interval '1 hour' from generate_series(1, ${n}::int)`.execute(h.engine.store.db);

test('ACKs are held while the backlog is over the soft limit, NAKs are not, and prompt again once it clears', async () => {
  const before = await timedSend(dft(1));
  expect(segment(before.ack, 'MSA')[1]).toBe('AA');
  expect(before.ms).toBeLessThan(HOLD_MS / 2);

  // 30 open messages the worker will not touch (their updated_at lies in the future): 25 over the soft limit of 5,
  // so an ACK is held about 600 × 25 / 35 ≈ 430 ms.
  await fakeBacklog(30);
  await waitFor(async () => (await timedSend(dft(100 + Math.floor(Math.random() * 1e6)))).ms >= 300, 10_000, 'ACKs to be held');

  const held = await timedSend(dft(2));
  expect(segment(held.ack, 'MSA')[1]).toBe('AA');
  expect(held.ms).toBeGreaterThanOrEqual(300);
  // The held message was committed before its ACK was held: it is in the store and gets processed.
  const row = await h.engine.store.db.selectFrom('messages').select(['id']).where('control_id', '=', 'BP2').executeTakeFirstOrThrow();
  await h.waitForStatus(String(row.id), ['processed']);

  const nak = await timedSend(dft(3).replace('DFT^P03', 'ZZZ^Z01'));
  expect(segment(nak.ack, 'MSA')[1]).toBe('AR');
  expect(nak.ms).toBeLessThan(HOLD_MS / 2);

  await sql`delete from messages where channel = 'backlog-test'`.execute(h.engine.store.db);
  await waitFor(async () => (await timedSend(dft(200 + Math.floor(Math.random() * 1e6)))).ms < 100, 10_000, 'ACKs to be prompt again');
  expect(h.logs()).toContain('pipeline backlog over its soft limit: ACKs are delayed');
  expect(h.logs()).toContain('pipeline backlog back under its soft limit');
});

test('at the hard limit a frame is not committed until the backlog has room again', async () => {
  await fakeBacklog(60); // over the hard limit of 40
  await new Promise((resolve) => setTimeout(resolve, 1500)); // a reading of the poller (every second)
  const client = await h.client();
  try {
    const t0 = performance.now();
    client.sendFrame(dft(4));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const stored = await h.engine.store.db.selectFrom('messages').select('id').where('control_id', '=', 'BP4').executeTakeFirst();
    expect(stored).toBeUndefined(); // waiting in memory, not yet committed, not yet answered

    await sql`delete from messages where channel = 'backlog-test'`.execute(h.engine.store.db);
    const ack = await client.nextReply(10_000);
    expect(segment(ack, 'MSA')[1]).toBe('AA');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(1500);
    const row = await h.engine.store.db.selectFrom('messages').select('id').where('control_id', '=', 'BP4').executeTakeFirstOrThrow();
    await h.waitForStatus(String(row.id), ['processed']);
  } finally {
    await client.close();
  }
});
