/**
 * Patient merges end to end on real sockets, Postgres and Redis, with the shipped channel, adt, adt-a40 and dft-p03
 * mappings and billing.yaml. Two registrations of one person: MG100 (kept) and MG200 (a duplicate registration with
 * the same commercial plan and a Medicaid secondary). MG200's charges are built into two claims; one is batched
 * (sent), the other stays ready. Then ADT^A40 (PID MG100, MRG MG200):
 * - MG200's charges and its Medicaid coverage are MG100's; its commercial coverage duplicates MG100's and stays
 *   behind, the charges that pointed at it point at MG100's;
 * - the ready claim is voided and its charges released; the next build claims them under MG100 (MG100's member id
 *   in the claim); the batched claim stays as sent, with a note in its history;
 * - the message event says what moved, in counts and claim ids;
 * - a later DFT for MG200 lands on MG100; the same merge again moves nothing; a merge contradicting it is a dead
 *   letter with PATIENT_MERGE_CONFLICT.
 * Merge messages are synthetic. The ADT^A08/A31 updates are the public FHIR-Converter samples of the corpus.
 */
import fs from 'node:fs';
import path from 'node:path';
import { importIcd10cmExtract } from './claims-support';
import { startHarness, type Harness } from './engine-harness';
import { CORPUS, dftMessage, hl7Segment, waitFor } from './support';

let h: Harness;

const in1 = (set: number, planId: string, company: string, priority: string, memberId: string) => hl7Segment('IN1', {
  1: String(set), 2: `${planId}^PLAN`, 3: company, 4: 'SYNTHETIC PLAN', 12: '20250101', 16: 'TESTPATIENT^MERGE',
  17: 'SEL^Self^HL70063', 18: '19700101', 22: priority, 36: memberId,
});

const adt = (controlId: string, patient: string, coverages: string[]) => [
  `MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|BILLING|20261101090000||ADT^A04^ADT_A01|${controlId}|P|2.5.1`,
  'EVN|A04|20261101090000',
  `PID|1||${patient}^^^PHARM01^MR||TESTPATIENT^MERGE||19700101|F|||1 ELM ST^^ANYTOWN^NY^10001`,
  'PV1|1|O',
  ...coverages,
].join('\r');

const a40 = (controlId: string, survivor: string, prior: string) => [
  `MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|BILLING|20261106090000||ADT^A40^ADT_A39|${controlId}|P|2.5.1`,
  'EVN|A40|20261106090000',
  `PID|1||${survivor}^^^PHARM01^MR||TESTPATIENT^MERGE||19700101|F|||1 ELM ST^^ANYTOWN^NY^10001`,
  `MRG|${prior}^^^PHARM01^MR`,
].join('\r');

async function messageOf(controlId: string, status: string) {
  let row: { id: string; status: string; error_code: string | null } | undefined;
  await waitFor(async () => {
    const found = await h.engine.store.db.selectFrom('messages').select(['id', 'status', 'error_code'])
      .where('control_id', '=', controlId).executeTakeFirst();
    row = found && { id: String(found.id), status: found.status, error_code: found.error_code };
    return row?.status === status;
  }, 20_000, `${controlId} to be ${status} (is ${row?.status})`);
  return row!;
}

async function send(message: string, controlId: string, status = 'processed') {
  expect(await h.send(message)).toMatch(/\rMSA\|AA\|/);
  return messageOf(controlId, status);
}

const db = () => h.engine.store.db;
const coverageId = async (patient: string, plan: string) => String((await db().selectFrom('coverages').select('id')
  .where('patient_ref', '=', patient).where('plan_id', '=', plan).executeTakeFirstOrThrow()).id);

let sentClaim: string;
let readyClaim: string;
let readyCharges: string[];

beforeAll(async () => {
  h = await startHarness({ store: 'postgres' });
  await importIcd10cmExtract(db(), 2027);
  await send(adt('MG-ADT-1', 'MG100', [in1(1, 'COM-PLAN', 'SYN-COMMERCIAL', '1', 'MG100-M')]), 'MG-ADT-1');
  await send(adt('MG-ADT-2', 'MG200', [
    in1(1, 'COM-PLAN', 'SYN-COMMERCIAL', '1', 'MG200-M'), in1(2, 'MCD-PLAN', 'SYN-MEDICAID', '2', 'MG200-MCD'),
  ]), 'MG-ADT-2');

  // MG200's first visit is built and batched (sent); its second is built and left ready.
  await send(dftMessage({ controlId: 'MG-DFT-1', patientId: 'MG200', lines: [{ txn: 'MG-T1', code: 'MTM-INIT', amount: '75.00', date: '20261103' }] }), 'MG-DFT-1');
  const first = await h.api('POST', '/api/claims/build');
  expect(first.json.created.map((c: any) => [c.payerId, c.status])).toEqual([['SYNCOM01', 'ready']]);
  sentClaim = first.json.created[0].id;
  expect((await h.api('POST', '/api/claims/batches', {})).status).toBe(201);

  await send(dftMessage({
    controlId: 'MG-DFT-2', patientId: 'MG200',
    lines: [{ txn: 'MG-T2', code: 'MTM-INIT', amount: '75.00', date: '20261104' }, { txn: 'MG-T3', code: 'MTM-ADD', amount: '40.00', date: '20261104' }],
  }), 'MG-DFT-2');
  const second = await h.api('POST', '/api/claims/build');
  expect(second.json.created.map((c: any) => [c.payerId, c.status, c.lines])).toEqual([['SYNCOM01', 'ready', 2]]);
  readyClaim = second.json.created[0].id;
  readyCharges = (await db().selectFrom('claim_lines').select('charge_id').where('claim_id', '=', readyClaim).orderBy('line_number').execute())
    .map((l) => String(l.charge_id));
  const claim = await h.api('GET', `/api/claims/${readyClaim}`);
  expect(claim.json.claim).toMatchObject({ patient: { patientRef: 'MG200' }, subscriber: { memberId: 'MG200-M' } });
}, 90_000);

afterAll(async () => {
  await h?.close();
});

describe('ADT^A40: MG100 absorbs MG200', () => {
  let mergeMessage: string;

  beforeAll(async () => {
    const comOfMg200 = await coverageId('MG200', 'COM-PLAN');
    expect(await db().selectFrom('charges').select('id').where('coverage_id', '=', comOfMg200 as never).execute()).toHaveLength(3);
    mergeMessage = (await send(a40('MG-A40-1', 'MG100', 'MG200'), 'MG-A40-1')).id;
  });

  it('moves every charge of MG200 to MG100, linked to MG100\'s row and, for the duplicate plan, to MG100\'s coverage', async () => {
    const mg100 = await db().selectFrom('patients').select(['id', 'merged_into']).where('patient_ref', '=', 'MG100').executeTakeFirstOrThrow();
    const charges = await db().selectFrom('charges').select(['transaction_id', 'patient_ref', 'patient_id', 'coverage_id'])
      .where('transaction_id', 'in', ['MG-T1', 'MG-T2', 'MG-T3']).orderBy('id').execute();
    const com = await coverageId('MG100', 'COM-PLAN');
    expect(charges.map((c) => [c.transaction_id, c.patient_ref, String(c.patient_id), String(c.coverage_id)])).toEqual([
      ['MG-T1', 'MG100', String(mg100.id), com], ['MG-T2', 'MG100', String(mg100.id), com], ['MG-T3', 'MG100', String(mg100.id), com],
    ]);
    expect(mg100.merged_into).toBeNull();
    expect(await db().selectFrom('patients').select(['merged_into', 'merged_by_message_id']).where('patient_ref', '=', 'MG200').executeTakeFirst())
      .toEqual({ merged_into: 'MG100', merged_by_message_id: mergeMessage });
  });

  it('moves the Medicaid coverage; the commercial one MG100 already has stays with MG200 as history, not duplicated', async () => {
    const rows = await db().selectFrom('coverages').select(['patient_ref', 'plan_id', 'member_id', 'priority']).orderBy('patient_ref').orderBy('plan_id').execute();
    expect(rows.map((r) => [r.patient_ref, r.plan_id, r.member_id, r.priority])).toEqual([
      ['MG100', 'COM-PLAN', 'MG100-M', 1], ['MG100', 'MCD-PLAN', 'MG200-MCD', 2], ['MG200', 'COM-PLAN', 'MG200-M', 1],
    ]);
  });

  it('voids the ready claim and releases its charges; the batched one stays as sent, with a note in both histories', async () => {
    const claims = await db().selectFrom('claims').select(['id', 'status', 'patient_ref']).orderBy('id').execute();
    expect(claims.map((c) => [String(c.id), c.status, c.patient_ref])).toEqual([
      [sentClaim, 'batched', 'MG200'], [readyClaim, 'voided', 'MG200'],
    ]);
    const lines = await db().selectFrom('claim_lines').select('state').where('claim_id', '=', readyClaim).execute();
    expect(lines.map((l) => l.state)).toEqual(['released', 'released']);
    const history = async (id: string) => (await db().selectFrom('claim_events').select(['actor', 'action', 'from_status', 'to_status', 'reason'])
      .where('claim_id', '=', id).orderBy('id').execute()).at(-1);
    expect(await history(readyClaim)).toMatchObject({ actor: 'patient-merge', action: 'void', from_status: 'ready', to_status: 'voided' });
    expect(await history(sentClaim)).toMatchObject({ actor: 'patient-merge', action: 'note', from_status: 'batched', to_status: 'batched' });
    expect((await history(sentClaim))!.reason).toMatch(/payer has this claim under the prior patient id/);
  });

  it('MG100\'s claims list includes the claims sent under MG200', async () => {
    const listed = await h.api('GET', '/api/claims?patient=MG100');
    expect(listed.status).toBe(200);
    expect(listed.json.claims.map((c: any) => [c.id, c.status])).toEqual([[readyClaim, 'voided'], [sentClaim, 'batched']]);
  });

  it('says on the message what moved, in counts and claim ids only', async () => {
    const event = await db().selectFrom('message_events').select(['to_status', 'detail'])
      .where('message_id', '=', mergeMessage as never).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(event.to_status).toBe('processed');
    expect(event.detail).toContain(`merge: 3 charges, 1 coverages moved, 1 coverages already the survivor's; 1 unsent claims released (claim ${readyClaim}), 1 sent claims kept (claim ${sentClaim})`);
    expect(event.detail).not.toMatch(/MG[12]00|TESTPATIENT/);
  });

  it('the next build claims the released charges under MG100, with MG100\'s coverage in the claim', async () => {
    const build = await h.api('POST', '/api/claims/build');
    expect(build.status).toBe(200);
    expect(build.json.created.map((c: any) => [c.payerId, c.status, c.lines, c.totalCharge])).toEqual([['SYNCOM01', 'ready', 2, '115.00']]);
    const rebuilt = build.json.created[0].id;
    const claim = await h.api('GET', `/api/claims/${rebuilt}`);
    expect(claim.json.patientRef).toBe('MG100');
    expect(claim.json.claim).toMatchObject({ patient: { patientRef: 'MG100' }, subscriber: { memberId: 'MG100-M' } });
    expect(claim.json.lines.map((l: any) => l.chargeId)).toEqual(readyCharges);
  });

  it('a later DFT for MG200 lands on MG100, linked to MG100\'s coverage in force', async () => {
    const dft = await send(dftMessage({ controlId: 'MG-DFT-3', patientId: 'MG200', lines: [{ txn: 'MG-T4', code: 'MTM-INIT', amount: '75.00', date: '20261107' }] }), 'MG-DFT-3');
    const mg100 = await db().selectFrom('patients').select('id').where('patient_ref', '=', 'MG100').executeTakeFirstOrThrow();
    const charge = await db().selectFrom('charges').select(['patient_ref', 'patient_id', 'coverage_id']).where('message_id', '=', dft.id as never).executeTakeFirstOrThrow();
    expect([charge.patient_ref, String(charge.patient_id), String(charge.coverage_id)]).toEqual(['MG100', String(mg100.id), await coverageId('MG100', 'COM-PLAN')]);
  });

  it('a later registration update for MG200 with a new plan gives MG100 the plan', async () => {
    await send(adt('MG-ADT-3', 'MG200', [in1(1, 'PPO-PLAN', 'SYN-COMMERCIAL', '3', 'MG200-PPO')]).replace('ADT^A04^ADT_A01', 'ADT^A08^ADT_A01'), 'MG-ADT-3');
    expect(await db().selectFrom('coverages').select('patient_ref').where('plan_id', '=', 'PPO-PLAN').execute()).toEqual([{ patient_ref: 'MG100' }]);
  });

  it('the same merge again (a resend under a new control id) is processed and moves nothing', async () => {
    const again = await send(a40('MG-A40-2', 'MG100', 'MG200'), 'MG-A40-2');
    const event = await db().selectFrom('message_events').select('detail').where('message_id', '=', again.id as never).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(event.detail).toContain('merge: already applied, nothing moved');
    expect((await db().selectFrom('claims').select('status').where('id', '=', sentClaim).executeTakeFirstOrThrow()).status).toBe('batched');
  });

  it('a merge that contradicts it (MG200 into another patient, or MG100 into MG200) is a dead letter that changes nothing', async () => {
    const other = await send(a40('MG-A40-3', 'MG300', 'MG200'), 'MG-A40-3', 'error');
    expect(other.error_code).toBe('PATIENT_MERGE_CONFLICT');
    const reverse = await send(a40('MG-A40-4', 'MG200', 'MG100'), 'MG-A40-4', 'error');
    expect(reverse.error_code).toBe('PATIENT_MERGE_CONFLICT');
    expect(await db().selectFrom('patients').select('patient_ref').where('patient_ref', '=', 'MG300').execute()).toEqual([]);
    expect((await db().selectFrom('patients').select('merged_into').where('patient_ref', '=', 'MG100').executeTakeFirstOrThrow()).merged_into).toBeNull();
  });
});

describe('ADT^A08 and ADT^A31 (corpus FHIR-Converter samples) update the patient as upserts', () => {
  const corpus = (name: string) => fs.readFileSync(path.join(CORPUS, 'hl7', `microsoft__FHIR-Converter__${name}.hl7`), 'utf8');
  // The three samples share MSH-10 MSG00001 (a reused control id, handled by the duplicate rule): each is sent here
  // under its own control id so this test is about the update alone.
  const withControlId = (text: string, controlId: string) => text.replace('|MSG00001|', `|${controlId}|`);
  const patient = () => db().selectFrom('patients').select(['family_name', 'given_name', 'as_of']).where('patient_ref', '=', 'PATID1234').executeTakeFirstOrThrow();

  it('an A08 with a later event time updates the registration; an A31 with an older one leaves it', async () => {
    await send(withControlId(corpus('ADT-A04-01'), 'CORPUS-A04'), 'CORPUS-A04');
    expect(await patient()).toMatchObject({ family_name: 'EVERYMAN', given_name: 'ADAM' });

    const update = withControlId(corpus('ADT-A08-01'), 'CORPUS-A08')
      .replace('EVN|A01|20290801070624+0115|', 'EVN|A08|20290901080000+0115|').replace('EVERYMAN&&&&Aniston^ADAM', 'EVERYWOMAN&&&&Aniston^EVE');
    await send(update, 'CORPUS-A08');
    const updated = await patient();
    expect(updated).toMatchObject({ family_name: 'EVERYWOMAN', given_name: 'EVE' });
    expect(new Date(updated.as_of).toISOString()).toBe('2029-09-01T06:45:00.000Z');

    // The A31 sample's event time (2029-08-01) is older than the A08's: processed, the newer registration kept.
    await send(withControlId(corpus('ADT-A31-01'), 'CORPUS-A31'), 'CORPUS-A31');
    expect(await patient()).toMatchObject({ family_name: 'EVERYWOMAN', given_name: 'EVE' });
    expect(await db().selectFrom('coverages').select('plan_id').where('patient_ref', '=', 'PATID1234').execute()).toEqual([{ plan_id: 'BAV' }]);
  });
});
