/**
 * Pricing unpriced charges (src/billing/claims/pricing.ts) and its place in claim building: U&C versus cost basis,
 * the row in force on the date of service, vaccine administration fees, "no price" holds, and a build after the
 * schedule is imported.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildClaims, type BuildInput } from '../../src/billing/claims/build';
import type { ChargeInput, CoverageInput, PatientInput } from '../../src/billing/claims/inputs';
import { priceCharge, type FeeRow } from '../../src/billing/claims/pricing';
import { parseBillingConfigText } from '../../src/billing/config';
import { loadPayerRulesDir } from '../../src/billing/scrub/payer-rules-files';
import { build as buildWorkflow, unclaimed } from '../../src/billing/workflows/build';
import { codeSetScrubber } from '../../src/billing/workflows/scrubber';
import type { ClaimsContext } from '../../src/billing/workflows/types';
import { MemoryClaimsStore } from '../support/memory-claims-store';

const config = parseBillingConfigText(
  fs.readFileSync(path.join(__dirname, '../../billing/billing.yaml'), 'utf8'), 'billing.yaml', {}, '/data');

let nextId = 1;
function dispense(over: Partial<ChargeInput> = {}): ChargeInput {
  return {
    id: String(nextId++), status: 'active', serviceDate: '2024-03-18', patientRef: 'P1', serviceKind: 'dispense',
    codeSystem: 'NDC', code: '00093005801', modifiers: [], units: '30.000', chargeAmount: '0.00', diagnoses: ['J01.90'],
    renderingNpi: null, orderingNpi: null, ndc: '00093005801', ndcQuantity: '30.000', ndcUnit: 'UN', rxNumber: 'RX-1',
    placeOfService: null, unpriced: true, messageId: '77', ...over,
  };
}

const admin = (over: Partial<ChargeInput> = {}): ChargeInput => dispense({
  serviceKind: 'immunization-admin', codeSystem: 'CPT', code: '90471', units: '1.000', ndc: null, ndcQuantity: null, ndcUnit: null,
  rxNumber: null, diagnoses: ['Z23'], ...over,
});

function row(over: Partial<FeeRow>): FeeRow {
  return {
    codeSystem: 'NDC', code: '00093005801', method: 'uc', effectiveFrom: '2024-01-01', effectiveTo: null, amount: '0.62500',
    unitCost: null, formula: null, source: 'prices.csv:2', ...over,
  };
}

const costRow = (over: Partial<FeeRow> = {}) => row({
  method: 'cost', amount: null, unitCost: '1.25000', formula: { basis: 'AWP', multiplier: '0.8500', fee: '10.50' }, source: 'prices.csv:3', ...over,
});

describe('priceCharge', () => {
  it('usual & customary per NDC: amount per unit × the NDC quantity', () => {
    expect(priceCharge(dispense(), [row({})])).toMatchObject({
      amount: '18.75', pricedBy: 'usual & customary 0.625 × 30 (prices.csv:2, in force from 2024-01-01)',
    });
  });

  it('cost basis: AWP 1.25 × 30 × 0.85 = 31.875 → 31.88, + 10.50 dispensing fee = 42.38', () => {
    expect(priceCharge(dispense(), [costRow()])).toMatchObject({
      amount: '42.38', pricedBy: 'AWP 1.25 × 30 × 0.85 + 10.50 (prices.csv:3, in force from 2024-01-01)',
    });
  });

  it('U&C wins over cost basis when both are in force; cost basis prices when the U&C row has ended', () => {
    const rows = [costRow(), row({ effectiveTo: '2024-03-17' })];
    expect(priceCharge(dispense(), rows)?.amount).toBe('42.38');
    expect(priceCharge(dispense({ serviceDate: '2024-03-17' }), rows)?.amount).toBe('18.75');
  });

  it('the date of service picks the row: the latest effective date in force wins over an open-ended older row', () => {
    const rows = [
      row({ amount: '0.50000', effectiveFrom: '2023-01-01', source: 'old.csv:2' }),
      row({ amount: '0.70000', effectiveFrom: '2024-07-01', source: 'new.csv:2' }),
    ];
    expect(priceCharge(dispense({ serviceDate: '2024-06-30' }), rows)).toMatchObject({ amount: '15.00' });
    expect(priceCharge(dispense({ serviceDate: '2024-07-01' }), rows)).toMatchObject({ amount: '21.00' });
    expect(priceCharge(dispense({ serviceDate: '2022-12-31' }), rows)).toBeUndefined();
  });

  it('an effective_to is inclusive; after it no row covers the date', () => {
    const rows = [row({ effectiveTo: '2024-03-31' })];
    expect(priceCharge(dispense({ serviceDate: '2024-03-31' }), rows)?.amount).toBe('18.75');
    expect(priceCharge(dispense({ serviceDate: '2024-04-01' }), rows)).toBeUndefined();
  });

  it('another NDC, or the same digits as a CPT row, does not price a dispense', () => {
    expect(priceCharge(dispense(), [row({ code: '00378180510' })])).toBeUndefined();
    expect(priceCharge(dispense(), [row({ codeSystem: 'CPT' })])).toBeUndefined();
  });

  it('an NDC line without an NDC quantity prices its units', () => {
    expect(priceCharge(dispense({ ndcQuantity: null, units: '2.000' }), [row({})])?.amount).toBe('1.25');
  });

  it('vaccine administration fees: the code\'s own row, else the * row; the * row never prices another kind of line', () => {
    const rows = [
      row({ codeSystem: 'CPT', code: '*', method: 'admin', amount: '20.00000', source: 'fees.csv:4' }),
      row({ codeSystem: 'HCPCS', code: 'G0008', method: 'admin', amount: '31.18000', source: 'fees.csv:5' }),
    ];
    expect(priceCharge(admin({ code: 'G0008' }), rows)).toMatchObject({ amount: '31.18', pricedBy: 'vaccine administration fee 31.18 × 1 (fees.csv:5, in force from 2024-01-01)' });
    expect(priceCharge(admin({ code: '90471' }), rows)?.amount).toBe('20.00');
    expect(priceCharge(admin({ code: '99605', serviceKind: 'mtm' }), rows)).toBeUndefined();
  });

  it('a CPT charge by its code: U&C per unit × units (CPT and HCPCS rows are one code space)', () => {
    expect(priceCharge(admin({ serviceKind: 'mtm', code: '99607', units: '2.000' }), [row({ codeSystem: 'HCPCS', code: '99607', amount: '15.00000' })])?.amount).toBe('30.00');
  });
});

const patients: PatientInput[] = [{
  patientRef: 'P1', familyName: 'TESTPATIENT', givenName: 'ALEX', birthDate: '1980-01-01', sex: 'F', addressLine1: '1 ELM ST',
  addressLine2: null, city: 'ANYTOWN', state: 'NY', postalCode: '10001',
}];
const coverage = (payerId: string): CoverageInput => ({
  id: `c-${payerId}`, patientRef: 'P1', payerId, payerName: 'X', memberId: 'M1', groupNumber: 'G1', groupName: null, planType: null,
  relationship: '18', priority: 1, effectiveDate: '2020-01-01', expirationDate: null, asOf: '2024-01-01T00:00:00.000Z',
  subscriberFamilyName: null, subscriberGivenName: null, subscriberBirthDate: null, subscriberSex: null,
});
const build = (over: Partial<BuildInput>) => buildClaims({ charges: [], patients, coverages: [coverage('SYNCOM01')], config, ...over });

describe('buildClaims with unpriced charges', () => {
  it('no row anywhere: held "no-price" with its reason and message id, never claimed; the priced charge of the visit bills', () => {
    const unpriced = admin({ code: '90471', serviceDate: '2024-03-18' });
    const priced = admin({ code: '90686', serviceKind: 'vaccine-product', unpriced: undefined, chargeAmount: '19.00' });
    const r = build({ charges: [unpriced, priced] });
    expect(r.held).toEqual([{
      chargeId: unpriced.id, reason: 'no-price', messageId: '77',
      message: 'no price: the message carried none and no fee schedule row covers CPT 90471 on 2024-03-18 (rxbridge prices import)',
    }]);
    expect(r.drafts.flatMap((d) => d.claim.lines.map((l) => l.chargeId))).toEqual([priced.id]);
    expect(r.priced).toEqual([]);
  });

  it('a covering row: the line bills the price, the claim notes which row, and the price is handed back to be recorded', () => {
    const c = admin({ code: '90471' });
    const r = build({ charges: [c], feeSchedule: [row({ codeSystem: 'CPT', code: '90471', method: 'admin', amount: '25.00000' })] });
    expect(r.held).toEqual([]);
    const draft = r.drafts[0]!;
    expect(draft.claim.lines.map((l) => [l.chargeId, l.chargeAmount])).toEqual([[c.id, '25.00']]);
    expect(draft.claim.totalCharge).toBe('25.00');
    expect(draft.findings).toContainEqual({
      ruleId: 'priced-from-schedule', severity: 'info', scope: 'line', lineNumber: 1,
      message: `charge ${c.id} came without a price: 25.00 from the fee schedule, vaccine administration fee 25 × 1 (prices.csv:2, in force from 2024-01-01)`,
    });
    expect(r.priced).toEqual([{ chargeId: c.id, amount: '25.00', pricedBy: expect.stringContaining('vaccine administration fee') }]);
  });

  it('a dispense is priced before routing: for a payer taking dispenses through NCPDP it is then excluded (ncpdp-route), not held "no price"', () => {
    const d = dispense();
    const withSchedule = buildClaims({ charges: [d], patients, coverages: [coverage('SYNMCR01')], config, feeSchedule: [row({})] });
    expect(withSchedule.held).toEqual([]);
    expect(withSchedule.excluded.map((e) => e.reason)).toEqual(['ncpdp-route']);
    expect(withSchedule.priced).toEqual([]); // no claim bills it: nothing to record
    const without = buildClaims({ charges: [d], patients, coverages: [coverage('SYNMCR01')], config });
    expect(without.held.map((h) => h.reason)).toEqual(['no-price']);
  });
});

describe('build workflow: a charge held "no price" is claimed by the build after the schedule is imported', () => {
  it('held, then priced and claimed; the price is recorded on the charge', async () => {
    const store = new MemoryClaimsStore();
    store.addPatient(patients[0]!, coverage('SYNCOM01'));
    const c = admin({ id: '1', code: '90471' });
    store.addCharge(c);
    const payerRules = loadPayerRulesDir(path.join(__dirname, '../../billing/payer-rules'));
    const ctx: ClaimsContext = {
      config, actor: 'biller', now: new Date('2024-04-01T12:00:00Z'), payerRules,
      scrub: codeSetScrubber(payerRules, () => '2024-04-01', { default: [], payers: {} }),
    };
    const first = await buildWorkflow(store, ctx);
    expect(first.created).toEqual([]);
    expect(first.held.map((h) => [h.chargeId, h.reason])).toEqual([['1', 'no-price']]);
    expect((await unclaimed(store, config)).held.map((h) => h.reason)).toEqual(['no-price']);

    store.feeRows = [row({ codeSystem: 'CPT', code: '90471', method: 'admin', amount: '25.00000' })];
    expect((await unclaimed(store, config)).claimable).toBe(1);
    const second = await buildWorkflow(store, ctx);
    expect(second.held).toEqual([]);
    expect(second.created).toHaveLength(1);
    const claim = store.claimOf('1')!;
    expect(claim.claim.lines.map((l) => l.chargeAmount)).toEqual(['25.00']);
    expect(claim.findings.map((f) => f.ruleId)).toContain('priced-from-schedule');
    expect(store.state.charges.get('1')).toMatchObject({ chargeAmount: '25.00' });
    expect(store.state.charges.get('1')!.unpriced).toBeUndefined();
  });
});
