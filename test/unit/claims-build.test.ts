/** Claim building (src/billing/claims/build.ts): grouping, splitting, diagnoses, parties, held and excluded charges. */
import fs from 'node:fs';
import path from 'node:path';
import { buildClaims, coverageInForce, type BuildInput } from '../../src/billing/claims/build';
import type { ChargeInput, CoverageInput, PatientInput } from '../../src/billing/claims/inputs';
import { parseBillingConfigText } from '../../src/billing/config';

const config = parseBillingConfigText(
  fs.readFileSync(path.join(__dirname, '../../billing/billing.yaml'), 'utf8'), 'billing.yaml', {}, '/data');

let nextId = 1;
function charge(over: Partial<ChargeInput> = {}): ChargeInput {
  return {
    id: String(nextId++), status: 'active', serviceDate: '2026-01-15', patientRef: 'P1', serviceKind: 'immunization-admin',
    codeSystem: 'CPT', code: '90471', modifiers: [], units: '1.000', chargeAmount: '25.00', diagnoses: ['Z23'],
    renderingNpi: null, orderingNpi: null, ndc: null, ndcQuantity: null, ndcUnit: null, rxNumber: null, placeOfService: null,
    ...over,
  };
}

function patient(ref: string, over: Partial<PatientInput> = {}): PatientInput {
  return {
    patientRef: ref, familyName: 'TESTPATIENT', givenName: 'ALEX', birthDate: '1980-01-01', sex: 'F',
    addressLine1: '1 ELM ST', addressLine2: null, city: 'ANYTOWN', state: 'NY', postalCode: '10001', ...over,
  };
}

function coverage(ref: string, over: Partial<CoverageInput> = {}): CoverageInput {
  return {
    id: `c-${ref}-${over.payerId ?? 'SYNCOM01'}-${over.priority ?? 1}`, patientRef: ref, payerId: 'SYNCOM01', payerName: 'X',
    memberId: `M-${ref}`, groupNumber: 'G1', groupName: null, planType: 'CI', relationship: '18', priority: 1,
    effectiveDate: '2025-01-01', expirationDate: null, asOf: '2025-12-01T00:00:00.000Z', subscriberFamilyName: null,
    subscriberGivenName: null, subscriberBirthDate: null, subscriberSex: null, ...over,
  };
}

const build = (over: Partial<BuildInput>) => buildClaims({ charges: [], patients: [patient('P1'), patient('P2')],
  coverages: [coverage('P1'), coverage('P2')], config, ...over });

describe('buildClaims: grouping', () => {
  it('groups by patient, payer and date of service; lines keep charge order', () => {
    const a = charge({ code: '90471' });
    const b = charge({ code: '90686', serviceKind: 'vaccine-product' });
    const otherDay = charge({ serviceDate: '2026-01-16' });
    const otherPatient = charge({ patientRef: 'P2' });
    const r = build({ charges: [otherPatient, b, otherDay, a] });
    expect(r.held).toEqual([]);
    expect(r.drafts.map((d) => [d.claim.patient.patientRef, d.claim.lines[0]!.serviceDate, d.claim.lines.map((l) => l.chargeId)])).toEqual([
      ['P1', '2026-01-15', [a.id, b.id]],
      ['P1', '2026-01-16', [otherDay.id]],
      ['P2', '2026-01-15', [otherPatient.id]],
    ]);
    const first = r.drafts[0]!.claim;
    expect(first).toMatchObject({
      frequency: '1', payer: { id: 'SYNCOM01', name: 'SYNTHETIC COMMERCIAL HEALTH PLAN' }, placeOfService: '01',
      totalCharge: '50.00', diagnoses: ['Z23'], billingProvider: { npi: '1234567893' },
    });
    expect(first.lines.map((l) => [l.lineNumber, l.code, l.units, l.diagnosisPointers])).toEqual([[1, '90471', '1', [1]], [2, '90686', '1', [1]]]);
  });

  it('splits a patient on two payers (the coverage in force differs by date) into two claims', () => {
    const r = build({
      charges: [charge({ serviceDate: '2025-06-01' }), charge({ serviceDate: '2026-02-01' })],
      coverages: [
        coverage('P1', { payerId: 'SYNCOM01', expirationDate: '2025-12-31' }),
        coverage('P1', { payerId: 'SYNMCR01', planType: 'MB', effectiveDate: '2026-01-01' }),
      ],
    });
    expect(r.drafts.map((d) => [d.claim.payer.id, d.claim.subscriber.filingIndicator])).toEqual([['SYNCOM01', 'CI'], ['SYNMCR01', 'MB']]);
  });

  it('splits beyond 50 lines: 120 charges of one visit → 50 + 50 + 20, each totalled on its own', () => {
    const charges = Array.from({ length: 120 }, () => charge({ chargeAmount: '1.10' }));
    const r = build({ charges });
    expect(r.drafts.map((d) => d.claim.lines.length)).toEqual([50, 50, 20]);
    expect(r.drafts.map((d) => d.claim.totalCharge)).toEqual(['55.00', '55.00', '22.00']);
    expect(r.drafts[1]!.claim.lines[0]).toMatchObject({ lineNumber: 1, chargeId: charges[50]!.id });
    expect(new Set(r.drafts.flatMap((d) => d.claim.lines.map((l) => l.chargeId))).size).toBe(120);
  });

  it('collects diagnoses in order of first use, points each line at its first four, and splits beyond 12', () => {
    const dx = (n: number) => `Z${String(n).padStart(2, '0')}.1`;
    const lines = [
      charge({ diagnoses: ['e11.9', 'Z23', 'I10', 'E78.5', 'J45.909'] }), // fifth code is not pointed
      charge({ diagnoses: ['Z23', 'E11.9'] }),
      charge({ diagnoses: [] }),
    ];
    const r = build({ charges: lines });
    const claim = r.drafts[0]!.claim;
    expect(claim.diagnoses).toEqual(['E11.9', 'Z23', 'I10', 'E78.5']);
    expect(claim.lines.map((l) => l.diagnosisPointers)).toEqual([[1, 2, 3, 4], [2, 1], []]);

    const many = Array.from({ length: 4 }, (_, i) => charge({ diagnoses: [dx(4 * i), dx(4 * i + 1), dx(4 * i + 2), dx(4 * i + 3)] }));
    const split = build({ charges: many });
    expect(split.drafts.map((d) => d.claim.diagnoses.length)).toEqual([12, 4]);
    expect(split.drafts[1]!.claim.lines[0]!.diagnosisPointers).toEqual([1, 2, 3, 4]);
  });

  it('never claims a reversed charge or a reversal line', () => {
    const r = build({ charges: [charge({ status: 'reversed' }), charge({ status: 'reversal', chargeAmount: '-25.00' })] });
    expect(r).toEqual({ drafts: [], held: [], excluded: [], priced: [] });
  });
});

describe('buildClaims: charges that are not claimed', () => {
  it('holds a charge without coverage on its date of service, naming it (not dropped)', () => {
    const early = charge({ serviceDate: '2024-06-01' });
    const none = charge({ patientRef: 'P9' });
    const r = build({ charges: [early, none] });
    expect(r.drafts).toEqual([]);
    expect(r.held).toEqual([
      { chargeId: early.id, reason: 'no-coverage', message: 'no coverage on the date of service' },
      { chargeId: none.id, reason: 'no-coverage', message: 'no coverage on the date of service' },
    ]);
  });

  it('holds charges whose coverage has no payer id or a payer not in billing.yaml', () => {
    const c1 = charge();
    const c2 = charge({ patientRef: 'P2' });
    const r = build({ charges: [c1, c2], coverages: [coverage('P1', { payerId: null }), coverage('P2', { payerId: 'NEW-PAYER-77' })] });
    expect(r.held.map((h) => [h.chargeId, h.reason])).toEqual([[c1.id, 'no-payer-id'], [c2.id, 'payer-not-configured']]);
    expect(r.held[1]).toMatchObject({ payerId: 'NEW-PAYER-77', message: 'payer NEW-PAYER-77 is not in the billing configuration' });
  });

  it('excludes lines the payer routes to NCPDP (per payer, and per service kind) and claims the rest', () => {
    const admin = charge();
    const dispense = charge({ serviceKind: 'dispense', codeSystem: 'NDC', code: '00006494300' });
    const pbm = charge({ patientRef: 'P2' });
    const r = build({ charges: [admin, dispense, pbm], coverages: [coverage('P1'), coverage('P2', { payerId: 'SYNPBM01' })] });
    expect(r.drafts.map((d) => d.claim.lines.map((l) => l.chargeId))).toEqual([[admin.id]]);
    expect(r.excluded).toEqual([
      { chargeId: dispense.id, reason: 'ncpdp-route', payerId: 'SYNCOM01', message: 'payer SYNCOM01 takes dispense lines through NCPDP (not built)' },
      { chargeId: pbm.id, reason: 'ncpdp-route', payerId: 'SYNPBM01', message: 'payer SYNPBM01 takes immunization-admin lines through NCPDP (not built)' },
    ]);
    expect(r.held).toEqual([]);
  });

  it('holds a line an 837P cannot carry (an NDC-coded line routed to 837P)', () => {
    const ndcLine = charge({ serviceKind: 'other', codeSystem: 'NDC', code: '00006494300' });
    const r = build({ charges: [ndcLine] });
    expect(r.held).toEqual([expect.objectContaining({ chargeId: ndcLine.id, reason: 'code-not-billable' })]);
  });
});

describe('buildClaims: subscriber, patient and providers', () => {
  it('relationship 18: the patient is the subscriber (name, birth date, address from the patient)', () => {
    const claim = build({ charges: [charge()] }).drafts[0]!.claim;
    expect(claim.subscriber).toEqual({
      memberId: 'M-P1', groupNumber: 'G1', payerResponsibility: 'P', filingIndicator: 'CI', familyName: 'TESTPATIENT',
      givenName: 'ALEX', birthDate: '1980-01-01', sex: 'F', address: { line1: '1 ELM ST', city: 'ANYTOWN', state: 'NY', zip: '10001' },
    });
    expect(claim.patient.relationship).toBe('18');
  });

  it('another subscriber: name, birth date and sex from the coverage; the patient keeps their own', () => {
    const cov = coverage('P1', {
      relationship: '19', subscriberFamilyName: 'PARENT', subscriberGivenName: 'SAM', subscriberBirthDate: '1970-02-02',
      subscriberSex: 'M', planType: 'ZZZ', priority: 2,
    });
    const claim = build({ charges: [charge()], coverages: [cov] }).drafts[0]!.claim;
    // The only coverage in force pays first whatever the feed's COB priority says: SBR01 P (an S claim needs the
    // other payer's loops).
    expect(claim.subscriber).toEqual({
      memberId: 'M-P1', groupNumber: 'G1', payerResponsibility: 'P', filingIndicator: 'CI', familyName: 'PARENT', givenName: 'SAM',
      birthDate: '1970-02-02', sex: 'M',
    });
    expect(claim.patient).toMatchObject({ patientRef: 'P1', familyName: 'TESTPATIENT', relationship: '19' });
    // No relationship given: self, unless the coverage names someone else (then G8).
    const noRel = build({ charges: [charge()], coverages: [coverage('P1', { relationship: null, subscriberFamilyName: 'OTHER' })] });
    expect(noRel.drafts[0]!.claim.patient.relationship).toBe('G8');
  });

  it('names rendering and ordering providers from billing.yaml; holds the claim for one it cannot name ("add this provider")', () => {
    const known = '1245319599';
    const unknown = '1538476270'; // passes the check digit, not in billing.yaml
    const r = build({ charges: [charge({ renderingNpi: known, orderingNpi: unknown }), charge({ renderingNpi: known, serviceKind: 'vaccine-product', code: '90686' })] });
    const claim = r.drafts[0]!.claim;
    expect(claim.renderingProvider).toEqual({ npi: known, familyName: 'SAMPLE', givenName: 'PHARMACIST', taxonomy: '183500000X' });
    expect(claim.lines[0]!.renderingProvider).toBeUndefined();
    expect(claim.lines[0]!.orderingProvider).toBeUndefined();
    expect(r.drafts[0]!.findings).toEqual([{
      ruleId: 'provider-named', severity: 'error', scope: 'line', lineNumber: 1,
      message: 'add this provider: ordering NPI 1538476270 is not in billing.yaml providers nor imported (rxbridge providers import), '
        + 'so the claim cannot name its ordering provider; then correct the claim',
    }]);
    const bad = build({ charges: [charge({ renderingNpi: '9941339108' })] });
    expect(bad.drafts[0]!.findings).toEqual([expect.objectContaining({ severity: 'error', message: 'rendering NPI 9941339108 must start with 1 or 2' })]);
  });

  it('keeps NDC details on the line and a line place of service only where it differs from the claim', () => {
    const r = build({ charges: [
      charge({ placeOfService: '12' }),
      charge({ placeOfService: '01', serviceKind: 'vaccine-product', code: '90686', ndc: '49281042188', ndcQuantity: '0.500', ndcUnit: 'ML' }),
    ] });
    const claim = r.drafts[0]!.claim;
    expect(claim.placeOfService).toBe('12');
    expect(claim.lines[0]!.placeOfService).toBeUndefined();
    expect(claim.lines[1]).toMatchObject({ placeOfService: '01', ndc: '49281042188', ndcQuantity: '0.5', ndcUnit: 'ML' });
  });
});

describe('coverageInForce', () => {
  it('takes the lowest priority in force on the date, then the newest as_of', () => {
    const primary = coverage('P1', { id: 'a', priority: 1, asOf: '2025-01-01T00:00:00.000Z' });
    const newerPrimary = coverage('P1', { id: 'b', priority: 1, asOf: '2025-06-01T00:00:00.000Z' });
    const secondary = coverage('P1', { id: 'c', priority: 2 });
    const expired = coverage('P1', { id: 'd', priority: 0, expirationDate: '2025-12-31' });
    expect(coverageInForce([secondary, primary, newerPrimary, expired], '2026-01-15')?.id).toBe('b');
    expect(coverageInForce([secondary, primary, newerPrimary, expired], '2025-07-01')?.id).toBe('d');
    expect(coverageInForce([secondary], '2024-12-31')).toBeUndefined();
  });
});
