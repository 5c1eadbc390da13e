/**
 * 1-based path reads over a parsed message. The grammar (docs/mappings.md has the user's version):
 *
 *   path      := SEG selector? "-" field ("[" rep "]")? ("." component ("." subcomponent)?)?
 *   selector  := "[" n "]"                       the n-th segment of that name (1-based)
 *              | "(where " path op value ")"     the first segment of that name where the condition holds;
 *                                                op is "=" or "!="; value is the rest up to ")"
 *   rep       := n | "*"                         "*" reads every repetition (readAll)
 *
 * e.g. PID-3[2].1, FT1-7.1, FT1-19[*].1, OBX[2]-5.1, IN1(where IN1-22=1)-36, OBX(where OBX-3.1=64994-7)-5.1.
 *
 * Conventions (the same as HAPI's Terser and node-hl7-client's toString()):
 * - An omitted repetition, component or subcomponent means the first one, so `PID-7` reads PID-7[1].1.1
 *   (the time of a TS even when the sender adds ^precision) and `PID-5.1` reads the first subcomponent of
 *   the family name. There is no path for "the whole composite"; read the parts.
 * - Values come back unescaped. Anything missing reads as ''.
 * - MSH-1 is the field separator and MSH-2 the encoding characters, both returned as-is (never split or
 *   unescaped), and only for the first repetition/component/subcomponent.
 *
 * parsePath is the only place that knows the syntax. Which segments a selector chooses among is the caller's
 * choice (a whole message, or one segment group): selectSegment applies the selector to a candidate list.
 */
import type { Delimiters } from './escape';
import { unescapeHl7 } from './escape';
import type { Hl7Message, Hl7Segment } from './parse';

/** Chooses one segment among candidates of the path's segment name. */
export type SegmentSelector = { kind: 'nth'; n: number } | { kind: 'where'; path: PathRef; op: '=' | '!='; value: string };

export interface PathRef {
  segment: string;
  /** Absent: the caller's default segment (the first, or the nearest one). */
  selector?: SegmentSelector;
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

const PATH_SYNTAX =
  'expected SEG-field[rep].component.subcomponent, e.g. PID-3[2].1, FT1-7.1, FT1-19[*].1, OBX[2]-5, IN1(where IN1-22=1)-36';
const FIELD_PART = /^-(\d+)(?:\[(\d+|\*)\])?(?:\.(\d+)(?:\.(\d+))?)?$/;

/**
 * Parses a path. Segment: 3 uppercase letters or digits (as parseHl7 accepts). Field, repetition, component,
 * subcomponent and segment index: positive integers (repetition may be '*'). A where-selector holds one
 * condition on a path of the same segment, without a selector of its own.
 * Throws Error naming the problem for bad syntax (the path is configuration, never patient data).
 */
export function parsePath(path: string): PathRef {
  const text = path.trim();
  const fail = (why: string): never => {
    throw new Error(`Invalid HL7 path "${path}": ${why}`);
  };
  const num = (digits: string, what: string): number => {
    const n = Number(digits);
    if (!Number.isSafeInteger(n) || n < 1) fail(`${what} must be 1 or greater`);
    return n;
  };
  const segment = text.slice(0, 3);
  if (!/^[A-Z0-9]{3}$/.test(segment)) fail(PATH_SYNTAX);
  let rest = text.slice(3);
  let selector: SegmentSelector | undefined;
  if (rest.startsWith('[')) {
    const m = /^\[(\d+)\]/.exec(rest);
    if (!m) fail(PATH_SYNTAX);
    selector = { kind: 'nth', n: num(m![1] as string, 'segment index') };
    rest = rest.slice(m![0].length);
  } else if (rest.startsWith('(')) {
    const close = rest.indexOf(')');
    const m = close < 0 ? null : /^\(where\s+([A-Z0-9]{3}-[^=!]+?)\s*(!=|=)\s*(.*)$/.exec(rest.slice(0, close));
    if (!m) fail(`a segment condition reads (where SEG-n.n=value), ${PATH_SYNTAX}`);
    const inner = parsePath(m![1] as string);
    if (inner.segment !== segment) fail(`the condition must read the same segment (${segment})`);
    if (inner.selector || inner.repetition === '*') fail('the condition path takes no selector and no [*]');
    selector = { kind: 'where', path: inner, op: m![2] as '=' | '!=', value: (m![3] as string).trim() };
    rest = rest.slice(close + 1);
  }
  const m = FIELD_PART.exec(rest);
  if (!m) fail(PATH_SYNTAX);
  const [, f, r, c, sub] = m!;
  const ref: PathRef = {
    segment,
    field: num(f as string, 'field'),
    repetition: r === undefined ? 1 : r === '*' ? '*' : num(r, 'repetition'),
  };
  if (selector) ref.selector = selector;
  if (c !== undefined) ref.component = num(c, 'component');
  if (sub !== undefined) ref.subcomponent = num(sub, 'subcomponent');
  return ref;
}

/** The path back as text (canonical form), for messages that name where a value came from. */
export function formatPath(ref: PathRef): string {
  let sel = '';
  if (ref.selector?.kind === 'nth') sel = `[${ref.selector.n}]`;
  else if (ref.selector?.kind === 'where') sel = `(where ${formatPath(ref.selector.path)}${ref.selector.op}${ref.selector.value})`;
  const rep = ref.repetition === 1 ? '' : `[${ref.repetition}]`;
  const comp = ref.component === undefined ? '' : `.${ref.component}${ref.subcomponent === undefined ? '' : `.${ref.subcomponent}`}`;
  return `${ref.segment}${sel}-${ref.field}${rep}${comp}`;
}

/**
 * Applies the path's selector to candidates (segments of the path's name, in the order the caller wants them
 * considered). Without a selector: the first candidate. Undefined when none qualifies.
 */
export function selectSegment(candidates: readonly Hl7Segment[], ref: PathRef, d: Delimiters): Hl7Segment | undefined {
  const sel = ref.selector;
  if (!sel) return candidates[0];
  if (sel.kind === 'nth') return candidates[sel.n - 1];
  return candidates.find((seg) => (readSegment(seg, sel.path, d) === sel.value) === (sel.op === '='));
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

/** The value at path in the first segment the path selects in the whole message ('' when there is none). */
export function readMessage(msg: Hl7Message, path: string): string {
  const ref = parsePath(path);
  const seg = selectSegment(
    msg.segments.filter((s) => s.name === ref.segment),
    ref,
    msg.delimiters,
  );
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
