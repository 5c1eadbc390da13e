/**
 * Secondary claims on real Postgres, as a biller meets them: a Medicare Part B patient with a Medigap plan
 * (`cob: supplement`). Medicare's 835 (CO-45 and PR-2 on a line) builds the claim to the Medigap plan (SBR01 S, with
 * Medicare's adjudication in 2320/2430), ready; the normal batch flow sends it in an 837P check837P accepts; the
 * Medigap 835 pays it and the patient owes the remainder. Not built: when Medicare forwarded the claim (crossover),
 * when Medicare paid in full, twice for one claim, or when the 835 does not account for every line (a note says why).
 * When the Medicare claim is corrected (a reversed charge, a late charge), the Medigap claim follows Medicare's answer
 * to the correction: a sent one is replaced (frequency 7), an unsent one is voided and built again.
 * Every 835 is synthetic and balanced.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadPayerRulesDir } from '../../src/billing/scrub/payer-rules-files';
import { check837P } from '../../src/billing/x12-837p-check';
import { ClaimsService } from '../../src/store/claims-service';
import { openStore, type Store } from '../../src/store/db';
import { synthetic835 } from '../unit/x12-835-writer';
import { insertCharge, insertMemberCoverage, insertMessage, insertPatient, medigapBillingConfig, reverseCharge, tempDir } from './claims-support';
import { createTestDatabase, ROOT } from './support';

const NOW = new Date('2026-02-01T12:00:00Z');
const ACTOR = 'biller';
const MEDICARE = { payerName: 'SYNTHETIC MEDICARE PART B', payerId: 'MCRB-J99' };
const MEDIGAP = { payerName: 'SYNTHETIC MEDIGAP PLAN', payerQualifier: 'PI', payerId: 'MGAP77', ref2U: 'MGAP77', trn03: '1888888881' };

let store: Store;
let dropDb: () => Promise<void>;
let outbox: string;
let claims: ClaimsService;
const primaryOf: Record<string, string> = {};
let drawChargeF: string;

const claim = async (id: string) => (await claims.get(id))!;

/** Medicare's answer: the administration's 33.00 is 11.00 CO-45 and 22.00 PR-2 (coinsurance), the product paid 50.00. */
const medicareAnswer = (controlNumber: string, trace: string, interchange: number) => synthetic835({
  ...MEDICARE, trace, paymentDate: '2026-02-10', interchange,
  claims: [{
    controlNumber, status: '1', charge: '93.00', paid: '50.00', patientResponsibility: '22.00', payerClaimNumber: `CCN-${trace}`,
    services: [
      { code: 'G0008', charge: '33.00', paid: '0.00', date: '2026-01-15',
        adjustments: [{ group: 'CO', reason: '45', amount: '11.00' }, { group: 'PR', reason: '2', amount: '22.00' }] },
      { code: '90662', charge: '60.00', paid: '50.00', date: '2026-01-15', adjustments: [{ group: 'CO', reason: '45', amount: '10.00' }] },
    ],
  }],
});

/** Medicare's answer to the three-line claim (with a 10.00 blood draw 36415: 8.00 paid, 2.00 PR-2). */
const medicareAnswerWithDraw = (controlNumber: string, trace: string, paymentDate: string, interchange: number) => synthetic835({
  ...MEDICARE, trace, paymentDate, interchange,
  claims: [{
    controlNumber, status: '1', charge: '103.00', paid: '58.00', patientResponsibility: '24.00', payerClaimNumber: `CCN-${trace}`,
    services: [
      { code: 'G0008', charge: '33.00', paid: '0.00', date: '2026-01-15',
        adjustments: [{ group: 'CO', reason: '45', amount: '11.00' }, { group: 'PR', reason: '2', amount: '22.00' }] },
      { code: '90662', charge: '60.00', paid: '50.00', date: '2026-01-15', adjustments: [{ group: 'CO', reason: '45', amount: '10.00' }] },
      { code: '36415', charge: '10.00', paid: '8.00', date: '2026-01-15', adjustments: [{ group: 'PR', reason: '2', amount: '2.00' }] },
    ],
  }],
});

const followers = async (claimId: string) => store.db.selectFrom('claims').select('id').where('follows_claim_id', '=', claimId).execute();

beforeAll(async () => {
  const db = await createTestDatabase();
  dropDb = db.drop;
  store = await openStore({ databaseUrl: db.url, poolSize: 4 });
  outbox = path.join(tempDir('rxb-cob-'), 'outbox');
  claims = new ClaimsService({
    db: store.db, config: medigapBillingConfig(outbox), payerRules: loadPayerRulesDir(path.join(ROOT, 'billing/payer-rules')), clock: () => NOW,
  });
  const messageId = await insertMessage(store.db, 'COB-1');
  for (const p of ['PA', 'PB', 'PC', 'PD', 'PE', 'PF', 'PG']) {
    await insertPatient(store.db, p, { birthDate: '1950-03-01' });
    await insertMemberCoverage(store.db, p, 'SYNMGP01', 'CI', `MGAP-${p}`);
    await insertMemberCoverage(store.db, p, 'SYNMCR01', 'MB', `MCR-${p}`);
    await insertCharge(store.db, messageId, { patient: p, date: '2026-01-15', code: 'G0008', amount: '33.00', kind: 'immunization-admin', system: 'HCPCS' });
    await insertCharge(store.db, messageId, { patient: p, date: '2026-01-15', code: '90662', amount: '60.00', kind: 'vaccine-product' });
  }
  // PF also had a blood draw, reversed later by the pharmacy.
  drawChargeF = await insertCharge(store.db, messageId, { patient: 'PF', date: '2026-01-15', code: '36415', amount: '10.00' });
  const built = await claims.build(ACTOR);
  expect(built.created.map((c) => [c.status, c.payerId])).toEqual(Array(7).fill(['ready', 'SYNMCR01']));
  for (const c of built.created) primaryOf[(await claim(c.id)).patientRef] = c.id;
  const run = await claims.createBatches(ACTOR);
  expect(run.held).toEqual([]);
});

afterAll(async () => {
  await store?.close();
  await dropDb?.();
  fs.rmSync(path.dirname(outbox), { recursive: true, force: true });
});

describe('secondary claims from posting', () => {
  it("Medicare's 835 builds the Medigap claim, the batch sends it with 2320/2430, the Medigap 835 leaves the patient the remainder", async () => {
    const primary = await claim(primaryOf.PA!);
    const [posted] = await claims.recordRemittances(medicareAnswer(primary.controlNumber, 'MCR-A', 801), ACTOR);
    expect(posted!.nextPayerClaims).toEqual([{ claimId: primary.id, nextClaimId: expect.any(String), responsibility: 'S' }]);
    const secondaryId = posted!.nextPayerClaims![0]!.nextClaimId!;

    const secondary = await claim(secondaryId);
    expect(secondary).toMatchObject({
      status: 'ready', payerId: 'SYNMGP01', payerStep: 2, followsClaimId: primary.id, totalCharge: '93.00', frequency: '1',
    });
    expect(secondary.claim.subscriber).toMatchObject({ payerResponsibility: 'S', memberId: 'MGAP-PA', filingIndicator: 'CI' });
    expect(secondary.claim.otherPayers).toEqual([expect.objectContaining({
      responsibility: 'P', filingIndicator: 'MB', paidAmount: '50.00', remainingPatientLiability: '22.00',
      payer: { id: 'SYNMCR01', name: 'SYNTHETIC MEDICARE PART B' }, payerClaimNumber: 'CCN-MCR-A', adjudicationDate: '2026-02-10',
      subscriber: expect.objectContaining({ memberId: 'MCR-PA' }),
    })]);
    expect(secondary.claim.lines.map((l) => l.adjudications?.map((a) => [a.payerId, a.paidAmount]))).toEqual([
      [['SYNMCR01', '0.00']], [['SYNMCR01', '50.00']],
    ]);
    expect(secondary.lines.map((l) => l.chargeId)).toEqual(primary.lines.map((l) => l.chargeId));
    expect((await claim(primary.id)).followedBy).toEqual({ id: secondaryId, payerId: 'SYNMGP01', status: 'ready' });
    expect((await claim(primary.id)).history.at(-1)!.reason).toContain(`secondary claim ${secondaryId} to SYNMGP01`);

    // The charges stay billed: a build claims nothing again and holds nothing as a duplicate.
    const again = await claims.build(ACTOR);
    expect(again.created).toEqual([]);
    expect(again.held).toEqual([]);

    const run = await claims.createBatches(ACTOR, 'SYNMGP01');
    expect(run.held).toEqual([]);
    expect(run.batches).toHaveLength(1);
    expect(run.batches[0]!.claimIds).toEqual([secondaryId]);
    const x12 = (await claims.batchX12(run.batches[0]!.id))!.x12;
    expect(check837P(x12)).toEqual([]);
    const segments = x12.split(/~\s*/);
    const sbr = segments.filter((s) => s.startsWith('SBR*'));
    expect(sbr.map((s) => s.split('*')[1])).toEqual(['S', 'P']);
    expect(segments).toContain('AMT*D*50');
    expect(segments.filter((s) => s.startsWith('SVD*SYNMCR01*')).length).toBe(2);
    expect(segments.some((s) => s.startsWith('CAS*PR*2*22'))).toBe(true);

    // The Medigap plan pays 20.00 of the coinsurance; the patient owes 2.00 after it.
    const sent = await claim(secondaryId);
    const [paid] = await claims.recordRemittances(synthetic835({
      ...MEDIGAP, trace: 'MGAP-A', paymentDate: '2026-02-24', interchange: 802,
      claims: [{
        controlNumber: sent.controlNumber, status: '2', charge: '93.00', paid: '20.00', patientResponsibility: '2.00',
        payerClaimNumber: 'MGAP-CLM-A',
        services: [
          { code: 'G0008', charge: '33.00', paid: '20.00', date: '2026-01-15',
            adjustments: [{ group: 'OA', reason: '23', amount: '11.00' }, { group: 'PR', reason: '2', amount: '2.00' }] },
          { code: '90662', charge: '60.00', paid: '0.00', date: '2026-01-15', adjustments: [{ group: 'OA', reason: '23', amount: '60.00' }] },
        ],
      }],
    }), ACTOR);
    expect(paid!.claims).toEqual([expect.objectContaining({ claimId: secondaryId, role: 'claim-payer', status: 'paid' })]);
    expect(paid!.nextPayerClaims).toBeUndefined();
    const done = await claim(secondaryId);
    expect(done).toMatchObject({ status: 'paid', paidAmount: '20.00', patientResponsibility: '2.00', payerClaimNumber: 'MGAP-CLM-A' });
    const owes = { amount: '2.00', payerStep: 2, payerId: 'SYNMGP01', claimId: secondaryId };
    expect(done.patientOwes).toEqual(owes);
    expect((await claim(primary.id)).patientOwes).toEqual(owes);
    expect((await claim(primary.id)).status).toBe('paid');

    // Revenue counts the service once: charged once, both payers' money, what the patient owes after the Medigap plan.
    const revenue = await claims.revenue('payer');
    expect(revenue.find((r) => r.key === 'SYNMCR01')).toEqual({
      key: 'SYNMCR01', claims: 7, lines: 15, charged: '661.00', paid: '70.00', patientResponsibility: '2.00',
    });
    expect(revenue.find((r) => r.key === 'SYNMGP01')).toBeUndefined();
    expect((await claims.revenue('service')).find((r) => r.key === 'immunization-admin'))
      .toMatchObject({ paid: '20.00', patientResponsibility: '2.00' });
    const payers = await claims.payers();
    expect(payers.find((p) => p.payerId === 'SYNMCR01')).toMatchObject({ claims: 7, paid: '50.00', adjudicated: 1, denied: 0 });
    expect(payers.find((p) => p.payerId === 'SYNMGP01')).toMatchObject({ paid: '20.00', crossovers: 1 });
  });

  it('a forwarded (crossover) claim builds nothing and shows it awaits the crossover', async () => {
    const primary = await claim(primaryOf.PB!);
    const [posted] = await claims.recordRemittances(synthetic835({
      ...MEDICARE, trace: 'MCR-B', paymentDate: '2026-02-10', interchange: 811,
      claims: [{
        controlNumber: primary.controlNumber, status: '19', charge: '93.00', paid: '50.00', patientResponsibility: '22.00',
        payerClaimNumber: 'CCN-B', crossoverTo: { name: 'SYNTHETIC MEDIGAP PLAN', id: 'MGAP77' },
        services: [
          { code: 'G0008', charge: '33.00', paid: '0.00', date: '2026-01-15',
            adjustments: [{ group: 'CO', reason: '45', amount: '11.00' }, { group: 'PR', reason: '2', amount: '22.00' }] },
          { code: '90662', charge: '60.00', paid: '50.00', date: '2026-01-15', adjustments: [{ group: 'CO', reason: '45', amount: '10.00' }] },
        ],
      }],
    }), ACTOR);
    expect(posted!.nextPayerClaims).toBeUndefined();
    expect(await followers(primary.id)).toEqual([]);
    const now = await claim(primary.id);
    expect(now).toMatchObject({ awaitingCrossover: true, followedBy: null, forwardedTo: expect.stringContaining('MEDIGAP') });
    expect(now.patientOwes).toEqual({ amount: '22.00', payerStep: 1, payerId: 'SYNMCR01', claimId: primary.id });

    // The Medigap plan's crossover 835 answers the same CLM01: no longer awaited, the patient owes what it left.
    const [crossover] = await claims.recordRemittances(synthetic835({
      ...MEDIGAP, trace: 'MGAP-B', paymentDate: '2026-02-24', interchange: 812,
      claims: [{
        controlNumber: primary.controlNumber, status: '2', charge: '93.00', paid: '22.00', payerClaimNumber: 'MGAP-CLM-B',
        services: [
          { code: 'G0008', charge: '33.00', paid: '22.00', date: '2026-01-15', adjustments: [{ group: 'OA', reason: '23', amount: '11.00' }] },
          { code: '90662', charge: '60.00', paid: '0.00', date: '2026-01-15', adjustments: [{ group: 'OA', reason: '23', amount: '60.00' }] },
        ],
      }],
    }), ACTOR);
    expect(crossover!.claims).toEqual([expect.objectContaining({ role: 'secondary' })]);
    expect(crossover!.nextPayerClaims).toBeUndefined();
    const after = await claim(primary.id);
    expect(after).toMatchObject({ awaitingCrossover: false, status: 'paid', paidAmount: '72.00' });
    expect(after.patientOwes).toEqual({ amount: '0.00', payerStep: 2, payerId: 'SYNMGP01', claimId: primary.id });
    expect(await followers(primary.id)).toEqual([]);
  });

  it('the same 835 posted twice, or a second 835 for the claim, builds one secondary claim', async () => {
    const primary = await claim(primaryOf.PC!);
    const text = medicareAnswer(primary.controlNumber, 'MCR-C', 821);
    const [first] = await claims.recordRemittances(text, ACTOR);
    expect(first!.nextPayerClaims).toEqual([expect.objectContaining({ nextClaimId: expect.any(String) })]);
    await expect(claims.recordRemittances(text, ACTOR)).rejects.toMatchObject({ code: 'CONFLICT' });
    const [second] = await claims.recordRemittances(medicareAnswer(primary.controlNumber, 'MCR-C2', 822), ACTOR);
    expect(second!.nextPayerClaims).toEqual([{ claimId: primary.id, note: expect.stringContaining('not built twice') }]);
    expect(await followers(primary.id)).toHaveLength(1);
  });

  it('a claim Medicare paid in full builds no secondary claim', async () => {
    const primary = await claim(primaryOf.PD!);
    const [posted] = await claims.recordRemittances(synthetic835({
      ...MEDICARE, trace: 'MCR-D', paymentDate: '2026-02-10', interchange: 831,
      claims: [{
        controlNumber: primary.controlNumber, status: '1', charge: '93.00', paid: '93.00', payerClaimNumber: 'CCN-D',
        services: [
          { code: 'G0008', charge: '33.00', paid: '33.00', date: '2026-01-15' },
          { code: '90662', charge: '60.00', paid: '60.00', date: '2026-01-15' },
        ],
      }],
    }), ACTOR);
    expect(posted!.nextPayerClaims).toBeUndefined();
    expect(await followers(primary.id)).toEqual([]);
    expect((await claim(primary.id)).patientOwes).toMatchObject({ amount: '0.00', payerStep: 1 });
  });

  it('an answer that does not account for every line builds nothing and leaves a note with the reason', async () => {
    const primary = await claim(primaryOf.PE!);
    // Balanced as an 835 (CLP03 − CLP04 = claim CAS + line CAS) but answering only the product's line.
    const [posted] = await claims.recordRemittances(synthetic835({
      ...MEDICARE, trace: 'MCR-E', paymentDate: '2026-02-10', interchange: 841,
      claims: [{
        controlNumber: primary.controlNumber, status: '1', charge: '93.00', paid: '50.00', patientResponsibility: '33.00',
        payerClaimNumber: 'CCN-E', adjustments: [{ group: 'PR', reason: '1', amount: '33.00' }],
        services: [
          { code: '90662', charge: '60.00', paid: '50.00', date: '2026-01-15', adjustments: [{ group: 'CO', reason: '45', amount: '10.00' }] },
        ],
      }],
    }), ACTOR);
    expect(posted!.nextPayerClaims).toEqual([{ claimId: primary.id, note: expect.stringContaining('answers no service line for claim line 1') }]);
    expect(await followers(primary.id)).toEqual([]);
    const now = await claim(primary.id);
    expect(now.status).toBe('paid');
    expect(now.history.at(-1)).toMatchObject({ action: 'note', reason: expect.stringContaining('no secondary claim to SYNMGP01 built') });
  });
});

describe('a corrected primary claim corrects the claim to the next payer', () => {
  const medigapPays = (controlNumber: string, trace: string, interchange: number, lines: { code: string; charge: string; paid: string }[]) =>
    synthetic835({
      ...MEDIGAP, trace, paymentDate: '2026-02-24', interchange,
      claims: [{
        controlNumber, status: '2', charge: lines.reduce((n, l) => n + Number(l.charge), 0).toFixed(2),
        paid: lines.reduce((n, l) => n + Number(l.paid), 0).toFixed(2), payerClaimNumber: `MGAP-CLM-${trace}`,
        services: lines.map((l) => ({
          code: l.code, charge: l.charge, paid: l.paid, date: '2026-01-15',
          ...(Number(l.charge) > Number(l.paid)
            ? { adjustments: [{ group: 'OA', reason: '23', amount: (Number(l.charge) - Number(l.paid)).toFixed(2) }] } : {}),
        })),
      }],
    });

  it('a charge reversed after the Medigap plan paid: the Medigap claim is replaced from Medicare\'s answer to the corrected claim', async () => {
    const primary = await claim(primaryOf.PF!);
    expect(primary.lines.map((l) => l.code)).toEqual(['G0008', '90662', '36415']);
    const [posted] = await claims.recordRemittances(medicareAnswerWithDraw(primary.controlNumber, 'MCR-F', '2026-02-10', 851), ACTOR);
    const secondaryId = posted!.nextPayerClaims![0]!.nextClaimId!;
    // (The Medigap claims of the earlier patients go out in the same batch.)
    expect((await claims.createBatches(ACTOR, 'SYNMGP01')).batches.flatMap((b) => b.claimIds)).toContain(secondaryId);
    const sent = await claim(secondaryId);
    await claims.recordRemittances(medigapPays(sent.controlNumber, 'F', 852, [
      { code: 'G0008', charge: '33.00', paid: '22.00' }, { code: '90662', charge: '60.00', paid: '0.00' },
      { code: '36415', charge: '10.00', paid: '2.00' },
    ]), ACTOR);
    expect(await claim(secondaryId)).toMatchObject({ status: 'paid', payerClaimNumber: 'MGAP-CLM-F' });

    // The blood draw is reversed: Medicare's claim is replaced now; the Medigap claim waits for Medicare's answer.
    await reverseCharge(store.db, await insertMessage(store.db, 'COB-F-REV'), drawChargeF);
    const built = await claims.build(ACTOR);
    expect(built.created.map((c) => [c.payerId, c.frequency, c.lines])).toEqual([['SYNMCR01', '7', 2]]);
    const replacement = built.created[0]!;
    expect(replacement.status).toBe('ready');
    const waiting = await claim(secondaryId);
    expect(waiting.history.at(-1)!.reason).toContain(`replaced when claim ${primary.id}'s payer answers its own correction`);
    // A second build neither notes it again nor builds anything.
    const again = await claims.build(ACTOR);
    expect(again.created).toEqual([]);
    expect((await claim(secondaryId)).history).toHaveLength(waiting.history.length);

    expect((await claims.createBatches(ACTOR, 'SYNMCR01')).batches.map((b) => b.claimIds)).toEqual([[replacement.id]]);
    const [answer] = await claims.recordRemittances(synthetic835({
      ...MEDICARE, trace: 'MCR-F2', paymentDate: '2026-03-02', interchange: 853,
      claims: [{
        controlNumber: replacement.controlNumber, status: '1', charge: '93.00', paid: '50.00', patientResponsibility: '22.00',
        payerClaimNumber: 'CCN-F2',
        services: [
          { code: 'G0008', charge: '33.00', paid: '0.00', date: '2026-01-15',
            adjustments: [{ group: 'CO', reason: '45', amount: '11.00' }, { group: 'PR', reason: '2', amount: '22.00' }] },
          { code: '90662', charge: '60.00', paid: '50.00', date: '2026-01-15', adjustments: [{ group: 'CO', reason: '45', amount: '10.00' }] },
        ],
      }],
    }), ACTOR);
    const newId = answer!.nextPayerClaims![0]!.nextClaimId!;
    const corrected = await claim(newId);
    expect(corrected).toMatchObject({
      status: 'ready', frequency: '7', payerId: 'SYNMGP01', correctsClaimId: secondaryId, followsClaimId: replacement.id,
      totalCharge: '93.00', payerClaimNumber: 'MGAP-CLM-F',
    });
    expect(corrected.claim.otherPayers).toEqual([expect.objectContaining({ paidAmount: '50.00', payerClaimNumber: 'CCN-F2' })]);
    expect((await claim(secondaryId)).history.at(-1)!.reason).toContain(`corrected by claim ${newId} (frequency 7)`);

    const run = await claims.createBatches(ACTOR, 'SYNMGP01');
    expect(run.batches.map((b) => b.claimIds)).toEqual([[newId]]);
    const x12 = (await claims.batchX12(run.batches[0]!.id))!.x12;
    expect(check837P(x12)).toEqual([]);
    const segments = x12.split(/~\s*/);
    expect(segments.find((s) => s.startsWith('CLM*'))!.split('*')[5]).toMatch(/^\d\d:B:7$/);
    expect(segments).toContain('REF*F8*MGAP-CLM-F');
    expect(segments).toContain('AMT*D*50');
  });

  it('a late charge replaces the Medicare claim before the Medigap claim went out: that claim is voided and built again', async () => {
    const primary = await claim(primaryOf.PG!);
    const [posted] = await claims.recordRemittances(medicareAnswer(primary.controlNumber, 'MCR-G', 861), ACTOR);
    const unsentId = posted!.nextPayerClaims![0]!.nextClaimId!;
    expect((await claim(unsentId)).status).toBe('ready');

    await insertCharge(store.db, await insertMessage(store.db, 'COB-G-LATE'), { patient: 'PG', date: '2026-01-15', code: '36415', amount: '10.00' });
    const held = await claims.build(ACTOR);
    expect(held.held).toEqual([expect.objectContaining({ reason: 'encounter-billed', claimId: primary.id })]);
    const { replacement } = await claims.replace(primary.id, ACTOR);
    expect((await claims.createBatches(ACTOR, 'SYNMCR01')).batches.map((b) => b.claimIds)).toEqual([[replacement.id]]);
    const [answer] = await claims.recordRemittances(medicareAnswerWithDraw(replacement.controlNumber, 'MCR-G2', '2026-03-02', 862), ACTOR);
    const rebuiltId = answer!.nextPayerClaims![0]!.nextClaimId!;
    expect(await claim(unsentId)).toMatchObject({ status: 'voided' });
    expect((await claim(unsentId)).history.at(-1)!.reason).toContain(`corrected by claim ${replacement.id}`);
    expect(await claim(rebuiltId)).toMatchObject({
      status: 'ready', frequency: '1', correctsClaimId: null, followsClaimId: replacement.id, totalCharge: '103.00',
    });
    const run = await claims.createBatches(ACTOR, 'SYNMGP01');
    expect(run.batches.map((b) => b.claimIds)).toEqual([[rebuiltId]]);
    expect(check837P((await claims.batchX12(run.batches[0]!.id))!.x12)).toEqual([]);
  });
});
