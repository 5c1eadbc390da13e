/**
 * How the console reads application ACKs (enhanced mode, MSH-16; docs/channels.md "applicationAcks"): the one-line
 * state of a message's request (GET /api/messages/:id `applicationAck`, operator+) and the timeline's reading of its
 * settlement events (stage `application_ack`, viewer+). Pure, no DOM: the caller passes its date format.
 * Neither carries message content: codes, MSH-10 of the ACK, attempts, dates and the delivery error text.
 */
import type { ApplicationAck, ApplicationAckRequest, ApplicationAckState } from '../admin/wire/messages';
import type { Tone } from './tone';

export type { ApplicationAck, ApplicationAckRequest, ApplicationAckState };

export interface AckLine {
  text: string;
  tone: Tone;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * The state of a request in one line:
 * `sent AA (MSH-10 X) at <date>` · `open, not sent yet` · `open, attempt 2, last error: …, next try at <date>` ·
 * `failed after 3 attempts: …` · `not needed`.
 * An AE that was delivered reads `warn` (the message is a dead letter; the ACK itself went through).
 */
export function describeApplicationAck(ack: ApplicationAck, formatDate: (iso: string) => string): AckLine {
  switch (ack.state) {
    case 'sent': {
      const code = ack.ack_code ? ` ${ack.ack_code}` : '';
      const control = ack.ack_control_id ? ` (MSH-10 ${ack.ack_control_id})` : '';
      const at = ack.sent_at ? ` at ${formatDate(ack.sent_at)}` : '';
      return { text: `sent${code}${control}${at}`, tone: ack.ack_code === 'AE' ? 'warn' : 'ok' };
    }
    case 'open': {
      if (ack.attempts === 0) return { text: 'open, not sent yet', tone: 'muted' };
      const parts = [`open, attempt ${ack.attempts}`];
      if (ack.last_error) {
        parts.push(`last error: ${ack.last_error}`);
        if (ack.next_attempt_at) parts.push(`next try at ${formatDate(ack.next_attempt_at)}`);
      }
      return { text: parts.join(', '), tone: ack.last_error ? 'warn' : 'muted' };
    }
    case 'failed':
      return { text: `failed after ${plural(ack.attempts, 'attempt')}: ${ack.last_error ?? 'no reason recorded'}`, tone: 'error' };
    case 'not_needed':
      return { text: 'not needed', tone: 'muted' };
    default:
      return { text: String(ack.state), tone: 'muted' };
  }
}

/** A timeline event as the timeline endpoint gives it (the fields read here). */
export interface StageEvent {
  stage?: string | null;
  code?: string | null;
  detail: string | null;
}

/** How the timeline shows an event that is not a status change: a label for the stage, a tone and the text. */
export interface StageLine extends AckLine {
  label: string;
}

/**
 * The timeline line of an application ACK settlement (stage `application_ack`; its from and to status are the
 * message's unchanged status, so they are not shown): label `application ACK`, the engine's detail without the
 * repeated words (`AA delivered (MSH-10 X)`, `not delivered, next try in 5 s: …`, `given up: …`,
 * `no application ACK: …`). Undefined for any other event (shown as a status change).
 */
export function stageEventLine(e: StageEvent): StageLine | undefined {
  if (e.stage !== 'application_ack') return undefined;
  const detail = e.detail ?? '';
  const text = detail.replace(/^application ACK\s+/i, '') || (e.code ?? '');
  let tone: Tone;
  if (e.code === 'AA') tone = 'ok';
  else if (e.code === 'AE') tone = 'warn';
  else if (e.code === null || e.code === undefined) tone = 'muted';
  else tone = /given up/i.test(detail) ? 'error' : 'warn';
  return { label: 'application ACK', tone, text };
}
