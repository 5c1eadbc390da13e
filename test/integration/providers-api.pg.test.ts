/**
 * Through the running engine's API: a claim held because its ordering prescriber is unknown ("add this
 * provider") becomes ready with POST /api/claims/:id/correct once the prescriber is imported — no rebuild from
 * scratch, same claim id and CLM01. The import is the store writer `rxbridge providers import` uses; the other
 * steps are the HTTP routes a biller's console calls. Synthetic data.
 */
import { ProviderFileReader, type ProviderRecord } from '../../src/billing/providers/provider-file';
import { importProviders } from '../../src/store/providers';
import { importIcd10cmExtract, insertCharge, insertCoverage, insertMessage, insertPatient } from './claims-support';
import { startHarness, type Harness } from './engine-harness';

let h: Harness;
const PRESCRIBER = '1555555550';

function records(text: string): ProviderRecord[] {
  const reader = new ProviderFileReader();
  const out = text.split('\n').flatMap((line, i) => reader.line(line, i + 1)).flatMap((r) => (r.ok ? [r.record] : []));
  reader.end();
  return out;
}

beforeAll(async () => {
  h = await startHarness({ store: 'postgres' });
});

afterAll(async () => {
  await h?.close();
});

it('a claim held for an unknown prescriber is ready after the import and POST /api/claims/:id/correct', async () => {
  const db = h.engine.store.db;
  // A date of service a few days back, inside every timely-filing limit whatever day the test runs.
  const dos = new Date(Date.now() - 5 * 86_400_000).toISOString().slice(0, 10);
  // The shipped billing.yaml requires ICD-10-CM: the release of the fiscal year (from October 1) covering the date.
  await importIcd10cmExtract(db, Number(dos.slice(0, 4)) + (Number(dos.slice(5, 7)) >= 10 ? 1 : 0));
  const messageId = await insertMessage(db, 'API-PRV-1');
  await insertPatient(db, 'A100');
  await insertCoverage(db, 'A100', 'SYNCOM01', 'CI');
  const chargeId = await insertCharge(db, messageId, { patient: 'A100', date: dos, code: '99606', amount: '50.00', kind: 'mtm', dx: ['E11.9'] });
  await db.updateTable('charges').set({ ordering_npi: PRESCRIBER }).where('id', '=', chargeId as never).execute();

  const built = await h.api('POST', '/api/claims/build');
  expect(built.status).toBe(200);
  expect(built.json.created).toEqual([expect.objectContaining({ status: 'held' })]);
  const id: string = built.json.created[0].id;
  const held = await h.api('GET', `/api/claims/${id}`);
  expect(held.json.findings).toEqual(expect.arrayContaining([expect.objectContaining({
    ruleId: 'provider-named', severity: 'error', message: expect.stringMatching(/^add this provider: ordering NPI 1555555550 /),
  })]));

  // Correcting before the import changes nothing: still held for the same reason.
  expect((await h.api('POST', `/api/claims/${id}/correct`)).json).toMatchObject({ status: 'held' });

  const imported = await importProviders(db, { sourceFile: 'prescribers.csv', records: records(`npi,familyName,givenName\n${PRESCRIBER},PRESCRIBER,SAMPLE\n`) });
  expect(imported.inserted).toBe(1);

  const corrected = await h.api('POST', `/api/claims/${id}/correct`);
  expect(corrected.status).toBe(200);
  expect(corrected.json).toMatchObject({ id, controlNumber: held.json.controlNumber, status: 'ready' });
  const after = await h.api('GET', `/api/claims/${id}`);
  expect(after.json.claim.lines[0].orderingProvider).toEqual({ npi: PRESCRIBER, familyName: 'PRESCRIBER', givenName: 'SAMPLE' });
  expect(after.json.findings.filter((f: { severity: string }) => f.severity === 'error')).toEqual([]);
});
