/**
 * The clearinghouse exchange against a real OpenSSH SFTP server started by the test (test/integration/sftp-server.ts)
 * and real Postgres: a batch is queued in its own transaction and uploaded under a temporary name then renamed;
 * a wrong host key is refused; password auth is offered from its variable; a server killed mid-upload leads to one
 * complete file after the retry; a crash after the rename leads to "sent" without a second upload; the answers
 * (999, 277CA, 835, TA1, 271, an unreadable file) are picked up, posted once, archived, and a file seen again after a
 * crash between posting and archiving is only archived; a worker process killed with SIGKILL mid-upload and
 * mid-pickup leaves nothing sent twice and no answer posted twice or lost; two workers on one database send a
 * transfer once; the engine's exchange tasks do all this on their own timers.
 * Password auth: the server checks the password against the system's accounts (UsePAM no), and the test does not
 * set one: the test proves the password is offered (sshd logs "Failed password") and refused, not a login by password.
 * Skipped (with the reason printed) when /usr/sbin/sshd is missing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseBillingConfigText, type BillingConfig } from '../../src/billing/config';
import { loadPayerRulesDir } from '../../src/billing/scrub/payer-rules-files';
import { openSession } from '../../src/clearinghouse/sftp';
import { createLogger } from '../../src/core/logger';
import { claimsPosters, exchangeTasks } from '../../src/engine/clearinghouse-exchange';
import { ClaimsService } from '../../src/store/claims-service';
import { pickup, uploadDue } from '../../src/store/clearinghouse';
import { failedTransfers } from '../../src/store/clearinghouse-views';
import { openStore, type Store } from '../../src/store/db';
import { insertCharge, insertCoverage, insertMessage, insertPatient, tempDir, write277CA, write835, write999 } from './claims-support';
import { startSftpServer, SSHD_MISSING, type SftpServer } from './sftp-server';
import { spawn, type ChildProcess } from 'node:child_process';
import { buildSync } from 'esbuild';
import { createTestDatabase, ROOT, waitFor } from './support';

const NOW = new Date('2026-02-01T12:00:00Z');
const ACTOR = 'biller';
const describeSftp = SSHD_MISSING ? describe.skip : describe;
if (SSHD_MISSING) console.log(SSHD_MISSING);

let server: SftpServer;
let store: Store;
let dropDb: () => Promise<void>;
let outbox: string;
let databaseUrl: string;
let childScript: string | undefined;

/** The transfer worker in a child process (clearinghouse-child.ts, bundled once), for killing it with SIGKILL. */
function startChild(mode: 'upload' | 'pickup'): { child: ChildProcess; exited: Promise<number | null>; output: () => string } {
  if (!childScript) {
    childScript = path.join(path.dirname(outbox), 'clearinghouse-child.js');
    buildSync({ entryPoints: [path.join(__dirname, 'clearinghouse-child.ts')], bundle: true, platform: 'node', target: 'node20',
      format: 'cjs', packages: 'external', outfile: childScript, logLevel: 'error' });
  }
  const child = spawn(process.execPath, [childScript], {
    env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules'),
      CH_CHILD: JSON.stringify({ databaseUrl, billingText: configText(server), billingFile: BILLING_FILE, mode }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += String(d)));
  child.stderr!.on('data', (d) => (output += String(d)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

/** The shipped billing.yaml, no code set required, and clearinghouse `synch` (the default) on the test's server. */
function config(s: SftpServer, extra: Record<string, string> = {}): BillingConfig {
  return parseBillingConfigText(configText(s, extra), BILLING_FILE, {}, os.tmpdir());
}

const BILLING_FILE = path.join(ROOT, 'billing/billing.yaml');

function configText(s: SftpServer, extra: Record<string, string> = {}): string {
  const file = BILLING_FILE;
  const fields: Record<string, string> = {
    transport: 'sftp', host: s.host, port: String(s.port), username: 'root', hostKeyFingerprint: `"${s.fingerprint}"`,
    outboundDir: `${s.root}/outbound`, inboundDir: `${s.root}/inbound`, archiveDir: `${s.root}/archive`, errorDir: `${s.root}/error`,
    fileNamePattern: '"{submitterId}_{batchId}_{yyyyMMddHHmmss}.837"', requestTa1: 'true', maxAttempts: '3', connectTimeoutSeconds: '5',
    ...extra,
  };
  const auth = extra.auth ?? `\n      privateKeyFile: ${s.clientKeyFile}`;
  delete fields.auth;
  const section = ['clearinghouses:', '  synch:', ...Object.entries(fields).map(([k, v]) => `    ${k}: ${v}`), `    auth:${auth}`,
    'defaultClearinghouse: synch', `outboxDir: ${outbox}`].join('\n');
  const text = fs.readFileSync(file, 'utf8').replace(/^requiredCodeSets:\n(?:  .*\n)+/m, 'requiredCodeSets:\n  default: []\n');
  return `${text}\n${section}\n`;
}

const service = (c: BillingConfig) =>
  new ClaimsService({ db: store.db, config: c, payerRules: loadPayerRulesDir(path.join(ROOT, 'billing/payer-rules')), clock: () => NOW });

const transfers = () => store.db.selectFrom('clearinghouse_transfers').selectAll().orderBy('id').execute();
const remoteFiles = (dir: string) => fs.readdirSync(path.join(server.root, dir)).sort();

/** One patient, one coverage, one charge: a claim to the commercial payer, batched (its transfer queued). */
async function batchOne(claims: ClaimsService, patient: string): Promise<{ batchId: string; claimId: string }> {
  const messageId = await insertMessage(store.db, `CH-${patient}`);
  await insertPatient(store.db, patient, { birthDate: '1950-03-01' });
  await insertCoverage(store.db, patient, 'SYNCOM01', 'CI');
  await insertCharge(store.db, messageId, { patient, date: '2026-01-15', code: 'G0008', amount: '33.00', kind: 'immunization-admin', system: 'HCPCS' });
  await insertCharge(store.db, messageId, { patient, date: '2026-01-15', code: '90662', amount: '60.00', kind: 'vaccine-product' });
  const built = await claims.build(ACTOR);
  expect(built.created.map((x) => x.status)).toEqual(['ready']);
  const run = await claims.createBatches(ACTOR);
  expect(run.held).toEqual([]);
  return { batchId: run.batches[0]!.id, claimId: built.created[0]!.id };
}

beforeAll(async () => {
  if (SSHD_MISSING) return;
  server = await startSftpServer({ passwordAuthentication: true });
  const db = await createTestDatabase();
  dropDb = db.drop;
  databaseUrl = db.url;
  store = await openStore({ databaseUrl: db.url, poolSize: 4 });
  outbox = path.join(tempDir('rxb-ch-'), 'outbox');
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await store?.close();
  await dropDb?.();
  if (outbox) fs.rmSync(path.dirname(outbox), { recursive: true, force: true });
});

describeSftp('clearinghouse exchange over SFTP', () => {
  let first: { batchId: string; claimId: string };

  it('queues a batch in its own transaction and uploads it under a temporary name, then renames it', async () => {
    const c = config(server);
    const claims = service(c);
    first = await batchOne(claims, 'CHA');
    const [queued] = await transfers();
    const remoteName = `SUBMITTERID_${first.batchId}_20260201120000.837`;
    expect(queued).toMatchObject({ batch_id: first.batchId, clearinghouse: 'synch', remote_name: remoteName, status: 'pending', attempts: 0 });

    const ch = c.clearinghouses.get('synch')!;
    const run = await uploadDue(store.db, ch, () => openSession(ch));
    expect(run).toEqual({ sent: [first.batchId], sentInquiries: [], failed: [] });
    expect(remoteFiles('outbound')).toEqual([remoteName]); // no .part left behind
    const sent = fs.readFileSync(path.join(server.root, 'outbound', remoteName), 'utf8');
    const batch = await store.db.selectFrom('claim_batches').select(['x12']).where('id', '=', first.batchId).executeTakeFirstOrThrow();
    expect(sent).toBe(batch.x12);
    expect(sent.split('*')[14]).toBe('1'); // ISA14: requestTa1
    expect((await transfers())[0]).toMatchObject({ status: 'sent', attempts: 1, next_attempt_at: null, last_error: null });
    expect(await uploadDue(store.db, ch, () => openSession(ch))).toEqual({ sent: [], sentInquiries: [], failed: [] });
  }, 60_000);

  it('after a crash between the rename and the commit, finds the file there and marks it sent without a second upload', async () => {
    const ch = config(server).clearinghouses.get('synch')!;
    const file = path.join(server.root, 'outbound', (await transfers())[0]!.remote_name);
    const before = fs.statSync(file).mtimeMs;
    await store.db.updateTable('clearinghouse_transfers').set({ status: 'pending', attempts: 0, sent_at: null, next_attempt_at: new Date(0) }).execute();
    await new Promise((r) => setTimeout(r, 20));
    let connected = 0;
    const run = await uploadDue(store.db, ch, () => (connected++, openSession(ch)));
    expect(run.sent).toEqual([first.batchId]);
    expect(connected).toBe(1);
    expect(fs.statSync(file).mtimeMs).toBe(before);
  }, 60_000);

  it('refuses a server whose host key is not the pinned one, and the transfer shows the error and its retry', async () => {
    const wrong = config(server, { hostKeyFingerprint: '"SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"' });
    const ch = wrong.clearinghouses.get('synch')!;
    await expect(openSession(ch)).rejects.toMatchObject({
      code: 'CLEARINGHOUSE_HOST_KEY',
      message: expect.stringContaining(`showed host key ${server.fingerprint}, not the pinned SHA256:AAAA`),
    });
    const second = await batchOne(service(wrong), 'CHB');
    const run = await uploadDue(store.db, ch, () => openSession(ch));
    expect(run.failed).toEqual([{ batchId: second.batchId, error: expect.stringContaining('not the pinned') }]);
    const row = (await transfers()).find((t) => t.batch_id === second.batchId)!;
    expect(row).toMatchObject({ status: 'failed', attempts: 1, last_error: expect.stringContaining('refused') });
    const wait = (new Date(row.next_attempt_at!).getTime() - Date.now()) / 1000;
    expect(wait).toBeGreaterThan(20);
    expect(wait).toBeLessThanOrEqual(31);
    expect(remoteFiles('outbound')).toHaveLength(1);
    expect(await failedTransfers(store.db)).toBe(1); // the clearinghouse-transfers alert's reading
    // Not due yet; an operator's "retry now" makes it due, and a run with the right key sends it.
    const right = config(server).clearinghouses.get('synch')!;
    expect((await uploadDue(store.db, right, () => openSession(right))).sent).toEqual([]);
    await service(wrong).retryTransfer(second.batchId);
    expect((await uploadDue(store.db, right, () => openSession(right))).sent).toEqual([second.batchId]);
    await expect(service(wrong).retryTransfer(second.batchId)).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(service(wrong).retryTransfer('999999')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  }, 60_000);

  it('offers the password from its variable (a wrong one is refused by the server), and says when the variable is unset', async () => {
    const ch = config(server, { auth: '\n      passwordEnv: SYNCH_PASSWORD' }).clearinghouses.get('synch')!;
    expect(ch.password).toEqual({ env: 'SYNCH_PASSWORD' });
    await expect(openSession(ch, {})).rejects.toMatchObject({ code: 'CLEARINGHOUSE_SECRET', message: expect.stringContaining('SYNCH_PASSWORD is not set') });
    const err = await openSession(ch, { SYNCH_PASSWORD: 'not-the-password' }).then(() => undefined, (e: Error) => e);
    expect(err).toMatchObject({ code: 'CLEARINGHOUSE_TRANSFER', message: expect.stringMatching(/authentication/i) });
    expect(err!.message).not.toContain('not-the-password');
    // The server's own log shows that a password was offered and checked (not merely that no method was left).
    await waitFor(() => /Failed password for root/.test(server.log()), 5000, 'sshd logging the password attempt');
  }, 60_000);

  it('a server killed mid-upload: the transfer fails, and after the restart the file arrives once, complete', async () => {
    const c = config(server);
    const ch = c.clearinghouses.get('synch')!;
    const third = await batchOne(service(c), 'CHC');
    // A large file: the batch's text padded (the server must be killed while it is still being written).
    const big = `${'X'.repeat(64 * 1024 * 1024)}`;
    await store.db.updateTable('claim_batches').set({ x12: big } as never).where('id', '=', third.batchId).execute();
    await store.db.updateTable('clearinghouse_transfers').set({ size: big.length }).where('batch_id', '=', third.batchId).execute();
    const name = (await transfers()).find((t) => t.batch_id === third.batchId)!.remote_name;
    const part = path.join(server.root, 'outbound', `.${name}.part`);
    const uploading = uploadDue(store.db, ch, () => openSession(ch));
    for (let i = 0; i < 400 && !(fs.existsSync(part) && fs.statSync(part).size > 1024 * 1024); i++) await new Promise((r) => setTimeout(r, 25));
    expect(fs.statSync(part).size).toBeLessThan(big.length);
    await server.kill();
    const run = await uploading;
    expect(run.failed).toEqual([{ batchId: third.batchId, error: expect.stringContaining('clearinghouse synch: uploading') }]);
    expect(fs.existsSync(path.join(server.root, 'outbound', name))).toBe(false);
    await server.start();
    await store.db.updateTable('clearinghouse_transfers').set({ next_attempt_at: new Date(0) }).where('batch_id', '=', third.batchId).execute();
    expect((await uploadDue(store.db, ch, () => openSession(ch))).sent).toEqual([third.batchId]);
    expect(fs.statSync(path.join(server.root, 'outbound', name)).size).toBe(big.length);
    expect(remoteFiles('outbound').filter((f) => f.includes(`_${third.batchId}_`) || f.startsWith('.'))).toEqual([name]);
    expect((await transfers()).find((t) => t.batch_id === third.batchId)).toMatchObject({ status: 'sent', attempts: 2 });
  }, 120_000);

  it('picks up a 999, a 277CA, an 835, a TA1, a 271 and an unreadable file: posted once, archived, the bad one in error', async () => {
    const c = config(server);
    const ch = c.clearinghouses.get('synch')!;
    const claims = service(c);
    const batch = await store.db.selectFrom('claim_batches').selectAll().where('id', '=', first.batchId).executeTakeFirstOrThrow();
    const claim = (await claims.get(first.claimId))!;
    const inbound = (name: string, text: string) => fs.writeFileSync(path.join(server.root, 'inbound', name), text);
    inbound('a.999', write999({ groupControl: Number(batch.group_control), setControl: Number(batch.transaction_set_control), accepted: true }));
    inbound('a2.277', write277CA([{ controlNumber: claim.controlNumber, category: 'A2', status: '20', charge: '93.00', payerClaimNumber: 'PCN-1' }]));
    inbound('b.835', write835({
      trace: 'CH-TRACE-1', payerName: 'SYNTHETIC COMMERCIAL HEALTH PLAN', payerId: 'SYNCOM01', paymentDate: '2026-02-10',
      claims: [{ controlNumber: claim.controlNumber, status: '1', charge: '93.00', paid: '78.00', patientResponsibility: '15.00',
        payerClaimNumber: 'PCN-1', adjustments: [{ group: 'PR', reason: '1', amount: '15.00' }] }],
    }));
    // The second batch's interchange rejected by a TA1: 024 invalid interchange content.
    const second = await store.db.selectFrom('claim_batches').selectAll().where('id', '<>', first.batchId).orderBy('id').executeTakeFirstOrThrow();
    inbound('c.ta1', ta1(Number(second.interchange_control), 'R', '024'));
    inbound('d.271', interchange('HB', '005010X279A1', '271', ['BHT*0022*11*X*20260201*1200', 'HL*1**20*1']));
    inbound('e.txt', 'not an x12 file at all');

    const posters = claimsPosters(claims);
    const session = await openSession(ch);
    try {
      const picked = await pickup(store.db, ch, session, posters);
      expect(picked.map((p) => [p.name, p.kind, p.outcome])).toEqual([
        ['a.999', '999', 'posted'], ['a2.277', '277CA', 'posted'], ['b.835', '835', 'posted'], ['c.ta1', 'TA1', 'posted'],
        ['d.271', '271', 'posted'], ['e.txt', 'unreadable', 'error'],
      ]);
      // The 271 goes through the eligibility reader (it answers no inquiry of ours: nothing to apply).
      expect(picked[4]!.detail).toBe('271: 0 answers applied, 0 unmatched');
      expect(remoteFiles('inbound')).toEqual([]);
      expect(remoteFiles('archive')).toEqual(['a.999', 'a2.277', 'b.835', 'c.ta1', 'd.271']);
      expect(remoteFiles('error')).toEqual(['e.txt']);

      expect((await claims.get(first.claimId))!).toMatchObject({ status: 'paid', patientOwes: { amount: '15.00', payerId: 'SYNCOM01' } });
      const rejected = await store.db.selectFrom('claim_batches').select(['ta1_ack_code', 'ta1_note_code']).where('id', '=', second.id).executeTakeFirstOrThrow();
      expect(rejected).toEqual({ ta1_ack_code: 'R', ta1_note_code: '024' });
      const secondClaim = await store.db.selectFrom('claims').select(['status']).where('batch_id', '=', second.id).executeTakeFirstOrThrow();
      expect(secondClaim.status).toBe('rejected');
      const listed = await claims.listBatches(10);
      expect(listed.find((b) => b.id === second.id)).toMatchObject({
        ta1: { ackCode: 'R', noteCode: '024', meaning: 'Invalid interchange content (e.g., invalid GS segment)' },
        transfer: { clearinghouse: 'synch', status: 'sent', attempts: 1, lastError: expect.stringContaining('not the pinned') },
      });

      // A crash between posting and archiving: the same file is back in the inbound folder. Only archived again.
      fs.copyFileSync(path.join(server.root, 'archive', 'b.835'), path.join(server.root, 'inbound', 'b.835'));
      const again = await pickup(store.db, ch, session, posters);
      expect(again.map((p) => [p.name, p.outcome])).toEqual([['b.835', 'archived-again']]);
      expect(remoteFiles('archive')).toEqual(['a.999', 'a2.277', 'b.835', 'b.835.1', 'c.ta1', 'd.271']);
      const remittances = await store.db.selectFrom('remittances').select('id').execute();
      expect(remittances).toHaveLength(1);
      const files = await store.db.selectFrom('clearinghouse_files').select(['name', 'kind', 'status']).orderBy('name').execute();
      expect(files).toEqual([
        { name: 'a.999', kind: '999', status: 'archived' }, { name: 'a2.277', kind: '277CA', status: 'archived' }, { name: 'b.835', kind: '835', status: 'archived' },
        { name: 'c.ta1', kind: 'TA1', status: 'archived' }, { name: 'd.271', kind: '271', status: 'archived' },
        { name: 'e.txt', kind: 'unreadable', status: 'error' },
      ]);
    } finally {
      await session.close();
    }
  }, 60_000);

  it('kill -9 of the transfer worker mid-upload: nothing is sent twice, the next run sends the whole file once', async () => {
    const c = config(server);
    const ch = c.clearinghouses.get('synch')!;
    const fourth = await batchOne(service(c), 'CHD');
    const big = 'Y'.repeat(64 * 1024 * 1024);
    await store.db.updateTable('claim_batches').set({ x12: big } as never).where('id', '=', fourth.batchId).execute();
    await store.db.updateTable('clearinghouse_transfers').set({ size: big.length }).where('batch_id', '=', fourth.batchId).execute();
    const name = (await transfers()).find((t) => t.batch_id === fourth.batchId)!.remote_name;
    const part = path.join(server.root, 'outbound', `.${name}.part`);
    const worker = startChild('upload');
    await waitFor(() => fs.existsSync(part) && fs.statSync(part).size > 1024 * 1024, 30_000, `the child's upload (${worker.output()})`);
    worker.child.kill('SIGKILL');
    await worker.exited;
    expect(fs.existsSync(path.join(server.root, 'outbound', name))).toBe(false);
    // The killed worker's transaction is rolled back: the row is as it was, pending and due.
    await waitFor(async () => (await uploadDue(store.db, ch, () => openSession(ch))).sent.includes(fourth.batchId), 20_000, 'the upload after the kill');
    expect(fs.statSync(path.join(server.root, 'outbound', name)).size).toBe(big.length);
    expect(remoteFiles('outbound').filter((f) => f.includes(`_${fourth.batchId}_`) || f.startsWith('.'))).toEqual([name]);
    expect((await transfers()).find((t) => t.batch_id === fourth.batchId)).toMatchObject({ status: 'sent', attempts: 1 });
  }, 120_000);

  it('two workers on one database: the transfer is worked by one of them only (row lock, skip locked)', async () => {
    const c = config(server);
    const ch = c.clearinghouses.get('synch')!;
    const fifth = await batchOne(service(c), 'CHE');
    const big = 'Z'.repeat(16 * 1024 * 1024);
    await store.db.updateTable('claim_batches').set({ x12: big } as never).where('id', '=', fifth.batchId).execute();
    await store.db.updateTable('clearinghouse_transfers').set({ size: big.length }).where('batch_id', '=', fifth.batchId).execute();
    let connections = 0;
    const connect = () => (connections++, openSession(ch));
    const [one, two] = await Promise.all([uploadDue(store.db, ch, connect), uploadDue(store.db, ch, connect)]);
    expect([...one.sent, ...two.sent]).toEqual([fifth.batchId]);
    expect([...one.failed, ...two.failed]).toEqual([]);
    expect(connections).toBe(1);
    expect((await transfers()).find((t) => t.batch_id === fifth.batchId)).toMatchObject({ status: 'sent', attempts: 1 });
  }, 60_000);

  it("the engine's exchange tasks upload a new batch and pick up its answer on their own", async () => {
    const c = config(server, { pollIntervalSeconds: '5' });
    const claims = service(c);
    const tasks = exchangeTasks({ billing: c, claims, log: createLogger({ silent: true }) });
    expect(tasks).toHaveLength(2);
    const sixth = await batchOne(claims, 'CHF');
    const name = (await transfers()).find((t) => t.batch_id === sixth.batchId)!.remote_name;
    const batch = await store.db.selectFrom('claim_batches').selectAll().where('id', '=', sixth.batchId).executeTakeFirstOrThrow();
    fs.writeFileSync(path.join(server.root, 'inbound', 'f.999'),
      write999({ groupControl: Number(batch.group_control), setControl: Number(batch.transaction_set_control), accepted: true }));
    for (const t of tasks) await t.start();
    try {
      await waitFor(() => fs.existsSync(path.join(server.root, 'outbound', name)), 20_000, 'the upload task');
      await waitFor(() => fs.existsSync(path.join(server.root, 'archive', 'f.999')), 20_000, 'the pickup task');
    } finally {
      await Promise.all(tasks.map((t) => t.stop()));
    }
    expect((await claims.get(sixth.claimId))!.status).toBe('submitted');
  }, 60_000);

  it('kill -9 of the worker mid-pickup: the next pickup posts the rest, no file is posted twice or lost', async () => {
    const ch = config(server).clearinghouses.get('synch')!;
    const batch = await store.db.selectFrom('claim_batches').selectAll().where('id', '=', first.batchId).executeTakeFirstOrThrow();
    const names = Array.from({ length: 30 }, (_, i) => `k${String(i).padStart(2, '0')}.999`);
    const text = write999({ groupControl: Number(batch.group_control), setControl: Number(batch.transaction_set_control), accepted: true });
    // Distinct contents: each its own ISA13/IEA02.
    names.forEach((n, i) => fs.writeFileSync(path.join(server.root, 'inbound', n),
      text.replace(/\*000000601\*/g, `*${String(700 + i).padStart(9, '0')}*`).replace(/IEA\*1\*000000601/, `IEA*1*${String(700 + i).padStart(9, '0')}`)));
    const acksBefore = (await store.db.selectFrom('acknowledgments').select('id').execute()).length;
    const archivedBefore = remoteFiles('archive').length;
    const worker = startChild('pickup');
    await waitFor(() => remoteFiles('archive').length >= archivedBefore + 3, 30_000, `the child's pickup (${worker.output()})`);
    worker.child.kill('SIGKILL');
    await worker.exited;
    expect(remoteFiles('inbound').length).toBeGreaterThan(0);

    const session = await openSession(ch);
    try {
      await pickup(store.db, ch, session, claimsPosters(service(config(server))));
    } finally {
      await session.close();
    }
    expect(remoteFiles('inbound')).toEqual([]);
    expect(remoteFiles('archive').filter((f) => f.startsWith('k'))).toEqual(names);
    const rows = await store.db.selectFrom('clearinghouse_files').select(['name', 'status']).where('name', 'like', 'k%').orderBy('name').execute();
    expect(rows).toEqual(names.map((name) => ({ name, status: 'archived' })));
    expect((await store.db.selectFrom('acknowledgments').select('id').execute()).length - acksBefore).toBe(names.length);
  }, 120_000);
});

/** An interchange from the clearinghouse holding one transaction set of `segments`. */
function interchange(functionalId: string, version: string, st01: string, segments: string[]): string {
  const body = [`ST*${st01}*0001*${version}`, ...segments, `SE*${segments.length + 2}*0001`];
  return [
    'ISA*00*          *00*          *ZZ*RECEIVERID     *ZZ*SUBMITTERID    *260201*1200*^*00501*000000777*0*T*:',
    `GS*${functionalId}*RECEIVERID*SUBMITTERID*20260201*1200*777*X*${version}`, ...body, 'GE*1*777', 'IEA*1*000000777', '',
  ].join('~\n');
}

/** A TA1-only interchange answering our ISA13. */
function ta1(isa13: number, ack: string, note: string): string {
  return [
    'ISA*00*          *00*          *ZZ*RECEIVERID     *ZZ*SUBMITTERID    *260201*1200*^*00501*000000778*0*T*:',
    `TA1*${String(isa13).padStart(9, '0')}*260201*1200*${ack}*${note}`, 'IEA*0*000000778', '',
  ].join('~\n');
}
