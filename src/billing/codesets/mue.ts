/**
 * CMS Medically Unlikely Edits, one quarter's table (Medicare NCCI MUE page: the practitioner services table,
 * `MCR_MUE_PractitionerServices_Eff_<date>.csv`; the DME supplier and outpatient hospital tables have the same
 * shape). CSV: a quoted, multi-line AMA copyright notice, then the header row
 *   HCPCS/CPT Code, Practitioner Services MUE Values, MUE Adjudication Indicator, MUE Rationale
 * then one code per row. The header decides the column positions (the value column is the one ending in
 * "MUE Values"). The indicator cell is the MAI digit and its words ("1 Line Edit", "2 Date of Service Edit:
 * Policy", "3 Date of Service Edit: Clinical"); only the digit is kept. The file has no dates of its own: the
 * release (--from, the quarter's first day) says when it applies. Tab-delimited text of the same table is read too.
 */
import { PROCEDURE_CODE, type EditParser, type MueEdit, type MueIndicator } from './edits';
import { headerText, recordGatherer } from './delimited';
import { CodeSetFormatError } from './types';

interface Columns {
  code: number;
  value: number;
  indicator: number;
  rationale: number | undefined;
}

export function muePracticeParser(): EditParser {
  let gather: ReturnType<typeof recordGatherer> | undefined;
  let columns: Columns | undefined;
  return {
    line(text, lineNumber) {
      gather ??= recordGatherer(text.includes('\t') && !text.includes(',') ? '\t' : ',');
      const record = gather.line(text, lineNumber);
      if (!record) return [];
      const cells = record.cells.map((c) => c.trim());
      if (!columns) {
        columns = headerColumns(cells, record.line);
        return [];
      }
      if (cells.every((c) => c === '')) return [];
      return [mueRow(cells, columns, record.line)];
    },
    end() {
      const open = gather?.pending();
      if (open !== undefined) throw new CodeSetFormatError(open, 'a quoted cell is never closed');
      if (!columns) {
        throw new CodeSetFormatError(
          0,
          'no header row "HCPCS/CPT Code, … MUE Values, MUE Adjudication Indicator, MUE Rationale" (is this a CMS MUE table?)',
        );
      }
      return [];
    },
  };
}

/** The column positions when `cells` is the header row; undefined for the lines before it. */
function headerColumns(cells: string[], lineNumber: number): Columns | undefined {
  const names = cells.map((c) => headerText(c).replace(/\s*\/\s*/g, '/'));
  const code = names.findIndex((n) => n === 'hcpcs/cpt code');
  if (code < 0) return undefined;
  const value = names.findIndex((n) => n.endsWith('mue values'));
  const indicator = names.findIndex((n) => n.endsWith('mue adjudication indicator'));
  const rationale = names.findIndex((n) => n.endsWith('mue rationale'));
  if (value < 0) throw new CodeSetFormatError(lineNumber, 'the header has no "… MUE Values" column');
  if (indicator < 0) throw new CodeSetFormatError(lineNumber, 'the header has no "MUE Adjudication Indicator" column');
  return { code, value, indicator, rationale: rationale < 0 ? undefined : rationale };
}

function mueRow(cells: string[], at: Columns, lineNumber: number): MueEdit {
  const fail = (reason: string): never => {
    throw new CodeSetFormatError(lineNumber, reason);
  };
  const code = (cells[at.code] ?? '').toUpperCase();
  if (!PROCEDURE_CODE.test(code)) fail(`HCPCS/CPT Code "${cells[at.code] ?? ''}" is not a HCPCS/CPT code`);
  const value = cells[at.value] ?? '';
  if (!/^\d{1,5}$/.test(value)) fail(`MUE value "${value}" for ${code} is not a whole number of units`);
  const mai = (cells[at.indicator] ?? '').charAt(0);
  if (mai !== '1' && mai !== '2' && mai !== '3')
    fail(`MUE Adjudication Indicator "${cells[at.indicator] ?? ''}" for ${code} must start with 1, 2 or 3`);
  const rationale = at.rationale === undefined ? '' : (cells[at.rationale] ?? '');
  return { kind: 'mue', code, maxUnits: Number(value), indicator: mai as MueIndicator, rationale: rationale || null };
}
