/**
 * The code-set loaders (src/billing/codesets) on their fixtures (test/fixtures/codesets): the right entries
 * from a well-formed file, and a malformed line refused with its line number and a reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../src/core/config-file';
import { cptLocalCsvParser, parseCptLocalYaml, splitCsvLine } from '../../src/billing/codesets/cpt-local';
import { cvxDate, cvxParser, normalizeCvx } from '../../src/billing/codesets/cvx';
import { hcpcsParser, parseHcpcsLayout } from '../../src/billing/codesets/hcpcs';
import { dottedIcd10cm, icd10cmOrderParser, parseIcd10cmOrderLine } from '../../src/billing/codesets/icd10cm';
import { ndcPackageParser, packageNdc11 } from '../../src/billing/codesets/ndc';
import { CodeSetFormatError, type CodeEntry, type CodeSetParser } from '../../src/billing/codesets/types';
import { openTextFile } from '../../src/cli/text-file';

const FIXTURES = path.join(__dirname, '../fixtures/codesets');
const fixture = (name: string): string => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

function parseText(parser: CodeSetParser, text: string): CodeEntry[] {
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

const byCode = (entries: CodeEntry[]) => new Map(entries.map((e) => [e.code, e]));

describe('ICD-10-CM order file', () => {
  test('reads code (dot after the 3rd character), billable flag and descriptions', () => {
    const entries = parseText(icd10cmOrderParser(), fixture('icd10cm_order_2025.txt'));
    expect(entries).toHaveLength(12);
    const codes = byCode(entries);
    expect(codes.get('E11')).toEqual({ code: 'E11', validFrom: null, validTo: null, billable: false, description: 'Type 2 diabetes mellitus' });
    expect(codes.get('E11.9')).toMatchObject({ billable: true, description: 'Type 2 diabetes mellitus without complications' });
    expect(codes.get('E11.65')?.billable).toBe(true);
    expect(codes.get('Z23')).toMatchObject({ billable: true }); // a three-character billable code keeps no dot
    expect(codes.get('U07.1')).toMatchObject({ billable: true, description: 'COVID-19' });
    expect([...codes.keys()]).not.toContain('E119');
  });

  test('one line gives short and long description and the order number', () => {
    const line = `00042 E1165   1 ${'Type 2 diabetes mellitus with hyperglycemia'.padEnd(60)} Type 2 diabetes mellitus with hyperglycemia (long)`;
    expect(parseIcd10cmOrderLine(line, 7)).toEqual({
      orderNumber: 42, code: 'E11.65', billable: true,
      shortDescription: 'Type 2 diabetes mellitus with hyperglycemia',
      longDescription: 'Type 2 diabetes mellitus with hyperglycemia (long)',
    });
  });

  test('malformed lines are refused with the line number and what is wrong', () => {
    const good = fixture('icd10cm_order_2026.txt').split('\n');
    const flag = good[2]!.slice(0, 14) + 'X' + good[2]!.slice(15);
    const err = formatError(() => parseText(icd10cmOrderParser(), [good[0], good[1], flag].join('\n')));
    expect(err.line).toBe(3);
    expect(err.message).toBe('line 3: header/billable flag at position 15 is "X"; it must be 0 (header) or 1 (billable)');

    const shifted = formatError(() => parseIcd10cmOrderLine('00001  E11    0 Type 2 diabetes mellitus', 9));
    expect(shifted.message).toBe('line 9: the code must start at position 7 (left-justified in 7–13)');
    const badCode = formatError(() => parseIcd10cmOrderLine('00001 11E     0 Something', 4));
    expect(badCode.message).toBe('line 4: code "11E" at positions 7–13 is not an ICD-10-CM code (letter, digit, 1–5 letters or digits)');
    // The billable-codes file (icd10cm_codes_YYYY.txt) is not the order file.
    const codesFile = formatError(() => parseIcd10cmOrderLine('A000    Cholera due to Vibrio cholerae 01, biovar cholerae', 1));
    expect(codesFile.message).toContain('icd10cm_order_YYYY.txt');
  });

  test('dottedIcd10cm', () => {
    expect(dottedIcd10cm('e119')).toBe('E11.9');
    expect(dottedIcd10cm('E11.9')).toBe('E11.9');
    expect(dottedIcd10cm('Z23')).toBe('Z23');
    expect(dottedIcd10cm('S72001A')).toBe('S72.001A');
  });
});

describe('HCPCS record layout and records', () => {
  const layout = parseHcpcsLayout(fixture('HCPC2025_recordlayout.txt'));

  test('positions come from the layout file', () => {
    expect(layout).toMatchObject({
      recordLength: 320,
      code: { begin: 1, end: 5 },
      recordId: { begin: 11, end: 11 },
      longDescription: { begin: 12, end: 91 },
      shortDescription: { begin: 92, end: 119 },
      addedDate: { begin: 269, end: 276 },
      actionEffectiveDate: { begin: 277, end: 284 },
      terminationDate: { begin: 285, end: 292 },
      actionCode: { begin: 293, end: 293 },
    });
  });

  test('procedure records with continuation lines, add and termination dates; modifiers skipped; no CDT text', () => {
    const entries = parseText(hcpcsParser(layout), fixture('HCPC2025_JAN_ANWEB.txt'));
    const codes = byCode(entries);
    expect([...codes.keys()]).toEqual(['D0120', 'G0008', 'G0009', 'G0010', 'M0201', 'Q2034', 'Q9999']);
    expect(codes.get('G0008')).toEqual({
      code: 'G0008', validFrom: '1993-01-01', validTo: null, billable: true, description: 'Administration of influenza virus vaccine',
    });
    expect(codes.get('M0201')?.description).toBe("Covid-19 vaccine administration inside a patient's home; reported only once per individual home per date of service");
    expect(codes.get('Q2034')).toMatchObject({ validFrom: '2012-07-01', validTo: '2016-12-31' });
    expect(codes.get('Q9999')?.validFrom).toBe('2025-04-01');
    expect(codes.get('D0120')?.description).toBeNull();
  });

  test('dates are read where the layout says, not at fixed positions', () => {
    // A layout whose dates moved: added 201–208, termination 209–216.
    const moved = fixture('HCPC2025_recordlayout.txt')
      .replace(/(Code Added Date\n\s+8\s+)269\s+276/, '$1201    208')
      .replace(/(Termination Date\n\s+8\s+)285\s+292/, '$1209    216');
    const l2 = parseHcpcsLayout(moved);
    expect(l2.addedDate).toEqual({ begin: 201, end: 208 });
    const record = `G0008001003${'Administration of influenza virus vaccine'.padEnd(80)}${'Admin flu'.padEnd(28)}`.padEnd(200) + '2001020320301231';
    expect(parseText(hcpcsParser(l2), record)).toEqual([
      { code: 'G0008', validFrom: '2001-02-03', validTo: '2030-12-31', billable: true, description: 'Administration of influenza virus vaccine' },
    ]);
  });

  test('a layout without the date fields is refused', () => {
    const err = formatError(() => parseHcpcsLayout(fixture('HCPC2025_recordlayout.txt').replace('HCPCS Termination Date', 'HCPCS Something Else')));
    expect(err.message).toMatch(/names no terminationDate field/);
  });

  test('malformed records: line number and reason', () => {
    const lines = fixture('HCPC2025_JAN_ANWEB.txt').split('\r\n');
    const badDate = lines.slice(0, 5);
    badDate[4] = badDate[4]!.slice(0, 268) + '19931301' + badDate[4]!.slice(276);
    expect(formatError(() => parseText(hcpcsParser(layout), badDate.join('\n'))).message)
      .toBe('line 5: code added date "19931301" is not a date (YYYYMMDD)');
    const orphan = [lines[3], lines[7]].join('\n'); // G0008, then M0201's continuation
    expect(formatError(() => parseText(hcpcsParser(layout), orphan)).message)
      .toBe('line 2: continuation record (id 4) of "M0201" does not follow that code\'s first record (id 3)');
    const badId = lines[3]!.slice(0, 10) + '5' + lines[3]!.slice(11);
    expect(formatError(() => parseText(hcpcsParser(layout), badId)).message).toMatch(/^line 1: record identification code "5"/);
    expect(formatError(() => parseText(hcpcsParser(layout), `${lines[3]}XX`)).message).toBe("line 1: record is 322 characters; the layout's records are 320");
  });
});

describe('NDC package.txt', () => {
  test('10-digit hyphenated NDCs become 11 digits; marketing dates; excluded rows not billable', () => {
    const codes = byCode(parseText(ndcPackageParser(), fixture('package.txt')));
    expect([...codes.keys()]).toEqual(['49281021588', '00002143380', '12345678901', '54321001234']);
    expect(codes.get('49281021588')).toEqual({
      code: '49281021588', validFrom: '2005-01-01', validTo: null, billable: true,
      description: '10 SYRINGE in 1 PACKAGE (49281-215-88)  > .5 mL in 1 SYRINGE',
    });
    expect(codes.get('00002143380')).toMatchObject({ validFrom: '2010-03-15', validTo: '2023-12-31', billable: true });
    expect(codes.get('54321001234')?.billable).toBe(false);
  });

  test('the 10→11 rule: a zero in front of the short segment', () => {
    expect(packageNdc11('0002-1433-80', 1)).toBe('00002143380'); // 4-4-2
    expect(packageNdc11('49281-215-88', 1)).toBe('49281021588'); // 5-3-2
    expect(packageNdc11('12345-6789-1', 1)).toBe('12345678901'); // 5-4-1
    expect(packageNdc11('12345-6789-01', 1)).toBe('12345678901'); // already 5-4-2
    expect(formatError(() => packageNdc11('1234567890', 12)).message).toMatch(/^line 12: NDCPACKAGECODE "1234567890" is a 10-digit NDC without hyphens/);
    expect(formatError(() => packageNdc11('123-4567-89', 3)).message).toMatch(/^line 3: NDCPACKAGECODE "123-4567-89" is not an NDC in 4-4-2/);
  });

  test('malformed: a bad NDC, a bad date, a short row, no header', () => {
    const [header, row] = fixture('package.txt').split('\r\n');
    expect(formatError(() => parseText(ndcPackageParser(), `${header}\n${row!.replace('49281-215-88', '49281-21588')}`)).line).toBe(2);
    expect(formatError(() => parseText(ndcPackageParser(), `${header}\n${row}\n${row!.replace('20050101', '2005-01-01')}`)).message)
      .toBe('line 3: STARTMARKETINGDATE "2005-01-01" is not a date (YYYYMMDD)');
    expect(formatError(() => parseText(ndcPackageParser(), `${header}\n${row!.split('\t').slice(0, 4).join('\t')}`)).message)
      .toBe('line 2: has 4 tab-separated columns; the header has 8');
    expect(formatError(() => parseText(ndcPackageParser(), row!)).message).toMatch(/^line 1: the header .* must name NDCPACKAGECODE/);
  });
});

describe('CVX', () => {
  test('pipe-delimited, padded codes, status decides billable', () => {
    const codes = byCode(parseText(cvxParser(), fixture('cvx.txt')));
    expect([...codes.keys()]).toEqual(['03', '08', '88', '150', '998']);
    expect(codes.get('08')).toEqual({
      code: '08', validFrom: null, validTo: null, billable: true,
      description: 'hepatitis B vaccine, pediatric or pediatric/adolescent dosage',
    });
    expect(codes.get('88')?.billable).toBe(false);
  });

  test('UTF-16LE with BOM reads the same as UTF-8 (encoding detected)', async () => {
    const file = openTextFile(path.join(FIXTURES, 'cvx-utf16le.txt'));
    expect(file.encoding).toBe('utf16le');
    const parser = cvxParser();
    const entries: CodeEntry[] = [];
    for await (const line of file.lines()) entries.push(...parser.line(line.text, line.number));
    expect(entries).toEqual(parseText(cvxParser(), fixture('cvx.txt')));
    expect(file.bytesRead()).toBe(fs.statSync(path.join(FIXTURES, 'cvx-utf16le.txt')).size);
  });

  test('tab-delimited with a header line; six columns', () => {
    const text = 'CVX Code\tShort\tFull\tNotes\tStatus\tLast updated\n141\tInfluenza, seasonal, injectable\tinfluenza, seasonal, injectable\t\tActive\t5/28/2010\n';
    expect(parseText(cvxParser(), text)).toEqual([
      { code: '141', validFrom: null, validTo: null, billable: true, description: 'influenza, seasonal, injectable' },
    ]);
  });

  test('malformed lines', () => {
    expect(formatError(() => parseText(cvxParser(), '03|MMR|measles|')).message).toMatch(/^line 1: has 4 pipe-separated columns/);
    expect(formatError(() => parseText(cvxParser(), '03|MMR|m||Active|0|2010/05/28\nX1|a|b||Active|0|2010/05/28')).message)
      .toBe('line 2: CVX code "X1" in the first column is not a number of 1–3 digits');
    expect(formatError(() => parseText(cvxParser(), '03|MMR|m||Active|0|2010/13/28')).message).toMatch(/^line 1: last updated date "2010\/13\/28"/);
  });

  test('normalizeCvx and dates', () => {
    expect(normalizeCvx('8')).toBe('08');
    expect(normalizeCvx(' 08 ')).toBe('08');
    expect(normalizeCvx('140')).toBe('140');
    expect(cvxDate('2010/05/28')).toBe('2010-05-28');
    expect(cvxDate('5/28/2010')).toBe('2010-05-28');
    expect(cvxDate('2010-02-30')).toBeUndefined();
  });
});

describe('our CPT list', () => {
  test('the shipped billing/codes/cpt-local.yaml loads, holds the pharmacist codes and no HCPCS codes', () => {
    const file = path.join(__dirname, '../../billing/codes/cpt-local.yaml');
    const codes = byCode(parseCptLocalYaml(fs.readFileSync(file, 'utf8'), file));
    for (const code of ['99605', '99606', '99607', '90471', '90472', '90473', '90474', '90480', '83036', '87880', '87804', '87811', '85610', '82947', '80061', '99211']) {
      expect(codes.get(code)).toMatchObject({ billable: true });
    }
    expect(codes.get('90480')?.validFrom).toBe('2023-09-11');
    expect([...codes.keys()].some((c) => c.startsWith('G'))).toBe(false);
  });

  test('every product code the VXU mapping bills is on the list', () => {
    const mapping = fs.readFileSync(path.join(__dirname, '../../mappings/vxu-v04.yaml'), 'utf8');
    const billed = new Set([...mapping.matchAll(/"(9\d{4})"/g)].map((m) => m[1]!));
    const file = path.join(__dirname, '../../billing/codes/cpt-local.yaml');
    const listed = new Set(parseCptLocalYaml(fs.readFileSync(file, 'utf8'), file).map((e) => e.code));
    expect([...billed].filter((c) => !listed.has(c))).toEqual([]);
  });

  test('YAML problems name file:line:col', () => {
    const text = 'codes:\n  - { code: "99605", label: MTM }\n  - { code: "G0008", label: flu admin }\n  - { code: "90480", label: x, from: 2023-13-01 }\n';
    let err: unknown;
    try { parseCptLocalYaml(text, 'cpt.yaml'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigError);
    const issues = (err as ConfigError).issues.map((i) => `${i.line}: ${i.reason}`);
    expect(issues).toEqual([
      expect.stringMatching(/^3: code must be a CPT code/),
      expect.stringMatching(/^4: from must be a date YYYY-MM-DD/),
    ]);
  });

  test('a code twice with overlapping dates is refused; with separate dates it is fine', () => {
    const ok = 'codes:\n  - { code: "90654", label: a, to: "2018-12-31" }\n  - { code: "90654", label: b, from: "2019-01-01" }\n';
    expect(parseCptLocalYaml(ok, 'x.yaml')).toHaveLength(2);
    expect(() => parseCptLocalYaml(ok.replace('2019-01-01', '2018-12-31'), 'x.yaml')).toThrow(/x\.yaml:3:\d+: code 90654 is listed twice/);
  });

  test('CSV: header, quoted labels, dates; malformed lines', () => {
    const entries = parseText(cptLocalCsvParser(), fixture('cpt-local.csv'));
    expect(entries).toEqual([
      { code: '99605', validFrom: null, validTo: null, billable: true, description: 'Pharmacist MTM, new patient, first 15 min' },
      { code: '90480', validFrom: '2023-09-11', validTo: null, billable: true, description: 'COVID-19 vaccine admin' },
      { code: '90654', validFrom: '2015-01-01', validTo: '2018-12-31', billable: true, description: 'Influenza vaccine, intradermal (retired here)' },
    ]);
    expect(formatError(() => parseText(cptLocalCsvParser(), 'code,label\n99605,MTM\nG0008,flu')).message).toMatch(/^line 3: code "G0008" must be a CPT code/);
    expect(formatError(() => parseText(cptLocalCsvParser(), 'code,label,from\n99605,MTM,09/11/2023')).message).toBe('line 2: from "09/11/2023" is not a date YYYY-MM-DD');
    expect(formatError(() => parseText(cptLocalCsvParser(), 'code,label\n99605,"MTM')).message).toBe('line 2: a quoted field is not closed');
    expect(splitCsvLine('a,"b, ""c""",,d', 1)).toEqual(['a', 'b, "c"', '', 'd']);
  });
});
