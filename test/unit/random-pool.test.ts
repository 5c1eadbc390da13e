/** Pooled random bytes (src/core/random-pool.ts): fresh bytes every call, across refills, any length. */
import { pooledRandomBytes } from '../../src/core/random-pool';

describe('pooledRandomBytes', () => {
  it('hands out distinct values of the asked length, across many pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const b = pooledRandomBytes(i % 2 === 0 ? 12 : 7);
      expect(b.length).toBe(i % 2 === 0 ? 12 : 7);
      seen.add(b.toString('hex'));
    }
    expect(seen.size).toBe(20_000);
  });

  it('gives the caller its own copy: changing it changes nothing handed out later', () => {
    const a = pooledRandomBytes(16);
    a.fill(0);
    const b = pooledRandomBytes(16);
    expect(b.equals(Buffer.alloc(16))).toBe(false);
  });

  it('looks uniform: every byte value turns up, none far more often than the rest', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 4_000; i++) for (const byte of pooledRandomBytes(64)) counts[byte]!++;
    // 256,000 bytes: 1,000 of each value expected; a CSPRNG stays well inside ±20 %.
    expect(Math.min(...counts)).toBeGreaterThan(800);
    expect(Math.max(...counts)).toBeLessThan(1200);
  });

  it('serves a request larger than the pool', () => {
    const big = pooledRandomBytes(10_000);
    expect(big.length).toBe(10_000);
    expect(new Set(big).size).toBeGreaterThan(200);
  });
});
