/**
 * Channel reload without a restart: re-reads the channel directory and applies the difference to a running
 * engine. The listeners and the derived state are effects the engine hands in (src/main.ts); the decisions are
 * diffChannels' (diff.ts).
 *
 * Contract:
 * - Invalid files (any ConfigError of loadChannels) change nothing: the result is `{ ok: false, issues }`.
 * - Valid files: the registry gets the new plans at once (in-place changes apply to the next frame and job);
 *   then the listeners of removed, disabled and restarted channels stop (gracefully, in-flight ACKs answered),
 *   then those of added, enabled and restarted channels start. Stopping everything first lets two channels
 *   swap ports in one reload.
 * - A listener that cannot start (port in use, TLS files unreadable) makes that channel `failed` with the
 *   reason; the other channels still apply. A failed channel keeps its previous plan: an added one is dropped,
 *   an enabled one stays disabled, a restarted one listens again on its old settings (when those can still be
 *   bound). An enabled channel found without a listener (a start that failed earlier) is started again.
 * - In a process without listeners (role worker) only the plans change; enabled/disabled/restarted read
 *   `updated` there.
 * - Reloads run one at a time (a second call waits for the first); after close() a reload is refused.
 * - Each reload is logged: `channels reloaded` (reason = the trigger, count = channels changed) and one
 *   `channel reloaded` line per changed channel (its name and outcome); a refused one logs each issue.
 */
import { ConfigError, type ConfigIssue } from '../core/config-file';
import type { Logger } from '../core/logger';
import { diffChannels, listenerActions, type ChannelChange, type ChannelChangeKind } from './diff';
import type { ChannelRegistry } from './registry';
import type { ChannelPlan } from './schema';

export type ChannelReloadOutcome = ChannelChangeKind | 'failed';

export interface ChannelReloadEntry {
  name: string;
  outcome: ChannelReloadOutcome;
  /** Top-level channel keys that changed (`source`, `accept`, `routes`, …); empty for added and removed. */
  changed: string[];
  /** Why a `failed` channel could not apply (e.g. the port is in use). */
  reason?: string;
}

export type ChannelReloadResult = { ok: true; channels: ChannelReloadEntry[] } | { ok: false; issues: ConfigIssue[] };

/** The engine's MLLP listeners, per channel. */
export interface ChannelListeners {
  /** Starts the listener of an enabled channel on its plan's `source`; rejects when it cannot listen. */
  start(plan: ChannelPlan): Promise<void>;
  /** Stops the channel's listener gracefully (in-flight ACKs drained) and forgets it; no-op without one. */
  stop(name: string): Promise<void>;
  /** Whether the channel has a listener now. */
  running(name: string): boolean;
}

export interface ChannelReloaderDeps {
  registry: ChannelRegistry;
  /** Reads and checks the channel directory (loadChannels); throws ConfigError when a file is invalid. */
  load(): ChannelPlan[];
  /**
   * Whether the engine has mapping `name` live. Mapping files are read at start (later ones arrive through the
   * mappings API), so a route to a mapping file added on disk since is an issue of the reload. Absent = not checked.
   */
  mappingLoaded?(name: string): boolean;
  /** Absent in a process that runs no listeners (role worker). */
  listeners?: ChannelListeners;
  /** Hears the plans in force after each applied reload (worker concurrency, alerts, …). Must not throw. */
  onApplied?(plans: readonly ChannelPlan[]): void;
  logger: Logger;
}

export class ChannelReloader {
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly deps: ChannelReloaderDeps) {}

  /** Re-reads the channel files and applies them; `trigger` (`api`, `SIGHUP`, `notice`) is logged. */
  reload(trigger: string): Promise<ChannelReloadResult> {
    const run = this.chain.then(() => {
      if (this.closed) throw new Error('the engine is stopping: channels are not reloaded');
      return this.apply(trigger);
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Refuses later reloads and waits for the one in progress. */
  async close(): Promise<void> {
    this.closed = true;
    await this.chain;
  }

  private async apply(trigger: string): Promise<ChannelReloadResult> {
    const { registry, listeners, logger: log } = this.deps;
    let next: ChannelPlan[];
    try {
      next = this.deps.load();
      const unloaded = this.deps.mappingLoaded ? unloadedMappingIssues(next, this.deps.mappingLoaded) : [];
      if (unloaded.length > 0) throw new ConfigError(unloaded);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      log.warn('channel reload refused: the channel files are invalid; the channels in force stay', {
        reason: trigger,
        count: err.issues.length,
      });
      for (const issue of err.issues)
        log.warn('channel file issue', { file: `${issue.file}:${issue.line}:${issue.col}`, reason: issue.reason });
      return { ok: false, issues: err.issues.map((i) => ({ ...i })) };
    }
    const changes = diffChannels(registry.list, next);
    registry.replace(next);
    const failures = listeners ? await this.applyListeners(changes, listeners) : new Map<string, string>();
    if (failures.size > 0 && listeners) await this.keepPrevious(changes, failures, listeners);
    this.deps.onApplied?.(registry.list);

    const entries = changes.map((c): ChannelReloadEntry => {
      const reason = failures.get(c.name);
      if (reason !== undefined) return { name: c.name, outcome: 'failed', changed: c.changed, reason };
      return { name: c.name, outcome: listeners ? c.kind : withoutListeners(c.kind), changed: c.changed };
    });
    // Channel names and outcomes only (the logger takes flat, PHI-free fields): one line per changed channel.
    for (const e of entries) {
      if (e.outcome === 'failed')
        log.warn('channel reload failed for a channel; it keeps its previous settings', { channel: e.name, reason: e.reason });
      else if (e.outcome !== 'unchanged') log.info('channel reloaded', { channel: e.name, status: e.outcome });
    }
    log.info('channels reloaded', { reason: trigger, count: entries.filter((e) => e.outcome !== 'unchanged').length });
    return { ok: true, channels: entries };
  }

  /** Stops, then starts, what the changes ask for. Returns the channels whose listener could not start, with why. */
  private async applyListeners(changes: readonly ChannelChange[], listeners: ChannelListeners): Promise<Map<string, string>> {
    await Promise.all(changes.filter((c) => listenerActions(c).stop && listeners.running(c.name)).map((c) => listeners.stop(c.name)));
    const failures = new Map<string, string>();
    const toStart = changes.filter((c) => c.after?.enabled === true && (listenerActions(c).start || !listeners.running(c.name)));
    await Promise.all(
      toStart.map(async (c) => {
        try {
          await listeners.start(c.after as ChannelPlan);
        } catch (err) {
          failures.set(c.name, reasonOf(err));
        }
      }),
    );
    return failures;
  }

  /**
   * Failed channels keep their previous plan: an added one is dropped, an enabled one stays disabled, a restarted
   * one gets its old listener back. One that was already in force (updated or unchanged, whose listener was
   * found stopped) keeps its new plan: only its listening failed.
   */
  private async keepPrevious(changes: readonly ChannelChange[], failures: Map<string, string>, listeners: ChannelListeners): Promise<void> {
    const revert = new Map<string, ChannelPlan | undefined>();
    for (const c of changes) {
      if (!failures.has(c.name)) continue;
      if (c.kind === 'added') revert.set(c.name, undefined);
      else if (c.kind === 'enabled' || c.kind === 'restarted') revert.set(c.name, c.before);
    }
    if (revert.size === 0) return;
    const plans = this.deps.registry.list.flatMap((p) => {
      if (!revert.has(p.name)) return [p];
      const previous = revert.get(p.name);
      return previous ? [previous] : [];
    });
    this.deps.registry.replace(plans);
    for (const c of changes) {
      if (c.kind !== 'restarted' || !failures.has(c.name) || !c.before) continue;
      try {
        await listeners.start(c.before);
      } catch (err) {
        failures.set(c.name, `${failures.get(c.name)}; its old settings could not listen either (${reasonOf(err)})`);
      }
    }
  }
}

/** An issue (at the channel file) for each route whose mapping the engine does not have live. */
export function unloadedMappingIssues(plans: readonly ChannelPlan[], loaded: (name: string) => boolean): ConfigIssue[] {
  return plans.flatMap((plan) =>
    [...new Set(plan.routes.map((r) => r.mapping))]
      .filter((m) => !loaded(m))
      .map((mapping) => ({
        file: plan.file,
        line: 0,
        col: 0,
        reason:
          `routes: mapping ${mapping} is not loaded in the running engine (a mapping file added since the start needs a restart, ` +
          `or save it through PUT /api/mappings/${mapping})`,
      })),
  );
}

function withoutListeners(kind: ChannelChangeKind): ChannelChangeKind {
  return kind === 'enabled' || kind === 'disabled' || kind === 'restarted' ? 'updated' : kind;
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
