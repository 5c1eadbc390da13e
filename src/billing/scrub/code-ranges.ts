/**
 * Code lists in payer rules: a single CPT/HCPCS code ("83036") or an inclusive range of codes of one shape
 * ("80047-89398", "G0000-G9999", "0001U-0999U"). Both ends of a range have the same length and the same letters
 * at the same places, so a code of that shape lies in the range exactly when it sorts between the ends. Pure.
 */
import { CPT_FORM, HCPCS_FORM } from './formats';

export interface CodeRange {
  from: string;
  to: string;
}

const isCode = (code: string): boolean => CPT_FORM.test(code) || HCPCS_FORM.test(code);

/** The letters of a code and where they stand ("G0008" → "G...."), the shape both ends of a range share. */
const shapeOf = (code: string): string => code.replace(/\d/g, '.');

/** "83036" or "80047-89398" → a range; undefined when the text is neither (the schema reports it). */
export function parseCodeRange(text: string): CodeRange | undefined {
  const parts = text.trim().toUpperCase().split('-');
  const from = parts[0] ?? '';
  const to = parts[1] ?? from;
  if (parts.length > 2 || !isCode(from) || !isCode(to)) return undefined;
  if (shapeOf(from) !== shapeOf(to) || from > to) return undefined;
  return { from, to };
}

export function inCodeRange(code: string, range: CodeRange): boolean {
  const c = code.toUpperCase();
  return shapeOf(c) === shapeOf(range.from) && range.from <= c && c <= range.to;
}

export function inCodeRanges(code: string, ranges: readonly CodeRange[]): boolean {
  return ranges.some((r) => inCodeRange(code, r));
}
