/**
 * Claim building decides what the payer on the date of service needs (src/billing/claims/build.ts with
 * ./vaccine-admin.ts): SBR09 from the payer's configuration, vaccine administration codes from the stored
 * coverage (not from an IN1 inside the VXU), routing by code and code list, and the address the 837P requires.
 * Charges come from the shipped VXU mapping where the case starts with a message; config and payer rules are the
 * shipped samples (read, never written). All data is synthetic.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildClaims, type BuildInput } from '../../src/billing/claims/build';
import type { ChargeInput, CoverageInput, PatientInput } from '../../src/billing/claims/inputs';
import { parseBillingConfigText } from '../../src/billing/config';
import type { Claim } from '../../src/billing/model';
import { isHeld, scrubClaim } from '../../src/billing/scrub';
import { loadPayerRulesDir } from '../../src/billing/scrub/payer-rules-files';
import { check837P } from '../../src/billing/x12-837p-check';
import { write837P } from '../../src/billing/x12-837p';
import { EngineError } from '../../src/core/errors';
import { parseHl7 } from '../../src/hl7/parse';
import { evaluateMapping } from '../../src/mappings/evaluate';
import { loadMappings } from '../../src/mappings/load';
import { context, fakeCodeSets } from './scrub-fixtures';

const ROOT = path.join(__dirname, '../..');
const config = parseBillingConfigText(fs.readFileSync(path.join(ROOT, 'billing/billing.yaml'), 'utf8'), 'billing.yaml', {}, '/data');
const payerRules = loadPayerRulesDir(path.join(ROOT, 'billing/payer-rules'));
const mappings = loadMappings(path.join(ROOT, 'mappings'), {});
const vxu = mappings.get('vxu-v04')!;
const adt = mappings.get('adt')!;
const DOS = '2026-10-02';

function patient(ref: string, over: Partial<PatientInput> = {}): PatientInput {
  return {
    patientRef: ref, familyName: 'TESTPATIENT', givenName: 'ALEX', birthDate: '1950-01-01', sex: 'F',
    addressLine1: '1 ELM ST', addressLine2: null, city: 'ANYTOWN', state: 'NY', postalCode: '10001', ...over,
  };
}

function coverage(ref: string, payerId: string, over: Partial<CoverageInput> = {}): CoverageInput {
  return {
    id: `c-${ref}-${payerId}`, patientRef: ref, payerId, payerName: payerId, memberId: `M-${ref}`, groupNumber: null, groupName: null,
    planType: null, relationship: '18', priority: 1, effectiveDate: '2025-01-01', expirationDate: null,
    asOf: '2025-12-01T00:00:00.000Z', subscriberFamilyName: null, subscriberGivenName: null, subscriberBirthDate: null,
    subscriberSex: null, ...over,
  };
}

let nextId = 1;
function charge(over: Partial<ChargeInput> = {}): ChargeInput {
  return {
    id: String(nextId++), status: 'active', serviceDate: DOS, patientRef: 'P1', serviceKind: 'immunization-admin',
    codeSystem: 'CPT', code: '90471', modifiers: [], units: '1', chargeAmount: '25.00', diagnoses: ['Z23'],
    renderingNpi: null, orderingNpi: null, ndc: null, ndcQuantity: null, ndcUnit: null, rxNumber: null, placeOfService: null,
    transactionId: null, ...over,
  };
}

const build = (over: Partial<BuildInput>) => buildClaims({ charges: [], patients: [patient('P1')], coverages: [], config, payerRules, ...over });
const codes = (claim: { lines: ReadonlyArray<{ code: string }> }) => claim.lines.map((l) => l.code);

/** A VXU^V04 without IN1: one RXA group per CVX, given on DOS by injection. */
function vxuWithoutIn1(patientId: string, cvxs: readonly string[]): string {
  const doses = cvxs.flatMap((cvx, i) => [
    `ORC|RE||DOSE-${patientId}-${i + 1}^PHARM01`,
    `RXA|0|1|${DOS.replace(/-/g, '')}103000||${cvx}^vaccine^CVX|0.5|mL^mL^UCUM||00^New administration^NIP001|1245319599^PHARMACIST^SAMPLE^^^^^^NPI|^^^PHARM01||||LOT${i}|20270630|PMC^Sanofi^MVX|||CP|A`,
    'RXR|C28161^Intramuscular^NCIT',
  ]);
  return [
    'MSH|^~\\&|RXSYS|PHARM01|IIS|STATE|20261002103000||VXU^V04^VXU_V04|VXU-NO-IN1|P|2.5.1',
    `PID|1||${patientId}^^^PHARM01^MR||TESTPATIENT^ALEX||19500101|F`,
    ...doses,
  ].join('\r');
}

/** The VXU mapping's charges as the store hands them to the build (ids in insertion order). */
function chargesOf(message: string): ChargeInput[] {
  return evaluateMapping(vxu, parseHl7(message), { channel: 'pharmacy-inbound', sender: 'RXSYS|PHARM01', controlId: 'VXU-NO-IN1' })
    .charges.map((r) => charge({
      serviceDate: r.serviceDate, patientRef: r.patientRef, serviceKind: r.serviceKind, codeSystem: r.codeSystem, code: r.code,
      chargeAmount: r.chargeAmount!, diagnoses: r.diagnoses, transactionId: r.transactionId,
    }));
}

/** Scrubs with the shipped payer rules and every code the cases bill known. */
function scrub(claim: Claim) {
  const ok = { valid: true, billable: true, release: 'test' };
  const cpt = Object.fromEntries(['90732', '90750', '90656', '90471', '90472'].map((c) => [c, ok]));
  return scrubClaim(claim, context({ payerRules, today: '2026-10-10', codeSets: fakeCodeSets({ cpt }) }));
}

const asClaim = (body: Omit<Claim, 'id' | 'controlNumber'>, n = 1): Claim => ({ ...body, id: String(n), controlNumber: `RXT${n}` });

describe('SBR09: the payer\'s filing indicator wins over the coverage plan type', () => {
  it('a Medicare Part B payer configured MB with a feed plan type MC → SBR09 MB in the 837P and a warning', () => {
    const r = build({
      charges: [charge({ code: 'G0008', codeSystem: 'HCPCS' }), charge({ code: '90656', serviceKind: 'vaccine-product' })],
      coverages: [coverage('P1', 'SYNMCR01', { planType: 'MC' })],
    });
    const draft = r.drafts[0]!;
    expect(draft.claim.subscriber.filingIndicator).toBe('MB');
    expect(draft.findings).toEqual([expect.objectContaining({ ruleId: 'filing-indicator-mismatch', severity: 'warning', scope: 'claim' })]);
    expect(draft.findings[0]!.message).toContain('plan type MC');
    expect(draft.findings[0]!.message).toContain('filing indicator MB');
    const text = write837P([asClaim(draft.claim)], config.interchange, { interchange: 1, group: 1, transactionSet: 1 }, new Date('2026-10-10T12:00:00Z'));
    expect(text.split('\n')).toContain('SBR*P*18*******MB~');
    expect(text).not.toMatch(/SBR\*[^~]*\*MC~/);
    expect(check837P(text)).toEqual([]);
  });

  it('a commercial payer configured CI with plan type HM (HMO after the crosswalk) → CI and a warning', () => {
    const r = build({ charges: [charge({ code: '99606', serviceKind: 'mtm' })], coverages: [coverage('P1', 'SYNCOM01', { planType: 'HM' })] });
    expect(r.drafts[0]!.claim.subscriber.filingIndicator).toBe('CI');
    expect(r.drafts[0]!.findings.map((f) => [f.ruleId, f.severity])).toEqual([['filing-indicator-mismatch', 'warning']]);
  });

  it('a plan type that matches, or none, or one that is not an SBR09 code → no warning', () => {
    for (const planType of ['CI', 'ci', null, '', 'GOLD-PLAN']) {
      const r = build({ charges: [charge({ code: '99606', serviceKind: 'mtm' })], coverages: [coverage('P1', 'SYNCOM01', { planType })] });
      expect(r.drafts[0]!.claim.subscriber.filingIndicator).toBe('CI');
      expect(r.drafts[0]!.findings).toEqual([]);
    }
  });
});

describe('Medicare administration codes from the stored coverage in force on the date of service', () => {
  it('a VXU flu dose without IN1 for a patient whose stored coverage is Medicare Part B → G0008 + the flu product', () => {
    const charges = chargesOf(vxuWithoutIn1('P1', ['140']));
    expect(charges.map((c) => c.code)).toEqual(['90471', '90656']); // the mapping, without IN1, said commercial
    const r = build({ charges, coverages: [coverage('P1', 'SYNMCR01', { planType: 'MB' })] });
    expect(r.held).toEqual([]);
    const claim = r.drafts[0]!.claim;
    expect(claim.lines.map((l) => [l.code, l.codeSystem, l.chargeAmount, l.chargeId])).toEqual([
      ['G0008', 'HCPCS', '25.00', charges[0]!.id], // the charge's amount; the line carries the billed code
      ['90656', 'CPT', '28.00', charges[1]!.id],
    ]);
    expect(charges[0]!.code).toBe('90471'); // the charge itself keeps what the mapping recorded
    expect(r.drafts[0]!.findings).toEqual([expect.objectContaining({
      ruleId: 'vaccine-admin-code', severity: 'info', lineNumber: 1,
      message: expect.stringContaining('recorded 90471 is billed as G0008: payer SYNMCR01 is Medicare Part B'),
    })]);
    const findings = scrub(asClaim(claim));
    expect(findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it('the same patient with commercial coverage → 90471', () => {
    const charges = chargesOf(vxuWithoutIn1('P1', ['140']));
    const r = build({ charges, coverages: [coverage('P1', 'SYNCOM01', { planType: 'CI' })] });
    expect(codes(r.drafts[0]!.claim)).toEqual(['90471', '90656']);
    expect(r.drafts[0]!.findings).toEqual([]);
  });

  it('pneumococcal + flu the same day for Medicare → G0008 + G0009, one per product, and the claim is not held', () => {
    const charges = chargesOf(vxuWithoutIn1('P1', ['33', '140']));
    expect(charges.map((c) => c.code)).toEqual(['90471', '90472', '90732', '90656']);
    const r = build({ charges, coverages: [coverage('P1', 'SYNMCR01', { planType: 'MB' })] });
    const claim = r.drafts[0]!.claim;
    expect(codes(claim)).toEqual(['G0009', 'G0008', '90732', '90656']);
    expect(isHeld(scrub(asClaim(claim)))).toBe(false);
  });

  it('a G0008 recorded from an IN1 in the message is billed 90471 when the coverage on the date of service is commercial', () => {
    const r = build({
      charges: [charge({ code: 'G0008', codeSystem: 'HCPCS', chargeAmount: '33.00' }), charge({ code: '90656', serviceKind: 'vaccine-product' })],
      coverages: [coverage('P1', 'SYNCOM01')],
    });
    expect(r.drafts[0]!.claim.lines.map((l) => [l.code, l.codeSystem, l.chargeAmount])).toEqual([['90471', 'CPT', '33.00'], ['90656', 'CPT', '25.00']]);
    expect(r.drafts[0]!.findings[0]!.message).toContain('payer SYNCOM01 has no Medicare Part B rules');
  });

  it('follows the coverage in force on each date: Medicare from its effective date, commercial before', () => {
    const before = chargesOf(vxuWithoutIn1('P1', ['140'])).map((c) => ({ ...c, serviceDate: '2025-12-01' }));
    const after = chargesOf(vxuWithoutIn1('P1', ['140']));
    const r = build({
      charges: [...before, ...after],
      coverages: [
        coverage('P1', 'SYNCOM01', { expirationDate: '2025-12-31' }),
        coverage('P1', 'SYNMCR01', { effectiveDate: '2026-01-01' }),
      ],
    });
    expect(r.drafts.map((d) => [d.claim.payer.id, codes(d.claim)])).toEqual([
      ['SYNCOM01', ['90471', '90656']],
      ['SYNMCR01', ['G0008', '90656']],
    ]);
  });
});

describe('routing by code: a Part D vaccine leaves the Medicare claim, the flu claim stays payable', () => {
  it('zoster (90750) and its administration are excluded to NCPDP; the flu lines of the day form a ready claim', () => {
    const charges = chargesOf(vxuWithoutIn1('P1', ['140', '187']));
    expect(charges.map((c) => c.code)).toEqual(['90471', '90472', '90656', '90750']);
    const r = build({ charges, coverages: [coverage('P1', 'SYNMCR01', { planType: 'MB' })] });
    expect(r.held).toEqual([]);
    expect(r.excluded).toEqual([
      {
        chargeId: charges[1]!.id, reason: 'ncpdp-route', payerId: 'SYNMCR01',
        message: 'payer SYNMCR01 takes the administration of code 90750 (code list medicarePartDVaccines) through NCPDP (not built)',
      },
      {
        chargeId: charges[3]!.id, reason: 'ncpdp-route', payerId: 'SYNMCR01',
        message: 'payer SYNMCR01 takes code 90750 (code list medicarePartDVaccines) through NCPDP (not built)',
      },
    ]);
    expect(r.drafts).toHaveLength(1);
    const claim = r.drafts[0]!.claim;
    expect(codes(claim)).toEqual(['G0008', '90656']);
    const findings = scrub(asClaim(claim));
    expect(findings.filter((f) => f.ruleId === 'medicare-part-d-vaccine')).toEqual([]);
    expect(isHeld(findings)).toBe(false);
  });

  it('without the route the zoster lines stay on the Medicare claim and the scrubber says so (what the route fixes)', () => {
    const file = fs.readFileSync(path.join(ROOT, 'billing/billing.yaml'), 'utf8')
      .replace(/ {4}routeByCodeList:\n {6}medicarePartDVaccines: ncpdp[^\n]*\n/, '');
    const unrouted = parseBillingConfigText(file, 'billing.yaml', {}, '/data');
    const charges = chargesOf(vxuWithoutIn1('P1', ['140', '187']));
    const r = build({ charges, config: unrouted, coverages: [coverage('P1', 'SYNMCR01')] });
    expect(r.excluded).toEqual([]);
    const claim = r.drafts[0]!.claim;
    expect(codes(claim)).toEqual(['G0008', '90471', '90656', '90750']);
    expect(scrub(asClaim(claim))).toEqual(expect.arrayContaining([expect.objectContaining({ ruleId: 'medicare-part-d-vaccine', lineNumber: 4 })]));
  });

  it('the same zoster dose for a commercial patient stays on the 837P (the list is the Medicare payer\'s)', () => {
    const charges = chargesOf(vxuWithoutIn1('P1', ['140', '187']));
    const r = build({ charges, coverages: [coverage('P1', 'SYNCOM01')] });
    expect(r.excluded).toEqual([]);
    expect(codes(r.drafts[0]!.claim)).toEqual(['90471', '90472', '90656', '90750']);
  });
});

describe('the subscriber\'s or patient\'s address (2010BA / 2010CA N3/N4)', () => {
  // An ADT without PID-11 leaves the patient row without an address.
  const noAddress = patient('P1', { addressLine1: null, city: null, state: null, postalCode: null });
  const flu = () => [charge({ code: '90471' }), charge({ code: '90656', serviceKind: 'vaccine-product' })];

  it('patient is the subscriber, no PID-11 → held: the subscriber address is required; the writer refuses it too', () => {
    const r = build({ charges: flu(), patients: [noAddress], coverages: [coverage('P1', 'SYNCOM01')] });
    const claim = asClaim(r.drafts[0]!.claim);
    expect(claim.subscriber.address).toBeUndefined();
    const findings = scrub(claim);
    expect(findings.filter((f) => f.severity === 'error')).toEqual([{
      ruleId: 'address-required', severity: 'error', scope: 'claim',
      message: "subscriber address needs street, city, state and ZIP: 2010BA N3/N4 are required when the patient is the subscriber; add the patient's address (ADT PID-11) and correct the claim",
    }]);
    let thrown: unknown;
    try {
      write837P([claim], config.interchange, { interchange: 1, group: 1, transactionSet: 1 }, new Date());
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(EngineError);
    expect((thrown as EngineError).message).toContain('the subscriber address (2010BA N3/N4, required when the patient is the subscriber) needs street, city, state and ZIP');
  });

  it('a dependent patient without an address → held naming 2010CA; a partial address names what is missing', () => {
    const dependent = coverage('P1', 'SYNCOM01', { relationship: '19', subscriberFamilyName: 'TESTPARENT', subscriberGivenName: 'SAM', subscriberBirthDate: '1960-01-01', subscriberSex: 'M' });
    const none = build({ charges: flu(), patients: [noAddress], coverages: [dependent] });
    expect(scrub(asClaim(none.drafts[0]!.claim)).filter((f) => f.ruleId === 'address-required').map((f) => f.message)).toEqual([
      "patient address needs street, city, state and ZIP: 2010CA N3/N4 are required for a patient who is not the subscriber; add the patient's address (ADT PID-11) and correct the claim",
    ]);
    const partial = build({ charges: flu(), patients: [patient('P1', { city: null, postalCode: null })], coverages: [dependent] });
    expect(scrub(asClaim(partial.drafts[0]!.claim)).filter((f) => f.ruleId === 'address-required').map((f) => f.message)[0])
      .toMatch(/^patient address needs city and ZIP: 2010CA/);
  });

  it('with PID-11 the claim passes and the writer sends N3/N4 in 2010BA (self) and 2010CA (dependent)', () => {
    const self = build({ charges: flu(), coverages: [coverage('P1', 'SYNCOM01')] });
    const dependent = build({
      charges: flu().map((c) => ({ ...c, patientRef: 'P2' })), patients: [patient('P2')],
      coverages: [coverage('P2', 'SYNCOM01', { relationship: '19', subscriberFamilyName: 'TESTPARENT', subscriberBirthDate: '1960-01-01', subscriberSex: 'M' })],
    });
    const claims = [asClaim(self.drafts[0]!.claim, 1), asClaim(dependent.drafts[0]!.claim, 2)];
    for (const c of claims) expect(scrub(c).filter((f) => f.ruleId === 'address-required')).toEqual([]);
    const text = write837P(claims, config.interchange, { interchange: 1, group: 1, transactionSet: 1 }, new Date('2026-10-10T12:00:00Z'));
    const segs = text.split('\n');
    const il = segs.findIndex((s) => s.startsWith('NM1*IL'));
    expect(segs.slice(il + 1, il + 3)).toEqual(['N3*1 ELM ST~', 'N4*ANYTOWN*NY*10001~']);
    const qc = segs.findIndex((s) => s.startsWith('NM1*QC'));
    expect(segs.slice(qc + 1, qc + 3)).toEqual(['N3*1 ELM ST~', 'N4*ANYTOWN*NY*10001~']);
    expect(check837P(text)).toEqual([]);
  });
});

describe('the biller\'s case through the shipped ADT and VXU mappings', () => {
  /** An HL7 segment with the given fields by number (1-based). */
  const seg = (name: string, fields: Record<number, string>): string => {
    const max = Math.max(...Object.keys(fields).map(Number));
    return [name, ...Array.from({ length: max }, (_, i) => fields[i + 1] ?? '')].join('|');
  };
  /** An A04 without PID-11 whose IN1 names the Medicare payer with the feed's plan type MC. */
  const ADT = [
    'MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|BILLING|20260901090000||ADT^A04^ADT_A01|ADT-NO-PID11|P|2.5.1',
    'EVN|A04|20260901090000',
    'PID|1||PADT1^^^PHARM01^MR||TESTPATIENT^ALEX||19500101|F',
    'PV1|1|O',
    seg('IN1', {
      1: '1', 2: 'MCR-B^MEDICARE PART B', 3: 'SYN-MEDICARE-B', 4: 'SYNTHETIC MEDICARE', 12: '20250101', 15: 'MC',
      16: 'TESTPATIENT^ALEX', 17: 'SEL^Self^HL70063', 18: '19500101', 22: '1', 36: 'MCR-M-1',
    }),
  ].join('\r');

  it('ADT without PID-11 + Medicare IN1 (plan type MC), then a flu VXU without IN1: G0008, SBR09 MB with a warning, held for the address', () => {
    const records = evaluateMapping(adt, parseHl7(ADT), { channel: 'pharmacy-inbound', sender: 'RXSYS|PHARM01', controlId: 'ADT-NO-PID11' });
    const p = records.patients[0]!;
    const c = records.coverages[0]!;
    expect([p.addressLine1, p.city, c.payerId, c.planType, c.relationship]).toEqual([null, null, 'SYNMCR01', 'MC', '18']);
    const r = build({
      charges: chargesOf(vxuWithoutIn1('PADT1', ['140'])),
      patients: [{ ...p }],
      coverages: [{
        id: '1', patientRef: c.patientRef, payerId: c.payerId, payerName: c.payerName, memberId: c.memberId, groupNumber: c.groupNumber,
        groupName: c.groupName, planType: c.planType, relationship: c.relationship, priority: 1, effectiveDate: c.effectiveDate,
        expirationDate: c.expirationDate, asOf: c.asOf, subscriberFamilyName: c.subscriberFamilyName, subscriberGivenName: c.subscriberGivenName,
        subscriberBirthDate: c.subscriberBirthDate, subscriberSex: c.subscriberSex,
      }],
    });
    const draft = r.drafts[0]!;
    expect(codes(draft.claim)).toEqual(['G0008', '90656']);
    expect(draft.claim.subscriber.filingIndicator).toBe('MB');
    expect(draft.findings.map((f) => f.ruleId)).toEqual(['filing-indicator-mismatch', 'vaccine-admin-code']);
    const errors = scrub(asClaim(draft.claim)).filter((f) => f.severity === 'error');
    expect(errors.map((f) => f.ruleId)).toEqual(['address-required']);
  });
});
