/**
 * The named functions a mapping may apply to a value (`fn:` in a field). Mappings never run code of their own:
 * this table is the whole vocabulary. Each function is pure, takes the value read so far and returns the new
 * value; '' in gives '' out (an empty field stays empty, `default` and `required` decide what that means).
 * A value a function cannot convert throws FunctionError with a reason that never quotes the value (it may be
 * patient data); the evaluator adds the mapping, rule, field and path.
 */
import { hl7Date } from './dates';
import { isDecimal, normalizeDecimal } from '../core/decimal';

export class FunctionError extends Error {}

type MappingFunction = (value: string) => string;

/** Coding-system names senders put in CE.3, to the names billing uses; any other non-empty name is LOCAL. */
const CODE_SYSTEMS: Record<string, string> = {
  C4: 'CPT',
  CPT: 'CPT',
  CPT4: 'CPT',
  'CPT-4': 'CPT',
  HCPCS: 'HCPCS',
  HCPC: 'HCPCS',
  HC: 'HCPCS',
  C5: 'CPT',
  N4: 'NDC',
  NDC: 'NDC',
  CVX: 'CVX',
  LN: 'LOINC',
  LOINC: 'LOINC',
};

/** Subscriber relationship (HL7 table 0063, also the older numeric codes) → 837P SBR02 / PAT01 code. */
const RELATIONSHIPS: Record<string, string> = {
  SEL: '18',
  '01': '18',
  '18': '18',
  SELF: '18',
  SPO: '01',
  '02': '01',
  SPOUSE: '01',
  CHD: '19',
  '03': '19',
  CHILD: '19',
  '19': '19',
  EME: '20',
  '20': '20',
  EMPLOYEE: '20',
};

function dateOf(value: string): string {
  const d = hl7Date(value);
  if (!d) throw new FunctionError('is not a valid HL7 date (YYYYMMDD…)');
  return d;
}

const HL7_TS = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\.\d{1,4})?([+-]\d{4})?$/;

/**
 * HL7 TS/DTM (any precision from year to fraction of a second, optional ±ZZZZ offset) → ISO 8601 with an offset.
 * Missing parts are the earliest (month 01, day 01, 00:00:00); without an offset the time is read as UTC.
 */
function datetimeOf(value: string): string {
  const m = HL7_TS.exec(value.trim());
  if (!m) throw new FunctionError('is not a valid HL7 timestamp (YYYY[MM[DD[HH[MM[SS[.S]]]]]][+/-ZZZZ])');
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', frac = '', tz] = m;
  if (!hl7Date(`${y}${mo}${d}`) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    throw new FunctionError('is not a valid HL7 timestamp (a part is out of range)');
  }
  const offset = tz ? `${tz.slice(0, 3)}:${tz.slice(3)}` : 'Z';
  const ms = frac ? frac.slice(1).padEnd(3, '0').slice(0, 3) : '000';
  return `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}${offset}`;
}

/**
 * NDC → the 11-digit 5-4-2 form billing needs (DOMAIN §4). Hyphenated 4-4-2, 5-3-2 and 5-4-1 get the zero in the
 * short segment; 11 digits (with or without 5-4-2 hyphens) pass. Ten digits without hyphens are ambiguous and
 * refused, as is anything else.
 */
function ndc11Of(value: string): string {
  const text = value.trim();
  const parts = text.split('-');
  if (parts.length === 3 && parts.every((p) => /^\d+$/.test(p))) {
    const [a, b, c] = parts as [string, string, string];
    const shape = `${a.length}-${b.length}-${c.length}`;
    if (shape === '5-4-2') return a + b + c;
    if (shape === '4-4-2') return `0${a}${b}${c}`;
    if (shape === '5-3-2') return `${a}0${b}${c}`;
    if (shape === '5-4-1') return `${a}${b}0${c}`;
    throw new FunctionError('is not an NDC in 4-4-2, 5-3-2, 5-4-1 or 5-4-2 form');
  }
  if (/^\d{11}$/.test(text)) return text;
  if (/^\d{10}$/.test(text)) throw new FunctionError('is a 10-digit NDC without hyphens: which segment is short cannot be told');
  throw new FunctionError('is not an NDC');
}

function decimalOf(value: string): string {
  if (!isDecimal(value)) throw new FunctionError('is not a number');
  return value.trim();
}

function integerOf(value: string): string {
  const text = value.trim();
  if (!/^[+-]?\d+$/.test(text)) {
    if (isDecimal(text) && /^[+-]?\d*\.0*$/.test(text)) return String(Number(normalizeDecimal(text, 0)));
    throw new FunctionError('is not a whole number');
  }
  return String(Number(text));
}

function npiOf(value: string): string {
  const text = value.trim();
  if (!/^\d{10}$/.test(text)) throw new FunctionError('is not a 10-digit NPI');
  return text;
}

/** COB priority (IN1-22): 1/P/primary → 1, 2/S/secondary → 2, 3/T/tertiary → 3. */
function cobPriorityOf(value: string): string {
  const key = value.trim().toUpperCase();
  if (['1', 'P', 'PRIMARY'].includes(key)) return '1';
  if (['2', 'S', 'SECONDARY'].includes(key)) return '2';
  if (['3', 'T', 'TERTIARY'].includes(key)) return '3';
  if (/^\d+$/.test(key) && Number(key) >= 1 && Number(key) <= 11) return String(Number(key));
  throw new FunctionError('is not a coordination-of-benefits priority (1–11, P/S/T)');
}

export const MAPPING_FUNCTIONS: Readonly<Record<string, MappingFunction>> = Object.freeze({
  /** HL7 DT/TS/DR start → YYYY-MM-DD (the sender's local date; time and offset ignored). */
  date: dateOf,
  /** HL7 TS → ISO 8601 timestamp with offset (UTC when the sender gives none). */
  datetime: datetimeOf,
  /** Checks a decimal number (units, amounts); keeps its text. */
  decimal: decimalOf,
  /** Checks a whole number; drops leading zeros. */
  integer: integerOf,
  /** NDC → 11 digits (5-4-2 without hyphens). */
  ndc11: ndc11Of,
  /** Checks a 10-digit NPI. */
  npi: npiOf,
  /** CE.3 coding system → CPT, HCPCS, NDC, CVX, LOINC, or LOCAL for any other name. */
  codeSystem: (v) => CODE_SYSTEMS[v.trim().toUpperCase()] ?? 'LOCAL',
  /** Relationship to the insured (table 0063 or numeric) → 837P code (18 self, 01 spouse, 19 child, 20 employee, G8 other). */
  relationship: (v) => RELATIONSHIPS[v.trim().toUpperCase()] ?? 'G8',
  /** Administrative sex (table 0001) → M, F or U. */
  sex: (v) => (['M', 'F'].includes(v.trim().toUpperCase()) ? v.trim().toUpperCase() : 'U'),
  cobPriority: cobPriorityOf,
  upper: (v) => v.toUpperCase(),
  trim: (v) => v.trim(),
  /** Keeps the digits only (phone numbers, ids with punctuation). */
  digits: (v) => v.replace(/\D+/g, ''),
});

export function isMappingFunction(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(MAPPING_FUNCTIONS, name);
}

/** Applies the named functions in order. Empty values skip the functions. Throws FunctionError. */
export function applyFunctions(names: readonly string[], value: string): string {
  let out = value;
  for (const name of names) {
    if (out === '') return out;
    out = (MAPPING_FUNCTIONS[name] as MappingFunction)(out);
  }
  return out;
}
