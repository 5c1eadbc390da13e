import { recoverySeconds } from '../../src/bench/overload';

/** Seconds as [tailP99] (count 100), or null for a second without answers. */
const s = (...tails: Array<number | null>) => tails.map((t) => ({ count: t === null ? 0 : 100, p99: t ?? 0, tailP99: t ?? 0 }));

test('recovery is the first second from which the p99 of all later answers is within the threshold, plus the gap', () => {
  expect(recoverySeconds(s(900, 300, 40, 20, 18), 25, 1.5)).toBe(4.5);
  expect(recoverySeconds(s(10, 10, 10), 25, 0.4)).toBe(0.4);
});

test('seconds without answers are skipped', () => {
  expect(recoverySeconds(s(300, null, 20), 25, 2)).toBe(4);
});

test('never back within the phase → null', () => {
  expect(recoverySeconds(s(900, 300, 30), 25, 0)).toBeNull();
  expect(recoverySeconds([], 25, 0)).toBeNull();
});
