/**
 * Segments → X12 text. Pure.
 *
 * X12 has no escape sequences, so every value is cleaned before it is written: separator characters, control
 * characters and line breaks become spaces, runs of spaces collapse and the value is trimmed. Trailing empty
 * components, repetitions and elements are dropped ("SV1*HC:90656*25~", never "…*25***~"); empty ones in the
 * middle stay. The ISA is written verbatim: its elements are fixed width and ISA11/ISA16 hold separators
 * (build it with `buildIsa`). `segmentTextWriter` writes segments as they are pushed, so a large file never needs
 * its segments held as a list.
 */
import type { SegmentSink, Separators, X12Element, X12Segment } from './segment';
import { DEFAULT_SEPARATORS } from './segment';

export interface WriteOptions {
  separators?: Separators;
  /** Written after every segment terminator, e.g. "\n" for one segment per line. Default: nothing. */
  lineBreak?: string;
}

function escapeForClass(ch: string): string {
  return ch.replace(/[\\\]^-]/g, '\\$&');
}

/** How values are cleaned under one separator set. */
interface Cleaner {
  /**
   * Whether a value needs cleaning at all: an unsafe character, two spaces in a row, or white space at either
   * end (\s is the white space trim() removes). Non-global: `test` keeps no state between calls.
   */
  readonly needed: RegExp;
  /** The unsafe characters, replaced by spaces. */
  readonly replaces: RegExp;
}

/** A separator set and its cleaner: what writing one text needs, looked up once per call of the writer. */
interface Writing {
  readonly separators: Separators;
  readonly cleaner: Cleaner;
}

/** Cleaners built once per separator set (by their characters). */
const cleaners = new Map<string, Cleaner>();

function cleanerFor(separators: Separators): Cleaner {
  const key = `${separators.element}${separators.component}${separators.segment}${separators.repetition ?? ''}`;
  let cleaner = cleaners.get(key);
  if (!cleaner) {
    const seps = [separators.element, separators.component, separators.segment, separators.repetition ?? '']
      .filter((s) => s !== '')
      .map(escapeForClass)
      .join('');
    const source = `[${seps}\\u0000-\\u001f\\u007f]`;
    cleaner = { needed: new RegExp(`${source}| {2}|^\\s|\\s$`), replaces: new RegExp(source, 'g') };
    cleaners.set(key, cleaner);
  }
  return cleaner;
}

function clean(value: string, cleaner: Cleaner): string {
  if (!cleaner.needed.test(value)) return value; // most values are clean already
  return value.replace(cleaner.replaces, ' ').replace(/ {2,}/g, ' ').trim();
}

/** A value with separators, control characters and line breaks replaced by spaces, collapsed and trimmed. */
export function cleanValue(value: string, separators: Separators = DEFAULT_SEPARATORS): string {
  return clean(value, cleanerFor(separators));
}

/** Cleaned components joined by the component separator, up to the last one that is not empty. */
function writeRepetition(components: readonly string[], w: Writing): string {
  const separator = w.separators.component;
  let text = '';
  let owed = 0;
  for (let i = 0; i < components.length; i++) {
    if (i > 0) owed++;
    const value = clean(components[i]!, w.cleaner);
    if (value === '') continue;
    for (; owed > 0; owed--) text += separator;
    text += value;
  }
  return text;
}

/** Repetitions joined by the repetition separator, up to the last one that is not empty. */
function writeElement(element: X12Element, w: Writing): string {
  if (element.length === 1) return writeRepetition(element[0]!, w);
  const repetitions = element.map((rep) => writeRepetition(rep, w));
  let end = repetitions.length;
  while (end > 0 && repetitions[end - 1] === '') end--;
  const separator = w.separators.repetition;
  if (end > 1 && separator === undefined) {
    throw new RangeError('an element has repetitions but no repetition separator is set');
  }
  return repetitions.slice(0, end).join(separator ?? '');
}

/** The segment id and its elements up to the last one that is not empty, then the terminator. */
function writeWith(seg: X12Segment, w: Writing): string {
  const { element, segment } = w.separators;
  if (seg.id === 'ISA') {
    return ['ISA', ...seg.elements.map((e) => e[0]?.[0] ?? '')].join(element) + segment;
  }
  let text = seg.id;
  let owed = 0;
  for (const e of seg.elements) {
    owed++;
    const value = writeElement(e, w);
    if (value === '') continue;
    for (; owed > 0; owed--) text += element;
    text += value;
  }
  return text + segment;
}

/** One segment, with its terminator. */
export function writeSegment(seg: X12Segment, separators: Separators = DEFAULT_SEPARATORS): string {
  return writeWith(seg, { separators, cleaner: cleanerFor(separators) });
}

/** A sink that writes each segment pushed to it as text at once; `text()` is everything written so far. */
export interface SegmentTextWriter extends SegmentSink {
  text(): string;
}

/** Segments as X12 text, pushed one by one (see SegmentSink): nothing but the text is kept. */
export function segmentTextWriter(options: WriteOptions = {}): SegmentTextWriter {
  const separators = options.separators ?? DEFAULT_SEPARATORS;
  const w: Writing = { separators, cleaner: cleanerFor(separators) };
  const lineBreak = options.lineBreak ?? '';
  let text = '';
  return {
    push(seg) {
      text += writeWith(seg, w) + lineBreak;
    },
    text: () => text,
  };
}

/** Segments as X12 text. */
export function writeSegments(segments: readonly X12Segment[], options: WriteOptions = {}): string {
  const writer = segmentTextWriter(options);
  for (const s of segments) writer.push(s);
  return writer.text();
}
