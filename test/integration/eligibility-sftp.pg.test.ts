/**
 * 270 eligibility inquiries through the clearinghouse exchange, against a real OpenSSH SFTP server
 * (test/integration/sftp-server.ts) and real Postgres, with the shipped billing.yaml and clearinghouse `synch`:
 * - asking payers queues a transfer for the 270 with its file (eligibilityFileNamePattern), uploadDue sends it under
 *   that name (content = the 270, ISA14 from requestTa1), the inquiries' answer and the checks list show it sent;
 *   after a crash between the rename and the commit the file found there is marked sent without a second upload;
 * - a 271 answering it placed in the inbound folder is picked up (pickup + claimsPosters) and applied: the coverage
 *   ends and the charge after the end date is held;
 * - a server refusing the upload (no outbound folder) leaves the transfer failed with its error and a retry later,
 *   and the retry sends it; a disabled clearinghouse queues nothing.
 * Skipped (with the reason printed) when /usr/sbin/sshd is missing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseBillingConfigText, type BillingConfig } from '../../src/billing/config';
import { loadPayerRulesDir } from '../../src/billing/scrub/payer-rules-files';
import { openSession } from '../../src/clearinghouse/sftp';
import { claimsPosters } from '../../src/engine/clearinghouse-exchange';
import { ClaimsService } from '../../src/store/claims-service';
import { pickup, uploadDue } from '../../src/store/clearinghouse';
import { failedTransfers } from '../../src/store/clearinghouse-views';
import { openStore, type Store } from '../../src/store/db';
import { subscriberLoop, x271 } from '../unit/x12-271-support';
import { insertCharge, insertCoverage, insertMessage, insertPatient, tempDir } from './claims-support';
import { startSftpServer, SSHD_MISSING, type SftpServer } from './sftp-server';
import { createTestDatabase, ROOT } from './support';

const NOW = new Date('2026-02-01T12:00:00Z');
const ACTOR = 'biller';
const BILLING_FILE = path.join(ROOT, 'billing/billing.yaml');
const describeSftp = SSHD_MISSING ? describe.skip : describe;
if (SSHD_MISSING) console.log(SSHD_MISSING);

let server: SftpServer;
let store: Store;
let dropDb: () => Promise<void>;
let outbox: string;

function config(s: SftpServer, extra: Record<string, string> = {}): BillingConfig {
  const fields: Record<string, string> = {
    transport: 'sftp', host: s.host, port: String(s.port), username: 'root', hostKeyFingerprint: `"${s.fingerprint}"`,
    outboundDir: `${s.root}/outbound`, inboundDir: `${s.root}/inbound`, archiveDir: `${s.root}/archive`, errorDir: `${s.root}/error`,
    requestTa1: 'true', maxAttempts: '3', connectTimeoutSeconds: '5', ...extra,
  };
  const section = ['clearinghouses:', '  synch:', ...Object.entries(fields).map(([k, v]) => `    ${k}: ${v}`),
    `    auth:\n      privateKeyFile: ${s.clientKeyFile}`, 'defaultClearinghouse: synch', `outboxDir: ${outbox}`].join('\n');
  const text = fs.readFileSync(BILLING_FILE, 'utf8').replace(/^requiredCodeSets:\n(?:  .*\n)+/m, 'requiredCodeSets:\n  default: []\n');
  return parseBillingConfigText(`${text}\n${section}\n`, BILLING_FILE, {}, os.tmpdir());
}

const service = (c: BillingConfig) =>
  new ClaimsService({ db: store.db, config: c, payerRules: loadPayerRulesDir(path.join(ROOT, 'billing/payer-rules')), clock: () => NOW });

const transfers = () => store.db.selectFrom('clearinghouse_transfers').selectAll().orderBy('id').execute();
const remoteFiles = (dir: string) => fs.readdirSync(path.join(server.root, dir)).sort();

/** A patient with one commercial coverage and two unclaimed charges (Jan 5 and Jan 15). */
async function patient(ref: string): Promise<{ early: string; late: string }> {
  const messageId = await insertMessage(store.db, `ELIG-${ref}`);
  await insertPatient(store.db, ref, { birthDate: '1950-03-01' });
  await insertCoverage(store.db, ref, 'SYNCOM01', 'CI');
  const early = await insertCharge(store.db, messageId, { patient: ref, date: '2026-01-05', code: '99605', amount: '75.00', kind: 'mtm' });
  const late = await insertCharge(store.db, messageId, { patient: ref, date: '2026-01-15', code: '99605', amount: '75.00', kind: 'mtm' });
  return { early, late };
}

beforeAll(async () => {
  if (SSHD_MISSING) return;
  server = await startSftpServer();
  const db = await createTestDatabase();
  dropDb = db.drop;
  store = await openStore({ databaseUrl: db.url, poolSize: 4 });
  outbox = path.join(tempDir('rxb-elig-ch-'), 'outbox');
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await store?.close();
  await dropDb?.();
  if (outbox) fs.rmSync(path.dirname(outbox), { recursive: true, force: true });
});

describeSftp('270 inquiries through the clearinghouse exchange', () => {
  it('queues the 270 with its file, uploads it under its name, and a 271 picked up from inbound is applied', async () => {
    const c = config(server);
    const claims = service(c);
    const charges = await patient('ESA');
    const run = await claims.eligibilityInquiries(ACTOR);
    expect(run.files).toHaveLength(1);
    const file = run.files[0]!;
    const remoteName = `SUBMITTERID_270_${file.id}_20260201120000.270`;
    expect(file.transfer).toMatchObject({ clearinghouse: 'synch', remoteName, status: 'pending', attempts: 0, lastError: null });
    expect(await transfers()).toEqual([expect.objectContaining({ batch_id: null, eligibility_file_id: file.id, remote_name: remoteName,
      status: 'pending', size: String(Buffer.byteLength(file.x12)) })]);
    expect(file.x12.split('*')[14]).toBe('1'); // ISA14: the clearinghouse's requestTa1

    const ch = c.clearinghouses.get('synch')!;
    expect(await uploadDue(store.db, ch, () => openSession(ch))).toEqual({ sent: [], sentInquiries: [file.id], failed: [] });
    expect(remoteFiles('outbound')).toEqual([remoteName]); // no temporary name left behind
    expect(fs.readFileSync(path.join(server.root, 'outbound', remoteName), 'utf8')).toBe(file.x12);
    const [check] = await claims.eligibilityChecks({ limit: 10 });
    expect(check!.inquiryTransfer).toMatchObject({ status: 'sent', attempts: 1, remoteName, nextAttemptAt: null });
    expect(await uploadDue(store.db, ch, () => openSession(ch))).toEqual({ sent: [], sentInquiries: [], failed: [] });

    // A crash between the rename and the commit: the file of that size is there, so it is marked sent, not sent again.
    const uploaded = path.join(server.root, 'outbound', remoteName);
    const before = fs.statSync(uploaded).mtimeMs;
    await store.db.updateTable('clearinghouse_transfers').set({ status: 'pending', attempts: 0, sent_at: null, next_attempt_at: new Date(0) })
      .where('eligibility_file_id', '=', file.id).execute();
    await new Promise((r) => setTimeout(r, 20));
    expect((await uploadDue(store.db, ch, () => openSession(ch))).sentInquiries).toEqual([file.id]);
    expect(fs.statSync(uploaded).mtimeMs).toBe(before);

    // The payer's 271 arrives in the inbound folder: the coverage ended Jan 10.
    const trace = (await store.db.selectFrom('eligibility_checks').select('trace').where('id', '=', check!.id).executeTakeFirstOrThrow()).trace;
    fs.writeFileSync(path.join(server.root, 'inbound', 'ESA.271'),
      x271([...subscriberLoop(trace, 'MEM-ESA'), 'EB*1**30', 'DTP*347*D8*20260110'], { id: 'SYNCOM01', name: 'SYNTHETIC COMMERCIAL HEALTH PLAN' }));
    const session = await openSession(ch);
    try {
      const picked = await pickup(store.db, ch, session, claimsPosters(claims));
      expect(picked).toEqual([{ name: 'ESA.271', kind: '271', outcome: 'posted', detail: '271: 1 answers applied, 0 unmatched' }]);
    } finally {
      await session.close();
    }
    expect(remoteFiles('archive')).toEqual(['ESA.271']);
    const cov = await store.db.selectFrom('coverages').select('expiration_date').where('patient_ref', '=', 'ESA').executeTakeFirstOrThrow();
    expect(cov.expiration_date).toBe('2026-01-10');
    const rows = await store.db.selectFrom('charges').select(['id', 'status']).where('patient_ref', '=', 'ESA').orderBy('id').execute();
    expect(rows).toEqual([{ id: charges.early, status: 'active' }, { id: charges.late, status: 'held' }]);
    const [answered] = await claims.eligibilityChecks({ limit: 10 });
    expect(answered).toMatchObject({ outcome: 'ended', heldCharges: [charges.late], inquiryTransfer: expect.objectContaining({ status: 'sent' }) });
  }, 60_000);

  it('a server refusing the upload leaves the transfer failed with its error, retried later; a disabled clearinghouse queues nothing', async () => {
    const c = config(server);
    const claims = service(c);
    await patient('ESB');
    const [file] = (await claims.eligibilityInquiries(ACTOR, ['ESB'])).files;
    const outbound = path.join(server.root, 'outbound');
    fs.renameSync(outbound, `${outbound}.away`); // the server has no folder to take it
    const ch = c.clearinghouses.get('synch')!;
    let run;
    try {
      run = await uploadDue(store.db, ch, () => openSession(ch));
    } finally {
      fs.renameSync(`${outbound}.away`, outbound);
    }
    expect(run).toEqual({ sent: [], sentInquiries: [], failed: [{ eligibilityFileId: file!.id, error: expect.stringContaining('clearinghouse synch') }] });
    const row = (await transfers()).find((t) => t.eligibility_file_id === file!.id)!;
    expect(row).toMatchObject({ status: 'failed', attempts: 1, last_error: run.failed[0]!.error });
    const wait = (new Date(row.next_attempt_at!).getTime() - Date.now()) / 1000;
    expect(wait).toBeGreaterThan(20);
    expect(wait).toBeLessThanOrEqual(31);
    expect(await failedTransfers(store.db)).toBe(1);
    const [check] = await claims.eligibilityChecks({ patient: 'ESB', limit: 10 });
    expect(check!.inquiryTransfer).toMatchObject({ status: 'failed', attempts: 1, lastError: run.failed[0]!.error });
    // Not due yet: nothing is tried; once due, the retry sends it.
    expect((await uploadDue(store.db, ch, () => openSession(ch))).sentInquiries).toEqual([]);
    await store.db.updateTable('clearinghouse_transfers').set({ next_attempt_at: new Date(0) }).where('id', '=', row.id).execute();
    expect(await uploadDue(store.db, ch, () => openSession(ch))).toEqual({ sent: [], sentInquiries: [file!.id], failed: [] });
    expect(remoteFiles('outbound')).toContain(row.remote_name);
    expect(await failedTransfers(store.db)).toBe(0);

    // The clearinghouse disabled: the 270 is written and recorded, and no transfer is queued for it.
    await patient('ESC');
    const disabled = await service(config(server, { enabled: 'false' })).eligibilityInquiries(ACTOR, ['ESC']);
    expect(disabled.files[0]!.transfer).toBeNull();
    expect((await transfers()).some((t) => t.eligibility_file_id === disabled.files[0]!.id)).toBe(false);
  }, 60_000);
});
