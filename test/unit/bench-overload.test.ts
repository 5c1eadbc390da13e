import { recoverySeconds } from '../../src/bench/overload';

const s = (...p99s: number[]) => p99s.map((p99) => ({ count: p99 < 0 ? 0 : 100, p99: Math.max(0, p99) }));

test('recovery counts from the end of the overload to the first second after which every second stays good', () => {
  expect(recoverySeconds(s(300, 120, 20, 10, 12), 25, 1.5)).toBe(3.5);
  expect(recoverySeconds(s(10, 10, 10), 25, 0.4)).toBe(0.4);
});

test('a relapse moves the recovery point; seconds without answers do not count against it', () => {
  expect(recoverySeconds(s(300, 10, 60, 10, 10), 25, 0)).toBe(3);
  expect(recoverySeconds(s(300, -1, 10, -1, 10), 25, 2)).toBe(3);
});

test('never back within the phase → null', () => {
  expect(recoverySeconds(s(10, 10, 300), 25, 0)).toBeNull();
  expect(recoverySeconds([], 25, 0)).toBeNull();
});
