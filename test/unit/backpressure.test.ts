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
