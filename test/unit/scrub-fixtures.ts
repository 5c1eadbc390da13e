/**
 * Claim scrubbing test fixtures: a claim builder making clean claims (commercial: vaccine + waived test + MTM;
 * Medicare Part B: flu vaccine with G0008), a fake CodeSetLookup (a pure port), inline payer rules and a
 * context. All data is synthetic: NPIs pass the check digit but belong to no one; payer ids are made up.
 */
import fs from 'node:fs';
import path from 'node:path';
import { editParserFor } from '../../src/billing/codesets';
import type { CodeEdit, EditKind } from '../../src/billing/codesets/edits';
import { buildCodeEditLookup, type CodeEditLookup, type EditReleaseInfo } from '../../src/billing/codesets/edits-lookup';
import { parsePayerRules, type PayerRules } from '../../src/billing/scrub/payer-rules';
import { serviceKey, type BilledService } from '../../src/billing/scrub/billed-service';
import type { ClaimHistory, ScrubContext } from '../../src/billing/scrub/types';
import type { Claim, ClaimLine, CodeSetLookup, CodeStatus } from '../../src/billing/model';

export const NPI = { billing: '1234567893', rendering: '1987654328', ordering: '1555555550', other: '2345678900' };
export const DOS = '2025-01-15';
export const TODAY = '2025-02-01';
export const COMMERCIAL = 'SYNCOM01';
export const MEDICARE = 'SYNMCR01';
export const MEDICAID = 'SYNMCD01';

/** One line; lineNumber is set by buildClaim. */
export function line(code: string, patch: Partial<ClaimLine> = {}): ClaimLine {
  return {
    lineNumber: 0,
    chargeId: `chg-${code}`,
    code,
    codeSystem: /^[A-Z]/.test(code) ? 'HCPCS' : 'CPT',
    modifiers: [],
    units: '1',
    chargeAmount: '25.00',
    serviceDate: DOS,
    diagnosisPointers: [1],
    placeOfService: '01',
    renderingProvider: { npi: NPI.rendering, familyName: 'PHARMACIST', givenName: 'SAMPLE', taxonomy: '183500000X' },
    serviceKind: 'other',
    ...patch,
  };
}

/** Sum of line charges with 2 decimals (fixture amounts have at most 2). */
function sumOf(lines: readonly ClaimLine[]): string {
  const cents = lines.reduce((s, l) => s + Math.round(Number(l.chargeAmount) * 100), 0);
  return (cents / 100).toFixed(2);
}

const COMMERCIAL_LINES = (): ClaimLine[] => [
  line('90471', { serviceKind: 'immunization-admin', chargeAmount: '25.00' }),
  line('90686', { serviceKind: 'vaccine-product', chargeAmount: '28.00', ndc: '12345678901', ndcQuantity: '0.5', ndcUnit: 'ML' }),
  line('83036', { serviceKind: 'poc-test', modifiers: ['QW'], chargeAmount: '30.00', diagnosisPointers: [2] }),
  line('99606', { serviceKind: 'mtm', chargeAmount: '40.00', diagnosisPointers: [2] }),
  line('99607', { serviceKind: 'mtm', units: '2', chargeAmount: '40.00', diagnosisPointers: [2], orderingProvider: { npi: NPI.ordering } }),
];

/**
 * A clean claim: every rule passes. `patch` replaces top-level fields; lines are renumbered 1..n and the
 * total recomputed unless `totalCharge` is given.
 */
export function buildClaim(patch: Partial<Claim> = {}): Claim {
  const lines = (patch.lines ?? COMMERCIAL_LINES()).map((l, i) => ({ ...l, lineNumber: i + 1 }));
  return {
    id: 'claim-1',
    controlNumber: 'RX0001-20250115',
    frequency: '1',
    billingProvider: {
      name: 'EXAMPLE PHARMACY',
      npi: NPI.billing,
      taxIdType: 'EI',
      taxId: '123456789',
      taxonomy: '3336C0003X',
      address: { line1: '100 MAIN ST', city: 'ANYTOWN', state: 'NY', zip: '100010001' },
      cliaNumber: '12D3456789',
    },
    payer: { id: COMMERCIAL, name: 'EXAMPLE HEALTH PLAN' },
    subscriber: {
      memberId: 'MEMBER123', payerResponsibility: 'P', filingIndicator: 'CI',
      familyName: 'DOE', givenName: 'JANE', birthDate: '1980-01-01', sex: 'F',
    },
    patient: {
      patientRef: 'P1001', familyName: 'DOE', givenName: 'JANE', birthDate: '1980-01-01', sex: 'F', relationship: '18',
      address: { line1: '1 ELM ST', city: 'ANYTOWN', state: 'NY', zip: '10001' },
    },
    placeOfService: '01',
    diagnoses: ['Z23', 'E11.9'],
    ...patch,
    lines,
    totalCharge: patch.totalCharge ?? sumOf(lines),
  };
}

/** A clean Medicare Part B claim: flu vaccine product with G0008. */
export function buildMedicareClaim(patch: Partial<Claim> = {}): Claim {
  const base = buildClaim();
  return buildClaim({
    payer: { id: MEDICARE, name: 'EXAMPLE MEDICARE CONTRACTOR' },
    subscriber: { ...base.subscriber, filingIndicator: 'MB' },
    diagnoses: ['Z23'],
    lines: [
      line('G0008', { serviceKind: 'immunization-admin', chargeAmount: '33.00' }),
      line('90686', { serviceKind: 'vaccine-product', chargeAmount: '28.00', ndc: '12345678901', ndcQuantity: '0.5', ndcUnit: 'ML' }),
    ],
    ...patch,
  });
}

/** Replaces line `n` (1-based) of `claim` with `patch` applied, keeping the total in step unless told otherwise. */
export function withLine(claim: Claim, n: number, patch: Partial<ClaimLine>): Claim {
  const lines = claim.lines.map((l) => (l.lineNumber === n ? { ...l, ...patch } : l));
  return buildClaim({ ...claim, lines, totalCharge: undefined });
}

type Entry = CodeStatus | ((dos: string) => CodeStatus | undefined);
type Kind = 'icd10cm' | 'hcpcs' | 'cpt' | 'ndc';

const ok = (release: string): CodeStatus => ({ valid: true, billable: true, release });

/** The codes the clean claims use, all valid and billable. */
export const CLEAN_CODE_SETS: Record<Kind, Record<string, Entry>> = {
  icd10cm: { Z23: ok('ICD-10-CM 2025'), 'E11.9': ok('ICD-10-CM 2025'), E11: { valid: true, billable: false, release: 'ICD-10-CM 2025' } },
  cpt: Object.fromEntries(['90471', '90472', '90473', '90474', '90480', '90686', '90750', '91320', '83036', '87880', '81002', '99605', '99606', '99607', '99211']
    .map((c) => [c, ok('local CPT list')])),
  hcpcs: Object.fromEntries(['G0008', 'G0009', 'G0010', 'M0201'].map((c) => [c, ok('HCPCS 2025 Q1')])),
  ndc: { '12345678901': ok('NDC directory 2025-01-10') },
};

const RELEASES: Record<Kind, string> = { icd10cm: 'ICD-10-CM 2025', hcpcs: 'HCPCS 2025 Q1', cpt: 'local CPT list', ndc: 'NDC directory 2025-01-10' };

/**
 * A fake CodeSetLookup over tables; `loaded` lists the kinds that are loaded (default: all); `covers` says which
 * dates of service a loaded kind has a release for (default: every date).
 */
export function fakeCodeSets(
  extra: Partial<Record<Kind, Record<string, Entry>>> = {}, loaded: readonly Kind[] = ['icd10cm', 'hcpcs', 'cpt', 'ndc'],
  covers: (kind: Kind, dos: string) => string | undefined = (kind) => RELEASES[kind],
): CodeSetLookup {
  const lookup = (kind: Kind) => (code: string, dos: string): CodeStatus | undefined => {
    const table = { ...CLEAN_CODE_SETS[kind], ...extra[kind] };
    const entry = Object.prototype.hasOwnProperty.call(table, code) ? table[code] : undefined;
    return typeof entry === 'function' ? entry(dos) : entry;
  };
  return {
    icd10cm: lookup('icd10cm'),
    hcpcs: lookup('hcpcs'),
    cpt: lookup('cpt'),
    ndc: lookup('ndc'),
    has: (kind) => loaded.includes(kind),
    release: (kind, dos) => (loaded.includes(kind) ? covers(kind, dos) : undefined),
  };
}

export const PAYER_RULES_YAML = `
rules:
  - payers: ["*"]
    from: 2015-10-01
    timelyFilingDays: 365
    maxUnitsPerLine: 99
    maxUnits: { "90471": 1, "99605": 1, "99606": 1, "99607": 4, G0008: 1 }
  - payers: ["${MEDICARE}"]
    from: 2020-01-01
    timelyFilingYears: 1
    medicarePartB: true
  - payers: ["${MEDICAID}"]
    from: 2024-01-01
    timelyFilingDays: 90
    requiredModifiers:
      - { modifier: SL, serviceKinds: [vaccine-product], zeroChargeOnly: true, reason: state-supplied vaccine }
`;

export const testPayerRules = (): PayerRules => parsePayerRules([{ file: 'test-rules.yaml', text: PAYER_RULES_YAML }]);

/**
 * A history port over already billed lines: [patientRef, code, dos] and optionally the rest of the service
 * (default: the commercial payer, no modifiers, the fixture rendering NPI — what buildClaim's lines bill).
 */
export function fakeHistory(billed: ReadonlyArray<[string, string, string, Partial<BilledService>?]>): ClaimHistory {
  const keys = billed.map(([patientRef, code, dateOfService, rest]) => serviceKey({
    patientRef, code, dateOfService, payerId: COMMERCIAL, modifiers: [], renderingNpi: NPI.rendering, ...rest,
  }));
  return { priorLines: (service) => keys.filter((k) => k === serviceKey(service)).length };
}

/** The edits of a payer-edit fixture file (test/fixtures/codesets), parsed with the importer's parser. */
export function fixtureEdits(kind: EditKind, file: string): CodeEdit[] {
  const parser = editParserFor(kind);
  const text = fs.readFileSync(path.join(__dirname, '../fixtures/codesets', file), 'utf8');
  const lines = text.split(/\r\n|\n/);
  return [...lines.flatMap((l, i) => parser.line(l, i + 1)), ...parser.end()];
}

export const EDIT_FIXTURES: Record<EditKind, string> = {
  ncci: 'ccipra-v321r0-f1.txt', mue: 'MCR_MUE_PractitionerServices_Eff_01-01-2026.csv', mce: 'mce_definitions_2026.txt',
};

/**
 * A CodeEditLookup over the payer-edit fixtures; each kind in `loaded` is one release answering for
 * `validity[kind]` (default: every date).
 */
export function fakeCodeEdits(
  loaded: readonly EditKind[] = ['ncci', 'mue', 'mce'],
  validity: Partial<Record<EditKind, { from: string | null; to: string | null }>> = {},
): CodeEditLookup {
  const releases: EditReleaseInfo[] = loaded.map((kind, i) => ({
    id: i + 1, kind, name: `test-${kind}`, validFrom: validity[kind]?.from ?? null, validTo: validity[kind]?.to ?? null, loadedAt: new Date(0),
  }));
  return buildCodeEditLookup(releases, releases.flatMap((r) => fixtureEdits(r.kind, EDIT_FIXTURES[r.kind]).map((edit) => ({ releaseId: r.id, edit }))));
}

export function context(patch: Partial<ScrubContext> = {}): ScrubContext {
  return {
    codeSets: fakeCodeSets(), codeEdits: fakeCodeEdits(), payerRules: testPayerRules(), today: TODAY, history: fakeHistory([]), ...patch,
  };
}
