/**
 * The channel plans in force: one small holder that every part of the engine reads through (intake, the
 * pipeline worker, the admin API, metrics, alerts, retention, the mapping editor), so a channel reload
 * (src/channels/reloader.ts) swaps them in one place rather than patching many closures.
 *
 * Contract: `list` and `get` always answer the current plans; `replace` swaps the whole set at once.
 * `lastKnown(name)` also answers for a channel that has been removed since (its last plan), so work committed
 * before a removal (messages already ACKed and queued) is still processed with the plan it arrived under.
 */
import type { ChannelPlan } from './schema';

export class ChannelRegistry {
  private plans: readonly ChannelPlan[] = [];
  private byName = new Map<string, ChannelPlan>();
  /** Every plan ever replaced out of the set, by name (the newest one of each name). */
  private readonly retired = new Map<string, ChannelPlan>();

  constructor(initial: readonly ChannelPlan[]) {
    this.replace(initial);
  }

  /** The current plans, in file-name order. */
  get list(): readonly ChannelPlan[] {
    return this.plans;
  }

  /** The names of the current channels. */
  names(): string[] {
    return this.plans.map((c) => c.name);
  }

  /** The current plan of channel `name`, or undefined when no such channel is loaded. */
  get(name: string): ChannelPlan | undefined {
    return this.byName.get(name);
  }

  /** The current plan of `name`, else the last plan it had before it was removed, else undefined. */
  lastKnown(name: string): ChannelPlan | undefined {
    return this.byName.get(name) ?? this.retired.get(name);
  }

  /** Makes `next` the current set of plans (names are unique: loadChannels checks it). */
  replace(next: readonly ChannelPlan[]): void {
    for (const old of this.plans) this.retired.set(old.name, old);
    this.plans = Object.freeze([...next]);
    this.byName = new Map(next.map((c) => [c.name, c]));
    for (const name of this.byName.keys()) this.retired.delete(name);
  }
}
