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
 * - At or above `hardBacklog` a frame is not even committed: it waits (in memory, in arrival order; the
 *   listener stops reading a connection with too many unanswered frames, so this is bounded) until the backlog
 *   is under the hard limit again — or at most `maxAdmissionWaitMs`, after which it goes ahead. The hard limit
 *   therefore caps the backlog even for senders with huge windows, which an ACK delay alone would not.
 * - NAKs (rejections, store unavailable) are never delayed: the sender must learn of them at once.
 * - The level is refreshed by a poller (`startBacklogPoller`, an effect at the edge). Between readings it is the
 *   last reading plus the frames this process admitted since, less what the pipeline was seen to finish in the
 *   same time (the drain rate between the last two readings: their difference and the admissions between them),
 *   and never below the last reading. So a flow the pipeline keeps up with leaves the level at the true backlog,
 *   however many messages a second pass, while a flood (admissions beyond the drain) raises it at once: one
 *   reading does not let a flood through. With several listener processes each measures the drain net of the
 *   others' admissions, which is the room left for its own. A pipeline that stops at once is seen at the next
 *   reading: until then the level is low by at most the drain of one interval. A failed reading keeps the last
 *   level.
 */
import type { Logger } from '../core/logger';
import { periodicTask, type PeriodicTask } from '../core/periodic';

/** The limits: from the engine configuration (RXBRIDGE_BACKLOG_SOFT, RXBRIDGE_BACKLOG_HARD, RXBRIDGE_MAX_ACK_DELAY_MS; src/engine/config.ts). */
export interface BackpressureLimits {
  /** Open messages at or below which ACKs are not delayed. */
  softBacklog: number;
  /** Open messages at which ACKs get the full delay. */
  hardBacklog: number;
  /** The longest an ACK is held, in ms. */
  maxAckDelayMs: number;
  /** The longest a frame waits to be committed while the backlog is at or over the hard limit, in ms. */
  maxAdmissionWaitMs: number;
}

/** The ACK delay for a backlog, by the contract above. */
export function ackDelayMs(backlog: number, limits: BackpressureLimits): number {
  if (limits.maxAckDelayMs <= 0 || backlog <= limits.softBacklog) return 0;
  if (backlog >= limits.hardBacklog) return limits.maxAckDelayMs;
  return Math.round((limits.maxAckDelayMs * (backlog - limits.softBacklog)) / (limits.hardBacklog - limits.softBacklog));
}

/**
 * The current backlog reading, the ACK delay it implies, and the admission queue for frames that arrive while
 * the backlog is at or over the hard limit. Shared by every listener of a process.
 */
export class BackpressureGauge {
  /** The last reading, when it was taken (undefined before the first), and the frames admitted since. */
  private reading = 0;
  private readAt: number | undefined;
  private admittedSinceReading = 0;
  /** Messages finished per ms between the last two readings, net of other processes' admissions (0 until known). */
  private drainPerMs = 0;
  private readonly waiting: Array<{ admit: () => void; since: number }> = [];

  constructor(
    readonly limits: BackpressureLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** The backlog as the contract above estimates it now. */
  get backlog(): number {
    const elapsed = this.readAt === undefined ? 0 : Math.max(0, this.now() - this.readAt);
    const unfinished = this.admittedSinceReading - this.drainPerMs * elapsed;
    return this.reading + Math.max(0, Math.ceil(unfinished));
  }

  /** Frames waiting to be admitted. */
  get queued(): number {
    return this.waiting.length;
  }

  /** A new reading; admits waiting frames, in arrival order, while there is room under the hard limit. */
  set(backlog: number): void {
    const now = this.now();
    if (this.readAt !== undefined && now > this.readAt) {
      const finished = this.reading + this.admittedSinceReading - backlog;
      this.drainPerMs = Math.max(0, finished) / (now - this.readAt);
    }
    this.reading = backlog;
    this.readAt = now;
    this.admittedSinceReading = 0;
    this.release();
  }

  ackDelayMs(): number {
    return ackDelayMs(this.backlog, this.limits);
  }

  /**
   * Resolves when a frame may be committed: at once (undefined, no promise) while the backlog is under the hard
   * limit and nobody waits; otherwise in arrival order as room appears or `maxAdmissionWaitMs` passes. Each
   * admitted frame counts into the level as the contract above says.
   */
  admit(): Promise<void> | undefined {
    if (this.waiting.length === 0 && !this.full()) {
      if (this.limits.maxAckDelayMs > 0) this.admittedSinceReading++;
      return undefined;
    }
    return new Promise<void>((resolve) => this.waiting.push({ admit: resolve, since: this.now() }));
  }

  /** Admits every waiting frame (engine stopping). */
  releaseAll(): void {
    for (const w of this.waiting.splice(0)) w.admit();
  }

  private full(): boolean {
    return this.limits.maxAckDelayMs > 0 && this.backlog >= this.limits.hardBacklog;
  }

  private release(): void {
    const now = this.now();
    while (this.waiting.length > 0) {
      const first = this.waiting[0] as { admit: () => void; since: number };
      if (this.full() && now - first.since < this.limits.maxAdmissionWaitMs) break;
      this.waiting.shift();
      this.admittedSinceReading++;
      first.admit();
    }
  }
}

/**
 * Polls `countOpen` (capped just above the hard limit, so a huge backlog costs no more to count) at once and then
 * every `everyMs`, one reading at a time, and updates the gauge; logs when ACKs start and stop being delayed. A failed
 * reading keeps the last level (the store may be away; intake answers AR then anyway).
 */
export function backlogPoller(
  gauge: BackpressureGauge,
  countOpen: (cap: number) => Promise<number>,
  log: Logger,
  everyMs = 1_000,
): PeriodicTask {
  let delaying = false;
  return periodicTask({
    name: 'backlog poller',
    intervalMs: everyMs,
    runAtStart: true,
    run: async () => {
      gauge.set(await countOpen(gauge.limits.hardBacklog + 1));
      const now = gauge.ackDelayMs() > 0;
      if (now !== delaying) {
        delaying = now;
        if (now) log.warn('pipeline backlog over its soft limit: ACKs are delayed', { count: gauge.backlog, delayMs: gauge.ackDelayMs() });
        else log.info('pipeline backlog back under its soft limit: ACKs are no longer delayed', { count: gauge.backlog });
      }
    },
    onError: () => {
      // Keep the last level.
    },
  });
}

/** Starts the backlogPoller; returns a stop function that resolves once a reading in progress has finished. */
export function startBacklogPoller(
  gauge: BackpressureGauge,
  countOpen: (cap: number) => Promise<number>,
  log: Logger,
  everyMs = 1_000,
): () => Promise<void> {
  const poller = backlogPoller(gauge, countOpen, log, everyMs);
  void poller.start();
  return () => poller.stop();
}
