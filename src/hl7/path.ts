/**
 * Minimal 1-based path reads over a parsed message: `SEG-field[rep].component.subcomponent`.
 *
 * Conventions (the same as HAPI's Terser and node-hl7-client's toString()):
 * - An omitted repetition, component or subcomponent means the first one, so `PID-7` reads PID-7[1].1.1
 *   (the time of a TS even when the sender adds ^precision) and `PID-5.1` reads the first subcomponent of
 *   the family name. There is no path for "the whole composite"; read the parts.
 * - Values come back unescaped. Anything missing reads as ''.
 * - MSH-1 is the field separator and MSH-2 the encoding characters, both returned as-is (never split or
 *   unescaped), and only for the first repetition/component/subcomponent.
 *
 * parsePath is the only place that knows the syntax; the readers take a PathRef, so a fuller grammar
 * (segment occurrence, groups, predicates) can extend PathRef and parsePath without touching them.
 */
import type { Delimiters } from './escape';
import { unescapeHl7 } from './escape';
import type { Hl7Message, Hl7Segment } from './parse';

export interface PathRef {
  segment: string;
  field: number;
  repetition: number | '*';
  component?: number;
  subcomponent?: number;
}

/** Returns the n-th (1-based) part of s split on the one-character sep, or '' if there are fewer parts. */
export function nthPart(s: string, sep: string, n: number): string {
  let from = 0;
  for (let i = 1; i < n; i++) {
    const k = s.indexOf(sep, from);
    if (k < 0) return '';
    from = k + 1;
  }
  const end = s.indexOf(sep, from);
  if (from === 0) return end < 0 ? s : s.slice(0, end);
  return end < 0 ? s.slice(from) : s.slice(from, end);
}

/**
 * The unescaped leaf value of one raw (escaped) field text at repetition/component/subcomponent
 * (1-based; default 1). Shared by the path readers and the MSH pre-parser.
 */
export function readFieldValue(raw: string, d: Delimiters, repetition = 1, component = 1, subcomponent = 1): string {
  if (raw === '') return '';
  const rep = nthPart(raw, d.repetition, repetition);
  const comp = nthPart(rep, d.component, component);
  const sub = nthPart(comp, d.subcomponent, subcomponent);
  return unescapeHl7(sub, d);
}

const PATH_SYNTAX = 'expected SEG-field[rep].component.subcomponent, e.g. PID-3[2].1, FT1-7.1, FT1-19[*].1';

/**
 * Parses a path. Segment: 3 uppercase letters or digits (as parseHl7 accepts). Field,
 * repetition, component and subcomponent: positive integers (repetition may be '*').
 * Throws Error naming the problem for bad syntax (the path is configuration, never patient data).
 */
export function parsePath(path: string): PathRef {
  const m = /^([A-Z0-9]{3})-(\d+)(?:\[(\d+|\*)\])?(?:\.(\d+)(?:\.(\d+))?)?$/.exec(path.trim());
  if (!m) throw new Error(`Invalid HL7 path "${path}": ${PATH_SYNTAX}`);
  const [, segment, f, r, c, s] = m;
  const num = (text: string, what: string): number => {
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`Invalid HL7 path "${path}": ${what} must be 1 or greater`);
    return n;
  };
  const ref: PathRef = {
    segment: segment as string,
    field: num(f as string, 'field'),
    repetition: r === undefined ? 1 : r === '*' ? '*' : num(r, 'repetition'),
  };
  if (c !== undefined) ref.component = num(c, 'component');
  if (s !== undefined) ref.subcomponent = num(s, 'subcomponent');
  return ref;
}

function readOne(seg: Hl7Segment, ref: PathRef, rep: number, d: Delimiters): string {
  const raw = seg.fields[ref.field];
  if (raw === undefined || raw === '') return '';
  if (seg.name === 'MSH' && ref.field <= 2) {
    return rep === 1 && (ref.component ?? 1) === 1 && (ref.subcomponent ?? 1) === 1 ? raw : '';
  }
  return readFieldValue(raw, d, rep, ref.component ?? 1, ref.subcomponent ?? 1);
}

/**
 * The unescaped value at ref within one segment ('' when missing). ref.segment is not checked against
 * seg.name. Throws Error for repetition '*' (a programming error: use readAll).
 */
export function readSegment(seg: Hl7Segment, ref: PathRef, d: Delimiters): string {
  if (ref.repetition === '*') throw new Error(`readSegment cannot read ${ref.segment}-${ref.field}[*]: use readAll`);
  return readOne(seg, ref, ref.repetition, d);
}

/**
 * Every repetition's value at ref (component/subcomponent applied, unescaped), empty values dropped.
 * A numeric repetition reads just that one (a 0- or 1-element array).
 */
export function readAll(seg: Hl7Segment, ref: PathRef, d: Delimiters): string[] {
  if (ref.repetition !== '*') {
    const v = readOne(seg, ref, ref.repetition, d);
    return v === '' ? [] : [v];
  }
  const raw = seg.fields[ref.field];
  if (raw === undefined || raw === '') return [];
  if (seg.name === 'MSH' && ref.field <= 2) {
    const v = readOne(seg, ref, 1, d);
    return v === '' ? [] : [v];
  }
  const out: string[] = [];
  for (const rep of raw.split(d.repetition)) {
    const v = readFieldValue(rep, d, 1, ref.component ?? 1, ref.subcomponent ?? 1);
    if (v !== '') out.push(v);
  }
  return out;
}

/** The value at path in the first segment named like the path's segment ('' when there is none). */
export function readMessage(msg: Hl7Message, path: string): string {
  const ref = parsePath(path);
  const seg = msg.segments.find((s) => s.name === ref.segment);
  return seg ? readSegment(seg, ref, msg.delimiters) : '';
}

/** Every segment with this name, in message order, with its 0-based position in msg.segments. */
export function segmentsNamed(msg: Hl7Message, name: string): Array<{ seg: Hl7Segment; index: number }> {
  const out: Array<{ seg: Hl7Segment; index: number }> = [];
  msg.segments.forEach((seg, index) => {
    if (seg.name === name) out.push({ seg, index });
  });
  return out;
}
