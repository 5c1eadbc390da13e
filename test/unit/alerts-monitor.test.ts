/**
 * The alert monitor's effects without services: it keeps the active alerts, holds them while readings fail, posts
 * only where shouldDeliver() says so (and when that question fails), and gives up on a dead webhook after one
 * retry, logging its host only. Also the metrics cache that keeps scrapes from hammering Redis and the store.
 */
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { AlertMonitor } from '../../src/alerts/monitor';
import type { AlertReading } from '../../src/alerts/evaluate';
import { createLogger } from '../../src/core/logger';
import { cachedFor } from '../../src/metrics/engine-metrics';

/** A loopback port with nothing listening (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

function capture() {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (c: Buffer) => lines.push(...c.toString('utf8').split('\n').filter(Boolean)));
  return { log: createLogger({ stream, level: 'debug' }), text: () => lines.join('\n') };
}

describe('AlertMonitor', () => {
  const reading = (deadLetters: number): AlertReading => ({ open: 0, deadLetters, lastReceivedAt: null });

  it('keeps alerts while readings fail, and posts only when it is the deliverer (or cannot tell)', async () => {
    const port = await closedPort();
    const { log, text } = capture();
    let next: (() => Promise<ReadonlyMap<string, AlertReading>>) = async () => new Map([['lab', reading(2)]]);
    let deliver: () => Promise<boolean> = async () => false;
    const monitor = new AlertMonitor({
      channels: [{ name: 'lab', rules: { timeZone: 'UTC', deadLettersAbove: 0 }, webhook: `http://127.0.0.1:${port}/secret-path` }],
      readings: () => next(), shouldDeliver: () => deliver(), log, webhook: { timeoutMs: 500, retryDelayMs: 10 },
    });

    await monitor.evaluateOnce();
    await monitor.settled();
    expect(monitor.active().map((a) => a.id)).toEqual(['lab:dead-letters']);
    expect(text()).toContain('"message":"alert raised"');
    expect(text()).not.toContain('alert webhook'); // another process delivers

    next = async () => { throw new Error('store down'); };
    await monitor.evaluateOnce();
    await monitor.evaluateOnce();
    expect(monitor.active().map((a) => a.id)).toEqual(['lab:dead-letters']);
    expect(text().match(/alert readings failed/g)).toHaveLength(1); // logged once per outage

    next = async () => new Map([['lab', reading(0)]]);
    deliver = async () => { throw new Error('redis down'); }; // cannot tell: deliver
    await monitor.evaluateOnce();
    await monitor.settled();
    expect(monitor.active()).toEqual([]);
    expect(text()).toContain('alert readings work again');
    const failure = text().split('\n').find((l) => l.includes('alert webhook failed after a retry'));
    expect(failure).toBeDefined();
    expect(JSON.parse(failure!)).toMatchObject({ channel: 'lab', code: 'dead-letters', status: 'cleared', host: `127.0.0.1:${port}`, error: 'ECONNREFUSED' });
    expect(text()).not.toContain('secret-path');
    await monitor.stop();
  });
});

describe('cachedFor', () => {
  it('shares one fetch within its time, also while pending, and forgets a failure at once', async () => {
    let now = 0;
    let calls = 0;
    let fail = false;
    const fetch = async () => { calls++; if (fail) throw new Error('down'); return calls; };
    const cached = cachedFor(1000, fetch, () => now);
    const [a, b] = await Promise.all([cached(), cached()]);
    expect([a, b, calls]).toEqual([1, 1, 1]);
    now = 999;
    expect(await cached()).toBe(1);
    now = 1000;
    expect(await cached()).toBe(2);
    fail = true;
    now = 2000;
    await expect(cached()).rejects.toThrow('down');
    fail = false;
    expect(await cached()).toBe(4); // not the cached failure
  });
});
