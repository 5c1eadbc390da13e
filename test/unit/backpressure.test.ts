import { ackDelayMs, BackpressureGauge } from '../../src/pipeline/backpressure';
import { backpressureFromEnv, DEFAULT_BACKPRESSURE } from '../../src/engine/config';

const limits = { softBacklog: 1_000, hardBacklog: 11_000, maxAckDelayMs: 500, maxAdmissionWaitMs: 10_000 };

test('no delay at or below the soft limit, full delay at and beyond the hard limit, linear between', () => {
  expect(ackDelayMs(0, limits)).toBe(0);
  expect(ackDelayMs(1_000, limits)).toBe(0);
  expect(ackDelayMs(1_001, limits)).toBe(0); // rounds to 0.05 ms
  expect(ackDelayMs(6_000, limits)).toBe(250);
  expect(ackDelayMs(8_500, limits)).toBe(375);
  expect(ackDelayMs(11_000, limits)).toBe(500);
  expect(ackDelayMs(5_000_000, limits)).toBe(500);
});

test('a delay of 0 turns backpressure off', () => {
  expect(ackDelayMs(1e9, { ...limits, maxAckDelayMs: 0 })).toBe(0);
});

test('the gauge answers for its last reading', () => {
  const gauge = new BackpressureGauge(limits);
  expect(gauge.ackDelayMs()).toBe(0);
  gauge.set(11_000);
  expect(gauge.ackDelayMs()).toBe(500);
  gauge.set(10);
  expect(gauge.ackDelayMs()).toBe(0);
});

test('limits from the environment: defaults, values, and clear errors', () => {
  expect(backpressureFromEnv({})).toEqual(DEFAULT_BACKPRESSURE);
  expect(backpressureFromEnv({ RXBRIDGE_BACKLOG_SOFT: '10', RXBRIDGE_BACKLOG_HARD: '20', RXBRIDGE_MAX_ACK_DELAY_MS: '0' }))
    .toEqual({ softBacklog: 10, hardBacklog: 20, maxAckDelayMs: 0, maxAdmissionWaitMs: 10_000 });
  expect(() => backpressureFromEnv({ RXBRIDGE_BACKLOG_SOFT: 'lots' })).toThrow('RXBRIDGE_BACKLOG_SOFT must be a whole number ≥ 0, got "lots"');
  expect(() => backpressureFromEnv({ RXBRIDGE_BACKLOG_SOFT: '50', RXBRIDGE_BACKLOG_HARD: '50' }))
    .toThrow('RXBRIDGE_BACKLOG_HARD (50) must be greater than RXBRIDGE_BACKLOG_SOFT (50)');
});

describe('admission at the hard limit', () => {
  const small = { softBacklog: 2, hardBacklog: 5, maxAckDelayMs: 100, maxAdmissionWaitMs: 1_000 };

  test('under the hard limit a frame goes at once, and counts into the level until the next reading', () => {
    const gauge = new BackpressureGauge(small);
    expect(gauge.admit()).toBeUndefined();
    expect(gauge.admit()).toBeUndefined();
    expect(gauge.backlog).toBe(2);
    gauge.set(0);
    expect(gauge.backlog).toBe(0);
  });

  test('at the hard limit frames wait, and are admitted in arrival order as room appears', async () => {
    const gauge = new BackpressureGauge(small);
    gauge.set(5);
    const order: number[] = [];
    const waits = [1, 2, 3].map((n) => gauge.admit()!.then(() => order.push(n)));
    expect(gauge.queued).toBe(3);
    gauge.set(3); // room for two
    await Promise.resolve();
    await Promise.resolve();
    expect(order).toEqual([1, 2]);
    expect(gauge.queued).toBe(1);
    expect(gauge.admit()).toBeInstanceOf(Promise); // nobody overtakes the queue
    gauge.set(0);
    await Promise.all(waits);
    expect(order).toEqual([1, 2, 3]);
  });

  test('a frame waits at most maxAdmissionWaitMs; releaseAll lets everyone through', async () => {
    let now = 0;
    const gauge = new BackpressureGauge(small, () => now);
    gauge.set(50);
    let admitted = false;
    void gauge.admit()!.then(() => { admitted = true; });
    now = 999;
    gauge.set(50);
    await Promise.resolve();
    expect(admitted).toBe(false);
    now = 1_000;
    gauge.set(50);
    await Promise.resolve();
    expect(admitted).toBe(true);

    let late = false;
    void gauge.admit()!.then(() => { late = true; });
    gauge.releaseAll();
    await Promise.resolve();
    expect(late).toBe(true);
  });

  test('with backpressure off nothing ever waits', () => {
    const gauge = new BackpressureGauge({ ...small, maxAckDelayMs: 0 });
    gauge.set(1e9);
    expect(gauge.admit()).toBeUndefined();
  });
});

describe('the level between readings', () => {
  /** Admits `count` frames evenly over `ms` on the gauge's clock; returns the highest ACK delay seen meanwhile. */
  function admitOver(gauge: BackpressureGauge, clock: { now: number }, count: number, ms: number): number {
    let highest = 0;
    for (let i = 0; i < count; i++) {
      clock.now += ms / count;
      expect(gauge.admit()).toBeUndefined();
      highest = Math.max(highest, gauge.ackDelayMs());
    }
    return highest;
  }

  test('a flow the pipeline keeps up with leaves the level at the backlog read, above the soft limit in messages a second', () => {
    const clock = { now: 0 };
    const gauge = new BackpressureGauge(limits, () => clock.now);
    gauge.set(50);
    // The first second: no drain known yet, so every admitted frame counts (as before any reading pair).
    admitOver(gauge, clock, 1_300, 1_000);
    gauge.set(60); // 1,290 of the 1,300 finished: the pipeline keeps up
    // 1,300 messages a second on a backlog of 60: never delayed, though more frames pass than the soft limit.
    expect(admitOver(gauge, clock, 1_300, 1_000)).toBe(0);
    expect(gauge.backlog).toBeLessThan(100);
  });

  test('a flood beyond the drain still raises the level at once and waits at the hard limit', () => {
    const clock = { now: 0 };
    const gauge = new BackpressureGauge(limits, () => clock.now);
    gauge.set(50);
    admitOver(gauge, clock, 1_300, 1_000);
    gauge.set(50);
    clock.now += 10;
    let admitted = 0;
    while (gauge.admit() === undefined) admitted++;
    // 10 ms of drain at 1.3 messages a ms made room for 13 frames more than the hard limit's room.
    expect(admitted).toBe(11_000 - 50 + 13);
    expect(gauge.ackDelayMs()).toBe(500);
  });

  test('with the pipeline stopped every admitted frame counts, and a faster drain never takes the level below the reading', () => {
    const clock = { now: 0 };
    const gauge = new BackpressureGauge(limits, () => clock.now);
    gauge.set(50);
    admitOver(gauge, clock, 500, 1_000);
    gauge.set(550); // nothing finished
    admitOver(gauge, clock, 600, 1_000);
    expect(gauge.backlog).toBe(1_150);
    gauge.set(0); // everything finished: a drain of 1,150 a second
    clock.now += 500;
    expect(gauge.backlog).toBe(0);
    gauge.set(40); // another process admitted 40: the drain measured here is 0, never negative
    clock.now += 1_000;
    admitOver(gauge, clock, 10, 100);
    expect(gauge.backlog).toBe(50);
  });
});
