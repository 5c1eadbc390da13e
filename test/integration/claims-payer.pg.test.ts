/**
 * Claims decided by the payer on the date of service, through a real build and batch on Postgres with the
 * shipped billing.yaml and payer rules:
 * - a Medicare patient's VXU without IN1 recorded 90471 for flu (and 90472 for zoster): the build bills G0008
 *   from the stored Medicare coverage, routes zoster and its administration to NCPDP (excluded, listed), and
 *   the flu claim is ready; the 837P says SBR09 MB although the feed's plan type said MC (a warning);
 * - a G0008 recorded from an IN1 inside a VXU for a patient whose stored coverage is commercial is billed 90471;
 * - the charges keep what the mapping recorded; claim lines carry the billed codes;
 * - a patient without an address (ADT without PID-11) → the claim is held naming the subscriber address.
 * All data is synthetic.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { check837P } from '../../src/billing/x12-837p-check';
import { loadPayerRulesDir } from '../../src/billing/scrub/payer-rules-files';
import { ClaimsService } from '../../src/store/claims-service';
import { openStore, type Store } from '../../src/store/db';
import type { Database } from '../../src/store/types';
import { billingConfig, insertCoverage, insertMessage, insertPatient, tempDir } from './claims-support';
import { createTestDatabase, ROOT } from './support';

const NOW = new Date('2026-10-10T12:00:00Z');
const DOS = '2026-10-02';

let store: Store;
let dropDb: () => Promise<void>;
let outbox: string;
let claims: ClaimsService;
let messageId: string;
const charge: Record<string, string> = {};

let seq = 0;
/** A charge as the VXU mapping records it: transaction id <dose>-admin / <dose>-product. */
async function insertDoseCharge(
  db: Kysely<Database>, c: { patient: string; txn: string; code: string; system?: string; kind: string; amount: string },
): Promise<string> {
  const row = await db.insertInto('charges').values({
    message_id: messageId, channel: 'test', source_key: `payer-test|${++seq}`, reversal_of: null, status: 'active',
    transaction_id: c.txn, service_date: DOS, patient_ref: c.patient, code_system: c.system ?? 'CPT', code: c.code,
    modifiers: [], units: '1', charge_amount: c.amount, diagnoses: ['Z23'], rendering_npi: null, ordering_npi: null, ndc: null,
    service_kind: c.kind as never, ndc_quantity: null, ndc_unit: null, rx_number: null, fill_number: null, days_supply: null,
    daw: null, lot: null, vfc_eligibility: null, place_of_service: null,
  }).returning('id').executeTakeFirstOrThrow();
  return String(row.id);
}

const linesOf = async (chargeId: string) => {
  const row = await store.db.selectFrom('claim_lines').select('claim_id').where('charge_id', '=', chargeId).where('state', '=', 'active')
    .executeTakeFirstOrThrow();
  return (await claims.get(String(row.claim_id)))!;
};

beforeAll(async () => {
  const db = await createTestDatabase();
  dropDb = db.drop;
  store = await openStore({ databaseUrl: db.url, poolSize: 4 });
  outbox = path.join(tempDir('rxb-payer-outbox-'), 'outbox');
  claims = new ClaimsService({
    db: store.db, config: billingConfig(outbox), payerRules: loadPayerRulesDir(path.join(ROOT, 'billing/payer-rules')), clock: () => NOW,
  });
  messageId = await insertMessage(store.db, 'VXU-PAYER-1');

  // Medicare patient: coverage from the ADT (the feed's plan type MC means Medicare to it); the VXU had no IN1.
  await insertPatient(store.db, 'PMCR');
  await insertCoverage(store.db, 'PMCR', 'SYNMCR01', 'MC');
  charge['mcr-flu-admin'] = await insertDoseCharge(store.db, { patient: 'PMCR', txn: 'DOSE-1-admin', code: '90471', kind: 'immunization-admin', amount: '25.00' });
  charge['mcr-zoster-admin'] = await insertDoseCharge(store.db, { patient: 'PMCR', txn: 'DOSE-2-admin', code: '90472', kind: 'immunization-admin', amount: '15.00' });
  charge['mcr-flu'] = await insertDoseCharge(store.db, { patient: 'PMCR', txn: 'DOSE-1-product', code: '90686', kind: 'vaccine-product', amount: '28.00' });
  charge['mcr-zoster'] = await insertDoseCharge(store.db, { patient: 'PMCR', txn: 'DOSE-2-product', code: '90750', kind: 'vaccine-product', amount: '210.00' });

  // Commercial patient whose VXU carried a Medicare IN1 (so the mapping recorded G0008).
  await insertPatient(store.db, 'PCOM');
  await insertCoverage(store.db, 'PCOM', 'SYNCOM01', 'CI');
  charge['com-admin'] = await insertDoseCharge(store.db, { patient: 'PCOM', txn: 'DOSE-3-admin', code: 'G0008', system: 'HCPCS', kind: 'immunization-admin', amount: '33.00' });
  charge['com-flu'] = await insertDoseCharge(store.db, { patient: 'PCOM', txn: 'DOSE-3-product', code: '90686', kind: 'vaccine-product', amount: '28.00' });

  // A patient registered by an ADT without PID-11.
  await insertPatient(store.db, 'PNOADDR');
  await store.db.updateTable('patients').set({ address_line1: null, city: null, state: null, postal_code: null } as never)
    .where('patient_ref', '=', 'PNOADDR').execute();
  await insertCoverage(store.db, 'PNOADDR', 'SYNCOM01', 'CI');
  charge['noaddr-mtm'] = await insertDoseCharge(store.db, { patient: 'PNOADDR', txn: 'MTM-1', code: '99606', kind: 'mtm', amount: '50.00' });
});

afterAll(async () => {
  await store?.close();
  await dropDb?.();
  fs.rmSync(path.dirname(outbox), { recursive: true, force: true });
});

describe('claims decided by the payer on the date of service (Postgres)', () => {
  it('builds: G0008 from stored Medicare coverage, zoster excluded to NCPDP, 90471 for commercial, no-address held', async () => {
    const built = await claims.build('test');
    expect(built.held).toEqual([]);
    expect(built.excluded.map((e) => [e.chargeId, e.reason, e.payerId])).toEqual([
      [charge['mcr-zoster-admin'], 'ncpdp-route', 'SYNMCR01'],
      [charge['mcr-zoster'], 'ncpdp-route', 'SYNMCR01'],
    ]);
    expect(built.excluded[1]!.message).toBe('payer SYNMCR01 takes code 90750 (code list medicarePartDVaccines) through NCPDP (not built)');

    const medicare = await linesOf(charge['mcr-flu-admin']!);
    expect(medicare.status).toBe('ready');
    expect(medicare.lines.map((l) => [l.chargeId, l.code, l.chargeAmount])).toEqual([
      [charge['mcr-flu-admin'], 'G0008', '25.00'],
      [charge['mcr-flu'], '90686', '28.00'],
    ]);
    expect(medicare.claim.subscriber.filingIndicator).toBe('MB');
    expect(medicare.findings.map((f) => [f.ruleId, f.severity])).toEqual(expect.arrayContaining([
      ['filing-indicator-mismatch', 'warning'], ['vaccine-admin-code', 'info'],
    ]));
    expect(medicare.findings.filter((f) => f.severity === 'error')).toEqual([]);

    const commercial = await linesOf(charge['com-admin']!);
    expect(commercial.status).toBe('ready');
    expect(commercial.lines.map((l) => l.code)).toEqual(['90471', '90686']);

    // The charges keep what the mapping recorded.
    const recorded = await store.db.selectFrom('charges').select(['id', 'code']).where('id', 'in', [charge['mcr-flu-admin']!, charge['com-admin']!] as never[])
      .orderBy('id').execute();
    expect(recorded.map((r) => r.code)).toEqual(['90471', 'G0008']);

    const held = await linesOf(charge['noaddr-mtm']!);
    expect(held.status).toBe('held');
    expect(held.findings).toEqual(expect.arrayContaining([expect.objectContaining({
      ruleId: 'address-required', severity: 'error', message: expect.stringContaining('subscriber address needs street, city, state and ZIP: 2010BA N3/N4'),
    })]));

    // Unclaimed, asked again: the zoster lines are still listed as excluded, never silently gone.
    const unclaimed = await claims.unclaimed();
    expect(unclaimed.excluded.map((e) => e.chargeId)).toEqual([charge['mcr-zoster-admin'], charge['mcr-zoster']]);
  });

  it('batches the Medicare claim with G0008 and SBR09 MB; an override of the no-address claim is refused by the writer', async () => {
    const held = await linesOf(charge['noaddr-mtm']!);
    await claims.override(held.id, 'biller: send it anyway', 'test');
    const run = await claims.createBatches('test');
    expect(run.held).toEqual([{ claimId: held.id, reason: expect.stringContaining('the subscriber address (2010BA N3/N4, required when the patient is the subscriber) needs street, city, state and ZIP') }]);
    const medicareBatch = run.batches.find((b) => b.payerId === 'SYNMCR01')!;
    const { x12 } = (await claims.batchX12(medicareBatch.id))!;
    const segs = x12.split('\n');
    expect(segs).toContain('SBR*P*18*GRP1******MB~');
    expect(segs.filter((s) => s.startsWith('SV1*')).map((s) => s.split('*')[1])).toEqual(['HC:G0008', 'HC:90686']);
    expect(x12).not.toContain('90750');
    expect(check837P(x12)).toEqual([]);
  });
});
