/** A reversed charge on a claim (src/billing/claims/corrections.ts): release, replacement (7), void (8), drop. */
import fs from 'node:fs';
import path from 'node:path';
import { buildClaims } from '../../src/billing/claims/build';
import { claimControlNumber } from '../../src/billing/claims/control-number';
import { planCorrections, voidOf, type LiveClaim } from '../../src/billing/claims/corrections';
import type { ChargeInput } from '../../src/billing/claims/inputs';
import type { ClaimStatus } from '../../src/billing/claims/lifecycle';
import { parseBillingConfigText } from '../../src/billing/config';
import type { Claim } from '../../src/billing/model';

const config = parseBillingConfigText(
  fs.readFileSync(path.join(__dirname, '../../billing/billing.yaml'), 'utf8'), 'billing.yaml', {}, '/data');

const charges: ChargeInput[] = [
  { code: '90471', amount: '25.00', dx: ['Z23'] },
  { code: '90686', amount: '40.00', dx: ['Z23', 'E11.9'] },
  { code: '99605', amount: '75.00', dx: ['E11.9', 'I10'] },
].map((c, i) => ({
  id: String(101 + i), status: 'active', serviceDate: '2026-01-15', patientRef: 'P1', serviceKind: 'other', codeSystem: 'CPT',
  code: c.code, modifiers: [], units: '1', chargeAmount: c.amount, diagnoses: c.dx, renderingNpi: null, orderingNpi: null,
  ndc: null, ndcQuantity: null, ndcUnit: null, rxNumber: null, placeOfService: null,
}));

const original: Claim = (() => {
  const built = buildClaims({
    charges,
    patients: [{ patientRef: 'P1', familyName: 'TESTPATIENT', givenName: 'ALEX', birthDate: '1980-01-01', sex: 'F',
      addressLine1: null, addressLine2: null, city: null, state: null, postalCode: null }],
    coverages: [{ id: '7', patientRef: 'P1', payerId: 'SYNCOM01', payerName: null, memberId: 'M1', groupNumber: null, groupName: null,
      planType: 'CI', relationship: '18', priority: 1, effectiveDate: null, expirationDate: null, asOf: '2025-01-01T00:00:00Z',
      subscriberFamilyName: null, subscriberGivenName: null, subscriberBirthDate: null, subscriberSex: null }],
    config,
  });
  return { id: '40', controlNumber: claimControlNumber('40'), ...built.drafts[0]!.claim };
})();

function live(status: ClaimStatus, reversed: string[], over: Partial<LiveClaim> = {}): LiveClaim {
  return {
    id: '40', status, coverageId: '7', claim: original, payerClaimNumber: 'PCN-0001',
    lines: charges.map((c) => ({ chargeId: c.id, chargeStatus: reversed.includes(c.id) ? 'reversed' : 'active' })),
    ...over,
  };
}

describe('planCorrections', () => {
  it('leaves a claim alone when none of its charges was reversed', () => {
    expect(planCorrections([live('paid', [])])).toEqual([]);
  });

  it('an unsent claim is released: voided in place, its other charges claimed again', () => {
    for (const status of ['draft', 'held', 'ready', 'rejected'] as const) {
      expect(planCorrections([live(status, ['102'])])).toEqual([
        { kind: 'release', claimId: '40', reason: 'charge 102 reversed before the claim was sent; its other charges are claimed again' },
      ]);
    }
  });

  it('a sent claim gets a replacement (7): remaining lines renumbered, diagnoses and pointers recomputed, REF*F8', () => {
    const [plan] = planCorrections([live('paid', ['101'])]);
    expect(plan).toMatchObject({ kind: 'correct', claimId: '40', reason: 'charge 101 reversed after the claim was sent' });
    if (plan?.kind !== 'correct') throw new Error('expected a correction');
    const c = plan.draft.claim;
    expect(plan.draft.correctsClaimId).toBe('40');
    expect(plan.draft.coverageId).toBe('7');
    expect(c).toMatchObject({ frequency: '7', payerClaimNumber: 'PCN-0001', totalCharge: '115.00', diagnoses: ['Z23', 'E11.9', 'I10'] });
    expect(c.lines.map((l) => [l.lineNumber, l.chargeId, l.code, l.diagnosisPointers])).toEqual([
      [1, '102', '90686', [1, 2]],
      [2, '103', '99605', [2, 3]],
    ]);
    expect('id' in c).toBe(false);
  });

  it('a sent claim whose charges were all reversed gets a void (8) repeating every line', () => {
    const [plan] = planCorrections([live('batched', ['101', '102', '103'])]);
    if (plan?.kind !== 'correct') throw new Error('expected a correction');
    expect(plan.draft.claim).toMatchObject({ frequency: '8', payerClaimNumber: 'PCN-0001', totalCharge: '140.00' });
    expect(plan.draft.claim.lines.map((l) => l.chargeId)).toEqual(['101', '102', '103']);
    expect(plan.draft.claim.diagnoses).toEqual(original.diagnoses);
  });

  it('without a payer claim number the correction carries none (the scrubber holds it until one arrives)', () => {
    const [plan] = planCorrections([live('submitted', ['103'], { payerClaimNumber: undefined })]);
    if (plan?.kind !== 'correct') throw new Error('expected a correction');
    expect(plan.draft.claim.frequency).toBe('7');
    expect(plan.draft.claim.payerClaimNumber).toBeUndefined();
  });

  it('a denied claim is not corrected: the reversed line is dropped', () => {
    expect(planCorrections([live('denied', ['102'])])).toEqual([
      { kind: 'drop', claimId: '40', chargeIds: ['102'], reason: 'charge 102 reversed on a denied claim; nothing to correct' },
    ]);
  });

  it("a sent claim to a next payer awaits the earlier payer's answer to its correction; with nothing left it is voided", () => {
    expect(planCorrections([live('paid', ['102'], { followsClaimId: '39' })])).toEqual([
      { kind: 'await', claimId: '40', chargeIds: ['102'], reason: expect.stringContaining("replaced when claim 39's payer answers") },
    ]);
    const [voided] = planCorrections([live('paid', ['101', '102', '103'], { followsClaimId: '39' })]);
    expect(voided).toMatchObject({ kind: 'correct', claimId: '40', draft: { claim: { frequency: '8' } } });
    // Unsent, it is released like any claim: the earlier payer's next answer builds it again.
    expect(planCorrections([live('ready', ['102'], { followsClaimId: '39' })])).toEqual([expect.objectContaining({ kind: 'release' })]);
  });

  it('an unsent correction hit by a second reversal is planned again from its original', () => {
    const firstFix = live('paid', ['101'], { lines: [] });
    const correction: LiveClaim = {
      id: '41', status: 'held', coverageId: '7', claim: { ...original, id: '41', frequency: '7' },
      lines: [{ chargeId: '102', chargeStatus: 'reversed' }, { chargeId: '103', chargeStatus: 'active' }],
      original: { ...firstFix, lines: charges.map((c) => ({ chargeId: c.id, chargeStatus: c.id === '103' ? 'active' : 'reversed' })) },
    };
    const [plan] = planCorrections([correction]);
    if (plan?.kind !== 'correct') throw new Error('expected a correction');
    expect(plan.claimId).toBe('40');
    expect(plan.replacesCorrectionId).toBe('41');
    expect(plan.draft.claim.lines.map((l) => l.chargeId)).toEqual(['103']);
    expect(plan.draft.claim.totalCharge).toBe('75.00');
  });
});

describe('voidOf', () => {
  it('repeats the sent claim with frequency 8 and the payer claim number', () => {
    const v = voidOf({ id: '40', claim: original, payerClaimNumber: 'PCN-0001', coverageId: '7' });
    expect(v.claim).toMatchObject({ frequency: '8', payerClaimNumber: 'PCN-0001', totalCharge: original.totalCharge });
    expect(v.claim.lines).toEqual(original.lines);
    expect(v.correctsClaimId).toBe('40');
  });
});
