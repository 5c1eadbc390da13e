/**
 * The worker side of an engine process (roles `all` and `worker`): the pipeline worker, the recovery of
 * unfinished messages (at start, then a sweep), body retention and the delivery of application ACKs. Also the
 * claims service the admin API serves (billing.yaml and the payer rules).
 *
 * Contract: the 'pipeline worker' service first puts every unfinished message back on the queue, then starts
 * the worker; its stop lets the jobs in flight finish. The periodic loops read the channels in force at each run,
 * so a channel reload applies to their next run.
 */
import fs from 'node:fs';
import type { Worker } from 'bullmq';
import { ApplicationAckDeliverer } from '../acks/deliverer';
import { DeliveryService } from '../destinations/delivery';
import { openBillingConfig } from '../billing/reload';
import { NO_PAYER_RULES } from '../billing/scrub';
import { loadPayerRulesDir } from '../billing/scrub/payer-rules-files';
import type { ChannelPlan } from '../channels/schema';
import type { Logger } from '../core/logger';
import { sendMllpMessages } from '../mllp/client';
import { startPipelineWorker } from '../pipeline/bullmq/worker';
import { recoverOpenMessages, recoverySweep } from '../pipeline/recovery';
import { applicationAcksPort } from '../store/application-acks';
import { AuditTrail } from '../store/audit';
import { retentionTask } from '../store/body-maintenance';
import { ClaimsService } from '../store/claims-service';
import type { Store } from '../store/db';
import { EMBEDDED_VACUUM_FIRST_DELAY_MS, embeddedVacuumTask } from '../store/embedded-vacuum';
import type { PeriodicTask } from '../core/periodic';
import { exchangeTasks } from './clearinghouse-exchange';
import { placed, service, type EngineService } from './compose';
import type { ResolvedEngineConfig } from './config';
import type { SharedParts } from './shared-parts';

/** Queue depth (jobs) under which the recovery sweep runs. */
const SWEEP_WHEN_QUEUE_BELOW = 100;

export interface WorkerSide {
  readonly services: EngineService[];
  /** A channel reload sets the worker's concurrency from the new plans. */
  setChannels(plans: readonly ChannelPlan[]): void;
}

export function workerSide({ shared }: { shared: SharedParts }): WorkerSide {
  const { config, log, repository, queue, channels: registry, metrics, store } = shared;
  let worker: Worker | undefined;
  let stopWorker = async (): Promise<void> => undefined;
  const pipelineWorker = service(
    'pipeline worker',
    async () => {
      const recovered = await recoverOpenMessages(repository, queue, { olderThanMs: 0 });
      if (recovered > 0) log.info('recovered unfinished messages', { recovered });
      const connection = shared.redis.connect();
      worker = startPipelineWorker(
        {
          store: repository,
          // A channel removed by a reload keeps its last plan here: messages it committed before are still processed.
          channel: (name) => registry.lastKnown(name),
          mapping: (name) => shared.mappings.get(name),
          observer: metrics.pipelineObserver(registry.names()),
        },
        {
          connection,
          prefix: config.queuePrefix,
          logger: log,
          onOutcome: config.onOutcome,
          queue,
          concurrency: workerConcurrency(registry.list),
        },
      );
      const started = worker;
      stopWorker = async () => {
        await started.close();
        connection.disconnect();
      };
    },
    () => stopWorker(),
  );

  // While jobs are queued, a sweep would queue their messages twice: it runs when the queue is nearly empty.
  const sweep = placed(
    'recovery sweep',
    recoverySweep(
      repository,
      queue,
      log,
      config.sweepIntervalMs,
      config.sweepOlderThanMs,
      async () => (await queue.depth()) < SWEEP_WHEN_QUEUE_BELOW,
    ),
  );

  // Read at each run, so a channel reload's `retention` applies to the next run (a run with none does nothing).
  const policies = () =>
    registry.list.flatMap((c) => (c.retention.bodiesDays ? [{ channel: c.name, bodiesDays: c.retention.bodiesDays }] : []));
  const every = config.retentionIntervalMs;
  const retention = placed(
    'body retention',
    retentionTask(store.db, policies, log, every, Math.min(60_000, every), new AuditTrail(store.db)),
  );

  // The embedded store has no autovacuum (src/store/embedded-vacuum.ts); Postgres vacuums itself.
  const vacuumEvery = config.embeddedVacuumIntervalMs;
  const embeddedVacuum =
    store.kind === 'pglite'
      ? [
          placed(
            'embedded store vacuum',
            embeddedVacuumTask(store.db, log, vacuumEvery, Math.min(EMBEDDED_VACUUM_FIRST_DELAY_MS, vacuumEvery)),
          ),
        ]
      : [];

  // Application ACKs (enhanced mode, MSH-16; src/acks): every worker process delivers the due ones of the channels
  // with an `applicationAcks` destination, as the channels in force name them; the store's leases keep processes apart.
  const deliverer = new ApplicationAckDeliverer({
    store: applicationAcksPort(store.db),
    destinations: () => new Map(registry.list.flatMap((c) => (c.applicationAcks ? [[c.name, c.applicationAcks] as const] : []))),
    send: sendMllpMessages,
    logger: log,
    onSettled: (channel, result) => metrics.applicationAckSettled(channel, result),
  });
  const applicationAcks = service(
    'application ACKs',
    () => deliverer.start(config.applicationAckIntervalMs),
    () => deliverer.stop(),
  );

  // Channel destinations (src/destinations): every worker process feeds and delivers; the store's leases and the
  // feeder's locked cursor keep processes apart.
  const delivery = new DeliveryService({
    db: store.db,
    bodies: shared.bodies,
    logger: log,
    leaseMs: config.deliveryLeaseMs,
    pollMs: config.deliveryPollMs,
    events: { settled: (channel, destination, kind) => metrics.deliverySettled(channel, destination, kind) },
  });
  metrics.watch({ destinations: () => delivery.deliveries.counts() });
  const destinations = service(
    'destinations',
    async () => delivery.start(registry.list),
    () => delivery.stop(),
  );

  // The clearinghouse exchange (docs/billing.md): uploads and pickups per clearinghouse of billing.yaml; none without.
  let exchange: PeriodicTask[] = [];
  const clearinghouse = service(
    'clearinghouse exchange',
    async () => {
      if (!fs.existsSync(config.billingFile)) return;
      const claims = claimsService({ config, store, log });
      const billing = claims.billingConfig();
      exchange = billing ? exchangeTasks({ billing, claims, log, env: config.env }) : [];
      for (const task of exchange) await task.start();
      if (exchange.length > 0) log.info('clearinghouse exchange started', { count: exchange.length / 2 });
    },
    async () => {
      await Promise.all(exchange.map((t) => t.stop()));
    },
  );

  return {
    services: [pipelineWorker, sweep, retention, ...embeddedVacuum, applicationAcks, destinations, clearinghouse],
    setChannels: (plans) => {
      if (worker) worker.concurrency = workerConcurrency(plans);
      delivery.setChannels(plans);
    },
  };
}

/** One pipeline worker serves every channel, with the highest `pipeline.concurrency` among them. */
function workerConcurrency(plans: readonly ChannelPlan[]): number {
  return Math.max(1, ...plans.map((c) => c.pipeline.concurrency));
}

/**
 * The claims API's service: billing.yaml (openBillingConfig: an invalid file fails start-up, as `rxbridge doctor`
 * says) and the payer rules, read at start; billing.yaml is reloaded later by src/engine/billing-side.ts.
 */
export function claimsService({ config, store, log }: { config: ResolvedEngineConfig; store: Store; log: Logger }): ClaimsService {
  const { billingFile, payerRulesDir } = config;
  const billing = openBillingConfig(billingFile, config.env, config.dataDir);
  if (!billing.config) log.warn('billing is not configured: claims can be read but not built or batched', { file: billingFile });
  const payerRules = fs.existsSync(payerRulesDir) ? loadPayerRulesDir(payerRulesDir, config.env) : NO_PAYER_RULES;
  return new ClaimsService({
    db: store.db,
    config: billing.config,
    ...(billing.config ? {} : { missing: billing.missing }),
    payerRules,
  });
}
