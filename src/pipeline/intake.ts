/**
 * Intake: one MLLP frame in, one ACK out. Decodes, peeks MSH, checks the channel's acceptance rules,
 * commits the raw message to the store and only then answers.
 *
 * Contract:
 * - AA (CA in enhanced mode) is sent only after the message is committed (status received or duplicate). A
 *   duplicate is a copy of a message already received: same sender, control id and content (MSH-7 aside); the
 *   same control id with other content is received, and counted by `countReusedControlId`.
 * - A frame that fails a check is stored as `rejected` with the reason, then NAKed (AR / CR) with an ERR
 *   segment in the sender's version layout; if even that store write fails the NAK is still sent.
 * - Store unavailable → AR (CE in enhanced mode): the sender keeps the message and resends. Never AA.
 * - What the answer on the connection is follows the channel's ACK policy for the sender (`acks`, per sender):
 *   - immediate (the product default): one answer after the commit whatever MSH-15/16 say — AA, or AR with ERR —
 *     in original-mode form (no MSH-15/16 in the ACK), as senders that wait on their connection expect;
 *   - standard: the letter of enhanced mode. In enhanced mode the accept ACK follows MSH-15 (AL, NE, ER, SU):
 *     `null` means "send nothing". An application ACK asked for by MSH-16 is not sent here: the request is stored
 *     with the message (src/acks sends it to the channel's applicationAcks destination later);
 *   - after-processing: the answer to a message committed as received waits (up to the policy's timeoutMs) until
 *     the pipeline finished it: AA when processed or filtered, AE with the error's ERR when it was dead-lettered;
 *     after the timeout the accept ACK (AA, or CA for an enhanced-mode message) is sent. Duplicates and NAKs are
 *     answered at once.
 *   An intake channel without a policy answers as `standard`.
 * - Backpressure: while the pipeline's backlog is over its soft limit, the positive ACK of a committed message
 *   is held for `ackDelayMs()`; at its hard limit an accepted frame waits for `admit()` before it is committed
 *   (backpressure.ts). NAKs are never held.
 * - `countOutcome` (metrics) hears each answered frame's outcome: received, duplicate, rejected (incl. oversize)
 *   or store_unavailable.
 * - Nothing here writes PHI to logs or job data. Log lines about a stored message carry its `messageId`, the
 *   correlation id that every later line about the message (pipeline, replay) carries too; a frame that could
 *   not be stored has no id, so its line carries the sender's MSH-10 `controlId` instead.
 */
import { createHash } from 'node:crypto';
import { EngineError, isErrorCode, type ErrorCode } from '../core/errors';
import type { Logger } from '../core/logger';
import { decodeHl7, normalizeSegments, resolveCharset, sniffMsh18, type Charset } from '../hl7/charset';
import { ackMode, applicationAckRequest, buildAck, newControlId, shouldSendAccept, type AckCode } from '../hl7/ack';
import { contentHash } from '../hl7/content-hash';
import { isVersionSupported, peekMsh, type MshHeader } from '../hl7/peek';
import type { AckPolicy } from './ack-policy';
import { OrderedInboundWriter } from './ordered-writer';
import type { InboundRecord, MessageOutcome, MessagesPort } from './ports';

export interface IntakeChannel {
  name: string;
  accept: ReadonlySet<string>;
  processingIds: ReadonlySet<string>;
  duplicateWindowMs: number;
  charset: Charset;
  /** The channel sends application ACKs (an `applicationAcks` destination): enhanced-mode requests are kept. */
  sendsApplicationAcks?: boolean;
  /** The answer policy for a sender (MSH-3|MSH-4); absent = standard for every sender. */
  ackPolicyFor?: (sender: string) => AckPolicy;
}

export interface IntakeDeps {
  /** The channel's rules; a function is read once per frame, so a channel reload applies to the next frame. */
  channel: IntakeChannel | (() => IntakeChannel);
  store: MessagesPort;
  /** Called with the id of each message committed as `received` (the pipeline's work). */
  onReceived(messageId: string): void;
  logger: Logger;
  now?: () => Date;
  /** Backpressure (backpressure.ts): how long to hold the ACK of a committed message; absent = never. */
  ackDelayMs?: () => number;
  /** Backpressure: resolves when an accepted frame may be committed (undefined = now); absent = always now. */
  admit?: () => Promise<void> | undefined;
  /** Hears the outcome of every answered frame (metrics); absent = not counted. */
  countOutcome?: (outcome: IntakeOutcome) => void;
  /** Hears each message received although its control id was used with other content inside the window (metrics). */
  countReusedControlId?: () => void;
  /**
   * after-processing answers: resolves with the message's final outcome, or undefined when it is not final within
   * timeoutMs. Absent = after-processing answers as immediate.
   */
  awaitOutcome?: (messageId: string, timeoutMs: number) => Promise<MessageOutcome | undefined>;
  /** Store-write lanes (see laneOf; RXBRIDGE_INTAKE_LANES); absent = one lane for every connection. */
  lanes?: number;
}

export type IntakeOutcome = 'received' | 'duplicate' | 'rejected' | 'store_unavailable';

export interface FrameSource {
  remote: string;
  /** Frames of one connection are committed in the order received (see OrderedInboundWriter). */
  connectionId: string;
}

/** Result of the checks, before anything is stored. */
type Verdict =
  { ok: true; header: MshHeader; text: string } | { ok: false; header: MshHeader | undefined; text: string; error: EngineError };

export function inspectFrame(bytes: Buffer, channel: IntakeChannel): Verdict {
  const charset = resolveCharset(sniffMsh18(bytes), channel.charset);
  // An unknown charset still needs text to store: latin1 keeps every byte.
  const decoded = normalizeSegments(decodeHl7(bytes, charset ?? 'ISO-8859-1'));
  // HL7 v2 never holds NUL, and the store cannot keep it as text: such a frame is refused for good (not "resend"),
  // and kept with each NUL shown as U+FFFD, so its header, stored row and ACK echo are all NUL-free.
  const text = withoutNul(decoded);
  let header: MshHeader;
  try {
    header = peekMsh(text);
  } catch (err) {
    const error = err instanceof EngineError ? err : new EngineError('MSH_INVALID', 'MSH could not be read');
    return { ok: false, header: undefined, text, error };
  }
  if (text !== decoded) {
    return {
      ok: false,
      header,
      text,
      error: new EngineError('FRAME_NUL', 'the frame contains NUL characters (0x00), which HL7 v2 does not allow'),
    };
  }
  const type = `${header.messageCode}^${header.triggerEvent}`;
  const reject = (code: ErrorCode, reason: string, field: number) => ({
    ok: false as const,
    header,
    text,
    error: new EngineError(code, reason, { segment: 'MSH', sequence: 1, field }),
  });
  if (!charset) return reject('CHARSET_UNSUPPORTED', 'MSH-18 names an unsupported character set', 18);
  if (!isVersionSupported(header.version)) return reject('UNSUPPORTED_VERSION', `version ${header.version} is not supported`, 12);
  if (!channel.accept.has(type))
    return reject('UNSUPPORTED_MESSAGE_TYPE', `message type ${type} is not accepted by channel ${channel.name}`, 9);
  if (!channel.processingIds.has(header.processingId)) {
    return reject('UNSUPPORTED_PROCESSING_ID', `processing id ${header.processingId} is not accepted by channel ${channel.name}`, 11);
  }
  return { ok: true, header, text };
}

/** `text` with every NUL (U+0000) replaced by U+FFFD. */
export function withoutNul(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text;
}

/** A stable, non-reversible key for "same patient" (sender + PID-3 first identifier and its authority). */
export function patientKeyOf(text: string, header: MshHeader): string | null {
  const start = text.indexOf('\rPID' + header.fieldSeparator);
  if (start < 0) return null;
  const end = text.indexOf('\r', start + 1);
  const fields = text.slice(start + 1, end < 0 ? undefined : end).split(header.fieldSeparator);
  const firstRep = (fields[3] ?? '').split(header.encodingCharacters[1] ?? '~')[0] ?? '';
  const parts = firstRep.split(header.encodingCharacters[0] ?? '^');
  const id = parts[0] ?? '';
  if (!id) return null;
  return createHash('sha256')
    .update(`${senderOf(header)}\u0000${id}\u0000${parts[3] ?? ''}`)
    .digest('base64url')
    .slice(0, 24);
}

export function senderOf(header: MshHeader): string {
  return `${header.sendingApplication}|${header.sendingFacility}`;
}

/**
 * Lanes for store writes. One lane for every connection of a listener makes a group commit: everything that
 * arrives while one commit is in flight goes into the next (fewer fsyncs, steadier ACK latency), and each
 * connection's frames still commit in the order received. `lanes` > 1 spreads connections over that many lanes
 * (more commits in flight) for stores with fast commits.
 */
function laneOf(source: FrameSource, lanes: number): string {
  return lanes <= 1 ? 'all' : String(Number(source.connectionId) % lanes || 0);
}

export class Intake {
  private readonly writer: OrderedInboundWriter;

  constructor(private readonly deps: IntakeDeps) {
    this.writer = new OrderedInboundWriter((recs) => deps.store.recordInbound(recs), 500);
  }

  /** The channel's rules in force now. */
  private get channel(): IntakeChannel {
    const c = this.deps.channel;
    return typeof c === 'function' ? c() : c;
  }

  /** Handles one frame; resolves to the ACK text, or null when enhanced mode asks for no accept ACK. Never rejects. */
  async handleFrame(bytes: Buffer, source: FrameSource): Promise<string | null> {
    let verdict: Verdict;
    try {
      verdict = inspectFrame(bytes, this.channel);
    } catch {
      verdict = {
        ok: false,
        header: undefined,
        text: withoutNul(bytes.toString('latin1')),
        error: new EngineError('MSH_INVALID', 'frame could not be read'),
      };
    }
    const record = this.recordFor(verdict, source);
    if (verdict.ok) {
      const admission = this.deps.admit?.();
      if (admission) await admission;
    }
    try {
      const stored = await this.writer.submit(laneOf(source, this.deps.lanes ?? 1), record);
      if (stored.status === 'received') {
        try {
          this.deps.onReceived(stored.id);
        } catch {
          // Committed already: the recovery sweep enqueues it; the sender still gets its AA.
          this.deps.logger.warn('enqueue after commit failed; the recovery sweep will pick the message up', { messageId: stored.id });
        }
      }
      if (!verdict.ok) {
        this.deps.countOutcome?.('rejected');
        this.deps.logger.info('message rejected', { messageId: stored.id, code: verdict.error.code, channel: this.channel.name });
        return this.ack(verdict.header, 'reject', verdict.error);
      }
      if (stored.status === 'duplicate') {
        this.deps.countOutcome?.('duplicate');
        this.deps.logger.info('duplicate message acknowledged', { messageId: stored.id, channel: this.channel.name });
      } else {
        this.deps.countOutcome?.('received');
        if (stored.reusedControlIdOf) {
          this.deps.countReusedControlId?.();
          this.deps.logger.info('control id reused with other content; processed as a new message', {
            messageId: stored.id,
            reusedControlIdOf: stored.reusedControlIdOf,
            channel: this.channel.name,
          });
        }
      }
      const delay = this.deps.ackDelayMs?.() ?? 0;
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      const policy = this.policyOf(verdict.header);
      if (policy.mode === 'after-processing' && stored.status === 'received' && this.deps.awaitOutcome) {
        const outcome = await this.deps.awaitOutcome(stored.id, policy.timeoutMs).catch(() => undefined);
        if (outcome) return this.applicationAnswer(verdict.header, outcome);
        this.deps.logger.info('message not final within the ACK timeout; accept ACK sent', {
          messageId: stored.id,
          channel: this.channel.name,
        });
      }
      return this.ack(verdict.header, 'accept');
    } catch (err) {
      this.deps.countOutcome?.(verdict.ok ? 'store_unavailable' : 'rejected');
      this.deps.logger.warn('store write failed; answering AR', {
        channel: this.channel.name,
        controlId: verdict.header?.controlId,
        error: (err as Error).name,
      });
      const failure = new EngineError('STORE_UNAVAILABLE', 'message store unavailable, resend later');
      return this.ack(verdict.header, verdict.ok ? 'error' : 'reject', verdict.ok ? failure : verdict.error);
    }
  }

  /** Answers an oversize frame: stored as rejected (its head only), then AR. */
  async handleOversize(head: Buffer, bytes: number, limit: number, source: FrameSource): Promise<string | null> {
    const error = new EngineError('FRAME_TOO_LARGE', `frame of ${bytes}+ bytes exceeds the limit of ${limit} bytes`);
    let header: MshHeader | undefined;
    let text = withoutNul(head.toString('latin1'));
    try {
      const verdict = inspectFrame(head, this.channel);
      header = verdict.header;
      text = verdict.text;
    } catch {
      /* the head may be cut anywhere; store it as it is */
    }
    const record = this.recordFor({ ok: false, header, text, error }, source);
    try {
      const stored = await this.writer.submit(laneOf(source, this.deps.lanes ?? 1), record);
      this.deps.logger.info('message rejected', { messageId: stored.id, code: error.code, channel: this.channel.name });
    } catch {
      this.deps.logger.warn('store write failed for an oversize frame', { channel: this.channel.name, controlId: header?.controlId });
    }
    this.deps.countOutcome?.('rejected');
    return this.ack(header, 'reject', error);
  }

  private recordFor(verdict: Verdict, source: FrameSource): InboundRecord {
    const h = verdict.header;
    return {
      channel: this.channel.name,
      status: verdict.ok ? 'received' : 'rejected',
      sender: h ? senderOf(h) : '',
      controlId: h?.controlId ?? '',
      messageType: h ? `${h.messageCode}^${h.triggerEvent}` : '',
      version: h?.version ?? '',
      processingId: h?.processingId ?? '',
      patientKey: verdict.ok ? patientKeyOf(verdict.text, verdict.header) : null,
      remote: source.remote,
      content: verdict.text,
      errorCode: verdict.ok ? undefined : verdict.error.code,
      errorText: verdict.ok ? undefined : verdict.error.message,
      duplicateWindowMs: this.channel.duplicateWindowMs,
      // Hashed here, before the group commit, so the store's statement only compares keys.
      contentHash: verdict.ok ? contentHash(verdict.text) : undefined,
      applicationAck: this.applicationAckOf(verdict),
    };
  }

  /** What the store keeps for an application ACK the sender asked for (MSH-16), when this channel sends them. */
  private applicationAckOf(verdict: Verdict): InboundRecord['applicationAck'] {
    if (!verdict.ok || !this.channel.sendsApplicationAcks || this.policyOf(verdict.header).mode !== 'standard') return undefined;
    const requested = applicationAckRequest(verdict.header);
    return requested ? { requested, header: verdict.header } : undefined;
  }

  private policyOf(header: MshHeader | undefined): AckPolicy {
    const policyFor = this.channel.ackPolicyFor;
    if (!policyFor) return STANDARD;
    return policyFor(header ? senderOf(header) : '|');
  }

  /**
   * accept: committed; reject: refused for its envelope (AR/CR); error: could not commit, resend (AR/CE).
   * Under the standard policy an enhanced-mode message gets the accept ACK MSH-15 asks for (or none); under the
   * other policies every frame gets one answer in original-mode form, except the after-processing fallback for an
   * enhanced-mode message, which is its accept ACK (CA).
   */
  private ack(header: MshHeader | undefined, outcome: 'accept' | 'reject' | 'error', error?: EngineError): string | null {
    const mode = header ? ackMode(header) : { mode: 'original' as const };
    const policy = this.policyOf(header).mode;
    let code: AckCode;
    if (mode.mode === 'enhanced' && policy === 'standard') {
      if (!shouldSendAccept(mode.accept, outcome !== 'accept')) return null;
      code = outcome === 'accept' ? 'CA' : outcome === 'reject' ? 'CR' : 'CE';
    } else if (mode.mode === 'enhanced' && policy === 'after-processing' && outcome === 'accept') {
      code = 'CA';
    } else {
      code = outcome === 'accept' ? 'AA' : 'AR';
    }
    return this.answer(header, code, error);
  }

  /** The after-processing answer: AA for a processed or filtered message, AE with its error for a dead letter. */
  private applicationAnswer(header: MshHeader | undefined, outcome: MessageOutcome): string {
    if (outcome.status !== 'error') return this.answer(header, 'AA');
    const code = isErrorCode(outcome.errorCode) ? outcome.errorCode : 'INTERNAL';
    return this.answer(header, 'AE', new EngineError(code, outcome.errorText));
  }

  private answer(header: MshHeader | undefined, code: AckCode, error?: EngineError): string {
    return buildAck({
      inbound: header,
      code,
      error: error ? { condition: error.spec.hl7, severity: 'E', text: error.message, location: error.location } : undefined,
      ackControlId: newControlId(),
      now: (this.deps.now ?? (() => new Date()))(),
    });
  }
}

const STANDARD: AckPolicy = Object.freeze({ mode: 'standard', timeoutMs: 0 });
