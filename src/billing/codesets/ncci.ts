/**
 * CMS NCCI procedure-to-procedure (PTP) edit file, practitioner services (`ccipra-v<version>r0-f<part>.txt`,
 * Medicare NCCI PTP edits page; the quarter's edits come in four parts). Tab-delimited text: title and copyright
 * lines, then a header row whose first cells are "Column 1" and "Column 2", sometimes header continuation rows
 * (blank code cells: "0=not allowed", "*=no data"), then one edit per row:
 *   1 Column 1 code · 2 Column 2 code · 3 "*" = in existence prior to 1996 (or blank) · 4 Effective Date YYYYMMDD ·
 *   5 Deletion Date YYYYMMDD, "*" = none (still active) · 6 Modifier 0=not allowed 1=allowed 9=not applicable ·
 *   7 PTP Edit Rationale.
 * The deletion date is the first day the edit no longer applies, so the edit covers [effective, deletion − 1 day].
 * A CSV export of the same table (an Excel sheet saved as CSV) is read too: the header row decides the delimiter.
 */
import { dayBefore, PROCEDURE_CODE, type EditParser, type ModifierIndicator, type PtpEdit } from './edits';
import { headerText, recordGatherer } from './delimited';
import { compactDate, CodeSetFormatError } from './types';

export function ncciPtpParser(): EditParser {
  let delimiter: string | undefined;
  let gather: ReturnType<typeof recordGatherer> | undefined;
  return {
    line(text, lineNumber) {
      if (!delimiter) {
        const d = text.includes('\t') ? '\t' : ',';
        const cells = text.split(d).map((c) => headerText(c.replace(/"/g, '')));
        if (cells[0] === 'column 1' && cells[1] === 'column 2') {
          delimiter = d;
          gather = recordGatherer(d);
        }
        return [];
      }
      const record = gather!.line(text, lineNumber);
      if (!record) return [];
      const cells = record.cells.map((c) => c.trim());
      if (cells.every((c) => c === '')) return [];
      if (cells[0] === '' && cells[1] === '') return []; // header continuation ("0=not allowed", "*=no data")
      return [ptpRow(cells, record.line)];
    },
    end() {
      if (!delimiter) {
        throw new CodeSetFormatError(0, 'no header row starting "Column 1", "Column 2" (is this an NCCI PTP edit file, ccipra-…txt?)');
      }
      const open = gather!.pending();
      if (open !== undefined) throw new CodeSetFormatError(open, 'a quoted cell is never closed');
      return [];
    },
  };
}

function ptpRow(cells: string[], lineNumber: number): PtpEdit {
  const fail = (reason: string): never => {
    throw new CodeSetFormatError(lineNumber, reason);
  };
  if (cells.length < 6)
    fail(`has ${cells.length} columns; a PTP edit has 7 (Column 1, Column 2, *, Effective Date, Deletion Date, Modifier, Rationale)`);
  const [c1, c2, prior, effective, deletion, modifier, rationale] = cells as [string, string, string, string, string, string, string?];
  const column1 = c1.toUpperCase();
  const column2 = c2.toUpperCase();
  if (!PROCEDURE_CODE.test(column1)) fail(`Column 1 "${c1}" is not a HCPCS/CPT code`);
  if (!PROCEDURE_CODE.test(column2)) fail(`Column 2 "${c2}" is not a HCPCS/CPT code`);
  if (prior !== '' && prior !== '*') fail(`column 3 (in existence prior to 1996) is "${prior}"; it must be * or blank`);
  const validFrom = compactDate(effective, lineNumber, 'Effective Date') ?? fail('has no Effective Date');
  const deleted = deletion === '*' || deletion === '' ? null : compactDate(deletion, lineNumber, 'Deletion Date');
  if (modifier !== '0' && modifier !== '1' && modifier !== '9')
    fail(`Modifier indicator "${modifier}" must be 0 (not allowed), 1 (allowed) or 9 (not applicable)`);
  return {
    kind: 'ncci',
    column1,
    column2,
    modifierIndicator: modifier as ModifierIndicator,
    validFrom,
    validTo: deleted ? dayBefore(deleted) : null,
    rationale: rationale?.trim() || null,
  };
}
