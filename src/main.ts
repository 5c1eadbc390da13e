/**
 * The composition root: startEngine reads the configuration, composes the engine's sides and starts them.
 *
 *   src/engine/config.ts        every setting, from one table of environment variables with their defaults
 *   src/engine/shared-parts.ts  the store, Redis and the queue, the channels and mappings in force, metrics
 *   src/engine/intake-side.ts   MLLP listeners, intake and its ACKs, backpressure     (roles all, listener)
 *   src/engine/worker-side.ts   pipeline worker, recovery sweep, retention, application ACKs (roles all, worker)
 *   src/engine/notices.ts       mapping and channel notices between processes, channel alerts
 *   src/engine/channel-side.ts  channel reloads, pauses and files saved from the console, in every process
 *   src/engine/admin-side.ts    the admin API and web console (unless HTTP_PORT=-1)
 *   src/engine/billing-side.ts  the claims service and billing.yaml reloads behind the admin API
 *   src/engine/compose.ts       the order services stop in (and start in, reversed)
 */
import type { SourceReading } from './metrics/engine-metrics';
import type { FileSourceStatus } from './sources/file-source';
import type { HttpSourceStatus } from './sources/http-source';
import { loadChannels } from './channels/load';
import { createLogger } from './core/logger';
import { MappingRegistry } from './mappings/load';
import type { MllpListener } from './mllp/listener';
import { adminSide, readAdminCredentials } from './engine/admin-side';
import type { Engine } from './engine/engine';
import { service, startServices, stopServices, type EngineService } from './engine/compose';
import { resolveEngineConfig, type EngineConfig } from './engine/config';
import { intakeSide } from './engine/intake-side';
import { alerts, mappingNotices } from './engine/notices';
import { openSharedParts } from './engine/shared-parts';
import { billingSide } from './engine/billing-side';
import { channelSide } from './engine/channel-side';
import { workerSide } from './engine/worker-side';

export { configFromEnv, type EngineConfig, type EngineRole } from './engine/config';
export type { Engine } from './engine/engine';

export async function startEngine(given: EngineConfig): Promise<Engine> {
  const config = resolveEngineConfig(given);
  const log = config.logger ?? createLogger({ level: config.logLevel });
  const loadChannelFiles = (candidate?: { file: string; text: string }) =>
    loadChannels({ dir: config.channelsDir, mappingsDir: config.mappingsDir, env: config.env, candidate });
  const channels = loadChannelFiles();
  const mappings = new MappingRegistry(config.mappingsDir, config.env);
  const adminCredentials = readAdminCredentials(config);
  const shared = await openSharedParts({ config, log, channels, mappings });
  const services: EngineService[] = [...shared.services];
  try {
    const mappingSide = mappingNotices({ shared });
    const workers = config.role !== 'listener' ? workerSide({ shared }) : undefined;
    const intake = config.role !== 'worker' ? intakeSide({ shared }) : undefined;
    const slotsNow = () => new Map([...(intake?.listeners ?? [])].map(([name, l]) => [name, l.slots()]));
    const alerting = alerts({ shared, slots: slotsNow });
    shared.metrics.watch({ mllpSlots: () => [...slotsNow()].map(([channel, s]) => ({ channel, ...s })) });
    shared.metrics.watch({ channelSources: () => [...(intake?.sources ?? [])].map(([channel, s]) => sourceReading(channel, s.status())) });
    shared.metrics.watch({ activeAlerts: () => alerting.monitor.active() });

    // Reloads, pauses and channel files saved from the console, in every process: src/engine/channel-side.ts.
    const channelsSide = channelSide({ shared, load: loadChannelFiles, mappings, intake, workers, alerts: alerting.monitor });
    // billing.yaml reloads (a change on disk, POST /api/billing/reload, a notice): src/billing/reload.ts.
    const billing = billingSide({ shared });
    const listeners = intake?.listeners ?? new Map<string, MllpListener>();
    const admin = adminSide({
      shared,
      credentials: adminCredentials,
      editor: mappingSide.editor,
      alerts: alerting.monitor,
      listeners,
      sources: intake?.sources,
      reloadChannels: channelsSide.reloadEverywhere,
      setChannelPaused: channelsSide.setChannelPaused,
      channelFiles: channelsSide.channelFiles,
      paused: () => intake?.paused() ?? new Map(),
      claims: billing.claims,
      billing: billing.api,
    });

    services.push(
      mappingSide.service,
      ...(workers?.services ?? []),
      ...(intake?.services ?? []),
      alerting.service,
      ...channelsSide.services,
      ...admin.services,
      ...(admin.services.length > 0 ? billing.services : []),
      service(
        'certificate watch',
        () => shared.certificates.watch(),
        () => shared.certificates.close(),
      ),
    );
    const stop = await startServices(services, log);
    return {
      store: shared.store,
      repository: shared.repository,
      mappings,
      listeners,
      queue: shared.queue,
      redisUrl: shared.redis.url,
      get channels() {
        return shared.channels.list;
      },
      httpAddress: admin.address,
      reloadCertificates: () => shared.certificates.reloadAll(),
      reloadChannels: (trigger = 'call') => channelsSide.reloader.reload(trigger),
      stop,
    };
  } catch (err) {
    await stopServices(services, log);
    throw err;
  }
}

/** A running source's status as the metrics read it. */
function sourceReading(channel: string, s: FileSourceStatus | HttpSourceStatus): SourceReading {
  if (s.type === 'http') return { channel, type: s.type, units: s.requests, messages: s.messages, failing: 0 };
  return { channel, type: s.type, units: s.filesTaken, messages: s.messagesStored, failing: s.lastError ? 1 : 0 };
}
