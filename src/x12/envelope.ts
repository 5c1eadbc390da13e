/**
 * Building ISA/GS/ST envelopes around transaction-set bodies (with their SE/GE/IEA counts and control
 * numbers), and checking the envelopes of a text that was read. Pure.
 *
 * Dates and times are written in UTC (ISA09 YYMMDD, ISA10 HHMM, GS04 CCYYMMDD, GS05 HHMM). ST02 is the
 * transaction-set control number zero-padded to 4 digits, GS06 is unpadded, ISA13/IEA02 are 9 digits.
 * An ISA id that is too long for its fixed width or holds a separator is CONFIG_INVALID (it comes from the
 * billing configuration); a control number out of 1..999999999 is a RangeError (a counter bug).
 */
import { EngineError } from '../core/errors';
import type { X12Interchange } from './reader';
import type { SegmentSink, Separators, X12Segment } from './segment';
import { DEFAULT_SEPARATORS, elementValue, segment } from './segment';

export interface IsaParams {
  /** ISA05 / ISA07 interchange id qualifiers (ZZ mutually defined, 30 tax id, 01 DUNS…). */
  senderQualifier: string;
  senderId: string;
  receiverQualifier: string;
  receiverId: string;
  /** ISA13, 1..999999999. */
  controlNumber: number;
  /** ISA15: P production, T test. */
  usage: 'P' | 'T';
  date: Date;
  /** ISA14: ask the receiver for a TA1. Default false (we rely on the 999). */
  acknowledgmentRequested?: boolean;
  /** ISA11 and ISA16 come from here. Default `*` `:` `^` `~`. */
  separators?: Separators;
}

export interface GroupParams {
  /** GS01: HC for 837, HP for 835, FA for 999. */
  functionalId: string;
  /** GS02 / GS03 application sender / receiver codes. */
  senderCode: string;
  receiverCode: string;
  /** GS06, 1..999999999. */
  controlNumber: number;
  /** GS08, e.g. 005010X222A1. */
  version: string;
  date: Date;
}

export interface TransactionSetInput {
  /** ST01, e.g. 837. */
  id: string;
  /** ST02 / SE02. */
  controlNumber: number;
  /** ST03 implementation convention reference (usually GS08); omitted when undefined. */
  implementationReference?: string;
  /** The segments between ST and SE. */
  body: readonly X12Segment[];
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** CCYYMMDD in UTC. */
export function x12Date(date: Date): string {
  return `${date.getUTCFullYear()}${pad2(date.getUTCMonth() + 1)}${pad2(date.getUTCDate())}`;
}

/** HHMM in UTC. */
export function x12Time(date: Date): string {
  return `${pad2(date.getUTCHours())}${pad2(date.getUTCMinutes())}`;
}

function controlNumberInRange(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1 || n > 999_999_999) throw new RangeError(`${what} must be an integer from 1 to 999999999`);
  return n;
}

/** ISA13 / IEA02: 9 digits, zero padded. */
export function interchangeControlNumber(n: number): string {
  return String(controlNumberInRange(n, 'the interchange control number')).padStart(9, '0');
}

/** ST02 / SE02: at least 4 digits, zero padded. */
export function transactionSetControlNumber(n: number): string {
  return String(controlNumberInRange(n, 'the transaction set control number')).padStart(4, '0');
}

/** An ISA value padded to its width; CONFIG_INVALID when it is too long or holds a separator. */
function fixedWidth(value: string, width: number, what: string, seps: Separators): string {
  if (value.length > width) throw new EngineError('CONFIG_INVALID', `${what} is longer than ${width} characters`);
  const separators = [seps.element, seps.component, seps.segment, seps.repetition ?? ''].filter((c) => c !== '');
  if ([...value].some((c) => separators.includes(c) || c < ' ')) {
    throw new EngineError('CONFIG_INVALID', `${what} contains a separator or control character`);
  }
  return value.padEnd(width, ' ');
}

/** The ISA segment, every element at its fixed width (106 characters with the terminator). */
export function buildIsa(p: IsaParams): X12Segment {
  const seps = p.separators ?? DEFAULT_SEPARATORS;
  if (seps.repetition === undefined) throw new RangeError('version 00501 needs a repetition separator (ISA11)');
  const date = x12Date(p.date);
  return segment(
    'ISA',
    '00',
    ' '.repeat(10),
    '00',
    ' '.repeat(10),
    fixedWidth(p.senderQualifier, 2, 'ISA05', seps),
    fixedWidth(p.senderId, 15, 'ISA06', seps),
    fixedWidth(p.receiverQualifier, 2, 'ISA07', seps),
    fixedWidth(p.receiverId, 15, 'ISA08', seps),
    date.slice(2),
    x12Time(p.date),
    seps.repetition,
    '00501',
    interchangeControlNumber(p.controlNumber),
    p.acknowledgmentRequested ? '1' : '0',
    p.usage,
    seps.component,
  );
}

/**
 * One interchange with one functional group: ISA, GS, then each transaction set as ST + body + SE (SE01
 * counted), GE (GE01 = number of sets), IEA (IEA01 = 1).
 */
export function buildInterchange(isa: IsaParams, group: GroupParams, sets: readonly TransactionSetInput[]): X12Segment[] {
  const out: X12Segment[] = [];
  emitInterchange(
    isa,
    group,
    sets.map((set) => ({
      id: set.id,
      controlNumber: set.controlNumber,
      implementationReference: set.implementationReference,
      emit: (body: SegmentSink) => {
        for (const seg of set.body) body.push(seg);
      },
    })),
    out,
  );
  return out;
}

/** A transaction set whose body is pushed segment by segment, rather than handed over as a list. */
export interface TransactionSetSource extends Omit<TransactionSetInput, 'body'> {
  /** Pushes the segments between ST and SE. */
  emit(body: SegmentSink): void;
}

/**
 * buildInterchange into a sink: the same segments in the same order, each pushed as soon as it is built, so a
 * large interchange can be written as text without holding its segments (SE01 counts what `emit` pushed).
 */
export function emitInterchange(isa: IsaParams, group: GroupParams, sets: readonly TransactionSetSource[], out: SegmentSink): void {
  const gs06 = String(controlNumberInRange(group.controlNumber, 'the group control number'));
  out.push(buildIsa(isa));
  out.push(
    segment(
      'GS',
      group.functionalId,
      group.senderCode,
      group.receiverCode,
      x12Date(group.date),
      x12Time(group.date),
      gs06,
      'X',
      group.version,
    ),
  );
  for (const set of sets) {
    const st02 = transactionSetControlNumber(set.controlNumber);
    out.push(segment('ST', set.id, st02, set.implementationReference));
    let count = 0;
    set.emit({
      push(seg) {
        count++;
        out.push(seg);
      },
    });
    out.push(segment('SE', String(count + 2), st02));
  }
  out.push(segment('GE', String(sets.length), gs06));
  out.push(segment('IEA', '1', interchangeControlNumber(isa.controlNumber)));
}

// ---------------------------------------------------------------------------------------------------------------
// Checking

const ISA_WIDTHS = [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1];

/**
 * Envelope problems of interchanges that were read: ISA element widths (106 characters), ISA13 9 digits and
 * = IEA02, IEA01 = number of groups, GS06 = GE02, GE01 = number of sets, ST02 = SE02 and unique in the group,
 * SE01 = segments ST..SE. Each problem names the segment position; the list is empty when all is well.
 */
export function checkEnvelopes(interchanges: readonly X12Interchange[]): string[] {
  const problems: string[] = [];
  for (const ic of interchanges) {
    const { isa, iea } = ic;
    const at = (s: { position: number; id: string }): string => `segment ${s.position} (${s.id})`;
    ISA_WIDTHS.forEach((width, i) => {
      const length = elementValue(isa, i + 1).length;
      if (length !== width) problems.push(`${at(isa)}: ISA${pad2(i + 1)} is ${length} characters, expected ${width}`);
    });
    const isaLength = 3 + ISA_WIDTHS.length + isa.elements.reduce((n, e) => n + (e[0]?.[0]?.length ?? 0), 0) + 1;
    if (isaLength !== 106) problems.push(`${at(isa)}: the ISA is ${isaLength} characters, expected 106`);
    const isa13 = elementValue(isa, 13);
    if (!/^\d{9}$/.test(isa13)) problems.push(`${at(isa)}: ISA13 is not 9 digits`);
    if (elementValue(iea, 2) !== isa13) problems.push(`${at(iea)}: IEA02 does not match ISA13`);
    if (elementValue(iea, 1) !== String(ic.groups.length)) {
      problems.push(`${at(iea)}: IEA01 does not match the ${ic.groups.length} functional group(s)`);
    }
    for (const group of ic.groups) {
      const { gs, ge } = group;
      if (elementValue(ge, 2) !== elementValue(gs, 6)) problems.push(`${at(ge)}: GE02 does not match GS06`);
      if (elementValue(ge, 1) !== String(group.transactionSets.length)) {
        problems.push(`${at(ge)}: GE01 does not match the ${group.transactionSets.length} transaction set(s)`);
      }
      const seen = new Set<string>();
      for (const set of group.transactionSets) {
        const { st, se } = set;
        const st02 = elementValue(st, 2);
        if (seen.has(st02)) problems.push(`${at(st)}: ST02 repeats an earlier ST02 of the group`);
        seen.add(st02);
        if (elementValue(se, 2) !== st02) problems.push(`${at(se)}: SE02 does not match ST02`);
        if (elementValue(se, 1) !== String(set.segments.length)) {
          problems.push(`${at(se)}: SE01 does not match the ${set.segments.length} segments from ST to SE`);
        }
      }
    }
  }
  return problems;
}
