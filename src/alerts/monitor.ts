/**
 * The alert monitor, the effect around the pure evaluator (evaluate.ts): every `intervalMs` (30 s by default)
 * it reads the channels' counts, evaluates, keeps the active alerts for `GET /api/alerts`, and posts each raise
 * and each clear to the channel's webhook (webhook.ts), in order, one at a time.
 *
 * Several engine processes: each evaluates (they read the same store, so they show the same alerts), but only
 * the process for which `shouldDeliver()` resolves true posts webhooks — main.ts passes a Redis lease, so one
 * process of a deployment delivers. When that question cannot be answered (Redis down), this process delivers:
 * a duplicate notice is better than none.
 * A failed reading (the store down) keeps every alert as it is and is logged once until readings work again.
 * A channel reload hands in the new rules with setChannels(): alerts of a channel or rule no longer watched are
 * withdrawn (logged, not posted); a round with no watched channel reads nothing.
 */
import type { Logger } from '../core/logger';
import { periodicTask, type PeriodicTask } from '../core/periodic';
import { evaluateAlerts, type Alert, type AlertReading, type ChannelAlertRules } from './evaluate';
import { postAlert, type AlertEvent, type WebhookOptions } from './webhook';

export interface MonitoredChannel {
  name: string;
  rules: ChannelAlertRules;
  /** Where raises and clears are posted; absent = shown by the API only. */
  webhook?: string;
}

export interface AlertMonitorDeps {
  channels: readonly MonitoredChannel[];
  readings(): Promise<ReadonlyMap<string, AlertReading>>;
  shouldDeliver?(): Promise<boolean>;
  log: Logger;
  intervalMs?: number;
  now?: () => Date;
  webhook?: WebhookOptions;
}

export const DEFAULT_ALERT_INTERVAL_MS = 30_000;

export class AlertMonitor {
  private current = new Map<string, Alert>();
  private channels: readonly MonitoredChannel[];
  private readonly startedAt: Date;
  private deliveries: Promise<void> = Promise.resolve();
  private readingFailed = false;
  private rounds: PeriodicTask | undefined;
  private stopped = false;

  constructor(private readonly deps: AlertMonitorDeps) {
    this.startedAt = this.now();
    this.channels = deps.channels;
  }

  /** The names of the channels watched now. */
  watchedNames(): string[] {
    return this.channels.map((c) => c.name);
  }

  /** Watches these channels from the next round on; active alerts whose channel or rule is gone are withdrawn. */
  setChannels(channels: readonly MonitoredChannel[]): void {
    this.channels = channels;
    const rules = new Map(channels.map((c) => [c.name, c.rules]));
    for (const [id, alert] of this.current) {
      const r = rules.get(alert.channel);
      if (r && ruleOf(r, alert.kind) !== undefined) continue;
      this.current.delete(id);
      this.deps.log.info('alert withdrawn: its channel or rule was removed', { channel: alert.channel, code: alert.kind });
    }
  }

  /** The active alerts, oldest first. */
  active(): Alert[] {
    return [...this.current.values()].sort((a, b) => a.since.localeCompare(b.since) || a.id.localeCompare(b.id));
  }

  /** One round: read, evaluate, queue the deliveries. Never rejects. */
  async evaluateOnce(): Promise<void> {
    if (this.channels.length === 0) return;
    let readings: ReadonlyMap<string, AlertReading>;
    try {
      readings = await this.deps.readings();
      if (this.readingFailed) this.deps.log.info('alert readings work again', {});
      this.readingFailed = false;
    } catch (err) {
      if (!this.readingFailed) this.deps.log.warn('alert readings failed; alerts stay as they are', { error: (err as Error).name });
      this.readingFailed = true;
      return;
    }
    const result = evaluateAlerts({
      now: this.now(),
      startedAt: this.startedAt,
      active: this.current,
      channels: this.channels.map((c) => ({ name: c.name, rules: c.rules, reading: readings.get(c.name) })),
    });
    this.current = result.active;
    const events: Array<[AlertEvent, Alert]> = [
      ...result.raised.map((a): [AlertEvent, Alert] => ['raised', a]),
      ...result.cleared.map((a): [AlertEvent, Alert] => ['cleared', a]),
    ];
    for (const [event, alert] of events) {
      const fields = { channel: alert.channel, code: alert.kind, count: alert.value, limit: alert.threshold };
      if (event === 'raised') this.deps.log.warn('alert raised', fields);
      else this.deps.log.info('alert cleared', fields);
    }
    const toPost = events.filter(([, a]) => this.webhookOf(a.channel) !== undefined);
    if (toPost.length === 0) return;
    this.deliveries = this.deliveries.then(async () => {
      if (!(await this.deliverHere())) return;
      for (const [event, alert] of toPost) await postAlert(this.webhookOf(alert.channel)!, event, alert, this.deps.log, this.deps.webhook);
    });
  }

  /**
   * Evaluates every interval, one round at a time, until stop(); the first round runs after one interval. Does
   * nothing once started or stopped.
   */
  start(): void {
    if (this.rounds || this.stopped) return;
    this.rounds = periodicTask({
      name: 'alert monitor',
      intervalMs: this.deps.intervalMs ?? DEFAULT_ALERT_INTERVAL_MS,
      run: () => this.evaluateOnce(),
      onError: (err) => this.deps.log.warn('alert round failed; the next round tries again', { error: (err as Error).name }),
    });
    void this.rounds.start();
  }

  /** Stops evaluating; waits up to `graceMs` for the round and the deliveries in flight. */
  async stop(graceMs = 3000): Promise<void> {
    this.stopped = true;
    const done = (this.rounds?.stop() ?? Promise.resolve()).then(() => this.deliveries);
    let t: NodeJS.Timeout | undefined;
    await Promise.race([
      done,
      new Promise((r) => {
        t = setTimeout(r, graceMs);
      }),
    ]);
    clearTimeout(t);
  }

  /** Resolves when every delivery queued so far is done (tests). */
  settled(): Promise<void> {
    return this.deliveries;
  }

  private webhookOf(channel: string): string | undefined {
    return this.channels.find((c) => c.name === channel)?.webhook;
  }

  private async deliverHere(): Promise<boolean> {
    if (!this.deps.shouldDeliver) return true;
    try {
      return await this.deps.shouldDeliver();
    } catch {
      return true;
    }
  }

  private now(): Date {
    return (this.deps.now ?? (() => new Date()))();
  }
}

/** The limit of the rule that raises alerts of `kind`, or undefined when the rules have none. */
function ruleOf(rules: ChannelAlertRules, kind: Alert['kind']): number | undefined {
  switch (kind) {
    case 'silence':
      return rules.silenceMinutes;
    case 'dead-letters':
      return rules.deadLettersAbove;
    case 'queue-depth':
      return rules.queueDepthAbove;
    case 'slots-exhausted':
      return rules.slotsExhausted ? 1 : undefined;
    case 'clearinghouse-transfers':
      return rules.clearinghouseFailuresAbove;
    case 'destination-failures':
      return rules.destinationFailuresAbove;
    case 'destination-queue':
      return rules.destinationQueueAbove;
    default:
      return undefined;
  }
}
