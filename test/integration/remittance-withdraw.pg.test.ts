/**
 * Withdrawing a remittance posted by mistake, on real Postgres (docs/billing.md "Withdrawing a remittance"): a
 * Medicare Part B patient with a Medigap plan, so Medicare's 835 pays the claim and builds the Medigap claim. A
 * withdraw puts the claim back exactly as it was (status, paid, what the patient owes, line paid amounts), voids the
 * unsent Medigap claim, takes the 835's unmatched line off the queue and leaves the payments kept but counted
 * nowhere; the same file posts again afterwards. It is refused, naming the claim, once something was built on it:
 * a later 835 for the claim, the Medigap claim put in a batch, the claim closed. All data synthetic.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadPayerRulesDir } from '../../src/billing/scrub/payer-rules-files';
import { EngineError } from '../../src/core/errors';
import { ClaimsService } from '../../src/store/claims-service';
import { openStore, type Store } from '../../src/store/db';
import { synthetic835 } from '../unit/x12-835-writer';
import { insertCharge, insertMemberCoverage, insertMessage, insertPatient, medigapBillingConfig, tempDir } from './claims-support';
import { createTestDatabase, ROOT } from './support';

const NOW = new Date('2026-02-01T12:00:00Z');
const ACTOR = 'biller';
const MEDICARE = { payerName: 'SYNTHETIC MEDICARE PART B', payerId: 'MCRB-J99' };

let store: Store;
let dropDb: () => Promise<void>;
let outbox: string;
let claims: ClaimsService;
const primaryOf: Record<string, string> = {};

const claim = async (id: string) => (await claims.get(id))!;

/** Medicare pays 50.00 of 93.00, the patient owes 22.00 coinsurance; plus a CLP naming no claim of ours. */
const medicareAnswer = (controlNumber: string, trace: string, interchange: number) => synthetic835({
  ...MEDICARE, trace, paymentDate: '2026-02-10', interchange,
  claims: [{
    controlNumber, status: '1', charge: '93.00', paid: '50.00', patientResponsibility: '22.00', payerClaimNumber: `CCN-${trace}`,
    services: [
      { code: 'G0008', charge: '33.00', paid: '0.00', date: '2026-01-15',
        adjustments: [{ group: 'CO', reason: '45', amount: '11.00' }, { group: 'PR', reason: '2', amount: '22.00' }] },
      { code: '90662', charge: '60.00', paid: '50.00', date: '2026-01-15', adjustments: [{ group: 'CO', reason: '45', amount: '10.00' }] },
    ],
  }, {
    controlNumber: `NOTOURS${interchange}`, status: '1', charge: '10.00', paid: '7.00', adjustments: [{ group: 'CO', reason: '45', amount: '3.00' }],
  }],
});

async function refusal(p: Promise<unknown>): Promise<EngineError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(EngineError);
    return err as EngineError;
  }
  throw new Error('expected the withdraw to be refused');
}

/** What a withdraw must give back: the claim's status and money, and each line's paid amount. */
async function state(id: string) {
  const c = await claim(id);
  return {
    status: c.status, paidAmount: c.paidAmount, patientResponsibility: c.patientResponsibility, patientOwes: c.patientOwes,
    payerClaimNumber: c.payerClaimNumber, followedBy: c.followedBy, payments: c.payments.length,
    lines: c.lines.map((l) => l.paidAmount),
  };
}

beforeAll(async () => {
  const db = await createTestDatabase();
  dropDb = db.drop;
  store = await openStore({ databaseUrl: db.url, poolSize: 4 });
  outbox = path.join(tempDir('rxb-withdraw-'), 'outbox');
  claims = new ClaimsService({
    db: store.db, config: medigapBillingConfig(outbox), payerRules: loadPayerRulesDir(path.join(ROOT, 'billing/payer-rules')), clock: () => NOW,
  });
  const messageId = await insertMessage(store.db, 'WD-1');
  for (const p of ['PA', 'PB', 'PC', 'PD']) {
    await insertPatient(store.db, p, { birthDate: '1950-03-01' });
    await insertMemberCoverage(store.db, p, 'SYNMGP01', 'CI', `MGAP-${p}`);
    await insertMemberCoverage(store.db, p, 'SYNMCR01', 'MB', `MCR-${p}`);
    await insertCharge(store.db, messageId, { patient: p, date: '2026-01-15', code: 'G0008', amount: '33.00', kind: 'immunization-admin', system: 'HCPCS' });
    await insertCharge(store.db, messageId, { patient: p, date: '2026-01-15', code: '90662', amount: '60.00', kind: 'vaccine-product' });
  }
  const built = await claims.build(ACTOR);
  for (const c of built.created) primaryOf[(await claim(c.id)).patientRef] = c.id;
  expect((await claims.createBatches(ACTOR)).held).toEqual([]);
});

afterAll(async () => {
  await store?.close();
  await dropDb?.();
  fs.rmSync(path.dirname(outbox), { recursive: true, force: true });
});

describe('withdrawing a remittance', () => {
  it('restores the claim exactly, voids the unsent next-payer claim, clears its unmatched line; the same file posts again', async () => {
    const id = primaryOf.PA!;
    const before = await state(id);
    expect(before).toMatchObject({ status: 'batched', paidAmount: '0.00', payments: 0 });
    const file = medicareAnswer((await claim(id)).controlNumber, 'MCR-WA', 901);
    const [posted] = await claims.recordRemittances(file, ACTOR);
    const secondaryId = posted!.nextPayerClaims![0]!.nextClaimId!;
    expect(await state(id)).toMatchObject({ status: 'paid', paidAmount: '50.00', patientResponsibility: '22.00', payments: 1 });
    const listed = await claims.remittances({ limit: 10 });
    expect(listed[0]).toMatchObject({
      id: posted!.id, traceNumber: 'MCR-WA', payerRef: 'SYNMCR01', paid: '57.00', patientResponsibility: '22.00',
      adjustments: '46.00', claimsMatched: 1, linesUnmatched: 1, withdrawn: null,
    });
    expect((await claims.unmatchedRemittances(50)).map((u) => u.remittanceId)).toContain(posted!.id);

    const result = await claims.withdrawRemittance(posted!.id, 'posted the wrong payer file', 'pat.biller');
    expect(result).toEqual({
      remittanceId: posted!.id, traceNumber: 'MCR-WA', claims: [{ claimId: id, from: 'paid', to: 'batched' }],
      voidedClaims: [secondaryId], unmatchedRemoved: 1,
    });
    expect(await state(id)).toEqual(before);
    const restored = await claim(id);
    expect(restored.history.at(-1)).toMatchObject({
      action: 'withdraw', from_status: 'paid', to_status: 'batched', actor: 'pat.biller',
      reason: `835 trace MCR-WA (remittance ${posted!.id}) withdrawn: posted the wrong payer file`,
    });
    expect(await claim(secondaryId)).toMatchObject({ status: 'voided', followsClaimId: null });
    expect((await claims.unmatchedRemittances(50)).map((u) => u.remittanceId)).not.toContain(posted!.id);
    expect((await claims.remittances({ limit: 10 }))[0]!.withdrawn).toMatchObject({ by: 'pat.biller', reason: 'posted the wrong payer file' });
    // Kept for the audit, counted nowhere.
    expect((await claims.remittance(posted!.id))!.claims).toHaveLength(2);
    expect((await claims.remittanceTotals()).unmatched.payments).toBe(0);
    expect((await claims.payers()).find((p) => p.payerId === 'SYNMCR01')).toMatchObject({ paid: '0.00', adjudicated: 0 });
    expect((await refusal(claims.withdrawRemittance(posted!.id, 'again', ACTOR))).code).toBe('REMITTANCE_WITHDRAW_REFUSED');

    // The same file again: posted as new, and the Medigap claim built again.
    const [again] = await claims.recordRemittances(file, ACTOR);
    expect(again!.id).not.toBe(posted!.id);
    expect(again!.nextPayerClaims![0]).toMatchObject({ claimId: id, nextClaimId: expect.any(String) });
    expect(again!.nextPayerClaims![0]!.nextClaimId).not.toBe(secondaryId);
    expect(await state(id)).toMatchObject({ status: 'paid', paidAmount: '50.00', patientResponsibility: '22.00', payments: 1 });
    expect((await claims.payers()).find((p) => p.payerId === 'SYNMCR01')).toMatchObject({ paid: '50.00', adjudicated: 1 });
  });

  it('is refused once the next-payer claim it built was put in a batch', async () => {
    const id = primaryOf.PB!;
    const [posted] = await claims.recordRemittances(medicareAnswer((await claim(id)).controlNumber, 'MCR-WB', 902), ACTOR);
    const secondaryId = posted!.nextPayerClaims![0]!.nextClaimId!;
    await claims.createBatches(ACTOR, 'SYNMGP01');
    expect((await claim(secondaryId)).status).toBe('batched');
    const err = await refusal(claims.withdrawRemittance(posted!.id, 'wrong file', ACTOR));
    expect(err.code).toBe('REMITTANCE_WITHDRAW_REFUSED');
    expect(err.message).toBe(`claim ${secondaryId} to payer SYNMGP01, built from this remittance for claim ${id}, is batched: the next payer has it`);
    expect((await claim(id)).status).toBe('paid');
  });

  it('is refused while a later 835 for the claim stands, allowed once that one is withdrawn', async () => {
    const id = primaryOf.PC!;
    const cn = (await claim(id)).controlNumber;
    const [first] = await claims.recordRemittances(medicareAnswer(cn, 'MCR-WC1', 903), ACTOR);
    const [second] = await claims.recordRemittances(medicareAnswer(cn, 'MCR-WC2', 904), ACTOR);
    const err = await refusal(claims.withdrawRemittance(first!.id, 'wrong file', ACTOR));
    expect(err.message).toBe(`claim ${id} has a later remittance posted (remittance ${second!.id}, trace MCR-WC2): withdraw that one first`);
    await claims.withdrawRemittance(second!.id, 'duplicate of the first', ACTOR);
    expect(await state(id)).toMatchObject({ status: 'paid', paidAmount: '50.00', payments: 1 });
    await claims.withdrawRemittance(first!.id, 'wrong file', ACTOR);
    expect(await state(id)).toMatchObject({ status: 'batched', paidAmount: '0.00', payments: 0, followedBy: null });
  });

  it('is refused once the claim was closed', async () => {
    const id = primaryOf.PD!;
    const [posted] = await claims.recordRemittances(medicareAnswer((await claim(id)).controlNumber, 'MCR-WD', 905), ACTOR);
    await claims.close(id, 'done', ACTOR);
    const err = await refusal(claims.withdrawRemittance(posted!.id, 'wrong file', ACTOR));
    expect(err.message).toBe(`claim ${id} was closed after this remittance`);
  });
});
