/** Signed audit checkpoints (src/store/audit-checkpoint.ts): signature, tampering, and what a later trail must hold. */
import { checkpointBreak, checkpointKey, parseCheckpoints, signCheckpoint } from '../../src/store/audit-checkpoint';

const key = checkpointKey('k'.repeat(40));
const head = 'a'.repeat(64);

describe('audit checkpoints', () => {
  it('round-trips signed lines and refuses an edited one or another key, naming the line', () => {
    const c = signCheckpoint({ count: 10, lastId: '42', head, at: new Date('2026-12-01T00:00:00Z') }, key);
    const text = `${JSON.stringify(c)}\n\n${JSON.stringify({ ...c, count: 11, mac: signCheckpoint({ count: 11, lastId: '43', head, at: new Date() }, key).mac })}\n`;
    expect(() => parseCheckpoints(text, key, 'cp')).toThrow('cp:3: the signature does not match');
    expect(parseCheckpoints(`${JSON.stringify(c)}\n`, key, 'cp')).toEqual([c]);
    expect(() => parseCheckpoints(JSON.stringify(c), checkpointKey('x'.repeat(40)), 'cp')).toThrow(/cp:1: the signature does not match/);
    expect(() => parseCheckpoints('{"kind":"other"}', key, 'cp')).toThrow('cp:1: not a checkpoint');
    expect(() => checkpointKey('short')).toThrow(/at least 32/);
  });

  it('a later trail holds a checkpoint only with its event, its hash and at least its count', () => {
    const c = signCheckpoint({ count: 10, lastId: '42', head, at: new Date('2026-12-01T00:00:00Z') }, key);
    expect(checkpointBreak(c, { hash: head, count: 10 })).toBeUndefined();
    expect(checkpointBreak(c, { hash: undefined, count: 8 })).toMatch(/event 42.*is gone: rows were deleted/);
    expect(checkpointBreak(c, { hash: 'b'.repeat(64), count: 10 })).toMatch(/was rewritten/);
    expect(checkpointBreak(c, { hash: head, count: 9 })).toMatch(/1 of the 10 events/);
    expect(checkpointBreak(signCheckpoint({ count: 0, lastId: '', head, at: new Date() }, key), { hash: undefined, count: 0 })).toBeUndefined();
  });
});
