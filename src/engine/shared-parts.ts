/**
 * What every side of the engine uses: the store and the repository over it, Redis and the pipeline queue, the
 * channel plans in force, the mappings, the metrics and the certificate reloader.
 *
 * Contract: openSharedParts opens the store and Redis and returns them with the services that close them
 * ('queue', 'redis', 'store' in SHUTDOWN_ORDER); if anything fails on the way, what was opened is closed again
 * and the error is thrown.
 */
import type { Redis } from 'ioredis';
import type { ChannelPlan } from '../channels/schema';
import { ChannelRegistry } from '../channels/registry';
import { readBodyKeySetup } from '../core/encryption-config';
import type { Logger } from '../core/logger';
import type { MappingRegistry } from '../mappings/load';
import { EngineMetrics } from '../metrics/engine-metrics';
import { BullPipelineQueue } from '../pipeline/bullmq/queue';
import { openRedis, type RedisHandle } from '../pipeline/bullmq/redis';
import { openBodyCodec, type BodyCodec } from '../store/bodies';
import { channelReadings } from '../store/channel-readings';
import { openStore, type Store } from '../store/db';
import { MessageRepository } from '../store/repository';
import { CertificateReloader } from '../tls/reloader';
import { opened, stopServices, type EngineService } from './compose';
import type { ResolvedEngineConfig } from './config';

export interface SharedParts {
  readonly config: ResolvedEngineConfig;
  readonly log: Logger;
  readonly store: Store;
  /** Message bodies at rest: sealed with the configured key. */
  readonly bodies: BodyCodec;
  readonly repository: MessageRepository;
  readonly redis: RedisHandle;
  /** The connection the queue and the notice publishers share. */
  readonly queueConnection: Redis;
  readonly queue: BullPipelineQueue;
  /** The channel plans in force: every side reads them here, so a channel reload swaps them in one place. */
  readonly channels: ChannelRegistry;
  readonly mappings: MappingRegistry;
  /** GET /metrics: recorders for intake, listeners and the worker; gauges read on scrape. */
  readonly metrics: EngineMetrics;
  /** TLS files of the MLLP listeners and the admin API, checked for renewals. */
  readonly certificates: CertificateReloader;
  /** Closing the queue, Redis and the store. */
  readonly services: readonly EngineService[];
}

export async function openSharedParts(opts: {
  config: ResolvedEngineConfig;
  log: Logger;
  channels: ChannelPlan[];
  mappings: MappingRegistry;
}): Promise<SharedParts> {
  const { config, log } = opts;
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  if (store.kind === 'pglite') {
    log.warn('using the embedded PGlite store: for evaluation and small single-store use; set DATABASE_URL for Postgres', {
      dataDir: config.dataDir,
    });
  }
  const services: EngineService[] = [opened('store', () => store.close())];
  try {
    // Message bodies at rest: encrypted with the configured key (or DATA_DIR/encryption.key, made on first start).
    const bodies = await openBodyCodec(store.db, readBodyKeySetup(config.env, config.dataDir), log);
    const repository = new MessageRepository(store.db, store.pipelineDb, bodies);
    const redis = await openRedis({ redisUrl: config.redisUrl, tlsCaFile: config.redisCaFile, dataDir: config.dataDir, logger: log });
    services.push(opened('redis', () => redis.close()));
    const queueConnection = redis.connect();
    const queue = new BullPipelineQueue(queueConnection, config.queuePrefix);
    services.push(
      opened('queue', async () => {
        await queue.close();
        queueConnection.disconnect();
      }),
    );
    const channels = new ChannelRegistry(opts.channels);
    const metrics = new EngineMetrics();
    metrics.watch({
      queueCounts: () => queue.queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed'),
      channelReadings: () => channelReadings(store.db, channels.names()),
      pools: () => store.poolStats(),
    });
    const certificates = new CertificateReloader({ logger: log, intervalMs: config.tlsWatchIntervalMs });
    return {
      config,
      log,
      store,
      bodies,
      repository,
      redis,
      queueConnection,
      queue,
      channels,
      mappings: opts.mappings,
      metrics,
      certificates,
      services,
    };
  } catch (err) {
    await stopServices(services, log);
    throw err;
  }
}
