/**
 * Posting on real Postgres, as a biller would meet it:
 * - two coverages: Medicare pays with CO-45 + PR-1 (deductible) on one line, then the Medigap plan's crossover
 *   835 (CLP02 2, its own N1*PR / REF*2U / TRN03) pays the deductible: the claim stays paid with Medicare's
 *   CLP07, the secondary payment is its own row, the patient owes nothing, the payer report shows each payer's
 *   money, and a void of the claim carries Medicare's claim number in REF*F8;
 * - a claim paid, then replaced (frequency 7) for a late change and the replacement paid: revenue counts the
 *   charge once and the payment once;
 * - a CLP naming no claim: listed, in the reports as unmatched money, matched by hand; a PLB naming a claim;
 * - a claim processed and forwarded to the crossover payer (CLP02 19, NM1*TT) shows where it went.
 * Every 835 is synthetic and balanced.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseBillingConfigText, type BillingConfig } from '../../src/billing/config';
import { loadPayerRulesDir } from '../../src/billing/scrub/payer-rules-files';
import { ClaimsService } from '../../src/store/claims-service';
import { openStore, type Store } from '../../src/store/db';
import { synthetic835 } from '../unit/x12-835-writer';
import { insertCharge, insertCoverage, insertMessage, insertPatient, reverseCharge, tempDir, write277CA } from './claims-support';
import { createTestDatabase, ROOT } from './support';

const NOW = new Date('2026-02-01T12:00:00Z');
const ACTOR = 'biller';

let store: Store;
let dropDb: () => Promise<void>;
let outbox: string;
let claims: ClaimsService;
let messageId: string;
const charge: Record<string, string> = {};

/**
 * The sample billing.yaml with Medicare's 835 ids configured and no code set required (posting is tested here, not
 * the code sets: test/integration/code-requirements.pg.test.ts) — a temp copy: the checkout's file is never written.
 */
function config(outboxDir: string): BillingConfig {
  const file = path.join(ROOT, 'billing/billing.yaml');
  const text = fs.readFileSync(file, 'utf8').replace(
    '    filingIndicator: MB\n', '    filingIndicator: MB\n    remittanceIds: [MCRB-J99, "1999999991"]\n')
    .replace(/^requiredCodeSets:\n(?:  .*\n)+/m, 'requiredCodeSets:\n  default: []\n');
  expect(text).toContain('requiredCodeSets:\n  default: []\n');
  expect(text).toContain('remittanceIds: [MCRB-J99');
  return parseBillingConfigText(`${text}\noutboxDir: ${outboxDir}\n`, file, {}, os.tmpdir());
}

const claimWith = async (chargeId: string) => {
  const row = await store.db.selectFrom('claim_lines').select('claim_id').where('charge_id', '=', chargeId)
    .orderBy('claim_id', 'desc').executeTakeFirstOrThrow();
  return (await claims.get(String(row.claim_id)))!;
};

beforeAll(async () => {
  const db = await createTestDatabase();
  dropDb = db.drop;
  store = await openStore({ databaseUrl: db.url, poolSize: 4 });
  outbox = path.join(tempDir('rxb-posting-'), 'outbox');
  claims = new ClaimsService({
    db: store.db, config: config(outbox), payerRules: loadPayerRulesDir(path.join(ROOT, 'billing/payer-rules')), clock: () => NOW,
  });
  messageId = await insertMessage(store.db, 'POST-1');
  // Medicare patients old enough for the high-dose flu product (90662 is licensed from 65).
  await insertPatient(store.db, 'PM1', { birthDate: '1950-03-01' });
  await insertCoverage(store.db, 'PM1', 'SYNMCR01', 'MB');
  await insertPatient(store.db, 'PM2', { birthDate: '1950-03-01' });
  await insertCoverage(store.db, 'PM2', 'SYNMCR01', 'MB');
  await insertPatient(store.db, 'PC1');
  await insertCoverage(store.db, 'PC1', 'SYNCOM01', 'CI');
  await insertPatient(store.db, 'PC2');
  await insertCoverage(store.db, 'PC2', 'SYNCOM01', 'CI');
  const add = async (name: string, c: Parameters<typeof insertCharge>[2]) => { charge[name] = await insertCharge(store.db, messageId, c); };
  await add('mcr-admin', { patient: 'PM1', date: '2026-01-15', code: 'G0008', amount: '33.00', kind: 'immunization-admin', system: 'HCPCS' });
  await add('mcr-product', { patient: 'PM1', date: '2026-01-15', code: '90662', amount: '60.00', kind: 'vaccine-product' });
  await add('fwd-admin', { patient: 'PM2', date: '2026-01-16', code: 'G0008', amount: '33.00', kind: 'immunization-admin', system: 'HCPCS' });
  await add('fwd-product', { patient: 'PM2', date: '2026-01-16', code: '90662', amount: '60.00', kind: 'vaccine-product' });
  await add('mtm', { patient: 'PC1', date: '2026-01-16', code: '99605', amount: '75.00', kind: 'mtm', dx: ['E11.9'] });
  await add('mtm-extra', { patient: 'PC1', date: '2026-01-16', code: '99607', amount: '40.00', kind: 'mtm', units: '2', dx: ['E11.9'] });
  await add('stray', { patient: 'PC2', date: '2026-01-17', code: '99605', amount: '50.00', kind: 'mtm', dx: ['E11.9'] });
  const built = await claims.build(ACTOR);
  expect(built.created.map((c) => c.status)).toEqual(['ready', 'ready', 'ready', 'ready']);
  const run = await claims.createBatches(ACTOR);
  expect(run.held).toEqual([]);
});

afterAll(async () => {
  await store?.close();
  await dropDb?.();
  fs.rmSync(path.dirname(outbox), { recursive: true, force: true });
});

describe('remittance posting on Postgres', () => {
  it('Medicare then a Medigap crossover: primary stays paid with its CLP07, the secondary payment recorded, balance right', async () => {
    const claim = await claimWith(charge['mcr-admin']!);
    const [primary] = await claims.recordRemittances(synthetic835({
      trace: 'MCR-EFT-100', payerName: 'SYNTHETIC MEDICARE PART B', payerId: 'MCRB-J99', paymentDate: '2026-02-10',
      claims: [{
        controlNumber: claim.controlNumber, status: '1', charge: '93.00', paid: '50.00', patientResponsibility: '22.00',
        payerClaimNumber: 'MCR-CCN-100',
        services: [
          { code: 'G0008', charge: '33.00', paid: '0.00', date: '2026-01-15',
            adjustments: [{ group: 'CO', reason: '45', amount: '11.00' }, { group: 'PR', reason: '1', amount: '22.00' }] },
          { code: '90662', charge: '60.00', paid: '50.00', date: '2026-01-15', adjustments: [{ group: 'CO', reason: '45', amount: '10.00' }] },
        ],
      }],
    }), ACTOR);
    expect(primary!.claims).toEqual([expect.objectContaining({ role: 'claim-payer', outcome: 'paid', status: 'paid' })]);
    let now = (await claims.get(claim.id))!;
    expect(now).toMatchObject({ status: 'paid', payerClaimNumber: 'MCR-CCN-100', paidAmount: '50.00', patientResponsibility: '22.00' });
    expect(now.payments[0]!.lines.map((l) => l.outcome)).toEqual(['patient-responsibility', 'paid']);

    const [secondary] = await claims.recordRemittances(synthetic835({
      trace: 'MGAP-CHK-200', payerName: 'SYNTHETIC MEDIGAP PLAN', payerQualifier: 'PI', payerId: 'MGAP77', ref2U: 'MGAP77',
      trn03: '1888888881', paymentDate: '2026-02-24', interchange: 702,
      claims: [{
        controlNumber: claim.controlNumber, status: '2', charge: '93.00', paid: '22.00', patientResponsibility: '0',
        payerClaimNumber: 'MGAP-CLM-900',
        services: [
          { code: 'G0008', charge: '33.00', paid: '22.00', date: '2026-01-15', adjustments: [{ group: 'CO', reason: '45', amount: '11.00' }] },
          { code: '90662', charge: '60.00', paid: '0.00', date: '2026-01-15',
            adjustments: [{ group: 'CO', reason: '45', amount: '10.00' }, { group: 'OA', reason: '23', amount: '50.00' }] },
        ],
      }],
    }), ACTOR);
    expect(secondary!.claims).toEqual([expect.objectContaining({ role: 'secondary', paid: '22.00', status: 'paid' })]);
    now = (await claims.get(claim.id))!;
    expect(now).toMatchObject({ status: 'paid', payerClaimNumber: 'MCR-CCN-100', paidAmount: '72.00', patientResponsibility: '0.00' });
    expect(now.payments.map((p) => [p.traceNumber, p.paid, p.payerClaimNumber])).toEqual([
      ['MCR-EFT-100', '50.00', 'MCR-CCN-100'], ['MGAP-CHK-200', '22.00', 'MGAP-CLM-900'],
    ]);
    expect(now.history.at(-1)).toMatchObject({ action: 'remit', from_status: 'paid', to_status: 'paid' });
    const roles = await store.db.selectFrom('claim_payments').select(['payer_role']).where('claim_id', '=', claim.id).orderBy('id').execute();
    expect(roles.map((r) => r.payer_role)).toEqual(['claim-payer', 'secondary']);
    const remit = await store.db.selectFrom('remittances').select(['payer_ref', 'payer_identifiers']).where('trace_number', '=', 'MCR-EFT-100')
      .executeTakeFirstOrThrow();
    expect(remit).toEqual({ payer_ref: 'SYNMCR01', payer_identifiers: ['MCRB-J99', '1512345678'] });

    // A 277CA from another payer (NM1*PR SYNCOM01) naming our claim: its REF*1K is not the claim's payer's number.
    await claims.recordAcknowledgments(write277CA([
      { controlNumber: claim.controlNumber, category: 'A2', status: '20', charge: '93.00', payerClaimNumber: 'COM-NOT-OURS' },
    ]), ACTOR);
    expect((await claims.get(claim.id))!.payerClaimNumber).toBe('MCR-CCN-100');

    const payers = await claims.payers();
    expect(payers.find((p) => p.payerId === 'SYNMCR01')).toMatchObject({
      claims: 2, charged: '186.00', paid: '50.00', adjudicated: 1, denied: 0, crossovers: 0,
    });
    expect(payers.find((p) => p.payerId === 'MGAP77')).toMatchObject({
      payerName: 'SYNTHETIC MEDIGAP PLAN', claims: 0, charged: '0.00', paid: '22.00', adjudicated: 0, crossovers: 1,
    });
    expect((await claims.revenue('payer')).find((r) => r.key === 'SYNMCR01'))
      .toEqual({ key: 'SYNMCR01', claims: 2, lines: 4, charged: '186.00', paid: '72.00', patientResponsibility: '0.00' });
    // By service the deductible line is paid by the Medigap plan and owed by nobody (the other Medicare claim is unpaid yet).
    expect((await claims.revenue('service')).find((r) => r.key === 'immunization-admin'))
      .toEqual({ key: 'immunization-admin', claims: 2, lines: 2, charged: '66.00', paid: '22.00', patientResponsibility: '0.00' });
  });

  it('a claim paid, then replaced (frequency 7) for a late change and the replacement paid: charged and paid once each', async () => {
    const original = await claimWith(charge.mtm!);
    await claims.recordRemittances(synthetic835({
      trace: 'COM-EFT-300', payerName: 'SYNTHETIC COMMERCIAL HEALTH PLAN', payerId: 'SYNCOM01', paymentDate: '2026-02-12', interchange: 703,
      claims: [{
        controlNumber: original.controlNumber, status: '1', charge: '115.00', paid: '100.00', payerClaimNumber: 'COM-PCN-300',
        services: [
          { code: '99605', charge: '75.00', paid: '65.00', adjustments: [{ group: 'CO', reason: '45', amount: '10.00' }] },
          { code: '99607', charge: '40.00', paid: '35.00', adjustments: [{ group: 'CO', reason: '45', amount: '5.00' }] },
        ],
      }],
    }), ACTOR);
    const mtmRevenue = async () => (await claims.revenue('service')).find((r) => r.key === 'mtm')!;
    expect(await mtmRevenue()).toMatchObject({ claims: 2, lines: 3, charged: '165.00', paid: '100.00' });

    // The late change: the 99607 charge is reversed; the build replaces the paid claim (frequency 7).
    await reverseCharge(store.db, messageId, charge['mtm-extra']!);
    const built = await claims.build(ACTOR);
    expect(built.created.map((c) => [c.frequency, c.totalCharge, c.status])).toEqual([['7', '75.00', 'ready']]);
    // Until the replacement is sent, the original bills its services (charged and paid from the same claim).
    expect(await mtmRevenue()).toMatchObject({ claims: 2, lines: 3, charged: '165.00', paid: '100.00' });

    const replacement = (await claims.get(built.created[0]!.id))!;
    expect(replacement.claim.payerClaimNumber).toBe('COM-PCN-300');
    await claims.createBatches(ACTOR, 'SYNCOM01');
    expect((await claims.get(replacement.id))!.status).toBe('batched');
    await claims.recordRemittances(synthetic835({
      trace: 'COM-EFT-301', payerName: 'SYNTHETIC COMMERCIAL HEALTH PLAN', payerId: 'SYNCOM01', paymentDate: '2026-02-20', interchange: 704,
      claims: [{
        controlNumber: replacement.controlNumber, status: '1', charge: '75.00', paid: '65.00', payerClaimNumber: 'COM-PCN-301',
        services: [{ code: '99605', charge: '75.00', paid: '65.00', adjustments: [{ group: 'CO', reason: '45', amount: '10.00' }] }],
      }],
    }), ACTOR);
    // The stray 99605 claim (50.00) is still unpaid: the chain counts 75.00 charged and 65.00 paid once.
    expect(await mtmRevenue()).toEqual({ key: 'mtm', claims: 2, lines: 2, charged: '125.00', paid: '65.00', patientResponsibility: '0.00' });
    const byPayer = (await claims.revenue('payer')).find((r) => r.key === 'SYNCOM01')!;
    expect(byPayer).toMatchObject({ charged: '125.00', paid: '65.00' });
  });

  it('a CLP naming no claim is listed, reported as unmatched money, matched by hand; a PLB naming a claim is attached', async () => {
    const target = await claimWith(charge.stray!);
    const mtm = await claimWith(charge.mtm!);
    const [r] = await claims.recordRemittances(synthetic835({
      trace: 'COM-EFT-400', payerName: 'SYNTHETIC COMMERCIAL HEALTH PLAN', payerId: 'SYNCOM01', paymentDate: '2026-02-25', interchange: 705,
      claims: [{
        controlNumber: 'RXTYPO0001', status: '1', charge: '50.00', paid: '45.00', payerClaimNumber: 'COM-PCN-400',
        services: [{ code: '99605', charge: '50.00', paid: '45.00', adjustments: [{ group: 'CO', reason: '45', amount: '5.00' }] }],
      }],
      plb: [{ reason: 'WO', reference: mtm.controlNumber, amount: '5.00' }, { reason: 'L6', amount: '-1.25' }],
    }), ACTOR);
    expect(r!.unmatched).toEqual(['RXTYPO0001']);
    expect(r!.providerAdjustments).toEqual([
      { reason: 'WO', reference: mtm.controlNumber, amount: '5.00', claimId: mtm.id }, { reason: 'L6', amount: '-1.25' },
    ]);
    expect((await claims.get(mtm.id))!.history.at(-1)!.reason).toMatch(/provider-level adjustment WO 5.00 names this claim/);

    const unmatched = await claims.unmatchedRemittances(50);
    expect(unmatched).toEqual([expect.objectContaining({
      controlNumber: 'RXTYPO0001', traceNumber: 'COM-EFT-400', payerId: 'SYNCOM01', paid: '45.00', payerClaimNumber: 'COM-PCN-400',
    })]);
    const totals = await claims.remittanceTotals();
    expect(totals.unmatched).toEqual({ payments: 1, charged: '50.00', paid: '45.00' });
    expect(totals.providerAdjustments).toEqual([
      { reason: 'L6', count: 1, amount: '-1.25', attachedToClaims: 0 }, { reason: 'WO', count: 1, amount: '5.00', attachedToClaims: 1 },
    ]);
    expect((await claims.payers()).find((p) => p.payerId === 'SYNCOM01'))
      .toMatchObject({ unmatchedPaid: '45.00', providerAdjustments: '3.75' });
    const detail = (await claims.remittance(r!.id))!;
    expect(detail.providerAdjustments).toEqual([
      { reason: 'WO', reference: mtm.controlNumber, amount: '5.00', claimId: mtm.id }, { reason: 'L6', reference: null, amount: '-1.25', claimId: null },
    ]);

    const matched = await claims.matchRemittance(unmatched[0]!.id, target.id, 'alice');
    expect(matched).toMatchObject({ claimId: target.id, role: 'claim-payer', outcome: 'paid', status: 'paid' });
    expect((await claims.get(target.id))!).toMatchObject({ status: 'paid', paidAmount: '45.00', payerClaimNumber: 'COM-PCN-400' });
    expect((await claims.get(target.id))!.history.at(-1)!).toMatchObject({ actor: 'alice' });
    expect(await claims.unmatchedRemittances(50)).toEqual([]);
    expect((await claims.remittanceTotals()).unmatched).toEqual({ payments: 0, charged: '0.00', paid: '0.00' });
    expect((await claims.remittance(r!.id))!.claims.map((c) => [c.claimId, c.outcome, c.matched?.by ?? null])).toEqual([
      [null, 'unmatched', 'alice'], [target.id, 'paid', null],
    ]);
    await expect(claims.matchRemittance(unmatched[0]!.id, target.id, 'alice')).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('CLP02 19 with NM1*TT: paid by Medicare and shown as forwarded to the Medigap plan', async () => {
    const claim = await claimWith(charge['fwd-admin']!);
    const [r] = await claims.recordRemittances(synthetic835({
      trace: 'MCR-EFT-500', payerName: 'SYNTHETIC MEDICARE PART B', payerId: 'MCRB-J99', paymentDate: '2026-02-26', interchange: 706,
      claims: [{
        controlNumber: claim.controlNumber, status: '19', charge: '93.00', paid: '70.00', patientResponsibility: '0', payerClaimNumber: 'MCR-CCN-500',
        crossoverTo: { name: 'SYNTHETIC MEDIGAP PLAN', id: 'MGAP77' },
        adjustments: [{ group: 'CO', reason: '45', amount: '23.00' }],
      }],
    }), ACTOR);
    expect(r!.claims).toEqual([expect.objectContaining({ role: 'claim-payer', outcome: 'paid', status: 'paid' })]);
    expect((await claims.get(claim.id))!).toMatchObject({
      status: 'paid', payerClaimNumber: 'MCR-CCN-500', forwardedTo: 'SYNTHETIC MEDIGAP PLAN MGAP77',
    });
  });

  it('a void of the crossed-over claim carries Medicare\'s claim number in REF*F8, never the Medigap one', async () => {
    const claim = await claimWith(charge['mcr-admin']!);
    const { voidClaim } = await claims.void(claim.id, 'billed to the wrong patient', ACTOR);
    const v = (await claims.get(voidClaim!.id))!;
    expect(v.claim).toMatchObject({ frequency: '8', payerClaimNumber: 'MCR-CCN-100' });
    const run = await claims.createBatches(ACTOR, 'SYNMCR01');
    const x12 = (await claims.batchX12(run.batches[0]!.id))!.x12;
    expect(x12).toContain('REF*F8*MCR-CCN-100~');
    expect(x12).not.toContain('MGAP-CLM-900');
  });
});
