/**
 * What a patient merge does to the absorbed patient's claims and coverages (src/billing/claims/patient-merge.ts):
 * unsent originals are released, sent claims and unsent corrections are kept; a coverage the survivor already has
 * (same plan id, or same payer and member id) is not moved twice.
 */
import { planMergedClaims, planMergedCoverages } from '../../src/billing/claims/patient-merge';

describe('planMergedClaims', () => {
  it('releases unsent originals (draft, held, ready, rejected), keeps sent claims, unsent corrections and unsent claims to a next payer, skips voided ones', () => {
    const steps = planMergedClaims([
      { id: '1', status: 'draft', frequency: '1', followsClaimId: null },
      { id: '2', status: 'held', frequency: '1', followsClaimId: null },
      { id: '3', status: 'ready', frequency: '1', followsClaimId: null },
      { id: '4', status: 'rejected', frequency: '1', followsClaimId: null },
      { id: '5', status: 'batched', frequency: '1', followsClaimId: null },
      { id: '6', status: 'paid', frequency: '1', followsClaimId: null },
      { id: '7', status: 'ready', frequency: '7', followsClaimId: null },
      { id: '8', status: 'held', frequency: '8', followsClaimId: null },
      { id: '9', status: 'voided', frequency: '1', followsClaimId: null },
      { id: '10', status: 'submitted', frequency: '7', followsClaimId: null },
      { id: '11', status: 'ready', frequency: '1', followsClaimId: '6' },
    ]);
    expect(steps.map((s) => [s.claimId, s.kind, s.kind === 'keep' ? s.sent : null])).toEqual([
      ['1', 'release', null], ['2', 'release', null], ['3', 'release', null], ['4', 'release', null],
      ['5', 'keep', true], ['6', 'keep', true], ['7', 'keep', false], ['8', 'keep', false], ['10', 'keep', true],
      ['11', 'keep', false],
    ]);
    // An unsent claim to a next payer stays with the claim sent under the prior id whose adjudication it carries.
    expect(steps.at(-1)!.reason).toMatch(/carries the adjudication of a claim sent under the prior patient id/);
  });

  it('says why in plain words, without patient data', () => {
    const [released, kept] = planMergedClaims([{ id: '1', status: 'ready', frequency: '1', followsClaimId: null }, { id: '2', status: 'accepted', frequency: '1', followsClaimId: null }]);
    expect(released!.reason).toMatch(/bill again under the surviving patient/);
    expect(kept!.reason).toMatch(/payer has this claim under the prior patient id/);
  });
});

describe('planMergedCoverages', () => {
  const cov = (id: string, planId: string, payerId: string | null = null, memberId: string | null = null) => ({ id, planId, payerId, memberId });

  it('moves a plan the survivor lacks; a plan the survivor has stays behind and maps to the survivor\'s row', () => {
    const plan = planMergedCoverages([cov('p1', 'COM'), cov('p2', 'MCD')], [cov('s1', 'COM')]);
    expect(plan.move).toEqual(['p2']);
    expect([...plan.duplicateOf]).toEqual([['p1', 's1']]);
  });

  it('the same payer and member id under another plan id is the same coverage', () => {
    const plan = planMergedCoverages([cov('p1', 'OLD-PLAN-ID', 'SYNCOM01', 'M-1')], [cov('s1', 'COM', 'SYNCOM01', 'M-1')]);
    expect(plan.move).toEqual([]);
    expect(plan.duplicateOf.get('p1')).toBe('s1');
  });

  it('a missing member id never makes two coverages the same; two prior rows of one coverage move once', () => {
    const plan = planMergedCoverages(
      [cov('p1', 'A', 'SYNCOM01', null), cov('p2', 'B', 'SYNMCD01', 'M-9'), cov('p3', 'C', 'SYNMCD01', 'M-9')],
      [cov('s1', 'S', 'SYNCOM01', null)],
    );
    expect(plan.move).toEqual(['p1', 'p2']);
    expect([...plan.duplicateOf]).toEqual([['p3', 'p2']]);
  });

  it('with no survivor coverages everything moves', () => {
    expect(planMergedCoverages([cov('p1', 'A'), cov('p2', 'B')], [])).toEqual({ move: ['p1', 'p2'], duplicateOf: new Map() });
  });
});
