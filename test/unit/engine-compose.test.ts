/**
 * The engine's services start up SHUTDOWN_ORDER and stop down it (src/engine/compose.ts), whatever order the
 * sides hand them over in; a service that fails to start stops everything, and a failing stop does not keep
 * the next from running.
 */
import { silentLogger } from '../../src/core/logger';
import { service, SHUTDOWN_ORDER, startServices, type ServiceName } from '../../src/engine/compose';

function recorder() {
  const events: string[] = [];
  const make = (name: ServiceName, opts: { failStart?: boolean; failStop?: boolean } = {}) => service(name,
    () => { events.push(`start ${name}`); if (opts.failStart) throw new Error(`${name} cannot start`); },
    () => { events.push(`stop ${name}`); if (opts.failStop) throw new Error(`${name} cannot stop`); });
  return { events, make };
}

test('start goes up the shutdown order, stop goes down it, each stop once', async () => {
  const { events, make } = recorder();
  const stop = await startServices([make('MLLP listeners'), make('store'), make('admin API'), make('pipeline worker')], silentLogger);
  expect(events).toEqual(['start store', 'start pipeline worker', 'start MLLP listeners', 'start admin API']);
  events.length = 0;
  await Promise.all([stop(), stop()]);
  expect(events).toEqual(['stop admin API', 'stop MLLP listeners', 'stop pipeline worker', 'stop store']);
});

test('a service that cannot start stops the ones that started, and the error is thrown', async () => {
  const { events, make } = recorder();
  await expect(startServices([make('store'), make('MLLP listeners', { failStart: true }), make('admin API')], silentLogger))
    .rejects.toThrow('MLLP listeners cannot start');
  // The admin API never started, so it is not stopped; the listeners' stop runs (they may have half started).
  expect(events).toEqual(['start store', 'start MLLP listeners', 'stop MLLP listeners', 'stop store']);
});

test('a failing stop does not keep the next one from running', async () => {
  const { events, make } = recorder();
  const stop = await startServices([make('queue', { failStop: true }), make('store')], silentLogger);
  await stop();
  expect(events.slice(2)).toEqual(['stop queue', 'stop store']);
});

test('the shutdown order stops accepting first and closes the store last', () => {
  expect(SHUTDOWN_ORDER[0]).toBe('certificate watch');
  expect(SHUTDOWN_ORDER.indexOf('MLLP listeners')).toBeLessThan(SHUTDOWN_ORDER.indexOf('enqueue batcher'));
  expect(SHUTDOWN_ORDER.indexOf('enqueue batcher')).toBeLessThan(SHUTDOWN_ORDER.indexOf('queue'));
  expect(SHUTDOWN_ORDER.at(-1)).toBe('store');
});
