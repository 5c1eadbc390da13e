/**
 * ACK/NAK builder for original and enhanced acknowledgment mode (DOMAIN.md §1.2), plus control ids and
 * the enhanced-mode decision. Pure apart from newControlId (clock + randomness).
 */
import { pooledRandomBytes } from '../core/random-pool';
import type { Hl7ConditionCode, Hl7Location } from '../core/errors';
import type { Delimiters } from './escape';
import { escapeHl7, DEFAULT_DELIMITERS } from './escape';
import type { MshHeader } from './peek';
import { compareVersions, usesErl } from './peek';

/** Table 0008: AA/AE/AR in original mode and for application ACKs, CA/CE/CR for enhanced-mode accept ACKs. */
export type AckCode = 'AA' | 'AE' | 'AR' | 'CA' | 'CE' | 'CR';

export interface AckError {
  /** Table 0357 condition code. */
  condition: Hl7ConditionCode;
  /** Table 0516 severity (ERR-4, 2.5+ only). */
  severity: 'E' | 'W' | 'I';
  /** Human-readable text, no PHI. Goes to MSA-3, ERR-8 (2.5+) or ERR-1 (ELD, 2.3–2.4), and the CE/CWE text. */
  text: string;
  location?: Hl7Location;
}

export interface AckInput {
  /** The inbound header; absent when the frame had no readable MSH (defaults "|^~\\&", version 2.5.1). */
  inbound?: MshHeader;
  code: AckCode;
  /** Rendered in MSA-3, MSA-6 (< 2.5) and ERR; normally given for AE/AR/CE/CR. */
  error?: AckError;
  /** MSH-10 of the ACK (see newControlId). */
  ackControlId: string;
  /** MSA-2 when there is no inbound header (e.g. a control id recovered some other way); default ''. */
  controlIdFallback?: string;
  now: Date;
  /** MSH-3/4 of the ACK when the inbound MSH-5/6 are empty (default 'RXBRIDGE'); escaped as plain text. */
  localApplication?: string;
  localFacility?: string;
  /**
   * An enhanced-mode application ACK is a message of its own: MSH-15 = AL and MSH-16 = NE ask its receiver for an
   * accept ACK (CA) and nothing more. Absent = no MSH-15/16 (an ACK that is itself never acknowledged).
   */
  asksAcceptAck?: boolean;
}

const DEFAULT_VERSION = '2.5.1';
const DEFAULT_ENCODING = '^~\\&';

function delimitersOf(field: string, enc: string): Delimiters {
  const d: Delimiters = {
    field,
    component: enc.charAt(0),
    repetition: enc.charAt(1),
    escape: enc.charAt(2),
    subcomponent: enc.charAt(3),
  };
  if (enc.length > 4) d.truncation = enc.charAt(4);
  return d;
}

/** HL7 TS/DTM in UTC with an explicit offset: YYYYMMDDHHMMSS+0000 (UTC keeps the output host-independent). */
export function formatHl7Timestamp(now: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return (
    p(now.getUTCFullYear(), 4) +
    p(now.getUTCMonth() + 1) +
    p(now.getUTCDate()) +
    p(now.getUTCHours()) +
    p(now.getUTCMinutes()) +
    p(now.getUTCSeconds()) +
    '+0000'
  );
}

/** Joins fields/components, dropping trailing empty ones. */
function joinTrim(parts: string[], sep: string): string {
  let n = parts.length;
  while (n > 0 && parts[n - 1] === '') n--;
  return parts.slice(0, n).join(sep);
}

const num = (n: number | undefined): string => (n === undefined ? '' : String(n));

/**
 * Builds the ACK text: segments each terminated by CR, no MLLP framing.
 *
 * MSH uses the inbound delimiters (MSH-1/MSH-2 copied, including a 2.7 truncation character).
 * MSH-3/4 = inbound MSH-5/6 (as sent) or the escaped local names; MSH-5/6 = inbound MSH-3/4 (as sent);
 * MSH-7 = now in UTC; MSH-9 = ACK^<trigger>^ACK (ACK^<trigger> before 2.3.1); MSH-10 = ackControlId;
 * MSH-11 = inbound MSH-11.1 (default P); MSH-12 = inbound MSH-12.1 (default 2.5.1); MSH-15/16 = AL/NE with asksAcceptAck.
 * MSA-1 = code, MSA-2 = inbound MSH-10, MSA-3 = error text, MSA-6 (< 2.5 only) = code^text^HL70357.
 * ERR when error is given: 2.5+ → ERR||SEG^seq^field^rep^comp^sub|code^text^HL70357|severity||||text;
 * 2.3–2.4 → ERR|SEG^seq^field^code&text&HL70357 (ELD).
 * Everything inserted except the inbound HD fields is escaped; trailing empty fields are dropped.
 */
export function buildAck(input: AckInput): string {
  const h = input.inbound;
  let field = h?.fieldSeparator ?? '';
  let enc = h?.encodingCharacters ?? '';
  if (field.length !== 1 || enc.length < 4) {
    field = DEFAULT_DELIMITERS.field;
    enc = DEFAULT_ENCODING;
  }
  const d = delimitersOf(field, enc);
  const e = (s: string): string => escapeHl7(s, d);
  const c = d.component;
  const version = h?.version || DEFAULT_VERSION;
  const hasStructure = !/^\s*\d+\.\d+/.test(version) || compareVersions(version, '2.3.1') >= 0;
  const trigger = e(h?.triggerEvent ?? '');
  const msh9 = hasStructure ? `ACK${c}${trigger}${c}ACK` : trigger === '' ? 'ACK' : `ACK${c}${trigger}`;

  const msh = joinTrim(
    [
      'MSH',
      enc,
      h?.receivingApplication || e(input.localApplication ?? 'RXBRIDGE'),
      h?.receivingFacility || e(input.localFacility ?? 'RXBRIDGE'),
      h?.sendingApplication ?? '',
      h?.sendingFacility ?? '',
      formatHl7Timestamp(input.now),
      '',
      msh9,
      e(input.ackControlId),
      e(h?.processingId || 'P'),
      e(version),
      '',
      '',
      input.asksAcceptAck ? 'AL' : '',
      input.asksAcceptAck ? 'NE' : '',
    ],
    field,
  );

  const err = input.error;
  const text = err ? e(err.text) : '';
  const erl = usesErl(version);
  const coded = err ? joinTrim([err.condition, text, 'HL70357'], c) : '';
  const msa = joinTrim(
    ['MSA', input.code, e(h ? h.controlId : (input.controlIdFallback ?? '')), text, '', '', err && !erl ? coded : ''],
    field,
  );

  const segments = [msh, msa];
  if (err) {
    const loc = err.location;
    if (erl) {
      const location = loc
        ? joinTrim([e(loc.segment), num(loc.sequence), num(loc.field), num(loc.repetition), num(loc.component), num(loc.subcomponent)], c)
        : '';
      segments.push(joinTrim(['ERR', '', location, coded, err.severity, '', '', '', text], field));
    } else {
      const s = d.subcomponent;
      const eld = [e(loc?.segment ?? ''), num(loc?.sequence), num(loc?.field), `${err.condition}${s}${text}${s}HL70357`].join(c);
      segments.push(joinTrim(['ERR', eld], field));
    }
  }
  return segments.map((s) => s + '\r').join('');
}

let counter = 0;

/**
 * A unique, sortable control id of 17 characters (MSH-10 is ST(20) in 2.3): 9 base-36 digits of the
 * millisecond clock, 4 of a per-process counter, 4 random. Ids from one process sort in creation order
 * (within one millisecond up to 1.6 million ids); the random part separates processes.
 */
export function newControlId(): string {
  counter = (counter + 1) % 36 ** 4;
  const time = Date.now().toString(36).padStart(9, '0');
  const seq = counter.toString(36).padStart(4, '0');
  const rnd = (pooledRandomBytes(4).readUInt32BE(0) % 36 ** 4).toString(36).padStart(4, '0');
  return (time + seq + rnd).toUpperCase();
}

export type AckType = 'AL' | 'NE' | 'ER' | 'SU';
/** MSH-16 values that ask for an application ACK (NE asks for none). */
export type ApplicationAckRequest = Exclude<AckType, 'NE'>;

function ackType(value: string): AckType {
  const v = value.trim().toUpperCase();
  return v === 'NE' || v === 'ER' || v === 'SU' ? v : 'AL';
}

/**
 * Original mode when MSH-15 and MSH-16 are both empty; otherwise enhanced mode with both types
 * normalized (empty or unknown → AL, so we err on the side of acknowledging).
 */
export function ackMode(h: MshHeader): { mode: 'original' } | { mode: 'enhanced'; accept: AckType; application: AckType } {
  if (h.acceptAckType.trim() === '' && h.applicationAckType.trim() === '') return { mode: 'original' };
  return { mode: 'enhanced', accept: ackType(h.acceptAckType), application: ackType(h.applicationAckType) };
}

/**
 * MSH-16 of an enhanced-mode message when it asks for an application ACK; null in original mode or for NE. Empty or
 * unknown MSH-16 in enhanced mode means AL, as for the accept ACK.
 */
export function applicationAckRequest(header: MshHeader): ApplicationAckRequest | null {
  const mode = ackMode(header);
  if (mode.mode === 'original' || mode.application === 'NE') return null;
  return mode.application;
}

/**
 * Enhanced mode: whether to send an accept ACK (MSH-15) or an application ACK (MSH-16) for this outcome. AL always,
 * NE never, ER only on error, SU only on success; empty or unknown means AL.
 */
export function shouldSendAccept(type: string, isError: boolean): boolean {
  switch (ackType(type)) {
    case 'NE':
      return false;
    case 'ER':
      return isError;
    case 'SU':
      return !isError;
    default:
      return true;
  }
}
