/**
 * The `slots-exhausted` alert rule (src/alerts/evaluate.ts) and the slot readings behind it (src/alerts/slots.ts):
 * raised when every slot is taken or a sender was refused since the previous reading; held when this process
 * runs no listener for the channel; cleared by a reading with a free slot and no refusal.
 */
import { evaluateAlerts, type Alert, type SlotsReading } from '../../src/alerts/evaluate';
import { slotsTracker, type ListenerSlots } from '../../src/alerts/slots';

const rules = { timeZone: 'UTC', slotsExhausted: true };
const at = new Date('2026-12-06T10:00:00Z');

function run(slots: SlotsReading | undefined, active: ReadonlyMap<string, Alert> = new Map()) {
  return evaluateAlerts({
    now: at, startedAt: at, active,
    channels: [{ name: 'pharmacy', rules, reading: { open: 0, deadLetters: 0, lastReceivedAt: null, ...(slots ? { slots } : {}) } }],
  });
}

test('raised when every slot is taken, or when a sender was refused since the last reading', () => {
  expect(run({ open: 10, limit: 64, refused: 0 }).raised).toEqual([]);
  expect(run({ open: 64, limit: 64, refused: 0 }).raised).toEqual([expect.objectContaining({ kind: 'slots-exhausted', value: 64, threshold: 64 })]);
  const refused = run({ open: 56, limit: 64, refused: 3 });
  expect(refused.raised).toEqual([expect.objectContaining({
    id: 'pharmacy:slots-exhausted', value: 56, threshold: 64,
    message: 'channel pharmacy: 56 of 64 MLLP connection slots in use, 3 connections refused for want of a slot since the last check',
  })]);
  expect(run(undefined, refused.active).active.has('pharmacy:slots-exhausted')).toBe(true); // no listener here: held
  expect(run({ open: 12, limit: 64, refused: 0 }, refused.active).cleared).toHaveLength(1);
});

test('without the rule, no slot alert', () => {
  const result = evaluateAlerts({
    now: at, startedAt: at, active: new Map(),
    channels: [{ name: 'pharmacy', rules: { timeZone: 'UTC' }, reading: { open: 0, deadLetters: 0, lastReceivedAt: null, slots: { open: 64, limit: 64, refused: 9 } } }],
  });
  expect(result.raised).toEqual([]);
});

test('the tracker turns running totals into refusals since the previous reading (a restarted listener starts again)', () => {
  let total = 0;
  const read = slotsTracker(() => new Map<string, ListenerSlots>([['pharmacy', { open: 1, limit: 8, refusedForSlots: total }]]));
  expect(read().get('pharmacy')).toEqual({ open: 1, limit: 8, refused: 0 });
  total = 5;
  expect(read().get('pharmacy')?.refused).toBe(5);
  expect(read().get('pharmacy')?.refused).toBe(0);
  total = 2; // a new listener after a channel restart
  expect(read().get('pharmacy')?.refused).toBe(2);
});
