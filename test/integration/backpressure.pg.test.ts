/**
 * Backpressure at intake (src/pipeline/backpressure.ts): while the store's open backlog is over its limit, the
 * engine holds each positive ACK (after the commit), never a NAK; when the backlog clears, ACKs are prompt again.
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
    env: { RXBRIDGE_BACKLOG_SOFT: '5', RXBRIDGE_BACKLOG_HARD: '20', RXBRIDGE_MAX_ACK_DELAY_MS: String(HOLD_MS) },
  });
});
afterAll(async () => h?.close());

async function timedSend(message: string): Promise<{ ms: number; ack: string }> {
  const t0 = performance.now();
  const ack = await h.send(message);
  return { ms: performance.now() - t0, ack };
}

const dft = (n: number) => dftMessage({ controlId: `BP${n}`, patientId: `BPPAT${n}`, lines: [{ txn: `BPT${n}`, code: '90471', amount: '25.00' }] });

test('ACKs are held while the backlog is over the hard limit, NAKs are not, and prompt again once it clears', async () => {
  const before = await timedSend(dft(1));
  expect(segment(before.ack, 'MSA')[1]).toBe('AA');
  expect(before.ms).toBeLessThan(HOLD_MS / 2);

  // 25 open messages the worker will not touch (their updated_at lies in the future).
  await sql`insert into messages (channel, status, updated_at)
            select 'backlog-test', 'received', now() + interval '1 hour' from generate_series(1, 25)`.execute(h.engine.store.db);
  await waitFor(async () => (await timedSend(dft(100 + Math.floor(Math.random() * 1e6)))).ms >= HOLD_MS - 50, 10_000, 'ACKs to be held');

  const held = await timedSend(dft(2));
  expect(segment(held.ack, 'MSA')[1]).toBe('AA');
  expect(held.ms).toBeGreaterThanOrEqual(HOLD_MS - 50);
  // The held message was committed before its ACK was held: it is in the store and gets processed.
  const row = await h.engine.store.db.selectFrom('messages').select(['id']).where('control_id', '=', 'BP2').executeTakeFirstOrThrow();
  await h.waitForStatus(String(row.id), ['processed']);

  const nak = await timedSend(dft(3).replace('DFT^P03', 'ZZZ^Z01'));
  expect(segment(nak.ack, 'MSA')[1]).toBe('AR');
  expect(nak.ms).toBeLessThan(HOLD_MS / 2);

  await sql`delete from messages where channel = 'backlog-test'`.execute(h.engine.store.db);
  await waitFor(async () => (await timedSend(dft(200 + Math.floor(Math.random() * 1e6)))).ms < HOLD_MS / 2, 10_000, 'ACKs to be prompt again');
  expect(h.logs()).toContain('pipeline backlog over its soft limit: ACKs are delayed');
  expect(h.logs()).toContain('pipeline backlog back under its soft limit');
});
