/**
 * Delivery of final messages to their channels' destinations (docs/channels.md "Destinations").
 *
 * Contract:
 * - The feeder turns final messages into delivery rows (src/store/deliveries.ts feed), beside the hot path: it
 *   only reads messages and writes its own tables.
 * - Each enabled destination has its own loop and connector: a receiver that is down only holds its own
 *   deliveries (retried with capped exponential backoff), never intake or another destination.
 * - Order: fifo sends one delivery at a time, in message id order, and an open delivery (being retried) holds the
 *   later ones; patient holds only the same patient's; none holds nothing. A delivery that runs out of attempts
 *   becomes a dead letter (state failed) and no longer holds the others.
 * - A delivery is leased before it is sent; a process killed mid-send leaves it open, and after the lease another
 *   process (or the restarted one) sends it again with the same control id (MSH-10): at-least-once, exactly-once
 *   toward a receiver that de-duplicates by MSH-10.
 * - Nothing here logs message content: log lines carry ids, names and error codes.
 */
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { ChannelPlan } from '../channels/schema';
import { EngineError } from '../core/errors';
import type { Logger } from '../core/logger';
import { parseHl7 } from '../hl7/parse';
import type { BodyCodec } from '../store/bodies';
import { DeliveryStore, type DeliverySettlement, type DueDelivery } from '../store/deliveries';
import type { Database } from '../store/types';
import { connectorFactory } from './connectors';
import type { Connector } from './ports';
import type { DestinationPlan } from './schema';
import { conditionHolds, transformMessage, type TransformInput } from './transform';

/** The wait before attempt `attempt + 1` after `attempt` failed: backoffMs doubling per attempt, capped. */
export function backoffDelay(retry: DestinationPlan['retry'], attempt: number): number {
  const exp = retry.backoffMs * 2 ** Math.min(Math.max(attempt - 1, 0), 40);
  return Math.min(retry.maxBackoffMs, exp);
}

/** What to record after a connector's answer (or a failure before sending): pure. */
export function settlementOf(
  retry: DestinationPlan['retry'],
  attempt: number,
  result: { kind: 'delivered'; detail?: string } | { kind: 'retry'; error: string } | { kind: 'rejected'; error: string },
): DeliverySettlement {
  if (result.kind === 'delivered')
    return result.detail === undefined ? { kind: 'delivered' } : { kind: 'delivered', detail: result.detail };
  if (result.kind === 'rejected') return { kind: 'failed', code: 'DESTINATION_REJECTED', error: result.error };
  if (attempt >= retry.attempts)
    return { kind: 'failed', code: 'DESTINATION_GAVE_UP', error: `after ${attempt} attempts: ${result.error}` };
  return { kind: 'retry', error: result.error, delayMs: backoffDelay(retry, attempt) };
}

export interface DeliveryEvents {
  /** One delivery settled (for metrics). */
  settled?(channel: string, destination: string, kind: DeliverySettlement['kind']): void;
}

export interface DeliveryServiceOptions {
  db: Kysely<Database>;
  bodies: BodyCodec;
  logger: Logger;
  /** How long a taken delivery is leased (longer than any connector's timeout). */
  leaseMs: number;
  /** How often an idle destination looks for due deliveries, and how often the feeder runs. */
  pollMs: number;
  events?: DeliveryEvents;
}

/** Messages one feeder step reads at most. */
const FEED_STEP = 500;

/** One destination's loop. */
class DestinationLoop {
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private ticking = false;
  private readonly abort = new AbortController();
  private readonly running = new Set<Promise<void>>();

  constructor(
    readonly channel: string,
    readonly plan: DestinationPlan,
    readonly key: string,
    private readonly connector: Connector,
    private readonly o: DeliveryServiceOptions,
    private readonly store: DeliveryStore,
  ) {}

  start(): void {
    this.schedule(0);
  }

  /** New deliveries were fed: look now rather than at the next idle poll. */
  wake(): void {
    if (!this.ticking) this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.ticking) return;
    this.ticking = true;
    let taken: DueDelivery[] = [];
    try {
      taken = await this.store.takeDue(this.channel, this.plan.name, this.plan.concurrency - this.inFlight, this.o.leaseMs);
    } catch (err) {
      this.o.logger.warn('destination could not take deliveries', {
        channel: this.channel,
        destination: this.plan.name,
        error: codeOf(err),
      });
    } finally {
      this.ticking = false;
    }
    for (const d of taken) {
      this.inFlight++;
      const p = this.deliver(d)
        .catch((err) => {
          this.o.logger.warn('delivery failed unexpectedly', {
            channel: this.channel,
            destination: this.plan.name,
            delivery: d.id,
            error: codeOf(err),
          });
        })
        .finally(() => {
          this.inFlight--;
          this.running.delete(p);
          this.schedule(0);
        });
      this.running.add(p);
    }
    // Idle, a loop looks every 4 polls (retries come due, another process's lease lapses); the feeder wakes it.
    this.schedule(taken.length > 0 ? this.o.pollMs : this.o.pollMs * 4);
  }

  private async deliver(d: DueDelivery): Promise<void> {
    const settle = async (s: DeliverySettlement) => {
      if (await this.store.settle(d, s)) this.o.events?.settled?.(this.channel, this.plan.name, s.kind);
    };
    const text = await readBody(this.o.db, this.o.bodies, d.messageId);
    if (text === null)
      return settle({ kind: 'failed', code: 'DESTINATION_BODY_MISSING', error: 'the message body is pruned or cannot be opened' });
    let payload;
    try {
      const input: TransformInput = {
        text,
        message: parseHl7(text),
        messageId: d.messageId,
        channel: this.channel,
        destination: this.plan.name,
        controlId: d.controlId,
      };
      if (this.plan.when && !conditionHolds(this.plan.when, input)) return settle({ kind: 'filtered' });
      payload = transformMessage(this.plan.transform, input);
    } catch (err) {
      const why = err instanceof EngineError ? `${err.code}: ${err.message}` : 'the transformer failed';
      return settle({ kind: 'failed', code: 'DESTINATION_TRANSFORM_FAILED', error: why });
    }
    let result;
    try {
      result = await this.connector.send(payload, this.abort.signal);
    } catch {
      result = { kind: 'retry' as const, error: 'the connector failed unexpectedly' };
    }
    if (this.stopped && result.kind === 'retry') return; // shutting down: the lease runs out and it is sent again
    await settle(settlementOf(this.plan.retry, d.attempt, result));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort.abort();
    await Promise.allSettled([...this.running]);
    await this.connector.close().catch(() => undefined);
  }
}

async function readBody(db: Kysely<Database>, bodies: BodyCodec, messageId: string): Promise<string | null> {
  const row = await sql<{ content: string | null; key_id: string | null }>`
    select content, key_id from message_contents where message_id = ${messageId} order by version desc limit 1`.execute(db);
  const r = row.rows[0];
  if (!r || r.content === null) return null;
  try {
    return bodies.open(r.content, r.key_id);
  } catch {
    return null;
  }
}

function codeOf(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown };
  return typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : 'error';
}

/**
 * Runs the feeder and every destination loop of the channels in force. `setChannels` (start and every channel
 * reload) starts loops for new or changed destinations and stops those removed or disabled.
 */
export class DeliveryService {
  private readonly store: DeliveryStore;
  private readonly loops = new Map<string, DestinationLoop>();
  private plans: readonly ChannelPlan[] = [];
  /** When this process first saw each channel with destinations (a new cursor starts there). */
  private readonly firstSeen = new Map<string, Date>();
  private feedTimer: NodeJS.Timeout | undefined;
  private feeding: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly o: DeliveryServiceOptions) {
    this.store = new DeliveryStore(o.db);
  }

  get deliveries(): DeliveryStore {
    return this.store;
  }

  setChannels(plans: readonly ChannelPlan[]): void {
    this.plans = plans;
    const wanted = new Map<string, { channel: ChannelPlan; dest: DestinationPlan }>();
    for (const channel of plans) {
      for (const dest of channel.destinations) {
        if (!dest.enabled) continue;
        if (!this.firstSeen.has(channel.name)) this.firstSeen.set(channel.name, new Date());
        wanted.set(`${channel.name}\u0000${dest.name}`, { channel, dest });
      }
    }
    for (const [id, loop] of this.loops) {
      const w = wanted.get(id);
      if (!w || loop.key !== planKey(w.channel, w.dest)) {
        this.loops.delete(id);
        void loop.stop();
      }
    }
    if (this.stopped) return;
    for (const [id, { channel, dest }] of wanted) {
      if (this.loops.has(id)) continue;
      const factory = connectorFactory(dest.connector.type);
      if (!factory) continue; // the schema refuses unknown types; a plan cannot name one
      let connector: Connector;
      try {
        connector = factory.create(dest.connector.options as never, { logger: this.o.logger, baseDir: path.dirname(channel.file) });
      } catch (err) {
        this.o.logger.error('destination connector could not be built', {
          channel: channel.name,
          destination: dest.name,
          error: codeOf(err),
        });
        continue;
      }
      const loop = new DestinationLoop(channel.name, dest, planKey(channel, dest), connector, this.o, this.store);
      this.loops.set(id, loop);
      loop.start();
    }
  }

  start(plans: readonly ChannelPlan[]): void {
    this.setChannels(plans);
    this.scheduleFeed(0);
  }

  private scheduleFeed(ms: number): void {
    if (this.stopped) return;
    this.feedTimer = setTimeout(() => {
      this.feeding = this.feedAll().finally(() => this.scheduleFeed(this.o.pollMs));
    }, ms);
  }

  /** One feeder pass over every channel with enabled destinations. */
  async feedAll(): Promise<void> {
    for (const channel of this.plans) {
      const targets = channel.destinations.filter((d) => d.enabled);
      if (targets.length === 0) continue;
      const since = this.firstSeen.get(channel.name) ?? new Date();
      try {
        let fed = 0;
        let step: number;
        do {
          step = await this.store.feed(channel.name, targets, since, FEED_STEP);
          fed += step;
        } while (step === FEED_STEP && !this.stopped);
        fed += await this.store.refeed(channel.name, targets);
        if (fed > 0) for (const loop of this.loops.values()) if (loop.channel === channel.name) loop.wake();
      } catch (err) {
        this.o.logger.warn('delivery feeder failed', { channel: channel.name, error: codeOf(err) });
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.feedTimer);
    await this.feeding?.catch(() => undefined);
    await Promise.all([...this.loops.values()].map((l) => l.stop()));
    this.loops.clear();
  }
}

/** A destination's loop is rebuilt when anything of its plan (or its channel file's folder) changes. */
function planKey(channel: ChannelPlan, dest: DestinationPlan): string {
  return JSON.stringify({ file: channel.file, dest }, (_k, v: unknown) => (v instanceof Set ? [...(v as Set<unknown>)] : v));
}
