/**
 * What a receiver's HL7 ACK means for one delivery (original mode, HL7 v2 §2.9.2; the CDC immunization guide's use of
 * MSA and ERR). Pure.
 *
 * Contract:
 * - MSA-2 must be the payload's control id (MSH-10): an ACK for another message is `rejected` (the receiver's answer
 *   cannot be matched to this message; sending it again could store it twice), as is an answer without a readable
 *   MSA.
 * - AA (or CA) → `delivered`; its ERR segments (warnings, informational notes) are kept in `detail`.
 * - AE → the receiver processed the message and reports errors with it (an immunization registry stores the
 *   record and names what it refused, e.g. one RXA). Sending it again gets the same answer, so it is `delivered`
 *   with the errors in `detail` by default; `applicationError: 'rejected'` makes it a destination dead letter for a
 *   person to review instead.
 * - AR (or CR) → `rejected` with the MSA and ERR codes and texts; CE (commit error: not stored now) → `retry`.
 * - Texts are the receiver's codes and messages (MSA-3, ERR-3, ERR-5, ERR-8), never the payload's content, cut to a
 *   few hundred characters.
 */
import { parseHl7 } from '../hl7/parse';
import { readFieldValue } from '../hl7/path';
import type { Delimiters } from '../hl7/escape';
import type { DeliveryResult } from './ports';

export interface AckError {
  /** ERR-4 (2.5+): E, W or I; '' when not given. */
  severity: string;
  /** `ERR-3.1 ERR-3.2` (table 0357 condition) and `ERR-5.1 ERR-5.2` (the application's own code), joined. */
  code: string;
  /** ERR-8 (user message) or ERR-7 (diagnostic), else ''. */
  text: string;
  /** ERR-2 location as SEG-seq-field, e.g. RXA-1-5; '' when not given. */
  location: string;
}

export interface ReadAck {
  code: string;
  controlId: string;
  /** MSA-3 text message. */
  text: string;
  errors: AckError[];
}

const cut = (s: string, n = 200) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** The MSA and ERR segments of an answer; undefined when it is not an HL7 message with an MSA. */
export function readAck(answer: string): ReadAck | undefined {
  let msg;
  try {
    msg = parseHl7(answer.trim());
  } catch {
    return undefined;
  }
  const d = msg.delimiters;
  const msa = msg.segments.find((s) => s.name === 'MSA');
  if (!msa) return undefined;
  const f = (raw: string | undefined, c = 1, s = 1) => readFieldValue(raw ?? '', d, 1, c, s).trim();
  const errors = msg.segments.filter((s) => s.name === 'ERR').map((s) => readErr(s.fields, d));
  return { code: f(msa.fields[1]).toUpperCase(), controlId: f(msa.fields[2]), text: f(msa.fields[3]), errors };
}

function readErr(fields: string[], d: Delimiters): AckError {
  const f = (n: number, c = 1, s = 1) => readFieldValue(fields[n] ?? '', d, 1, c, s).trim();
  const joined = (...parts: string[]) => parts.filter(Boolean).join(' ');
  const loc2 = [f(2, 1), f(2, 2), f(2, 3)].filter(Boolean).join('-');
  // 2.3/2.4: ERR-1 is ELD (segment^sequence^field^code&text&system).
  const loc1 = [f(1, 1), f(1, 2), f(1, 3)].filter(Boolean).join('-');
  return {
    severity: f(4).toUpperCase(),
    code: cut(joined(f(3, 1), f(3, 2), f(5, 1), f(5, 2)) || joined(f(1, 4, 1), f(1, 4, 2)), 120),
    text: cut(f(8) || f(7)),
    location: loc2 || loc1,
  };
}

/** One line for ops staff: `ERR 102 Data type error (E, RXA-1-5): text; …`. */
export function describeErrors(errors: readonly AckError[]): string {
  return cut(
    errors
      .map((e) => {
        const where = [e.severity, e.location].filter(Boolean).join(', ');
        return `ERR ${e.code || '(no code)'}${where ? ` (${where})` : ''}${e.text ? `: ${e.text}` : ''}`;
      })
      .join('; '),
    800,
  );
}

export interface AckPolicy {
  /** The payload's MSH-10; when absent the MSA-2 check is skipped. */
  controlId?: string;
  applicationError: 'delivered' | 'rejected';
}

/** The delivery result of a receiver's answer (see the contract above); `who` names the receiver in texts. */
export function ackOutcome(answer: string, policy: AckPolicy, who = 'the receiver'): DeliveryResult {
  const ack = readAck(answer);
  if (!ack) return { kind: 'rejected', error: `${who} answered without a readable HL7 ACK (no MSA segment)` };
  if (policy.controlId !== undefined && ack.controlId !== policy.controlId)
    return {
      kind: 'rejected',
      error: `${who}'s ACK is for control id ${cut(ack.controlId, 40) || '(empty)'}, not ${policy.controlId} (MSA-2 does not match)`,
    };
  const errs = describeErrors(ack.errors);
  const summary = [`MSA ${ack.code || '(no code)'}`, ack.text ? cut(ack.text) : '', errs].filter(Boolean).join(': ');
  switch (ack.code) {
    case 'AA':
    case 'CA':
      return errs || ack.text ? { kind: 'delivered', detail: summary } : { kind: 'delivered', detail: `MSA ${ack.code}` };
    case 'AE':
      return policy.applicationError === 'delivered'
        ? { kind: 'delivered', detail: summary }
        : { kind: 'rejected', error: `${who} reported errors: ${summary}` };
    case 'CE':
      // Enhanced mode's commit error: the receiver could not store it now (HL7 v2 §2.9.3.2); it may take it later.
      return { kind: 'retry', error: `${who} could not commit the message: ${summary}` };
    case 'AR':
    case 'CR':
      return { kind: 'rejected', error: `${who} rejected the message: ${summary}` };
    default:
      return { kind: 'rejected', error: `${who} answered with MSA-1 ${cut(ack.code, 10) || '(empty)'}, not AA, AE or AR` };
  }
}
