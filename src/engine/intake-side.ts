/**
 * The intake side of an engine process (roles `all` and `listener`): one MLLP listener per enabled channel, the
 * intake behind it (checks, commit, the ACK by the channel's policy), the enqueue batcher that hands received
 * ids to the queue, and backpressure (ACKs slow down while the store's open backlog is over its soft limit).
 *
 * Contract: nothing listens before the 'MLLP listeners' service starts; its stop stops every listener (no new
 * frames, in-flight ACKs drained). `channelListeners` starts and stops one channel's listener: the channel
 * reloader uses the same two functions.
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

export interface IntakeSide {
  readonly services: EngineService[];
  /** The running MLLP listeners by channel name. */
  readonly listeners: ReadonlyMap<string, MllpListener>;
  readonly channelListeners: ChannelListeners;
}

export function intakeSide({ shared }: { shared: SharedParts }): IntakeSide {
  const { config, log, repository, channels: registry, metrics, certificates } = shared;
  const batcher = new EnqueueBatcher(shared.queue, (err, count) =>
    log.warn('enqueue failed; the recovery sweep will retry', { error: (err as Error).name, count }),
  );
  const gauge = new BackpressureGauge(config.backpressure);
  metrics.watch({ backpressure: () => ({ backlog: gauge.backlog, ackDelayMs: gauge.ackDelayMs() }) });

  const listeners = new Map<string, MllpListener>();
  const channelListeners: ChannelListeners = {
    running: (name) => listeners.has(name),
    start: async (channel) => {
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
    },
    stop: async (name) => {
      const listener = listeners.get(name);
      if (!listener) return;
      listeners.delete(name);
      certificates.remove(`mllp:${name}`);
      await listener.stop(5000);
      log.info('channel stopped', { channel: name });
    },
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
  return { services, listeners, channelListeners };
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
