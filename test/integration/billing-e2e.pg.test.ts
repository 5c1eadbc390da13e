/**
 * Acceptance 4, end to end on real sockets, Postgres and Redis: ADT (patient + commercial coverage), VXU (a flu
 * dose) and DFT (MTM) in over MLLP → charges → POST /api/claims/build → POST /api/claims/batches (an 837P in the
 * outbox that passes the 837P checker) → a generated 835 that pays part of one claim and denies the other
 * (refused by the API while unbalanced, then recorded with `rxbridge remit`) → claim statuses, payments and the
 * payer report through the API. The 835 is synthetic, written for the claims
 * this test batched.
 */
import fs from 'node:fs';
import path from 'node:path';
import { check837P } from '../../src/billing/x12-837p-check';
import { remitCommand } from '../../src/cli/remit';
import { startHarness, TOKEN, type Harness } from './engine-harness';
import { importIcd10cmExtract, write835 } from './claims-support';
import { dftMessage, hl7Segment, waitFor } from './support';

let h: Harness;

const ADT = [
  'MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|BILLING|20261101090000||ADT^A04^ADT_A01|E2E-ADT-1|P|2.5.1',
  'EVN|A04|20261101090000',
  'PID|1||E2E100^^^PHARM01^MR||TESTPATIENT^ALEX||19800101|F|||1 ELM ST^^ANYTOWN^NY^10001',
  'PV1|1|O',
  hl7Segment('IN1', {
    1: '1', 2: 'COM-PLAN^COMMERCIAL PLAN', 3: 'SYN-COMMERCIAL', 4: 'SYNTHETIC COMMERCIAL', 8: 'GRP-9', 12: '20250101', 15: 'CI',
    16: 'TESTPATIENT^ALEX', 17: 'SEL^Self^HL70063', 18: '19800101', 22: '1', 36: 'COM-M-100',
  }),
].join('\r');

const VXU = [
  'MSH|^~\\&|RXSYS|PHARM01|IIS|STATE|20261102103000||VXU^V04^VXU_V04|E2E-VXU-1|P|2.5.1|||||||||Z22^CDCPHINVS',
  'PID|1||E2E100^^^PHARM01^MR||TESTPATIENT^ALEX||19800101|F',
  'ORC|RE||DOSE-E2E-1^PHARM01|||||||||1234567893^ORDERER^OLIVIA^^^^^^NPI',
  'RXA|0|1|20261102103000||140^Influenza IIV3 PF^CVX|0.5|mL^mL^UCUM||00^New administration^NIP001|1245319599^PHARMACIST^SAMPLE^^^^^^NPI|^^^PHARM01||||LOT123|20270630|PMC^Sanofi^MVX|||CP|A',
  'RXR|C28161^Intramuscular^NCIT|LD^Left Deltoid^HL70163',
  'OBX|1|CE|64994-7^Vaccine funding program eligibility^LN|1|V01^Not VFC eligible^HL70064||||||F|||20261102',
].join('\r');

const DFT = dftMessage({
  controlId: 'E2E-DFT-1', patientId: 'E2E100',
  lines: [
    { txn: 'MTM-1', code: 'MTM-INIT', amount: '75.00', date: '20261103' },
    { txn: 'MTM-2', code: 'MTM-ADD', amount: '40.00', units: '2', date: '20261103' },
  ],
});

async function processed(controlId: string): Promise<void> {
  await waitFor(async () => {
    const row = await h.engine.store.db.selectFrom('messages').select('status').where('control_id', '=', controlId).executeTakeFirst();
    return row?.status === 'processed';
  }, 20_000, `${controlId} to be processed`);
}

beforeAll(async () => {
  h = await startHarness({ store: 'postgres' });
  // The shipped billing.yaml requires ICD-10-CM for every payer: the FY2027 release covers November 2026.
  await importIcd10cmExtract(h.engine.store.db, 2027);
});

afterAll(async () => {
  await h?.close();
});

it('DFT + VXU in → charges → claims → 837P → an 835 paying part and denying part → statuses and payer report', async () => {
  for (const [message, controlId] of [[ADT, 'E2E-ADT-1'], [VXU, 'E2E-VXU-1'], [DFT, 'E2E-DFT-1']] as const) {
    expect(await h.send(message)).toMatch(/\rMSA\|AA\|/);
    await processed(controlId);
  }

  const built = await h.api('POST', '/api/claims/build');
  expect(built.status).toBe(200);
  expect(built.json.held).toEqual([]);
  expect(built.json.excluded).toEqual([]);
  expect(built.json.created.map((c: any) => [c.payerId, c.lines, c.totalCharge, c.status])).toEqual([
    ['SYNCOM01', 2, '53.00', 'ready'], // 2026-11-02: 90471 25.00 + 90656 28.00 (trivalent flu)
    ['SYNCOM01', 2, '115.00', 'ready'], // 2026-11-03: 99605 75.00 + 99607 40.00
  ]);
  const [vaccine, mtm] = built.json.created as Array<{ id: string; controlNumber: string }>;
  const detail = await h.api('GET', `/api/claims/${vaccine!.id}`);
  expect(detail.json.claim).toMatchObject({
    payer: { id: 'SYNCOM01' }, subscriber: { memberId: 'COM-M-100', filingIndicator: 'CI' }, patient: { relationship: '18' },
    renderingProvider: { npi: '1245319599', familyName: 'SAMPLE' }, diagnoses: ['Z23'],
  });

  const batched = await h.api('POST', '/api/claims/batches', {});
  expect(batched.status).toBe(201);
  expect(batched.json.batches).toEqual([expect.objectContaining({ payerId: 'SYNCOM01', claimIds: [vaccine!.id, mtm!.id], written: true })]);
  const batch = batched.json.batches[0];
  // The claims of the batch, as the console's batch list links them.
  const ofBatch = await h.api('GET', `/api/claims?batch=${batch.id}`);
  expect(ofBatch.json.claims.map((c: any) => c.id).sort()).toEqual([vaccine!.id, mtm!.id].sort());
  expect((await h.api('GET', '/api/claims?batch=999999')).json.claims).toEqual([]);
  const outboxFile = path.join(h.project.dataDir, 'outbox', batch.fileName);
  const x12 = await fetch(`http://127.0.0.1:${h.engine.httpAddress()!.port}/api/claims/batches/${batch.id}/x12`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  expect(x12.headers.get('content-type')).toMatch(/^application\/edi-x12/);
  const text = await x12.text();
  expect(fs.readFileSync(outboxFile, 'utf8')).toBe(text);
  expect(check837P(text)).toEqual([]);
  expect(text).toContain(`CLM*${vaccine!.controlNumber}*53***01:B:1*`);
  expect(text).toContain(`CLM*${mtm!.controlNumber}*115***01:B:1*`);

  const remit = (paymentAmount?: string) => write835({
    trace: 'E2E-EFT-1', payerName: 'SYNTHETIC COMMERCIAL HEALTH PLAN', payerId: 'SYNCOM01', paymentDate: '2026-11-20', paymentAmount,
    claims: [
      {
        controlNumber: vaccine!.controlNumber, status: '1', charge: '53.00', paid: '20.00', payerClaimNumber: 'E2E-PCN-1',
        services: [
          { code: '90471', charge: '25.00', paid: '20.00', date: '2026-11-02', adjustments: [{ group: 'CO', reason: '45', amount: '5.00' }] },
          { code: '90656', charge: '28.00', paid: '0.00', date: '2026-11-02', adjustments: [{ group: 'CO', reason: '96', amount: '28.00' }] },
        ],
      },
      {
        controlNumber: mtm!.controlNumber, status: '4', charge: '115.00', paid: '0.00', payerClaimNumber: 'E2E-PCN-2',
        adjustments: [{ group: 'CO', reason: '50', amount: '115.00' }],
      },
    ],
  });
  const refused = await h.api('POST', '/api/remittances', { x12: remit('25.00') });
  expect(refused.status).toBe(422);
  expect(refused.json.error.code).toBe('REMITTANCE_UNBALANCED');
  expect(refused.json.error.message).toMatch(/payment 25\.00 \(BPR02\) does not equal claims paid 20\.00/);

  // The balanced 835 goes in through the CLI, as an operator would send it: rxbridge remit FILE.
  const file = path.join(h.project.root, 'remit.835');
  fs.writeFileSync(file, remit());
  const lines: string[] = [];
  const env = { RXBRIDGE_ADMIN_TOKEN: TOKEN, HTTP_PORT: String(h.engine.httpAddress()!.port) };
  expect(await remitCommand([file], env, (l) => lines.push(l))).toBe(0);
  expect(lines).toEqual([
    `${file}: trace E2E-EFT-1, payment 20.00, 2 claims recorded`,
    `  ${vaccine!.controlNumber}: partial, paid 20.00 → partial`,
    `  ${mtm!.controlNumber}: denied, paid 0.00 → denied`,
  ]);
  const again: string[] = [];
  expect(await remitCommand([file], env, (l) => again.push(l))).toBe(1);
  expect(again).toEqual([expect.stringMatching(/: 409 CONFLICT remittance trace E2E-EFT-1 of this payer is already recorded/)]);

  const partial = await h.api('GET', '/api/claims?status=partial');
  expect(partial.json.claims.map((c: any) => c.id)).toEqual([vaccine!.id]);
  const v = await h.api('GET', `/api/claims/${vaccine!.id}`);
  expect(v.json).toMatchObject({ status: 'partial', payerClaimNumber: 'E2E-PCN-1', paidAmount: '20.00' });
  expect(v.json.history.map((e: any) => e.to_status)).toEqual(['draft', 'ready', 'batched', 'submitted', 'accepted', 'partial']);
  expect(v.json.payments[0].lines.map((l: any) => [l.lineNumber, l.outcome])).toEqual([[1, 'paid'], [2, 'denied']]);

  const payers = await h.api('GET', '/api/reports/payers');
  expect(payers.json.payers).toEqual([expect.objectContaining({
    payerId: 'SYNCOM01', claims: 2, charged: '168.00', paid: '20.00', adjudicated: 2, denied: 1, denialRate: 0.5,
  })]);
  const revenue = await h.api('GET', '/api/reports/revenue?by=service');
  expect(revenue.json.rows).toEqual([
    expect.objectContaining({ key: 'immunization-admin', charged: '25.00', paid: '20.00' }),
    expect.objectContaining({ key: 'mtm', charged: '115.00', paid: '0.00' }),
    expect.objectContaining({ key: 'vaccine-product', charged: '28.00', paid: '0.00' }),
  ]);

  // A CLP whose CLP01 the payer mistyped: listed as unmatched, then matched by hand to the denied MTM claim; a
  // deductible beside a CO-45 write-down makes it a processed claim the patient owes.
  const stray = await h.api('POST', '/api/remittances', { x12: write835({
    trace: 'E2E-EFT-2', payerName: 'SYNTHETIC COMMERCIAL HEALTH PLAN', payerId: 'SYNCOM01', paymentDate: '2026-11-27', interchange: 502,
    claims: [{
      controlNumber: 'RXE2ETYPO', status: '1', charge: '115.00', paid: '0.00', patientResponsibility: '15.00', payerClaimNumber: 'E2E-PCN-3',
      adjustments: [{ group: 'CO', reason: '45', amount: '100.00' }, { group: 'PR', reason: '1', amount: '15.00' }],
    }],
  }) });
  expect(stray.status).toBe(201);
  expect(stray.json.remittances[0].unmatched).toEqual(['RXE2ETYPO']);
  const unmatched = await h.api('GET', '/api/remittances/unmatched');
  expect(unmatched.json.payments).toEqual([expect.objectContaining({ controlNumber: 'RXE2ETYPO', traceNumber: 'E2E-EFT-2', charge: '115.00' })]);
  const paymentId = unmatched.json.payments[0].id as string;
  const bad = await h.api('POST', `/api/remittances/unmatched/${paymentId}/match`, { claimId: 'the mtm one' });
  expect(bad.status).toBe(400);
  const matched = await h.api('POST', `/api/remittances/unmatched/${paymentId}/match`, { claimId: mtm!.id });
  expect(matched.status).toBe(200);
  expect(matched.json).toMatchObject({ claimId: mtm!.id, role: 'claim-payer', outcome: 'patient-responsibility', status: 'paid' });
  expect((await h.api('GET', `/api/claims/${mtm!.id}`)).json).toMatchObject({ status: 'paid', patientResponsibility: '15.00', payerClaimNumber: 'E2E-PCN-3' });
  expect((await h.api('GET', '/api/remittances/unmatched')).json.payments).toEqual([]);
  const remitDetail = await h.api('GET', `/api/remittances/${stray.json.remittances[0].id}`);
  expect(remitDetail.json.claims.map((c: any) => [c.controlNumber, c.claimId, c.outcome])).toEqual([
    ['RXE2ETYPO', null, 'unmatched'], [mtm!.controlNumber, mtm!.id, 'patient-responsibility'],
  ]);
  expect((await h.api('GET', '/api/reports/revenue?by=payer')).json.unmatched).toEqual({ payments: 0, charged: '0.00', paid: '0.00' });
});
