/**
 * Claims to the next payer (src/billing/workflows/next-payer.ts) against the in-memory claims store: after Medicare
 * adjudicated a claim, the Medigap plan's claim (SBR01 S) is built, scrubbed ready, linked to the claim it follows
 * and billing the same charges; nothing when nothing is left, when the patient has no next coverage, twice, or when
 * the answer does not account for a line (then a note on the claim says why). Postgres: cob-secondary.pg.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ChargeInput, CoverageInput, PatientInput } from '../../src/billing/claims/inputs';
import { parseBillingConfigText } from '../../src/billing/config';
import type { ClaimPayment } from '../../src/billing/model';
import type { OwnAdjudication } from '../../src/billing/remittance/posting';
import { loadPayerRulesDir } from '../../src/billing/scrub/payer-rules-files';
import { build } from '../../src/billing/workflows/build';
import { nextPayerClaims } from '../../src/billing/workflows/next-payer';
import { codeSetScrubber } from '../../src/billing/workflows/scrubber';
import type { ClaimsContext } from '../../src/billing/workflows/types';
import { MemoryClaimsStore } from '../support/memory-claims-store';

const ROOT = path.join(__dirname, '../..');
const yaml = fs.readFileSync(path.join(ROOT, 'billing/billing.yaml'), 'utf8')
  .replace('  SYNPBM01:\n', '  SYNMGP01:\n    name: SYNTHETIC MEDIGAP PLAN\n    filingIndicator: CI\n    cob: supplement\n  SYNPBM01:\n');
const config = parseBillingConfigText(yaml, 'billing.yaml', {}, '/data');
const payerRules = loadPayerRulesDir(path.join(ROOT, 'billing/payer-rules'));
const ctx: ClaimsContext = {
  config, actor: 'remit', now: new Date('2026-02-12T12:00:00Z'), payerRules,
  scrub: codeSetScrubber(payerRules, () => '2026-02-12', { default: [], payers: {} }),
};

const patient: PatientInput = {
  patientRef: 'P1', familyName: 'TESTPATIENT', givenName: 'ALEX', birthDate: '1950-03-01', sex: 'F',
  addressLine1: '1 ELM ST', addressLine2: null, city: 'ANYTOWN', state: 'NY', postalCode: '10001',
};
const coverage = (payerId: string, planType: string): CoverageInput => ({
  id: `cov-${payerId}`, patientRef: 'P1', payerId, payerName: payerId, memberId: `MEM-${payerId}`, groupNumber: null, groupName: null,
  planType, relationship: '18', priority: 1, effectiveDate: '2025-01-01', expirationDate: null, asOf: '2025-12-01T00:00:00.000Z',
  subscriberFamilyName: null, subscriberGivenName: null, subscriberBirthDate: null, subscriberSex: null,
});
const charge = (id: string, over: Partial<ChargeInput>): ChargeInput => ({
  id, status: 'active', serviceDate: '2026-01-15', patientRef: 'P1', serviceKind: 'immunization-admin', codeSystem: 'HCPCS',
  code: 'G0008', modifiers: [], units: '1', chargeAmount: '33.00', diagnoses: ['Z23'], renderingNpi: null, orderingNpi: null,
  ndc: null, ndcQuantity: null, ndcUnit: null, rxNumber: null, placeOfService: null, ...over,
});

/** Medicare's answer: the administration left to the patient (CO-45 11.00, PR-2 22.00), the product paid 50.00. */
const medicare = (controlNumber: string, over: Partial<ClaimPayment> = {}): ClaimPayment => ({
  controlNumber, status: '1', charge: '93.00', paid: '50.00', patientResponsibility: '22.00', payerClaimNumber: 'CCN-1',
  adjustments: [],
  services: [
    { code: 'G0008', modifiers: [], charge: '33.00', paid: '0.00',
      adjustments: [{ group: 'CO', reason: '45', amount: '11.00' }, { group: 'PR', reason: '2', amount: '22.00' }] },
    { code: '90662', modifiers: [], charge: '60.00', paid: '50.00', adjustments: [{ group: 'CO', reason: '45', amount: '10.00' }] },
  ],
  ...over,
});

let store: MemoryClaimsStore;
let primaryId: string;

async function primaryBuilt(...coverages: CoverageInput[]): Promise<void> {
  store = new MemoryClaimsStore();
  store.addPatient(patient, ...coverages);
  store.addCharge(charge('1', {}));
  store.addCharge(charge('2', { code: '90662', codeSystem: 'CPT', chargeAmount: '60.00', serviceKind: 'vaccine-product' }));
  const built = await build(store, ctx);
  expect(built.created).toHaveLength(1);
  primaryId = built.created[0]!.id;
  store.state.claims.get(primaryId)!.status = 'paid';
}

const adjudication = (payment: ClaimPayment): OwnAdjudication => ({
  claimId: primaryId, payment, paymentDate: '2026-02-10', traceNumber: 'EFT-1', payerName: 'SYNTHETIC MEDICARE PART B',
});
const post = (payment: ClaimPayment) => store.transaction((uow) => nextPayerClaims(uow, [adjudication(payment)], ctx));
const primary = () => store.state.claims.get(primaryId)!;
const notes = () => store.state.events.filter((e) => e.claimId === primaryId && e.action === 'note').map((e) => e.reason);

describe('claims to the next payer', () => {
  beforeEach(() => primaryBuilt(coverage('SYNMGP01', 'CI'), coverage('SYNMCR01', 'MB')));

  it("builds the Medigap claim after Medicare's answer: SBR01 S, Medicare's adjudication, same charges, ready", async () => {
    expect(primary().payerId).toBe('SYNMCR01');
    const [outcome] = await post(medicare(primary().controlNumber));
    expect(outcome).toEqual({ claimId: primaryId, nextClaimId: expect.any(String), responsibility: 'S' });
    const next = store.state.claims.get(outcome!.nextClaimId!)!;
    expect(next).toMatchObject({ status: 'ready', payerId: 'SYNMGP01', followsClaimId: primaryId, coverageId: 'cov-SYNMGP01', frequency: '1' });
    expect(next.claim.subscriber).toMatchObject({ payerResponsibility: 'S', memberId: 'MEM-SYNMGP01', filingIndicator: 'CI' });
    expect(next.claim.otherPayers).toEqual([expect.objectContaining({
      responsibility: 'P', paidAmount: '50.00', remainingPatientLiability: '22.00', adjudicationDate: '2026-02-10',
      payer: { id: 'SYNMCR01', name: 'SYNTHETIC MEDICARE PART B' },
    })]);
    expect(store.state.lines.filter((l) => l.claimId === next.id).map((l) => [l.chargeId, l.state])).toEqual([['1', 'active'], ['2', 'active']]);
    expect(notes()).toEqual([expect.stringContaining(`secondary claim ${next.id} to SYNMGP01 built after 835 trace EFT-1`)]);
  });

  it('a second answer for the claim builds nothing more and says so', async () => {
    await post(medicare(primary().controlNumber));
    const [again] = await post(medicare(primary().controlNumber));
    expect(again).toEqual({ claimId: primaryId, note: expect.stringContaining('not built twice') });
    expect([...store.state.claims.values()].filter((c) => c.followsClaimId === primaryId)).toHaveLength(1);
  });

  it('nothing left after Medicare (paid in full, nothing owed): nothing built, nothing noted', async () => {
    const full = medicare(primary().controlNumber, {
      paid: '93.00', patientResponsibility: '0',
      services: [
        { code: 'G0008', modifiers: [], charge: '33.00', paid: '33.00', adjustments: [] },
        { code: '90662', modifiers: [], charge: '60.00', paid: '60.00', adjustments: [] },
      ],
    });
    expect(await post(full)).toEqual([]);
    expect(store.state.claims.size).toBe(1);
    expect(notes()).toEqual([]);
  });

  it('an answer that does not account for a line: nothing built, the reason noted for billing staff', async () => {
    const missing = medicare(primary().controlNumber, { services: [medicare('x').services[1]!], adjustments: [{ group: 'PR', reason: '1', amount: '33.00' }] });
    const [outcome] = await post(missing);
    expect(outcome).toEqual({ claimId: primaryId, note: expect.stringContaining('the 835 answers no service line for claim line 1') });
    expect(store.state.claims.size).toBe(1);
    expect(notes()).toEqual([outcome!.note]);
  });
});

it('a patient with one coverage: no next payer, nothing built', async () => {
  await primaryBuilt(coverage('SYNMCR01', 'MB'));
  expect(await post(medicare(primary().controlNumber))).toEqual([]);
  expect(store.state.claims.size).toBe(1);
});

it("a tertiary claim follows the secondary's answer the same way, carrying both earlier payers", async () => {
  await primaryBuilt(coverage('SYNMCD01', 'MC'), coverage('SYNMGP01', 'CI'), coverage('SYNMCR01', 'MB'));
  const [secondary] = await post(medicare(primary().controlNumber));
  expect(secondary!.responsibility).toBe('S');
  const secondaryId = secondary!.nextClaimId!;
  store.state.claims.get(secondaryId)!.status = 'paid';
  const medigap: ClaimPayment = {
    controlNumber: store.state.claims.get(secondaryId)!.controlNumber, status: '2', charge: '93.00', paid: '20.00',
    patientResponsibility: '2.00', payerClaimNumber: 'MGAP-1', adjustments: [],
    services: [
      { code: 'G0008', modifiers: [], charge: '33.00', paid: '20.00',
        adjustments: [{ group: 'OA', reason: '23', amount: '11.00' }, { group: 'PR', reason: '2', amount: '2.00' }] },
      { code: '90662', modifiers: [], charge: '60.00', paid: '0.00', adjustments: [{ group: 'OA', reason: '23', amount: '60.00' }] },
    ],
  };
  const [tertiary] = await store.transaction((uow) => nextPayerClaims(uow, [{
    claimId: secondaryId, payment: medigap, paymentDate: '2026-02-20', traceNumber: 'CHK-2', payerName: 'SYNTHETIC MEDIGAP PLAN',
  }], ctx));
  expect(tertiary).toEqual({ claimId: secondaryId, nextClaimId: expect.any(String), responsibility: 'T' });
  const claim = store.state.claims.get(tertiary!.nextClaimId!)!;
  expect(claim).toMatchObject({ payerId: 'SYNMCD01', followsClaimId: secondaryId });
  expect(claim.claim.subscriber.payerResponsibility).toBe('T');
  expect(claim.claim.otherPayers!.map((o) => [o.responsibility, o.payer.id, o.paidAmount])).toEqual([
    ['P', 'SYNMCR01', '50.00'], ['S', 'SYNMGP01', '20.00'],
  ]);
  expect(claim.claim.lines.map((l) => l.adjudications!.map((a) => a.payerId))).toEqual([
    ['SYNMCR01', 'SYNMGP01'], ['SYNMCR01', 'SYNMGP01'],
  ]);
});
