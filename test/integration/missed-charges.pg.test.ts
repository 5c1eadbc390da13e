/**
 * The missed-charges report end to end on real sockets, Postgres and Redis: billable messages that ended without
 * a charge are listed with their reason — a DFT that fails mapping (dead letter, MAPPING_FIELD_MISSING), an
 * ORU^R01 the channel accepts but does not route (filtered), a historical VXU dose (processed, mapped to no
 * charge) — while a DFT that produced charges and an ADT (not a billable type) are not. No body or patient data
 * is returned. All messages are synthetic.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startHarness, type Harness } from './engine-harness';
import { dftMessage, ROOT, waitFor } from './support';

let h: Harness;

const ORU_ROUTE = /\n\s*- types: \[ORU\^R01\]\n\s*mapping: oru-r01[^\n]*/;

const DFT_OK = dftMessage({ controlId: 'MC-DFT-OK', patientId: 'MC100', lines: [{ txn: 'MC-1', code: '99605', amount: '75.00' }] });

const DFT_ERR = [
  'MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|BILLING|20261103101500||DFT^P03^DFT_P03|MC-DFT-ERR|P|2.5.1',
  'EVN|P03|20261103101500',
  'PID|1||MC101^^^PHARM01^MR||TESTPATIENT^MISSEDNAME||19800101|F',
  'PV1|1|O',
  'FT1|1|MC-2|||20261103|CG|99605^MTM^C4||||75.00&USD', // FT1-4 (date of service) missing
].join('\r');

const ORU = [
  'MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|BILLING|20261103110000||ORU^R01^ORU_R01|MC-ORU|P|2.5.1',
  'PID|1||MC102^^^PHARM01^MR||TESTPATIENT^MISSEDNAME||19800101|F',
  'OBR|1||LAB-1|4548-4^Hemoglobin A1c^LN|||20261103110000',
  'OBX|1|NM|4548-4^Hemoglobin A1c^LN||6.1|%|||||F|||20261103110000',
].join('\r');

const VXU_HISTORICAL = [
  'MSH|^~\\&|RXSYS|PHARM01|IIS|STATE|20261103120000||VXU^V04^VXU_V04|MC-VXU-HIST|P|2.5.1',
  'PID|1||MC103^^^PHARM01^MR||TESTPATIENT^MISSEDNAME||19900101|F',
  'ORC|RE||DOSE-MC-1',
  'RXA|0|1|20200101||150^Influenza IIV4 PF^CVX|999|||01^Historical information - source unspecified^NIP001|||||||||||CP|A',
].join('\r');

const ADT = [
  'MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|BILLING|20261103090000||ADT^A04^ADT_A01|MC-ADT|P|2.5.1',
  'EVN|A04|20261103090000',
  'PID|1||MC104^^^PHARM01^MR||TESTPATIENT^MISSEDNAME||19800101|F',
  'PV1|1|O',
].join('\r');

async function finished(controlId: string, status: string): Promise<void> {
  await waitFor(async () => {
    const row = await h.engine.store.db.selectFrom('messages').select('status').where('control_id', '=', controlId).executeTakeFirst();
    return row?.status === status;
  }, 20_000, `${controlId} to be ${status}`);
}

beforeAll(async () => {
  const channel = fs.readFileSync(path.join(ROOT, 'channels/pharmacy-inbound.yaml'), 'utf8');
  expect(channel).toMatch(ORU_ROUTE);
  h = await startHarness({ store: 'postgres', channelYaml: channel.replace(ORU_ROUTE, '') });
  const sends: Array<[string, string, string]> = [
    [DFT_OK, 'MC-DFT-OK', 'processed'],
    [DFT_ERR, 'MC-DFT-ERR', 'error'],
    [ORU, 'MC-ORU', 'filtered'],
    [VXU_HISTORICAL, 'MC-VXU-HIST', 'processed'],
    [ADT, 'MC-ADT', 'processed'],
  ];
  for (const [message, controlId, status] of sends) {
    expect(await h.send(message)).toMatch(/\rMSA\|AA\|/);
    await finished(controlId, status);
  }
}, 60_000);

afterAll(async () => {
  await h?.close();
});

it('lists each billable message that ended without a charge, with its reason, and nothing else', async () => {
  const charges = await h.engine.store.db.selectFrom('charges').select('message_id').execute();
  expect(charges.length).toBeGreaterThan(0); // the good DFT did produce a charge

  const res = await h.api('GET', '/api/reports/missed-charges');
  expect(res.status).toBe(200);
  const rows = res.json.messages as Array<Record<string, unknown>>;
  expect(rows.map((r) => [r.controlId, r.messageType, r.status, r.reason, r.errorCode, r.detail])).toEqual([
    ['MC-DFT-ERR', 'DFT^P03', 'error', 'error', 'MAPPING_FIELD_MISSING', expect.any(String)],
    ['MC-ORU', 'ORU^R01', 'filtered', 'filtered', null, 'no route maps ORU^R01'],
    ['MC-VXU-HIST', 'VXU^V04', 'processed', 'mapped-to-no-charge', null, null],
  ]);
  for (const r of rows) {
    expect(Object.keys(r).sort()).toEqual(
      ['channel', 'controlId', 'detail', 'errorCode', 'finishedAt', 'messageId', 'messageType', 'reason', 'receivedAt', 'sender', 'status'],
    );
    expect(r.messageId).toMatch(/^\d+$/);
    expect(Number.isNaN(Date.parse(String(r.receivedAt)))).toBe(false);
  }
  // Never a body or patient data.
  const text = JSON.stringify(res.json);
  expect(text).not.toMatch(/TESTPATIENT|MISSEDNAME|MC10\d|FT1|RXA/);
});

it('filters by received_at (since inclusive, until exclusive) and limits', async () => {
  const rows = await h.engine.store.db.selectFrom('messages').select(['control_id', 'received_at']).orderBy('id').execute();
  const received = new Map(rows.map((r) => [r.control_id, new Date(r.received_at as unknown as Date).toISOString()]));
  const oru = received.get('MC-ORU')!;

  const since = await h.api('GET', `/api/reports/missed-charges?since=${encodeURIComponent(oru)}`);
  expect(since.status).toBe(200);
  expect(since.json.messages.map((r: any) => r.controlId)).toEqual(['MC-ORU', 'MC-VXU-HIST']);

  const until = await h.api('GET', `/api/reports/missed-charges?until=${encodeURIComponent(oru)}`);
  expect(until.json.messages.map((r: any) => r.controlId)).toEqual(['MC-DFT-ERR']);

  const past = await h.api('GET', '/api/reports/missed-charges?since=2000-01-01&until=2000-01-02');
  expect(past.json.messages).toEqual([]);

  const one = await h.api('GET', '/api/reports/missed-charges?limit=1');
  expect(one.json.messages.map((r: any) => r.controlId)).toEqual(['MC-DFT-ERR']);

  expect((await h.api('GET', '/api/reports/missed-charges?since=yesterday')).status).toBe(400);
  expect((await h.api('GET', '/api/reports/missed-charges', undefined, null)).status).toBe(401);
});
