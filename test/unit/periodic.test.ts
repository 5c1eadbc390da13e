import { periodicTask, type PeriodicTaskOptions } from '../../src/core/periodic';

/** A run the test finishes by hand. */
function gate() {
  let open!: () => void;
  const done = new Promise<void>((resolve) => { open = resolve; });
  return { done, open };
}

function task(overrides: Partial<PeriodicTaskOptions> = {}) {
  const errors: unknown[] = [];
  let runs = 0;
  const t = periodicTask({
    name: 'test loop', intervalMs: 100,
    run: () => { runs++; },
    onError: (err) => { errors.push(err); },
    ...overrides,
  });
  return { t, errors, runs: () => runs };
}

describe('periodicTask', () => {
  beforeEach(() => { jest.useFakeTimers(); });
  afterEach(() => { jest.useRealTimers(); });

  it('runs every interval, the first after one interval (or at once with runAtStart)', async () => {
    const later = task();
    await later.t.start();
    expect(later.runs()).toBe(0);
    await jest.advanceTimersByTimeAsync(100);
    expect(later.runs()).toBe(1);
    await jest.advanceTimersByTimeAsync(300);
    expect(later.runs()).toBe(4);
    await later.t.stop();

    const atOnce = task({ runAtStart: true });
    await atOnce.t.start();
    expect(atOnce.runs()).toBe(1);
    await atOnce.t.stop();

    const firstSoon = task({ firstDelayMs: 10 });
    await firstSoon.t.start();
    await jest.advanceTimersByTimeAsync(10);
    expect(firstSoon.runs()).toBe(1);
    await jest.advanceTimersByTimeAsync(99);
    expect(firstSoon.runs()).toBe(1);
    await firstSoon.t.stop();
  });

  it('never overlaps: the next run is scheduled an interval after the previous one finished', async () => {
    let inFlight = 0;
    let most = 0;
    let current = gate();
    let n = 0;
    const runs = () => n;
    const { t } = task({
      run: async () => {
        n++;
        inFlight++;
        most = Math.max(most, inFlight);
        await current.done;
        inFlight--;
      },
    });
    await t.start();
    await jest.advanceTimersByTimeAsync(100);
    expect(runs()).toBe(1);
    await jest.advanceTimersByTimeAsync(1000); // the run is slow: no second run meanwhile
    expect(runs()).toBe(1);
    const first = current;
    current = gate();
    first.open();
    await jest.advanceTimersByTimeAsync(99);
    expect(runs()).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(runs()).toBe(2);
    expect(most).toBe(1);
    current.open();
    await t.stop();
  });

  it('a run that throws or rejects goes to onError and the loop continues', async () => {
    let n = 0;
    const { t, errors } = task({
      run: async () => {
        n++;
        if (n === 1) throw new Error('store down');
        if (n === 2) return Promise.reject(new Error('redis down'));
        return undefined;
      },
    });
    await t.start();
    await jest.advanceTimersByTimeAsync(300);
    expect(n).toBe(3);
    expect(errors.map((e) => (e as Error).message)).toEqual(['store down', 'redis down']);
    await t.stop();
  });

  it('an onError that throws does not end the loop', async () => {
    let n = 0;
    const t = periodicTask({
      name: 'test loop', intervalMs: 100,
      run: () => { n++; throw new Error('fails'); },
      onError: () => { throw new Error('the handler fails too'); },
    });
    await t.start();
    await jest.advanceTimersByTimeAsync(300);
    expect(n).toBe(3);
    await t.stop();
  });

  it('stop() cancels the next run, aborts the signal, and resolves only after the run in progress', async () => {
    const running = gate();
    let signal: AbortSignal | undefined;
    const { t } = task({ runAtStart: true, run: async (s) => { signal = s; await running.done; } });
    await t.start();
    expect(signal?.aborted).toBe(false);
    let stopped = false;
    const stopping = t.stop().then(() => { stopped = true; });
    await jest.advanceTimersByTimeAsync(1000);
    expect(signal?.aborted).toBe(true);
    expect(stopped).toBe(false);
    running.open();
    await stopping;
    expect(stopped).toBe(true);
    await t.stop(); // idempotent
    await jest.advanceTimersByTimeAsync(1000);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('stop() before start(): nothing ever runs, and start() afterwards does nothing', async () => {
    const { t, runs } = task({ runAtStart: true });
    await t.stop();
    await t.start();
    await jest.advanceTimersByTimeAsync(1000);
    expect(runs()).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
    await t.stop();
  });

  it('start() twice starts one loop', async () => {
    const { t, runs } = task();
    await t.start();
    await t.start();
    await jest.advanceTimersByTimeAsync(100);
    expect(runs()).toBe(1);
    await t.stop();
  });

  it('jitter spreads each wait over interval × (1 ± jitter)', async () => {
    const low = task({ jitter: 0.1, random: () => 0 });
    await low.t.start();
    await jest.advanceTimersByTimeAsync(89);
    expect(low.runs()).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(low.runs()).toBe(1);
    await low.t.stop();

    const high = task({ jitter: 0.1, random: () => 0.9999 });
    await high.t.start();
    await jest.advanceTimersByTimeAsync(109);
    expect(high.runs()).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(high.runs()).toBe(1);
    await high.t.stop();

    // With the real random source every wait stays within the bounds.
    const times: number[] = [];
    const spread = task({ jitter: 0.5, run: () => { times.push(Date.now()); } });
    await spread.t.start();
    const begin = Date.now();
    await jest.advanceTimersByTimeAsync(20_000);
    await spread.t.stop();
    const waits = times.map((at, i) => at - (i === 0 ? begin : times[i - 1]!));
    expect(waits.length).toBeGreaterThan(100);
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(50);
    expect(Math.max(...waits)).toBeLessThanOrEqual(150);
  });

  it('refuses an interval that is not positive and a jitter outside 0..1', () => {
    expect(() => task({ intervalMs: 0 })).toThrow(/intervalMs/);
    expect(() => task({ intervalMs: Number.NaN })).toThrow(/intervalMs/);
    expect(() => task({ jitter: 1.5 })).toThrow(/jitter/);
    expect(() => task({ jitter: -0.1 })).toThrow(/jitter/);
  });

  it('trigger() runs at once while waiting, and right after the run in progress while running', async () => {
    let current = gate();
    let n = 0;
    const { t } = task({ intervalMs: 10_000, run: async () => { n++; await current.done; } });
    t.trigger(); // not started: nothing
    await jest.advanceTimersByTimeAsync(0);
    expect(n).toBe(0);
    await t.start();
    t.trigger();
    await jest.advanceTimersByTimeAsync(0);
    expect(n).toBe(1);
    t.trigger(); // during the run: once more right after it
    t.trigger();
    const first = current;
    current = gate();
    first.open();
    await jest.advanceTimersByTimeAsync(0);
    expect(n).toBe(2);
    current.open();
    await jest.advanceTimersByTimeAsync(9_999);
    expect(n).toBe(2); // then the interval again
    await t.stop();
  });
});

describe('periodicTask with real timers', () => {
  it('unrefs its timers, so a loop never keeps the process alive', async () => {
    const setTimeoutSpy = jest.spyOn(global, 'setTimeout');
    try {
      let n = 0;
      const t = periodicTask({ name: 'test loop', intervalMs: 5, run: () => { n++; }, onError: () => undefined });
      await t.start();
      await new Promise((resolve) => setTimeout(resolve, 60));
      await t.stop();
      expect(n).toBeGreaterThanOrEqual(2);
      const timers = setTimeoutSpy.mock.results.map((r) => r.value as NodeJS.Timeout);
      // One timer per scheduled run, every one unref'd; the only referenced one is this test's own wait.
      expect(timers.filter((timer) => !timer.hasRef()).length).toBeGreaterThanOrEqual(n);
      expect(timers.filter((timer) => timer.hasRef())).toHaveLength(1);
    } finally {
      setTimeoutSpy.mockRestore();
    }
  });
});
