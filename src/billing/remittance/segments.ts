/**
 * Reading helpers shared by the 835, 999 and 277CA readers: the transaction-set shape they read, element and
 * component access by X12 position (BPR02 = element 2), and strict conversion of amounts and dates.
 * Every failure is an EngineError PAYER_FILE_INVALID whose message names the place (segment id, its position
 * in the file as read, element number), never the value. Pure.
 */
import { EngineError } from '../../core/errors';
import { isDecimal, normalizeDecimal } from '../../core/decimal';
import { elementComponents, elementValue, type X12Segment } from '../../x12/segment';

/** One ST…SE transaction set as src/x12 readInterchanges gives it (X12TransactionSet fits); ST/SE may be left out. */
export interface ReadableTransactionSet {
  readonly segments: readonly SegmentInput[];
}

/** A segment of the X12 reader; `position` (its place in the file) is used for error locations when present. */
export type SegmentInput = X12Segment & { readonly position?: number };

/** A segment with its 1-based position (in the file when the reader gave one, else in the set), for error locations. */
export interface Located {
  readonly segment: SegmentInput;
  readonly position: number;
}

/** The segments with their positions, ST/SE excluded; checks ST01 when an ST is present. */
export function locate(ts: ReadableTransactionSet, expectedType: string): Located[] {
  const out: Located[] = [];
  ts.segments.forEach((segment, i) => {
    if (segment.id === 'ST') {
      const type = el(segment, 1);
      if (type !== expectedType) {
        throw new EngineError('PAYER_FILE_INVALID', `the transaction set is not of type ${expectedType} (ST01 is ${type || 'empty'})`, {
          segment: 'ST',
          sequence: segment.position ?? i + 1,
          field: 1,
        });
      }
      return;
    }
    if (segment.id !== 'SE') out.push({ segment, position: segment.position ?? i + 1 });
  });
  return out;
}

/** Simple element `n` (X12 numbering: 1 is the first after the id), trimmed; '' when absent. */
export function el(segment: SegmentInput, n: number): string {
  return elementValue(segment, n).trim();
}

/** The components of composite element `n` (first repetition), trimmed; [] when absent. */
export function components(segment: SegmentInput, n: number): string[] {
  const parts = elementComponents(segment, n).map((c) => c.trim());
  return parts.every((c) => c === '') ? [] : parts;
}

export function invalid(at: Located, n: number, what: string): EngineError {
  return new EngineError('PAYER_FILE_INVALID', `${at.segment.id}${pad(n)} (segment ${at.position}) ${what}`, {
    segment: at.segment.id,
    sequence: at.position,
    field: n,
  });
}

export function missingSegment(type: string, id: string, what: string): EngineError {
  return new EngineError('PAYER_FILE_INVALID', `the ${type} has no ${id} segment (${what})`, { segment: id });
}

/** A required element, or an error naming its position. */
export function required(at: Located, n: number, what: string): string {
  const value = el(at.segment, n);
  if (value === '') throw invalid(at, n, `is empty (${what} is required)`);
  return value;
}

const MONEY = /^[+-]?(\d*)(?:\.(\d*))?$/;

/** A money element as an exact 2-decimal string ("34" → "34.00"); '' → `fallback` when given, else an error. */
export function money(at: Located, n: number, fallback?: string): string {
  const value = el(at.segment, n);
  if (value === '' && fallback !== undefined) return fallback;
  const m = MONEY.exec(value);
  // More than two decimals is exact only when the extra digits are zeros.
  if (!m || !isDecimal(value) || /[1-9]/.test((m[2] ?? '').slice(2))) throw invalid(at, n, 'is not a money amount');
  return normalizeDecimal(value, 2);
}

/** A quantity element kept as written (trimmed); undefined when empty. */
export function quantity(at: Located, n: number): string | undefined {
  const value = el(at.segment, n);
  if (value === '') return undefined;
  if (!isDecimal(value)) throw invalid(at, n, 'is not a number');
  return value;
}

/** A CCYYMMDD element as YYYY-MM-DD; undefined when empty. */
export function date8(at: Located, n: number): string | undefined {
  const value = el(at.segment, n);
  if (value === '') return undefined;
  const iso = ccyymmddToIso(value);
  if (iso === undefined) throw invalid(at, n, 'is not a CCYYMMDD date');
  return iso;
}

export function ccyymmddToIso(value: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(value);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return undefined;
  return `${m[1]}-${m[2]}-${m[3]}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
