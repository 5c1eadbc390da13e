/**
 * Providers, payer-required ordering providers and duplicates on real Postgres, the way a biller meets them:
 * - `rxbridge providers import` (the real command) loads an NPPES-layout extract: counts, rejected rows with
 *   file:line and reason, deactivations; importing it again changes nothing; a deactivation stub keeps the name.
 * - A Medicare A1c (83036-QW) whose ordering prescriber is in neither billing.yaml nor the store is held
 *   ("add this provider", and the payer rule wants the ordering provider); after the import, correcting the
 *   claim makes it ready and the batch writes 2420E NM1*DK. Without any ordering NPI it stays held.
 * - A service re-sent after its claim was batched is held as a duplicate; an operator's override (audited)
 *   makes it ready; a repeat marked with modifier 91 is not a duplicate.
 * All data is synthetic.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { BillingConfig } from '../../src/billing/config';
import { loadPayerRulesDir } from '../../src/billing/scrub/payer-rules-files';
import { ProviderFileReader, type ProviderRecord } from '../../src/billing/providers/provider-file';
import { ClaimsService } from '../../src/store/claims-service';
import { openStore, type Store } from '../../src/store/db';
import { importProviders, listProviders, loadImportedProviders } from '../../src/store/providers';
import type { Database } from '../../src/store/types';
import { billingConfig, insertCharge, insertCoverage, insertMessage, insertPatient, tempDir, type TestCharge } from './claims-support';
import { createTestDatabase, ROOT } from './support';

const NOW = new Date('2026-02-01T12:00:00Z');
const ACTOR = 'test';
const NPPES_FILE = path.join(ROOT, 'test/fixtures/providers/npidata_pfile_sample.csv');
const PRESCRIBER = '1555555550'; // in the NPPES extract, not in billing.yaml
const PHARMACIST = '1245319599'; // in billing.yaml

let store: Store;
let dbUrl: string;
let dropDb: () => Promise<void>;
let outbox: string;
let config: BillingConfig;
let claims: ClaimsService;
let messageId: string;

function rxbridge(args: string[]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/rxbridge.js'), ...args], {
    env: { ...process.env, DATABASE_URL: dbUrl }, encoding: 'utf8', timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A charge with what insertCharge leaves out: modifiers, rendering and ordering NPIs. */
async function addCharge(c: TestCharge & { modifiers?: string[]; rendering?: string; ordering?: string }): Promise<string> {
  const id = await insertCharge(store.db, messageId, c);
  await store.db.updateTable('charges').set({
    modifiers: c.modifiers ?? [], rendering_npi: c.rendering ?? null, ordering_npi: c.ordering ?? null,
  }).where('id', '=', id as never).execute();
  return id;
}

async function claimOf(db: Kysely<Database>, chargeId: string) {
  const row = await db.selectFrom('claim_lines').select('claim_id').where('charge_id', '=', chargeId).where('state', '=', 'active')
    .executeTakeFirstOrThrow();
  return (await claims.get(String(row.claim_id)))!;
}

async function recordsOf(text: string): Promise<ProviderRecord[]> {
  const reader = new ProviderFileReader();
  const out: ProviderRecord[] = [];
  text.split('\n').forEach((line, i) => {
    for (const row of reader.line(line, i + 1)) if (row.ok) out.push(row.record);
  });
  reader.end();
  return out;
}

beforeAll(async () => {
  const db = await createTestDatabase();
  dbUrl = db.url;
  dropDb = db.drop;
  store = await openStore({ databaseUrl: db.url, poolSize: 4 });
  outbox = path.join(tempDir('rxb-providers-'), 'outbox');
  config = billingConfig(outbox);
  claims = new ClaimsService({
    db: store.db, config, payerRules: loadPayerRulesDir(path.join(ROOT, 'billing/payer-rules')), clock: () => NOW,
  });
  messageId = await insertMessage(store.db, 'PRV-1');
  await insertPatient(store.db, 'M100');
  await insertCoverage(store.db, 'M100', 'SYNMCR01', 'MB');
  await insertPatient(store.db, 'C100');
  await insertCoverage(store.db, 'C100', 'SYNCOM01', 'CI');
});

afterAll(async () => {
  await store?.close();
  await dropDb?.();
  fs.rmSync(path.dirname(outbox), { recursive: true, force: true });
});

describe('a Medicare A1c and its ordering prescriber', () => {
  let unknownPrescriber: string;
  let noPrescriber: string;

  it('held: the prescriber is in neither billing.yaml nor the store, and Medicare wants the ordering provider on lab lines', async () => {
    unknownPrescriber = await addCharge({
      patient: 'M100', date: '2026-01-20', code: '83036', amount: '30.00', kind: 'poc-test', dx: ['E11.9'], modifiers: ['QW'],
      rendering: PHARMACIST, ordering: PRESCRIBER,
    });
    noPrescriber = await addCharge({
      patient: 'M100', date: '2026-01-21', code: '83036', amount: '30.00', kind: 'poc-test', dx: ['E11.9'], modifiers: ['QW'], rendering: PHARMACIST,
    });
    const built = await claims.build(ACTOR);
    expect(built.created.map((c) => c.status)).toEqual(['held', 'held']);

    const held = await claimOf(store.db, unknownPrescriber);
    const errors = held.findings.filter((f) => f.severity === 'error');
    expect(errors).toEqual([
      expect.objectContaining({ ruleId: 'provider-named', lineNumber: 1, message: expect.stringMatching(/^add this provider: ordering NPI 1555555550 /) }),
      expect.objectContaining({ ruleId: 'ordering-provider-required', lineNumber: 1 }),
    ]);
    for (const f of held.findings) expect(f.message).not.toMatch(/TESTPATIENT|ALEX|1980-01-01|MEM-M100/);
    expect((await claimOf(store.db, noPrescriber)).findings.filter((f) => f.severity === 'error').map((f) => f.ruleId))
      .toEqual(['ordering-provider-required']);
  });

  it('rxbridge providers import: counts, rejected rows at file:line, deactivations', () => {
    const r = rxbridge(['providers', 'import', NPPES_FILE]);
    expect(r.stderr).toBe(
      `${NPPES_FILE}:7: NPI 1234567890 fails its check digit\n`
      + `${NPPES_FILE}:8: NPI 2012345676 has no name (neither a last name nor an organization name)\n`,
    );
    expect(r.stdout).toContain('imported providers from npidata_pfile_sample.csv (NPPES layout): 7 rows read, 5 new, 0 updated, 0 unchanged, 1 deactivated, 2 rejected');
    expect(r.code).toBe(0);
    // Again: idempotent.
    const again = rxbridge(['providers', 'import', NPPES_FILE]);
    expect(again.stdout).toContain('7 rows read, 0 new, 0 updated, 5 unchanged, 1 deactivated, 2 rejected');
    const status = rxbridge(['providers', 'status']);
    expect(status.stdout).toContain('5 providers imported: 3 people, 1 organizations, 1 deactivated');
    const list = rxbridge(['providers', 'list']);
    expect(list.stdout).toMatch(/1555555550\s+PRESCRIBER, SAMPLE\s+207Q00000X\s+-\s+npidata_pfile_sample\.csv:2/);
    expect(list.stdout).toMatch(/1888888884\s+\s+-\s+2025-03-15\s+npidata_pfile_sample\.csv:5/);
  });

  it('correct after the import: ready, and the batch writes 2420E NM1*DK; the line without a prescriber stays held', async () => {
    const held = await claimOf(store.db, unknownPrescriber);
    const corrected = await claims.correct(held.id, ACTOR);
    expect(corrected.status).toBe('ready');
    const after = await claims.get(held.id);
    expect(after!.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(after!.claim.lines[0]!.orderingProvider).toEqual({ npi: PRESCRIBER, familyName: 'PRESCRIBER', givenName: 'SAMPLE', taxonomy: '207Q00000X' });

    const still = await claimOf(store.db, noPrescriber);
    expect((await claims.correct(still.id, ACTOR)).status).toBe('held');

    const run = await claims.createBatches(ACTOR, 'SYNMCR01');
    expect(run.batches).toHaveLength(1);
    expect(run.batches[0]!.claimIds).toEqual([held.id]);
    const x12 = (await claims.batchX12(run.batches[0]!.id))!.x12;
    expect(x12).toContain(`NM1*DK*1*PRESCRIBER*SAMPLE****XX*${PRESCRIBER}~`);
    expect(x12).toContain('SV1*HC:83036:QW*30*UN*1');
  });
});

describe('imported providers', () => {
  it('a later deactivation stub keeps the name already imported and records the date', async () => {
    const first = await importProviders(store.db, { sourceFile: 'staff.csv', records: await recordsOf('npi,familyName,givenName\n1324567894,STAFF,SAMPLE\n') });
    expect(first).toEqual({ inserted: 1, updated: 0, unchanged: 0, repeated: 0 });
    const stub = await importProviders(store.db, {
      sourceFile: 'deact.csv',
      records: await recordsOf('"NPI","Entity Type Code","Provider Last Name (Legal Name)","NPI Deactivation Date"\n"1324567894","","","09/30/2026"\n'),
    });
    expect(stub).toEqual({ inserted: 0, updated: 1, unchanged: 0, repeated: 0 });
    expect((await loadImportedProviders(store.db, ['1324567894'])).get('1324567894'))
      .toEqual({ npi: '1324567894', familyName: 'STAFF', givenName: 'SAMPLE', deactivatedOn: '2026-09-30' });
    const rows = await listProviders(store.db, { limit: 10, after: '1324567893' });
    expect(rows[0]).toMatchObject({ npi: '1324567894', sourceFile: 'deact.csv', sourceLine: 2 });
  });

  it('a file repeating an NPI keeps the later row', async () => {
    const r = await importProviders(store.db, {
      sourceFile: 'twice.csv', records: await recordsOf('npi,familyName\n1777777776,FIRST\n1777777776,SECOND\n'),
    });
    expect(r.repeated).toBe(1);
    expect((await loadImportedProviders(store.db, ['1777777776'])).get('1777777776')!.familyName).toBe('SECOND');
  });
});

describe('a service already sent, sent again', () => {
  it('is held as a duplicate; an operator override (audited) makes it ready; a repeat with modifier 91 is not a duplicate', async () => {
    const first = await addCharge({ patient: 'C100', date: '2026-01-22', code: '99606', amount: '50.00', kind: 'mtm', dx: ['E11.9'], rendering: PHARMACIST });
    expect((await claims.build(ACTOR)).created.map((c) => c.status)).toEqual(['ready']);
    const batch = await claims.createBatches(ACTOR, 'SYNCOM01');
    expect(batch.batches[0]!.claimIds).toEqual([(await claimOf(store.db, first)).id]);

    // The pharmacy system re-sends the same MTM visit (a new charge row, same service).
    const resent = await addCharge({ patient: 'C100', date: '2026-01-22', code: '99606', amount: '50.00', kind: 'mtm', dx: ['E11.9'], rendering: PHARMACIST });
    const built = await claims.build(ACTOR);
    expect(built.created.map((c) => c.status)).toEqual(['held']);
    const held = await claimOf(store.db, resent);
    expect(held.findings.filter((f) => f.severity === 'error')).toEqual([expect.objectContaining({
      ruleId: 'duplicate-service', lineNumber: 1,
      message: expect.stringMatching(/^99606 on 2026-01-22 \(rendering NPI 1245319599\) was already submitted to payer SYNCOM01 for this patient \(1 line on another claim\)/),
    })]);

    const overridden = await claims.override(held.id, 'second MTM visit the same day, documented', ACTOR);
    expect(overridden.status).toBe('ready');
    const audited = await claims.get(held.id);
    expect(audited!.override).toMatchObject({ reason: 'second MTM visit the same day, documented', by: ACTOR });
    expect(audited!.history.at(-1)).toMatchObject({ action: 'override', from_status: 'held', to_status: 'ready' });

    // Another pharmacist the same day is another service, not a duplicate — and a late one: the encounter of 01-22
    // was sent, so it waits for the replacement of that claim (encounter-billed). A repeat the pharmacy marks with 91
    // on a new date is a claim of its own.
    const other = await addCharge({ patient: 'C100', date: '2026-01-22', code: '99606', amount: '50.00', kind: 'mtm', dx: ['E11.9'] });
    const repeat = await addCharge({
      patient: 'C100', date: '2026-01-23', code: '99606', amount: '50.00', kind: 'mtm', dx: ['E11.9'], rendering: PHARMACIST, modifiers: ['91'],
    });
    const next = await claims.build(ACTOR);
    expect(next.created.map((c) => c.status)).toEqual(['ready']);
    expect(next.held).toEqual([expect.objectContaining({ chargeId: other, reason: 'encounter-billed' })]);
    await claims.createBatches(ACTOR, 'SYNCOM01');
    // The same repeat sent again with 91: intended, so not a duplicate; a late charge of the sent 01-23 encounter.
    const repeat91 = await addCharge({
      patient: 'C100', date: '2026-01-23', code: '99606', amount: '50.00', kind: 'mtm', dx: ['E11.9'], rendering: PHARMACIST, modifiers: ['91'],
    });
    const last = await claims.build(ACTOR);
    expect(last.created).toEqual([]);
    expect(last.held).toEqual(expect.arrayContaining([expect.objectContaining({ chargeId: repeat91, reason: 'encounter-billed' })]));
    expect((await claimOf(store.db, repeat)).status).toBe('batched');
  });
});
