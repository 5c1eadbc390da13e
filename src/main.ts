/**
 * The composition root: the only module that wires every part together.
 * startEngine() loads channels and mappings, opens the store and Redis, recovers unfinished work, starts the
 * pipeline worker, the MLLP listeners and the admin API, and returns a handle whose stop() shuts down in order:
 * stop accepting, drain in-flight ACKs, flush enqueues, close workers, close the store (PGlite: CHECKPOINT).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';
import type { Worker } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { Accounts } from './admin/accounts';
import { buildAdminApp, type ChannelStatus } from './admin/app';
import { adminHttpsOptions, httpsConfigFromEnv, type HttpsConfig } from './admin/https-config';
import { loadChannels } from './channels/load';
import { ChannelRegistry } from './channels/registry';
import { ChannelReloader, type ChannelListeners, type ChannelReloadResult } from './channels/reloader';
import type { ChannelPlan } from './channels/schema';
import { createLogger, type Logger } from './core/logger';
import { MappingEditor } from './mappings/editor';
import { MappingRegistry } from './mappings/load';
import { PREVIEW_TIMEOUT_MS, runPreviewInWorker } from './mappings/preview-runner';
import { MllpListener } from './mllp/listener';
import { BackpressureGauge, backpressureFromEnv, startBacklogPoller } from './pipeline/backpressure';
import { BullPipelineQueue, EnqueueBatcher } from './pipeline/bullmq/queue';
import { outcomeWaiter } from './pipeline/await-outcome';
import { openRedis, type RedisHandle } from './pipeline/bullmq/redis';
import { startPipelineWorker } from './pipeline/bullmq/worker';
import { Intake, type IntakeChannel } from './pipeline/intake';
import type { Outcome } from './pipeline/process';
import { recoverOpenMessages, startRecoverySweep } from './pipeline/recovery';
import { replayMessage } from './pipeline/replay';
import { AuditTrail } from './store/audit';
import { openStore, type Store } from './store/db';
import { mappingVersionsPort, recentMessagesOfTypes } from './store/mapping-versions';
import { getMessageDetail, listCharges, listMessages, countsByChannel } from './store/queries';
import { deadLetterGroups, lastErrors, messageTimeline, messagesPerMinute } from './store/console-queries';
import { getMappingVersion } from './store/mapping-versions';
import { ClaimsService } from './store/claims-service';
import { loadBillingConfig, type BillingConfig } from './billing/config';
import { loadPayerRulesDir } from './billing/scrub/payer-rules-files';
import { NO_PAYER_RULES } from './billing/scrub';
import { MessageRepository } from './store/repository';
import { openBodyCodec, type BodyCodec } from './store/bodies';
import { startRetentionTimer } from './store/body-maintenance';
import { readBodyKeySetup } from './core/encryption-config';
import { ApplicationAckDeliverer } from './acks/deliverer';
import { sendMllpMessages } from './mllp/client';
import { applicationAckStore } from './store/application-acks';
import { AlertMonitor, DEFAULT_ALERT_INTERVAL_MS, type MonitoredChannel } from './alerts/monitor';
import { slotsTracker, type ListenerSlots } from './alerts/slots';
import { EngineMetrics } from './metrics/engine-metrics';
import { redisLease } from './pipeline/bullmq/lease';
import { channelReadings } from './store/channel-readings';
import { readTlsCredentials, TlsFilesError, type TlsCredentials } from './tls/credentials';
import { CertificateReloader, DEFAULT_TLS_WATCH_MS, watchIntervalFromEnv, type ReloadResult } from './tls/reloader';

export type EngineRole = 'all' | 'listener' | 'worker';

/** Queue depth (jobs) under which the recovery sweep runs. */
const SWEEP_WHEN_QUEUE_BELOW = 100;

export interface EngineConfig {
  channelsDir: string;
  mappingsDir: string;
  dataDir: string;
  databaseUrl?: string;
  redisUrl?: string;
  httpHost: string;
  /** 0 = ephemeral (tests); -1 = no admin server. */
  httpPort: number;
  /** Bootstrap token: admin while no enabled admin user exists (docs/security.md). */
  adminToken?: string;
  /** Keep the bootstrap token valid even when admin users exist (RXBRIDGE_ALLOW_BOOTSTRAP_TOKEN=true). */
  allowBootstrapToken?: boolean;
  /** Lifetime of a login session token (RXBRIDGE_SESSION_HOURS; default 8 h). */
  sessionTtlMs?: number;
  /** HTTPS for the admin API (RXBRIDGE_HTTPS_*; admin/https-config.ts); absent = plain HTTP. */
  https?: HttpsConfig;
  /** How often TLS files (channels, admin API) are checked for a renewal (RXBRIDGE_TLS_WATCH_MS; default 10 s; 0 = on SIGHUP only). */
  tlsWatchIntervalMs?: number;
  env: Record<string, string | undefined>;
  role?: EngineRole;
  logger?: Logger;
  /** Redis key prefix (tests isolate themselves with their own). */
  queuePrefix?: string;
  /** How often unfinished messages are swept back into the queue, and how old they must be. */
  sweepIntervalMs?: number;
  sweepOlderThanMs?: number;
  /** How often channels with `retention.bodiesDays` prune old bodies (default daily; the first run a minute after start). */
  retentionIntervalMs?: number;
  /** How often due application ACKs are looked for and sent (default 1 s; src/acks). */
  applicationAckIntervalMs?: number;
  onOutcome?: (messageId: string, outcome: Outcome) => void;
  /** billing/billing.yaml (claims, 837P); a missing file leaves billing unconfigured (claims API reads only). */
  billingFile?: string;
  /** billing/payer-rules (scrub payer rules); a missing folder means the built-in defaults. */
  payerRulesDir?: string;
}

export interface Engine {
  readonly store: Store;
  readonly repository: MessageRepository;
  readonly mappings: MappingRegistry;
  /** The channel plans in force (a channel reload replaces them). */
  readonly channels: readonly ChannelPlan[];
  /** The running MLLP listeners by channel name (a channel reload adds, removes and replaces them). */
  readonly listeners: ReadonlyMap<string, MllpListener>;
  readonly queue: BullPipelineQueue;
  readonly redisUrl: string;
  httpAddress(): { host: string; port: number; scheme: 'http' | 'https' } | undefined;
  /** Re-reads the TLS files of every MLLP TLS listener and of the HTTPS admin API (SIGHUP); a failed one keeps its old certificate. */
  reloadCertificates(): ReloadResult[];
  /**
   * Re-reads the channel files and applies the difference without a restart (src/channels/reloader.ts): invalid
   * files change nothing and the result carries their issues. `trigger` is logged (`SIGHUP`, `api`, …).
   */
  reloadChannels(trigger?: string): Promise<ChannelReloadResult>;
  stop(): Promise<void>;
}

export function configFromEnv(env: Record<string, string | undefined>, cwd = process.cwd()): EngineConfig {
  return {
    channelsDir: path.resolve(cwd, env.CHANNELS_DIR ?? 'channels'),
    mappingsDir: path.resolve(cwd, env.MAPPINGS_DIR ?? 'mappings'),
    dataDir: path.resolve(cwd, env.DATA_DIR ?? 'data'),
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    httpHost: env.HTTP_HOST ?? '127.0.0.1',
    httpPort: Number(env.HTTP_PORT ?? 8080),
    adminToken: env.RXBRIDGE_ADMIN_TOKEN || undefined,
    allowBootstrapToken: env.RXBRIDGE_ALLOW_BOOTSTRAP_TOKEN === 'true',
    sessionTtlMs: env.RXBRIDGE_SESSION_HOURS ? Number(env.RXBRIDGE_SESSION_HOURS) * 3600_000 : undefined,
    https: httpsConfigFromEnv(env, cwd),
    tlsWatchIntervalMs: watchIntervalFromEnv(env.RXBRIDGE_TLS_WATCH_MS),
    env,
    queuePrefix: env.RXBRIDGE_QUEUE_PREFIX || undefined,
    sweepIntervalMs: env.RXBRIDGE_SWEEP_INTERVAL_MS ? Number(env.RXBRIDGE_SWEEP_INTERVAL_MS) : undefined,
    sweepOlderThanMs: env.RXBRIDGE_SWEEP_AGE_MS ? Number(env.RXBRIDGE_SWEEP_AGE_MS) : undefined,
    billingFile: path.resolve(cwd, env.BILLING_CONFIG ?? 'billing/billing.yaml'),
    payerRulesDir: path.resolve(cwd, env.PAYER_RULES_DIR ?? 'billing/payer-rules'),
  };
}

export async function startEngine(config: EngineConfig): Promise<Engine> {
  const log = config.logger ?? createLogger();
  const role = config.role ?? 'all';
  const channels = loadChannels({ dir: config.channelsDir, mappingsDir: config.mappingsDir, env: config.env });
  const mappings = new MappingRegistry(config.mappingsDir, config.env);

  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  if (store.kind === 'pglite') {
    log.warn('using the embedded PGlite store: for evaluation and small single-store use; set DATABASE_URL for Postgres', { dataDir: config.dataDir });
  }
  const cleanups: Array<() => Promise<void>> = [async () => store.close()];
  const stopAll = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    return await wire(config, log, role, channels, mappings, store, cleanups, stopAll);
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function wire(
  config: EngineConfig, log: Logger, role: EngineRole, channels: ChannelPlan[], mappings: MappingRegistry,
  store: Store, cleanups: Array<() => Promise<void>>, stopAll: () => Promise<void>,
): Promise<Engine> {
  // Message bodies at rest: encrypted with the configured key (or DATA_DIR/encryption.key, made on first start).
  const bodies = await openBodyCodec(store.db, readBodyKeySetup(config.env, config.dataDir), log);
  const repository = new MessageRepository(store.db, store.pipelineDb, bodies);
  // The admin API's certificate is read before Redis, the worker and the listeners start: a bad file fails start-up at once.
  const adminTls = config.httpPort >= 0 && config.https ? readTlsFiles('the admin API (RXBRIDGE_HTTPS_*)', config.https) : undefined;
  const certificates = new CertificateReloader({ logger: log, intervalMs: config.tlsWatchIntervalMs ?? DEFAULT_TLS_WATCH_MS });
  const redis: RedisHandle = await openRedis({
    redisUrl: config.redisUrl, tlsCaFile: config.env.RXBRIDGE_REDIS_CA || undefined, dataDir: config.dataDir, logger: log,
  });
  cleanups.push(() => redis.close());
  const queueConnection: Redis = redis.connect();
  cleanups.push(async () => { queueConnection.disconnect(); });
  const queue = new BullPipelineQueue(queueConnection, config.queuePrefix);
  cleanups.push(() => queue.close());
  const batcher = new EnqueueBatcher(queue, (err, count) => log.warn('enqueue failed; the recovery sweep will retry', { error: (err as Error).name, count }));
  // The channel plans in force: everything below reads them here, so a channel reload swaps them in one place.
  const registry = new ChannelRegistry(channels);
  // GET /metrics (metrics/engine-metrics.ts): recorders for intake, listeners and the worker; gauges read on scrape.
  const metrics = new EngineMetrics();
  metrics.watch({
    queueCounts: () => queue.queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed'),
    channelReadings: () => channelReadings(store.db, registry.names()),
    pools: () => store.poolStats(),
  });
  const editor = await startMappingEditor(config, log, registry, mappings, store, redis, queueConnection, cleanups, bodies);

  let worker: Worker | undefined;
  if (role !== 'listener') {
    const recovered = await recoverOpenMessages(repository, queue, { olderThanMs: 0 });
    if (recovered > 0) log.info('recovered unfinished messages', { recovered });
    const workerConnection = redis.connect();
    cleanups.push(async () => { workerConnection.disconnect(); });
    worker = startPipelineWorker(
      {
        store: repository,
        // A channel removed by a reload keeps its last plan here: messages it committed before are still processed.
        channel: (name) => registry.lastKnown(name),
        mapping: (name) => mappings.get(name),
        observer: metrics.pipelineObserver(registry.names()),
      },
      {
        connection: workerConnection, prefix: config.queuePrefix, logger: log, onOutcome: config.onOutcome, queue,
        concurrency: workerConcurrency(registry.list),
      },
    );
    const w = worker;
    cleanups.push(() => w.close());
    // While jobs are queued, a sweep would queue their messages twice: it runs when the queue is nearly empty.
    const stopSweep = startRecoverySweep(repository, queue, log, config.sweepIntervalMs ?? 15_000, config.sweepOlderThanMs ?? 60_000,
      async () => (await queue.depth()) < SWEEP_WHEN_QUEUE_BELOW);
    cleanups.push(async () => stopSweep());
    // Read at each run, so a channel reload's `retention` applies to the next run (a run with none does nothing).
    const retention = () => registry.list.flatMap((c) => (c.retention.bodiesDays ? [{ channel: c.name, bodiesDays: c.retention.bodiesDays }] : []));
    const every = config.retentionIntervalMs ?? 86_400_000;
    cleanups.push(startRetentionTimer(store.db, retention, log, every, Math.min(60_000, every), new AuditTrail(store.db)));
    cleanups.push(startApplicationAcks(store, registry, log, config.applicationAckIntervalMs ?? 1000, metrics));
  }

  const listeners = new Map<string, MllpListener>();
  let channelListeners: ChannelListeners | undefined;
  if (role !== 'worker') {
    cleanups.push(() => batcher.flush());
    // Backpressure: ACKs slow down while the store's open backlog is over its soft limit (backpressure.ts).
    const gauge = new BackpressureGauge(backpressureFromEnv(config.env ?? {}));
    metrics.watch({ backpressure: () => ({ backlog: gauge.backlog, ackDelayMs: gauge.ackDelayMs() }) });
    if (gauge.limits.maxAckDelayMs > 0) {
      const stopPoller = startBacklogPoller(gauge, (cap) => repository.countOpen(cap), log);
      cleanups.push(async () => { stopPoller(); gauge.releaseAll(); });
    }
    // One listener per enabled channel; a channel reload stops and starts them through the same two functions.
    channelListeners = {
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
        });
        const listener = new MllpListener(
          {
            host: channel.source.host, port: channel.source.port, maxFrameBytes: channel.source.maxFrameBytes,
            idleTimeoutMs: channel.source.idleTimeoutMs, maxConnections: channel.source.maxConnections,
            maxConnectionsPerIp: channel.source.maxConnectionsPerIp, allowFrom: channel.source.allowFrom,
            known: channel.source.knownSenders, allowClients: channel.source.tls?.allowClients,
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
    const running = channelListeners;
    // Listeners stop first (cleanups run in reverse): no new frames, in-flight ACKs drained.
    cleanups.push(async () => { await Promise.all([...listeners.keys()].map((name) => running.stop(name))); });
    for (const channel of registry.list.filter((c) => c.enabled)) await running.start(channel);
  }

  const slotsNow = () => new Map([...listeners].map(([name, l]) => [name, l.slots()]));
  const alerts = startAlerts(config, log, registry, store, queueConnection, cleanups, slotsNow);
  metrics.watch({ mllpSlots: () => [...slotsNow()].map(([channel, s]) => ({ channel, ...s })) });
  metrics.watch({ activeAlerts: () => alerts.active() });

  // Channel reload (SIGHUP, POST /api/channels/reload, a notice from another process): src/channels/reloader.ts.
  const pipelineWorker = worker;
  const channelReloader = new ChannelReloader({
    registry,
    load: () => loadChannels({ dir: config.channelsDir, mappingsDir: config.mappingsDir, env: config.env }),
    mappingLoaded: (name) => mappings.get(name) !== undefined,
    listeners: channelListeners,
    onApplied: (plans) => {
      if (pipelineWorker) pipelineWorker.concurrency = workerConcurrency(plans);
      alerts.setChannels(watchedChannels(plans));
    },
    logger: log,
  });
  const announceChannelReload = await startChannelNotices(config, log, redis, queueConnection, channelReloader, cleanups);
  const reloadChannelsEverywhere = async (): Promise<ChannelReloadResult> => {
    const result = await channelReloader.reload('api');
    if (result.ok) {
      await announceChannelReload().catch((err: unknown) =>
        log.warn('channel reload notice could not be published; other engine processes reload on their own SIGHUP or API call', { error: (err as Error).name }));
    }
    return result;
  };

  let http: FastifyInstance | undefined;
  if (config.httpPort >= 0) {
    const accounts = new Accounts({
      db: store.db, bootstrapToken: config.adminToken, allowBootstrapToken: config.allowBootstrapToken, sessionTtlMs: config.sessionTtlMs,
    });
    const channelStatus = () => registry.list.map((c): ChannelStatus => {
      const l = listeners.get(c.name);
      return {
        name: c.name, description: c.description,
        state: !c.enabled ? 'disabled' : !l ? 'stopped' : l.serving ? 'listening' : 'errored',
        host: c.source.host, port: l?.serving ? l.address().port : c.source.port, connections: l?.connectionCount ?? 0,
        accept: [...c.accept], routes: c.routes.map((r) => ({ types: [...r.types], mapping: r.mapping })),
        acks: { mode: c.acks.mode, timeoutMs: c.acks.timeoutMs, senders: { ...c.acks.senders } },
      };
    });
    const replay = (id: string, raw: string | undefined, actor: string) => replayMessage({ store: repository, queue, logger: log }, id, raw, actor);
    http = buildAdminApp({
      logger: log,
      security: { authenticator: accounts, accounts, audit: new AuditTrail(store.db), scrapeToken: config.env.RXBRIDGE_METRICS_TOKEN || undefined },
      observability: { metrics, alerts: () => alerts.active() },
      health: async () => {
        const [storeOk, queueDepth] = await Promise.all([
          store.ping(),
          withTimeout(queue.depth(), 1000).catch(() => undefined),
        ]);
        return { store: storeOk, queue: queueDepth !== undefined, queueDepth };
      },
      channels: channelStatus,
      counts: () => countsByChannel(store.db),
      // Patient and Rx searches match the blind index: the terms become tokens here and go no further.
      listMessages: ({ patient, rx, code, ...f }) => listMessages(store.db, {
        ...f, errorCode: code,
        patientTokens: patient === undefined ? undefined : repository.search.patientTokens(patient),
        rxTokens: rx === undefined ? undefined : repository.search.rxTokens(rx),
      }),
      getMessage: (id) => getMessageDetail(store.db, id, bodies),
      listCharges: (f) => listCharges(store.db, f),
      replay,
      reloadChannels: reloadChannelsEverywhere,
      mappings: Object.assign(editor, { version: (name: string, version: number) => getMappingVersion(store.db, name, version) }),
      console: {
        channels: async () => channelStatus(),
        counts: () => countsByChannel(store.db),
        perMinute: (since) => messagesPerMinute(store.db, since),
        lastErrors: (names) => lastErrors(store.db, names),
        queue: () => withTimeout(queue.counts(), 1000).catch(() => null),
        senders: async (name) => (listeners.get(name)?.connectionStats() ?? []).map((c) => ({ remote: c.remote, connectedAt: c.connectedAt, messages: c.messages })),
        timeline: (id) => messageTimeline(store.db, id),
        deadLetterGroups: () => deadLetterGroups(store.db),
        replay,
      },
      claims: claimsService(config, store, log),
    }, { https: adminTls && config.https && adminHttpsOptions(config.https, adminTls) });
    await http.listen({ host: config.httpHost, port: config.httpPort });
    const h = http;
    cleanups.push(() => h.close());
    if (adminTls && config.https) {
      const https = config.https;
      // https.Server, since buildAdminApp was given `https`; setSecureContext resets what it is not given.
      const server = h.server as unknown as import('node:https').Server;
      certificates.add({ name: 'admin', files: https, install: (c) => server.setSecureContext(adminHttpsOptions(https, c)) });
    }
    log.info('admin API listening', { host: config.httpHost, port: httpPortOf(http), scheme: adminTls ? 'https' : 'http' });
  }
  certificates.watch();
  cleanups.push(async () => certificates.close()); // first to stop: no reload while the servers close
  cleanups.push(() => channelReloader.close()); // a channel reload in progress finishes before anything stops

  return {
    store, repository, mappings, listeners, queue, redisUrl: redis.url,
    get channels() { return registry.list; },
    httpAddress: () => (http ? { host: config.httpHost, port: httpPortOf(http), scheme: adminTls ? 'https' : 'http' } : undefined),
    reloadCertificates: () => certificates.reloadAll(),
    reloadChannels: (trigger = 'call') => channelReloader.reload(trigger),
    stop: stopAll,
  };
}

/**
 * Mapping changes through the API reach every engine process: notices on the Redis channel
 * `<queue prefix>:mappings` (every process subscribes, whatever its role) name a mapping and a version only;
 * the text is read from the store, where the audited API wrote it (src/mappings/editor.ts).
 */
async function startMappingEditor(
  config: EngineConfig, log: Logger, channels: ChannelRegistry, mappings: MappingRegistry, store: Store,
  redis: RedisHandle, publisher: Redis, cleanups: Array<() => Promise<void>>, bodies: BodyCodec,
): Promise<MappingEditor> {
  const noticeChannel = `${config.queuePrefix ?? 'rxb'}:mappings`;
  const routesTo = (name: string) => channels.list.map((c) => ({
    channel: c.name, types: c.routes.filter((r) => r.mapping === name).flatMap((r) => [...r.types]),
  }));
  const editor = new MappingEditor({
    registry: mappings,
    versions: mappingVersionsPort(store.db),
    recentMessages: (name, limit) => recentMessagesOfTypes(store.db, routesTo(name), limit, bodies),
    channelsRouting: (name) => routesTo(name).filter((r) => r.types.length > 0).map((r) => r.channel),
    publish: async (notice) => { await publisher.publish(noticeChannel, JSON.stringify(notice)); },
    logger: log,
    // Previews run in a worker thread, stopped after RXBRIDGE_PREVIEW_TIMEOUT_MS (default 10 s): never on the event loop.
    runPreview: (job) => runPreviewInWorker(job, { timeoutMs: Number(config.env.RXBRIDGE_PREVIEW_TIMEOUT_MS) || PREVIEW_TIMEOUT_MS }),
  });
  await editor.start();
  const subscriber = redis.connect();
  cleanups.push(async () => { subscriber.disconnect(); });
  subscriber.on('message', (_channel: string, text: string) => { void editor.applyNotice(text); });
  // After a reconnect: apply what was saved while notices could not arrive.
  subscriber.on('ready', () => { editor.catchUp().catch(() => log.warn('mapping catch-up failed; it runs again on the next reconnect')); });
  await subscriber.subscribe(noticeChannel);
  await editor.catchUp(); // saved between start() and the subscription
  return editor;
}

/**
 * Channel alerts (src/alerts): every process evaluates them (every RXBRIDGE_ALERT_INTERVAL_MS, default 30 s) for
 * GET /api/alerts; webhooks are posted by the process holding the Redis lease `<queue prefix>:alerts:lease`, so a
 * deployment of several processes posts each notice once.
 */
function startAlerts(
  config: EngineConfig, log: Logger, channels: ChannelRegistry, store: Store, redis: Redis, cleanups: Array<() => Promise<void>>,
  slots: () => ReadonlyMap<string, ListenerSlots>,
): AlertMonitor {
  const intervalMs = Number(config.env.RXBRIDGE_ALERT_INTERVAL_MS) || DEFAULT_ALERT_INTERVAL_MS;
  const lease = redisLease(redis, `${config.queuePrefix ?? 'rxb'}:alerts:lease`, 2 * intervalMs);
  // The listeners of this process: slot readings for the slots-exhausted rule (absent for channels it does not run).
  const slotsSinceLast = slotsTracker(slots);
  const monitor = new AlertMonitor({
    channels: watchedChannels(channels.list), log, intervalMs,
    readings: async () => {
      const counts = await channelReadings(store.db, monitor.watchedNames());
      const slotsNow = slotsSinceLast();
      return new Map([...counts].map(([name, c]) => [name, { ...c, slots: slotsNow.get(name) }]));
    },
    shouldDeliver: () => withTimeout(lease.tryHold(), 1000),
  });
  // Started even with no alert rules: a channel reload may add some (a round with none reads nothing).
  monitor.start();
  cleanups.push(() => monitor.stop());
  return monitor;
}

/** The channels with alert rules, as the alert monitor watches them. */
function watchedChannels(plans: readonly ChannelPlan[]): MonitoredChannel[] {
  return plans.flatMap((c) => (c.alerts ? [{ name: c.name, rules: c.alerts, webhook: c.alerts.webhook }] : []));
}

/**
 * Channel reloads reach every engine process: after a reload through the API, a notice on the Redis channel
 * `<queue prefix>:channels`; every process subscribes (whatever its role) and reloads its own channel files on
 * a notice from another process. Returns the function that publishes the notice.
 */
async function startChannelNotices(
  config: EngineConfig, log: Logger, redis: RedisHandle, publisher: Redis, reloader: ChannelReloader, cleanups: Array<() => Promise<void>>,
): Promise<() => Promise<void>> {
  const noticeChannel = `${config.queuePrefix ?? 'rxb'}:channels`;
  const origin = crypto.randomUUID(); // this engine's own notices are ignored
  const subscriber = redis.connect();
  cleanups.push(async () => { subscriber.disconnect(); });
  subscriber.on('message', (_channel: string, text: string) => {
    if (noticeOrigin(text) === origin) return;
    // The reloader logs what it applied or refused; a reload during shutdown is refused, which is fine.
    reloader.reload('notice').catch((err: unknown) => log.warn('channel reload on a notice failed', { error: (err as Error).message }));
  });
  await subscriber.subscribe(noticeChannel);
  return async () => { await publisher.publish(noticeChannel, JSON.stringify({ origin })); };
}

function noticeOrigin(text: string): string | undefined {
  try {
    const notice = JSON.parse(text) as { origin?: unknown };
    return typeof notice.origin === 'string' ? notice.origin : undefined;
  } catch {
    return undefined;
  }
}

/** One pipeline worker serves every channel, with the highest `pipeline.concurrency` among them. */
function workerConcurrency(plans: readonly ChannelPlan[]): number {
  return Math.max(1, ...plans.map((c) => c.pipeline.concurrency));
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

/**
 * Application ACKs (enhanced mode, MSH-16; src/acks): every worker process delivers the due ones of the channels with
 * an `applicationAcks` destination, as the channels in force name them; the store's leases keep processes apart.
 * Returns the cleanup that stops delivery (the round in flight finishes).
 */
function startApplicationAcks(
  store: Store, registry: ChannelRegistry, log: Logger, intervalMs: number, metrics: EngineMetrics,
): () => Promise<void> {
  const deliverer = new ApplicationAckDeliverer({
    store: applicationAckStore(store.db),
    destinations: () => new Map(registry.list.flatMap((c) => (c.applicationAcks ? [[c.name, c.applicationAcks] as const] : []))),
    send: sendMllpMessages,
    logger: log,
    onSettled: (channel, result) => metrics.applicationAckSettled(channel, result),
  });
  deliverer.start(intervalMs);
  return () => deliverer.stop();
}

/** The claims API's service: billing.yaml and the payer rules read once at start (an invalid file fails start-up). */
function claimsService(config: EngineConfig, store: Store, log: Logger): ClaimsService {
  const billingFile = config.billingFile ?? path.resolve('billing/billing.yaml');
  const rulesDir = config.payerRulesDir ?? path.resolve('billing/payer-rules');
  let billing: BillingConfig | undefined;
  if (fs.existsSync(billingFile)) billing = loadBillingConfig(billingFile, config.env, config.dataDir);
  else log.warn('billing is not configured: claims can be read but not built or batched', { file: billingFile });
  const payerRules = fs.existsSync(rulesDir) ? loadPayerRulesDir(rulesDir, config.env) : NO_PAYER_RULES;
  return new ClaimsService({ db: store.db, config: billing, missing: `${billingFile} not found`, payerRules });
}

/**
 * Reads and checks TLS files at start (src/tls/credentials.ts). A missing file, or a key that does not belong to
 * its certificate, fails start-up naming the server (`channel NAME`, the admin API) and the file.
 */
function readTlsFiles(server: string, files: import('./tls/credentials').TlsFiles): TlsCredentials {
  try {
    return readTlsCredentials(files);
  } catch (err) {
    if (err instanceof TlsFilesError) throw new Error(`${server}: ${err.message}`);
    throw err;
  }
}

/** A TLS channel's listener options: its files' contents and its TLS settings. */
function tlsOptionsFor(channel: ChannelPlan, credentials: TlsCredentials): import('node:tls').TlsOptions | undefined {
  const t = channel.source.tls;
  if (!t) return undefined;
  return {
    cert: credentials.cert, key: credentials.key, ca: credentials.ca,
    requestCert: t.requestClientCert, rejectUnauthorized: t.requestClientCert, minVersion: t.minVersion,
  };
}

function httpPortOf(app: FastifyInstance): number {
  const addr = app.server.address();
  return typeof addr === 'object' && addr ? addr.port : 0;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timeout')), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e) => { clearTimeout(t); reject(e); });
  });
}
