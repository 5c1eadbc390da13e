/**
 * Payer edit tables (DOMAIN.md §4): what the CMS NCCI and MCE files hold, as the importer stores it and the
 * scrub rules read it. Pure types and small helpers only; the parsers are ./ncci.ts, ./mue.ts, ./mce.ts.
 *
 *   ncci  NCCI procedure-to-procedure (PTP) pairs: column 1 code, column 2 code, the modifier indicator
 *         (0 no modifier allows the pair, 1 a modifier allows it, 9 not applicable), effective and deletion dates.
 *   mue   Medically Unlikely Edits: per HCPCS/CPT code the most units of service on one date of service, and the
 *         MUE adjudication indicator (1 claim line, 2 date of service: policy, 3 date of service: clinical).
 *   mce   Medicare Code Editor lists: ICD-10-CM diagnoses limited to an age range (newborn, pediatric,
 *         maternity, adult) or to one sex.
 *
 * Dates are YYYY-MM-DD, inclusive; null is unbounded. Every file is read line by line; a problem is a
 * CodeSetFormatError (./types.ts) naming the 1-based line.
 */
export const EDIT_KINDS = ['ncci', 'mue', 'mce'] as const;
export type EditKind = (typeof EDIT_KINDS)[number];

export const EDIT_KIND_LABELS: Readonly<Record<EditKind, string>> = Object.freeze({
  ncci: 'NCCI PTP',
  mue: 'MUE',
  mce: 'MCE',
});

export function isEditKind(value: string): value is EditKind {
  return (EDIT_KINDS as readonly string[]).includes(value);
}

/** NCCI PTP modifier indicator: 0 no modifier allows the pair, 1 an NCCI-associated modifier does, 9 no edit. */
export type ModifierIndicator = '0' | '1' | '9';

/** MUE adjudication indicator: 1 claim line edit, 2 date of service edit (policy), 3 date of service edit (clinical). */
export type MueIndicator = '1' | '2' | '3';

export const MUE_INDICATOR_LABELS: Readonly<Record<MueIndicator, string>> = Object.freeze({
  '1': 'MAI 1, claim line edit',
  '2': 'MAI 2, date of service edit: policy',
  '3': 'MAI 3, date of service edit: clinical',
});

export type MceAgeEdit = 'newborn' | 'pediatric' | 'maternity' | 'adult';
export type MceSexEdit = 'male' | 'female';
export type MceEdit = MceAgeEdit | MceSexEdit;

export interface PtpEdit {
  kind: 'ncci';
  /** Column 1: the code paid when the pair is billed together. */
  column1: string;
  /** Column 2: the code denied with column 1, unless the modifier indicator lets a modifier allow it. */
  column2: string;
  modifierIndicator: ModifierIndicator;
  /** Effective date. */
  validFrom: string;
  /** The day before the deletion date (the edit no longer applies from the deletion date); null while active. */
  validTo: string | null;
  rationale: string | null;
}

export interface MueEdit {
  kind: 'mue';
  code: string;
  /** The most units of service on one date of service (0: the code is not payable). */
  maxUnits: number;
  indicator: MueIndicator;
  rationale: string | null;
}

export interface MceCodeEdit {
  kind: 'mce';
  /** ICD-10-CM with its dot, as claims carry it. */
  code: string;
  edit: MceEdit;
  /** Age edits: the ages (in whole years on the date of service) the diagnosis is consistent with. */
  ageFrom: number | null;
  ageTo: number | null;
}

export type CodeEdit = PtpEdit | MueEdit | MceCodeEdit;

/** Line by line, like CodeSetParser: `line` returns the edits each line completes; `end` checks the whole file. */
export interface EditParser {
  /** Throws CodeSetFormatError. */
  line(text: string, lineNumber: number): CodeEdit[];
  /** End of input. Throws CodeSetFormatError (e.g. no header row was found). */
  end(): CodeEdit[];
}

/** YYYY-MM-DD of the day before `date` (YYYY-MM-DD). */
export function dayBefore(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

/** A HCPCS/CPT code as the edit files and claims write it: 5 characters, letters upper case. */
export const PROCEDURE_CODE = /^[A-Z0-9]{4}[A-Z0-9]$/;
