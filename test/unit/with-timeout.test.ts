import { withTimeout } from '../../src/core/with-timeout';

describe('withTimeout', () => {
  beforeEach(() => { jest.useFakeTimers(); });
  afterEach(() => { jest.useRealTimers(); });

  it('settles as the promise does when it is in time, and clears its timer', async () => {
    await expect(withTimeout(Promise.resolve(7), 100)).resolves.toBe(7);
    await expect(withTimeout(Promise.reject(new Error('refused')), 100)).rejects.toThrow('refused');
    expect(jest.getTimerCount()).toBe(0);
  });

  it('rejects naming what took too long', async () => {
    const late = withTimeout(new Promise<never>(() => undefined), 100, 'engine stop');
    const seen = late.catch((err: Error) => err);
    await jest.advanceTimersByTimeAsync(100);
    const err = await seen;
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe('engine stop took more than 100 ms');
    expect((err as Error).name).toBe('TimeoutError');
  });
});

test('its timer is unref\'d: a pending wait never keeps the process alive', () => {
  const spy = jest.spyOn(global, 'setTimeout');
  try {
    void withTimeout(new Promise<never>(() => undefined), 60_000).catch(() => undefined);
    const timer = spy.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    clearTimeout(timer);
  } finally {
    spy.mockRestore();
  }
});
