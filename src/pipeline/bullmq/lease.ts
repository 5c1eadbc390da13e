/**
 * A lease in Redis: of several engine processes sharing one Redis (and queue prefix), one holds the lease at a
 * time. `tryHold()` takes the lease when it is free (SET NX PX) or renews it when this process holds it, and
 * resolves whether this process holds it now. A holder that stops renewing (it died) loses it after `ttlMs`.
 * Used so that only one process delivers alert webhooks (src/alerts/monitor.ts). Not a lock for correctness:
 * at a hand-over two processes may both believe they hold it for a moment.
 */
import crypto from 'node:crypto';
import type { Redis } from 'ioredis';

export function redisLease(redis: Redis, key: string, ttlMs: number): { holder: string; tryHold(): Promise<boolean> } {
  const holder = `${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
  return {
    holder,
    async tryHold() {
      if ((await redis.set(key, holder, 'PX', ttlMs, 'NX')) === 'OK') return true;
      if ((await redis.get(key)) !== holder) return false;
      await redis.pexpire(key, ttlMs);
      return true;
    },
  };
}
