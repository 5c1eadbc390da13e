/**
 * What every code-set loader produces (../shared/docs/DOMAIN.md §5): one CodeEntry per code of a release, and the
 * line-by-line parser contract the importer streams a file through. Pure types and small helpers only.
 *
 * Dates are YYYY-MM-DD and inclusive at both ends; null is unbounded. A parse problem is a CodeSetFormatError
 * naming the 1-based line; its text quotes the offending value (code-set files hold no patient data).
 */
import { hl7Date } from '../../mappings/dates';
import type { EditKind } from './edits';

export const CODE_KINDS = ['icd10cm', 'hcpcs', 'cpt', 'ndc', 'cvx'] as const;
export type CodeKind = (typeof CODE_KINDS)[number];

/** How a release is named for people and in CodeStatus.release ("ICD-10-CM 2026"). */
export const CODE_KIND_LABELS: Readonly<Record<CodeKind, string>> = Object.freeze({
  icd10cm: 'ICD-10-CM',
  hcpcs: 'HCPCS',
  cpt: 'CPT (local list)',
  ndc: 'NDC',
  cvx: 'CVX',
});

/** Code sets (code_entries) and payer edit tables (code_edits, ./edits.ts) are both loaded as releases. */
export type ReleaseKind = CodeKind | EditKind;

export function isCodeKind(value: string): value is CodeKind {
  return (CODE_KINDS as readonly string[]).includes(value);
}

/** One code of one release. */
export interface CodeEntry {
  /** As the lookup keys it: ICD-10-CM with its dot, NDC as 11 digits, CVX at least two digits. */
  code: string;
  /** First day the code may be billed (HCPCS add date, NDC marketing start, our own `from`); null: unbounded. */
  validFrom: string | null;
  /** Last day (HCPCS termination date, NDC marketing end, our own `to`); null: open-ended. */
  validTo: string | null;
  /** ICD-10-CM: a billable leaf, not a header. CVX: status Active. NDC: not excluded. Others: true. */
  billable: boolean;
  description: string | null;
}

/** A line-oriented loader: fed every line of the file in order, it returns the entries each line completes. */
export interface CodeSetParser {
  /** `text` is the line without its line break; `lineNumber` is 1-based. Throws CodeSetFormatError. */
  line(text: string, lineNumber: number): CodeEntry[];
  /** End of input: whatever is still pending (a record with continuation lines). Throws CodeSetFormatError. */
  end(): CodeEntry[];
}

/** A code-set file that does not have the documented format; `line` is 1-based (0: the file as a whole). */
export class CodeSetFormatError extends Error {
  readonly line: number;
  readonly reason: string;

  constructor(line: number, reason: string) {
    super(line > 0 ? `line ${line}: ${reason}` : reason);
    this.name = 'CodeSetFormatError';
    this.line = line;
    this.reason = reason;
  }
}

/** YYYYMMDD (blank: null) → YYYY-MM-DD; anything else is a CodeSetFormatError naming `what`. */
export function compactDate(text: string, lineNumber: number, what: string): string | null {
  const value = text.trim();
  if (value === '') return null;
  const date = /^\d{8}$/.test(value) ? hl7Date(value) : undefined;
  if (!date) throw new CodeSetFormatError(lineNumber, `${what} "${value}" is not a date (YYYYMMDD)`);
  return date;
}

/** A calendar date YYYY-MM-DD, or undefined. */
export function isoDate(text: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  return m ? hl7Date(`${m[1]}${m[2]}${m[3]}`) : undefined;
}

/** Whether `date` lies in [from, to] (inclusive; null bounds are open). All YYYY-MM-DD, so text order is date order. */
export function covers(from: string | null, to: string | null, date: string): boolean {
  return (from === null || from <= date) && (to === null || date <= to);
}
