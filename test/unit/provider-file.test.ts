/**
 * Provider files (src/billing/providers/provider-file.ts): a synthetic extract in the NPPES npidata_pfile layout
 * (the published header names, every field quoted), our simple layout, and the rows a biller would bring that
 * must be rejected with their line and reason. NPIs and names are invented.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ProviderFileError, ProviderFileReader, splitCsvRecord, type ProviderRow } from '../../src/billing/providers/provider-file';

const FIXTURES = path.join(__dirname, '../fixtures/providers');

function read(text: string): { rows: ProviderRow[]; reader: ProviderFileReader } {
  const reader = new ProviderFileReader();
  const rows: ProviderRow[] = [];
  text.split(/\r?\n/).forEach((line, i) => rows.push(...reader.line(line, i + 1)));
  rows.push(...reader.end());
  return { rows, reader };
}

describe('splitCsvRecord', () => {
  it('reads quoted fields with commas and doubled quotes, and empty fields', () => {
    expect(splitCsvRecord('"1","A, B","say ""hi""",,x')).toEqual(['1', 'A, B', 'say "hi"', '', 'x']);
  });
});

describe('the NPPES layout', () => {
  const { rows, reader } = read(fs.readFileSync(path.join(FIXTURES, 'npidata_pfile_sample.csv'), 'utf8'));
  it('is recognised from its header', () => expect(reader.layout).toBe('nppes'));
  it('reads people (primary taxonomy by its switch), organisations and deactivations', () => {
    expect(rows.filter((r) => r.ok).map((r) => (r.ok ? r.record : undefined))).toEqual([
      { npi: '1555555550', line: 2, entityType: '1', familyName: 'PRESCRIBER', givenName: 'SAMPLE', taxonomy: '207Q00000X' },
      { npi: '1666666668', line: 3, entityType: '2', organizationName: 'SAMPLE COMMUNITY CLINIC, LLC', taxonomy: '261QP2300X' },
      { npi: '1777777776', line: 4, entityType: '1', familyName: "O'PHARMACIST", givenName: 'TEST', taxonomy: '183500000X' },
      { npi: '1888888884', line: 5, deactivatedOn: '2025-03-15' }, // NPPES publishes a deactivation as NPI + date only
      {
        npi: '1999999992', line: 6, entityType: '1', familyName: 'RETURNED', givenName: 'SAMPLE', taxonomy: '183500000X',
        deactivatedOn: '2024-01-01', reactivatedOn: '2024-06-01',
      },
    ]);
  });
  it('rejects a bad check digit and a row without a name, with line and reason', () => {
    expect(rows.filter((r) => !r.ok)).toEqual([
      { ok: false, line: 7, reason: 'NPI 1234567890 fails its check digit' },
      { ok: false, line: 8, reason: 'NPI 2012345676 has no name (neither a last name nor an organization name)' },
    ]);
  });
});

describe('the simple layout and bad rows', () => {
  it('reads npi,familyName,givenName,organizationName,taxonomy in any column order', () => {
    const { rows, reader } = read('taxonomy,npi,familyName,givenName,organizationName\n183500000x,1324567894,STAFF,SAMPLE,\n');
    expect(reader.layout).toBe('simple');
    expect(rows).toEqual([{ ok: true, record: { npi: '1324567894', line: 2, familyName: 'STAFF', givenName: 'SAMPLE', taxonomy: '183500000X' } }]);
  });
  it('rejects X12 separators in names, bad taxonomies, unreadable dates and a missing NPI; skips blank lines', () => {
    const { rows } = read([
      'npi,familyName,givenName,organizationName,taxonomy,deactivatedOn',
      '1324567894,STAR*NAME,A,,,',
      '',
      '1555555550,PRESCRIBER,A,,1835,',
      '1666666668,,,"CLINIC",,2025-02-30',
      ',NONPI,A,,,',
    ].join('\n'));
    expect(rows).toEqual([
      { ok: false, line: 2, reason: 'NPI 1324567894: the name holds an X12 separator (* ~ : ^ |)' },
      { ok: false, line: 4, reason: 'NPI 1555555550: taxonomy "1835" is not a NUCC taxonomy code' },
      { ok: false, line: 5, reason: 'NPI 1666666668: deactivation date "2025-02-30" is not a date' },
      { ok: false, line: 6, reason: 'no NPI' },
    ]);
  });
  it('a quoted field may span lines: the record keeps its first line number, the name one line', () => {
    const { rows } = read('npi,familyName,organizationName\n1666666668,,"SAMPLE\nCLINIC"\n1555555550,PRESCRIBER,\n');
    expect(rows.map((r) => (r.ok ? [r.record.line, r.record.organizationName ?? r.record.familyName] : r))).toEqual([
      [2, 'SAMPLE CLINIC'], [4, 'PRESCRIBER'],
    ]);
  });
  it('refuses a file without a provider header, an empty file, and an unclosed quote, at their line', () => {
    expect(() => read('code,description\n83036,A1C\n')).toThrow(ProviderFileError);
    expect(() => read('code,description\n')).toThrow(/line 1: not a provider file header/);
    expect(() => read('')).toThrow(/line 1: the file is empty/);
    expect(() => read('npi,familyName\n1555555550,"OPEN\n')).toThrow(/line 2: a quoted field is never closed/);
  });
});
