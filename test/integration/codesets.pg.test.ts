/**
 * Code sets against real Postgres: `rxbridge codes import/status` end to end (the built bin/rxbridge.js, as an
 * operator runs it), releases side by side answering by date of service, re-import replacing a release,
 * batching, a malformed file leaving the store untouched, and the preloaded lookup.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { codesCommand, type CodesIo } from '../../src/cli/codes';
import { importCodeRelease, listCodeReleases, loadCodeSetLookup } from '../../src/store/codesets';
import { openStore, type Store } from '../../src/store/db';
import { createTestDatabase, ROOT } from './support';

const FIXTURES = path.join(ROOT, 'test/fixtures/codesets');
const fixture = (name: string) => path.join(FIXTURES, name);

let db: { url: string; drop(): Promise<void> };
let store: Store;

beforeAll(async () => {
  db = await createTestDatabase();
  store = await openStore({ databaseUrl: db.url, poolSize: 2 });
});

afterAll(async () => {
  await store?.close();
  await db?.drop();
});

function rxbridge(args: string[]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/rxbridge.js'), ...args], {
    env: { ...process.env, DATABASE_URL: db.url }, encoding: 'utf8', timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The command in this process, its output captured. */
async function codes(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  let err = '';
  const io: CodesIo = { out: (l) => out.push(l), err: (t) => { err += t; }, now: () => Date.now() };
  const code = await codesCommand(args, { DATABASE_URL: db.url }, io);
  return { code, out: out.join('\n'), err };
}

const entryCount = async (kind: string, name: string) => Number((await store.db.selectFrom('code_entries')
  .innerJoin('code_releases', 'code_releases.id', 'code_entries.release_id')
  .select((eb) => eb.fn.countAll().as('n')).where('code_releases.kind', '=', kind).where('code_releases.name', '=', name)
  .executeTakeFirstOrThrow()).n);

describe('rxbridge codes (built CLI)', () => {
  test('imports two ICD-10-CM fiscal years side by side, with progress on stderr and a summary; status lists them', () => {
    const fy25 = rxbridge(['codes', 'import', 'icd10cm', fixture('icd10cm_order_2025.txt')]);
    expect(fy25.err).toMatch(/^\r12 rows {2}100% {2}[\d,]+ rows\/s\n$/);
    expect(fy25.out).toMatch(/^imported ICD-10-CM 2025 from icd10cm_order_2025\.txt: 12 codes, answering for services 2024-10-01 to 2025-09-30, in [\d.]+ s\n/);
    expect(fy25.code).toBe(0);
    const fy26 = rxbridge(['codes', 'import', 'icd10cm', fixture('icd10cm_order_2026.txt')]);
    expect(fy26.code).toBe(0);
    expect(fy26.out).toContain('imported ICD-10-CM 2026 from icd10cm_order_2026.txt: 12 codes, answering for services 2025-10-01 to 2026-09-30');

    const status = rxbridge(['codes', 'status']);
    expect(status.code).toBe(0);
    const lines = status.out.trim().split('\n');
    expect(lines[0]).toMatch(/^KIND\s+RELEASE\s+FROM\s+TO\s+ROWS\s+LOADED\s+FILE$/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^icd10cm\s+2025\s+2024-10-01\s+2025-09-30\s+12\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+icd10cm_order_2025\.txt$/),
      expect.stringMatching(/^icd10cm\s+2026\s+2025-10-01\s+2026-09-30\s+12\s+.*icd10cm_order_2026\.txt$/),
    ]);
  });

  test('usage errors exit 2', () => {
    const r = rxbridge(['codes', 'import', 'loinc', fixture('cvx.txt')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown code set loinc (one of icd10cm, hcpcs, cpt, ndc, cvx, ncci, mue, mce)');
    expect(r.err).toContain('rxbridge codes import KIND FILE');
  });
});

describe('code-set releases in the store', () => {
  test('a code valid in FY2025 and deleted in FY2026 answers by date of service', async () => {
    const lookup = await loadCodeSetLookup(store.db, { icd10cm: ['J02.8', 'E11.A', 'E11', 'E119'] });
    expect(lookup.icd10cm('J02.8', '2025-09-30')).toEqual({ valid: true, billable: true, release: 'ICD-10-CM 2025' });
    expect(lookup.icd10cm('J02.8', '2025-10-01')).toEqual({ valid: false, billable: false, release: 'ICD-10-CM 2026' });
    expect(lookup.icd10cm('E11.A', '2025-09-30')).toEqual({ valid: false, billable: false, release: 'ICD-10-CM 2025' });
    expect(lookup.icd10cm('E11.A', '2025-10-01')).toEqual({ valid: true, billable: true, release: 'ICD-10-CM 2026' });
    expect(lookup.icd10cm('E11', '2025-10-01')).toEqual({ valid: true, billable: false, release: 'ICD-10-CM 2026' });
    expect(lookup.icd10cm('E11.9', '2026-01-15')?.billable).toBe(true);
    expect(lookup.has('icd10cm')).toBe(true);
    expect(lookup.has('ndc')).toBe(false);
  });

  test('importing the same release again replaces it', async () => {
    const before = (await listCodeReleases(store.db)).find((r) => r.name === '2025')!;
    const again = await codes(['import', 'icd10cm', fixture('icd10cm_order_2025.txt')]);
    expect(again.code).toBe(0);
    expect(again.out).toContain('(replaced the earlier import of this release)');
    const releases = (await listCodeReleases(store.db)).filter((r) => r.kind === 'icd10cm');
    expect(releases.map((r) => r.name).sort()).toEqual(['2025', '2026']);
    const after = releases.find((r) => r.name === '2025')!;
    expect(after.id).not.toBe(before.id);
    expect(after.rows).toBe(12);
    expect(await entryCount('icd10cm', '2025')).toBe(12);
    expect(after.sha256).toBe(crypto.createHash('sha256').update(fs.readFileSync(fixture('icd10cm_order_2025.txt'))).digest('hex'));
    expect(again.out).toContain(`sha256 ${after.sha256}`);
  });

  test('a malformed file names file:line, exits 1 and leaves the release as it was', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-codes-'));
    const bad = path.join(dir, 'icd10cm_order_2025.txt');
    const lines = fs.readFileSync(fixture('icd10cm_order_2025.txt'), 'utf8').split('\r\n');
    lines[8] = lines[8]!.slice(0, 14) + '7' + lines[8]!.slice(15);
    fs.writeFileSync(bad, lines.join('\r\n'));
    const before = (await listCodeReleases(store.db)).find((r) => r.kind === 'icd10cm' && r.name === '2025')!;
    const r = await codes(['import', 'icd10cm', bad]);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${bad}:9: header/billable flag at position 15 is "7"; it must be 0 (header) or 1 (billable)\n`);
    const after = (await listCodeReleases(store.db)).find((x) => x.kind === 'icd10cm' && x.name === '2025')!;
    expect(after).toEqual(before);
    expect(await entryCount('icd10cm', '2025')).toBe(12);
  });

  test('a missing or empty file is refused without touching the store', async () => {
    const missing = await codes(['import', 'cvx', '/nonexistent/cvx.txt']);
    expect(missing).toMatchObject({ code: 1, err: 'rxbridge: cannot read /nonexistent/cvx.txt (ENOENT)\n' });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-codes-'));
    const empty = path.join(dir, 'icd10cm_order_2025.txt');
    fs.writeFileSync(empty, '\r\n');
    const r = await codes(['import', 'icd10cm', empty]);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r).toMatchObject({ code: 1, err: 'rxbridge: icd10cm_order_2025.txt holds no codes: nothing imported\n' });
    expect(await entryCount('icd10cm', '2025')).toBe(12);
  });

  test('HCPCS with its record layout beside the file; codes by add and termination date', async () => {
    const r = await codes(['import', 'hcpcs', fixture('HCPC2025_JAN_ANWEB.txt'), '--release', '2025-Q1']);
    expect(r.err).toMatch(/\r7 rows {2}100%/);
    expect(r.code).toBe(0);
    expect(r.out).toContain('imported HCPCS 2025-Q1 from HCPC2025_JAN_ANWEB.txt: 7 codes, answering for every date of service');
    const lookup = await loadCodeSetLookup(store.db, { hcpcs: ['G0008', 'Q2034', 'Q9999', 'D0120'] });
    expect(lookup.hcpcs('G0008', '2025-01-15')).toEqual({ valid: true, billable: true, release: 'HCPCS 2025-Q1' });
    expect(lookup.hcpcs('Q2034', '2017-03-01')).toEqual({ valid: true, billable: false, release: 'HCPCS 2025-Q1' });
    expect(lookup.hcpcs('Q9999', '2025-03-31')?.billable).toBe(false);
    expect(lookup.hcpcs('Q9999', '2025-04-01')?.billable).toBe(true);
    const dental = await store.db.selectFrom('code_entries').select('description').where('code', '=', 'D0120').executeTakeFirstOrThrow();
    expect(dental.description).toBeNull();
  });

  test('HCPCS without a layout is a usage error', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-codes-'));
    const file = path.join(dir, 'HCPC2025_JAN_ANWEB.txt');
    fs.copyFileSync(fixture('HCPC2025_JAN_ANWEB.txt'), file);
    const r = await codes(['import', 'hcpcs', file]);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.code).toBe(2);
    expect(r.err).toContain('hcpcs needs the release\'s record layout');
  });

  test('NDC package file, CVX in UTF-16LE and our CPT list load and answer', async () => {
    expect((await codes(['import', 'ndc', fixture('package.txt'), '--release', 'fda-2025-01-02'])).code).toBe(0);
    expect((await codes(['import', 'cvx', fixture('cvx-utf16le.txt'), '--release', '2025-01'])).code).toBe(0);
    const cpt = await codes(['import', 'cpt', path.join(ROOT, 'billing/codes/cpt-local.yaml')]);
    expect(cpt.code).toBe(0);
    expect(cpt.out).toMatch(/imported CPT \(local list\) cpt-local from cpt-local\.yaml: 48 codes/);

    const lookup = await loadCodeSetLookup(store.db, { ndc: ['0002-1433-80', '49281021588', '54321001234'], cvx: ['8', '88'], cpt: 'all' });
    expect(lookup.ndc('00002143380', '2023-12-31')).toEqual({ valid: true, billable: true, release: 'NDC fda-2025-01-02' });
    expect(lookup.ndc('00002143380', '2024-01-01')).toEqual({ valid: true, billable: false, release: 'NDC fda-2025-01-02' });
    expect(lookup.ndc('54321001234', '2025-01-01')?.billable).toBe(false);
    expect(lookup.cvx('08', '2025-01-01')).toEqual({ valid: true, billable: true, release: 'CVX 2025-01' });
    expect(lookup.cvx('88', '2025-01-01')?.billable).toBe(false);
    expect(lookup.cpt('90480', '2023-09-10')).toEqual({ valid: true, billable: false, release: 'CPT (local list) cpt-local' });
    expect(lookup.cpt('90480', '2023-09-11')?.billable).toBe(true);
    expect(lookup.cpt('99605', '2025-01-01')?.billable).toBe(true);
    expect(lookup.cpt('12345', '2025-01-01')).toBeUndefined();
  });

  test('a CPT list with a bad entry names file:line:col', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-codes-'));
    const file = path.join(dir, 'cpt-local.yaml');
    fs.writeFileSync(file, 'codes:\n  - { code: "99605", label: MTM }\n  - { code: "G0008", label: flu }\n');
    const r = await codes(['import', 'cpt', file]);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: code must be a CPT code`));
  });

  test('entries are written in batches, with progress after each', async () => {
    const progress: number[] = [];
    const entries = Array.from({ length: 12 }, (_, i) => ({
      code: `9${String(i).padStart(4, '0')}`, validFrom: null, validTo: null, billable: true, description: `batch ${i}`,
    }));
    const result = await importCodeRelease(store.db, {
      kind: 'cpt', name: 'batch-test', validFrom: '2030-01-01', validTo: null, sourceFile: 'generated', entries, sha256: () => 'x',
    }, { batchSize: 5, onProgress: (n) => progress.push(n) });
    expect(progress).toEqual([5, 10, 12]);
    expect(result).toMatchObject({ rows: 12, replaced: false });
    expect(await entryCount('cpt', 'batch-test')).toBe(12);
    // Overlapping the open-ended cpt-local release from 2030 and loaded later, it answers from then on.
    const lookup = await loadCodeSetLookup(store.db, { cpt: ['90000', '99605'] }, { from: '2029-12-31', to: '2030-01-01' });
    expect(lookup.cpt('99605', '2029-12-31')?.release).toBe('CPT (local list) cpt-local');
    expect(lookup.cpt('99605', '2030-01-01')).toEqual({ valid: false, billable: false, release: 'CPT (local list) batch-test' });
    expect(lookup.cpt('90000', '2030-01-01')?.valid).toBe(true);
  });
});
