/**
 * State-supplied (VFC) vaccine products and held charges in claim building (src/billing/claims/build.ts, vfc.ts):
 * the shipped billing.yaml (SYNMCD01 Medicaid takes the product with SL at 0.00; SYNCOM01 takes no product line),
 * the shipped payer rules and the real scrubber and 837P writer, so a 0.00 SL line is shown to pass all three.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildClaims, type BuildInput } from '../../src/billing/claims/build';
import type { ChargeInput, CoverageInput, PatientInput } from '../../src/billing/claims/inputs';
import { isStateSupplied, productLineTerms } from '../../src/billing/claims/vfc';
import { parseBillingConfigText } from '../../src/billing/config';
import type { Claim } from '../../src/billing/model';
import { isHeld, scrubClaim } from '../../src/billing/scrub';
import { loadPayerRulesDir, PAYER_RULES_DIR } from '../../src/billing/scrub/payer-rules-files';
import { write837P } from '../../src/billing/x12-837p';
import { assertWritable } from '../../src/billing/x12-837p-validate';
import { ConfigError } from '../../src/core/config-file';
import { fakeCodeSets, fakeHistory } from './scrub-fixtures';
import { CONTROL, INTERCHANGE, NOW } from './x12-claims';

const BILLING_YAML = fs.readFileSync(path.join(__dirname, '../../billing/billing.yaml'), 'utf8');
const config = parseBillingConfigText(BILLING_YAML, 'billing.yaml', {}, '/data');
const payerRules = loadPayerRulesDir(PAYER_RULES_DIR);
const DOS = '2026-10-01';

let nextId = 100;
function charge(over: Partial<ChargeInput> = {}): ChargeInput {
  return {
    id: String(nextId++), status: 'active', serviceDate: DOS, patientRef: 'KID1', serviceKind: 'immunization-admin',
    codeSystem: 'CPT', code: '90471', modifiers: [], units: '1.000', chargeAmount: '25.00', diagnoses: ['Z23'],
    renderingNpi: null, orderingNpi: null, ndc: null, ndcQuantity: null, ndcUnit: null, rxNumber: null, placeOfService: null,
    ...over,
  };
}

const patient: PatientInput = {
  patientRef: 'KID1', familyName: 'TESTCHILD', givenName: 'ROBIN', birthDate: '2018-03-01', sex: 'F',
  addressLine1: '1 ELM ST', addressLine2: null, city: 'ANYTOWN', state: 'NY', postalCode: '10001',
};

function coverage(payerId: string): CoverageInput {
  return {
    id: `cov-${payerId}`, patientRef: 'KID1', payerId, payerName: null, memberId: 'M123', groupNumber: null, groupName: null,
    planType: null, relationship: '18', priority: 1, effectiveDate: '2026-01-01', expirationDate: null,
    asOf: '2026-01-01T00:00:00.000Z', subscriberFamilyName: null, subscriberGivenName: null, subscriberBirthDate: null,
    subscriberSex: null,
  };
}

const build = (payerId: string, charges: ChargeInput[], over: Partial<BuildInput> = {}) =>
  buildClaims({ charges, patients: [patient], coverages: [coverage(payerId)], config, ...over });

/** A VFC flu dose as the vxu-v04 mapping writes it: the admin at its fee, the product at 0.00, both marked V05. */
function vfcDose(vfc = 'V05') {
  return [
    charge({ code: '90471', vfcEligibility: vfc }),
    charge({ code: '90656', serviceKind: 'vaccine-product', chargeAmount: '0.00', vfcEligibility: vfc }),
  ];
}

function scrub(claim: Claim) {
  const codeSets = fakeCodeSets({ cpt: { '90656': { valid: true, billable: true, release: 'local CPT list' } } });
  return scrubClaim(claim, { codeSets, payerRules, today: '2026-10-05', history: fakeHistory([]) });
}

const asClaim = (body: Omit<Claim, 'id' | 'controlNumber'>): Claim => ({ id: '7', controlNumber: 'RX7A', ...body });

describe('VFC doses: the payer decides whether the product bills (billing.yaml vfcProductLine)', () => {
  it('Medicaid (sl-zero): the product CPT with SL at 0.00 beside the admin; it scrubs clean and the 837P carries it', () => {
    const [admin, product] = vfcDose();
    const r = build('SYNMCD01', [admin!, product!]);
    expect(r.held).toEqual([]);
    expect(r.excluded).toEqual([]);
    expect(r.drafts).toHaveLength(1);
    const claim = asClaim(r.drafts[0]!.claim);
    expect(claim.lines.map((l) => [l.code, l.modifiers, l.chargeAmount, l.stateSupplied])).toEqual([
      ['90471', [], '25.00', true],
      ['90656', ['SL'], '0.00', true],
    ]);
    expect(claim.totalCharge).toBe('25.00');

    const findings = scrub(claim);
    expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(isHeld(findings)).toBe(false);

    expect(() => assertWritable(claim, 0)).not.toThrow();
    const x12 = write837P([claim], INTERCHANGE, CONTROL, NOW);
    expect(x12).toMatch(/CLM\*RX7A\*25\*/);
    expect(x12).toMatch(/SV1\*HC:90656:SL\*0\*UN\*1\*/);
  });

  it('Medicaid: SL comes first and once, and a product the mapping priced anyway is billed at 0.00', () => {
    const admin = charge({ vfcEligibility: 'V04' });
    const product = charge({ code: '90656', serviceKind: 'vaccine-product', chargeAmount: '26.00', vfcEligibility: 'v04', modifiers: ['JZ', 'SL'] });
    const r = build('SYNMCD01', [admin, product]);
    expect(r.drafts[0]!.claim.lines.find((l) => l.code === '90656')).toMatchObject({ modifiers: ['SL', 'JZ'], chargeAmount: '0.00' });
    expect(r.drafts[0]!.claim.totalCharge).toBe('25.00');
  });

  it('a commercial payer (default none): the product is excluded as vfc-stock, the admin bills alone and scrubs clean', () => {
    const [admin, product] = vfcDose('V03');
    const r = build('SYNCOM01', [admin!, product!]);
    expect(r.excluded).toEqual([{
      chargeId: product!.id, reason: 'vfc-stock', payerId: 'SYNCOM01',
      message: 'state-supplied vaccine (VFC V03): payer SYNCOM01 takes no product line (vfcProductLine none)',
    }]);
    expect(r.held).toEqual([]);
    const claim = asClaim(r.drafts[0]!.claim);
    expect(claim.lines.map((l) => l.code)).toEqual(['90471']);
    const pairing = scrub(claim).filter((f) => f.ruleId === 'vaccine-admin-product');
    expect(pairing).toEqual([]);
  });

  it('a dose that is not from state stock (V01) bills its product at the fee, without SL, even for Medicaid', () => {
    const r = build('SYNMCD01', [
      charge({ vfcEligibility: 'V01' }),
      charge({ code: '90656', serviceKind: 'vaccine-product', chargeAmount: '26.00', vfcEligibility: 'V01' }),
    ]);
    expect(r.drafts[0]!.claim.lines.map((l) => [l.code, l.modifiers, l.chargeAmount, l.stateSupplied])).toEqual([
      ['90471', [], '25.00', undefined],
      ['90656', [], '26.00', undefined],
    ]);
  });

  it('a non-VFC admin still needs its product line: the pairing rule is unchanged for ordinary doses', () => {
    const r = build('SYNCOM01', [charge({ vfcEligibility: 'V01' })]);
    const pairing = scrub(asClaim(r.drafts[0]!.claim)).filter((f) => f.ruleId === 'vaccine-admin-product');
    expect(pairing).toHaveLength(1);
  });

  it('a Medicaid claim with a VFC product line but no administration is still refused by the pairing rule', () => {
    const [, product] = vfcDose();
    const r = build('SYNMCD01', [product!]);
    const pairing = scrub(asClaim(r.drafts[0]!.claim)).filter((f) => f.ruleId === 'vaccine-admin-product');
    expect(pairing).toHaveLength(1);
  });

  it('vfcProductLine takes none or sl-zero; anything else is a config error at its line', () => {
    const bad = BILLING_YAML.replace('vfcProductLine: sl-zero', 'vfcProductLine: zero');
    let issues: string[] = [];
    try {
      parseBillingConfigText(bad, 'billing.yaml', {}, '/data');
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      issues = err.issues.map((i) => `${i.line} ${i.reason}`);
    }
    const line = BILLING_YAML.split('\n').findIndex((l) => l.includes('vfcProductLine: sl-zero')) + 1;
    expect(issues).toEqual([expect.stringMatching(new RegExp(`^${line} .*must be none or sl-zero`))]);
  });
});

describe('vfc.ts', () => {
  it('V02-V05 (any case, trimmed) are state stock; V01, V00, empty are not', () => {
    expect(['V02', 'V03', 'v04', ' V05 '].map((v) => isStateSupplied({ vfcEligibility: v }))).toEqual([true, true, true, true]);
    expect(['V01', 'V00', '', null, undefined].map((v) => isStateSupplied({ vfcEligibility: v }))).toEqual([false, false, false, false, false]);
  });

  it('productLineTerms keeps at most four modifiers with SL first; admin lines and mode none are as charged', () => {
    const product = charge({ serviceKind: 'vaccine-product', vfcEligibility: 'V02', chargeAmount: '9.99', modifiers: ['AA', 'BB', 'CC', 'DD'] });
    expect(productLineTerms(product, 'sl-zero')).toEqual({ modifiers: ['SL', 'AA', 'BB', 'CC'], chargeAmount: '0.00' });
    expect(productLineTerms(product, 'none')).toEqual({ modifiers: ['AA', 'BB', 'CC', 'DD'], chargeAmount: '9.99' });
    expect(productLineTerms(charge({ vfcEligibility: 'V02' }), 'sl-zero')).toEqual({ modifiers: [], chargeAmount: '25.00' });
  });
});

describe('held charges are never claimed', () => {
  it('a held product is listed with the mapping\'s reason and its message; the admin of the dose is claimed', () => {
    const admin = charge({ code: '90471' });
    const held = charge({
      code: '999', codeSystem: 'CVX', serviceKind: 'vaccine-product', chargeAmount: '0.00', status: 'held',
      holdReason: 'no product code for CVX 999 on 2026-10-01', messageId: '42',
    });
    const r = build('SYNCOM01', [admin, held]);
    expect(r.held).toEqual([{ chargeId: held.id, reason: 'charge-held', message: 'no product code for CVX 999 on 2026-10-01', messageId: '42' }]);
    expect(r.drafts.flatMap((d) => d.claim.lines.map((l) => l.chargeId))).toEqual([admin.id]);
  });

  it('a held charge is listed even when the patient has no coverage (nothing else is looked at)', () => {
    const held = charge({ status: 'held', holdReason: 'no fee for product 90653 (table productFees)' });
    const r = buildClaims({ charges: [held], patients: [], coverages: [], config });
    expect(r.held).toEqual([{ chargeId: held.id, reason: 'charge-held', message: 'no fee for product 90653 (table productFees)' }]);
    expect(r.drafts).toEqual([]);
  });
});
