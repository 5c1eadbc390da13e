/**
 * The deliveries store (src/store/deliveries.ts) against a real store: the feeder's cursor (stops at a message in
 * flight, never feeds twice), ordering (fifo holds the destination, patient the patient, none nothing), leases (a
 * lapsed lease is taken again with the same control id; a late settlement changes nothing) and replay (a new
 * control id). Run on Postgres by deliveries.pg.test.ts and on PGlite by deliveries.pglite.test.ts.
 */
import { sql } from 'kysely';
import type { Store } from '../../src/store/db';
import { DeliveryStore, type FeedTarget } from '../../src/store/deliveries';

export function describeDeliveryStore(name: string, open: () => Promise<{ store: Store; close(): Promise<void> }>): void {
  describe(`deliveries store (${name})`, () => {
    let store: Store;
    let close: () => Promise<void>;
    let deliveries: DeliveryStore;
    let channelNo = 0;
    beforeAll(async () => {
      ({ store, close } = await open());
      deliveries = new DeliveryStore(store.db);
    });
    afterAll(() => close());

    const PAST = new Date('2000-01-01T00:00:00Z');
    async function message(channel: string, status: string, patientKey: string | null = null): Promise<string> {
      const r = await sql<{ id: string }>`
        insert into messages (channel, status, sender, control_id, message_type, version, processing_id, remote, patient_key)
        values (${channel}, ${status}, 'S|F', 'C', 'DFT^P03', '2.5.1', 'P', '127.0.0.1', ${patientKey}) returning id`.execute(store.db);
      return String(r.rows[0]!.id);
    }
    const target = (order: FeedTarget['order']): FeedTarget => ({ name: 'd', types: null, statuses: new Set(['processed']), order });
    const newChannel = () => `ch${++channelNo}`;

    test('the feeder stops at a message in flight and never feeds a message twice', async () => {
      const ch = newChannel();
      const a = await message(ch, 'processed');
      const b = await message(ch, 'processing');
      const c = await message(ch, 'processed');
      const t = [target('fifo')];
      expect(await deliveries.feed(ch, t, PAST)).toBe(1);
      expect(await deliveries.feed(ch, t, PAST)).toBe(0);
      await sql`update messages set status = 'error' where id = ${b}`.execute(store.db); // final, but not for this destination
      expect(await deliveries.feed(ch, t, PAST)).toBe(2);
      // A cursor moved back (as a crash between the insert and the cursor would leave it) makes no second row.
      await sql`update delivery_cursors set last_message_id = 0 where channel = ${ch}`.execute(store.db);
      expect(await deliveries.feed(ch, t, PAST)).toBe(3);
      const rows = await sql<{ message_id: string }>`select message_id from deliveries where channel = ${ch} order by message_id`.execute(store.db);
      expect(rows.rows.map((r) => String(r.message_id))).toEqual([a, c]);
    });

    test('a new channel cursor starts after the messages received before the destination was seen', async () => {
      const ch = newChannel();
      await message(ch, 'processed');
      expect(await deliveries.feed(ch, [target('fifo')], new Date(Date.now() + 60_000))).toBe(0);
      const later = await message(ch, 'processed');
      expect(await deliveries.feed(ch, [target('fifo')], new Date(Date.now() + 60_000))).toBe(1);
      expect((await deliveries.forMessage(later)).map((d) => d.state)).toEqual(['open']);
    });

    test('fifo: only the oldest open delivery is taken; one being retried holds the rest', async () => {
      const ch = newChannel();
      const ids = [await message(ch, 'processed'), await message(ch, 'processed'), await message(ch, 'processed')];
      await deliveries.feed(ch, [target('fifo')], PAST);
      const first = await deliveries.takeDue(ch, 'd', 10, 60_000);
      expect(first.map((d) => d.messageId)).toEqual([ids[0]]);
      expect(first[0]!.controlId).toMatch(/^RXB\d+$/);
      expect(await deliveries.takeDue(ch, 'd', 10, 60_000)).toEqual([]); // leased head
      await deliveries.settle(first[0]!, { kind: 'retry', error: 'down', delayMs: 60_000 });
      expect(await deliveries.takeDue(ch, 'd', 10, 60_000)).toEqual([]); // head waits its backoff, the rest wait for it
      await sql`update deliveries set next_attempt_at = now() where message_id = ${ids[0]}`.execute(store.db);
      const again = await deliveries.takeDue(ch, 'd', 10, 60_000);
      expect(again.map((d) => [d.messageId, d.attempt, d.controlId])).toEqual([[ids[0], 2, first[0]!.controlId]]);
      expect(await deliveries.settle(first[0]!, { kind: 'delivered' })).toBe(false); // attempt 1 is over
      expect(await deliveries.settle(again[0]!, { kind: 'failed', code: 'DESTINATION_GAVE_UP', error: 'x' })).toBe(true);
      expect((await deliveries.takeDue(ch, 'd', 10, 60_000)).map((d) => d.messageId)).toEqual([ids[1]]);
    });

    test('patient: the oldest of each patient at once; none: everything due', async () => {
      const ch = newChannel();
      const p1a = await message(ch, 'processed', 'p1');
      const p2a = await message(ch, 'processed', 'p2');
      await message(ch, 'processed', 'p1');
      const p3a = await message(ch, 'processed', 'p3');
      await deliveries.feed(ch, [target('patient'), { ...target('none'), name: 'n' }], PAST);
      expect((await deliveries.takeDue(ch, 'd', 10, 60_000)).map((d) => d.messageId)).toEqual([p1a, p2a, p3a]);
      expect(await deliveries.takeDue(ch, 'n', 2, 60_000)).toHaveLength(2);
      expect(await deliveries.takeDue(ch, 'n', 10, 60_000)).toHaveLength(2);
    });

    test('a lapsed lease is taken again with the same control id; replay gives a new one', async () => {
      const ch = newChannel();
      const id = await message(ch, 'processed');
      await deliveries.feed(ch, [target('fifo')], PAST);
      const [first] = await deliveries.takeDue(ch, 'd', 1, 1);
      await new Promise((r) => setTimeout(r, 20));
      const [second] = await deliveries.takeDue(ch, 'd', 1, 60_000);
      expect(second).toMatchObject({ messageId: id, attempt: 2, controlId: first!.controlId });
      await deliveries.settle(second!, { kind: 'failed', code: 'DESTINATION_REJECTED', error: 'receiver answered AR' });
      const [row] = await deliveries.forMessage(id);
      expect(row).toMatchObject({ state: 'failed', lastError: 'DESTINATION_REJECTED: receiver answered AR' });
      expect((await deliveries.failed(ch, 'd')).map((d) => d.id)).toEqual([row!.id]);
      expect(await deliveries.replay({ kind: 'destination', channel: ch, destination: 'd' })).toEqual([row!.id]);
      const [third] = await deliveries.takeDue(ch, 'd', 1, 60_000);
      expect(third).toMatchObject({ attempt: 1, controlId: `${first!.controlId}R1` });
      const counts = (await deliveries.counts()).find((c) => c.channel === ch);
      expect(counts).toMatchObject({ open: 1, failed: 0, lastError: 'DESTINATION_REJECTED: receiver answered AR' });
    });
  });
}
