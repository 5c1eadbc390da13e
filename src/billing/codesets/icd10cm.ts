/**
 * ICD-10-CM order file (`icd10cm_order_YYYY.txt`, CMS/CDC NCHS, public domain; DOMAIN.md §5). Fixed width,
 * 1-based positions:
 *   1–5 order number (zero-filled) · 6 blank · 7–13 code (no dot, left-justified) · 14 blank ·
 *   15 header/billable flag (0 header, 1 billable) · 16 blank · 17–76 short description · 77 blank ·
 *   78– long description.
 * The code is returned with its dot after the third character when longer than three ("E119" → "E11.9"), as
 * claims carry it (the 837P writer strips it). Entries carry no dates of their own: the release (the fiscal
 * year, Oct 1 – Sep 30) decides validity. `icd10cm_codes_YYYY.txt` (billable codes only, no flag) is a different
 * file and is refused with a hint.
 */
import { CodeSetFormatError, type CodeSetParser } from './types';

export interface Icd10cmOrderRecord {
  orderNumber: number;
  /** With the dot, e.g. "E11.9"; three-character categories have none ("E11"). */
  code: string;
  billable: boolean;
  shortDescription: string;
  longDescription: string;
}

const CODE = /^[A-Z][0-9][A-Z0-9]{1,5}$/;

/** "E119" → "E11.9"; "E11" stays. Also accepts a code already dotted, and lower case. */
export function dottedIcd10cm(code: string): string {
  const bare = code.trim().toUpperCase().replace('.', '');
  return bare.length > 3 ? `${bare.slice(0, 3)}.${bare.slice(3)}` : bare;
}

export function parseIcd10cmOrderLine(line: string, lineNumber: number): Icd10cmOrderRecord {
  const fail = (reason: string): never => {
    throw new CodeSetFormatError(lineNumber, reason);
  };
  const order = line.slice(0, 5);
  if (!/^\d{5}$/.test(order)) {
    fail(`does not start with a 5-digit order number (is this icd10cm_codes_YYYY.txt? load the order file icd10cm_order_YYYY.txt)`);
  }
  if (line.length < 16) fail(`is ${line.length} characters; an order-file line has at least 16 (order, code, flag)`);
  for (const position of [6, 14, 16]) {
    if (line[position - 1] !== ' ') fail(`position ${position} must be blank (fixed-width order file)`);
  }
  if (line[6] === ' ') fail('the code must start at position 7 (left-justified in 7–13)');
  const code = line.slice(6, 13).trim();
  if (!CODE.test(code)) fail(`code "${code}" at positions 7–13 is not an ICD-10-CM code (letter, digit, 1–5 letters or digits)`);
  const flag = line[14];
  if (flag !== '0' && flag !== '1') fail(`header/billable flag at position 15 is "${flag}"; it must be 0 (header) or 1 (billable)`);
  if (line.length > 76 && line[76] !== ' ') fail('position 77 must be blank (the short description is 60 characters)');
  const shortDescription = line.slice(16, 76).trim();
  const longDescription = line.slice(77).trim() || shortDescription;
  if (!longDescription) fail('has no description');
  return { orderNumber: Number(order), code: dottedIcd10cm(code), billable: flag === '1', shortDescription, longDescription };
}

export function icd10cmOrderParser(): CodeSetParser {
  return {
    line(text, lineNumber) {
      if (text.trim() === '') return [];
      const r = parseIcd10cmOrderLine(text, lineNumber);
      return [{ code: r.code, validFrom: null, validTo: null, billable: r.billable, description: r.longDescription }];
    },
    end: () => [],
  };
}

/** The fiscal year an ICD-10-CM release covers: FY N runs from October 1 of N−1 through September 30 of N. */
export function fiscalYearValidity(year: number): { validFrom: string; validTo: string } {
  return { validFrom: `${year - 1}-10-01`, validTo: `${year}-09-30` };
}
