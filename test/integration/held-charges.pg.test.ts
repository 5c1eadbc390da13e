/**
 * Held charges end to end on real sockets, Postgres and Redis, with the shipped vxu-v04 mapping and billing.yaml:
 * a VXU whose vaccine has no product code on its date (an unknown CVX 999; CVX 168 in a season the table does not
 * know yet) is processed, not dead-lettered: the administration is an active charge and is claimed, the product
 * is a held charge listed with its reason (GET /api/claims/unclaimed, the missed-charges report, GET /api/charges)
 * and never claimed. After the biller adds the season's row (the mappings API) and replays the message, the held
 * charge is replaced by the billed one, the administration is not written twice, and the next build claims it.
 * A VFC dose for the Medicaid payer bills its product with SL at 0.00. Messages are synthetic, modelled on the
 * corpus immunization messages (FHIR-Converter VXU samples).
 */
import { importIcd10cmExtract } from './claims-support';
import { startHarness, type Harness } from './engine-harness';
import { hl7Segment, waitFor } from './support';

let h: Harness;

const adt = (controlId: string, patient: string, company: string, planId: string) => [
  `MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|BILLING|20260901090000||ADT^A04^ADT_A01|${controlId}|P|2.5.1`,
  'EVN|A04|20260901090000',
  `PID|1||${patient}^^^PHARM01^MR||TESTPATIENT^HELD||20150101|F|||1 ELM ST^^ANYTOWN^NY^10001`,
  'PV1|1|O',
  hl7Segment('IN1', {
    1: '1', 2: `${planId}^PLAN`, 3: company, 4: 'SYNTHETIC PLAN', 12: '20250101', 16: 'TESTPATIENT^HELD',
    17: 'SEL^Self^HL70063', 18: '20150101', 22: '1', 36: `${patient}-M`,
  }),
].join('\r');

/** One new dose (2.5.1, Z22 profile) as a pharmacy system sends it: ORC, RXA, RXR and the VFC eligibility OBX. */
const vxu = (o: { controlId: string; patient: string; dose: string; date: string; cvx: string; vfc?: string }) => [
  `MSH|^~\\&|RXSYS|PHARM01|IIS|STATE|${o.date}090000||VXU^V04^VXU_V04|${o.controlId}|P|2.5.1|||||||||Z22^CDCPHINVS`,
  `PID|1||${o.patient}^^^PHARM01^MR||TESTPATIENT^HELD||20150101|F`,
  `ORC|RE||${o.dose}^PHARM01|||||||||1234567893^ORDERER^OLIVIA^^^^^^NPI`,
  `RXA|0|1|${o.date}103000||${o.cvx}^Influenza vaccine^CVX|0.5|mL^mL^UCUM||00^New administration^NIP001|1245319599^PHARMACIST^SAMPLE^^^^^^NPI|^^^PHARM01||||LOT77|20270630|SEQ^Seqirus^MVX|||CP|A`,
  'RXR|C28161^Intramuscular^NCIT|LD^Left Deltoid^HL70163',
  `OBX|1|CE|64994-7^Vaccine funding program eligibility^LN|1|${o.vfc ?? 'V01'}^eligibility^HL70064||||||F|||${o.date}`,
].join('\r');

const UNKNOWN = vxu({ controlId: 'HC-VXU-999', patient: 'HC100', dose: 'DOSE-HC-1', date: '20261001', cvx: '999' });
const NEXT_SEASON = vxu({ controlId: 'HC-VXU-168', patient: 'HC100', dose: 'DOSE-HC-2', date: '20270901', cvx: '168' });
const VFC = vxu({ controlId: 'HC-VXU-VFC', patient: 'HC200', dose: 'DOSE-HC-3', date: '20261001', cvx: '168', vfc: 'V05' });

async function messageId(controlId: string, status: string): Promise<string> {
  let id = '';
  await waitFor(async () => {
    const row = await h.engine.store.db.selectFrom('messages').select(['id', 'status']).where('control_id', '=', controlId).executeTakeFirst();
    id = row ? String(row.id) : '';
    return row?.status === status;
  }, 20_000, `${controlId} to be ${status}`);
  return id;
}

async function chargesOf(id: string) {
  return h.engine.store.db.selectFrom('charges').select(['id', 'transaction_id', 'status', 'code', 'code_system', 'charge_amount', 'hold_reason'])
    .where('message_id', '=', id as never).orderBy('id').execute();
}

beforeAll(async () => {
  h = await startHarness({ store: 'postgres' });
  // The shipped billing.yaml requires ICD-10-CM for every payer: the FY2027 release covers October 2026.
  await importIcd10cmExtract(h.engine.store.db, 2027);
  for (const [message, controlId] of [
    [adt('HC-ADT-1', 'HC100', 'SYN-COMMERCIAL', 'COM-PLAN'), 'HC-ADT-1'],
    [adt('HC-ADT-2', 'HC200', 'SYN-MEDICAID', 'MCD-PLAN'), 'HC-ADT-2'],
  ] as const) {
    expect(await h.send(message)).toMatch(/\rMSA\|AA\|/);
    await messageId(controlId, 'processed');
  }
}, 60_000);

afterAll(async () => {
  await h?.close();
});

it('an unknown CVX over MLLP is processed, not dead-lettered: the admin bills, the product is held with its reason', async () => {
  expect(await h.send(UNKNOWN)).toMatch(/\rMSA\|AA\|HC-VXU-999/);
  const id = await messageId('HC-VXU-999', 'processed');
  expect((await chargesOf(id)).map((c) => [c.transaction_id, c.status, c.code, c.code_system, String(c.charge_amount), c.hold_reason])).toEqual([
    ['DOSE-HC-1-admin', 'active', '90471', 'CPT', '25.00', null],
    ['DOSE-HC-1-product', 'held', '999', 'CVX', '0.00', 'no product code for CVX 999 on 2026-10-01'],
  ]);
  const [, product] = await chargesOf(id);

  const unclaimed = await h.api('GET', '/api/claims/unclaimed');
  expect(unclaimed.status).toBe(200);
  expect(unclaimed.json.held).toContainEqual({
    chargeId: String(product!.id), reason: 'charge-held', message: 'no product code for CVX 999 on 2026-10-01', messageId: id,
    patientRef: 'HC100', serviceDate: '2026-10-01', code: '999', chargeAmount: '0.00',
  });

  const missed = await h.api('GET', '/api/reports/missed-charges');
  expect(missed.json.messages.map((r: any) => [r.controlId, r.status, r.reason, r.detail])).toContainEqual(
    ['HC-VXU-999', 'processed', 'charge-held', 'no product code for CVX 999 on 2026-10-01'],
  );

  const listed = await h.api('GET', '/api/charges?status=held');
  expect(listed.status).toBe(200);
  expect(listed.json.charges.map((c: any) => [c.transaction_id, c.hold_reason])).toEqual([
    ['DOSE-HC-1-product', 'no product code for CVX 999 on 2026-10-01'],
  ]);

  const build = await h.api('POST', '/api/claims/build');
  expect(build.status).toBe(200);
  expect(build.json.held).toContainEqual(expect.objectContaining({ chargeId: String(product!.id), reason: 'charge-held' }));
  const claimed = await h.engine.store.db.selectFrom('claim_lines').select(['charge_id', 'code']).execute();
  expect(claimed.map((l) => String(l.charge_id))).not.toContain(String(product!.id));
  expect(claimed.map((l) => l.code)).toContain('90471');

  // Replaying it before the table is fixed changes nothing: still held, with the same reason; nothing doubled.
  const replay = await h.api('POST', `/api/messages/${id}/replay`);
  expect(replay.status).toBe(202);
  await waitFor(async () => (await h.engine.store.db.selectFrom('messages').select('replays').where('id', '=', id as never)
    .executeTakeFirst())?.replays === 1, 10_000, 'the replay to be recorded');
  await messageId('HC-VXU-999', 'processed');
  expect((await chargesOf(id)).map((c) => [c.status, c.hold_reason])).toEqual([
    ['active', null], ['held', 'no product code for CVX 999 on 2026-10-01'],
  ]);
});

it('a season the table does not know holds the product; adding the row and replaying the message releases it', async () => {
  expect(await h.send(NEXT_SEASON)).toMatch(/\rMSA\|AA\|/);
  const id = await messageId('HC-VXU-168', 'processed');
  const before = await chargesOf(id);
  expect(before.map((c) => [c.status, c.code, c.hold_reason])).toEqual([
    ['active', '90471', null], ['held', '168', 'no product code for CVX 168 on 2027-09-01'],
  ]);

  // The biller adds the 2027-2028 season's row for CVX 168 through the mappings API (the engine reloads it) …
  const current = await h.api('GET', '/api/mappings/vxu-v04');
  expect(current.status).toBe(200);
  const content = String(current.json.content);
  const seasonRow = '      - { code: "90653", from: 2026-08-01, to: 2027-07-31 }\n';
  expect(content).toContain(seasonRow);
  const fixed = content.replace(seasonRow, `${seasonRow}      - { code: "90653", from: 2027-08-01, to: 2028-07-31 }\n`);
  const saved = await h.api('PUT', '/api/mappings/vxu-v04', { content: fixed });
  expect(saved.status).toBe(200);

  // … and replays the message.
  expect((await h.api('POST', `/api/messages/${id}/replay`)).status).toBe(202);
  await waitFor(async () => (await chargesOf(id)).every((c) => c.status === 'active'), 20_000, 'the held charge to be released');
  const after = await chargesOf(id);
  expect(after.map((c) => [c.id, c.transaction_id, c.status, c.code, c.code_system, String(c.charge_amount), c.hold_reason])).toEqual([
    [before[0]!.id, 'DOSE-HC-2-admin', 'active', '90471', 'CPT', '25.00', null],
    [before[1]!.id, 'DOSE-HC-2-product', 'active', '90653', 'CPT', '72.00', null],
  ]);
  const all = await h.engine.store.db.selectFrom('charges').select('id').where('transaction_id', 'like', 'DOSE-HC-2-%').execute();
  expect(all).toHaveLength(2);

  const unclaimed = await h.api('GET', '/api/claims/unclaimed');
  expect(unclaimed.json.held.map((c: any) => c.chargeId)).not.toContain(String(before[1]!.id));
  const build = await h.api('POST', '/api/claims/build');
  expect(build.status).toBe(200);
  const line = await h.engine.store.db.selectFrom('claim_lines').select(['code', 'charge_amount'])
    .where('charge_id', '=', String(before[1]!.id) as never).executeTakeFirst();
  expect(line).toMatchObject({ code: '90653' });
  expect(String(line!.charge_amount)).toBe('72.00');
});

it('a VFC dose for the Medicaid payer bills the admin and the product with SL at 0.00', async () => {
  expect(await h.send(VFC)).toMatch(/\rMSA\|AA\|/);
  const id = await messageId('HC-VXU-VFC', 'processed');
  expect((await chargesOf(id)).map((c) => [c.status, c.code, String(c.charge_amount)])).toEqual([
    ['active', '90471', '25.00'], ['active', '90653', '0.00'],
  ]);
  const build = await h.api('POST', '/api/claims/build');
  expect(build.status).toBe(200);
  const created = build.json.created.find((c: any) => c.payerId === 'SYNMCD01');
  expect(created).toMatchObject({ lines: 2, totalCharge: '25.00' });
  const claim = await h.api('GET', `/api/claims/${created.id}`);
  expect(claim.json.claim.lines.map((l: any) => [l.code, l.modifiers, l.chargeAmount])).toEqual([
    ['90471', [], '25.00'], ['90653', ['SL'], '0.00'],
  ]);
  expect(claim.json.findings.filter((f: any) => f.severity === 'error')).toEqual([]);
});

it('a message with a deletion is written line by line: the deletion reverses a held product, a new held line is released by replay', async () => {
  const mixed = [
    'MSH|^~\\&|RXSYS|PHARM01|IIS|STATE|20280901090000||VXU^V04^VXU_V04|HC-VXU-MIX|P|2.5.1',
    'PID|1||HC100^^^PHARM01^MR||TESTPATIENT^HELD||20150101|F',
    'ORC|RE||DOSE-HC-1^PHARM01',
    'RXA|0|1|20261001103000||999^Unknown vaccine^CVX|0.5|mL||00^New administration^NIP001|||||||||||CP|D',
    'ORC|RE||DOSE-HC-4^PHARM01',
    'RXA|0|1|20280901103000||168^Influenza vaccine^CVX|0.5|mL||00^New administration^NIP001|||||||||||CP|A',
    'RXR|C28161^Intramuscular^NCIT',
  ].join('\r');
  expect(await h.send(mixed)).toMatch(/\rMSA\|AA\|/);
  const id = await messageId('HC-VXU-MIX', 'processed');
  const statusOf = async (txn: string) => (await h.engine.store.db.selectFrom('charges').select(['status', 'code', 'hold_reason'])
    .where('transaction_id', '=', txn).where('status', '!=', 'reversal').executeTakeFirst());
  expect(await statusOf('DOSE-HC-1-admin')).toMatchObject({ status: 'reversed' });
  expect(await statusOf('DOSE-HC-1-product')).toMatchObject({ status: 'reversed', hold_reason: null });
  expect(await statusOf('DOSE-HC-4-admin')).toMatchObject({ status: 'active', code: '90471' });
  expect(await statusOf('DOSE-HC-4-product')).toMatchObject({ status: 'held', hold_reason: 'no product code for CVX 168 on 2028-09-01' });
  const written = (await chargesOf(id)).length;

  const unclaimed = await h.api('GET', '/api/claims/unclaimed');
  expect(unclaimed.json.held.filter((c: any) => c.reason === 'charge-held').map((c: any) => c.message)).toEqual([
    'no product code for CVX 168 on 2028-09-01',
  ]);

  const content = String((await h.api('GET', '/api/mappings/vxu-v04')).json.content);
  const lastRow = '      - { code: "90653", from: 2027-08-01, to: 2028-07-31 }\n';
  expect(content).toContain(lastRow);
  const saved = await h.api('PUT', '/api/mappings/vxu-v04', { content: content.replace(lastRow, `${lastRow}      - { code: "90653", from: 2028-08-01, to: 2029-07-31 }\n`) });
  expect(saved.status).toBe(200);
  expect((await h.api('POST', `/api/messages/${id}/replay`)).status).toBe(202);
  await waitFor(async () => (await statusOf('DOSE-HC-4-product'))?.status === 'active', 20_000, 'the held line to be released');
  expect(await statusOf('DOSE-HC-4-product')).toMatchObject({ status: 'active', code: '90653', hold_reason: null });
  expect((await chargesOf(id)).length).toBe(written); // the reversals and the admin line were not written again
});
