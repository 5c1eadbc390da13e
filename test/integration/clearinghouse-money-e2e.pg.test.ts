/**
 * The money end to end through the clearinghouse, with a real SFTP server (test/integration/sftp-server.ts) and
 * real Postgres: two Medicare Part B patients, each with a Medigap plan (`cob: supplement`). Three primary claims
 * (patient A on two dates, patient B once) go up in one 837P; Medicare's 835 is put in the inbound folder and picked
 * up: A's first claim paid (CO-45 only), A's second with PR-1 + CO-45 on a line (builds the Medigap claim), B's
 * forwarded as a crossover (CLP02 19, NM1*TT). The Medigap claim is batched with its 2320/2330/2430 loops, passes
 * check837P and is uploaded; the Medigap 835 (for it) and the Medigap crossover 835 (for B) are picked up; what each
 * patient owes is right. Every 835 is synthetic and balanced. Skipped when /usr/sbin/sshd is missing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseBillingConfigText, type BillingConfig } from '../../src/billing/config';
import { loadPayerRulesDir } from '../../src/billing/scrub/payer-rules-files';
import { openSession } from '../../src/clearinghouse/sftp';
import { check837P } from '../../src/billing/x12-837p-check';
import { claimsPosters } from '../../src/engine/clearinghouse-exchange';
import { ClaimsService } from '../../src/store/claims-service';
import { pickup, uploadDue } from '../../src/store/clearinghouse';
import { openStore, type Store } from '../../src/store/db';
import { synthetic835 } from '../unit/x12-835-writer';
import { insertCharge, insertMessage, insertPatient, tempDir } from './claims-support';
import { startSftpServer, SSHD_MISSING, type SftpServer } from './sftp-server';
import { createTestDatabase, ROOT } from './support';

const NOW = new Date('2026-02-01T12:00:00Z');
const ACTOR = 'biller';
const MEDICARE = { payerName: 'SYNTHETIC MEDICARE PART B', payerId: 'MCRB-J99' };
const MEDIGAP = { payerName: 'SYNTHETIC MEDIGAP PLAN', payerQualifier: 'PI', payerId: 'MGAP77', ref2U: 'MGAP77', trn03: '1888888881' };
const describeSftp = SSHD_MISSING ? describe.skip : describe;
if (SSHD_MISSING) console.log(SSHD_MISSING);

let server: SftpServer;
let store: Store;
let dropDb: () => Promise<void>;
let outbox: string;
let claims: ClaimsService;
let billing: BillingConfig;

function config(s: SftpServer): BillingConfig {
  const file = path.join(ROOT, 'billing/billing.yaml');
  const text = fs.readFileSync(file, 'utf8')
    .replace('    filingIndicator: MB\n', '    filingIndicator: MB\n    remittanceIds: [MCRB-J99, "1999999991"]\n')
    .replace('  SYNPBM01:\n', '  SYNMGP01:\n    name: SYNTHETIC MEDIGAP PLAN\n    filingIndicator: CI\n    cob: supplement\n'
      + '    remittanceIds: [MGAP77]\n  SYNPBM01:\n')
    .replace(/^requiredCodeSets:\n(?:  .*\n)+/m, 'requiredCodeSets:\n  default: []\n');
  const section = [
    'clearinghouses:', '  synch:', '    transport: sftp', `    host: ${s.host}`, `    port: ${s.port}`, '    username: root',
    `    hostKeyFingerprint: "${s.fingerprint}"`, '    auth:', `      privateKeyFile: ${s.clientKeyFile}`,
    `    outboundDir: ${s.root}/outbound`, `    inboundDir: ${s.root}/inbound`, `    archiveDir: ${s.root}/archive`, `    errorDir: ${s.root}/error`,
    'defaultClearinghouse: synch', `outboxDir: ${outbox}`,
  ].join('\n');
  return parseBillingConfigText(`${text}\n${section}\n`, file, {}, os.tmpdir());
}

async function insertCoverage(ref: string, payerId: string, planType: string, memberId: string): Promise<void> {
  await store.db.insertInto('coverages').values({
    patient_ref: ref, plan_id: `PLAN-${payerId}`, as_of: '2025-12-01T00:00:00Z', payer_id: payerId, payer_name: payerId,
    member_id: memberId, group_number: null, group_name: null, plan_type: planType, relationship: '18', priority: 1,
    effective_date: '2025-01-01', expiration_date: null, subscriber_family_name: null, subscriber_given_name: null,
    subscriber_birth_date: null, subscriber_sex: null, source_key: null, message_id: null,
  } as never).execute();
}

const claim = async (id: string) => (await claims.get(id))!;
const outbound = () => fs.readdirSync(path.join(server.root, 'outbound')).sort();
const putInbound = (name: string, text: string) => fs.writeFileSync(path.join(server.root, 'inbound', name), text);

async function exchange(): Promise<{ sent: string[]; picked: Array<[string, string]> }> {
  const ch = billing.clearinghouses.get('synch')!;
  const run = await uploadDue(store.db, ch, () => openSession(ch));
  expect(run.failed).toEqual([]);
  const session = await openSession(ch);
  try {
    const picked = await pickup(store.db, ch, session, claimsPosters(claims));
    return { sent: run.sent, picked: picked.map((p) => [p.name, p.outcome]) };
  } finally {
    await session.close();
  }
}

beforeAll(async () => {
  if (SSHD_MISSING) return;
  server = await startSftpServer();
  const db = await createTestDatabase();
  dropDb = db.drop;
  store = await openStore({ databaseUrl: db.url, poolSize: 4 });
  outbox = path.join(tempDir('rxb-ch-money-'), 'outbox');
  billing = config(server);
  claims = new ClaimsService({ db: store.db, config: billing, payerRules: loadPayerRulesDir(path.join(ROOT, 'billing/payer-rules')), clock: () => NOW });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await store?.close();
  await dropDb?.();
  if (outbox) fs.rmSync(path.dirname(outbox), { recursive: true, force: true });
});

describeSftp('the money through the clearinghouse', () => {
  it('primary 837P up, Medicare 835 down, Medigap 837P up with its loops, Medigap 835s down: each patient owes the right amount', async () => {
    const messageId = await insertMessage(store.db, 'CH-MONEY-1');
    for (const p of ['PA', 'PB']) {
      await insertPatient(store.db, p, { birthDate: '1950-03-01' });
      await insertCoverage(p, 'SYNMGP01', 'CI', `MGAP-${p}`);
      await insertCoverage(p, 'SYNMCR01', 'MB', `MCR-${p}`);
    }
    for (const [p, date] of [['PA', '2026-01-15'], ['PA', '2026-01-20'], ['PB', '2026-01-15']] as const) {
      await insertCharge(store.db, messageId, { patient: p, date, code: 'G0008', amount: '33.00', kind: 'immunization-admin', system: 'HCPCS' });
      await insertCharge(store.db, messageId, { patient: p, date, code: '90662', amount: '60.00', kind: 'vaccine-product' });
    }
    const built = await claims.build(ACTOR);
    expect(built.created.map((c) => [c.status, c.payerId])).toEqual(Array(3).fill(['ready', 'SYNMCR01']));
    const ids = await Promise.all(built.created.map(async (c) => ({ id: c.id, c: await claim(c.id) })));
    const byKey = (p: string, date: string) => ids.find((x) => x.c.patientRef === p && x.c.serviceDate === date)!.c;
    const a1 = byKey('PA', '2026-01-15');
    const a2 = byKey('PA', '2026-01-20');
    const b = byKey('PB', '2026-01-15');

    // The primary 837P: batched, queued, uploaded.
    const primaryRun = await claims.createBatches(ACTOR);
    expect(primaryRun.batches.map((x) => [x.payerId, x.claimIds.length])).toEqual([['SYNMCR01', 3]]);
    const first = await exchange();
    expect(first).toEqual({ sent: [primaryRun.batches[0]!.id], picked: [] });
    expect(outbound()).toHaveLength(1);
    const primaryFile = fs.readFileSync(path.join(server.root, 'outbound', outbound()[0]!), 'utf8');
    expect(check837P(primaryFile)).toEqual([]);

    // Medicare's 835: A1 paid (CO-45 only), A2 PR-1 + CO-45 on a line, B forwarded to the Medigap plan (CLP02 19).
    putInbound('MCR-0210.835', synthetic835({
      ...MEDICARE, trace: 'MCR-0210', paymentDate: '2026-02-10', interchange: 901,
      claims: [
        { controlNumber: a1.controlNumber, status: '1', charge: '93.00', paid: '81.00', payerClaimNumber: 'CCN-A1',
          services: [
            { code: 'G0008', charge: '33.00', paid: '28.00', date: '2026-01-15', adjustments: [{ group: 'CO', reason: '45', amount: '5.00' }] },
            { code: '90662', charge: '60.00', paid: '53.00', date: '2026-01-15', adjustments: [{ group: 'CO', reason: '45', amount: '7.00' }] },
          ] },
        { controlNumber: a2.controlNumber, status: '1', charge: '93.00', paid: '50.00', patientResponsibility: '22.00', payerClaimNumber: 'CCN-A2',
          services: [
            { code: 'G0008', charge: '33.00', paid: '0.00', date: '2026-01-20',
              adjustments: [{ group: 'CO', reason: '45', amount: '11.00' }, { group: 'PR', reason: '1', amount: '22.00' }] },
            { code: '90662', charge: '60.00', paid: '50.00', date: '2026-01-20', adjustments: [{ group: 'CO', reason: '45', amount: '10.00' }] },
          ] },
        { controlNumber: b.controlNumber, status: '19', charge: '93.00', paid: '50.00', patientResponsibility: '22.00', payerClaimNumber: 'CCN-B',
          crossoverTo: { name: 'SYNTHETIC MEDIGAP PLAN', id: 'MGAP77' },
          services: [
            { code: 'G0008', charge: '33.00', paid: '0.00', date: '2026-01-15',
              adjustments: [{ group: 'CO', reason: '45', amount: '11.00' }, { group: 'PR', reason: '1', amount: '22.00' }] },
            { code: '90662', charge: '60.00', paid: '50.00', date: '2026-01-15', adjustments: [{ group: 'CO', reason: '45', amount: '10.00' }] },
          ] },
      ],
    }));
    const second = await exchange();
    expect(second).toEqual({ sent: [], picked: [['MCR-0210.835', 'posted']] });
    expect((await claim(a1.id)).patientOwes).toMatchObject({ amount: '0.00', payerId: 'SYNMCR01' });
    expect(await claim(b.id)).toMatchObject({ awaitingCrossover: true, followedBy: null });
    const secondaryId = (await claim(a2.id)).followedBy!.id;
    expect(await claim(secondaryId)).toMatchObject({ status: 'ready', payerId: 'SYNMGP01', payerStep: 2, followsClaimId: a2.id });

    // The Medigap claim: batched (as the operator's batch run does), uploaded, with 2320/2330/2430.
    const secondaryRun = await claims.createBatches(ACTOR);
    expect(secondaryRun.batches.map((x) => [x.payerId, x.claimIds])).toEqual([['SYNMGP01', [secondaryId]]]);
    const third = await exchange();
    expect(third.sent).toEqual([secondaryRun.batches[0]!.id]);
    const secondaryName = outbound().find((n) => n.includes(`_${secondaryRun.batches[0]!.id}_`))!;
    const secondaryFile = fs.readFileSync(path.join(server.root, 'outbound', secondaryName), 'utf8');
    expect(check837P(secondaryFile)).toEqual([]);
    const segments = secondaryFile.split(/~\s*/);
    expect(segments.filter((s) => s.startsWith('SBR*')).map((s) => s.split('*')[1])).toEqual(['S', 'P']); // 2000B, 2320
    expect(segments).toContain('AMT*D*50'); // 2320 payer paid
    expect(segments.some((s) => s.startsWith('NM1*PR*2*SYNTHETIC MEDICARE PART B'))).toBe(true); // 2330B
    expect(segments.filter((s) => s.startsWith('SVD*SYNMCR01*')).length).toBe(2); // 2430
    expect(segments.some((s) => s.startsWith('CAS*PR*1*22'))).toBe(true);

    // The Medigap plan pays A2's secondary (20.00 of the deductible, 2.00 left to the patient) and B's crossover in full.
    const sentSecondary = await claim(secondaryId);
    putInbound('MGAP-0224.835', synthetic835({
      ...MEDIGAP, trace: 'MGAP-0224', paymentDate: '2026-02-24', interchange: 902,
      claims: [{
        controlNumber: sentSecondary.controlNumber, status: '2', charge: '93.00', paid: '20.00', patientResponsibility: '2.00', payerClaimNumber: 'MGAP-A2',
        services: [
          { code: 'G0008', charge: '33.00', paid: '20.00', date: '2026-01-20',
            adjustments: [{ group: 'OA', reason: '23', amount: '11.00' }, { group: 'PR', reason: '1', amount: '2.00' }] },
          { code: '90662', charge: '60.00', paid: '0.00', date: '2026-01-20', adjustments: [{ group: 'OA', reason: '23', amount: '60.00' }] },
        ],
      }],
    }));
    putInbound('MGAP-0225.835', synthetic835({
      ...MEDIGAP, trace: 'MGAP-0225', paymentDate: '2026-02-25', interchange: 903,
      claims: [{
        controlNumber: b.controlNumber, status: '2', charge: '93.00', paid: '22.00', payerClaimNumber: 'MGAP-B',
        services: [
          { code: 'G0008', charge: '33.00', paid: '22.00', date: '2026-01-15', adjustments: [{ group: 'OA', reason: '23', amount: '11.00' }] },
          { code: '90662', charge: '60.00', paid: '0.00', date: '2026-01-15', adjustments: [{ group: 'OA', reason: '23', amount: '60.00' }] },
        ],
      }],
    }));
    const fourth = await exchange();
    expect(fourth).toEqual({ sent: [], picked: [['MGAP-0224.835', 'posted'], ['MGAP-0225.835', 'posted']] });

    expect(await claim(secondaryId)).toMatchObject({ status: 'paid', paidAmount: '20.00' });
    expect((await claim(a1.id)).patientOwes).toMatchObject({ amount: '0.00' });
    expect((await claim(a2.id)).patientOwes).toEqual({ amount: '2.00', payerStep: 2, payerId: 'SYNMGP01', claimId: secondaryId });
    expect(await claim(b.id)).toMatchObject({ awaitingCrossover: false, status: 'paid', paidAmount: '72.00' });
    expect((await claim(b.id)).patientOwes).toEqual({ amount: '0.00', payerStep: 2, payerId: 'SYNMGP01', claimId: b.id });

    // Everything picked up is archived; nothing is left inbound or in error; nothing went up twice.
    expect(fs.readdirSync(path.join(server.root, 'inbound'))).toEqual([]);
    expect(fs.readdirSync(path.join(server.root, 'error'))).toEqual([]);
    expect(fs.readdirSync(path.join(server.root, 'archive')).sort()).toEqual(['MCR-0210.835', 'MGAP-0224.835', 'MGAP-0225.835']);
    expect(outbound()).toHaveLength(2);
    expect((await store.db.selectFrom('clearinghouse_transfers').select('status').execute()).map((t) => t.status)).toEqual(['sent', 'sent']);
  }, 120_000);
});
