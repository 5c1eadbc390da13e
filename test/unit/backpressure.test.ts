import { ackDelayMs, backpressureFromEnv, BackpressureGauge, DEFAULT_BACKPRESSURE } from '../../src/pipeline/backpressure';

const limits = { softBacklog: 1_000, hardBacklog: 11_000, maxAckDelayMs: 500 };

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
    .toEqual({ softBacklog: 10, hardBacklog: 20, maxAckDelayMs: 0 });
  expect(() => backpressureFromEnv({ RXBRIDGE_BACKLOG_SOFT: 'lots' })).toThrow('RXBRIDGE_BACKLOG_SOFT must be a whole number ≥ 0, got "lots"');
  expect(() => backpressureFromEnv({ RXBRIDGE_BACKLOG_SOFT: '50', RXBRIDGE_BACKLOG_HARD: '50' }))
    .toThrow('RXBRIDGE_BACKLOG_HARD (50) must be greater than RXBRIDGE_BACKLOG_SOFT (50)');
});
