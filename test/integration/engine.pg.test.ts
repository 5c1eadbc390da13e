/**
 * The whole way of a message on real Postgres, real Redis and real sockets: MLLP in, ACK after commit,
 * pipeline, charges, duplicates, NAKs, dead letters and replay, the admin API, and no PHI in the logs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { segment, startHarness, TOKEN, type Harness } from './engine-harness';
import { dftMessage, waitFor } from './support';

const MAPPING = fs.readFileSync(path.join(__dirname, '../../mappings/dft-p03.yaml'), 'utf8');
/** The sample channel with ORU^R01 accepted but not routed (for the "filtered" test). */
const CHANNEL = fs.readFileSync(path.join(__dirname, '../../channels/pharmacy-inbound.yaml'), 'utf8')
  .replace(/^ {2}- types: \[ORU\^R01\]\n {4}mapping: .*\n/m, '');

/** Adds rows to the mapping's charge master (its `chargeMaster:` table); throws if the table is not there. */
function withChargeMasterRows(yaml: string, rows: string[]): string {
  const anchor = '  chargeMaster:\n';
  if (!yaml.includes(anchor)) throw new Error('the sample mapping has no chargeMaster table');
  return yaml.replace(anchor, `${anchor}${rows.map((r) => `    ${r}\n`).join('')}`);
}

/** Strict charge master: an unknown code dead-letters (the codes these tests send directly are listed). */
function strictMapping(yaml: string): string {
  if (!yaml.includes('unknown: keep')) throw new Error('the sample mapping has no "unknown: keep" code lookup');
  return withChargeMasterRows(yaml.replace('unknown: keep', 'unknown: error'), [
    '"90471": { code: "90471", system: CPT, kind: immunization-admin }',
    '"99605": { code: "99605", system: CPT, kind: mtm }',
  ]);
}

async function idOf(h: Harness, controlId: string): Promise<string> {
  const row = await h.engine.store.db.selectFrom('messages').select('id').where('control_id', '=', controlId)
    .orderBy('id').executeTakeFirstOrThrow();
  return String(row.id);
}

/** An IN1 segment with the given fields (by number). */
function in1(fields: Record<number, string>): string {
  const max = Math.max(...Object.keys(fields).map(Number));
  return ['IN1', ...Array.from({ length: max }, (_, i) => fields[i + 1] ?? '')].join('|');
}

async function chargesOf(h: Harness, messageId: string) {
  return h.engine.store.db.selectFrom('charges').selectAll().where('message_id', '=', messageId as never).orderBy('id').execute();
}

describe('engine on Postgres', () => {
  let h: Harness;
  beforeAll(async () => {
    // Strict charge master: an unknown code dead-letters (used by the replay test).
    h = await startHarness({ store: 'postgres', mappingYaml: strictMapping(MAPPING), channelYaml: CHANNEL });
  });
  afterAll(async () => { await h.close(); });

  test('a DFT^P03 is stored before its AA and becomes one charge per FT1 line', async () => {
    const msg = dftMessage({ controlId: 'C-100', patientId: 'P100', lines: [
      { txn: 'T100-1', code: '90471', amount: '25.00' },
      { txn: 'T100-2', code: '99605', amount: '40', units: '2' },
    ] });
    const ack = await h.send(msg);
    expect(segment(ack, 'MSA').slice(0, 3)).toEqual(['MSA', 'AA', 'C-100']);
    // ACK after commit: the message row exists as soon as the AA is read.
    const id = await idOf(h, 'C-100');
    await h.waitForStatus(id, ['processed']);
    const charges = await chargesOf(h, id);
    expect(charges.map((c) => [c.code, c.charge_amount, c.units, c.service_date, c.patient_ref, c.status])).toEqual([
      ['90471', '25.00', '1.000', '2026-11-03', 'P100', 'active'],
      ['99605', '40.00', '2.000', '2026-11-03', 'P100', 'active'],
    ]);
    expect(charges[0]!.diagnoses).toEqual(['Z23']);
    expect(charges[0]!.rendering_npi).toBe('1234567893');
    // The DFT mapping writes no patient or coverage: the charges link to none.
    expect(charges.map((c) => [c.service_kind, c.patient_id, c.coverage_id])).toEqual([
      ['immunization-admin', null, null], ['mtm', null, null],
    ]);
    const header = segment(ack, 'MSH');
    expect(header.slice(2, 6)).toEqual(['RXBRIDGE', 'BILLING', 'RXSYS', 'PHARM01']);
    expect(header[9]).not.toBe('C-100');
  });

  test('a credit line reverses the charge it names, once', async () => {
    await h.send(dftMessage({ controlId: 'C-200', patientId: 'P200', lines: [{ txn: 'T200-1', code: '90471', amount: '25' }] }));
    const first = await idOf(h, 'C-200');
    await h.waitForStatus(first, ['processed']);
    const ack = await h.send(dftMessage({ controlId: 'C-201', patientId: 'P200', lines: [
      { txn: 'T200-1', code: '90471', amount: '-25', type: 'CD' }, // a later message: the sender's FT1-2 names the charge
    ] }));
    expect(segment(ack, 'MSA')[1]).toBe('AA');
    const second = await idOf(h, 'C-201');
    await h.waitForStatus(second, ['processed']);
    const [original] = await chargesOf(h, first);
    const [reversal] = await chargesOf(h, second);
    expect(original!.status).toBe('reversed');
    expect(reversal!.status).toBe('reversal');
    expect(reversal!.reversal_of).toBe(original!.source_key);
  });

  test('the same sender + MSH-10 again gets AA, is marked duplicate and makes no charge', async () => {
    const msg = dftMessage({ controlId: 'C-300', patientId: 'P300', lines: [{ txn: 'T300-1', code: '90471', amount: '25' }] });
    expect(segment(await h.send(msg), 'MSA')[1]).toBe('AA');
    const id = await idOf(h, 'C-300');
    await h.waitForStatus(id, ['processed']);
    expect(segment(await h.send(msg), 'MSA')[1]).toBe('AA');
    const rows = await h.engine.store.db.selectFrom('messages').select(['id', 'status', 'duplicate_of'])
      .where('control_id', '=', 'C-300').orderBy('id').execute();
    expect(rows.map((r) => r.status)).toEqual(['processed', 'duplicate']);
    expect(String(rows[1]!.duplicate_of)).toBe(id);
    const count = await h.engine.store.db.selectFrom('charges').select((eb) => eb.fn.countAll().as('n'))
      .where('patient_ref', '=', 'P300').executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);
  });

  test.each([
    ['2.3', 'ERR|MSH^1^9^200&'],
    ['2.5.1', 'ERR||MSH^1^9|200^'],
  ])('an unsupported type from a %s sender gets AR with the ERR layout of its version, and is kept', async (version, errStart) => {
    const msg = dftMessage({ controlId: `C-NAK-${version}`, patientId: 'P400', version, lines: [{ txn: 'X', code: '90471', amount: '1' }] })
      .replace('DFT^P03^DFT_P03', 'MFN^M02^MFN_M02'); // a master-file update: no channel here takes it
    const ack = await h.send(msg);
    expect(segment(ack, 'MSA').slice(0, 3)).toEqual(['MSA', 'AR', `C-NAK-${version}`]);
    const err = ack.split('\r').find((s) => s.startsWith('ERR|'))!;
    expect(err.startsWith(errStart)).toBe(true);
    expect(segment(ack, 'MSH')[11]).toBe(version);
    const row = await h.engine.store.db.selectFrom('messages').select(['status', 'error_code'])
      .where('control_id', '=', `C-NAK-${version}`).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'rejected', error_code: 'UNSUPPORTED_MESSAGE_TYPE' });
  });

  test('a frame without MSH gets AR and is stored as rejected', async () => {
    const ack = await h.send('PID|1||X1\rPV1|1|O');
    expect(segment(ack, 'MSA')[1]).toBe('AR');
    const row = await h.engine.store.db.selectFrom('messages').select(['status', 'error_code']).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'rejected', error_code: 'FRAME_NO_MSH' });
  });

  test('accepted types without a route are stored and marked filtered', async () => {
    const oru = [
      'MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|BILLING|20261103101500||ORU^R01^ORU_R01|C-ORU-1|P|2.5.1',
      'PID|1||P500^^^PHARM01^MR||TESTPATIENT^ALEX',
    ].join('\r');
    expect(segment(await h.send(oru), 'MSA')[1]).toBe('AA');
    await h.waitForStatus(await idOf(h, 'C-ORU-1'), ['filtered']);
  });

  test('an ADT writes the patient and its coverages; a later charge links to them as of its date of service', async () => {
    const adt = [
      'MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|BILLING|20261101090000||ADT^A04^ADT_A01|C-ADT-1|P|2.5.1',
      'EVN|A04|20261101085959',
      'PID|1||P800^^^PHARM01^MR||TESTPATIENT^ALEX||19800101|U',
      'PV1|1|O',
      // Primary until the end of October, then another primary from November; a secondary all year.
      in1({ 1: '1', 2: 'PLAN-OLD', 3: 'SYN-COMMERCIAL', 12: '20260101', 13: '20261031', 15: 'CI', 22: '1' }),
      in1({ 1: '2', 2: 'PLAN-NEW', 3: 'SYN-COMMERCIAL', 12: '20261101', 15: 'CI', 22: '1' }),
      in1({ 1: '3', 2: 'PLAN-SEC', 3: 'SYN-MEDICAID', 12: '20260101', 15: 'MC', 22: '2' }),
    ].join('\r');
    expect(segment(await h.send(adt), 'MSA')[1]).toBe('AA');
    const adtId = await idOf(h, 'C-ADT-1');
    await h.waitForStatus(adtId, ['processed']);
    const patient = await h.engine.store.db.selectFrom('patients').selectAll().where('patient_ref', '=', 'P800').executeTakeFirstOrThrow();
    expect(patient).toMatchObject({ family_name: 'TESTPATIENT', birth_date: '1980-01-01', message_id: adtId });
    const coverages = await h.engine.store.db.selectFrom('coverages').select(['id', 'plan_id', 'priority', 'payer_id'])
      .where('patient_ref', '=', 'P800').orderBy('plan_id').execute();
    expect(coverages.map((c) => [c.plan_id, c.priority, c.payer_id])).toEqual([
      ['PLAN-NEW', 1, 'SYNCOM01'], ['PLAN-OLD', 1, 'SYNCOM01'], ['PLAN-SEC', 2, 'SYNMCD01'],
    ]);

    await h.send(dftMessage({ controlId: 'C-800', patientId: 'P800', lines: [
      { txn: 'T800-1', code: '90471', amount: '25', date: '20261015' },
      { txn: 'T800-2', code: '90471', amount: '25', date: '20261103' },
    ] }));
    const id = await idOf(h, 'C-800');
    await h.waitForStatus(id, ['processed']);
    const planOf = new Map(coverages.map((c) => [c.id, c.plan_id]));
    const charges = await chargesOf(h, id);
    expect(charges.map((c) => [c.service_date, c.patient_id, planOf.get(c.coverage_id!)])).toEqual([
      ['2026-10-15', patient.id, 'PLAN-OLD'],
      ['2026-11-03', patient.id, 'PLAN-NEW'],
    ]);
  });

  test('a dead letter replayed after its mapping is fixed creates its charges once; a second replay creates none', async () => {
    const msg = dftMessage({ controlId: 'C-600', patientId: 'P600', lines: [{ txn: 'T600-1', code: 'NEWVAX', amount: '30' }] });
    expect(segment(await h.send(msg), 'MSA')[1]).toBe('AA');
    const id = await idOf(h, 'C-600');
    await h.waitForStatus(id, ['error']);
    const dead = await h.api('GET', '/api/dead-letters');
    const entry = dead.json.deadLetters.find((m: { id: string }) => m.id === id);
    expect(entry).toMatchObject({ error_code: 'MAPPING_LOOKUP_MISSING', error_stage: 'map' });
    expect(await chargesOf(h, id)).toHaveLength(0);

    // Fix the mapping: add the code to the charge master, reload, replay.
    const file = path.join(h.project.mappingsDir, 'dft-p03.yaml');
    fs.writeFileSync(file, withChargeMasterRows(fs.readFileSync(file, 'utf8'), ['NEWVAX: { code: "90694", system: CPT, kind: vaccine-product }']));
    h.engine.mappings.reload();
    const replay = await h.api('POST', `/api/messages/${id}/replay`);
    expect(replay.status).toBe(202);
    await h.waitForStatus(id, ['processed']);
    expect((await chargesOf(h, id)).map((c) => c.code)).toEqual(['90694']);

    expect((await h.api('POST', `/api/messages/${id}/replay`)).status).toBe(202);
    await waitFor(async () => {
      const events = await h.engine.store.db.selectFrom('message_events').select('to_status').where('message_id', '=', id as never).execute();
      return events.filter((e) => e.to_status === 'processed').length === 2;
    }, 15_000, 'second replay to finish');
    expect(await chargesOf(h, id)).toHaveLength(1);
    const detail = await h.api('GET', `/api/messages/${id}`);
    expect(detail.json.events.filter((e: { stage: string }) => e.stage === 'replay')).toHaveLength(2);
  });

  test('a replay with an edited message keeps the original as a content version', async () => {
    const msg = dftMessage({ controlId: 'C-700', patientId: 'P700', lines: [{ txn: 'T700-1', code: '90471', amount: 'abc' }] });
    await h.send(msg);
    const id = await idOf(h, 'C-700');
    await h.waitForStatus(id, ['error']);
    const fixed = msg.replace('abc&USD', '25&USD');
    expect((await h.api('POST', `/api/messages/${id}/replay`, { raw: fixed })).status).toBe(202);
    await h.waitForStatus(id, ['processed']);
    const detail = await h.api('GET', `/api/messages/${id}`);
    expect(detail.json.contents.map((c: { kind: string }) => c.kind)).toEqual(['raw', 'edited']);
    expect(detail.json.contents[0].content).toContain('abc&USD');
    expect(detail.json.raw).toContain('25&USD');
    expect(detail.json.charges[0].charge_amount).toBe('25.00');
  });

  test('two frames rejected for no MSH, replayed with different edited messages, keep their own charges', async () => {
    const ids: string[] = [];
    for (const n of [1, 2]) {
      expect(segment(await h.send(`PID|1||NOMSH${n}`), 'MSA')[1]).toBe('AR');
      const row = await h.engine.store.db.selectFrom('messages').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow();
      ids.push(String(row.id));
    }
    for (const [i, id] of ids.entries()) {
      const raw = dftMessage({ controlId: `C-EDIT-${i}`, patientId: `PE${i}`, lines: [{ txn: `TE${i}`, code: '90471', amount: '10' }] });
      expect((await h.api('POST', `/api/messages/${id}/replay`, { raw })).status).toBe(202);
      await h.waitForStatus(id, ['processed']);
    }
    for (const id of ids) expect(await chargesOf(h, id)).toHaveLength(1);
    const detail = await h.api('GET', `/api/messages/${ids[0]}`);
    expect(detail.json.control_id).toBe('C-EDIT-0');
  });

  test('an amount too large to bill dead-letters with the field named; the rest of the stream flows', async () => {
    await h.send(dftMessage({ controlId: 'C-BIG', patientId: 'PBIG', lines: [{ txn: 'TBIG', code: '90471', amount: '99999999999' }] }));
    const id = await idOf(h, 'C-BIG');
    await h.waitForStatus(id, ['error']);
    const detail = await h.api('GET', `/api/messages/${id}`);
    expect(detail.json).toMatchObject({ error_code: 'MAPPING_VALUE_INVALID', error_stage: 'map' });
  });

  test('the API refuses a missing or wrong token and answers bad input with 4xx and a reason', async () => {
    expect((await h.api('GET', '/api/messages', undefined, null)).status).toBe(401);
    expect((await h.api('GET', '/api/charges', undefined, 'wrong')).status).toBe(401);
    expect((await h.api('GET', '/api/health', undefined, null)).status).toBe(200);
    const bad = await h.api('GET', '/api/messages?status=bogus');
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toContain('status');
    expect((await h.api('GET', '/api/messages/999999')).status).toBe(404);
    expect((await h.api('POST', '/api/messages/abc/replay')).status).toBe(400);
    expect((await h.api('POST', '/api/messages/1/replay', { raw: 'not hl7' })).status).toBe(400);
    const channels = await h.api('GET', '/api/channels');
    expect(channels.json.channels[0]).toMatchObject({ name: 'pharmacy-inbound', state: 'listening' });
    expect(channels.json.channels[0].counts.processed).toBeGreaterThan(0);
    const filtered = await h.api('GET', '/api/messages?type=DFT^P03&status=processed&limit=2');
    expect(filtered.json.messages).toHaveLength(2);
    expect(filtered.json.next).not.toBeNull();
    const charges = await h.api('GET', '/api/charges?patient=P100');
    expect(charges.json.charges).toHaveLength(2);
    expect(TOKEN.length).toBeGreaterThan(10);
  });

  test('no PHI from the test messages reaches the logs', async () => {
    const logs = h.logs();
    expect(logs.length).toBeGreaterThan(200);
    for (const phi of ['TESTPATIENT', 'ALEX', '19800101', 'P100', 'P600', 'PID|', 'FT1|', 'Z23']) {
      expect(logs).not.toContain(phi);
    }
  });
});
