/**
 * Reads X12 text (837, 835, 999, 277CA, any transaction set) into segments and ISA/GS/ST envelopes. Pure.
 *
 * Separators are learnt from each ISA, never assumed: the element separator is the character after "ISA",
 * ISA16 (the character after the 16th element separator) is the component separator, the character after
 * ISA16 is the segment terminator, and ISA11 is the repetition separator unless it is a letter or digit (the
 * old standards id "U", which some fixtures still carry: then there is none). ISA elements are taken verbatim
 * (ISA11 and ISA16 hold separator characters). CR, LF and a BOM around segments are skipped; blank segments
 * ("~~") too. Every interchange of a file is read, each with its own separators.
 *
 * The reader checks structure only (envelopes nest and close); counts and control numbers are left to
 * `checkEnvelopes`. Errors are EngineError('X12_INVALID') naming the segment by position (ISA = 1) and id,
 * never data values.
 */
import { EngineError } from '../core/errors';
import type { ReadSegment, Separators, X12Element } from './segment';

export interface X12TransactionSet {
  st: ReadSegment;
  /** Every segment from ST to SE inclusive (so SE01 should equal its length). The body is slice(1, -1). */
  segments: ReadSegment[];
  se: ReadSegment;
}

export interface X12Group {
  gs: ReadSegment;
  transactionSets: X12TransactionSet[];
  ge: ReadSegment;
}

export interface X12Interchange {
  separators: Separators;
  isa: ReadSegment;
  /** TA1 interchange acknowledgments found between the ISA and the first GS. */
  ta1: ReadSegment[];
  groups: X12Group[];
  iea: ReadSegment;
}

/** All segments of a text in order, each interchange split with the separators of its own ISA. */
export interface SegmentStream {
  segments: ReadSegment[];
  /** The separators of each interchange, in order. */
  separators: Separators[];
}

const SEGMENT_ID = /^[A-Z][A-Z0-9]{1,2}$/;
const ALPHANUMERIC = /^[A-Za-z0-9]$/;
const ISA_ELEMENTS = 16;

function invalid(message: string, position?: number, id?: string): EngineError {
  const where = position === undefined ? 'X12' : `X12 segment ${position}${id ? ` (${id})` : ''}`;
  return new EngineError('X12_INVALID', `${where}: ${message}`, { segment: id ?? 'ISA', sequence: position });
}

/** Skips CR, LF, BOM (and other whitespace) from `i`; returns the next index holding data. */
function skipLineBreaks(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x0d || c === 0x0a || c === 0xfeff || c === 0x20 || c === 0x09) i++;
    else break;
  }
  return i;
}

/**
 * The separators of the ISA starting at `start` and the index just after its terminator. Throws when the
 * ISA is cut short or the separators are unusable.
 */
export function detectSeparators(text: string, start = 0, position = 1): { separators: Separators; isaEnd: number } {
  if (text.slice(start, start + 3) !== 'ISA') throw invalid('expected an ISA segment', position);
  const element = text.charAt(start + 3);
  let seen = 0;
  let i = start + 3;
  for (; i < text.length && seen < ISA_ELEMENTS; i++) if (text[i] === element) seen++;
  // i is now just past the 16th element separator: ISA16, then the segment terminator.
  if (seen < ISA_ELEMENTS || i + 1 >= text.length) throw invalid('the ISA segment is cut short', position, 'ISA');
  const component = text.charAt(i);
  const segmentTerminator = text.charAt(i + 1);
  const isa11 = text.slice(start + 4, i).split(element)[10] ?? '';
  const repetition = isa11.length === 1 && !ALPHANUMERIC.test(isa11) ? isa11 : undefined;
  const used = [element, component, segmentTerminator, ...(repetition ? [repetition] : [])];
  if (used.some((s) => ALPHANUMERIC.test(s) || s === ' ')) {
    throw invalid('the ISA separators include a letter, digit or space', position, 'ISA');
  }
  if (new Set(used).size !== used.length) throw invalid('the ISA separators are not distinct', position, 'ISA');
  return { separators: { element, component, repetition, segment: segmentTerminator }, isaEnd: i + 2 };
}

function splitElement(text: string, separators: Separators): X12Element {
  const repetitions = separators.repetition === undefined ? [text] : text.split(separators.repetition);
  return repetitions.map((rep) => rep.split(separators.component));
}

/** Splits a text into segments (tolerant of CR/LF after terminators); every interchange learns its own separators. */
export function readSegments(text: string): SegmentStream {
  const segments: ReadSegment[] = [];
  const separatorList: Separators[] = [];
  let i = skipLineBreaks(text, 0);
  if (i >= text.length) throw invalid('the text is empty');
  let separators: Separators | undefined;
  while (i < text.length) {
    const position = segments.length + 1;
    if (text.startsWith('ISA', i)) {
      const found = detectSeparators(text, i, position);
      separators = found.separators;
      separatorList.push(separators);
      const fields = text.slice(i + 4, found.isaEnd - 1).split(separators.element);
      // ISA16 is itself the component separator: keep the 16 ISA elements verbatim.
      const isa16 = separators.component;
      const elements = [...fields.slice(0, ISA_ELEMENTS - 1), isa16].map((v) => [[v]]);
      segments.push({ id: 'ISA', elements, position });
      i = skipLineBreaks(text, found.isaEnd);
      continue;
    }
    if (!separators) throw invalid('the text does not start with an ISA segment', position);
    let end = text.indexOf(separators.segment, i);
    if (end === -1) end = text.length;
    const raw = text.slice(i, end).replace(/[\r\n]+$/, '');
    i = skipLineBreaks(text, end + 1);
    if (raw.trim() === '') continue;
    const parts = raw.split(separators.element);
    const id = parts[0]!;
    if (!SEGMENT_ID.test(id)) throw invalid('does not start with a segment identifier', position);
    const sep = separators;
    segments.push({ id, elements: parts.slice(1).map((p) => splitElement(p, sep)), position });
  }
  return { segments, separators: separatorList };
}

/**
 * Reads every interchange of a text into ISA → GS → ST…SE envelopes. Throws X12_INVALID when a segment
 * appears outside its envelope or an envelope is not closed.
 */
export function readInterchanges(text: string): X12Interchange[] {
  const { segments, separators } = readSegments(text);
  const interchanges: X12Interchange[] = [];
  let k = 0;
  const next = (): ReadSegment | undefined => segments[k];
  while (k < segments.length) {
    const isa = segments[k]!;
    if (isa.id !== 'ISA') throw invalid('is outside an interchange (ISA…IEA)', isa.position, isa.id);
    k++;
    const ta1: ReadSegment[] = [];
    while (next()?.id === 'TA1') ta1.push(segments[k++]!);
    const groups: X12Group[] = [];
    while (next()?.id === 'GS') {
      const gs = segments[k++]!;
      const transactionSets: X12TransactionSet[] = [];
      while (next()?.id === 'ST') {
        const st = segments[k++]!;
        const body: ReadSegment[] = [st];
        for (;;) {
          const seg = next();
          if (!seg) throw invalid('transaction set has no SE', st.position, 'ST');
          if (['ISA', 'IEA', 'GS', 'GE', 'ST'].includes(seg.id)) {
            throw invalid(`appears before the SE closing the ST at segment ${st.position}`, seg.position, seg.id);
          }
          k++;
          body.push(seg);
          if (seg.id === 'SE') break;
        }
        transactionSets.push({ st, segments: body, se: body[body.length - 1]! });
      }
      const ge = next();
      if (!ge) throw invalid('functional group has no GE', gs.position, 'GS');
      if (ge.id !== 'GE') {
        if (['ISA', 'IEA', 'GS'].includes(ge.id)) {
          throw invalid(`appears before the GE closing the GS at segment ${gs.position}`, ge.position, ge.id);
        }
        throw invalid('is outside a transaction set (ST…SE)', ge.position, ge.id);
      }
      k++;
      groups.push({ gs, transactionSets, ge });
    }
    const iea = next();
    if (!iea) throw invalid('interchange has no IEA', isa.position, 'ISA');
    if (iea.id !== 'IEA') {
      if (iea.id === 'ISA') throw invalid(`appears before the IEA closing the ISA at segment ${isa.position}`, iea.position, iea.id);
      throw invalid('is outside a functional group (GS…GE)', iea.position, iea.id);
    }
    k++;
    interchanges.push({ separators: separators[interchanges.length]!, isa, ta1, groups, iea });
  }
  return interchanges;
}
