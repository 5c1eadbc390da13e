/**
 * Posting rules (src/billing/remittance/posting.ts, payer-match.ts) against an in-memory port, each from the case
 * a biller brings: a Medicare 835 then a Medigap crossover 835 on the same claim, a deductible beside a CO-45
 * write-down, a claim forwarded to the secondary (CLP02 19 + NM1*TT), an unmatched CLP matched by hand, a PLB
 * overpayment recovery naming a claim; 999 and 277CA acknowledgments. All files are synthetic and balanced.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { readRemittanceFile } from '../../src/billing/claims/payer-files';
import type { PayerDirectory } from '../../src/billing/remittance/payer-match';
import { payerRelation, payerRole, resolveRemittancePayer } from '../../src/billing/remittance/payer-match';
import { claimTotals, matchPayment, postRemittances } from '../../src/billing/remittance/posting';
import { recordAcknowledgmentFile } from '../../src/billing/remittance/acknowledging';
import { write277CA, write999 } from '../integration/claims-support';
import { MemoryPosting } from './posting-memory';
import { synthetic835, type Clp } from './x12-835-writer';

const MEDICARE = 'SYNMCR01';
const PAYERS: PayerDirectory = new Map([
  [MEDICARE, { remittanceIds: ['MCRB-J99', '1999999991'] }],
  ['SYNCOM01', {}],
]);

function setup(payerId = MEDICARE, status: 'accepted' | 'submitted' | 'batched' = 'accepted') {
  const memory = new MemoryPosting();
  const claim = memory.addClaim({
    id: '10', controlNumber: 'RX10', status, payerId, payerName: 'SYNTHETIC MEDICARE PART B', totalCharge: '30.00',
    submittedAt: '2026-01-20',
    lines: [{ lineNumber: 1, chargeId: 'ch-1', code: '90471', modifiers: [], serviceDate: '2026-01-15', chargeAmount: '30.00' }],
  });
  return { memory, claim };
}

/** Medicare's adjudication: 0 paid, CO-45 8 written down, PR-1 22 deductible, on the line. */
const medicareClp: Clp = {
  controlNumber: 'RX10', status: '1', charge: '30.00', paid: '0.00', patientResponsibility: '22.00', payerClaimNumber: 'MCR-CCN-001',
  services: [{
    code: '90471', charge: '30.00', paid: '0.00', date: '2026-01-15',
    adjustments: [{ group: 'CO', reason: '45', amount: '8.00' }, { group: 'PR', reason: '1', amount: '22.00' }],
  }],
};
const medicare835 = synthetic835({
  trace: 'MCR-EFT-1', payerName: 'SYNTHETIC MEDICARE PART B', payerId: 'MCRB-J99', paymentDate: '2026-02-10', claims: [medicareClp],
});
/** The Medigap plan pays the deductible as secondary, under its own claim number. */
const medigap835 = (clp: Partial<Clp> = {}) => synthetic835({
  trace: 'MGAP-CHK-7', payerName: 'SYNTHETIC MEDIGAP PLAN', payerQualifier: 'PI', payerId: 'MGAP77', ref2U: 'MGAP77', trn03: '1888888881',
  paymentDate: '2026-02-20', interchange: 702,
  claims: [{
    controlNumber: 'RX10', status: '2', charge: '30.00', paid: '22.00', patientResponsibility: '0', payerClaimNumber: 'MGAP-CLM-555',
    services: [{ code: '90471', charge: '30.00', paid: '22.00', date: '2026-01-15', adjustments: [{ group: 'CO', reason: '45', amount: '8.00' }] }],
    ...clp,
  }],
});

describe('a deductible is a processed claim, not a denial', () => {
  it('0 paid with CO-45 and PR-1 on the line: paid, the patient owes 22, the line is patient responsibility', async () => {
    const { memory, claim } = setup();
    const [summary] = await postRemittances(memory, medicare835, 'biller', PAYERS);
    expect(summary!.claims).toEqual([
      { claimId: '10', controlNumber: 'RX10', outcome: 'patient-responsibility', paid: '0.00', role: 'claim-payer', status: 'paid' },
    ]);
    expect(memory.claim(claim.id)).toMatchObject({ status: 'paid', paid: '0.00', patientResponsibility: '22.00', payerClaimNumber: 'MCR-CCN-001' });
    expect(memory.state.payments[0]!.lines).toEqual([{ lineNumber: 1, outcome: 'patient-responsibility', paid: '0.00' }]);
  });

  it('the case as written: CLP*…*1*30*0*22 with CAS*CO*45*8 and CAS*PR*1*22 at claim level', async () => {
    const { memory, claim } = setup('SYNCOM01');
    await postRemittances(memory, synthetic835({
      trace: 'COM-1', payerName: 'SYNTHETIC COMMERCIAL HEALTH PLAN', payerId: 'SYNCOM01', paymentDate: '2026-02-10',
      claims: [{
        controlNumber: 'RX10', status: '1', charge: '30.00', paid: '0.00', patientResponsibility: '22.00',
        adjustments: [{ group: 'CO', reason: '45', amount: '8.00' }, { group: 'PR', reason: '1', amount: '22.00' }],
      }],
    }), 'biller', PAYERS);
    expect(memory.claim(claim.id)).toMatchObject({ status: 'paid', patientResponsibility: '22.00' });
  });

  it('0 paid with only CO adjustments is still a denial', async () => {
    const { memory, claim } = setup('SYNCOM01');
    await postRemittances(memory, synthetic835({
      trace: 'COM-2', payerName: 'SYNTHETIC COMMERCIAL HEALTH PLAN', payerId: 'SYNCOM01', paymentDate: '2026-02-10',
      claims: [{ controlNumber: 'RX10', status: '1', charge: '30.00', paid: '0.00', adjustments: [{ group: 'CO', reason: '96', amount: '30.00' }] }],
    }), 'biller', PAYERS);
    expect(memory.claim(claim.id).status).toBe('denied');
  });
});

describe('a crossover 835 never overwrites the primary adjudication', () => {
  it('Medigap CLP02 2 after Medicare: primary stays paid with its CLP07, the secondary payment is its own row', async () => {
    const { memory, claim } = setup();
    await postRemittances(memory, medicare835, 'biller', PAYERS);
    const [summary] = await postRemittances(memory, medigap835(), 'biller', PAYERS);
    expect(summary!.claims[0]).toMatchObject({ role: 'secondary', outcome: 'paid', paid: '22.00', status: 'paid' });
    expect(memory.claim(claim.id)).toMatchObject({
      status: 'paid', payerClaimNumber: 'MCR-CCN-001', paid: '22.00', patientResponsibility: '0.00',
    });
    expect(memory.state.payments.map((p) => [p.role, p.paid, p.payerClaimNumber])).toEqual([
      ['claim-payer', '0.00', 'MCR-CCN-001'], ['secondary', '22.00', 'MGAP-CLM-555'],
    ]);
    const note = memory.state.events.at(-1)!;
    expect(note).toMatchObject({ from: 'paid', to: 'paid' });
    expect(note.reason).toMatch(/^secondary adjudication: 835 trace MGAP-CHK-7 from SYNTHETIC MEDIGAP PLAN.*status and payer claim number stay/);
  });

  it('a Medigap denial (CLP02 2, paid 0) leaves the Medicare-paid claim paid; the patient balance follows the secondary', async () => {
    const { memory, claim } = setup();
    await postRemittances(memory, medicare835, 'biller', PAYERS);
    await postRemittances(memory, medigap835({
      paid: '0.00', patientResponsibility: '22.00',
      services: [{ code: '90471', charge: '30.00', paid: '0.00', adjustments: [
        { group: 'CO', reason: '45', amount: '8.00' }, { group: 'PR', reason: '1', amount: '22.00' }] }],
    }), 'biller', PAYERS);
    expect(memory.claim(claim.id)).toMatchObject({ status: 'paid', payerClaimNumber: 'MCR-CCN-001', patientResponsibility: '22.00' });
  });

  it('another payer sending CLP02 1 or 4 for our Medicare claim is recorded, the claim unchanged', async () => {
    const { memory, claim } = setup();
    await postRemittances(memory, medicare835, 'biller', PAYERS);
    const [summary] = await postRemittances(memory, medigap835({
      status: '4', paid: '0.00', payerClaimNumber: 'MGAP-X',
      services: [{ code: '90471', charge: '30.00', paid: '0.00', adjustments: [{ group: 'CO', reason: '45', amount: '30.00' }] }],
    }), 'biller', PAYERS);
    expect(summary!.claims[0]).toMatchObject({ role: 'other-payer', status: 'paid' });
    expect(memory.claim(claim.id)).toMatchObject({ status: 'paid', payerClaimNumber: 'MCR-CCN-001', patientResponsibility: '22.00' });
    expect(memory.state.events.at(-1)!.reason).toMatch(/not the claim's payer and not a crossover \(CLP02 4\)/);
  });

  it('CLP02 19 with NM1*TT: processed as primary, marked forwarded to the crossover payer', async () => {
    const { memory, claim } = setup();
    await postRemittances(memory, synthetic835({
      trace: 'MCR-EFT-2', payerName: 'SYNTHETIC MEDICARE PART B', payerId: 'MCRB-J99', paymentDate: '2026-02-10',
      claims: [{ ...medicareClp, status: '19', crossoverTo: { name: 'SYNTHETIC MEDIGAP PLAN', id: 'MGAP77' } }],
    }), 'biller', PAYERS);
    expect(memory.claim(claim.id)).toMatchObject({ status: 'paid', forwardedTo: 'SYNTHETIC MEDIGAP PLAN MGAP77' });
    expect(memory.state.events.at(-1)!.reason).toMatch(/forwarded to SYNTHETIC MEDIGAP PLAN MGAP77: await its 835, send it no claim/);
  });

  it('a correction takes the claim payer\'s CLP07: a later crossover CLP07 never replaces it', async () => {
    const { memory, claim } = setup();
    await postRemittances(memory, medicare835, 'biller', PAYERS);
    await postRemittances(memory, medigap835(), 'biller', PAYERS);
    // What REF*F8 of a void or replacement reads (claims.payer_claim_number):
    expect(memory.claim(claim.id).payerClaimNumber).toBe('MCR-CCN-001');
  });
});

describe('which payer sent the 835', () => {
  const rem = (ids: string[]) => ({ payerIdentifiers: ids });

  it('configured remittanceIds: N1*PR N104, REF*2U or TRN03 in the list is the claim\'s payer; others are another payer', () => {
    expect(payerRelation(MEDICARE, rem(['1999999991']), PAYERS)).toBe('claim-payer');
    expect(payerRelation(MEDICARE, rem(['MGAP77', '1888888881']), PAYERS)).toBe('other-payer');
    expect(resolveRemittancePayer(rem(['MCRB-J99']), PAYERS)).toBe(MEDICARE);
  });

  it('without remittanceIds the claim\'s payer id is compared; an id naming no payer cannot be told apart', () => {
    expect(payerRelation('SYNCOM01', rem(['SYNCOM01']), PAYERS)).toBe('claim-payer');
    expect(payerRelation('SYNCOM01', rem(['MCRB-J99']), PAYERS)).toBe('other-payer');
    expect(payerRelation('SYNCOM01', rem(['UNKNOWN1']), PAYERS)).toBe('unidentified');
    expect(payerRelation('SYNCOM01', rem([]), new Map())).toBe('unidentified');
  });

  it('roles: crossover CLP02 2/3 (and 22) from another payer; an unidentified primary answer is the claim payer\'s', () => {
    expect(payerRole('unidentified', '2')).toBe('secondary');
    expect(payerRole('other-payer', '3')).toBe('tertiary');
    expect(payerRole('other-payer', '22')).toBe('secondary');
    expect(payerRole('unidentified', '1')).toBe('claim-payer');
    expect(payerRole('other-payer', '1')).toBe('other-payer');
    expect(payerRole('claim-payer', '2')).toBe('claim-payer');
  });

  it('claim totals: every payer\'s payments; the patient balance of the last payer in line', () => {
    expect(claimTotals([
      { role: 'claim-payer', paid: '0.00', patientResponsibility: '22.00' },
      { role: 'secondary', paid: '17.60', patientResponsibility: '4.40' },
      { role: 'other-payer', paid: '1.00', patientResponsibility: '9.00' },
    ])).toEqual({ paid: '18.60', patientResponsibility: '4.40' });
    expect(claimTotals([])).toEqual({ paid: '0.00', patientResponsibility: '0.00' });
  });
});

describe('unmatched remittances and PLB', () => {
  const stray835 = synthetic835({
    trace: 'COM-EFT-9', payerName: 'SYNTHETIC COMMERCIAL HEALTH PLAN', payerId: 'SYNCOM01', paymentDate: '2026-02-11',
    claims: [
      { controlNumber: 'RX0010', status: '1', charge: '30.00', paid: '25.00', payerClaimNumber: 'COM-555',
        services: [{ code: '90471', charge: '30.00', paid: '25.00', adjustments: [{ group: 'CO', reason: '45', amount: '5.00' }] }] },
    ],
    plb: [{ reason: 'WO', reference: 'RX10', amount: '5.00' }, { reason: 'L6', amount: '-0.50' }],
  });

  it('a CLP01 naming no claim is recorded unmatched; matched by hand it posts as if it had matched', async () => {
    const { memory, claim } = setup('SYNCOM01');
    const [summary] = await postRemittances(memory, stray835, 'biller', PAYERS);
    expect(summary!.unmatched).toEqual(['RX0010']);
    expect(memory.unmatchedPaid()).toBe('25.00');
    const unmatched = memory.state.payments.find((p) => p.claimId === null)!;

    const posted = await matchPayment(memory, unmatched.id, claim.id, 'alice', PAYERS);
    expect(posted).toMatchObject({ claimId: '10', role: 'claim-payer', outcome: 'paid', status: 'paid', unmatchedPaymentId: unmatched.id });
    expect(memory.claim(claim.id)).toMatchObject({ status: 'paid', paid: '25.00', payerClaimNumber: 'COM-555' });
    expect(memory.unmatchedPaid()).toBe('0.00');
    expect(memory.state.events.at(-1)!.reason).toMatch(/matched by hand by alice: CLP01 RX0010 names no claim of ours/);

    await expect(matchPayment(memory, unmatched.id, claim.id, 'alice', PAYERS)).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(matchPayment(memory, '999', claim.id, 'alice', PAYERS)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('matching refuses an unknown claim and an unsent one, changing nothing', async () => {
    const { memory } = setup('SYNCOM01');
    memory.addClaim({ id: '11', controlNumber: 'RX11', status: 'held', payerId: 'SYNCOM01', payerName: 'X', totalCharge: '30.00', lines: [] });
    await postRemittances(memory, stray835, 'biller', PAYERS);
    const unmatched = memory.state.payments.find((p) => p.claimId === null)!;
    await expect(matchPayment(memory, unmatched.id, '404', 'alice', PAYERS)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(matchPayment(memory, unmatched.id, '11', 'alice', PAYERS)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(memory.unmatchedPaid()).toBe('25.00');
  });

  it('a PLB naming a CLM01 (WO overpayment recovery) is attached to that claim and noted; interest without one is not', async () => {
    const { memory, claim } = setup('SYNCOM01');
    const [summary] = await postRemittances(memory, stray835, 'biller', PAYERS);
    expect(summary!.providerAdjustments).toEqual([
      { reason: 'WO', reference: 'RX10', amount: '5.00', claimId: claim.id }, { reason: 'L6', amount: '-0.50' },
    ]);
    expect(memory.state.plb.map((p) => p.claimId)).toEqual([claim.id, null]);
    expect(memory.state.events.some((e) => e.claimId === claim.id && /provider-level adjustment WO 5.00/.test(e.reason))).toBe(true);
  });

  it('a trace already recorded for the payer is CONFLICT and nothing of the file is kept', async () => {
    const { memory } = setup();
    await postRemittances(memory, medicare835, 'biller', PAYERS);
    const before = structuredClone(memory.state);
    await expect(postRemittances(memory, medicare835, 'biller', PAYERS)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(memory.state).toEqual(before);
  });
});

describe('acknowledgments against the port', () => {
  it('a 999 accepting the batch moves its batched claims to submitted; a rejecting one to rejected', async () => {
    const { memory, claim } = setup(MEDICARE, 'batched');
    const uow = memory.acknowledgments([{ id: 'b1', groupControl: '7', transactionSetControl: 7, claimIds: [claim.id] }]);
    const out = await recordAcknowledgmentFile(uow, write999({ groupControl: 7, setControl: 7, accepted: true }), 'biller', PAYERS);
    expect(out).toEqual({ batches: [{ batchId: 'b1', accepted: true, claims: 1 }], claims: [], unmatched: [] });
    expect(memory.claim(claim.id).status).toBe('submitted');

    const other = setup(MEDICARE, 'batched');
    const rejected = other.memory.acknowledgments([{ id: 'b2', groupControl: '8', transactionSetControl: 8, claimIds: [other.claim.id] }]);
    await recordAcknowledgmentFile(rejected, write999({ groupControl: 8, setControl: 8, accepted: false }), 'biller', PAYERS);
    expect(other.memory.claim(other.claim.id).status).toBe('rejected');
    expect((await recordAcknowledgmentFile(rejected, write999({ groupControl: 99, setControl: 1, accepted: true }), 'biller', PAYERS)).unmatched)
      .toEqual(['GS06 99']);
  });

  it('a 277CA from another payer than the claim\'s (remittanceIds configured) does not set its payer claim number', async () => {
    const { memory, claim } = setup(MEDICARE, 'submitted');
    const uow = memory.acknowledgments([]);
    // write277CA names NM1*PR PI SYNCOM01: not one of Medicare's remittanceIds.
    const out = await recordAcknowledgmentFile(uow, write277CA([
      { controlNumber: 'RX10', category: 'A2', status: '20', charge: '30.00', payerClaimNumber: 'COM-NOT-OURS' },
    ]), 'biller', PAYERS);
    expect(out.claims).toEqual([{ claimId: claim.id, controlNumber: 'RX10', outcome: 'accepted', status: 'accepted' }]);
    expect(memory.claim(claim.id).payerClaimNumber).toBeUndefined();
    expect(memory.state.events.at(-1)!.reason).toMatch(/REF\*1K COM-NOT-OURS not kept: SYNTHETIC PAYER is not the claim's payer/);

    const own = setup('SYNCOM01', 'submitted');
    await recordAcknowledgmentFile(own.memory.acknowledgments([]), write277CA([
      { controlNumber: 'RX10', category: 'A2', status: '20', charge: '30.00', payerClaimNumber: 'COM-PCN-1' },
    ]), 'biller', PAYERS);
    expect(own.memory.claim(own.claim.id).payerClaimNumber).toBe('COM-PCN-1');
  });
});

describe('the 835 payer as read', () => {
  it('N1*PR N104, REF*2U and TRN03 are the payer identifiers; NM1*TT names the crossover payer', () => {
    const [rem] = readRemittanceFile(synthetic835({
      trace: 'T-1', payerName: 'SYNTHETIC MEDIGAP PLAN', payerQualifier: 'PI', payerId: 'MGAP77', ref2U: 'MGAP-REF', trn03: '1888888881',
      paymentDate: '2026-02-20', claims: [{ ...medicareClp, status: '19', crossoverTo: { name: 'SYNTHETIC MEDIGAP PLAN', id: 'MGAP77' } }],
    }));
    expect(rem).toMatchObject({ payerId: 'MGAP-REF', payerIdentifiers: ['MGAP77', 'MGAP-REF', '1888888881'] });
    expect(rem!.claims[0]!.crossoverCarrier).toBe('SYNTHETIC MEDIGAP PLAN MGAP77');
  });

  it('a public secondary-payment 835 (CLP02 2, payer known by TRN03 only) posts as the secondary on a claim another payer paid', async () => {
    const text = fs.readFileSync(path.join(__dirname, '../../../shared/corpus/x12/LinuxForHealth__x12__secondary-payment.835'), 'latin1');
    const [rem] = readRemittanceFile(text);
    expect(rem!.payerIdentifiers).toEqual(['1559123456']);
    const memory = new MemoryPosting();
    for (const [i, clp] of rem!.claims.entries()) {
      memory.addClaim({
        id: String(100 + i), controlNumber: clp.controlNumber, status: 'paid', payerId: MEDICARE, payerName: 'SYNTHETIC MEDICARE PART B',
        payerClaimNumber: `MCR-${i}`, totalCharge: clp.charge, lines: [],
      });
    }
    const [summary] = await postRemittances(memory, text, 'biller', PAYERS);
    expect(summary!.claims.map((c) => [c.role, c.status])).toEqual(rem!.claims.map(() => ['secondary', 'paid']));
    expect(memory.state.claims.map((c) => c.payerClaimNumber)).toEqual(rem!.claims.map((_, i) => `MCR-${i}`));
  });
});
