/** An operator's claim edits (src/billing/claims/edits.ts): shape checks, applying, merging, the history's before → after. */
import { applyEdits, describeEdit, mergeEdits, normalizeEdits } from '../../src/billing/claims/edits';
import type { Claim, ClaimLine } from '../../src/billing/model';
import { thrown } from './helpers';

const line = (n: number, over: Partial<ClaimLine> = {}): ClaimLine => ({
  lineNumber: n, chargeId: `ch${n}`, code: '99605', codeSystem: 'CPT', modifiers: [], units: '1', chargeAmount: '75.00',
  serviceDate: '2026-01-16', diagnosisPointers: [1], serviceKind: 'mtm', ...over,
});
const claim = (over: Partial<Claim> = {}): Claim => ({
  id: '7', controlNumber: 'RXB7', frequency: '1', placeOfService: '01', diagnoses: ['E11.9', 'I10'],
  lines: [line(1, { diagnosisPointers: [1, 2] }), line(2, { code: '99607', units: '2', chargeAmount: '40.00', diagnosisPointers: [2] })],
  totalCharge: '115.00', billingProvider: {} as Claim['billingProvider'], payer: { id: 'SYNCOM01', name: 'X' } as Claim['payer'],
  subscriber: {} as Claim['subscriber'], patient: {} as Claim['patient'], ...over,
});

describe('normalizeEdits', () => {
  it('upper-cases and trims codes, maps line numbers to charges', () => {
    expect(normalizeEdits(claim(), { diagnoses: [' e11.65 ', 'z79.4', 'E11.65'], lines: [{ lineNumber: 2, modifiers: ['25 '], units: '3' }] }))
      .toEqual({ diagnoses: ['E11.65', 'Z79.4'], lines: { ch2: { modifiers: ['25'], units: '3' } } });
  });

  it('refuses with the reason: an unknown line, too many modifiers, units that are not positive, a bad place of service, nothing', () => {
    expect(thrown(() => normalizeEdits(claim(), { lines: [{ lineNumber: 9, units: '1' }] })).message).toBe('the claim has no line 9');
    expect(thrown(() => normalizeEdits(claim(), { lines: [{ lineNumber: 1, modifiers: ['25', '59', 'QW', 'GA', 'XU'] }] })).code).toBe('BAD_REQUEST');
    expect(thrown(() => normalizeEdits(claim(), { lines: [{ lineNumber: 1, units: '0' }] })).message).toContain('positive');
    expect(thrown(() => normalizeEdits(claim(), { placeOfService: 'pharmacy' })).message).toContain('two digits');
    expect(thrown(() => normalizeEdits(claim(), { diagnoses: [' '] })).message).toContain('at least one diagnosis');
    expect(thrown(() => normalizeEdits(claim(), {})).message).toContain('changes nothing');
  });
});

describe('applyEdits', () => {
  it('replaces diagnoses; lines keep pointing at their codes still on the claim, else at the first ones', () => {
    const c = applyEdits(claim(), { diagnoses: ['I10', 'Z79.4'] });
    expect(c.diagnoses).toEqual(['I10', 'Z79.4']);
    expect(c.lines.map((l) => l.diagnosisPointers)).toEqual([[1], [1]]);
    const none = applyEdits(claim(), { diagnoses: ['Z79.4', 'Z71.89'] });
    expect(none.lines.map((l) => l.diagnosisPointers)).toEqual([[1, 2], [1, 2]]);
  });

  it('changes modifiers and units of the edited line only, and the place of service; the line charge stays', () => {
    const c = applyEdits(claim(), { placeOfService: '12', lines: { ch2: { modifiers: ['25'], units: '3' } } });
    expect(c.placeOfService).toBe('12');
    expect(c.lines.map((l) => [l.modifiers, l.units, l.chargeAmount])).toEqual([[[], '1', '75.00'], [['25'], '3', '40.00']]);
    expect(c.totalCharge).toBe('115.00');
  });

  it('is the same claim applied twice (a rebuild applies the stored edits again)', () => {
    const edits = { diagnoses: ['I10', 'Z79.4'], lines: { ch1: { modifiers: ['33'] } } };
    const once = applyEdits(claim(), edits);
    expect(applyEdits(once, edits)).toEqual(once);
  });
});

it('mergeEdits: a later edit of the same field wins, lines merge per charge', () => {
  expect(mergeEdits({ diagnoses: ['A'], lines: { ch1: { units: '2' } } }, { placeOfService: '12', lines: { ch1: { modifiers: ['25'] } } }))
    .toEqual({ diagnoses: ['A'], placeOfService: '12', lines: { ch1: { units: '2', modifiers: ['25'] } } });
});

it('describeEdit: each change before → after, with the line and its code', () => {
  const before = claim();
  const after = applyEdits(before, { diagnoses: ['E11.65'], placeOfService: '12', lines: { ch2: { modifiers: ['25'], units: '3' } } });
  expect(describeEdit(before, after)).toEqual([
    'diagnoses E11.9, I10 → E11.65', 'place of service 01 → 12', 'line 2 (99607) modifiers none → 25', 'line 2 (99607) units 2 → 3',
  ]);
});
