/**
 * The money path end to end, as a pharmacy biller meets it, on real sockets, Postgres and Redis with the shipped
 * channel, mappings, billing.yaml and payer rules:
 * - ADT^A04 for a Medicare patient with two coverages (Medicare Part B primary — the feed says plan type MC —
 *   and a Medigap plan second), and one for a commercial patient;
 * - a VXU flu dose (this season's trivalent product, no IN1 in the message), an ORU A1c point-of-care test with its
 *   ordering prescriber, a DFT MTM visit — over MLLP;
 * - the code sets the shipped billing.yaml requires (ICD-10-CM; NCCI and MUE for Medicare) and the prescriber,
 *   loaded with `rxbridge codes import` and `rxbridge providers import`;
 * - claims built and batched: the Medicare flu claim bills G0008 from the stored coverage, SBR09 is the payer's MB
 *   (the feed's MC is a warning), the lab line names its ordering provider; every 837P passes the checker;
 * - Medicare's 835: the flu claim paid with CO-45, the A1c claim paid nothing with CO-45 + PR-1 (a deductible: paid,
 *   the patient owes 22.00);
 * - the Medigap plan's crossover 835 (CLP02 2, its own N1*PR / REF*2U / TRN03) pays the deductible: the claim stays
 *   paid with Medicare's claim number, nobody owes anything, the payer report shows each payer's money.
 * Every value is synthetic.
 */
import fs from 'node:fs';
import path from 'node:path';
import { check837P } from '../../src/billing/x12-837p-check';
import { codesCommand } from '../../src/cli/codes';
import { providersCommand } from '../../src/cli/providers';
import { synthetic835 } from '../unit/x12-835-writer';
import { importIcd10cmExtract, tempDir } from './claims-support';
import { startHarness, TOKEN, type Harness } from './engine-harness';
import { dftMessage, hl7Segment, ROOT, waitFor } from './support';

jest.setTimeout(120_000);

const ORDERER = '1555555550';
const PHARMACIST = '1245319599';
let h: Harness;

const ADT_MEDICARE = [
  'MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|BILLING|20261101090000||ADT^A04^ADT_A01|BT-ADT-1|P|2.5.1',
  'EVN|A04|20261101090000',
  'PID|1||BT100^^^PHARM01^MR||TESTPATIENT^MORGAN||19500301|F|||1 ELM ST^^ANYTOWN^NY^10001',
  'PV1|1|O',
  hl7Segment('IN1', {
    1: '1', 2: 'MCR-B^MEDICARE PART B', 3: 'SYN-MEDICARE-B', 4: 'SYNTHETIC MEDICARE PART B', 12: '20150301', 15: 'MC',
    16: 'TESTPATIENT^MORGAN', 17: 'SEL^Self^HL70063', 18: '19500301', 22: '1', 36: '1EG4TE5MK73',
  }),
  hl7Segment('IN1', {
    1: '2', 2: 'MGAP-F^MEDIGAP PLAN F', 3: 'SYN-MEDIGAP', 4: 'SYNTHETIC MEDIGAP PLAN', 12: '20150301', 15: 'SUPP',
    16: 'TESTPATIENT^MORGAN', 17: 'SEL^Self^HL70063', 18: '19500301', 22: '2', 36: 'MGAP-55501',
  }),
].join('\r');

const ADT_COMMERCIAL = [
  'MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|BILLING|20261101090500||ADT^A04^ADT_A01|BT-ADT-2|P|2.5.1',
  'EVN|A04|20261101090500',
  'PID|1||BT200^^^PHARM01^MR||TESTPATIENT^ALEX||19800101|F|||2 OAK ST^^ANYTOWN^NY^10001',
  'PV1|1|O',
  hl7Segment('IN1', {
    1: '1', 2: 'COM-PLAN^COMMERCIAL PLAN', 3: 'SYN-COMMERCIAL', 4: 'SYNTHETIC COMMERCIAL', 8: 'GRP-9', 12: '20250101', 15: 'CI',
    16: 'TESTPATIENT^ALEX', 17: 'SEL^Self^HL70063', 18: '19800101', 22: '1', 36: 'COM-M-200',
  }),
].join('\r');

/** A trivalent flu dose of the 2026–2027 season, no IN1 in the message (coverage comes from the ADT). */
const VXU = [
  'MSH|^~\\&|RXSYS|PHARM01|IIS|STATE|20261102103000||VXU^V04^VXU_V04|BT-VXU-1|P|2.5.1|||ER|AL|||||Z22^CDCPHINVS',
  'PID|1||BT100^^^PHARM01^MR||TESTPATIENT^MORGAN||19500301|F',
  `ORC|RE||DOSE-BT-1^PHARM01|||||||||${ORDERER}^ORDERER^OLIVIA^^^^^^NPI`,
  `RXA|0|1|20261102103000||140^Influenza IIV3 PF^CVX|0.5|mL^mL^UCUM||00^New administration^NIP001|${PHARMACIST}^PHARMACIST^SAMPLE^^^^^^NPI|^^^PHARM01||||LOT123|20270630|PMC^Sanofi^MVX|||CP|A`,
  'RXR|C28161^Intramuscular^NCIT|LD^Left Deltoid^HL70163',
  'OBX|1|CE|64994-7^Vaccine funding program eligibility^LN|1|V01^Not VFC eligible^HL70064||||||F|||20261102',
].join('\r');

/** A CLIA-waived A1c the next day, ordered by the prescriber. */
const ORU = [
  'MSH|^~\\&|POCSYS|PHARM01|RXBRIDGE|BILLING|20261103100000||ORU^R01^ORU_R01|BT-ORU-1|P|2.5.1',
  'PID|1||BT100^^^PHARM01^MR||TESTPATIENT^MORGAN||19500301|F',
  'ORC|RE|PL-BT1|ACC-BT1',
  `OBR|1|PL-BT1|ACC-BT1|4548-4^Hemoglobin A1c^LN|||20261103093000|||||||||${ORDERER}^ORDERER^OLIVIA^^^^^^NPI|||||||||F||||||E11.9^Type 2 diabetes mellitus without complications^I10`,
  `OBX|1|NM|4548-4^Hemoglobin A1c/Hemoglobin.total in Blood^LN||7.2|%|||||F|||20261103094500||${PHARMACIST}^PHARMACIST^SAMPLE^^^^^^NPI`,
].join('\r');

const DFT = dftMessage({
  controlId: 'BT-DFT-1', patientId: 'BT200',
  lines: [{ txn: 'BT-MTM-1', code: 'MTM-INIT', amount: '75.00', date: '20261103' }],
});

async function processed(controlId: string): Promise<void> {
  await waitFor(async () => {
    const row = await h.engine.store.db.selectFrom('messages').select('status').where('control_id', '=', controlId).executeTakeFirst();
    return row?.status === 'processed';
  }, 20_000, `${controlId} to be processed`);
}

/** Runs an `rxbridge` subcommand against the test store; its output lines. */
async function cli(command: typeof codesCommand, args: string[]): Promise<string[]> {
  const lines: string[] = [];
  let err = '';
  const code = await command(args, { DATABASE_URL: h.databaseUrl }, { out: (l: string) => lines.push(l), err: (t: string) => { err += t; }, now: () => Date.now() });
  expect({ args, code, err: err.replace(/\r[^\n]*/g, '').trim() }).toMatchObject({ args, code: 0 });
  return lines;
}

beforeAll(async () => {
  h = await startHarness({ store: 'postgres' });
});

afterAll(async () => {
  await h?.close();
});

it('ADT with two coverages → VXU/ORU/DFT → claims → 837P → Medicare 835 (CO-45 + PR-1) → Medigap crossover 835', async () => {
  for (const [message, controlId] of [[ADT_MEDICARE, 'BT-ADT-1'], [ADT_COMMERCIAL, 'BT-ADT-2'], [VXU, 'BT-VXU-1'], [ORU, 'BT-ORU-1'], [DFT, 'BT-DFT-1']] as const) {
    // One answer on the connection for each, the immunization profile's ER/AL included.
    expect(await h.send(message)).toMatch(/\rMSA\|AA\|/);
    await processed(controlId);
  }

  // What the shipped billing.yaml requires, loaded as an operator would: the code sets and the prescriber.
  await importIcd10cmExtract(h.engine.store.db, 2027);
  const fixtures = path.join(ROOT, 'test/fixtures/codesets');
  await cli(codesCommand, ['import', 'ncci', path.join(fixtures, 'ccipra-v321r0-f1.txt')]);
  await cli(codesCommand, ['import', 'mue', path.join(fixtures, 'MCR_MUE_PractitionerServices_Eff_01-01-2026.csv')]);
  const csv = path.join(tempDir('rxb-bt-'), 'prescribers.csv');
  fs.writeFileSync(csv, `npi,familyName,givenName\n${ORDERER},ORDERER,OLIVIA\n`);
  expect((await cli(providersCommand, ['import', csv])).join('\n')).toMatch(/1 new/);

  const built = await h.api('POST', '/api/claims/build');
  expect(built.status).toBe(200);
  expect({ held: built.json.held, excluded: built.json.excluded }).toEqual({ held: [], excluded: [] });
  const created = built.json.created as Array<{ id: string; controlNumber: string; payerId: string; status: string }>;
  expect(created.map((c) => [c.payerId, c.status])).toEqual([
    ['SYNMCR01', 'ready'], ['SYNMCR01', 'ready'], ['SYNCOM01', 'ready'],
  ]);
  const detail = async (id: string) => (await h.api('GET', `/api/claims/${id}`)).json;
  const [flu, a1c, mtm] = await Promise.all(created.map((c) => detail(c.id)));

  // The flu claim: G0008 chosen from the stored Medicare coverage (no IN1 in the VXU), this season's product;
  // SBR09 is the payer's MB, the feed's MC a warning.
  expect(flu.claim.lines.map((l: any) => l.code)).toEqual(['G0008', '90656']);
  expect(flu.claim.subscriber).toMatchObject({ memberId: '1EG4TE5MK73', filingIndicator: 'MB' });
  expect(flu.findings.map((f: any) => [f.ruleId, f.severity])).toEqual(expect.arrayContaining([['filing-indicator-mismatch', 'warning']]));
  // The A1c claim: 83036-QW naming its ordering provider, from the import.
  expect(a1c.claim.lines.map((l: any) => [l.code, l.modifiers, l.orderingProvider?.npi])).toEqual([['83036', ['QW'], ORDERER]]);
  expect(mtm.claim.lines.map((l: any) => l.code)).toEqual(['99605']);

  const batched = await h.api('POST', '/api/claims/batches', {});
  expect(batched.status).toBe(201);
  expect(batched.json.held).toEqual([]);
  const batches = batched.json.batches as Array<{ id: string; payerId: string }>;
  expect(batches.map((b) => b.payerId)).toEqual(['SYNCOM01', 'SYNMCR01']);
  for (const b of batches) {
    const res = await fetch(`http://127.0.0.1:${h.engine.httpAddress()!.port}/api/claims/batches/${b.id}/x12`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const text = await res.text();
    expect({ payer: b.payerId, problems: check837P(text) }).toEqual({ payer: b.payerId, problems: [] });
    if (b.payerId === 'SYNMCR01') {
      expect(text).toMatch(/\bSBR\*P\*18\*+MB~/);
      expect(text).toContain('SV1*HC:G0008*');
      expect(text).toContain(`NM1*DK*1*ORDERER*OLIVIA****XX*${ORDERER}~`);
      expect(text).not.toContain('SV1*HC:90471');
    }
  }

  // Medicare's 835: the flu claim paid with write-downs; the A1c claim paid nothing, CO-45 + PR-1 (deductible).
  const fluLines = flu.claim.lines as Array<{ code: string; chargeAmount: string }>;
  const cents = (s: string) => Math.round(Number(s) * 100);
  const amount = (c: number) => (c / 100).toFixed(2);
  const fluPaid = fluLines.map((l) => cents(l.chargeAmount) - 300);
  const medicare835 = synthetic835({
    trace: 'BT-MCR-EFT-1', payerName: 'SYNTHETIC MEDICARE PART B', payerId: 'SYNMCR01', paymentDate: '2026-11-20', interchange: 811,
    claims: [
      {
        controlNumber: flu.controlNumber, status: '1', charge: flu.totalCharge, paid: amount(fluPaid.reduce((a, b) => a + b, 0)),
        payerClaimNumber: 'MCR-FLU-1',
        services: fluLines.map((l, i) => ({
          code: l.code, charge: l.chargeAmount, paid: amount(fluPaid[i]!), date: '2026-11-02', adjustments: [{ group: 'CO', reason: '45', amount: '3.00' }],
        })),
      },
      {
        controlNumber: a1c.controlNumber, status: '1', charge: '40.00', paid: '0.00', patientResponsibility: '22.00', payerClaimNumber: 'MCR-A1C-1',
        services: [{
          code: '83036', modifiers: ['QW'], charge: '40.00', paid: '0.00', date: '2026-11-03',
          adjustments: [{ group: 'CO', reason: '45', amount: '18.00' }, { group: 'PR', reason: '1', amount: '22.00' }],
        }],
      },
    ],
  });
  const posted = await h.api('POST', '/api/remittances', { x12: medicare835 });
  expect(posted.status).toBe(201);
  let fluNow = await detail(flu.id);
  let a1cNow = await detail(a1c.id);
  expect(fluNow).toMatchObject({ status: 'paid', payerClaimNumber: 'MCR-FLU-1', patientResponsibility: '0.00' });
  // A deductible is not a denial: paid, the balance moves to the patient.
  expect(a1cNow).toMatchObject({ status: 'paid', payerClaimNumber: 'MCR-A1C-1', paidAmount: '0.00', patientResponsibility: '22.00' });

  // The Medigap plan's crossover 835 pays the deductible.
  const medigap835 = synthetic835({
    trace: 'BT-MGAP-CHK-1', payerName: 'SYNTHETIC MEDIGAP PLAN', payerQualifier: 'PI', payerId: 'MGAP77', ref2U: 'MGAP77',
    trn03: '1888888881', paymentDate: '2026-12-01', interchange: 812,
    claims: [{
      controlNumber: a1c.controlNumber, status: '2', charge: '40.00', paid: '22.00', patientResponsibility: '0', payerClaimNumber: 'MGAP-CLM-1',
      services: [{ code: '83036', modifiers: ['QW'], charge: '40.00', paid: '22.00', date: '2026-11-03', adjustments: [{ group: 'CO', reason: '45', amount: '18.00' }] }],
    }],
  });
  expect((await h.api('POST', '/api/remittances', { x12: medigap835 })).status).toBe(201);
  a1cNow = await detail(a1c.id);
  fluNow = await detail(flu.id);
  // Medicare's adjudication stands: status and claim number; the secondary's money is its own row; nobody owes.
  expect(a1cNow).toMatchObject({ status: 'paid', payerClaimNumber: 'MCR-A1C-1', paidAmount: '22.00', patientResponsibility: '0.00' });
  expect(a1cNow.payments.map((p: any) => [p.traceNumber, p.role, p.paid, p.payerClaimNumber])).toEqual([
    ['BT-MCR-EFT-1', 'claim-payer', '0.00', 'MCR-A1C-1'], ['BT-MGAP-CHK-1', 'secondary', '22.00', 'MGAP-CLM-1'],
  ]);
  expect(fluNow.status).toBe('paid');
  expect((await detail(mtm.id)).status).toBe('batched');

  const fluPaidTotal = amount(fluPaid.reduce((a, b) => a + b, 0));
  const payers = (await h.api('GET', '/api/reports/payers')).json.payers as any[];
  const medicareCharged = amount(cents(flu.totalCharge) + 4000);
  expect(payers.find((p) => p.payerId === 'SYNMCR01')).toMatchObject({
    claims: 2, charged: medicareCharged, paid: fluPaidTotal, adjudicated: 2, denied: 0, crossovers: 0,
  });
  expect(payers.find((p) => p.payerId === 'MGAP77')).toMatchObject({ claims: 0, paid: '22.00', crossovers: 1 });
  expect(payers.find((p) => p.payerId === 'SYNCOM01')).toMatchObject({ claims: 1, charged: '75.00', paid: '0.00', adjudicated: 0 });
  const revenue = (await h.api('GET', '/api/reports/revenue?by=payer')).json.rows as any[];
  expect(revenue.find((r) => r.key === 'SYNMCR01')).toMatchObject({
    claims: 2, charged: medicareCharged, paid: amount(cents(fluPaidTotal) + 2200), patientResponsibility: '0.00',
  });
});
