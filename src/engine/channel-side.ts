/**
 * The channels' life after start (docs/channels.md): reloads of the channel files (SIGHUP, POST /api/channels/reload,
 * a notice from another process), pausing and resuming a channel, and a channel file saved from the console. A reload
 * through the API or a pause is applied here first, then announced on Redis so every other engine process applies it
 * too; after any reload the listeners follow the paused channels in the store.
 */
import type { AlertMonitor } from '../alerts/monitor';
import { ChannelFileEditor } from '../channels/file-editor';
import type { loadChannels } from '../channels/load';
import { ChannelReloader, type ChannelReloadResult } from '../channels/reloader';
import type { MappingRegistry } from '../mappings/load';
import { pauseChannel, resumeChannel } from '../store/channel-pauses';
import { service, type EngineService } from './compose';
import type { IntakeSide } from './intake-side';
import { channelNotices, watchedChannels } from './notices';
import type { SharedParts } from './shared-parts';
import type { WorkerSide } from './worker-side';

export interface ChannelSide {
  reloader: ChannelReloader;
  /** Reloads here, then (when the files were valid) tells the other engine processes to reload theirs. */
  reloadEverywhere(): Promise<ChannelReloadResult>;
  /** Stores the pause (or resume), applies it here and announces it; undefined for an unknown channel. */
  setChannelPaused(name: string, paused: boolean, actor: string): Promise<boolean | undefined>;
  channelFiles: ChannelFileEditor;
  services: EngineService[];
}

export function channelSide(opts: {
  shared: SharedParts;
  /** The channel files as the engine reads them; `candidate` stands in for one file's text (the console's edit). */
  load: (candidate?: { file: string; text: string }) => ReturnType<typeof loadChannels>;
  mappings: MappingRegistry;
  intake: IntakeSide | undefined;
  workers: WorkerSide | undefined;
  alerts: AlertMonitor;
}): ChannelSide {
  const { shared, intake, workers } = opts;
  const { log } = shared;
  const mappingLoaded = (name: string) => opts.mappings.get(name) !== undefined;
  const reloader = new ChannelReloader({
    registry: shared.channels,
    load: () => opts.load(),
    mappingLoaded,
    listeners: intake?.channelListeners,
    onApplied: (plans) => {
      workers?.setChannels(plans);
      opts.alerts.setChannels(watchedChannels(plans));
    },
    logger: log,
  });
  const syncPauses = async () => {
    await intake?.syncPauses();
  };
  const notices = channelNotices({ shared, reloader, afterReload: syncPauses });

  const reloadEverywhere = async (): Promise<ChannelReloadResult> => {
    const result = await reloader.reload('api');
    if (result.ok) {
      await notices.announce().catch((err: unknown) =>
        log.warn('channel reload notice could not be published; other engine processes reload on their own SIGHUP or API call', {
          error: (err as Error).name,
        }),
      );
    }
    return result;
  };
  const setChannelPaused = async (name: string, paused: boolean, actor: string): Promise<boolean | undefined> => {
    if (!shared.channels.get(name)) return undefined;
    const changed = paused ? await pauseChannel(shared.store.db, name, actor) : await resumeChannel(shared.store.db, name);
    await syncPauses();
    await notices.announce().catch((err: unknown) =>
      log.warn('channel notice could not be published; other engine processes apply the pause at their next start or notice', {
        error: (err as Error).name,
      }),
    );
    return changed;
  };
  const channelFiles = new ChannelFileEditor({ registry: shared.channels, check: opts.load, mappingLoaded, reload: reloadEverywhere });
  return {
    reloader,
    reloadEverywhere,
    setChannelPaused,
    channelFiles,
    services: [
      notices.service,
      service(
        'channel reloads',
        () => undefined,
        () => reloader.close(),
      ),
    ],
  };
}
