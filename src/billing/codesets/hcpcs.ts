/**
 * HCPCS Level II: the CMS quarterly alpha-numeric file (`HCPC<YYYY>_<MON>_ANWEB*.txt`, public except the CDT
 * D-codes; DOMAIN.md §5), fixed-width records described by the record layout (`HCPC<YYYY>_recordlayout.txt`,
 * a CMS RIF report) that ships in the same zip.
 *
 * Positions are read from that layout file, never hard-coded (§5, §7: the date fields moved between years).
 * parseHcpcsLayout finds each field by its name in the layout ("N.  <name>" then "<length> <begin> <end>"):
 *   code "Healthcare Common Procedure Coding System Code" (or "HCPCS Code") · "… Record Identification Code" ·
 *   "… Long Description" · "… Short Description" · "… Code Added Date" · "… Termination Date"
 *   (required) and "… Action Effective Date" · "… Action Code" (optional).
 * Known layouts (2016, 2024): code 1–5, sequence 6–10, record id 11, long description 12–91, short 92–119,
 * added 269–276, action effective 277–284, termination 285–292, action code 293, record length 320.
 *
 * Records: record id 3 is the first line of a procedure code (with its data), 4 a continuation of its long
 * description (word-wrapped; joined with a space), 7/8 the same for modifiers, which are skipped (modifier
 * validity is a table of its own). Continuation lines are usually shorter than the record length.
 * A code is in force from its added date (else its action effective date) through its termination date; the
 * description is the long one. D-codes (CDT, ADA copyright) and five-digit CPT codes keep no description.
 */
import { CodeSetFormatError, compactDate, type CodeEntry, type CodeSetParser } from './types';

export interface FieldPosition {
  /** 1-based, inclusive. */
  begin: number;
  end: number;
}

const REQUIRED_FIELDS = {
  code: /^(healthcare common procedure coding system|hcpcs) code$/,
  recordId: /\brecord identification code$/,
  longDescription: /\blong description$/,
  shortDescription: /\bshort description$/,
  addedDate: /\bcode added date$/,
  terminationDate: /\btermination date$/,
} as const;
const OPTIONAL_FIELDS = {
  actionEffectiveDate: /\baction effective date$/,
  actionCode: /\baction code$/,
} as const;

type RequiredField = keyof typeof REQUIRED_FIELDS;
type OptionalField = keyof typeof OPTIONAL_FIELDS;

export type HcpcsLayout = Record<RequiredField, FieldPosition> &
  Partial<Record<OptionalField, FieldPosition>> & {
    recordLength: number;
  };

const HEADING = /^\s{0,4}(\d+)\.\s+(\S.*?)\s*(?:\b(?:CHAR|NUM|GRP|DATE)\b\s*)?$/;
const POSITION = /^\s*(\d+)\s+(\d+)\s+(\d+)\b/;
const RECORD = /^\s*(\d+)\s+1\s+(\d+)\s+REC\s*$/;

/** Reads the field positions from a CMS record layout text. Throws CodeSetFormatError naming the layout line. */
export function parseHcpcsLayout(text: string): HcpcsLayout {
  const lines = text.split(/\r\n|\n|\r/);
  const found = new Map<string, FieldPosition>();
  let recordLength: number | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const rec = RECORD.exec(line);
    if (rec && recordLength === undefined) recordLength = Number(rec[2]);
    const heading = HEADING.exec(line);
    if (!heading) continue;
    const name = heading[2]!.replace(/\s+/g, ' ').toLowerCase();
    let j = i + 1;
    while (j < lines.length && lines[j]!.trim() === '') j++;
    const pos = POSITION.exec(lines[j] ?? '');
    if (!pos) continue;
    const [length, begin, end] = [Number(pos[1]), Number(pos[2]), Number(pos[3])];
    if (end - begin + 1 !== length || begin < 1) {
      throw new CodeSetFormatError(j + 1, `field "${heading[2]}" is ${length} long but runs ${begin}–${end}`);
    }
    for (const [key, pattern] of Object.entries({ ...REQUIRED_FIELDS, ...OPTIONAL_FIELDS })) {
      if (!found.has(key) && pattern.test(name)) found.set(key, { begin, end });
    }
  }
  const missing = Object.keys(REQUIRED_FIELDS).filter((k) => !found.has(k));
  if (missing.length > 0) {
    throw new CodeSetFormatError(0, `the record layout names no ${missing.join(', ')} field (is it HCPC<YYYY>_recordlayout.txt?)`);
  }
  const fields = Object.fromEntries(found) as Record<RequiredField | OptionalField, FieldPosition>;
  const widest = Math.max(...[...found.values()].map((f) => f.end));
  return { ...fields, recordLength: Math.max(recordLength ?? widest, widest) };
}

const take = (line: string, f: FieldPosition): string => line.slice(f.begin - 1, f.end);

interface PendingCode {
  code: string;
  line: number;
  longDescription: string;
  validFrom: string | null;
  validTo: string | null;
}

/** Keeps no licensed text: D-codes (CDT) and numeric CPT codes lose their description. */
function publicDescription(code: string, text: string): string | null {
  if (code.startsWith('D') || /^\d/.test(code)) return null;
  return text || null;
}

export function hcpcsParser(layout: HcpcsLayout): CodeSetParser {
  let pending: PendingCode | undefined;
  const flush = (): CodeEntry[] => {
    if (!pending) return [];
    const p = pending;
    pending = undefined;
    return [
      {
        code: p.code,
        validFrom: p.validFrom,
        validTo: p.validTo,
        billable: true,
        description: publicDescription(p.code, p.longDescription),
      },
    ];
  };
  return {
    line(text, lineNumber) {
      if (text.trim() === '') return [];
      if (text.length > layout.recordLength) {
        throw new CodeSetFormatError(lineNumber, `record is ${text.length} characters; the layout's records are ${layout.recordLength}`);
      }
      const recordId = take(text, layout.recordId);
      const code = take(text, layout.code).trim();
      const long = take(text, layout.longDescription).trim();
      switch (recordId) {
        case '3': {
          const done = flush();
          if (!/^[A-Z0-9]{5}$/.test(code)) {
            throw new CodeSetFormatError(
              lineNumber,
              `code "${code}" at positions ${layout.code.begin}–${layout.code.end} is not a 5-character HCPCS code`,
            );
          }
          const added = compactDate(take(text, layout.addedDate), lineNumber, 'code added date');
          const effective = layout.actionEffectiveDate
            ? compactDate(take(text, layout.actionEffectiveDate), lineNumber, 'action effective date')
            : null;
          const terminated = compactDate(take(text, layout.terminationDate), lineNumber, 'termination date');
          pending = { code, line: lineNumber, longDescription: long, validFrom: added ?? effective, validTo: terminated };
          return done;
        }
        case '4':
          if (!pending || pending.code !== code) {
            throw new CodeSetFormatError(
              lineNumber,
              `continuation record (id 4) of "${code}" does not follow that code's first record (id 3)`,
            );
          }
          pending.longDescription = `${pending.longDescription} ${long}`.trim();
          return [];
        case '7':
        case '8':
          return flush();
        default:
          throw new CodeSetFormatError(
            lineNumber,
            `record identification code "${recordId}" at position ${layout.recordId.begin} is not 3, 4 (procedure) or 7, 8 (modifier)`,
          );
      }
    },
    end: flush,
  };
}
