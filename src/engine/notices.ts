/**
 * What keeps the processes of one deployment (one RXBRIDGE_QUEUE_PREFIX) in step, through Redis. Every process
 * has these, whatever its role:
 * - mapping notices on `<prefix>:mappings`: a mapping saved through the API reaches every process; a notice names a
 *   mapping and a version only, the text is read from the store, where the audited API wrote it (src/mappings/editor.ts);
 * - channel notices on `<prefix>:channels`: after a reload through the API, every other process reloads its own
 *   channel files (a process ignores its own notices);
 * - billing notices on `<prefix>:billing`: the same for billing.yaml, after a reload through the API, a payer added
 *   from the console or a change this process saw on disk;
 * - channel alerts (src/alerts): every process evaluates them for GET /api/alerts; webhooks are posted by the process
 *   holding the lease `<prefix>:alerts:lease`, so each notice is posted once.
 */
import { DeliveryStore, type DestinationCounts } from '../store/deliveries';
import crypto from 'node:crypto';
import { AlertMonitor, type MonitoredChannel } from '../alerts/monitor';
import type { BillingReloader } from '../billing/reload';
import type { ChannelReloader } from '../channels/reloader';
import type { ChannelPlan } from '../channels/schema';
import { withTimeout } from '../core/with-timeout';
import { slotsTracker, type ListenerSlots } from '../alerts/slots';
import { MappingEditor } from '../mappings/editor';
import { runPreviewInWorker } from '../mappings/preview-runner';
import { redisLease } from '../pipeline/bullmq/lease';
import { channelReadings } from '../store/channel-readings';
import { failedTransfers } from '../store/clearinghouse-views';
import { mappingVersionsPort, recentMessagesOfTypes } from '../store/mapping-versions';
import { service, type EngineService, type ServiceName } from './compose';
import type { SharedParts } from './shared-parts';

/** The mapping editor behind the mappings API, and the service that applies other processes' saves. */
export function mappingNotices({ shared }: { shared: SharedParts }): { editor: MappingEditor; service: EngineService } {
  const { config, log, store, bodies, channels } = shared;
  const noticeChannel = `${config.queuePrefix}:mappings`;
  const routesTo = (name: string) =>
    channels.list.map((c) => ({
      channel: c.name,
      types: c.routes.filter((r) => r.mapping === name).flatMap((r) => [...r.types]),
    }));
  const editor = new MappingEditor({
    registry: shared.mappings,
    versions: mappingVersionsPort(store.db),
    recentMessages: (name, limit) => recentMessagesOfTypes(store.db, routesTo(name), limit, bodies),
    channelsRouting: (name) =>
      routesTo(name)
        .filter((r) => r.types.length > 0)
        .map((r) => r.channel),
    publish: async (notice) => {
      await shared.queueConnection.publish(noticeChannel, JSON.stringify(notice));
    },
    logger: log,
    // Previews run in a worker thread, stopped after RXBRIDGE_PREVIEW_TIMEOUT_MS: never on the event loop.
    runPreview: (job) => runPreviewInWorker(job, { timeoutMs: config.previewTimeoutMs }),
  });
  let subscriber: ReturnType<typeof shared.redis.connect> | undefined;
  return {
    editor,
    service: service(
      'mapping notices',
      async () => {
        await editor.start();
        const s = (subscriber = shared.redis.connect());
        s.on('message', (_channel: string, text: string) => {
          void editor.applyNotice(text);
        });
        // After a reconnect: apply what was saved while notices could not arrive.
        s.on('ready', () => {
          editor.catchUp().catch(() => log.warn('mapping catch-up failed; it runs again on the next reconnect'));
        });
        await s.subscribe(noticeChannel);
        await editor.catchUp(); // saved between start() and the subscription
      },
      () => {
        subscriber?.disconnect();
      },
    ),
  };
}

/** Channel reloads in every process; `announce` publishes the notice after a reload through the API. */
export function channelNotices({
  shared,
  reloader,
  afterReload,
}: {
  shared: SharedParts;
  reloader: ChannelReloader;
  /** Runs after each reload on a notice (the listeners follow the paused channels in the store); must not throw. */
  afterReload?: () => Promise<void>;
}): {
  announce: () => Promise<void>;
  service: EngineService;
} {
  const reload = async () => {
    try {
      await reloader.reload('notice');
    } finally {
      await afterReload?.();
    }
  };
  return reloadNotices({ shared, topic: 'channels', service: 'channel notices', what: 'channel', reload });
}

/** billing.yaml reloads in every process (src/billing/reload.ts), as channelNotices does for channel files. */
export function billingNotices({ shared, reloader }: { shared: SharedParts; reloader: BillingReloader }): {
  announce: () => Promise<void>;
  service: EngineService;
} {
  return reloadNotices({
    shared,
    topic: 'billing',
    service: 'billing notices',
    what: 'billing.yaml',
    reload: () => reloader.reload('notice'),
  });
}

/**
 * Notices on `<prefix>:<topic>` that make every other process of the deployment re-read its own files: a notice
 * carries this process's origin only (a process ignores its own); the reload logs what it applied or refused.
 */
function reloadNotices(opts: { shared: SharedParts; topic: string; service: ServiceName; what: string; reload: () => Promise<unknown> }): {
  announce: () => Promise<void>;
  service: EngineService;
} {
  const { config, log } = opts.shared;
  const noticeChannel = `${config.queuePrefix}:${opts.topic}`;
  const origin = crypto.randomUUID(); // this engine's own notices are ignored
  let subscriber: ReturnType<typeof opts.shared.redis.connect> | undefined;
  return {
    announce: async () => {
      await opts.shared.queueConnection.publish(noticeChannel, JSON.stringify({ origin }));
    },
    service: service(
      opts.service,
      async () => {
        const s = (subscriber = opts.shared.redis.connect());
        s.on('message', (_channel: string, text: string) => {
          if (noticeOrigin(text) === origin) return;
          // A reload during shutdown is refused, which is fine.
          opts.reload().catch((err: unknown) => log.warn('reload on a notice failed', { file: opts.what, error: (err as Error).message }));
        });
        await s.subscribe(noticeChannel);
      },
      () => {
        subscriber?.disconnect();
      },
    ),
  };
}

function noticeOrigin(text: string): string | undefined {
  try {
    const notice = JSON.parse(text) as { origin?: unknown };
    return typeof notice.origin === 'string' ? notice.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Channel alerts, evaluated every RXBRIDGE_ALERT_INTERVAL_MS. Started even with no alert rules: a channel reload
 * may add some (a round with none reads nothing).
 */
export function alerts({ shared, slots }: { shared: SharedParts; slots: () => ReadonlyMap<string, ListenerSlots> }): {
  monitor: AlertMonitor;
  service: EngineService;
} {
  const { config, log, store } = shared;
  const intervalMs = config.alertIntervalMs;
  const lease = redisLease(shared.queueConnection, `${config.queuePrefix}:alerts:lease`, 2 * intervalMs);
  // The listeners of this process: slot readings for the slots-exhausted rule (absent for channels it does not run).
  const slotsSinceLast = slotsTracker(slots);
  const monitor: AlertMonitor = new AlertMonitor({
    channels: watchedChannels(shared.channels.list),
    log,
    intervalMs,
    readings: async () => {
      const counts = await channelReadings(store.db, monitor.watchedNames());
      const slotsNow = slotsSinceLast();
      const clearinghouseFailures = await failedTransfers(store.db);
      const destinations = destinationReadings(await new DeliveryStore(store.db).counts());
      return new Map(
        [...counts].map(([name, c]) => [
          name,
          {
            ...c,
            slots: slotsNow.get(name),
            clearinghouseFailures,
            destinations: destinations.get(name) ?? { failed: 0, largestQueue: 0, largestQueueName: null },
          },
        ]),
      );
    },
    shouldDeliver: () => withTimeout(lease.tryHold(), 1000, 'the alerts lease'),
  });
  return {
    monitor,
    service: service(
      'alerts',
      () => monitor.start(),
      () => monitor.stop(),
    ),
  };
}

/** The channels with alert rules, as the alert monitor watches them. */
export function watchedChannels(plans: readonly ChannelPlan[]): MonitoredChannel[] {
  return plans.flatMap((c) => (c.alerts ? [{ name: c.name, rules: c.alerts, webhook: c.alerts.webhook }] : []));
}

/** Per channel: its destinations' failed deliveries together, and the largest open queue with its destination. */
export function destinationReadings(
  counts: readonly DestinationCounts[],
): Map<string, { failed: number; largestQueue: number; largestQueueName: string | null }> {
  const out = new Map<string, { failed: number; largestQueue: number; largestQueueName: string | null }>();
  for (const c of counts) {
    const r = out.get(c.channel) ?? { failed: 0, largestQueue: 0, largestQueueName: null };
    r.failed += c.failed;
    if (c.open > r.largestQueue) {
      r.largestQueue = c.open;
      r.largestQueueName = c.destination;
    }
    out.set(c.channel, r);
  }
  return out;
}
