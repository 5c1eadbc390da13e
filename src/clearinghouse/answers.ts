/**
 * What a file picked up from a clearinghouse is, by its content, never its name (names are each clearinghouse's
 * own): the ISA, then TA1 segments between the ISA and the first GS, then each group's ST01 (and GS08 for the
 * 277CA). Also the TA1 reader. Pure.
 *
 * Kinds: 999 (999 or 997), 277CA (a 277 with a 005010X214 GS08), 835, 271, TA1 (an interchange holding only TA1s).
 * A file holding an 835 with anything else, or a transaction set none of these, is `unreadable` with the reason:
 * the pickup moves it to the error folder and shows it, never posts part of it.
 */
import { EngineError } from '../core/errors';
import { readInterchanges, type ReadSegment, type X12Interchange } from '../x12';
import { el } from '../billing/remittance/segments';

export const ANSWER_KINDS = ['999', '277CA', '835', 'TA1', '271'] as const;
export type AnswerKind = (typeof ANSWER_KINDS)[number];

export type Recognized = { kind: AnswerKind; interchanges: X12Interchange[] } | { kind: 'unreadable'; reason: string };

/** The kind of a whole file (one kind per file; 999 and 277CA together count as 999, as the acknowledgment poster takes both). */
export function recognizeAnswer(text: string): Recognized {
  if (!/^\s*(\uFEFF)?ISA/.test(text)) return { kind: 'unreadable', reason: 'it does not start with an ISA segment (not an X12 file)' };
  let interchanges: X12Interchange[];
  try {
    interchanges = readInterchanges(text);
  } catch (err) {
    return { kind: 'unreadable', reason: err instanceof EngineError ? err.message : 'its X12 could not be read' };
  }
  const kinds = new Set<AnswerKind>();
  for (const ic of interchanges) {
    if (ic.groups.length === 0 && ic.ta1.length > 0) kinds.add('TA1');
    for (const g of ic.groups) {
      for (const ts of g.transactionSets) {
        const st01 = el(ts.st, 1);
        if (st01 === '999' || st01 === '997') kinds.add('999');
        else if (st01 === '835') kinds.add('835');
        else if (st01 === '271') kinds.add('271');
        else if (st01 === '277' && el(g.gs, 8).includes('X214')) kinds.add('277CA');
        else
          return {
            kind: 'unreadable',
            reason: `it holds a transaction set ${st01 || '(no ST01)'} (GS08 ${el(g.gs, 8) || 'none'}), which is not an answer RxBridge reads`,
          };
      }
    }
  }
  if (kinds.size === 0) return { kind: 'unreadable', reason: 'it holds no transaction set and no TA1' };
  if (kinds.has('277CA') && kinds.size === 2 && kinds.has('999')) return { kind: '999', interchanges };
  if (kinds.size > 1) return { kind: 'unreadable', reason: `it mixes ${[...kinds].join(' and ')} in one file` };
  return { kind: [...kinds][0] as AnswerKind, interchanges };
}

/** One TA1: the answer to one of our interchanges. */
export interface Ta1 {
  /** TA101: the ISA13 it answers. */
  interchangeControl: number;
  /** TA104: A accepted, E accepted with errors, R rejected. */
  ackCode: 'A' | 'E' | 'R';
  /** TA105: the note code (000 no error). */
  noteCode: string;
  /** What the note code means (X12 TA105 code list). */
  meaning: string;
}

/** Every TA1 of the interchanges. X12_INVALID when TA101 or TA104 is not what a TA1 holds. */
export function readTa1s(interchanges: readonly X12Interchange[]): Ta1[] {
  return interchanges.flatMap((ic) => ic.ta1.map(readTa1));
}

function readTa1(s: ReadSegment): Ta1 {
  const control = el(s, 1);
  const ack = el(s, 4);
  if (!/^\d{1,9}$/.test(control))
    throw new EngineError('X12_INVALID', `TA1 at segment ${s.position}: TA101 must be the 9-digit interchange control number`);
  if (ack !== 'A' && ack !== 'E' && ack !== 'R')
    throw new EngineError('X12_INVALID', `TA1 at segment ${s.position}: TA104 must be A, E or R`);
  const noteCode = el(s, 5) || '000';
  return { interchangeControl: Number(control), ackCode: ack, noteCode, meaning: TA1_NOTES[noteCode] ?? `note code ${noteCode}` };
}

/** X12 TA105 interchange note codes. */
export const TA1_NOTES: Readonly<Record<string, string>> = Object.freeze({
  '000': 'No error',
  '001': 'The interchange control number in the header and trailer do not match',
  '002': 'This standard as noted in the control standards identifier is not supported',
  '003': 'This version of the controls is not supported',
  '004': 'The segment terminator is invalid',
  '005': 'Invalid interchange ID qualifier for sender',
  '006': 'Invalid interchange sender ID',
  '007': 'Invalid interchange ID qualifier for receiver',
  '008': 'Invalid interchange receiver ID',
  '009': 'Unknown interchange receiver ID',
  '010': 'Invalid authorization information qualifier value',
  '011': 'Invalid authorization information value',
  '012': 'Invalid security information qualifier value',
  '013': 'Invalid security information value',
  '014': 'Invalid interchange date value',
  '015': 'Invalid interchange time value',
  '016': 'Invalid interchange standards identifier value',
  '017': 'Invalid interchange version ID value',
  '018': 'Invalid interchange control number value',
  '019': 'Invalid acknowledgment requested value',
  '020': 'Invalid test indicator value',
  '021': 'Invalid number of included groups value',
  '022': 'Invalid control structure',
  '023': 'Improper (premature) end-of-file (transmission)',
  '024': 'Invalid interchange content (e.g., invalid GS segment)',
  '025': 'Duplicate interchange control number',
  '026': 'Invalid data element separator',
  '027': 'Invalid component element separator',
  '028': 'Invalid delivery date in deferred delivery request',
  '029': 'Invalid delivery time in deferred delivery request',
  '030': 'Invalid delivery time code in deferred delivery request',
  '031': 'Invalid grade of service code',
});

/** Seconds before the retry after `attempts` failed uploads: 30 s doubling, at most one hour. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(3600, 30 * 2 ** Math.max(0, attempts - 1));
}
