/**
 * The in-memory code-set lookup (which release answers a date of service, valid vs billable, what was not
 * preloaded) and the release naming/validity rules. Pure: no store.
 */
import { buildCodeSetLookup, normalizeCode, type LoadedEntry, type ReleaseInfo } from '../../src/billing/codesets/lookup';
import { releaseSpec, ReleaseOptionError } from '../../src/billing/codesets/release';
import { formatProgress } from '../../src/cli/progress';

const at = (iso: string) => new Date(iso);
const release = (id: number, kind: ReleaseInfo['kind'], name: string, validFrom: string | null, validTo: string | null, loadedAt: string): ReleaseInfo =>
  ({ id, kind, name, validFrom, validTo, loadedAt: at(loadedAt) });
const entry = (releaseId: number, code: string, more: Partial<LoadedEntry> = {}): LoadedEntry =>
  ({ releaseId, code, validFrom: null, validTo: null, billable: true, ...more });

describe('buildCodeSetLookup', () => {
  const releases = [
    release(1, 'icd10cm', '2025', '2024-10-01', '2025-09-30', '2026-01-01T00:00:00Z'),
    release(2, 'icd10cm', '2026', '2025-10-01', '2026-09-30', '2026-01-02T00:00:00Z'),
    // An April update loaded later, overlapping the FY2026 release from April 1.
    release(3, 'icd10cm', '2026-04', '2026-04-01', '2026-09-30', '2026-05-01T00:00:00Z'),
    release(4, 'hcpcs', '2025-Q1', null, null, '2026-01-01T00:00:00Z'),
  ];
  const lookup = buildCodeSetLookup({
    releases,
    loaded: {
      icd10cm: {
        codes: 'all',
        entries: [
          entry(1, 'J02.8'), entry(1, 'E11.9'), entry(1, 'E11', { billable: false }),
          entry(2, 'E11.9'), entry(2, 'E11', { billable: false }), entry(2, 'E11.A'),
          entry(3, 'E11.9'), entry(3, 'E11', { billable: false }), entry(3, 'E11.A'), entry(3, 'E11.B'),
        ],
      },
      hcpcs: { codes: ['G0008', 'Q2034', 'M0201'], entries: [entry(4, 'G0008', { validFrom: '1993-01-01' }), entry(4, 'Q2034', { validFrom: '2012-07-01', validTo: '2016-12-31' })] },
    },
  });

  test('a code valid in FY2025 and deleted in FY2026 answers by date of service', () => {
    expect(lookup.icd10cm('J02.8', '2025-09-30')).toEqual({ valid: true, billable: true, release: 'ICD-10-CM 2025' });
    expect(lookup.icd10cm('J02.8', '2025-10-01')).toEqual({ valid: false, billable: false, release: 'ICD-10-CM 2026' });
  });

  test('codes are compared without regard to the dot or case', () => {
    expect(lookup.icd10cm('e119', '2025-01-15')).toEqual({ valid: true, billable: true, release: 'ICD-10-CM 2025' });
  });

  test('a header code is valid but not billable', () => {
    expect(lookup.icd10cm('E11', '2025-01-15')).toEqual({ valid: true, billable: false, release: 'ICD-10-CM 2025' });
  });

  test('where releases overlap, the one loaded last answers', () => {
    expect(lookup.icd10cm('E11.B', '2026-03-31')).toEqual({ valid: false, billable: false, release: 'ICD-10-CM 2026' });
    expect(lookup.icd10cm('E11.B', '2026-04-01')).toEqual({ valid: true, billable: true, release: 'ICD-10-CM 2026-04' });
  });

  test('unknown everywhere is undefined; no release covering the date is invalid without a release', () => {
    expect(lookup.icd10cm('Z99.89', '2025-01-15')).toBeUndefined();
    expect(lookup.icd10cm('E11.9', '2023-01-15')).toEqual({ valid: false, billable: false });
  });

  test('HCPCS: in force between its add and termination dates (valid, not billable, outside them)', () => {
    expect(lookup.hcpcs('Q2034', '2016-12-31')).toEqual({ valid: true, billable: true, release: 'HCPCS 2025-Q1' });
    expect(lookup.hcpcs('Q2034', '2017-01-01')).toEqual({ valid: true, billable: false, release: 'HCPCS 2025-Q1' });
    expect(lookup.hcpcs('M0201', '2025-01-01')).toBeUndefined();
  });

  test('has() tells which code sets are loaded at all', () => {
    expect(lookup.has('icd10cm')).toBe(true);
    expect(lookup.has('hcpcs')).toBe(true);
    expect(lookup.has('ndc')).toBe(false);
  });

  test('asking for what was not preloaded throws instead of answering "unknown"', () => {
    expect(() => lookup.hcpcs('G0009', '2025-01-01')).toThrow(/G0009 was not preloaded/);
    expect(() => lookup.ndc('00002143380', '2025-01-01')).toThrow(/ndc was not preloaded/);
    expect(() => lookup.icd10cm('E11.9', '20250101')).toThrow(/not YYYY-MM-DD/);
  });

  test('a date range limits the releases and the dates that may be asked', () => {
    const ranged = buildCodeSetLookup({
      releases, dates: { from: '2025-10-01', to: '2025-12-31' },
      loaded: { icd10cm: { codes: ['J02.8'], entries: [entry(1, 'J02.8')] } },
    });
    expect(ranged.icd10cm('J02.8', '2025-11-01')).toEqual({ valid: false, billable: false, release: 'ICD-10-CM 2026' });
    expect(() => ranged.icd10cm('J02.8', '2025-09-30')).toThrow(/outside the preloaded dates/);
  });

  test('10,000 claims of 5 lookups each take well under a second', () => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < 10_000; i++) {
      const dos = `2026-0${1 + (i % 9)}-1${i % 10}`;
      lookup.icd10cm('E11.9', dos);
      lookup.icd10cm('E11', dos);
      lookup.icd10cm('E11.A', dos);
      lookup.hcpcs('G0008', dos);
      lookup.hcpcs('Q2034', dos);
    }
    expect(Number(process.hrtime.bigint() - start) / 1e6).toBeLessThan(1000);
  });

  test('normalizeCode', () => {
    expect(normalizeCode('ndc', '0002-1433-80')).toBe('00002143380');
    expect(normalizeCode('ndc', '00002143380')).toBe('00002143380');
    expect(normalizeCode('cvx', '8')).toBe('08');
    expect(normalizeCode('hcpcs', ' g0008 ')).toBe('G0008');
  });
});

describe('releaseSpec', () => {
  test('ICD-10-CM: the fiscal year from the file name, Oct 1 – Sep 30', () => {
    expect(releaseSpec({ kind: 'icd10cm', fileName: 'icd10cm_order_2026.txt' })).toEqual({ name: '2026', validFrom: '2025-10-01', validTo: '2026-09-30' });
    expect(releaseSpec({ kind: 'icd10cm', fileName: 'order.txt', release: 'FY2025' })).toEqual({ name: 'FY2025', validFrom: '2024-10-01', validTo: '2025-09-30' });
  });

  test('ICD-10-CM: --from/--to override; another name needs --from', () => {
    expect(releaseSpec({ kind: 'icd10cm', fileName: 'icd10cm_order_2026.txt', release: '2026-04', from: '2026-04-01' }))
      .toEqual({ name: '2026-04', validFrom: '2026-04-01', validTo: '2026-09-30' });
    expect(() => releaseSpec({ kind: 'icd10cm', fileName: 'icd10cm_order_2026.txt', release: 'april' })).toThrow(ReleaseOptionError);
    expect(() => releaseSpec({ kind: 'icd10cm', fileName: 'order.txt' })).toThrow(/give --release YYYY/);
  });

  test('other sets: file name, open validity unless given; bad dates refused', () => {
    expect(releaseSpec({ kind: 'ndc', fileName: 'package.txt' })).toEqual({ name: 'package', validFrom: null, validTo: null });
    expect(releaseSpec({ kind: 'hcpcs', fileName: 'HCPC2025_JAN_ANWEB.txt', release: '2025-Q1', from: '2025-01-01' }))
      .toEqual({ name: '2025-Q1', validFrom: '2025-01-01', validTo: null });
    expect(() => releaseSpec({ kind: 'ndc', fileName: 'package.txt', from: '2025-02-30' })).toThrow('--from 2025-02-30 is not a date YYYY-MM-DD');
    expect(() => releaseSpec({ kind: 'ndc', fileName: 'package.txt', from: '2025-03-01', to: '2025-02-01' })).toThrow(/is after --to/);
  });
});

test('progress line: rows, percent, rows per second', () => {
  expect(formatProgress({ rows: 12345, bytes: 450, totalBytes: 1000, elapsedMs: 1500 })).toBe('12,345 rows  45%  8,230 rows/s');
  expect(formatProgress({ rows: 0, bytes: 0, totalBytes: 0, elapsedMs: 0 })).toBe('0 rows  100%  0 rows/s');
});
