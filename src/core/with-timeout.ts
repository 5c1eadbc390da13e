/**
 * Bounds how long a caller waits for a promise.
 *
 * Contract: resolves or rejects as `p` does if it settles within `ms`; otherwise rejects with an Error
 * "`what` took more than `ms` ms" (name `TimeoutError`). The timer is cleared as soon as either happens and is
 * unref'd, so a pending wait never keeps the process alive. `p` itself is not cancelled: it runs on, unheard.
 */
export function withTimeout<T>(p: Promise<T>, ms: number, what = 'the operation'): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const err = new Error(`${what} took more than ${ms} ms`);
      err.name = 'TimeoutError';
      reject(err);
    }, ms);
    timer.unref();
    p.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
