/**
 * The alert evaluator, pure: (rules, readings, the alerts active so far, now) → the alerts active now, and which
 * were raised and cleared by this evaluation. Each alert is raised once when its condition starts and cleared
 * once when it ends; while it lasts, its `value` follows the readings without being raised again.
 *
 * Kinds, per channel (docs/channels.md "alerts"):
 * - `silence`: no message received for `silenceMinutes`, counted only inside business hours: from the latest of
 *   the newest message, the start of the current business window and the monitor's start (so neither a quiet
 *   night nor a restart raises it at once). Once raised, it is cleared by a message received after it was raised,
 *   and by nothing else (not the end of business hours, nor the next window's start). No `businessHours`:
 *   always business hours.
 * - `dead-letters`: more than `deadLettersAbove` dead letters (messages in status error) in the store.
 * - `queue-depth`: more than `queueDepthAbove` open messages (received or processing) of the channel in the store:
 *   the channel's share of the pipeline's backlog.
 * - `slots-exhausted` (`slotsExhausted: true`): the channel's MLLP connection slots ran out — every slot is taken
 *   now, or a sender was refused since the previous evaluation because the slots open to it were all taken (a
 *   stranger finding only the slots reserved for known senders counts too). Cleared by an evaluation that finds a
 *   free slot and no refusal. A reading without slots (a process that runs no listener) keeps it as it is.
 * - `clearinghouse-transfers` (`clearinghouseFailuresAbove`): more than this many 837P uploads to the clearinghouse
 *   whose last attempt failed (src/store/clearinghouse.ts), counted over the whole store (the exchange is not a
 *   channel's: the channels that watch it carry the rule and its webhook). Cleared when they are sent.
 * - `destination-failures` (`destinationFailuresAbove`): more than this many dead letters of the channel's
 *   destinations (deliveries in state failed, src/store/deliveries.ts), all destinations together.
 * - `destination-queue` (`destinationQueueAbove`): one of the channel's destinations holds more than this many open
 *   deliveries (queued or being retried): its receiver is down or slow. The value is the largest such queue.
 * A channel without a reading (the store did not answer) keeps its alerts as they are.
 * Alert texts name the channel, counts and limits: never message content.
 */
import { businessWindowStart, type BusinessHours } from './business-hours';

export type AlertKind =
  'silence' | 'dead-letters' | 'queue-depth' | 'slots-exhausted' | 'clearinghouse-transfers' | 'destination-failures' | 'destination-queue';

export interface ChannelAlertRules {
  silenceMinutes?: number;
  businessHours?: BusinessHours;
  /** IANA time zone of the business hours. */
  timeZone: string;
  deadLettersAbove?: number;
  queueDepthAbove?: number;
  /** Raise `slots-exhausted` when the MLLP connection slots run out. */
  slotsExhausted?: boolean;
  /** Raise `clearinghouse-transfers` above this many failed uploads to the clearinghouse. */
  clearinghouseFailuresAbove?: number;
  /** Raise `destination-failures` above this many failed deliveries of the channel's destinations. */
  destinationFailuresAbove?: number;
  /** Raise `destination-queue` when a destination holds more than this many open deliveries. */
  destinationQueueAbove?: number;
}

/** A listener's connection slots, as the alert rule reads them. */
export interface SlotsReading {
  /** Connections open now. */
  open: number;
  /** maxConnections. */
  limit: number;
  /** Connections refused for want of a slot since the previous reading. */
  refused: number;
}

export interface AlertReading {
  open: number;
  deadLetters: number;
  lastReceivedAt: Date | null;
  /** The channel's MLLP slots; absent when this process runs no listener for it. */
  slots?: SlotsReading;
  /** Uploads to the clearinghouse whose last attempt failed (the whole store); absent: not read. */
  clearinghouseFailures?: number;
  /** The channel's destinations: failed deliveries (all together) and the largest open queue; absent: not read. */
  destinations?: { failed: number; largestQueue: number; largestQueueName: string | null };
}

export interface Alert {
  /** `<channel>:<kind>`: one alert of a kind per channel. */
  readonly id: string;
  readonly channel: string;
  readonly kind: AlertKind;
  /** When it was raised (ISO 8601). */
  readonly since: string;
  /** The reading that breaks the limit (minutes of silence, dead letters, open messages), as of the last evaluation. */
  readonly value: number;
  readonly threshold: number;
  readonly message: string;
}

export interface EvaluationInput {
  now: Date;
  /** When the monitor started: silence is not counted from before it. */
  startedAt: Date;
  channels: ReadonlyArray<{ name: string; rules: ChannelAlertRules; reading: AlertReading | undefined }>;
  active: ReadonlyMap<string, Alert>;
}

export interface Evaluation {
  active: Map<string, Alert>;
  raised: Alert[];
  /** The alerts that ended, with the reading that ended them and a message saying so. */
  cleared: Alert[];
}

type Verdict = { kind: 'breach'; value: number; threshold: number; message: string } | { kind: 'ok'; message: string } | { kind: 'hold' };

export function evaluateAlerts(input: EvaluationInput): Evaluation {
  const active = new Map(input.active);
  const raised: Alert[] = [];
  const cleared: Alert[] = [];
  for (const { name, rules, reading } of input.channels) {
    if (!reading) continue;
    const verdicts: Array<[AlertKind, Verdict]> = [];
    if (rules.silenceMinutes !== undefined) {
      verdicts.push(['silence', silence(name, rules, rules.silenceMinutes, reading, input, active.get(`${name}:silence`))]);
    }
    if (rules.deadLettersAbove !== undefined) {
      verdicts.push([
        'dead-letters',
        above(
          reading.deadLetters,
          rules.deadLettersAbove,
          (n) => `channel ${name}: ${n} dead letter${n === 1 ? '' : 's'} (limit: more than ${rules.deadLettersAbove})`,
        ),
      ]);
    }
    if (rules.queueDepthAbove !== undefined) {
      verdicts.push([
        'queue-depth',
        above(
          reading.open,
          rules.queueDepthAbove,
          (n) => `channel ${name}: ${n} message${n === 1 ? '' : 's'} waiting for the pipeline (limit: more than ${rules.queueDepthAbove})`,
        ),
      ]);
    }
    if (rules.slotsExhausted) verdicts.push(['slots-exhausted', slotsExhausted(name, reading.slots)]);
    const limit = rules.clearinghouseFailuresAbove;
    if (limit !== undefined && reading.clearinghouseFailures !== undefined) {
      verdicts.push([
        'clearinghouse-transfers',
        above(
          reading.clearinghouseFailures,
          limit,
          (n) =>
            `${n} upload${n === 1 ? '' : 's'} to the clearinghouse failing (limit: more than ${limit}); see the batches and eligibility pages`,
        ),
      ]);
    }
    const dest = reading.destinations;
    const failedLimit = rules.destinationFailuresAbove;
    if (failedLimit !== undefined && dest) {
      verdicts.push([
        'destination-failures',
        above(
          dest.failed,
          failedLimit,
          (n) => `channel ${name}: ${n} failed deliver${n === 1 ? 'y' : 'ies'} to destinations (limit: more than ${failedLimit})`,
        ),
      ]);
    }
    const queueLimit = rules.destinationQueueAbove;
    if (queueLimit !== undefined && dest) {
      verdicts.push([
        'destination-queue',
        above(
          dest.largestQueue,
          queueLimit,
          (n) =>
            `channel ${name}: ${n} deliveries waiting${dest.largestQueueName ? ` for destination ${dest.largestQueueName}` : ''} (limit: more than ${queueLimit})`,
        ),
      ]);
    }
    for (const [kind, verdict] of verdicts) {
      const id = `${name}:${kind}`;
      const current = active.get(id);
      if (verdict.kind === 'breach') {
        const alert: Alert = {
          id,
          channel: name,
          kind,
          since: current?.since ?? input.now.toISOString(),
          value: verdict.value,
          threshold: verdict.threshold,
          message: verdict.message,
        };
        active.set(id, alert);
        if (!current) raised.push(alert);
      } else if (verdict.kind === 'ok' && current) {
        active.delete(id);
        cleared.push({ ...current, message: verdict.message });
      }
    }
  }
  return { active, raised, cleared };
}

function above(value: number, limit: number, describe: (n: number) => string): Verdict {
  return value > limit ? { kind: 'breach', value, threshold: limit, message: describe(value) } : { kind: 'ok', message: describe(value) };
}

function slotsExhausted(channel: string, slots: SlotsReading | undefined): Verdict {
  if (!slots || slots.limit <= 0) return { kind: 'hold' };
  const message =
    `channel ${channel}: ${slots.open} of ${slots.limit} MLLP connection slots in use, ` +
    `${slots.refused} connection${slots.refused === 1 ? '' : 's'} refused for want of a slot since the last check`;
  return slots.open >= slots.limit || slots.refused > 0
    ? { kind: 'breach', value: slots.open, threshold: slots.limit, message }
    : { kind: 'ok', message };
}

function silence(
  channel: string,
  rules: ChannelAlertRules,
  limitMinutes: number,
  reading: AlertReading,
  input: EvaluationInput,
  current: Alert | undefined,
): Verdict {
  const { now } = input;
  const last = reading.lastReceivedAt;
  // Once raised, only a message received after the alert clears it (not the end or the start of a window).
  if (current && last && last.getTime() > Date.parse(current.since)) {
    return { kind: 'ok', message: `channel ${channel}: messages are arriving again` };
  }
  const windowStart = rules.businessHours ? businessWindowStart(rules.businessHours, rules.timeZone, now) : input.startedAt;
  if (windowStart === null) return { kind: 'hold' };
  const silentSince = Math.max(last?.getTime() ?? 0, windowStart.getTime(), input.startedAt.getTime());
  const silentMinutes = Math.floor((now.getTime() - silentSince) / 60_000);
  if (silentMinutes < limitMinutes) return current ? { kind: 'hold' } : { kind: 'ok', message: '' };
  const hours = rules.businessHours ? `, business hours ${rules.businessHours.text} ${rules.timeZone}` : '';
  return {
    kind: 'breach',
    value: silentMinutes,
    threshold: limitMinutes,
    message: `channel ${channel}: no message received for ${silentMinutes} minutes (limit ${limitMinutes}${hours})`,
  };
}
