/**
 * The payer edit loaders (src/billing/codesets/ncci.ts, mue.ts, mce.ts) on small files in the published CMS
 * layouts (test/fixtures/codesets): the edits a well-formed file holds, and a malformed row refused with its
 * line number and a reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CodeEdit, EditParser, MueEdit } from '../../src/billing/codesets/edits';
import { buildCodeEditLookup } from '../../src/billing/codesets/edits-lookup';
import { releaseSpec, ReleaseOptionError } from '../../src/billing/codesets/release';
import { mceListParser } from '../../src/billing/codesets/mce';
import { muePracticeParser } from '../../src/billing/codesets/mue';
import { ncciPtpParser } from '../../src/billing/codesets/ncci';
import { CodeSetFormatError } from '../../src/billing/codesets/types';

const FIXTURES = path.join(__dirname, '../fixtures/codesets');
const fixture = (name: string): string => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

function parseText(parser: EditParser, text: string): CodeEdit[] {
  const lines = text.split(/\r\n|\n|\r/);
  if (lines[lines.length - 1] === '') lines.pop();
  return [...lines.flatMap((line, i) => parser.line(line, i + 1)), ...parser.end()];
}

function formatError(fn: () => unknown): CodeSetFormatError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CodeSetFormatError) return err;
    throw err;
  }
  throw new Error('expected a CodeSetFormatError');
}

const HEADER = 'Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\tDeletion Date *=no data\tModifier 0=not allowed 1=allowed 9=not applicable\tPTP Edit Rationale';

describe('NCCI PTP edit file (tab-delimited, practitioner)', () => {
  test('skips the title and header continuation rows; reads pairs, modifier indicators and dates', () => {
    const edits = parseText(ncciPtpParser(), fixture('ccipra-v321r0-f1.txt'));
    expect(edits).toEqual([
      { kind: 'ncci', column1: '90471', column2: '99211', modifierIndicator: '1', validFrom: '2013-01-01', validTo: null, rationale: 'Standards of medical / surgical services' },
      { kind: 'ncci', column1: '80061', column2: '82465', modifierIndicator: '0', validFrom: '1996-01-01', validTo: null, rationale: 'CPT Manual or CMS manual coding instructions' },
      // deleted 2020-01-01: the edit applies through the day before
      { kind: 'ncci', column1: '99606', column2: '99605', modifierIndicator: '0', validFrom: '2008-01-01', validTo: '2019-12-31', rationale: 'Mutually exclusive procedures' },
      { kind: 'ncci', column1: '90686', column2: '90688', modifierIndicator: '9', validFrom: '2019-01-01', validTo: null, rationale: 'Misuse of column two code with column one code' },
    ]);
  });

  test('reads the same table saved as CSV', () => {
    const csv = `${HEADER.replace(/\t/g, ',')}\n90471,99211,,20130101,*,1,"Standards, of practice"\n`;
    expect(parseText(ncciPtpParser(), csv)).toEqual([
      { kind: 'ncci', column1: '90471', column2: '99211', modifierIndicator: '1', validFrom: '2013-01-01', validTo: null, rationale: 'Standards, of practice' },
    ]);
  });

  test.each([
    ['90471\t99211\t\t20130101\t*\t2\tx', 'Modifier indicator "2" must be 0 (not allowed), 1 (allowed) or 9 (not applicable)'],
    ['90471\t99211\t\t2013-01-01\t*\t1\tx', 'Effective Date "2013-01-01" is not a date (YYYYMMDD)'],
    ['9047\t99211\t\t20130101\t*\t1\tx', 'Column 1 "9047" is not a HCPCS/CPT code'],
    ['90471\t99211\t\t20130101', 'has 4 columns; a PTP edit has 7 (Column 1, Column 2, *, Effective Date, Deletion Date, Modifier, Rationale)'],
  ])('refuses %j with its line number', (row, reason) => {
    const err = formatError(() => parseText(ncciPtpParser(), `title\n${HEADER}\n${row}\n`));
    expect([err.line, err.reason]).toEqual([3, reason]);
  });

  test('a file without the Column 1 / Column 2 header is not an NCCI file', () => {
    const err = formatError(() => parseText(ncciPtpParser(), '90471\t99211\t\t20130101\t*\t1\tx\n'));
    expect(err.line).toBe(0);
    expect(err.reason).toMatch(/no header row starting "Column 1", "Column 2"/);
  });
});

describe('MUE table (CSV, practitioner services)', () => {
  test('skips the quoted multi-line copyright notice; reads code, MUE value, the MAI digit and the rationale', () => {
    const edits = parseText(muePracticeParser(), fixture('MCR_MUE_PractitionerServices_Eff_01-01-2026.csv'));
    expect(edits).toHaveLength(5);
    expect(edits[0]).toEqual({ kind: 'mue', code: '87880', maxUnits: 2, indicator: '3', rationale: 'Clinical: Data' });
    expect(edits[2]).toEqual({ kind: 'mue', code: '90472', maxUnits: 8, indicator: '1', rationale: 'Clinical: Data' });
  });

  test('the header decides the column order', () => {
    const csv = 'HCPCS/CPT Code,MUE Rationale,MUE Adjudication Indicator,DME Supplier Services MUE Values\nE0100,Nature of Equipment,2 Date of Service Edit: Policy,1\n';
    expect(parseText(muePracticeParser(), csv)).toEqual([{ kind: 'mue', code: 'E0100', maxUnits: 1, indicator: '2', rationale: 'Nature of Equipment' }]);
  });

  test.each([
    ['87880,two,"3 Date of Service Edit: Clinical",x', 'MUE value "two" for 87880 is not a whole number of units'],
    ['87880,2,"Date of Service Edit",x', 'MUE Adjudication Indicator "Date of Service Edit" for 87880 must start with 1, 2 or 3'],
  ])('refuses %j with its line number', (row, reason) => {
    const err = formatError(() => parseText(muePracticeParser(), `HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale\n${row}\n`));
    expect([err.line, err.reason]).toEqual([2, reason]);
  });

  test('a file without the MUE header is refused as a whole', () => {
    expect(formatError(() => parseText(muePracticeParser(), '87880,2,3,x\n')).reason).toMatch(/no header row "HCPCS\/CPT Code/);
  });
});

describe('MCE age and sex lists (Definitions of Medicare Code Edits, text)', () => {
  test('reads each list with the ages its heading gives; skips procedure lists, other edits and page footers', () => {
    const edits = parseText(mceListParser(), fixture('mce_definitions_2026.txt'));
    const summary = edits.map((e) => (e.kind === 'mce' ? `${e.code} ${e.edit} ${e.ageFrom ?? ''}-${e.ageTo ?? ''}` : ''));
    expect(summary).toEqual([
      'Z00.110 newborn 0-0', 'Z00.111 newborn 0-0',
      'Z00.121 pediatric 0-17', 'Z00.129 pediatric 0-17',
      'O09.00 maternity 12-55', 'Z34.00 maternity 12-55',
      'F03.90 adult 15-124', 'Z00.00 adult 15-124',
      'N95.0 female -', 'Z12.4 female -',
      'N40.0 male -', 'Z12.5 male -',
    ]);
  });

  test('an empty age range is refused; a file with no list heading is not an MCE list', () => {
    const err = formatError(() => parseText(mceListParser(), 'Pediatric diagnoses (age 17 through 0)\nZ00129 x\n'));
    expect([err.line, err.reason]).toEqual([1, 'age range 17 through 0 is empty']);
    expect(formatError(() => parseText(mceListParser(), 'N400 Benign prostatic hyperplasia\n')).line).toBe(0);
  });
});

describe('edit releases: names and dates', () => {
  test('NCCI: the name without the part suffix, open dates; MUE: from the Eff_ date in the name or --from; MCE: the fiscal year', () => {
    expect(releaseSpec({ kind: 'ncci', fileName: 'ccipra-v321r0-f3.txt' })).toEqual({ name: 'ccipra-v321r0', validFrom: null, validTo: null });
    expect(releaseSpec({ kind: 'mue', fileName: 'MCR_MUE_PractitionerServices_Eff_04-01-2026.csv' }))
      .toEqual({ name: 'MCR_MUE_PractitionerServices_Eff_04-01-2026', validFrom: '2026-04-01', validTo: null });
    expect(releaseSpec({ kind: 'mue', fileName: 'mue.csv', release: '2026-Q2', from: '2026-04-01', to: '2026-06-30' }))
      .toEqual({ name: '2026-Q2', validFrom: '2026-04-01', validTo: '2026-06-30' });
    expect(() => releaseSpec({ kind: 'mue', fileName: 'mue.csv' })).toThrow(ReleaseOptionError);
    expect(releaseSpec({ kind: 'mce', fileName: 'mce_definitions_2026.txt' })).toEqual({ name: '2026', validFrom: '2025-10-01', validTo: '2026-09-30' });
  });

  test('the lookup answers from the release starting latest among those covering the date, whatever the load order', () => {
    const mue = (maxUnits: number): MueEdit => ({ kind: 'mue', code: '87880', maxUnits, indicator: '3', rationale: null });
    const lookup = buildCodeEditLookup([
      { id: 1, kind: 'mue', name: 'Q2', validFrom: '2026-04-01', validTo: null, loadedAt: new Date(1) },
      { id: 2, kind: 'mue', name: 'Q1', validFrom: '2026-01-01', validTo: null, loadedAt: new Date(2) }, // loaded after Q2
    ], [{ releaseId: 1, edit: mue(3) }, { releaseId: 2, edit: mue(2) }]);
    expect([lookup.release('mue', '2026-02-01'), lookup.mue('87880', '2026-02-01')?.maxUnits]).toEqual(['MUE Q1', 2]);
    expect([lookup.release('mue', '2026-05-01'), lookup.mue('87880', '2026-05-01')?.maxUnits]).toEqual(['MUE Q2', 3]);
    expect(lookup.release('mue', '2025-12-31')).toBeUndefined();
  });
});
