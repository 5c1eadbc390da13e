/**
 * Required code sets and payer edits on real Postgres, as an operator meets them: claims built before any code
 * set is imported are held with "no ICD-10-CM release covers DOS …" (and, for the Medicare payer the shipped
 * billing.yaml makes require them, no NCCI PTP / MUE release); `rxbridge codes import icd10cm|ncci|mue|mce`
 * loads the small CMS-layout fixtures (test/fixtures/codesets); a correction then holds each claim for its real
 * reason (a header diagnosis, an NCCI pair, an MUE ceiling) or makes it ready. Also: the importer's answers to a
 * malformed edit file and to an MUE table without its quarter.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadBillingConfig } from '../../src/billing/config';
import { loadPayerRulesDir } from '../../src/billing/scrub/payer-rules-files';
import { codesCommand, type CodesIo } from '../../src/cli/codes';
import { ClaimsService } from '../../src/store/claims-service';
import { openStore, type Store } from '../../src/store/db';
import { billingConfig, insertCharge, insertCoverage, insertMessage, insertPatient, tempDir } from './claims-support';
import { createTestDatabase, ROOT } from './support';

const NOW = new Date('2026-02-01T12:00:00Z');
const FIXTURES = path.join(ROOT, 'test/fixtures/codesets');
const fixture = (name: string) => path.join(FIXTURES, name);

let store: Store;
let dbUrl: string;
let dropDb: () => Promise<void>;
let claims: ClaimsService;
let tmp: string;
const charge: Record<string, string> = {};

async function codes(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  let err = '';
  const io: CodesIo = { out: (l) => out.push(l), err: (t) => { err += t; }, now: () => Date.now() };
  const code = await codesCommand(args, { DATABASE_URL: dbUrl }, io);
  return { code, out: out.join('\n'), err };
}

const claimOf = async (chargeId: string) => {
  const row = await store.db.selectFrom('claim_lines').select('claim_id').where('charge_id', '=', chargeId).where('state', '=', 'active')
    .executeTakeFirstOrThrow();
  return (await claims.get(String(row.claim_id)))!;
};
const messagesOf = async (chargeId: string, ruleId?: string) =>
  (await claimOf(chargeId)).findings.filter((f) => !ruleId || f.ruleId === ruleId).map((f) => `${f.severity} ${f.ruleId}: ${f.message}`);

beforeAll(async () => {
  const db = await createTestDatabase();
  dbUrl = db.url;
  dropDb = db.drop;
  store = await openStore({ databaseUrl: db.url, poolSize: 4 });
  tmp = tempDir('rxb-codes-');
  // The shipped requirement: ICD-10-CM for every payer, and NCCI PTP + MUE for the Medicare payer SYNMCR01.
  const shipped = loadBillingConfig(path.join(ROOT, 'billing/billing.yaml'), {}, os.tmpdir());
  claims = new ClaimsService({
    db: store.db, config: billingConfig(path.join(tmp, 'outbox'), { requiredCodeSets: shipped.requiredCodeSets }),
    payerRules: loadPayerRulesDir(path.join(ROOT, 'billing/payer-rules')), clock: () => NOW,
  });
  const messageId = await insertMessage(store.db, 'CR-1');
  await insertPatient(store.db, 'P100');
  await insertCoverage(store.db, 'P100', 'SYNCOM01', 'CI');
  await insertPatient(store.db, 'P200', { birthDate: '1950-03-01', sex: 'M' });
  await insertCoverage(store.db, 'P200', 'SYNMCR01', 'MB');
  const add = async (name: string, c: Parameters<typeof insertCharge>[2]) => { charge[name] = await insertCharge(store.db, messageId, c); };
  await add('header-dx', { patient: 'P100', date: '2026-01-15', code: '99606', amount: '50.00', kind: 'mtm', dx: ['E11'] });
  await add('leaf-dx', { patient: 'P100', date: '2026-01-16', code: '99606', amount: '50.00', kind: 'mtm', dx: ['E11.9'] });
  await add('strep', { patient: 'P200', date: '2026-01-15', code: '87880', amount: '100.00', kind: 'poc-test', units: '5', dx: ['J02.9'] });
  await add('visit', { patient: 'P200', date: '2026-01-15', code: '99211', amount: '20.00', kind: 'other', dx: ['J02.9'] });
  await add('admin', { patient: 'P200', date: '2026-01-15', code: '90471', amount: '25.00', kind: 'immunization-admin', dx: ['Z23'] });
});

afterAll(async () => {
  await store?.close();
  await dropDb?.();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('required code sets and payer edits on Postgres', () => {
  it('without any import, claims are held because no ICD-10-CM release covers their dates, not for "not an ICD-10-CM code"', async () => {
    const built = await claims.build('test');
    expect(built.created.map((c) => [c.payerId, c.lines, c.status])).toEqual([
      ['SYNCOM01', 1, 'held'], ['SYNCOM01', 1, 'held'], ['SYNMCR01', 3, 'held'],
    ]);
    expect(await messagesOf(charge['header-dx']!, 'icd10-billable')).toEqual([
      'error icd10-billable: no ICD-10-CM release covers DOS 2026-01-15: payer SYNCOM01 requires diagnoses checked against it (rxbridge codes import icd10cm)',
    ]);
    expect(await messagesOf(charge['leaf-dx']!, 'icd10-billable')).toEqual([
      'error icd10-billable: no ICD-10-CM release covers DOS 2026-01-16: payer SYNCOM01 requires diagnoses checked against it (rxbridge codes import icd10cm)',
    ]);
    const medicare = await messagesOf(charge.strep!);
    expect(medicare).toEqual(expect.arrayContaining([
      'error ncci-ptp: no NCCI PTP release covers DOS 2026-01-15: payer SYNMCR01 requires procedure pairs checked against it (rxbridge codes import ncci)',
      'error mue-units: no MUE release covers DOS 2026-01-15: payer SYNMCR01 requires units checked against it (rxbridge codes import mue)',
      // MCE is not required for SYNMCR01 by the shipped file: a note, not a hold
      'info mce-age: the MCE code set is not loaded: diagnosis ages and sexes were not checked against it',
    ]));
    expect(medicare.join('\n')).not.toMatch(/not an ICD-10-CM code/);
  });

  it('rxbridge codes import ncci|mue|mce: a malformed file names file:line and imports nothing; an MUE table needs its quarter', async () => {
    const bad = path.join(tmp, 'ccipra-bad-f1.txt');
    fs.writeFileSync(bad, 'Column 1\tColumn 2\t*\tEffective Date\tDeletion Date\tModifier\tPTP Edit Rationale\n90471\t99211\t\t20130101\t*\t1\tok\n90471\t99212\t\t20130101\t*\t7\tbad\n');
    // A quarter's parts make one release: an error in the second part names that file, and nothing is imported.
    const failed = await codes(['import', 'ncci', fixture('ccipra-v321r0-f1.txt'), bad, '--release', 'v321']);
    expect([failed.code, failed.err]).toEqual([1, `${bad}:3: Modifier indicator "7" must be 0 (not allowed), 1 (allowed) or 9 (not applicable)\n`]);
    expect(await store.db.selectFrom('code_edits').select('code').execute()).toEqual([]);
    const undated = path.join(tmp, 'mue-table.csv');
    fs.copyFileSync(fixture('MCR_MUE_PractitionerServices_Eff_01-01-2026.csv'), undated);
    const usage = await codes(['import', 'mue', undated]);
    expect(usage.code).toBe(2);
    expect(usage.err).toMatch(/an MUE table applies from its quarter's first day: give --from YYYY-MM-DD/);
  });

  it('imports ICD-10-CM and the edit tables; status lists them; importing again replaces a release', async () => {
    expect((await codes(['import', 'icd10cm', fixture('icd10cm_order_2026.txt')])).code).toBe(0);
    const ncci = await codes(['import', 'ncci', fixture('ccipra-v321r0-f1.txt')]);
    expect(ncci.out).toMatch(/^imported NCCI PTP ccipra-v321r0 from ccipra-v321r0-f1\.txt: 4 edits, answering for every date of service, in [\d.]+ s\nsha256 [0-9a-f]{64}$/);
    const mue = await codes(['import', 'mue', fixture('MCR_MUE_PractitionerServices_Eff_01-01-2026.csv')]);
    expect(mue.out).toMatch(/^imported MUE MCR_MUE_PractitionerServices_Eff_01-01-2026 from .*: 5 edits, answering for services from 2026-01-01, in/);
    const mce = await codes(['import', 'mce', fixture('mce_definitions_2026.txt')]);
    expect(mce.out).toMatch(/^imported MCE 2026 from mce_definitions_2026\.txt: 12 edits, answering for services 2025-10-01 to 2026-09-30, in/);
    const again = await codes(['import', 'ncci', fixture('ccipra-v321r0-f1.txt')]);
    expect(again.out).toMatch(/\(replaced the earlier import of this release\)/);
    expect((await codes(['import', 'icd10cm', fixture('icd10cm_order_2025.txt'), fixture('icd10cm_order_2026.txt')])).code).toBe(2);
    const status = await codes(['status']);
    expect(status.out.split('\n').map((l) => l.split(/\s{2,}/).slice(0, 5).join(' '))).toEqual([
      'KIND RELEASE FROM TO ROWS',
      'icd10cm 2026 2025-10-01 2026-09-30 12',
      'mce 2026 2025-10-01 2026-09-30 12',
      'mue MCR_MUE_PractitionerServices_Eff_01-01-2026 2026-01-01 - 5',
      'ncci ccipra-v321r0 - - 4',
    ]);
    expect(Number((await store.db.selectFrom('code_edits').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)).toBe(21);
  });

  it('after the imports, a correction holds each claim for its real reason or makes it ready', async () => {
    const header = await claimOf(charge['header-dx']!);
    expect((await claims.correct(header.id, 'test')).status).toBe('held');
    expect(await messagesOf(charge['header-dx']!, 'icd10-billable'))
      .toEqual(['error icd10-billable: E11 is a header code, not billable on 2026-01-15 (ICD-10-CM 2026): use a more specific code']);

    const leaf = await claimOf(charge['leaf-dx']!);
    expect((await claims.correct(leaf.id, 'test')).status).toBe('ready');

    const medicare = await claimOf(charge.strep!);
    expect((await claims.correct(medicare.id, 'test')).status).toBe('held');
    const findings = await messagesOf(charge.strep!);
    expect(findings).toEqual(expect.arrayContaining([
      'error ncci-ptp: 99211 is bundled into 90471 on 2026-01-15 (NCCI PTP column 1 90471, column 2 99211; modifier indicator 1: bill it with a modifier such as 25 (separate E/M service) or 59/XE/XS/XP/XU (distinct service) when the service was separate) (NCCI PTP ccipra-v321r0)',
      'error mue-units: 87880: 5 units on 2026-01-15 exceed its MUE of 2 (MAI 3, date of service edit: clinical: the units of every line with the code that day count) (MUE MCR_MUE_PractitionerServices_Eff_01-01-2026)',
    ]));
    expect(findings.join('\n')).not.toMatch(/release covers DOS/);
  });
});
