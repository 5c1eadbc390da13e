/**
 * What posting hands to the claim to the next payer (src/billing/remittance/posting.ts → nextPayerClaims): only a
 * CLP of the claim's own payer that adjudicates it (CLP02 1–4), with the 835's payment date; never a crossover
 * payer's CLP, a forwarded claim (19–21) or a reversal. Against the in-memory posting port. Synthetic data only.
 */
import type { PayerDirectory } from '../../src/billing/remittance/payer-match';
import { postRemittances, type OwnAdjudication, type PostingUnitOfWork } from '../../src/billing/remittance/posting';
import { MemoryPosting } from './posting-memory';
import { synthetic835, type Clp } from './x12-835-writer';

const PAYERS: PayerDirectory = new Map([['SYNMCR01', { remittanceIds: ['MCRB-J99'] }], ['SYNMGP01', { remittanceIds: ['MGAP77'] }]]);

let memory: MemoryPosting;
let handed: OwnAdjudication[][];
let uow: PostingUnitOfWork;

beforeEach(() => {
  memory = new MemoryPosting();
  memory.addClaim({
    id: '10', controlNumber: 'RX10', status: 'accepted', payerId: 'SYNMCR01', payerName: 'SYNTHETIC MEDICARE PART B', totalCharge: '30.00',
    lines: [{ lineNumber: 1, chargeId: 'ch-1', code: '90471', modifiers: [], serviceDate: '2026-01-15', chargeAmount: '30.00' }],
  });
  handed = [];
  uow = {
    run: (work) => memory.run((port) => work({
      ...port,
      nextPayerClaims: async (adjudications) => {
        handed.push(structuredClone([...adjudications]));
        return adjudications.map((a) => ({ claimId: a.claimId, nextClaimId: '11', responsibility: 'S' as const }));
      },
    })),
  };
});

const clp = (over: Partial<Clp> = {}): Clp => ({
  controlNumber: 'RX10', status: '1', charge: '30.00', paid: '0.00', patientResponsibility: '22.00', payerClaimNumber: 'CCN-1',
  services: [{
    code: '90471', charge: '30.00', paid: '0.00', date: '2026-01-15',
    adjustments: [{ group: 'CO', reason: '45', amount: '8.00' }, { group: 'PR', reason: '1', amount: '22.00' }],
  }],
  ...over,
});
const medicare = (c: Clp, trace = 'MCR-1') => synthetic835({
  trace, payerName: 'SYNTHETIC MEDICARE PART B', payerId: 'MCRB-J99', paymentDate: '2026-02-10', claims: [c],
});

describe('posting hands own-payer adjudications to the next payer step', () => {
  it("the claim's payer adjudicating it: handed with BPR16, and the summary names the claim built", async () => {
    const [summary] = await postRemittances(uow, medicare(clp()), 'biller', PAYERS);
    expect(handed).toEqual([[expect.objectContaining({
      claimId: '10', paymentDate: '2026-02-10', traceNumber: 'MCR-1', payment: expect.objectContaining({ status: '1', patientResponsibility: '22.00' }),
    })]]);
    expect(summary!.nextPayerClaims).toEqual([{ claimId: '10', nextClaimId: '11', responsibility: 'S' }]);
  });

  it('a denial (CLP02 4) is an adjudication too', async () => {
    await postRemittances(uow, medicare(clp({ status: '4' })), 'biller', PAYERS);
    expect(handed).toHaveLength(1);
  });

  it('forwarded (19), reversed (22) or a crossover payer answering: nothing handed', async () => {
    const [forwarded] = await postRemittances(uow, medicare(clp({ status: '19', crossoverTo: { name: 'SYNTHETIC MEDIGAP PLAN', id: 'MGAP77' } })), 'biller', PAYERS);
    expect(forwarded!.nextPayerClaims).toBeUndefined();
    await postRemittances(uow, synthetic835({
      trace: 'MGAP-1', payerName: 'SYNTHETIC MEDIGAP PLAN', payerQualifier: 'PI', payerId: 'MGAP77', paymentDate: '2026-02-20', interchange: 702,
      claims: [clp({ status: '2', paid: '22.00', patientResponsibility: '0', services: [{ code: '90471', charge: '30.00', paid: '22.00', date: '2026-01-15', adjustments: [{ group: 'CO', reason: '45', amount: '8.00' }] }] })],
    }), 'biller', PAYERS);
    await postRemittances(uow, medicare(clp({ status: '22', paid: '0.00', patientResponsibility: '-22.00', services: [] , adjustments: [{ group: 'CO', reason: '45', amount: '-8.00' }, { group: 'PR', reason: '1', amount: '-22.00' }], charge: '-30.00' }), 'MCR-2'), 'biller', PAYERS);
    expect(handed).toEqual([]);
  });
});

it("a claim billed as secondary: an unidentified 835 answering CLP02 2 is its payer's own answer, handed on for a tertiary", async () => {
  memory.addClaim({
    id: '20', controlNumber: 'RX20', status: 'accepted', payerId: 'SYNSEC01', payerName: 'SYNTHETIC SUPPLEMENT', totalCharge: '30.00',
    payerResponsibility: 'S',
    lines: [{ lineNumber: 1, chargeId: 'ch-1', code: '90471', modifiers: [], serviceDate: '2026-01-15', chargeAmount: '30.00' }],
  });
  const [summary] = await postRemittances(uow, synthetic835({
    trace: 'SUP-1', payerName: 'SYNTHETIC SUPPLEMENT', payerId: 'SUP-ID-9', paymentDate: '2026-02-20', interchange: 703,
    claims: [clp({
      controlNumber: 'RX20', status: '2', paid: '20.00', patientResponsibility: '2.00',
      services: [{ code: '90471', charge: '30.00', paid: '20.00', date: '2026-01-15',
        adjustments: [{ group: 'OA', reason: '23', amount: '8.00' }, { group: 'PR', reason: '2', amount: '2.00' }] }],
    })],
  }), 'biller', PAYERS);
  expect(summary!.claims).toEqual([expect.objectContaining({ claimId: '20', role: 'claim-payer', status: 'paid' })]);
  expect(handed).toEqual([[expect.objectContaining({ claimId: '20' })]]);
});
