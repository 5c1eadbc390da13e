/**
 * read999: one 999 implementation acknowledgment (005010X231A1, DOMAIN.md §2.4) → which of our transaction
 * sets the receiver accepted. AK1 names the acknowledged group (GS06), each AK2…IK5 one transaction set (ST02)
 * with its IK3 segment errors, IK4 element errors and IK5 set-level syntax codes; AK9 the group verdict.
 * Also reads a 997 (AK3/AK4/AK5 in place of IK3/IK4/IK5). IK5/AK9 A (accepted) and E (accepted with errors)
 * count as accepted. Error entries carry codes, positions and plain descriptions, never the bad value
 * (IK404 may hold patient data). Throws PAYER_FILE_INVALID when AK1, AK9 or an IK5 is missing. Pure.
 */
import { el, invalid, locate, missingSegment, required, type Located, type ReadableTransactionSet } from './segments';

export interface AckError {
  /** segment: IK3 (with IK4 when an element is named); transaction: an IK5 syntax code; group: an AK9 code. */
  level: 'segment' | 'element' | 'transaction' | 'group';
  code: string;
  description: string;
  /** IK301 segment id in error. */
  segmentId?: string;
  /** IK302 position of the segment in the transaction set (ST = 1). */
  segmentPosition?: number;
  /** IK303 loop identifier. */
  loopId?: string;
  /** IK401-1 / IK401-2. */
  elementPosition?: number;
  componentPosition?: number;
  /** IK402 data element reference number. */
  elementReference?: string;
}

export interface TransactionSetAck {
  /** AK201, e.g. 837. */
  transactionSetId: string;
  /** AK202: the ST02 we sent. */
  controlNumber: string;
  /** IK501: A, E, M, R, W, X. */
  status: string;
  accepted: boolean;
  errors: AckError[];
}

export interface FunctionalGroupAck {
  /** AK101, e.g. HC. */
  functionalIdCode: string;
  /** AK102: the GS06 we sent. */
  groupControlNumber: string;
  transactionSets: TransactionSetAck[];
  /** AK901: A, E, P (partially accepted), M, R, W, X. */
  groupStatus: string;
  /** AK901 A or E. With P, look at each transaction set. */
  groupAccepted: boolean;
  /** AK902–AK904. */
  counts: { included: number; received: number; accepted: number };
  /** AK905–AK909 group syntax errors. */
  groupErrors: AckError[];
}

const ACCEPTED = new Set(['A', 'E']);

export function read999(ts: ReadableTransactionSet): FunctionalGroupAck {
  const segments = locate(ts, ts.segments[0]?.id === 'ST' && el(ts.segments[0], 1) === '997' ? '997' : '999');
  let ak1: { functionalIdCode: string; groupControlNumber: string } | undefined;
  const sets: TransactionSetAck[] = [];
  let current: TransactionSetAck | undefined;
  let lastSegmentError: AckError | undefined;
  let group: Omit<FunctionalGroupAck, 'functionalIdCode' | 'groupControlNumber' | 'transactionSets'> | undefined;

  for (const at of segments) {
    const seg = at.segment;
    switch (seg.id) {
      case 'AK1':
        ak1 = { functionalIdCode: el(seg, 1), groupControlNumber: required(at, 2, 'the group control number') };
        break;
      case 'AK2':
        current = {
          transactionSetId: el(seg, 1),
          controlNumber: required(at, 2, 'the transaction set control number'),
          status: '',
          accepted: false,
          errors: [],
        };
        sets.push(current);
        lastSegmentError = undefined;
        break;
      case 'IK3':
      case 'AK3': {
        if (!current) throw invalid(at, 1, 'is outside a transaction set response (IK3 must follow an AK2)');
        const code = el(seg, 4);
        lastSegmentError = { level: 'segment', code, description: describe(SEGMENT_ERRORS, code), segmentId: el(seg, 1) };
        const position = Number.parseInt(el(seg, 2), 10);
        if (Number.isFinite(position)) lastSegmentError.segmentPosition = position;
        if (el(seg, 3) !== '') lastSegmentError.loopId = el(seg, 3);
        current.errors.push(lastSegmentError);
        break;
      }
      case 'IK4':
      case 'AK4': {
        if (!current) throw invalid(at, 1, 'is outside a transaction set response (IK4 must follow an AK2)');
        const code = el(seg, 3);
        const error: AckError = { level: 'element', code, description: describe(ELEMENT_ERRORS, code) };
        if (lastSegmentError?.segmentId !== undefined) error.segmentId = lastSegmentError.segmentId;
        if (lastSegmentError?.segmentPosition !== undefined) error.segmentPosition = lastSegmentError.segmentPosition;
        const [element, component] = seg.elements[0]?.[0] ?? [];
        const elementPosition = Number.parseInt(element ?? '', 10);
        const componentPosition = Number.parseInt(component ?? '', 10);
        if (Number.isFinite(elementPosition)) error.elementPosition = elementPosition;
        if (Number.isFinite(componentPosition)) error.componentPosition = componentPosition;
        if (el(seg, 2) !== '') error.elementReference = el(seg, 2);
        current.errors.push(error);
        break;
      }
      case 'IK5':
      case 'AK5': {
        if (!current) throw invalid(at, 1, 'is outside a transaction set response (IK5 must follow an AK2)');
        current.status = required(at, 1, 'the transaction set acknowledgment code');
        current.accepted = ACCEPTED.has(current.status);
        for (let n = 2; n <= 6; n++) {
          const code = el(seg, n);
          if (code !== '') current.errors.push({ level: 'transaction', code, description: describe(TRANSACTION_ERRORS, code) });
        }
        current = undefined;
        break;
      }
      case 'AK9': {
        const groupStatus = required(at, 1, 'the functional group acknowledgment code');
        const groupErrors: AckError[] = [];
        for (let n = 5; n <= 9; n++) {
          const code = el(seg, n);
          if (code !== '') groupErrors.push({ level: 'group', code, description: describe(GROUP_ERRORS, code) });
        }
        group = {
          groupStatus,
          groupAccepted: ACCEPTED.has(groupStatus),
          counts: { included: count(at, 2), received: count(at, 3), accepted: count(at, 4) },
          groupErrors,
        };
        break;
      }
      default:
        break;
    }
  }
  if (!ak1) throw missingSegment('999', 'AK1', 'the acknowledged group');
  if (!group) throw missingSegment('999', 'AK9', 'the group acknowledgment');
  const unanswered = sets.find((s) => s.status === '');
  if (unanswered) throw missingSegment('999', 'IK5', `the acknowledgment of transaction set ${unanswered.controlNumber}`);
  return { ...ak1, transactionSets: sets, ...group };
}

function count(at: Located, n: number): number {
  const value = required(at, n, 'a transaction set count');
  if (!/^\d+$/.test(value)) throw invalid(at, n, 'is not a count');
  return Number(value);
}

function describe(table: Readonly<Record<string, string>>, code: string): string {
  return table[code] ?? `error code ${code}`;
}

/** IK304 / AK304 (X12 code list 620). */
const SEGMENT_ERRORS: Readonly<Record<string, string>> = {
  '1': 'unrecognized segment id',
  '2': 'unexpected segment',
  '3': 'required segment missing',
  '4': 'loop occurs over maximum times',
  '5': 'segment exceeds maximum use',
  '6': 'segment not in defined transaction set',
  '7': 'segment not in proper sequence',
  '8': 'segment has data element errors',
  I4: 'implementation "not used" segment present',
  I6: 'implementation dependent segment missing',
  I7: 'implementation loop occurs under minimum times',
  I8: 'implementation segment below minimum use',
  I9: 'implementation dependent "not used" segment present',
};

/** IK403 / AK403 (X12 code list 621). */
const ELEMENT_ERRORS: Readonly<Record<string, string>> = {
  '1': 'required data element missing',
  '2': 'conditional required data element missing',
  '3': 'too many data elements',
  '4': 'data element too short',
  '5': 'data element too long',
  '6': 'invalid character in data element',
  '7': 'invalid code value',
  '8': 'invalid date',
  '9': 'invalid time',
  '10': 'exclusion condition violated',
  '12': 'too many repetitions',
  '13': 'too many components',
  I6: 'code value not used in implementation',
  I9: 'implementation dependent data element missing',
  I10: 'implementation "not used" data element present',
  I11: 'implementation too few repetitions',
  I12: 'implementation pattern match failure',
  I13: 'implementation dependent "not used" data element present',
};

/** IK502–IK506 / AK502–AK506 (X12 code list 618). */
const TRANSACTION_ERRORS: Readonly<Record<string, string>> = {
  '1': 'transaction set not supported',
  '2': 'transaction set trailer missing',
  '3': 'transaction set control number in header and trailer do not match',
  '4': 'number of included segments does not match actual count',
  '5': 'one or more segments in error',
  '6': 'missing or invalid transaction set identifier',
  '7': 'missing or invalid transaction set control number',
  '18': 'transaction set not in functional group',
  '19': 'invalid transaction set implementation convention reference',
  '23': 'transaction set control number not unique within the functional group',
  I5: 'implementation one or more segments in error',
  I6: 'implementation convention not supported',
};

/** AK905–AK909 (X12 code list 716). */
const GROUP_ERRORS: Readonly<Record<string, string>> = {
  '1': 'functional group not supported',
  '2': 'functional group version not supported',
  '3': 'functional group trailer missing',
  '4': 'group control number in the functional group header and trailer do not agree',
  '5': 'number of included transaction sets does not match actual count',
  '6': 'group control number violates syntax',
  '19': 'functional group control number not unique within interchange',
};
