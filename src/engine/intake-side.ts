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
import type { ChannelPlan, MllpSourcePlan } from '../channels/schema';
import { periodicTask } from '../core/periodic';
import type { AckPolicy } from '../pipeline/ack-policy';
import { FileSource, type FileSourceStatus } from '../sources/file-source';
import { localFolder, openSftpFolder } from '../sources/folders';
import { HttpSource, type HttpSourceStatus } from '../sources/http-source';
import { sourceIntake } from '../sources/source-intake';
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

/** A running file, SFTP or HTTP source: its status for the channel list, and its stop. */
export interface RunningSource {
  status(): FileSourceStatus | HttpSourceStatus;
  stop(): Promise<void>;
  /** The port an HTTP source listens on; undefined for folder sources. */
  port(): number | undefined;
}

/** File sources answer nobody: every message is committed and counted, never held for the pipeline. */
const IMMEDIATE: AckPolicy = Object.freeze({ mode: 'immediate', timeoutMs: 0 });

export interface IntakeSide {
  readonly services: EngineService[];
  /** The running MLLP listeners by channel name. */
  readonly listeners: ReadonlyMap<string, MllpListener>;
  /** The running file, SFTP and HTTP sources by channel name. */
  readonly sources: ReadonlyMap<string, RunningSource>;
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
  const sources = new Map<string, RunningSource>();
  const intakeDeps = (channel: ChannelPlan, policy?: AckPolicy) => ({
    // Read per message: a reload's in-place changes (accept, processingIds, duplicates) judge the next message.
    channel: () => {
      const c = intakeChannelOf(registry.get(channel.name) ?? channel);
      return policy ? { ...c, ackPolicyFor: () => policy } : c;
    },
    store: repository,
    onReceived: (id: string) => batcher.add(id),
    logger: log.child({ channel: channel.name }),
    admit: () => gauge.admit(),
    countOutcome: metrics.intakeOutcomes(channel.name),
    countReusedControlId: metrics.reusedControlId(channel.name),
    awaitOutcome: outcomeWaiter((id) => repository.messageOutcome(id)),
    lanes: config.intakeLanes,
  });
  const startSource = async (channel: ChannelPlan): Promise<void> => {
    const src = channel.source;
    const logger = log.child({ channel: channel.name });
    if (src.type === 'http') {
      const tlsFiles = src.tls && readTlsFiles(`channel ${channel.name}`, src.tls);
      const server = new HttpSource({
        channel: channel.name,
        config: src,
        intake: sourceIntake(intakeDeps(channel)),
        logger,
        tls: tlsFiles &&
          src.tls && {
            cert: tlsFiles.cert,
            key: tlsFiles.key,
            ca: tlsFiles.ca,
            minVersion: src.tls.minVersion,
            requestCert: src.tls.requestClientCert,
            rejectUnauthorized: src.tls.requestClientCert,
          },
      });
      await server.start();
      sources.set(channel.name, { status: () => server.status(), stop: () => server.stop(), port: () => server.address().port });
      log.info('channel listening', { channel: channel.name, host: src.host, port: server.address().port, source: 'http' });
      return;
    }
    if (src.type !== 'file' && src.type !== 'sftp') return;
    const intake = sourceIntake(intakeDeps(channel, IMMEDIATE));
    const poller = new FileSource({
      channel: channel.name,
      type: src.type,
      config: src,
      db: shared.store.db,
      open: () =>
        src.type === 'file' ? Promise.resolve(localFolder(channel.name, src.dir)) : openSftpFolder({ ...src, channel: channel.name }),
      store: (bytes, from) => intake.store(bytes, from),
      logger,
    });
    const task = periodicTask({
      name: `${src.type} source ${channel.name}`,
      intervalMs: src.pollIntervalMs,
      runAtStart: true,
      jitter: 0.1,
      run: (signal) => poller.poll(signal),
      onError: (err) =>
        logger.warn('file source poll failed; tried again at the next poll', {
          channel: channel.name,
          error: (err as Error).name,
          code: (err as { code?: string }).code,
        }),
    });
    await task.start();
    sources.set(channel.name, { status: () => poller.status(), stop: () => task.stop(), port: () => undefined });
    log.info('channel polling', { channel: channel.name, source: src.type, intervalMs: src.pollIntervalMs });
  };
  const listen = async (channel: ChannelPlan): Promise<void> => {
    if (channel.source.type !== 'mllp') return startSource(channel);
    const source = channel.source;
    const channelTls = source.tls && readTlsFiles(`channel ${channel.name}`, source.tls);
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
        host: source.host,
        port: source.port,
        maxFrameBytes: source.maxFrameBytes,
        idleTimeoutMs: source.idleTimeoutMs,
        maxConnections: source.maxConnections,
        maxConnectionsPerIp: source.maxConnectionsPerIp,
        allowFrom: source.allowFrom,
        known: source.knownSenders,
        allowClients: source.tls?.allowClients,
        tls: channelTls && tlsOptionsFor(source, channelTls),
        logger: log.child({ channel: channel.name }),
        onAnswerWritten: metrics.ackLatency(channel.name),
        onConnectionClosed: metrics.mllpConnectionsClosed(channel.name),
      },
      {
        onFrame: (payload, conn) => intake.handleFrame(payload, { remote: conn.remote, connectionId: String(conn.id) }),
        onOversize: (head, bytes, conn) =>
          intake.handleOversize(head, bytes, source.maxFrameBytes, { remote: conn.remote, connectionId: String(conn.id) }),
      },
    );
    await listener.start();
    listeners.set(channel.name, listener);
    if (source.tls) {
      certificates.add({ name: `mllp:${channel.name}`, files: source.tls, install: (c) => listener.setTlsCredentials(c) });
      certificates.watch(); // watches this channel's files too (files watched already are skipped)
    }
    log.info('channel listening', { channel: channel.name, host: source.host, port: listener.address().port });
  };
  const stop = async (name: string): Promise<void> => {
    const running = sources.get(name);
    if (running) {
      sources.delete(name);
      await running.stop();
      log.info('channel stopped', { channel: name });
      return;
    }
    const listener = listeners.get(name);
    if (!listener) return;
    listeners.delete(name);
    certificates.remove(`mllp:${name}`);
    await listener.stop(5000);
    log.info('channel stopped', { channel: name });
  };
  const channelListeners: ChannelListeners = {
    running: (name) => listeners.has(name) || sources.has(name),
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
    for (const name of [...listeners.keys(), ...sources.keys()]) {
      if (!paused.has(name)) continue;
      await stop(name);
      log.info('channel paused: listener closed', { channel: name });
    }
    for (const plan of registry.list) {
      if (!plan.enabled || paused.has(plan.name) || listeners.has(plan.name) || sources.has(plan.name)) continue;
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
        await Promise.all([...listeners.keys(), ...sources.keys()].map((name) => channelListeners.stop(name)));
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
  return { services, listeners, sources, channelListeners, syncPauses, paused: () => paused };
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
function tlsOptionsFor(source: MllpSourcePlan, credentials: TlsCredentials): import('node:tls').TlsOptions | undefined {
  const t = source.tls;
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
