/**
 * MSH pre-parser (HAPI's "pre-parser"): reads the header fields the intake needs to route, ACK and pick
 * a parser profile, without parsing the rest of the message. Pure.
 */
import { EngineError } from '../core/errors';
import type { Delimiters } from './escape';
import { unescapeHl7 } from './escape';
import { readFieldValue } from './path';

export interface MshHeader {
  /** MSH-1. */
  fieldSeparator: string;
  /** MSH-2, e.g. "^~\\&" (4 characters; 5 with the truncation character in 2.7+). */
  encodingCharacters: string;
  /** MSH-3..6: the whole HD text exactly as sent (still escaped, components kept), e.g. "RXSYS^1.2.3^ISO". */
  sendingApplication: string;
  sendingFacility: string;
  receivingApplication: string;
  receivingFacility: string;
  /** MSH-7.1 (unescaped). */
  dateTime: string;
  /** MSH-9.1, e.g. "DFT" (unescaped, trimmed; likewise the fields below unless noted). */
  messageCode: string;
  /** MSH-9.2, e.g. "P03". */
  triggerEvent: string;
  /** MSH-9.3 or ''. */
  messageStructure: string;
  /** MSH-10, the whole field unescaped and not trimmed (echoed in MSA-2). */
  controlId: string;
  /** MSH-11.1. */
  processingId: string;
  /** MSH-12.1, e.g. "2.5.1". */
  version: string;
  /** MSH-15 ('' when absent). */
  acceptAckType: string;
  /** MSH-16 ('' when absent). */
  applicationAckType: string;
  /** MSH-18 repetitions (trimmed; [] when empty). */
  characterSets: string[];
}

const LEADING = /^[\uFEFF \t\r\n]*/;

/** @internal Index of the "M" of the leading MSH after a BOM/whitespace, or -1. */
export function mshStart(text: string): number {
  const skip = LEADING.exec(text)?.[0].length ?? 0;
  return text.startsWith('MSH', skip) ? skip : -1;
}

function isBadSeparator(c: string | undefined): boolean {
  return c === undefined || c === '' || /[A-Za-z0-9\s]/.test(c);
}

function mshError(field: number, reason: string, component?: number): EngineError {
  const location = { segment: 'MSH', sequence: 1, field, ...(component === undefined ? {} : { component }) };
  return new EngineError('MSH_INVALID', reason, location);
}

/**
 * @internal Validates MSH-1 and MSH-2 of the MSH starting at `start` and returns the delimiters.
 * MSH-1 must be one non-alphanumeric, non-whitespace character; MSH-2 must be 4 or 5 such characters,
 * all distinct and different from MSH-1. Throws EngineError('MSH_INVALID') naming the field.
 */
export function readDelimiters(text: string, start: number): Delimiters {
  const field = text.charAt(start + 3);
  if (isBadSeparator(field)) throw mshError(1, 'MSH-1 (field separator) is missing or not a separator character');
  let end = start + 4;
  while (end < text.length && text[end] !== field && text[end] !== '\r' && text[end] !== '\n') end++;
  const enc = text.slice(start + 4, end);
  const chars = enc.split('');
  const distinct = new Set([field, ...chars]).size === chars.length + 1;
  if (enc.length < 4 || enc.length > 5 || !distinct || chars.some(isBadSeparator)) {
    throw mshError(2, 'MSH-2 (encoding characters) must be 4 or 5 distinct separator characters, different from MSH-1');
  }
  const d: Delimiters = {
    field,
    component: chars[0] as string,
    repetition: chars[1] as string,
    escape: chars[2] as string,
    subcomponent: chars[3] as string,
  };
  if (chars[4] !== undefined) d.truncation = chars[4];
  return d;
}

/**
 * @internal Splits one MSH line into fields numbered like every other segment: fields[0] = "MSH",
 * fields[1] = MSH-1 (the separator), fields[2] = MSH-2, fields[n] = MSH-n.
 */
export function mshFields(line: string, d: Delimiters): string[] {
  const rest = line.slice(4).split(d.field);
  return ['MSH', d.field, ...rest];
}

/** @internal Builds the header from MSH fields (see mshFields). Does not validate required fields. */
export function headerFromFields(fields: string[], d: Delimiters): MshHeader {
  const raw = (n: number): string => fields[n] ?? '';
  const value = (n: number, component = 1): string => readFieldValue(raw(n), d, 1, component).trim();
  const msh18 = raw(18);
  return {
    fieldSeparator: d.field,
    encodingCharacters: raw(2),
    sendingApplication: raw(3),
    sendingFacility: raw(4),
    receivingApplication: raw(5),
    receivingFacility: raw(6),
    dateTime: value(7),
    messageCode: value(9, 1),
    triggerEvent: value(9, 2),
    messageStructure: value(9, 3),
    controlId: unescapeHl7(raw(10), d),
    processingId: value(11),
    version: value(12),
    acceptAckType: value(15),
    applicationAckType: value(16),
    characterSets: msh18.trim() === '' ? [] : msh18.split(d.repetition).map((r) => unescapeHl7(r, d).trim()),
  };
}

/** @internal The MSH line (from start up to the first CR or LF). */
export function mshLine(text: string, start: number): string {
  let end = start;
  while (end < text.length && text[end] !== '\r' && text[end] !== '\n') end++;
  return text.slice(start, end);
}

/**
 * Reads the MSH of a decoded message (CR, CRLF or LF separators; a BOM and leading whitespace are skipped).
 * Throws EngineError('FRAME_NO_MSH') when the text does not start with MSH, and EngineError('MSH_INVALID')
 * when MSH-1/MSH-2 are bad or MSH-9.1, MSH-9.2 or MSH-10 is empty. Errors name the field in `location`
 * ({segment:'MSH', sequence:1, field:N}), never its value.
 */
export function peekMsh(text: string): MshHeader {
  const start = mshStart(text);
  if (start < 0) throw new EngineError('FRAME_NO_MSH', 'The message does not start with an MSH segment', { segment: 'MSH', sequence: 1 });
  const d = readDelimiters(text, start);
  const header = headerFromFields(mshFields(mshLine(text, start), d), d);
  if (header.messageCode === '') throw mshError(9, 'MSH-9.1 (message code) is empty', 1);
  if (header.triggerEvent === '') throw mshError(9, 'MSH-9.2 (trigger event) is empty', 2);
  if (header.controlId.trim() === '') throw mshError(10, 'MSH-10 (message control id) is empty');
  return header;
}

const SUPPORTED_VERSIONS = new Set(['2.3', '2.3.1', '2.4', '2.5', '2.5.1', '2.6', '2.7', '2.7.1', '2.8', '2.8.1', '2.8.2']);

/** Whether the engine reads this MSH-12 version (2.3 through 2.8.2). Surrounding spaces are ignored. */
export function isVersionSupported(version: string): boolean {
  return SUPPORTED_VERSIONS.has(version.trim());
}

/**
 * @internal Compares two dotted versions numerically ("2.3.1" > "2.3"); non-numeric parts count as 0.
 * Returns <0, 0 or >0.
 */
export function compareVersions(a: string, b: string): number {
  const pa = a
    .trim()
    .split('.')
    .map((x) => Number.parseInt(x, 10) || 0);
  const pb = b
    .trim()
    .split('.')
    .map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/**
 * Whether ERR uses the 2.5+ layout (ERR-2 ERL location, ERR-3 code, ERR-4 severity) rather than the
 * 2.3–2.4 ERR-1 ELD. A version that does not look like "major.minor…" (empty or garbage) gets the 2.5+
 * layout, matching the ACK's default version 2.5.1.
 */
export function usesErl(version: string): boolean {
  if (!/^\s*\d+\.\d+/.test(version)) return true;
  return compareVersions(version, '2.5') >= 0;
}
