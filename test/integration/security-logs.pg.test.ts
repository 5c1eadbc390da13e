/**
 * No patient data in the logs: the engine (test harness, real Postgres/Redis/sockets, every log line captured
 * at debug level) receives ADT and DFT messages about a synthetic patient with distinctive strings — one that
 * is processed, one that dead-letters, one rejected at intake, one frame without MSH — and the API gets a
 * failed login typed with those strings, a message view, a replay with an edited body and a mapping preview.
 * Not one of the strings may appear in the log, in any letter case.
 */
import { segment, startHarness, TOKEN, type Harness } from './engine-harness';
import { waitFor } from './support';

/** Distinctive synthetic values: family and given name, MRN, birth date, street, phone, account. */
const PHI = ['ZZQXWV', 'QYXJZB', '987654321X', '19310227', '77 VXQZ LANE', '5550199876', 'ACCTZQ4471'];

function pid(): string {
  return 'PID|1||987654321X^^^PHARM01^MR||ZZQXWV^QYXJZB||19310227|F|||77 VXQZ LANE^^SPRINGFIELD^IL^62701||5550199876|||||ACCTZQ4471';
}

function header(type: string, controlId: string): string {
  return `MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|BILLING|20261103101500||${type}|${controlId}|P|2.5.1`;
}

function ft1(txn: string, amount: string): string {
  const f = new Array(27).fill('');
  Object.assign(f, { 0: 'FT1', 1: '1', 2: txn, 4: '20261103', 6: 'CG', 7: '90471^Service^C4', 10: '1', 11: `${amount}&USD`,
    19: 'Z23^Encounter for immunization^I10', 20: '1234567893^PHARMACIST^PAT^^^^^^NPI', 25: '90471^Service^C4' });
  return f.join('|');
}

const adt = (controlId: string) => [header('ADT^A04^ADT_A01', controlId), 'EVN|A04|20261103101500', pid(), 'PV1|1|O'].join('\r');
const dft = (controlId: string, amount: string) =>
  [header('DFT^P03^DFT_P03', controlId), 'EVN|P03|20261103101500', pid(), 'PV1|1|O', ft1(`T-${controlId}`, amount)].join('\r');

describe('no patient data in the logs', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness({ store: 'postgres' }); });
  afterAll(async () => { await h?.close(); });

  async function idOf(controlId: string): Promise<string> {
    const row = await h.engine.store.db.selectFrom('messages').select('id').where('control_id', '=', controlId).executeTakeFirstOrThrow();
    return String(row.id);
  }

  test('processing, dead letters, rejections, login failures, views, replays and previews log none of it', async () => {
    expect(segment(await h.send(adt('LOG-ADT')), 'MSA')[1]).toBe('AA');
    expect(segment(await h.send(dft('LOG-DFT', '25.00')), 'MSA')[1]).toBe('AA');
    expect(segment(await h.send(dft('LOG-DEAD', '99999999999')), 'MSA')[1]).toBe('AA'); // too large to bill: dead letter
    const rejected = await h.send([header('MDM^T02^MDM_T02', 'LOG-REJ'), 'EVN|T02|20261103101500', pid()].join('\r'));
    expect(segment(rejected, 'MSA')[1]).toBe('AR'); // the channel does not accept MDM
    const noMsh = await h.send(`${pid()}\rPV1|1|O`);
    expect(noMsh).toContain('MSA|AR|');

    const [adtId, dftId, deadId, rejectedId] = await Promise.all(['LOG-ADT', 'LOG-DFT', 'LOG-DEAD', 'LOG-REJ'].map(idOf));
    await h.waitForStatus(adtId!, ['processed']);
    await h.waitForStatus(dftId!, ['processed']);
    await h.waitForStatus(deadId!, ['error']);
    await h.waitForStatus(rejectedId!, ['rejected']);
    const patient = await h.engine.store.db.selectFrom('patients').select(['family_name', 'patient_ref']).executeTakeFirstOrThrow();
    expect(patient).toEqual({ family_name: 'ZZQXWV', patient_ref: '987654321X' }); // the data did go through the engine

    // API: failed logins typed with patient data, a view, a replay with an edited body, a mapping preview.
    for (const username of ['zzqxwv', 'ZZQXWV', '987654321x']) {
      expect((await h.api('POST', '/api/login', { username, password: '987654321X ZZQXWV' }, null)).status).toBe(401);
    }
    expect((await h.api('GET', `/api/messages/${deadId}`)).json.raw).toContain('ZZQXWV');
    expect((await h.api('GET', '/api/charges?patient=987654321X')).status).toBe(200);
    expect((await h.api('GET', '/api/messages?controlId=ZZQXWV&bogus=987654321X')).status).toBe(400);
    expect((await h.api('POST', `/api/messages/${deadId}/replay`, { raw: dft('LOG-DEAD', '30.00') })).status).toBe(202);
    await h.waitForStatus(deadId!, ['processed']);
    const preview = await h.api('POST', '/api/mappings/adt/preview', { raw: adt('LOG-PREVIEW') });
    expect(preview.status).toBe(200);
    expect(JSON.stringify(preview.json)).toContain('ZZQXWV');

    // The capture saw the events about these messages (so an empty or partial capture cannot pass) ...
    await waitFor(() => h.logs().includes(`"messageId":"${dftId}"`), 5000, 'the processed message in the log');
    const logs = h.logs();
    expect(logs).toContain('message dead-lettered');
    expect(logs).toContain(`"messageId":"${deadId}"`);
    expect(logs).toContain('message rejected');
    expect(logs).toContain(`"messageId":"${rejectedId}"`);
    // ... and none of the patient's data.
    const upper = logs.toUpperCase();
    for (const value of PHI) expect({ value, found: upper.includes(value) }).toEqual({ value, found: false });
    expect(TOKEN.length).toBeGreaterThan(10);
  });
});
