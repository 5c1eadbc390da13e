/**
 * Medicare Code Editor (MCE) diagnosis lists, as published in "Definitions of Medicare Code Edits" (CMS, with
 * each MS-DRG release; FY N's version applies from October 1 of N−1), chapter 1 "Edit code lists", saved as text.
 * The lists read here are those of the age conflict and sex conflict edits:
 *   Newborn diagnoses                           age 0
 *   Pediatric diagnoses (age 0 through 17)
 *   Maternity diagnoses (age 12 through 55)
 *   Adult diagnoses (age 15 through 124)
 *   Diagnoses for females only / Diagnoses for males only
 * Under a list heading, each code line is an ICD-10-CM code without its dot, spaces, its description
 * ("N400    Benign prostatic hyperplasia without lower urinary tract symptoms"). The age ranges are read from the
 * headings, not assumed (they changed between versions). Any other heading (a numbered edit such as
 * "5. Sex conflict", "Procedures for females only": ICD-10-PCS, not billed on an 837P) ends the current list;
 * code lines outside a list, page headers and footers and wrapped descriptions are not list entries.
 */
import { dottedIcd10cm } from './icd10cm';
import type { EditParser, MceCodeEdit, MceEdit } from './edits';
import { CodeSetFormatError } from './types';

interface List {
  edit: MceEdit;
  ageFrom: number | null;
  ageTo: number | null;
}

const AGE_HEADING = /^(pediatric|maternity|adult) diagnoses \(age (\d{1,3}) through (\d{1,3})\)$/i;
const NEWBORN_HEADING = /^newborn diagnoses\b/i;
const SEX_HEADING = /^diagnoses for (females|males) only$/i;
const OTHER_HEADING = /^(\d{1,2}\.\s+\S|procedures\b|diagnoses\b|newborn\b|pediatric\b|maternity\b|adult\b|chapter\b)/i;
const CODE_LINE = /^([A-Z][0-9][A-Z0-9]{1,5})(?:\s+(.*))?$/;

export function mceListParser(): EditParser {
  let list: List | undefined;
  let lists = 0;
  return {
    line(raw, lineNumber) {
      const text = raw.trim();
      if (text === '') return [];
      const heading = headingOf(text, lineNumber);
      if (heading !== undefined) {
        list = heading ?? undefined;
        if (heading) lists += 1;
        return [];
      }
      const m = CODE_LINE.exec(text);
      if (!m || !list) return [];
      const entry: MceCodeEdit = { kind: 'mce', code: dottedIcd10cm(m[1]!), edit: list.edit, ageFrom: list.ageFrom, ageTo: list.ageTo };
      return [entry];
    },
    end() {
      if (lists === 0) {
        throw new CodeSetFormatError(
          0,
          'no MCE age or sex list heading ("Pediatric diagnoses (age 0 through 17)", "Diagnoses for females only", …)',
        );
      }
      return [];
    },
  };
}

/** A list heading → its list; another heading → null (ends the list); not a heading → undefined. */
function headingOf(text: string, lineNumber: number): List | null | undefined {
  if (NEWBORN_HEADING.test(text)) return { edit: 'newborn', ageFrom: 0, ageTo: 0 };
  const age = AGE_HEADING.exec(text);
  if (age) {
    const from = Number(age[2]);
    const to = Number(age[3]);
    if (from > to) throw new CodeSetFormatError(lineNumber, `age range ${from} through ${to} is empty`);
    return { edit: age[1]!.toLowerCase() as MceEdit, ageFrom: from, ageTo: to };
  }
  const sex = SEX_HEADING.exec(text);
  if (sex) return { edit: sex[1]!.toLowerCase() === 'females' ? 'female' : 'male', ageFrom: null, ageTo: null };
  return OTHER_HEADING.test(text) && !CODE_LINE.test(text) ? null : undefined;
}
