/**
 * The intake side of an engine process (roles `all` and `listener`): one MLLP listener per enabled channel, the
 * intake behind it (checks, commit, the ACK by the channel's policy), the enqueue batcher that hands received
 * ids to the queue, and backpressure (ACKs slow down while the store's open backlog is over its soft limit).
 *
 * Contract: nothing listens before the 'MLLP listeners' service starts; its stop stops every listener (no new
 * frames, in-flight ACKs drained). `channelListeners` starts and stops one channel's listener: the channel
 * reloader uses the same two functions.
 *
 * Paused channels (src/store/channel-pauses.ts): a paused channel's listener is closed (new connections are
 * refused, like an interface engine's stopped source connector) while its stored messages keep processing. The
 * set is read from the store when the listeners start and again by `syncPauses` (after a pause or resume through
 * the API and on each channel notice from another process), which closes the listeners of channels paused since
 * and opens those of channels resumed since. `channelListeners.start` leaves a paused channel closed.
 */
import type { ChannelListeners } from '../channels/reloader';
import type { ChannelPlan } from '../channels/schema';
import { MllpListener } from '../mllp/listener';
import { outcomeWaiter } from '../pipeline/await-outcome';
import { BackpressureGauge, backlogPoller } from '../pipeline/backpressure';
import { EnqueueBatcher } from '../pipeline/bullmq/queue';
import { Intake, type IntakeChannel } from '../pipeline/intake';
import type { TlsCredentials } from '../tls/credentials';
import { service, type EngineService } from './compose';
import type { SharedParts } from './shared-parts';
import { readTlsFiles } from './tls-files';
import { channelPauses, type ChannelPause } from '../store/channel-pauses';

export interface IntakeSide {
  readonly services: EngineService[];
  /** The running MLLP listeners by channel name. */
  readonly listeners: ReadonlyMap<string, MllpListener>;
  readonly channelListeners: ChannelListeners;
  /** Re-reads the paused channels from the store and closes or opens listeners to match. */
  syncPauses(): Promise<void>;
  /** The channels paused as of the last read, by name. */
  paused(): ReadonlyMap<string, ChannelPause>;
}

export function intakeSide({ shared }: { shared: SharedParts }): IntakeSide {
  const { config, log, repository, channels: registry, metrics, certificates } = shared;
  const batcher = new EnqueueBatcher(shared.queue, (err, count) =>
    log.warn('enqueue failed; the recovery sweep will retry', { error: (err as Error).name, count }),
  );
  const gauge = new BackpressureGauge(config.backpressure);
  metrics.watch({ backpressure: () => ({ backlog: gauge.backlog, ackDelayMs: gauge.ackDelayMs() }) });

  const listeners = new Map<string, MllpListener>();
  let paused: ReadonlyMap<string, ChannelPause> = new Map();
  const listen = async (channel: ChannelPlan): Promise<void> => {
    const channelTls = channel.source.tls && readTlsFiles(`channel ${channel.name}`, channel.source.tls);
    const intake = new Intake({
      // Read per frame: a reload's in-place changes (accept, processingIds, duplicates) judge the next frame.
      channel: () => intakeChannelOf(registry.get(channel.name) ?? channel),
      store: repository,
      onReceived: (id) => batcher.add(id),
      logger: log.child({ channel: channel.name }),
      ackDelayMs: () => gauge.ackDelayMs(),
      admit: () => gauge.admit(),
      countOutcome: metrics.intakeOutcomes(channel.name),
      countReusedControlId: metrics.reusedControlId(channel.name),
      awaitOutcome: outcomeWaiter((id) => repository.messageOutcome(id)),
      lanes: config.intakeLanes,
    });
    const listener = new MllpListener(
      {
        host: channel.source.host,
        port: channel.source.port,
        maxFrameBytes: channel.source.maxFrameBytes,
        idleTimeoutMs: channel.source.idleTimeoutMs,
        maxConnections: channel.source.maxConnections,
        maxConnectionsPerIp: channel.source.maxConnectionsPerIp,
        allowFrom: channel.source.allowFrom,
        known: channel.source.knownSenders,
        allowClients: channel.source.tls?.allowClients,
        tls: channelTls && tlsOptionsFor(channel, channelTls),
        logger: log.child({ channel: channel.name }),
        onAnswerWritten: metrics.ackLatency(channel.name),
        onConnectionClosed: metrics.mllpConnectionsClosed(channel.name),
      },
      {
        onFrame: (payload, conn) => intake.handleFrame(payload, { remote: conn.remote, connectionId: String(conn.id) }),
        onOversize: (head, bytes, conn) =>
          intake.handleOversize(head, bytes, channel.source.maxFrameBytes, { remote: conn.remote, connectionId: String(conn.id) }),
      },
    );
    await listener.start();
    listeners.set(channel.name, listener);
    if (channel.source.tls) {
      certificates.add({ name: `mllp:${channel.name}`, files: channel.source.tls, install: (c) => listener.setTlsCredentials(c) });
      certificates.watch(); // watches this channel's files too (files watched already are skipped)
    }
    log.info('channel listening', { channel: channel.name, host: channel.source.host, port: listener.address().port });
  };
  const stop = async (name: string): Promise<void> => {
    const listener = listeners.get(name);
    if (!listener) return;
    listeners.delete(name);
    certificates.remove(`mllp:${name}`);
    await listener.stop(5000);
    log.info('channel stopped', { channel: name });
  };
  const channelListeners: ChannelListeners = {
    running: (name) => listeners.has(name),
    start: async (channel) => {
      if (paused.has(channel.name)) log.info('channel paused: its listener stays closed', { channel: channel.name });
      else await listen(channel);
    },
    stop,
  };
  const readPauses = async () => {
    paused = await channelPauses(shared.store.db);
  };
  const syncPauses = async (): Promise<void> => {
    await readPauses();
    for (const name of [...listeners.keys()]) {
      if (!paused.has(name)) continue;
      await stop(name);
      log.info('channel paused: listener closed', { channel: name });
    }
    for (const plan of registry.list) {
      if (!plan.enabled || paused.has(plan.name) || listeners.has(plan.name)) continue;
      await listen(plan).catch((err: unknown) =>
        log.warn('channel resumed but its listener could not start', { channel: plan.name, error: (err as Error).message }),
      );
    }
  };

  const services: EngineService[] = [
    service(
      'enqueue batcher',
      () => undefined,
      () => batcher.flush(),
    ),
    service(
      'MLLP listeners',
      async () => {
        await readPauses();
        for (const channel of registry.list.filter((c) => c.enabled)) await channelListeners.start(channel);
      },
      async () => {
        await Promise.all([...listeners.keys()].map((name) => channelListeners.stop(name)));
      },
    ),
  ];
  // With backpressure off (RXBRIDGE_MAX_ACK_DELAY_MS=0) the backlog is not even counted.
  if (gauge.limits.maxAckDelayMs > 0) {
    const poller = backlogPoller(gauge, (cap) => repository.countOpen(cap), log);
    services.push(
      service(
        'backlog poller',
        () => poller.start(),
        async () => {
          await poller.stop();
          gauge.releaseAll();
        },
      ),
    );
  }
  return { services, listeners, channelListeners, syncPauses, paused: () => paused };
}

/** What intake checks a frame against: the channel's plan with its `source.charset`. */
function intakeChannelOf(plan: ChannelPlan): IntakeChannel {
  let c = intakeChannels.get(plan);
  if (!c) {
    c = { ...plan, charset: plan.source.charset, sendsApplicationAcks: plan.applicationAcks !== null, ackPolicyFor: plan.ackPolicyFor };
    intakeChannels.set(plan, c);
  }
  return c;
}
const intakeChannels = new WeakMap<ChannelPlan, IntakeChannel>();

/** A TLS channel's listener options: its files' contents and its TLS settings. */
function tlsOptionsFor(channel: ChannelPlan, credentials: TlsCredentials): import('node:tls').TlsOptions | undefined {
  const t = channel.source.tls;
  if (!t) return undefined;
  return {
    cert: credentials.cert,
    key: credentials.key,
    ca: credentials.ca,
    requestCert: t.requestClientCert,
    rejectUnauthorized: t.requestClientCert,
    minVersion: t.minVersion,
  };
}
