/**
 * What application ACK delivery needs from the outside world: the store of ACK requests (src/store/application-acks.ts)
 * and an MLLP transport (src/mllp/client.ts). No patient data crosses these ports: a request carries the inbound MSH
 * header and the message's final status and error code/text only.
 */
import type { ApplicationAckRequest } from '../hl7/ack';
import type { MshHeader } from '../hl7/peek';
import type { FinalOutcome } from './application-ack';

/** An application ACK whose message is final, taken for one delivery attempt. */
export interface DueApplicationAck {
  messageId: string;
  channel: string;
  requested: ApplicationAckRequest;
  header: MshHeader;
  /** Attempts including this one. */
  attempts: number;
  outcome: FinalOutcome;
}

export interface ApplicationAcksPort {
  /**
   * Takes up to `limit` open requests of `channels` whose message is final (processed, filtered or error) and whose
   * next attempt is due, oldest first: each counts an attempt and is leased for `leaseMs` (not due again meanwhile),
   * so processes that share the store never take the same request at once. A request taken but not settled (the
   * process died) is due again when its lease lapses.
   */
  takeDue(channels: readonly string[], limit: number, leaseMs: number): Promise<DueApplicationAck[]>;
  /**
   * Settles a taken request (`attempt` = its DueApplicationAck.attempts) and records it as an event on the message.
   * A request reopened meanwhile by a replay is left as it is (the replay's outcome gets its own ACK).
   */
  settle(messageId: string, attempt: number, result: AckSettlement): Promise<void>;
}

export type AckSettlement =
  /** Delivered: the receiver answered CA/AA. */
  | { kind: 'sent'; code: 'AA' | 'AE'; controlId: string }
  /** MSH-16 ER or SU does not ask for an ACK after this outcome. */
  | { kind: 'not_needed'; reason: string }
  /** Not delivered; due again after `delayMs`. */
  | { kind: 'retry'; error: string; delayMs: number }
  /** Not delivered and out of attempts. */
  | { kind: 'failed'; error: string };

export interface MllpTarget {
  host: string;
  port: number;
  /** How long to wait for the connection and for each answer. */
  timeoutMs: number;
}

/** One message's exchange: the receiver's answer, or why there is none. */
export type MllpExchange = { ok: true; answer: string } | { ok: false; error: string };

/**
 * Sends messages over one MLLP connection, one at a time, each after the previous one's answer. Resolves with an
 * exchange per message, in order; after a failure (refused, closed, timed out) the rest are not sent and carry the
 * same error. Never rejects.
 */
export type MllpSend = (target: MllpTarget, messages: readonly string[]) => Promise<MllpExchange[]>;
