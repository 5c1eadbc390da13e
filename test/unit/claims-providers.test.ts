/**
 * Providers a claim names (src/billing/providers/directory.ts and the build): billing.yaml `providers` together
 * with the imported ones (billing.yaml wins for names; an NPPES deactivation applies to every NPI), and the build
 * holding a claim for a provider it cannot name or an NPI deactivated on the date of service. Synthetic NPIs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildClaims, type BuildInput } from '../../src/billing/claims/build';
import type { ChargeInput, CoverageInput, PatientInput } from '../../src/billing/claims/inputs';
import { parseBillingConfigText } from '../../src/billing/config';
import { deactivatedAsOf, providerDirectory, type ImportedProvider } from '../../src/billing/providers/directory';

const config = parseBillingConfigText(
  fs.readFileSync(path.join(__dirname, '../../billing/billing.yaml'), 'utf8'), 'billing.yaml', {}, '/data');
const PHARMACIST = '1245319599'; // in billing.yaml
const PRESCRIBER = '1555555550';
const CLINIC = '1666666668';

const charge = (over: Partial<ChargeInput> = {}): ChargeInput => ({
  id: '1', status: 'active', serviceDate: '2026-01-15', patientRef: 'P1', serviceKind: 'poc-test', codeSystem: 'CPT', code: '83036',
  modifiers: ['QW'], units: '1', chargeAmount: '30.00', diagnoses: ['E11.9'], renderingNpi: PHARMACIST, orderingNpi: PRESCRIBER, ndc: null,
  ndcQuantity: null, ndcUnit: null, rxNumber: null, placeOfService: null, ...over,
});
const patient: PatientInput = {
  patientRef: 'P1', familyName: 'TESTPATIENT', givenName: 'ALEX', birthDate: '1950-01-01', sex: 'F', addressLine1: '1 ELM ST',
  addressLine2: null, city: 'ANYTOWN', state: 'NY', postalCode: '10001',
};
const coverage: CoverageInput = {
  id: 'c1', patientRef: 'P1', payerId: 'SYNMCR01', payerName: 'X', memberId: 'M1', groupNumber: null, groupName: null, planType: 'MB',
  relationship: '18', priority: 1, effectiveDate: '2025-01-01', expirationDate: null, asOf: '2025-12-01T00:00:00.000Z',
  subscriberFamilyName: null, subscriberGivenName: null, subscriberBirthDate: null, subscriberSex: null,
};
const imported = (...providers: ImportedProvider[]) => new Map(providers.map((p) => [p.npi, p]));
const build = (over: Partial<BuildInput> = {}) =>
  buildClaims({ charges: [charge()], patients: [patient], coverages: [coverage], config, ...over }).drafts[0]!;

describe('providerDirectory', () => {
  it('knows billing.yaml and imported providers; billing.yaml wins on names, the import\'s deactivation still applies', () => {
    const dir = providerDirectory(config.providers, imported(
      { npi: PHARMACIST, familyName: 'NPPESNAME', deactivatedOn: '2026-02-01' },
      { npi: PRESCRIBER, familyName: 'PRESCRIBER', givenName: 'SAMPLE', taxonomy: '207Q00000X' },
    ));
    expect(dir.lookup(PHARMACIST)).toEqual({
      npi: PHARMACIST, familyName: 'SAMPLE', givenName: 'PHARMACIST', taxonomy: '183500000X', deactivatedOn: '2026-02-01', source: 'billing.yaml',
    });
    expect(dir.lookup(PRESCRIBER)).toMatchObject({ familyName: 'PRESCRIBER', source: 'import' });
    expect(dir.lookup(CLINIC)).toBeUndefined();
  });
  it('a deactivation holds from its date until a later reactivation', () => {
    expect(deactivatedAsOf({ deactivatedOn: '2025-06-01' }, '2025-05-31')).toBeUndefined();
    expect(deactivatedAsOf({ deactivatedOn: '2025-06-01' }, '2025-06-01')).toBe('2025-06-01');
    expect(deactivatedAsOf({ deactivatedOn: '2025-06-01', reactivatedOn: '2025-09-01' }, '2025-08-31')).toBe('2025-06-01');
    expect(deactivatedAsOf({ deactivatedOn: '2025-06-01', reactivatedOn: '2025-09-01' }, '2025-09-01')).toBeUndefined();
    expect(deactivatedAsOf({}, '2025-09-01')).toBeUndefined();
  });
});

describe('the build names providers from billing.yaml and the import', () => {
  it('an ordering prescriber missing from both holds the claim, naming the NPI and its role only', () => {
    const draft = build();
    expect(draft.claim.lines[0]!.orderingProvider).toBeUndefined();
    expect(draft.findings).toEqual([expect.objectContaining({
      ruleId: 'provider-named', severity: 'error', lineNumber: 1, message: expect.stringMatching(/^add this provider: ordering NPI 1555555550 /),
    })]);
    expect(draft.findings[0]!.message).not.toMatch(/TESTPATIENT|ALEX|1950|P1\b/);
  });
  it('once imported, the prescriber is named on the line (2420E) with no finding', () => {
    const draft = build({ providers: imported({ npi: PRESCRIBER, familyName: 'PRESCRIBER', givenName: 'SAMPLE', taxonomy: '207Q00000X' }) });
    expect(draft.findings).toEqual([]);
    expect(draft.claim.lines[0]!.orderingProvider).toEqual({ npi: PRESCRIBER, familyName: 'PRESCRIBER', givenName: 'SAMPLE', taxonomy: '207Q00000X' });
    expect(draft.claim.renderingProvider).toMatchObject({ npi: PHARMACIST, familyName: 'SAMPLE' });
  });
  it('an imported organisation names a rendering provider too; a rendering pharmacist missing from both is "add this provider"', () => {
    const org = build({ charges: [charge({ renderingNpi: CLINIC, orderingNpi: null })], providers: imported({ npi: CLINIC, organizationName: 'SAMPLE CLINIC' }) });
    expect(org.findings).toEqual([]);
    expect(org.claim.renderingProvider).toEqual({ npi: CLINIC, organizationName: 'SAMPLE CLINIC' });
    const missing = build({ charges: [charge({ renderingNpi: CLINIC, orderingNpi: null })] });
    expect(missing.findings.map((f) => f.message)).toEqual([expect.stringMatching(/^add this provider: rendering NPI 1666666668 /)]);
  });
  it('an NPI deactivated on or before the date of service holds the claim; a nameless NPPES stub is not a name', () => {
    const gone = build({ providers: imported({ npi: PRESCRIBER, familyName: 'PRESCRIBER', deactivatedOn: '2026-01-10' }) });
    expect(gone.findings).toEqual([expect.objectContaining({
      severity: 'error', message: 'ordering NPI 1555555550 was deactivated on 2026-01-10 (NPPES): payers reject it; bill the service under an active NPI',
    })]);
    const later = build({ providers: imported({ npi: PRESCRIBER, familyName: 'PRESCRIBER', deactivatedOn: '2026-01-16' }) });
    expect(later.findings).toEqual([]);
    const stub = build({ providers: imported({ npi: PRESCRIBER, deactivatedOn: '2026-03-01' }) });
    expect(stub.findings.map((f) => f.message)).toEqual([expect.stringMatching(/^add this provider: ordering NPI 1555555550/)]);
  });
});
