/**
 * The alert monitor under a channel reload (setChannels): new rules apply from the next round, an alert whose
 * channel or rule is gone is withdrawn (logged, not kept), and a monitor with no watched channel reads nothing.
 */
import { PassThrough } from 'node:stream';
import { AlertMonitor } from '../../src/alerts/monitor';
import type { AlertReading } from '../../src/alerts/evaluate';
import { createLogger } from '../../src/core/logger';

const reading = (open: number, deadLetters: number): AlertReading => ({ open, deadLetters, lastReceivedAt: null });

test('setChannels: new rules from the next round; alerts of removed rules and channels are withdrawn', async () => {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (c: Buffer) => lines.push(c.toString('utf8')));
  let reads = 0;
  const monitor = new AlertMonitor({
    channels: [],
    readings: async () => { reads++; return new Map([['lab', reading(10, 2)], ['rx', reading(10, 2)]]); },
    log: createLogger({ stream, level: 'debug' }),
  });
  await monitor.evaluateOnce();
  expect(reads).toBe(0); // nothing watched: nothing read
  expect(monitor.watchedNames()).toEqual([]);

  monitor.setChannels([
    { name: 'lab', rules: { timeZone: 'UTC', deadLettersAbove: 0, queueDepthAbove: 5 } },
    { name: 'rx', rules: { timeZone: 'UTC', deadLettersAbove: 0 } },
  ]);
  await monitor.evaluateOnce();
  expect(reads).toBe(1);
  expect(monitor.active().map((a) => a.id).sort()).toEqual(['lab:dead-letters', 'lab:queue-depth', 'rx:dead-letters']);

  // lab loses its queue-depth rule, rx is no longer watched.
  monitor.setChannels([{ name: 'lab', rules: { timeZone: 'UTC', deadLettersAbove: 0 } }]);
  expect(monitor.active().map((a) => a.id)).toEqual(['lab:dead-letters']);
  expect(monitor.watchedNames()).toEqual(['lab']);
  expect(lines.join('').match(/alert withdrawn/g)).toHaveLength(2);

  await monitor.evaluateOnce();
  expect(monitor.active().map((a) => a.id)).toEqual(['lab:dead-letters']);
});
