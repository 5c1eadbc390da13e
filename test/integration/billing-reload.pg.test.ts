/**
 * billing.yaml without a restart, on a running engine (Postgres, Redis, MLLP): a payer added by editing the file on
 * disk bills its coverages at the next claim build; a broken edit keeps the configuration in force and is reported
 * with its line and key (API answer and log); an unknown payer id of incoming coverages is listed with counts only
 * and "add this payer" (with a crosswalk from the feed's id) writes billing.yaml, keeps its comments, and lets the
 * waiting charges be claimed with no ADT replay. Intake answers throughout.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addPayerText } from '../../src/billing/payer-edit';
import { startHarness, type Harness } from './engine-harness';
import { importIcd10cmExtract } from './claims-support';
import { dftMessage, hl7Segment, waitFor } from './support';

const SHIPPED = path.join(__dirname, '../../billing/billing.yaml');
const PREFIX = `rxbt${crypto.randomBytes(4).toString('hex')}`;
let h: Harness;
let billingFile: string;

function adt(controlId: string, patientId: string, payerId: string): string {
  return [
    `MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|BILLING|20261101090000||ADT^A04^ADT_A01|${controlId}|P|2.5.1`,
    'EVN|A04|20261101090000',
    `PID|1||${patientId}^^^PHARM01^MR||TESTPATIENT^ALEX||19800101|F|||1 ELM ST^^ANYTOWN^NY^10001`,
    'PV1|1|O',
    hl7Segment('IN1', {
      1: '1', 2: 'PLAN-1^SOME PLAN', 3: payerId, 4: 'SOME PAYER', 8: 'GRP-9', 12: '20250101', 15: 'CI',
      16: 'TESTPATIENT^ALEX', 17: 'SEL^Self^HL70063', 18: '19800101', 22: '1', 36: `M-${patientId}`,
    }),
  ].join('\r');
}

async function sendProcessed(message: string, controlId: string): Promise<void> {
  expect(await h.send(message)).toMatch(/\rMSA\|AA\|/);
  await waitFor(async () => {
    const row = await h.engine.store.db.selectFrom('messages').select('status').where('control_id', '=', controlId).executeTakeFirst();
    return row?.status === 'processed';
  }, 20_000, `${controlId} to be processed`);
}

const payersOf = (built: { json: { created: Array<{ payerId: string }> } }) => built.json.created.map((c) => c.payerId);

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-billing-'));
  billingFile = path.join(dir, 'billing.yaml');
  fs.copyFileSync(SHIPPED, billingFile);
  h = await startHarness({ store: 'postgres', config: { billingFile, billingWatchIntervalMs: 100, queuePrefix: PREFIX } });
  await importIcd10cmExtract(h.engine.store.db, 2027);
});

afterAll(async () => {
  await h?.close();
});

it('a payer added on disk bills at the next build; a broken edit keeps the old configuration and names line and key', async () => {
  await sendProcessed(adt('RL-ADT-1', 'RL100', 'SYNDISK01'), 'RL-ADT-1');
  await sendProcessed(dftMessage({ controlId: 'RL-DFT-1', patientId: 'RL100', lines: [{ txn: 'RL-1', code: 'MTM-INIT', amount: '75.00', date: '20261103' }] }), 'RL-DFT-1');
  const before = await h.api('POST', '/api/claims/build');
  expect(before.json.created).toEqual([]);
  expect(before.json.held).toEqual([expect.objectContaining({ reason: 'payer-not-configured', payerId: 'SYNDISK01' })]);

  // A broken edit: the file on disk is refused, the configuration in force stays; the API says where and why.
  const shipped = fs.readFileSync(billingFile, 'utf8');
  const valid = addPayerText(shipped, billingFile, { id: 'SYNDISK01', name: 'DISK PAYER', filingIndicator: 'CI' }, {}, '/data');
  const broken = valid.replace('    name: DISK PAYER\n    filingIndicator: CI', '    name: DISK PAYER\n    filingIndicator: XX');
  fs.writeFileSync(billingFile, broken);
  const line = broken.split('\n').indexOf('    filingIndicator: XX') + 1;
  await waitFor(() => h.logs().includes('billing.yaml reload refused'), 10_000, 'the refused reload in the log');
  expect(h.logs()).toContain(`key \\"payers.SYNDISK01.filingIndicator\\" must be an SBR09`);
  const refused = await h.api('POST', '/api/billing/reload');
  expect(refused.status).toBe(422);
  expect(refused.json.error.code).toBe('CONFIG_INVALID');
  expect(refused.json.error.issues).toEqual([
    expect.objectContaining({ file: billingFile, line, key: 'payers.SYNDISK01.filingIndicator', text: expect.stringContaining(`${billingFile}:${line}:`) }),
  ]);
  expect(refused.json.error.message).toContain('key "payers.SYNDISK01.filingIndicator" must be');
  // Intake goes on while the file is broken.
  await sendProcessed(dftMessage({ controlId: 'RL-DFT-2', patientId: 'RL100', lines: [{ txn: 'RL-2', code: 'MTM-INIT', amount: '75.00', date: '20261104' }] }), 'RL-DFT-2');
  expect((await h.api('POST', '/api/claims/build')).json.held).toHaveLength(2);

  // The fixed edit applies on its own (the watch), with no restart.
  fs.writeFileSync(billingFile, valid);
  await waitFor(() => h.logs().includes('"payersAdded":"SYNDISK01"'), 10_000, 'the applied reload in the log');
  const after = await h.api('POST', '/api/claims/build');
  expect(after.status).toBe(200);
  expect(payersOf(after)).toEqual(['SYNDISK01', 'SYNDISK01']);
  const ok = await h.api('POST', '/api/billing/reload');
  expect(ok).toMatchObject({ status: 200, json: { added: [], removed: [], configured: true } });
});

it('lists an unknown payer id with counts only; "add this payer" writes billing.yaml and its waiting charges are claimed', async () => {
  await sendProcessed(adt('RL-ADT-3', 'RL300', 'XYZ-BLUE'), 'RL-ADT-3');
  await sendProcessed(dftMessage({ controlId: 'RL-DFT-3', patientId: 'RL300', lines: [
    { txn: 'RL-31', code: 'MTM-INIT', amount: '75.00', date: '20261105' },
    { txn: 'RL-32', code: 'MTM-ADD', amount: '40.00', date: '20261105' },
  ] }), 'RL-DFT-3');

  const unknown = await h.api('GET', '/api/billing/unknown-payers');
  expect(unknown.status).toBe(200);
  expect(unknown.json).toMatchObject({ file: billingFile, configured: true });
  expect(unknown.json.payers).toEqual([
    { payerId: 'XYZ-BLUE', patients: 1, charges: 2, firstSeen: expect.any(String), lastSeen: expect.any(String) },
  ]);
  expect(JSON.stringify(unknown.json)).not.toMatch(/RL300|TESTPATIENT/);

  const bad = await h.api('POST', '/api/billing/payers', { id: 'SYNBLUE01', name: 'SYNTHETIC BLUE', filingIndicator: 'QQ', feedId: 'XYZ-BLUE' });
  expect(bad.status).toBe(400);
  expect(bad.json.error.message).toMatch(/filingIndicator must be an SBR09/);
  const dup = await h.api('POST', '/api/billing/payers', { id: 'SYNMCR01', name: 'AGAIN', filingIndicator: 'MB' });
  expect(dup.status).toBe(409);

  const text = fs.readFileSync(billingFile, 'utf8');
  const added = await h.api('POST', '/api/billing/payers', { id: 'SYNBLUE01', name: 'SYNTHETIC BLUE', filingIndicator: 'BL', feedId: 'XYZ-BLUE' });
  expect(added.status).toBe(200);
  expect(added.json).toMatchObject({ id: 'SYNBLUE01', file: billingFile, reload: { added: ['SYNBLUE01'] } });
  const written = fs.readFileSync(billingFile, 'utf8');
  expect(written.replace(/\n  SYNBLUE01:\n(    .*\n)+/, '\n')).toBe(text); // comments and layout kept: only the payer's lines are new
  expect(written).toContain('  SYNBLUE01:\n    name: SYNTHETIC BLUE\n    filingIndicator: BL\n    route: 837P\n    feedIds: [XYZ-BLUE]');

  expect((await h.api('GET', '/api/billing/unknown-payers')).json.payers).toEqual([]);
  const built = await h.api('POST', '/api/claims/build');
  expect(built.json.created.map((c: any) => [c.payerId, c.lines])).toEqual([['SYNBLUE01', 2]]);
  const audits = await h.engine.store.db.selectFrom('audit_events').select(['action', 'target_id']).where('action', 'in', ['billing.payer.add', 'billing.reload']).execute();
  expect(audits).toEqual(expect.arrayContaining([{ action: 'billing.payer.add', target_id: 'SYNBLUE01' }, { action: 'billing.reload', target_id: null }]));
});

it('a reload through the API reaches the other engine processes of the deployment, each re-reading its own file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-billing-b-'));
  const otherFile = path.join(dir, 'billing.yaml');
  fs.copyFileSync(SHIPPED, otherFile);
  // A second process on the same queue prefix (another machine of a chain; role listener: it takes no job of the first
  // one's store), its file not watched: only the notice moves it.
  const other = await startHarness({ store: 'postgres', config: { billingFile: otherFile, billingWatchIntervalMs: 0, queuePrefix: PREFIX, role: 'listener' } });
  try {
    fs.writeFileSync(otherFile, addPayerText(fs.readFileSync(otherFile, 'utf8'), otherFile, { id: 'SYNCHAIN01', name: 'CHAIN PAYER', filingIndicator: 'CI' }, {}, '/data'));
    expect(other.logs()).not.toContain('SYNCHAIN01');
    const ok = await h.api('POST', '/api/billing/reload');
    expect(ok.status).toBe(200);
    await waitFor(() => /"message":"billing.yaml reloaded","payersAdded":"SYNCHAIN01"[^\n]*"reason":"notice"/.test(other.logs()), 10_000, 'the other process to reload on the notice');
  } finally {
    await other.close();
  }
});
