/**
 * Backpressure at intake: when the pipeline falls behind, the listeners slow the senders down by answering
 * later, instead of letting the open backlog (and with it the per-patient waits and memory) grow without bound.
 *
 * Contract:
 * - The backlog is the number of messages committed but not finished (status received or processing), in the
 *   whole store — so a listener-only process slows down for workers that run elsewhere.
 * - At or below `softBacklog` nothing changes. Above it, every accepted message's ACK is delayed — after the
 *   commit, so a delayed message is never lost — by a time that grows linearly to `maxAckDelayMs` at
 *   `hardBacklog` and stays there beyond. A sender that waits for its ACKs (as MLLP senders do) is thereby
 *   held to about (its window ÷ delay) messages per second, and intake settles near what the pipeline finishes.
 * - NAKs (rejections, store unavailable) are never delayed: the sender must learn of them at once.
 * - The level is refreshed by a poller (`startBacklogPoller`, an effect at the edge); between polls the last
 *   reading holds. A failed reading keeps the last level.
 */
import type { Logger } from '../core/logger';

export interface BackpressureLimits {
  /** Open messages at or below which ACKs are not delayed. */
  softBacklog: number;
  /** Open messages at which ACKs get the full delay. */
  hardBacklog: number;
  /** The longest an ACK is held, in ms. */
  maxAckDelayMs: number;
}

export const DEFAULT_BACKPRESSURE: BackpressureLimits = { softBacklog: 2_000, hardBacklog: 20_000, maxAckDelayMs: 1_000 };

/** The ACK delay for a backlog, by the contract above. */
export function ackDelayMs(backlog: number, limits: BackpressureLimits): number {
  if (limits.maxAckDelayMs <= 0 || backlog <= limits.softBacklog) return 0;
  if (backlog >= limits.hardBacklog) return limits.maxAckDelayMs;
  return Math.round((limits.maxAckDelayMs * (backlog - limits.softBacklog)) / (limits.hardBacklog - limits.softBacklog));
}

/** Reads limits from RXBRIDGE_BACKLOG_SOFT, RXBRIDGE_BACKLOG_HARD and RXBRIDGE_MAX_ACK_DELAY_MS (0 turns it off). */
export function backpressureFromEnv(env: Record<string, string | undefined>): BackpressureLimits {
  const num = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number ≥ 0, got "${raw}"`);
    return n;
  };
  const limits = {
    softBacklog: num('RXBRIDGE_BACKLOG_SOFT', DEFAULT_BACKPRESSURE.softBacklog),
    hardBacklog: num('RXBRIDGE_BACKLOG_HARD', DEFAULT_BACKPRESSURE.hardBacklog),
    maxAckDelayMs: num('RXBRIDGE_MAX_ACK_DELAY_MS', DEFAULT_BACKPRESSURE.maxAckDelayMs),
  };
  if (limits.hardBacklog <= limits.softBacklog) {
    throw new Error(`RXBRIDGE_BACKLOG_HARD (${limits.hardBacklog}) must be greater than RXBRIDGE_BACKLOG_SOFT (${limits.softBacklog})`);
  }
  return limits;
}

/** The current backlog reading and the delay it implies; shared by every listener of a process. */
export class BackpressureGauge {
  private level = 0;

  constructor(readonly limits: BackpressureLimits) {}

  get backlog(): number {
    return this.level;
  }

  set(backlog: number): void {
    this.level = backlog;
  }

  ackDelayMs(): number {
    return ackDelayMs(this.level, this.limits);
  }
}

/**
 * Polls `countOpen` (capped just above the hard limit, so a huge backlog costs no more to count) every
 * `everyMs` and updates the gauge; logs when ACKs start and stop being delayed. Returns a stop function.
 */
export function startBacklogPoller(
  gauge: BackpressureGauge, countOpen: (cap: number) => Promise<number>, log: Logger, everyMs = 1_000,
): () => void {
  let delaying = false;
  let running = false;
  const poll = async () => {
    if (running) return;
    running = true;
    try {
      gauge.set(await countOpen(gauge.limits.hardBacklog + 1));
      const now = gauge.ackDelayMs() > 0;
      if (now !== delaying) {
        delaying = now;
        if (now) log.warn('pipeline backlog over its soft limit: ACKs are delayed', { count: gauge.backlog, delayMs: gauge.ackDelayMs() });
        else log.info('pipeline backlog back under its soft limit: ACKs are no longer delayed', { count: gauge.backlog });
      }
    } catch {
      // The store may be away; intake answers AR then anyway. Keep the last level.
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void poll(), everyMs);
  timer.unref();
  void poll();
  return () => clearInterval(timer);
}
