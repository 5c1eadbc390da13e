/**
 * The pharmacy's own list of the CPT codes it bills (`billing/codes/cpt-local.yaml`, or a CSV export of it).
 * CPT descriptors are licensed by the AMA (DOMAIN.md §5): the list holds code numbers and labels we wrote
 * ourselves, never AMA text. Each code may carry the first and last date it may be billed (inclusive).
 *
 * YAML:   codes: [ { code: "99605", label: "…", from: 2023-09-11, to: 2026-12-31 }, … ]   (from/to optional)
 * CSV:    header `code,label[,from][,to]` (any order, case-insensitive); fields may be double-quoted.
 * A code is five digits, or four digits and F (Cat II), T (Cat III), U (PLA) or M (MAAA). HCPCS Level II codes
 * (G0008 …) belong to the HCPCS file, not here. A code listed twice must not have overlapping date ranges.
 * YAML problems are a ConfigError (file:line:col), CSV problems a CodeSetFormatError (line).
 */
import { z } from 'zod';
import { labelOf, parseConfig } from '../../core/config-file';
import { CodeSetFormatError, isoDate, type CodeEntry, type CodeSetParser } from './types';

export const CPT_CODE = /^\d{4}[0-9FTUM]$/;
const CPT_CODE_TEXT = 'must be a CPT code: five digits, or four digits and F, T, U or M (HCPCS codes such as G0008 go in the HCPCS file)';
const LABEL_MAX = 80;

const msg = (text: string) => (iss: { path?: PropertyKey[] }) => `${labelOf(iss.path ?? [])} ${text}`;
const date = z
  .string({ error: msg('must be a date YYYY-MM-DD') })
  .refine((v) => isoDate(v) !== undefined, { error: msg('must be a date YYYY-MM-DD') });

const entrySchema = z
  .strictObject({
    code: z.string({ error: msg('must be text (quote it: "99605")') }).regex(CPT_CODE, { error: msg(CPT_CODE_TEXT) }),
    label: z
      .string({ error: msg('must be text') })
      .trim()
      .min(1, { error: msg('must not be empty') })
      .max(LABEL_MAX, { error: msg(`must be at most ${LABEL_MAX} characters (our own short label, never the AMA descriptor)`) }),
    from: date.optional(),
    to: date.optional(),
  })
  .refine((e) => !e.from || !e.to || e.from <= e.to, { error: msg('from must not be after to'), path: ['to'] });

const fileSchema = z.strictObject({ codes: z.array(entrySchema, { error: msg('must be a list of codes') }) }).superRefine((file, ctx) => {
  file.codes.forEach((e, i) => {
    const clash = file.codes.findIndex((o, j) => j < i && o.code === e.code && overlaps(o, e));
    if (clash >= 0)
      ctx.addIssue({
        code: 'custom',
        path: ['codes', i, 'code'],
        message: `code ${e.code} is listed twice for overlapping dates (see entry ${clash + 1})`,
      });
  });
});

interface Range {
  from?: string;
  to?: string;
}

function overlaps(a: Range, b: Range): boolean {
  return (a.from ?? '0000-01-01') <= (b.to ?? '9999-12-31') && (b.from ?? '0000-01-01') <= (a.to ?? '9999-12-31');
}

const toEntry = (e: { code: string; label: string; from?: string; to?: string }): CodeEntry => ({
  code: e.code,
  validFrom: e.from ?? null,
  validTo: e.to ?? null,
  billable: true,
  description: e.label,
});

/** Parses the YAML list (named `file` in errors). Throws ConfigError listing every problem as file:line:col. */
export function parseCptLocalYaml(text: string, file: string): CodeEntry[] {
  return parseConfig(text, file, fileSchema, {}).value.codes.map(toEntry);
}

/** Splits one CSV line: commas, fields optionally double-quoted ("" inside quotes is a quote). */
export function splitCsvLine(line: string, lineNumber: number): string[] {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    let cell = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new CodeSetFormatError(lineNumber, 'a quoted field is not closed');
        if (line[i] === '"' && line[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        if (line[i] === '"') {
          i++;
          break;
        }
        cell += line[i++];
      }
      if (i < line.length && line[i] !== ',') throw new CodeSetFormatError(lineNumber, 'text follows a closing quote');
    } else {
      const next = line.indexOf(',', i);
      cell = line.slice(i, next < 0 ? line.length : next);
      i = next < 0 ? line.length : next;
    }
    cells.push(cell.trim());
    if (i >= line.length) return cells;
    i++; // the comma
  }
}

export function cptLocalCsvParser(): CodeSetParser {
  let columns: { code: number; label: number; from?: number; to?: number } | undefined;
  const seen = new Map<string, Range[]>();
  return {
    line(text, lineNumber) {
      if (text.trim() === '' || text.trimStart().startsWith('#')) return [];
      const cells = splitCsvLine(text, lineNumber);
      if (!columns) {
        const names = cells.map((c) => c.toLowerCase());
        const at = (n: string) => (names.includes(n) ? names.indexOf(n) : undefined);
        const code = at('code');
        const label = at('label');
        if (code === undefined || label === undefined)
          throw new CodeSetFormatError(lineNumber, 'the header must name the columns code and label (and optionally from, to)');
        columns = { code, label, from: at('from'), to: at('to') };
        return [];
      }
      const cell = (index: number | undefined) => (index === undefined ? '' : (cells[index] ?? ''));
      const code = cell(columns.code);
      if (!CPT_CODE.test(code)) throw new CodeSetFormatError(lineNumber, `code "${code}" ${CPT_CODE_TEXT}`);
      const label = cell(columns.label);
      if (!label || label.length > LABEL_MAX)
        throw new CodeSetFormatError(lineNumber, `label must be 1–${LABEL_MAX} characters (our own short label)`);
      const range: Range = {};
      for (const key of ['from', 'to'] as const) {
        const value = cell(columns[key]);
        if (value && !isoDate(value)) throw new CodeSetFormatError(lineNumber, `${key} "${value}" is not a date YYYY-MM-DD`);
        if (value) range[key] = value;
      }
      if (range.from && range.to && range.from > range.to) throw new CodeSetFormatError(lineNumber, 'from must not be after to');
      const earlier = seen.get(code) ?? [];
      if (earlier.some((r) => overlaps(r, range)))
        throw new CodeSetFormatError(lineNumber, `code ${code} is listed twice for overlapping dates`);
      seen.set(code, [...earlier, range]);
      return [toEntry({ code, label, ...range })];
    },
    end() {
      if (!columns) throw new CodeSetFormatError(0, 'the file is empty (no header line)');
      return [];
    },
  };
}
