/**
 * Application acknowledgments in enhanced mode (HL7 v2 §2.9.3, DOMAIN.md §1.2): what a sender asked for (MSH-16)
 * and the ACK it gets once its message is final. Pure.
 *
 * Contract:
 * - Which messages ask for one: hl7/ack.ts applicationAckRequest (enhanced mode, MSH-16 other than NE).
 * - processed and filtered → AA (accepted; a filtered type needs no work); error (a dead letter) → AE with an ERR
 *   segment carrying the error's table 0357 condition and its text (error texts never hold PHI: core/errors.ts).
 * - ER asks for the ACK after an error only, SU after success only: the other outcome gets none (null).
 * - The ACK answers the inbound MSH (MSA-2 = its MSH-10, MSH-3/4 ↔ 5/6 swapped, same delimiters and version) and asks
 *   its receiver for an accept ACK (MSH-15 AL, MSH-16 NE).
 */
import { ERROR_CATALOGUE, type ErrorCode } from '../core/errors';
import { buildAck, shouldSendAccept, type ApplicationAckRequest } from '../hl7/ack';
import type { MshHeader } from '../hl7/peek';

/** A final message status as the ACK sees it. */
export interface FinalOutcome {
  status: 'processed' | 'filtered' | 'error';
  errorCode: string | null;
  errorText: string | null;
}

export interface ApplicationAckInput {
  header: MshHeader;
  requested: ApplicationAckRequest;
  outcome: FinalOutcome;
  /** MSH-10 of the ACK (hl7/ack.ts newControlId). */
  controlId: string;
  now: Date;
}

export interface ApplicationAck {
  code: 'AA' | 'AE';
  /** The ACK's segments, each ended by CR, without MLLP framing. */
  text: string;
}

/** The application ACK for a final outcome, or null when MSH-16 (ER, SU) does not ask for one. */
export function applicationAckFor(input: ApplicationAckInput): ApplicationAck | null {
  const isError = input.outcome.status === 'error';
  if (!shouldSendAccept(input.requested, isError)) return null;
  const code = isError ? 'AE' : 'AA';
  const error = isError
    ? {
        condition: conditionOf(input.outcome.errorCode),
        severity: 'E' as const,
        text: input.outcome.errorText || 'the message could not be processed',
      }
    : undefined;
  return {
    code,
    text: buildAck({ inbound: input.header, code, error, ackControlId: input.controlId, now: input.now, asksAcceptAck: true }),
  };
}

/** Table 0357 condition of a stored error code; an unknown code is an internal error (207). */
function conditionOf(code: string | null) {
  const spec = code && code in ERROR_CATALOGUE ? ERROR_CATALOGUE[code as ErrorCode] : undefined;
  return spec?.hl7 ?? '207';
}
