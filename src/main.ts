/**
 * The composition root: the only module that wires every part together.
 * startEngine() loads channels and mappings, opens the store and Redis, recovers unfinished work, starts the
 * pipeline worker, the MLLP listeners and the admin API, and returns a handle whose stop() shuts down in order:
 * stop accepting, drain in-flight ACKs, flush enqueues, close workers, close the store (PGlite: CHECKPOINT).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';
import type { Worker } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { Accounts } from './admin/accounts';
import { buildAdminApp, type ChannelStatus } from './admin/app';
import { loadChannels } from './channels/load';
import type { ChannelPlan } from './channels/schema';
import { createLogger, type Logger } from './core/logger';
import { MappingEditor } from './mappings/editor';
import { MappingRegistry } from './mappings/load';
import { MllpListener } from './mllp/listener';
import { BackpressureGauge, backpressureFromEnv, startBacklogPoller } from './pipeline/backpressure';
import { BullPipelineQueue, EnqueueBatcher } from './pipeline/bullmq/queue';
import { openRedis, type RedisHandle } from './pipeline/bullmq/redis';
import { startPipelineWorker } from './pipeline/bullmq/worker';
import { Intake } from './pipeline/intake';
import type { Outcome } from './pipeline/process';
import { recoverOpenMessages, startRecoverySweep } from './pipeline/recovery';
import { replayMessage } from './pipeline/replay';
import { AuditTrail } from './store/audit';
import { openStore, type Store } from './store/db';
import { mappingVersionsPort, recentMessagesOfTypes } from './store/mapping-versions';
import { getMessageDetail, listCharges, listMessages, countsByChannel } from './store/queries';
import { ClaimsService } from './store/claims-service';
import { loadBillingConfig, type BillingConfig } from './billing/config';
import { loadPayerRulesDir } from './billing/scrub/payer-rules-files';
import { NO_PAYER_RULES } from './billing/scrub';
import { MessageRepository } from './store/repository';
import { openBodyCodec, type BodyCodec } from './store/bodies';
import { startRetentionTimer } from './store/body-maintenance';
import { readBodyKeySetup } from './core/encryption-config';

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
  readonly channels: readonly ChannelPlan[];
  readonly listeners: ReadonlyMap<string, MllpListener>;
  readonly queue: BullPipelineQueue;
  readonly redisUrl: string;
  httpAddress(): { host: string; port: number } | undefined;
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
  const redis: RedisHandle = await openRedis({ redisUrl: config.redisUrl, dataDir: config.dataDir, logger: log });
  cleanups.push(() => redis.close());
  const queueConnection: Redis = redis.connect();
  cleanups.push(async () => { queueConnection.disconnect(); });
  const queue = new BullPipelineQueue(queueConnection, config.queuePrefix);
  cleanups.push(() => queue.close());
  const batcher = new EnqueueBatcher(queue, (err, count) => log.warn('enqueue failed; the recovery sweep will retry', { error: (err as Error).name, count }));
  const byName = new Map(channels.map((c) => [c.name, c]));
  const editor = await startMappingEditor(config, log, channels, mappings, store, redis, queueConnection, cleanups, bodies);

  let worker: Worker | undefined;
  if (role !== 'listener') {
    const recovered = await recoverOpenMessages(repository, queue, { olderThanMs: 0 });
    if (recovered > 0) log.info('recovered unfinished messages', { recovered });
    const workerConnection = redis.connect();
    cleanups.push(async () => { workerConnection.disconnect(); });
    worker = startPipelineWorker(
      {
        store: repository,
        channel: (name) => byName.get(name),
        mapping: (name) => mappings.get(name),
      },
      {
        connection: workerConnection, prefix: config.queuePrefix, logger: log, onOutcome: config.onOutcome, queue,
        concurrency: Math.max(1, ...channels.map((c) => c.pipeline.concurrency)),
      },
    );
    const w = worker;
    cleanups.push(() => w.close());
    // While jobs are queued, a sweep would queue their messages twice: it runs when the queue is nearly empty.
    const stopSweep = startRecoverySweep(repository, queue, log, config.sweepIntervalMs ?? 15_000, config.sweepOlderThanMs ?? 60_000,
      async () => (await queue.depth()) < SWEEP_WHEN_QUEUE_BELOW);
    cleanups.push(async () => stopSweep());
    const retention = channels.flatMap((c) => (c.retention.bodiesDays ? [{ channel: c.name, bodiesDays: c.retention.bodiesDays }] : []));
    if (retention.length > 0) {
      const every = config.retentionIntervalMs ?? 86_400_000;
      cleanups.push(startRetentionTimer(store.db, retention, log, every, Math.min(60_000, every)));
    }
  }

  const listeners = new Map<string, MllpListener>();
  if (role !== 'worker') {
    cleanups.push(() => batcher.flush());
    // Backpressure: ACKs slow down while the store's open backlog is over its soft limit (backpressure.ts).
    const gauge = new BackpressureGauge(backpressureFromEnv(config.env ?? {}));
    if (gauge.limits.maxAckDelayMs > 0) {
      const stopPoller = startBacklogPoller(gauge, (cap) => repository.countOpen(cap), log);
      cleanups.push(async () => { stopPoller(); gauge.releaseAll(); });
    }
    for (const channel of channels.filter((c) => c.enabled)) {
      const intake = new Intake({
        channel: { ...channel, charset: channel.source.charset },
        store: repository,
        onReceived: (id) => batcher.add(id),
        logger: log.child({ channel: channel.name }),
        ackDelayMs: () => gauge.ackDelayMs(),
        admit: () => gauge.admit(),
      });
      const listener = new MllpListener(
        {
          host: channel.source.host, port: channel.source.port, maxFrameBytes: channel.source.maxFrameBytes,
          idleTimeoutMs: channel.source.idleTimeoutMs, maxConnections: channel.source.maxConnections,
          maxConnectionsPerIp: channel.source.maxConnectionsPerIp, allowFrom: channel.source.allowFrom,
          tls: tlsOptionsFor(channel),
          logger: log.child({ channel: channel.name }),
        },
        {
          onFrame: (payload, conn) => intake.handleFrame(payload, { remote: conn.remote, connectionId: String(conn.id) }),
          onOversize: (head, bytes, conn) =>
            intake.handleOversize(head, bytes, channel.source.maxFrameBytes, { remote: conn.remote, connectionId: String(conn.id) }),
        },
      );
      await listener.start();
      listeners.set(channel.name, listener);
      // Listeners stop first (cleanups run in reverse): no new frames, in-flight ACKs drained.
      cleanups.push(() => listener.stop(5000));
      log.info('channel listening', { channel: channel.name, host: channel.source.host, port: listener.address().port });
    }
  }

  let http: FastifyInstance | undefined;
  if (config.httpPort >= 0) {
    const accounts = new Accounts({
      db: store.db, bootstrapToken: config.adminToken, allowBootstrapToken: config.allowBootstrapToken, sessionTtlMs: config.sessionTtlMs,
    });
    http = buildAdminApp({
      logger: log,
      security: { authenticator: accounts, accounts, audit: new AuditTrail(store.db) },
      health: async () => {
        const [storeOk, queueDepth] = await Promise.all([
          store.ping(),
          withTimeout(queue.depth(), 1000).catch(() => undefined),
        ]);
        return { store: storeOk, queue: queueDepth !== undefined, queueDepth };
      },
      channels: () => channels.map((c): ChannelStatus => {
        const l = listeners.get(c.name);
        return {
          name: c.name, description: c.description,
          state: !c.enabled ? 'disabled' : l ? 'listening' : 'stopped',
          host: c.source.host, port: l ? l.address().port : c.source.port, connections: l?.connectionCount ?? 0,
          accept: [...c.accept], routes: c.routes.map((r) => ({ types: [...r.types], mapping: r.mapping })),
        };
      }),
      counts: () => countsByChannel(store.db),
      listMessages: (f) => listMessages(store.db, f),
      getMessage: (id) => getMessageDetail(store.db, id, bodies),
      listCharges: (f) => listCharges(store.db, f),
      replay: (id, raw, actor) => replayMessage({ store: repository, queue }, id, raw, actor),
      mappings: editor,
      claims: claimsService(config, store, log),
    });
    await http.listen({ host: config.httpHost, port: config.httpPort });
    const h = http;
    cleanups.push(() => h.close());
    log.info('admin API listening', { host: config.httpHost, port: httpPortOf(http) });
  }

  return {
    store, repository, mappings, channels, listeners, queue, redisUrl: redis.url,
    httpAddress: () => (http ? { host: config.httpHost, port: httpPortOf(http) } : undefined),
    stop: stopAll,
  };
}

/**
 * Mapping changes through the API reach every engine process: notices on the Redis channel
 * `<queue prefix>:mappings` (every process subscribes, whatever its role), versions in the store.
 */
async function startMappingEditor(
  config: EngineConfig, log: Logger, channels: ChannelPlan[], mappings: MappingRegistry, store: Store,
  redis: RedisHandle, publisher: Redis, cleanups: Array<() => Promise<void>>, bodies: BodyCodec,
): Promise<MappingEditor> {
  const noticeChannel = `${config.queuePrefix ?? 'rxb'}:mappings`;
  const routesTo = (name: string) => channels.map((c) => ({
    channel: c.name, types: c.routes.filter((r) => r.mapping === name).flatMap((r) => [...r.types]),
  }));
  const editor = new MappingEditor({
    registry: mappings,
    versions: mappingVersionsPort(store.db),
    recentMessages: (name, limit) => recentMessagesOfTypes(store.db, routesTo(name), limit, bodies),
    channelsRouting: (name) => routesTo(name).filter((r) => r.types.length > 0).map((r) => r.channel),
    publish: async (notice) => { await publisher.publish(noticeChannel, JSON.stringify(notice)); },
    logger: log,
  });
  await editor.start();
  const subscriber = redis.connect();
  cleanups.push(async () => { subscriber.disconnect(); });
  subscriber.on('message', (_channel: string, text: string) => editor.applyNotice(text));
  // After a reconnect: apply what was saved while notices could not arrive.
  subscriber.on('ready', () => { editor.catchUp().catch(() => log.warn('mapping catch-up failed; it runs again on the next reconnect')); });
  await subscriber.subscribe(noticeChannel);
  await editor.catchUp(); // saved between start() and the subscription
  return editor;
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

/** Reads a channel's TLS files (once, at start). A missing file fails start-up naming the channel and the file. */
function tlsOptionsFor(channel: ChannelPlan): import('node:tls').TlsOptions | undefined {
  const t = channel.source.tls;
  if (!t) return undefined;
  const read = (file: string) => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new Error(`channel ${channel.name}: cannot read TLS file ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  };
  return {
    cert: read(t.cert), key: read(t.key), ca: t.ca ? read(t.ca) : undefined,
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
