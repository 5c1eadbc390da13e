/**
 * What a channel reload changes, pure: the plans in force and the plans just loaded → one change per channel.
 *
 * Kinds (per channel name):
 * - `added`: only in the new set; `removed`: only in the old set;
 * - `enabled` / `disabled`: `enabled` flipped (its listener starts / stops);
 * - `restarted`: enabled in both and `source` differs (host, port, limits, allowFrom, charset, tls…): the
 *   listener must stop and start again on the new settings;
 * - `updated`: anything else differs (accept, processingIds, duplicates, routes, pipeline, retention, alerts,
 *   description, keys added later…): applied in place, the listener and its connections stay;
 * - `unchanged`.
 * Plans are compared key by key on a canonical form (sets as sorted lists, functions ignored), so a key added
 * to ChannelPlan later counts as an in-place change without touching this module; `source` is the only key
 * that takes a restart. `changed` lists the top-level keys that differ.
 */
import type { ChannelPlan } from './schema';

export type ChannelChangeKind = 'added' | 'removed' | 'enabled' | 'disabled' | 'restarted' | 'updated' | 'unchanged';

export interface ChannelChange {
  name: string;
  kind: ChannelChangeKind;
  /** The plan in force before (absent for `added`). */
  before?: ChannelPlan;
  /** The plan loaded now (absent for `removed`). */
  after?: ChannelPlan;
  /** Top-level plan keys whose values differ (both plans present), in key order; empty otherwise. */
  changed: string[];
}

/** The keys that only identify a plan or are derived from other keys. */
const IGNORED_KEYS = new Set(['name', 'routeFor']);

/** One change per channel: the new set's order first, then the removed channels in their old order. */
export function diffChannels(before: readonly ChannelPlan[], after: readonly ChannelPlan[]): ChannelChange[] {
  const old = new Map(before.map((c) => [c.name, c]));
  const changes: ChannelChange[] = after.map((plan) => {
    const prev = old.get(plan.name);
    if (!prev) return { name: plan.name, kind: 'added', after: plan, changed: [] };
    const changed = changedKeys(prev, plan);
    return { name: plan.name, kind: kindOf(prev, plan, changed), before: prev, after: plan, changed };
  });
  const kept = new Set(after.map((c) => c.name));
  for (const prev of before) {
    if (!kept.has(prev.name)) changes.push({ name: prev.name, kind: 'removed', before: prev, changed: [] });
  }
  return changes;
}

function kindOf(before: ChannelPlan, after: ChannelPlan, changed: readonly string[]): ChannelChangeKind {
  if (!before.enabled && after.enabled) return 'enabled';
  if (before.enabled && !after.enabled) return 'disabled';
  if (after.enabled && changed.includes('source')) return 'restarted';
  return changed.length > 0 ? 'updated' : 'unchanged';
}

/** What a change does to the channel's listener (in a process that runs listeners). */
export function listenerActions(change: ChannelChange): { stop: boolean; start: boolean } {
  switch (change.kind) {
    case 'added':
      return { stop: false, start: change.after?.enabled === true };
    case 'removed':
      return { stop: change.before?.enabled === true, start: false };
    case 'enabled':
      return { stop: false, start: true };
    case 'disabled':
      return { stop: true, start: false };
    case 'restarted':
      return { stop: true, start: true };
    default:
      return { stop: false, start: false };
  }
}

/** Top-level keys of two plans of one channel whose canonical values differ. */
export function changedKeys(before: ChannelPlan, after: ChannelPlan): string[] {
  const a = before as unknown as Record<string, unknown>;
  const b = after as unknown as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !IGNORED_KEYS.has(k)).sort();
  return keys.filter((k) => canonical(a[k]) !== canonical(b[k]));
}

/** A stable text for a plan value: sets become sorted lists, object keys are sorted, functions are dropped. */
export function canonical(value: unknown): string {
  return JSON.stringify(normalize(value)) ?? 'undefined';
}

function normalize(value: unknown): unknown {
  if (typeof value === 'function') return undefined;
  if (value instanceof Set)
    return [...value]
      .map(normalize)
      .map((v) => JSON.stringify(v))
      .sort();
  if (value instanceof Map)
    return [...value.entries()].map(([k, v]) => [String(k), normalize(v)]).sort((x, y) => (x[0] as string).localeCompare(y[0] as string));
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = normalize((value as Record<string, unknown>)[key]);
      if (v !== undefined) out[key] = v;
    }
    return out;
  }
  return value;
}
