/**
 * The X12 segment model shared by the reader and the writer, with builders and accessors. Pure.
 *
 * A segment is its id and its elements; `elements[0]` is element 01 (NM101), so element n is
 * `elements[n - 1]`. Every element is a list of repetitions, and every repetition a list of components:
 * a simple element "41" is `[['41']]`, a composite "HC:90656:25" is `[['HC', '90656', '25']]`, and an empty
 * element is `[['']]`. Use the accessors below rather than indexing: they number elements and components
 * from 1 as the X12 guides do and answer '' for anything absent.
 */

/** Repetitions, each a list of components. */
export type X12Element = string[][];

export interface X12Segment {
  /** Segment identifier: ISA, GS, ST, NM1, CLM, … */
  readonly id: string;
  readonly elements: X12Element[];
}

/** Where built segments go one by one: an array, or a writer that turns each into text at once (writer.ts). */
export interface SegmentSink {
  push(segment: X12Segment): void;
}

/** A segment as read from text, with its 1-based position among all segments of that text (ISA = 1). */
export interface ReadSegment extends X12Segment {
  readonly position: number;
}

/** The four delimiters of an interchange, learnt from (or written into) its ISA. */
export interface Separators {
  /** Data element separator: the character right after "ISA". */
  readonly element: string;
  /** ISA16. */
  readonly component: string;
  /** ISA11 from version 00402 on; undefined when ISA11 is the old standards id "U". */
  readonly repetition: string | undefined;
  /** The character after ISA16. */
  readonly segment: string;
}

/** The separators RxBridge writes: `*`, `:`, `^`, `~`. */
export const DEFAULT_SEPARATORS: Separators = { element: '*', component: ':', repetition: '^', segment: '~' };

// ---------------------------------------------------------------------------------------------------------------
// Building

type ComponentInput = string | undefined | null;
/** One element to build: a value, a list of components, or several repetitions (see `repeated`). */
export type ElementInput = ComponentInput | readonly ComponentInput[] | Repeated;

export interface Repeated {
  readonly repetitions: readonly (ComponentInput | readonly ComponentInput[])[];
}

/** An element with repetitions, e.g. `repeated('A', 'B')` written "A^B". */
export function repeated(...repetitions: (ComponentInput | readonly ComponentInput[])[]): Repeated {
  return { repetitions };
}

function toComponents(input: ComponentInput | readonly ComponentInput[]): string[] {
  if (typeof input === 'string') return [input];
  if (input === undefined || input === null) return [''];
  return (input as readonly ComponentInput[]).map((c) => c ?? '');
}

function toElement(input: ElementInput): X12Element {
  if (input !== null && typeof input === 'object' && 'repetitions' in input) {
    return input.repetitions.length === 0 ? [['']] : input.repetitions.map(toComponents);
  }
  return [toComponents(input as ComponentInput | readonly ComponentInput[])];
}

/**
 * The element of an absent or empty value. One frozen instance is shared by every segment built here (most
 * segments carry several empty elements): segments are values, never changed once built.
 */
const EMPTY_ELEMENT = Object.freeze([Object.freeze([''])]) as unknown as X12Element;

/**
 * A segment from plain values: `segment('SV1', ['HC', '90656'], '25', 'UN', '1', undefined, undefined, ['1'])`.
 * undefined and null are empty; the writer drops trailing empties, so optional values can be passed as is.
 */
export function segment(id: string, ...elements: ElementInput[]): X12Segment {
  const built: X12Element[] = [];
  for (const input of elements) {
    if (typeof input === 'string') built.push(input === '' ? EMPTY_ELEMENT : [[input]]);
    else if (input === undefined || input === null) built.push(EMPTY_ELEMENT);
    else built.push(toElement(input));
  }
  return { id, elements: built };
}

// ---------------------------------------------------------------------------------------------------------------
// Reading values (1-based, '' when absent)

/** How many elements the segment carries (trailing empty ones included when they were in the text). */
export function elementCount(seg: X12Segment): number {
  return seg.elements.length;
}

/** All repetitions of element n. */
export function elementRepetitions(seg: X12Segment, n: number): string[][] {
  return seg.elements[n - 1] ?? [];
}

/** The components of element n (of its first repetition unless told). */
export function elementComponents(seg: X12Segment, n: number, repetition = 1): string[] {
  return seg.elements[n - 1]?.[repetition - 1] ?? [];
}

/** Component c of element n (of its first repetition unless told). */
export function componentValue(seg: X12Segment, n: number, c: number, repetition = 1): string {
  return seg.elements[n - 1]?.[repetition - 1]?.[c - 1] ?? '';
}

/** The value of a simple element n: its first component of its first repetition. */
export function elementValue(seg: X12Segment, n: number): string {
  return componentValue(seg, n, 1);
}

/** Whether element n holds any data at all. */
export function hasElement(seg: X12Segment, n: number): boolean {
  return elementRepetitions(seg, n).some((rep) => rep.some((c) => c !== ''));
}
