import { OrderedInboundWriter } from '../../src/pipeline/ordered-writer';
import type { InboundRecord, StoredInbound } from '../../src/pipeline/ports';

const rec = (controlId: string): InboundRecord => ({
  channel: 'c', status: 'received', sender: 'S', controlId, messageType: 'DFT^P03', version: '2.5.1', processingId: 'P',
  patientKey: null, remote: 'r', content: 'MSH|', duplicateWindowMs: 1000,
});

/** A store that commits batches one at a time after a tick, numbering ids in order; records every batch. */
function fakeStore() {
  let next = 1;
  const batches: string[][] = [];
  const write = async (recs: readonly InboundRecord[]): Promise<StoredInbound[]> => {
    batches.push(recs.map((r) => r.controlId));
    await new Promise((r) => setTimeout(r, 5));
    return recs.map(() => ({ id: String(next++), status: 'received' as const, duplicateOf: null }));
  };
  return { write, batches };
}

test('one lane: ids ascend in submission order; records that arrive during a commit go in one batch', async () => {
  const store = fakeStore();
  const writer = new OrderedInboundWriter(store.write);
  const results = await Promise.all(Array.from({ length: 10 }, (_, i) => writer.submit('conn1', rec(`m${i}`))));
  expect(results.map((r) => Number(r.id))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  expect(store.batches).toEqual([['m0'], ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9']]);
  expect(writer.activeLanes).toBe(0);
});

test('a batch never holds the same duplicate key twice', async () => {
  const store = fakeStore();
  const writer = new OrderedInboundWriter(store.write);
  await Promise.all(['a', 'b', 'c', 'b', 'd'].map((id) => writer.submit('l', rec(id))));
  expect(store.batches).toEqual([['a'], ['b', 'c'], ['b', 'd']]);
});

test('lanes are independent, and maxBatch caps a batch', async () => {
  const store = fakeStore();
  const writer = new OrderedInboundWriter(store.write, 3);
  await Promise.all([...Array.from({ length: 7 }, (_, i) => writer.submit('x', rec(`x${i}`))), writer.submit('y', rec('y0'))]);
  expect(store.batches).toEqual([['x0'], ['y0'], ['x1', 'x2', 'x3'], ['x4', 'x5', 'x6']]);
});

test('a failed commit rejects every record of its batch and the lane keeps working', async () => {
  let fail = true;
  const writer = new OrderedInboundWriter(async (recs) => {
    if (fail) { fail = false; throw new Error('store down'); }
    return recs.map((_, i) => ({ id: String(i + 1), status: 'received' as const, duplicateOf: null }));
  });
  await expect(writer.submit('l', rec('a'))).rejects.toThrow('store down');
  await expect(writer.submit('l', rec('b'))).resolves.toMatchObject({ id: '1' });
});

test('a connection repeating one message holds up only itself; each connection keeps its order', async () => {
  const store = fakeStore();
  const writer = new OrderedInboundWriter(store.write);
  const from = (remote: string, controlId: string): InboundRecord => ({ ...rec(controlId), remote });
  // r1 sends k again and again (it never reads its ACKs, so it resends), then m; r2 sends x1, x2 meanwhile.
  const submitted = [from('r1', 'k'), from('r1', 'k'), from('r1', 'k'), from('r2', 'x1'), from('r1', 'm'), from('r2', 'x2')];
  const results = await Promise.all(submitted.map((r) => writer.submit('l', r)));
  expect(store.batches).toEqual([['k'], ['k', 'x1', 'x2'], ['k', 'm']]);
  const idsOf = (remote: string) => results.filter((_, i) => submitted[i]!.remote === remote).map((r) => Number(r.id));
  for (const remote of ['r1', 'r2']) expect(idsOf(remote)).toEqual([...idsOf(remote)].sort((a, b) => a - b));
});
