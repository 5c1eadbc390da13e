/**
 * The order in which the engine's services stop, declared once, and the runner that starts and stops them.
 *
 * Contract:
 * - SHUTDOWN_ORDER names every service an engine process can have. Stopping goes down the list: stop accepting
 *   (certificate watch, channel reloads, the admin API, notices), drain in-flight ACKs (MLLP listeners), flush
 *   enqueues, stop the periodic loops and the worker, close the queue, Redis, and last the store (PGlite:
 *   CHECKPOINT). Starting goes up the same list, so each service starts after everything it relies on.
 * - startServices starts the services it is given (a role has only some) in that order; if one fails to start,
 *   every service is stopped, in shutdown order, and the error is thrown. The stop it returns stops each service
 *   once, in shutdown order; a failing stop is logged and the next still runs.
 */
import type { Logger } from '../core/logger';
import type { Service } from '../core/service';

export const SHUTDOWN_ORDER = [
  'certificate watch', // no certificate reload while the servers close
  'channel reloads', // a reload in progress finishes before anything stops
  'billing reloads', // the billing.yaml watch stops; a reload in progress finishes
  'admin API',
  'channel notices',
  'billing notices',
  'alerts',
  'MLLP listeners', // no new frames; in-flight ACKs are drained
  'backlog poller',
  'enqueue batcher', // received ids still buffered reach the queue
  'application ACKs',
  'destinations', // a delivery in flight is stopped; its lease runs out and it is sent again
  'clearinghouse exchange', // an upload in progress finishes (or is found on the server at the next start)
  'body retention',
  'embedded store vacuum', // a vacuum in progress finishes before the store closes
  'recovery sweep',
  'pipeline worker',
  'mapping notices',
  'queue',
  'redis',
  'store',
] as const;

export type ServiceName = (typeof SHUTDOWN_ORDER)[number];

/** A service of the engine: its name places it in SHUTDOWN_ORDER. */
export interface EngineService extends Service {
  readonly name: ServiceName;
}

/** A service made of a start and a stop; stop() runs at most once, and only after start() was called. */
export function service(name: ServiceName, start: () => Promise<void> | void, stop: () => Promise<void> | void): EngineService {
  let started = false;
  let stopped: Promise<void> | undefined;
  return {
    name,
    start: async () => {
      started = true;
      await start();
    },
    stop: () => {
      if (!started) return Promise.resolve();
      stopped ??= Promise.resolve().then(stop);
      return stopped;
    },
  };
}

/** A service made elsewhere (a periodic task, src/core/periodic.ts), under its place in SHUTDOWN_ORDER. */
export function placed(name: ServiceName, inner: Service): EngineService {
  return { name, start: () => inner.start(), stop: () => inner.stop() };
}

/** Something already open (the store, Redis) that only needs closing. */
export function opened(name: ServiceName, close: () => Promise<void> | void): EngineService {
  const s = service(name, () => undefined, close);
  void s.start();
  return s;
}

const rank = (s: EngineService) => SHUTDOWN_ORDER.indexOf(s.name);

/** Stops the services in shutdown order; each stop's failure is logged, and the next stop still runs. */
export async function stopServices(services: readonly EngineService[], log: Logger): Promise<void> {
  for (const s of [...services].sort((a, b) => rank(a) - rank(b))) {
    await s.stop().catch((err: unknown) => log.debug('a service did not stop cleanly', { service: s.name, error: (err as Error).message }));
  }
}

/** Starts the services in start order (shutdown order reversed); returns the function that stops them all. */
export async function startServices(services: readonly EngineService[], log: Logger): Promise<() => Promise<void>> {
  let stopping: Promise<void> | undefined;
  const stopAll = () => (stopping ??= stopServices(services, log));
  try {
    for (const s of [...services].sort((a, b) => rank(b) - rank(a))) await s.start();
  } catch (err) {
    await stopAll();
    throw err;
  }
  return stopAll;
}
