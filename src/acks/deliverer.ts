/**
 * Delivers application ACKs (enhanced mode, MSH-16) to each channel's `applicationAcks` destination over MLLP.
 *
 * Contract:
 * - A round takes due requests of final messages from the store (leased, so processes sharing the store never send
 *   the same ACK at once), builds each ACK (application-ack.ts), and sends a channel's ACKs over one connection in
 *   message order. A request whose MSH-16 (ER, SU) does not ask for an ACK after its outcome is settled not_needed.
 * - Delivered = the receiver answered with MSA-1 CA or AA and MSA-2 = the ACK's MSH-10. Anything else (refused,
 *   no answer within timeoutMs, CE/CR/AE/AR, another MSA-2) is a failed attempt: due again after backoffMs × 2^(n-1)
 *   (at most an hour) until the destination's attempts are used up, then settled failed.
 * - At least once: a process that dies (or stops) between sending and settling leaves the request to be sent again
 *   when its lease lapses ((batch + 1) × timeoutMs + 30 s); the receiver sees the same MSA-2 twice.
 * - A request of a channel without a destination (removed by a reload) stays open until one is configured.
 * - Rounds run every intervalMs, and at once again after a full batch. A failing round (store down) is logged and
 *   the next one tries again; nothing here throws into the caller.
 */
import type { Logger } from '../core/logger';
import { periodicTask, type PeriodicTask } from '../core/periodic';
import { newControlId } from '../hl7/ack';
import { applicationAckFor } from './application-ack';
import type { AckSettlement, ApplicationAcksPort, DueApplicationAck, MllpExchange, MllpSend, MllpTarget } from './ports';

export interface AckDestination extends MllpTarget {
  /** Delivery attempts before a request is given up (settled failed). */
  attempts: number;
  /** Delay after the first failed attempt; it doubles with each further one, up to an hour. */
  backoffMs: number;
}

export interface DelivererDeps {
  store: ApplicationAcksPort;
  /** The destination of each channel that sends application ACKs, as configured now (read every round). */
  destinations: () => ReadonlyMap<string, AckDestination>;
  send: MllpSend;
  logger: Logger;
  /** Hears each settlement (metrics, tests). */
  onSettled?: (channel: string, result: AckSettlement['kind']) => void;
  now?: () => Date;
  /** Requests taken per round (default 50). */
  batchSize?: number;
}

const MAX_BACKOFF_MS = 3_600_000;
const DEFAULT_BATCH = 50;
const LEASE_MARGIN_MS = 30_000;
const STOP_WAIT_MS = 5_000;

/** Delay before attempt n+1 after n failed ones. */
export function retryDelayMs(backoffMs: number, failedAttempts: number): number {
  return Math.min(MAX_BACKOFF_MS, backoffMs * 2 ** Math.max(0, failedAttempts - 1));
}

/** Whether an answer accepts the ACK whose MSH-10 is `controlId`: MSA-1 CA or AA, MSA-2 = controlId. */
export function answerAccepts(answer: string, controlId: string): { ok: true } | { ok: false; error: string } {
  const msa = answer.split(/\r\n|\r|\n/).find((s) => s.startsWith('MSA'));
  if (!msa) return { ok: false, error: 'the answer has no MSA segment' };
  const fields = msa.split(msa.charAt(3) || '|');
  const code = (fields[1] ?? '').trim();
  const echoed = (fields[2] ?? '').trim();
  if (code !== 'CA' && code !== 'AA')
    return { ok: false, error: `the receiver answered ${code || 'without MSA-1'}${fields[3] ? `: ${fields[3].slice(0, 200)}` : ''}` };
  if (echoed !== controlId)
    return { ok: false, error: `the answer's MSA-2 (${echoed.slice(0, 40)}) is not the ACK's MSH-10 (${controlId})` };
  return { ok: true };
}

export class ApplicationAckDeliverer {
  private rounds: PeriodicTask | undefined;
  private stopped = false;

  constructor(private readonly deps: DelivererDeps) {}

  /** Starts rounds every `intervalMs` (the first after one interval). Does nothing once started or stopped. */
  start(intervalMs: number): void {
    if (this.rounds || this.stopped) return;
    this.rounds = periodicTask({
      name: 'application ACK delivery',
      intervalMs,
      run: (signal) => this.runUntilIdle(signal),
      onError: (err) => this.deps.logger.warn('application ACK round failed; the next round tries again', { error: (err as Error).name }),
    });
    void this.rounds.start();
  }

  /**
   * Stops the rounds; resolves when the round in flight is done, or after STOP_WAIT_MS (a slow listener must not hold
   * up a shutdown: what that round has not settled is sent again once its lease lapses).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    let waited: NodeJS.Timeout | undefined;
    await Promise.race([
      this.rounds?.stop(),
      new Promise<void>((resolve) => {
        waited = setTimeout(resolve, STOP_WAIT_MS);
      }),
    ]);
    clearTimeout(waited);
  }

  /** Rounds until one takes less than a full batch, or the deliverer is stopped. */
  private async runUntilIdle(signal: AbortSignal): Promise<void> {
    const batch = this.deps.batchSize ?? DEFAULT_BATCH;
    for (;;) {
      const taken = await this.runOnce();
      if (taken < batch || signal.aborted) return;
    }
  }

  /** One round: takes due requests and settles each. Resolves to the number taken. */
  async runOnce(): Promise<number> {
    const destinations = this.deps.destinations();
    if (destinations.size === 0) return 0;
    const batch = this.deps.batchSize ?? DEFAULT_BATCH;
    // Long enough for a whole batch sent to one slow listener (each answer may take up to timeoutMs).
    const leaseMs = (batch + 1) * Math.max(...[...destinations.values()].map((d) => d.timeoutMs)) + LEASE_MARGIN_MS;
    const due = await this.deps.store.takeDue([...destinations.keys()], batch, leaseMs);
    const byChannel = new Map<string, DueApplicationAck[]>();
    for (const d of due) byChannel.set(d.channel, [...(byChannel.get(d.channel) ?? []), d]);
    await Promise.all([...byChannel].map(([channel, list]) => this.deliverChannel(channel, list, destinations.get(channel))));
    return due.length;
  }

  private async deliverChannel(channel: string, due: DueApplicationAck[], destination: AckDestination | undefined): Promise<void> {
    if (!destination) return; // removed between takeDue and now: due again when its lease lapses
    const now = (this.deps.now ?? (() => new Date()))();
    const toSend: Array<{ request: DueApplicationAck; controlId: string; code: 'AA' | 'AE'; text: string }> = [];
    for (const request of due) {
      const controlId = newControlId();
      const ack = applicationAckFor({ header: request.header, requested: request.requested, outcome: request.outcome, controlId, now });
      if (ack) toSend.push({ request, controlId, ...ack });
      else
        await this.settle(request, {
          kind: 'not_needed',
          reason: `MSH-16 ${request.requested} and the message ended ${request.outcome.status}`,
        });
    }
    if (toSend.length === 0) return;
    let exchanges: MllpExchange[];
    try {
      exchanges = await this.deps.send(
        destination,
        toSend.map((s) => s.text),
      );
    } catch (err) {
      exchanges = toSend.map(() => ({ ok: false, error: (err as Error).message }));
    }
    let undelivered = 0;
    for (const [i, s] of toSend.entries()) {
      const exchange = exchanges[i] ?? { ok: false, error: 'not sent' };
      const verdict = exchange.ok ? answerAccepts(exchange.answer, s.controlId) : exchange;
      if (verdict.ok) {
        await this.settle(s.request, { kind: 'sent', code: s.code, controlId: s.controlId });
        continue;
      }
      undelivered++;
      if (s.request.attempts >= destination.attempts) {
        await this.settle(s.request, { kind: 'failed', error: verdict.error });
      } else {
        await this.settle(s.request, {
          kind: 'retry',
          error: verdict.error,
          delayMs: retryDelayMs(destination.backoffMs, s.request.attempts),
        });
      }
    }
    if (undelivered > 0)
      this.deps.logger.warn('application ACKs not delivered', { channel, undelivered, delivered: toSend.length - undelivered });
  }

  private async settle(request: DueApplicationAck, result: AckSettlement): Promise<void> {
    await this.deps.store.settle(request.messageId, request.attempts, result);
    this.deps.onSettled?.(request.channel, result.kind);
    if (result.kind === 'failed') {
      this.deps.logger.warn('application ACK given up', {
        messageId: request.messageId,
        channel: request.channel,
        attempts: request.attempts,
      });
    }
  }
}
