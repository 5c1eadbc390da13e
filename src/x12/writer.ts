/**
 * Segments → X12 text. Pure.
 *
 * X12 has no escape sequences, so every value is cleaned before it is written: separator characters, control
 * characters and line breaks become spaces, runs of spaces collapse and the value is trimmed. Trailing empty
 * components, repetitions and elements are dropped ("SV1*HC:90656*25~", never "…*25***~"); empty ones in the
 * middle stay. The ISA is written verbatim: its elements are fixed width and ISA11/ISA16 hold separators
 * (build it with `buildIsa`).
 */
import type { Separators, X12Element, X12Segment } from './segment';
import { DEFAULT_SEPARATORS } from './segment';

export interface WriteOptions {
  separators?: Separators;
  /** Written after every segment terminator, e.g. "\n" for one segment per line. Default: nothing. */
  lineBreak?: string;
}

function escapeForClass(ch: string): string {
  return ch.replace(/[\\\]^-]/g, '\\$&');
}

/** The pattern of characters a value may not hold under `separators`, built once per separator set. */
const unsafeCache = new Map<string, RegExp>();

function unsafePattern(separators: Separators): RegExp {
  const key = `${separators.element}${separators.component}${separators.segment}${separators.repetition ?? ''}`;
  let re = unsafeCache.get(key);
  if (!re) {
    const seps = [separators.element, separators.component, separators.segment, separators.repetition ?? '']
      .filter((s) => s !== '')
      .map(escapeForClass)
      .join('');
    re = new RegExp(`[${seps}\\u0000-\\u001f\\u007f]`, 'g');
    unsafeCache.set(key, re);
  }
  return re;
}

/** A value with separators, control characters and line breaks replaced by spaces, collapsed and trimmed. */
export function cleanValue(value: string, separators: Separators = DEFAULT_SEPARATORS): string {
  return value.replace(unsafePattern(separators), ' ').replace(/ {2,}/g, ' ').trim();
}

function dropTrailing<T>(items: T[], isEmpty: (item: T) => boolean): T[] {
  let end = items.length;
  while (end > 0 && isEmpty(items[end - 1]!)) end--;
  return items.slice(0, end);
}

function writeElement(element: X12Element, separators: Separators): string {
  const repetitions = dropTrailing(
    element.map((rep) => dropTrailing(rep.map((c) => cleanValue(c, separators)), (c) => c === '')),
    (rep) => rep.length === 0,
  );
  if (repetitions.length > 1 && separators.repetition === undefined) {
    throw new RangeError('an element has repetitions but no repetition separator is set');
  }
  return repetitions.map((rep) => rep.join(separators.component)).join(separators.repetition ?? '');
}

/** One segment, with its terminator. */
export function writeSegment(seg: X12Segment, separators: Separators = DEFAULT_SEPARATORS): string {
  if (seg.id === 'ISA') {
    return ['ISA', ...seg.elements.map((e) => e[0]?.[0] ?? '')].join(separators.element) + separators.segment;
  }
  const elements = dropTrailing(seg.elements.map((e) => writeElement(e, separators)), (e) => e === '');
  return [seg.id, ...elements].join(separators.element) + separators.segment;
}

/** Segments as X12 text. */
export function writeSegments(segments: readonly X12Segment[], options: WriteOptions = {}): string {
  const separators = options.separators ?? DEFAULT_SEPARATORS;
  const lineBreak = options.lineBreak ?? '';
  return segments.map((s) => writeSegment(s, separators) + lineBreak).join('');
}
