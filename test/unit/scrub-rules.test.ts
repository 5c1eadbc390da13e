/**
 * One block per scrub rule: the clean claims give no finding of the rule, and each broken variant gives
 * exactly the expected findings (rule id, severity, scope, line, message).
 */
import { SCRUB_RULES } from '../../src/billing/scrub';
import type { ScrubContext } from '../../src/billing/scrub/types';
import type { Claim, ScrubFinding, Severity } from '../../src/billing/model';
import {
  buildClaim, buildMedicareClaim, context, DOS, fakeCodeSets, fakeHistory, line, MEDICAID, MEDICARE, NPI, withLine,
} from './scrub-fixtures';

function run(id: string, claim: Claim, ctx: ScrubContext = context()): ScrubFinding[] {
  const rule = SCRUB_RULES.find((r) => r.id === id);
  if (!rule) throw new Error(`no rule ${id} in the registry`);
  return rule.check(claim, ctx);
}

const claimLevel = (ruleId: string, message: string, severity: Severity = 'error'): ScrubFinding =>
  ({ ruleId, severity, scope: 'claim', message });
const lineLevel = (ruleId: string, lineNumber: number, message: string, severity: Severity = 'error'): ScrubFinding =>
  ({ ruleId, severity, scope: 'line', lineNumber, message });

describe('the clean claims pass every rule', () => {
  it.each(SCRUB_RULES.map((r) => [r.id]))('%s: commercial and Medicare clean claims give no finding', (id) => {
    expect(run(id, buildClaim())).toEqual([]);
    expect(run(id, buildMedicareClaim())).toEqual([]);
  });
});

describe('control-number', () => {
  const id = 'control-number';
  it('rejects more than 20 characters', () => {
    expect(run(id, buildClaim({ controlNumber: 'RX0001-20250115-ABCDE' })))
      .toEqual([claimLevel(id, 'claim control number "RX0001-20250115-ABCDE" has 21 characters; at most 20')]);
  });
  it('accepts exactly 20 characters', () => {
    expect(run(id, buildClaim({ controlNumber: 'RX0001-20250115-ABCD' }))).toEqual([]);
  });
  it('rejects an empty control number and X12 separator characters', () => {
    expect(run(id, buildClaim({ controlNumber: ' ' }))).toEqual([claimLevel(id, 'claim control number (CLM01) is missing')]);
    expect(run(id, buildClaim({ controlNumber: 'RX*1~' })))
      .toEqual([claimLevel(id, 'claim control number "RX*1~" has characters other than letters, digits, space and . _ / # -')]);
  });
});

describe('frequency-reference', () => {
  const id = 'frequency-reference';
  it('needs the payer claim number on a replacement or void', () => {
    expect(run(id, buildClaim({ frequency: '7' })))
      .toEqual([claimLevel(id, "a replacement claim (frequency 7) needs the payer's claim number (REF*F8, from the 835 CLP07)")]);
    expect(run(id, buildClaim({ frequency: '8', payerClaimNumber: '' })))
      .toEqual([claimLevel(id, "a void claim (frequency 8) needs the payer's claim number (REF*F8, from the 835 CLP07)")]);
  });
  it('accepts a replacement with the payer claim number', () => {
    expect(run(id, buildClaim({ frequency: '7', payerClaimNumber: 'PCN0001' }))).toEqual([]);
  });
});

describe('line-count', () => {
  const id = 'line-count';
  it('rejects a claim without lines', () => {
    expect(run(id, buildClaim({ lines: [] }))).toEqual([claimLevel(id, 'the claim has no lines')]);
  });
  it('rejects more than 50 lines and accepts 50', () => {
    const many = (n: number) => buildClaim({ lines: Array.from({ length: n }, () => line('99606')) });
    expect(run(id, many(51))).toEqual([claimLevel(id, 'the claim has 51 lines; at most 50 fit on a claim: split it')]);
    expect(run(id, many(50))).toEqual([]);
  });
});

describe('total-charge', () => {
  const id = 'total-charge';
  it('rejects a total that is not the sum of the lines', () => {
    expect(run(id, buildClaim({ totalCharge: '99.00' })))
      .toEqual([claimLevel(id, 'total charge 99.00 does not equal the sum of the line charges, 163.00')]);
  });
  it('compares amounts exactly, whatever their written scale', () => {
    expect(run(id, buildClaim({ totalCharge: '163' }))).toEqual([]);
    expect(run(id, buildClaim({ totalCharge: '163.001' })))
      .toEqual([claimLevel(id, 'total charge 163.001 does not equal the sum of the line charges, 163.00')]);
  });
  it('rejects a total that is not an amount', () => {
    expect(run(id, buildClaim({ totalCharge: '$163' }))).toEqual([claimLevel(id, 'total charge "$163" is not an amount')]);
  });
});

describe('line-charge', () => {
  const id = 'line-charge';
  it.each([
    ['-5.00', 'is negative'],
    ['25.001', 'must be digits with at most 2 decimals'],
    ['25,00', 'is not an amount'],
  ])('rejects charge %s', (amount, why) => {
    expect(run(id, withLine(buildClaim(), 4, { chargeAmount: amount }))).toEqual([lineLevel(id, 4, `charge "${amount}" of 99606 ${why}`)]);
  });
  it('accepts a zero charge', () => {
    expect(run(id, withLine(buildClaim(), 2, { chargeAmount: '0.00' }))).toEqual([]);
  });
});

describe('billing-provider', () => {
  const id = 'billing-provider';
  const withAddress = (patch: Partial<Claim['billingProvider']['address']>) => {
    const c = buildClaim();
    return buildClaim({ billingProvider: { ...c.billingProvider, address: { ...c.billingProvider.address, ...patch } } });
  };
  it('rejects a PO box', () => {
    expect(run(id, withAddress({ line1: 'P.O. Box 12' })))
      .toEqual([claimLevel(id, 'billing provider address "P.O. Box 12" is a PO box: the billing provider needs a physical address (put the PO box in pay-to)')]);
    expect(run(id, withAddress({ line2: 'LOCKBOX 7' }))).toHaveLength(1);
  });
  it('does not mistake a street name for a PO box', () => {
    expect(run(id, withAddress({ line1: '12 POBLANO RD' }))).toEqual([]);
  });
  it('needs a 9-digit ZIP', () => {
    expect(run(id, withAddress({ zip: '10001' }))).toEqual([claimLevel(id, 'billing provider ZIP "10001" must be 9 digits (ZIP+4)')]);
    expect(run(id, withAddress({ zip: '10001-0001' })))
      .toEqual([claimLevel(id, 'billing provider ZIP "10001-0001" must be 9 digits (ZIP+4) (write it without the hyphen)')]);
  });
  it('needs a name, street, city and state', () => {
    const c = buildClaim();
    expect(run(id, buildClaim({ billingProvider: { ...c.billingProvider, name: '' } })))
      .toEqual([claimLevel(id, 'billing provider name is missing')]);
    expect(run(id, withAddress({ line1: '', city: '', state: 'New York' }))).toEqual([
      claimLevel(id, 'billing provider street address is missing'),
      claimLevel(id, 'billing provider city is missing'),
      claimLevel(id, 'billing provider state "New York" is not a two-letter state code'),
    ]);
  });
});

describe('npi-check-digit', () => {
  const id = 'npi-check-digit';
  it('checks the billing provider NPI', () => {
    const c = buildClaim();
    expect(run(id, buildClaim({ billingProvider: { ...c.billingProvider, npi: '1234567890' } })))
      .toEqual([claimLevel(id, 'billing provider NPI 1234567890 fails its check digit')]);
    expect(run(id, buildClaim({ billingProvider: { ...c.billingProvider, npi: '' } })))
      .toEqual([claimLevel(id, 'billing provider NPI is missing')]);
  });
  it('checks the claim rendering provider', () => {
    expect(run(id, buildClaim({ renderingProvider: { npi: '9941339108' } })))
      .toEqual([claimLevel(id, 'rendering provider NPI 9941339108 must start with 1 or 2')]);
    expect(run(id, buildClaim({ renderingProvider: { npi: NPI.other } }))).toEqual([]);
  });
  it('checks line rendering and ordering providers', () => {
    expect(run(id, withLine(buildClaim(), 2, { renderingProvider: { npi: '1987654320' } })))
      .toEqual([lineLevel(id, 2, 'rendering provider NPI 1987654320 fails its check digit')]);
    expect(run(id, withLine(buildClaim(), 5, { orderingProvider: { npi: '155555555' } })))
      .toEqual([lineLevel(id, 5, 'ordering provider NPI "155555555" is not 10 digits')]);
  });
});

describe('tax-id', () => {
  const id = 'tax-id';
  const withTaxId = (taxId: string, taxIdType: 'EI' | 'SY' = 'EI') =>
    buildClaim({ billingProvider: { ...buildClaim().billingProvider, taxId, taxIdType } });
  it('needs 9 digits', () => {
    expect(run(id, withTaxId('12-3456789'))).toEqual([claimLevel(id, 'billing provider tax id (EIN) "12-3456789" must be 9 digits without hyphens')]);
    expect(run(id, withTaxId(''))).toEqual([claimLevel(id, 'billing provider tax id (EIN) is missing')]);
  });
  it('never echoes a social security number', () => {
    expect(run(id, withTaxId('123-45-678', 'SY'))).toEqual([claimLevel(id, 'billing provider tax id (SSN) must be 9 digits')]);
    expect(run(id, withTaxId('123456789', 'SY'))).toEqual([]);
  });
});

describe('taxonomy', () => {
  const id = 'taxonomy';
  const withTaxonomy = (taxonomy: string) => buildClaim({ billingProvider: { ...buildClaim().billingProvider, taxonomy } });
  it('needs the billing provider taxonomy, well formed', () => {
    expect(run(id, withTaxonomy(''))).toEqual([claimLevel(id, 'billing provider taxonomy is missing')]);
    expect(run(id, withTaxonomy('3336C0003')))
      .toEqual([claimLevel(id, 'billing provider taxonomy "3336C0003" is not a NUCC taxonomy code (10 characters ending in X, e.g. 3336C0003X)')]);
  });
  it('warns about a well-formed taxonomy that is not a pharmacy one', () => {
    expect(run(id, withTaxonomy('207Q00000X')))
      .toEqual([claimLevel(id, 'billing provider taxonomy 207Q00000X is not a pharmacy or pharmacist taxonomy we know: check it against the NUCC list', 'warning')]);
  });
  it('checks the form of line rendering taxonomies', () => {
    expect(run(id, withLine(buildClaim(), 1, { renderingProvider: { npi: NPI.rendering, taxonomy: 'PHARMACIST' } })))
      .toEqual([lineLevel(id, 1, 'rendering provider taxonomy "PHARMACIST" is not a NUCC taxonomy code (10 characters ending in X, e.g. 3336C0003X)')]);
  });
});

describe('clia-number', () => {
  const id = 'clia-number';
  const withClia = (cliaNumber: string | undefined, lines?: Claim['lines']) =>
    buildClaim({ billingProvider: { ...buildClaim().billingProvider, cliaNumber }, ...(lines ? { lines } : {}) });
  it('needs a CLIA number when a waived test is billed', () => {
    expect(run(id, withClia(undefined)))
      .toEqual([claimLevel(id, 'the claim bills CLIA-waived test 83036 but the location has no CLIA number configured')]);
    expect(run(id, withClia('12-D345678'))).toEqual([claimLevel(id, 'CLIA number "12-D345678" is not of the form 12D3456789')]);
  });
  it('needs none without waived tests', () => {
    expect(run(id, withClia(undefined, [line('99606')]))).toEqual([]);
  });
});

describe('payer-required', () => {
  const id = 'payer-required';
  it('needs a payer id and name', () => {
    expect(run(id, buildClaim({ payer: { id: '', name: '' } })))
      .toEqual([claimLevel(id, 'payer id is missing'), claimLevel(id, 'payer name is missing')]);
    expect(run(id, buildClaim({ payer: { id: 'SMPL*01', name: 'X' } })))
      .toEqual([claimLevel(id, 'payer id "SMPL*01" is not a payer id (letters, digits, space . _ -; at most 80)')]);
  });
});

describe('subscriber-required', () => {
  const id = 'subscriber-required';
  const withSubscriber = (patch: Partial<Claim['subscriber']>, relationship = '18') => {
    const c = buildClaim();
    return buildClaim({ subscriber: { ...c.subscriber, ...patch }, patient: { ...c.patient, relationship } });
  };
  it('needs the member id and last name', () => {
    expect(run(id, withSubscriber({ memberId: '' }))).toEqual([claimLevel(id, 'subscriber member id is missing')]);
    expect(run(id, withSubscriber({ familyName: ' ' }))).toEqual([claimLevel(id, 'subscriber last name is missing')]);
  });
  it('needs a valid claim filing indicator', () => {
    expect(run(id, withSubscriber({ filingIndicator: 'XX' })))
      .toEqual([claimLevel(id, 'claim filing indicator "XX" is not an SBR09 code (e.g. CI commercial, MB Medicare Part B, MC Medicaid)')]);
  });
  it('needs DMG when the patient is the subscriber, never showing its value', () => {
    expect(run(id, withSubscriber({ birthDate: undefined, sex: 'X' }))).toEqual([
      claimLevel(id, 'subscriber date of birth is missing (required when the patient is the subscriber)'),
      claimLevel(id, 'subscriber sex must be M, F or U'),
    ]);
    expect(run(id, withSubscriber({ birthDate: '01/01/1980' }))).toEqual([claimLevel(id, 'subscriber date of birth is not a date (YYYY-MM-DD)')]);
  });
  it('does not need the subscriber DMG when the patient is a dependent', () => {
    expect(run(id, withSubscriber({ birthDate: undefined, sex: undefined }, '19'))).toEqual([]);
  });
});

describe('patient-relationship', () => {
  const id = 'patient-relationship';
  const withPatient = (patch: Partial<Claim['patient']>) => buildClaim({ patient: { ...buildClaim().patient, ...patch } });
  it('needs a known relationship code', () => {
    expect(run(id, withPatient({ relationship: 'ZZ' })))
      .toEqual([claimLevel(id, 'patient relationship "ZZ" is not an 837P code (18 self, 01 spouse, 19 child, 20 employee, 21 unknown, 39 organ donor, 40 cadaver donor, 53 life partner, G8 other)')]);
  });
  it('needs name, date of birth and sex of a dependent patient', () => {
    expect(run(id, withPatient({ relationship: '19', birthDate: undefined, sex: undefined }))).toEqual([
      claimLevel(id, 'patient date of birth is missing (required when the patient is not the subscriber)'),
      claimLevel(id, 'patient sex is missing (required when the patient is not the subscriber)'),
    ]);
    expect(run(id, withPatient({ relationship: '19' }))).toEqual([]);
  });
});

describe('place-of-service', () => {
  const id = 'place-of-service';
  it('rejects unknown claim and line places of service', () => {
    expect(run(id, buildClaim({ placeOfService: '00' })))
      .toEqual([claimLevel(id, 'place of service "00" is not a CMS place-of-service code (e.g. 01 pharmacy, 12 home, 60 mass immunization)')]);
    expect(run(id, withLine(buildClaim(), 3, { placeOfService: '1' })))
      .toEqual([lineLevel(id, 3, 'place of service "1" is not a CMS place-of-service code (e.g. 01 pharmacy, 12 home, 60 mass immunization)')]);
  });
  it('accepts mass immunization (60) and home (12)', () => {
    expect(run(id, withLine(buildClaim({ placeOfService: '60' }), 1, { placeOfService: '12' }))).toEqual([]);
  });
});

describe('diagnosis-required', () => {
  it('needs a principal diagnosis', () => {
    expect(run('diagnosis-required', buildClaim({ diagnoses: [] })))
      .toEqual([claimLevel('diagnosis-required', 'the claim has no diagnosis: a principal diagnosis is required')]);
  });
});

describe('diagnosis-count', () => {
  const id = 'diagnosis-count';
  const codes = (n: number) => Array.from({ length: n }, (_, i) => `Z${String(i + 10)}`);
  it('allows 12 and rejects 13', () => {
    expect(run(id, buildClaim({ diagnoses: codes(12) }))).toEqual([]);
    expect(run(id, buildClaim({ diagnoses: codes(13) }))).toEqual([claimLevel(id, 'the claim has 13 diagnoses; at most 12 fit on a claim')]);
  });
});

describe('diagnosis-duplicate', () => {
  it('rejects the same code twice, with or without its dot', () => {
    expect(run('diagnosis-duplicate', buildClaim({ diagnoses: ['Z23', 'E11.9', 'E119'] })))
      .toEqual([claimLevel('diagnosis-duplicate', 'diagnosis 3 (E119) repeats diagnosis 2')]);
  });
});

describe('icd10-format', () => {
  const id = 'icd10-format';
  it.each(['e11.9', '123', 'E1', 'E11.', 'E11.12345'])('rejects %s', (code) => {
    expect(run(id, buildClaim({ diagnoses: ['Z23', code] })))
      .toEqual([claimLevel(id, `diagnosis 2 "${code}" is not an ICD-10-CM code (a capital letter, a digit, then 1 to 5 letters or digits, e.g. E11.9)`)]);
  });
  it.each(['U07.1', 'S72.001A', 'E119', 'Z23'])('accepts %s', (code) => {
    expect(run(id, buildClaim({ diagnoses: [code] }))).toEqual([]);
  });
});

describe('icd10-billable', () => {
  const id = 'icd10-billable';
  it('rejects a header code', () => {
    expect(run(id, buildClaim({ diagnoses: ['Z23', 'E11'] })))
      .toEqual([claimLevel(id, 'E11 is a header code, not billable on 2025-01-15 (ICD-10-CM 2025): use a more specific code')]);
  });
  it('rejects a code the code set does not know, once', () => {
    const claim = withLine(buildClaim({ diagnoses: ['Z23', 'E11.99'] }), 4, { serviceDate: '2025-01-14' });
    expect(run(id, claim)).toEqual([claimLevel(id, 'diagnosis E11.99 is not an ICD-10-CM code')]);
  });
  it('checks each date of service against its own release', () => {
    const codeSets = fakeCodeSets({
      icd10cm: { 'E11.9': (dos) => ({ valid: dos < '2025-01-15', billable: true, release: 'ICD-10-CM 2025' }) },
    });
    const claim = withLine(buildClaim(), 4, { serviceDate: '2025-01-10' });
    expect(run(id, claim, context({ codeSets })))
      .toEqual([claimLevel(id, 'diagnosis E11.9 is not valid on 2025-01-15 (ICD-10-CM 2025)')]);
  });
  it('holds the claim when ICD-10-CM is required (the default) and not loaded', () => {
    const codeSets = fakeCodeSets({}, ['cpt', 'hcpcs', 'ndc']);
    expect(run(id, buildClaim(), context({ codeSets })))
      .toEqual([claimLevel(id, 'no ICD-10-CM release covers DOS 2025-01-15: payer SYNCOM01 requires diagnoses checked against it (rxbridge codes import icd10cm)')]);
  });
  it('gives one info note, not an error, when the payer does not require ICD-10-CM and it is not loaded', () => {
    const codeSets = fakeCodeSets({}, ['cpt', 'hcpcs', 'ndc']);
    const requiredCodeSets = { default: ['icd10cm' as const], payers: { SYNCOM01: [] } };
    expect(run(id, buildClaim(), context({ codeSets, requiredCodeSets })))
      .toEqual([claimLevel(id, 'the ICD-10-CM code set is not loaded: diagnoses were not checked against it', 'info')]);
  });
});

describe('diagnosis-pointers', () => {
  const id = 'diagnosis-pointers';
  it('needs at least one pointer', () => {
    expect(run(id, withLine(buildClaim(), 1, { diagnosisPointers: [] }))).toEqual([lineLevel(id, 1, 'the line points at no diagnosis')]);
  });
  it('rejects pointers outside the diagnosis list and repeated pointers', () => {
    expect(run(id, withLine(buildClaim(), 1, { diagnosisPointers: [3] })))
      .toEqual([lineLevel(id, 1, 'diagnosis pointer 3 does not name a diagnosis (the claim has 2)')]);
    expect(run(id, withLine(buildClaim(), 1, { diagnosisPointers: [0] })))
      .toEqual([lineLevel(id, 1, 'diagnosis pointer 0 does not name a diagnosis (the claim has 2)')]);
    expect(run(id, withLine(buildClaim(), 1, { diagnosisPointers: [1, 1] })))
      .toEqual([lineLevel(id, 1, 'diagnosis pointer 1 is given twice')]);
  });
  it('allows 4 pointers and rejects 5', () => {
    const claim = buildClaim({ diagnoses: ['Z23', 'E11.9', 'E11.65', 'I10', 'E78.5'] });
    expect(run(id, withLine(claim, 4, { diagnosisPointers: [1, 2, 3, 4] }))).toEqual([]);
    expect(run(id, withLine(claim, 4, { diagnosisPointers: [1, 2, 3, 4, 5] })))
      .toEqual([lineLevel(id, 4, 'the line has 5 diagnosis pointers; at most 4')]);
  });
});

describe('service-date', () => {
  const id = 'service-date';
  it('rejects a future date of service', () => {
    expect(run(id, withLine(buildClaim(), 2, { serviceDate: '2025-02-02' })))
      .toEqual([lineLevel(id, 2, 'date of service 2025-02-02 is in the future (today is 2025-02-01)')]);
  });
  it('accepts today', () => {
    expect(run(id, withLine(buildClaim(), 2, { serviceDate: '2025-02-01' }))).toEqual([]);
  });
  it('rejects a date of service before birth without showing the birth date', () => {
    const claim = buildClaim({ patient: { ...buildClaim().patient, birthDate: '2025-01-16' }, lines: [line('99606')] });
    expect(run(id, claim)).toEqual([lineLevel(id, 1, "date of service 2025-01-15 is before the patient's date of birth")]);
  });
  it('rejects what is not a date', () => {
    expect(run(id, withLine(buildClaim(), 1, { serviceDate: '2025-02-30' })))
      .toEqual([lineLevel(id, 1, 'date of service "2025-02-30" is not a date (YYYY-MM-DD)')]);
  });
});

describe('timely-filing', () => {
  const id = 'timely-filing';
  const single = (patch: Partial<Claim> = {}, serviceDate = DOS) => buildClaim({ lines: [line('99606', { serviceDate })], ...patch });
  it('uses the default 365 days', () => {
    expect(run(id, single(), context({ today: '2026-01-15' }))).toEqual([]);
    expect(run(id, single(), context({ today: '2026-01-16' }))).toEqual([lineLevel(id, 1,
      '99606 on 2025-01-15 is past timely filing: payer SYNCOM01 allows 365 days from the date of service, which ended on 2026-01-15')]);
  });
  it("uses the payer's own limit", () => {
    const claim = single({ payer: { id: MEDICAID, name: 'EXAMPLE MEDICAID' } });
    expect(run(id, claim, context({ today: '2025-04-15' }))).toEqual([]);
    expect(run(id, claim, context({ today: '2025-04-16' }))).toEqual([lineLevel(id, 1,
      '99606 on 2025-01-15 is past timely filing: payer SYNMCD01 allows 90 days from the date of service, which ended on 2025-04-15')]);
  });
  it('counts Medicare calendar years, a Feb 29 date ending on Feb 28', () => {
    const claim = buildMedicareClaim({ lines: [line('G0008', { serviceDate: '2024-02-29' }), line('90686', { serviceDate: '2024-02-29' })] });
    expect(run(id, claim, context({ today: '2025-02-28' }))).toEqual([]);
    expect(run(id, claim, context({ today: '2025-03-01' }))).toEqual([
      lineLevel(id, 1, 'G0008 on 2024-02-29 is past timely filing: payer SYNMCR01 allows 1 year from the date of service, which ended on 2025-02-28'),
      lineLevel(id, 2, '90686 on 2024-02-29 is past timely filing: payer SYNMCR01 allows 1 year from the date of service, which ended on 2025-02-28'),
    ]);
  });
});

describe('code-format', () => {
  const id = 'code-format';
  it('rejects a HCPCS code billed as CPT and the reverse', () => {
    expect(run(id, withLine(buildClaim(), 1, { code: 'G0008', codeSystem: 'CPT' })))
      .toEqual([lineLevel(id, 1, 'G0008 is a HCPCS code but the line bills it as CPT')]);
    expect(run(id, withLine(buildClaim(), 1, { code: '90471', codeSystem: 'HCPCS' })))
      .toEqual([lineLevel(id, 1, '90471 is a CPT code but the line bills it as HCPCS')]);
  });
  it('rejects ill-formed and dental codes', () => {
    expect(run(id, withLine(buildClaim(), 1, { code: '9047' })))
      .toEqual([lineLevel(id, 1, '"9047" is not a CPT code (5 digits, or 4 digits and F, T, U or M)')]);
    expect(run(id, withLine(buildClaim(), 1, { code: 'D1206', codeSystem: 'HCPCS' })))
      .toEqual([lineLevel(id, 1, 'D1206 is a dental (CDT) code: it is not billed on a professional claim')]);
  });
  it('accepts category II/III and PLA forms', () => {
    expect(run(id, withLine(buildClaim(), 1, { code: '0591T' }))).toEqual([]);
    expect(run(id, withLine(buildClaim(), 1, { code: '1036F' }))).toEqual([]);
  });
});

describe('code-active', () => {
  const id = 'code-active';
  it("rejects a CPT code that is not on the pharmacy's list", () => {
    expect(run(id, withLine(buildClaim(), 4, { code: '99999' })))
      .toEqual([lineLevel(id, 4, "CPT 99999 is not on the pharmacy's CPT list")]);
  });
  it('rejects a HCPCS code not active on the date of service', () => {
    const codeSets = fakeCodeSets({ hcpcs: { G0008: { valid: true, billable: false, release: 'HCPCS 2025 Q1' } } });
    expect(run(id, buildMedicareClaim(), context({ codeSets })))
      .toEqual([lineLevel(id, 1, 'HCPCS G0008 is not active on 2025-01-15 (HCPCS 2025 Q1)')]);
  });
  it('gives one info note per code set that is not loaded', () => {
    const codeSets = fakeCodeSets({}, ['icd10cm', 'hcpcs', 'ndc']);
    expect(run(id, buildClaim(), context({ codeSets })))
      .toEqual([claimLevel(id, "the pharmacy's CPT list is not loaded: CPT codes were not checked against it", 'info')]);
  });
});

describe('modifier-format', () => {
  const id = 'modifier-format';
  it('rejects more than 4 modifiers', () => {
    expect(run(id, withLine(buildClaim(), 4, { modifiers: ['GT', '95', '59', 'XU', 'KX'] })))
      .toEqual([lineLevel(id, 4, '99606 has 5 modifiers (GT, 95, 59, XU, KX); at most 4')]);
  });
  it('rejects ill-formed and repeated modifiers', () => {
    expect(run(id, withLine(buildClaim(), 3, { modifiers: ['QW', 'qw'] })))
      .toEqual([lineLevel(id, 3, 'modifier "qw" on 83036 is not 2 capital letters or digits')]);
    expect(run(id, withLine(buildClaim(), 3, { modifiers: ['QW', 'QW'] })))
      .toEqual([lineLevel(id, 3, 'modifier QW is given twice on 83036')]);
  });
});

describe('modifier-code', () => {
  const id = 'modifier-code';
  it('rejects QW on a code that is not a waived test', () => {
    expect(run(id, withLine(buildClaim(), 4, { modifiers: ['QW'] })))
      .toEqual([lineLevel(id, 4, 'modifier QW applies only to CLIA-waived test codes; 99606 is not one')]);
  });
  it('rejects 25 off an E/M code and accepts it on 99211', () => {
    expect(run(id, withLine(buildClaim(), 1, { modifiers: ['25'] })))
      .toEqual([lineLevel(id, 1, 'modifier 25 applies only to evaluation and management codes (99202-99499); 90471 is not one')]);
    expect(run(id, withLine(buildClaim(), 4, { code: '99211', modifiers: ['25'] }))).toEqual([]);
  });
  it('accepts SL on a vaccine product and rejects it elsewhere', () => {
    expect(run(id, withLine(buildClaim(), 2, { modifiers: ['SL'] }))).toEqual([]);
    expect(run(id, withLine(buildClaim(), 3, { modifiers: ['QW', 'SL'] })))
      .toEqual([lineLevel(id, 3, 'modifier SL applies only to vaccine product and administration codes; 83036 is not one')]);
  });
});

describe('clia-waived-qw', () => {
  const id = 'clia-waived-qw';
  it('needs QW on a waived test', () => {
    expect(run(id, withLine(buildClaim(), 3, { modifiers: [] }))).toEqual([lineLevel(id, 3, '83036 is a CLIA-waived test: add modifier QW')]);
  });
  it.each(['81002', '81025', '82270', '82272', '82962', '83026', '84830', '85013', '85651'])('does not need QW on %s', (code) => {
    expect(run(id, withLine(buildClaim(), 3, { code, modifiers: [] }))).toEqual([]);
  });
});

describe('payer-required-modifiers', () => {
  const id = 'payer-required-modifiers';
  const medicaid = (productCharge: string, modifiers: string[] = []) =>
    withLine(buildClaim({ payer: { id: MEDICAID, name: 'EXAMPLE MEDICAID' }, subscriber: { ...buildClaim().subscriber, filingIndicator: 'MC' } }),
      2, { chargeAmount: productCharge, modifiers });
  it('needs SL on a state-supplied (zero-charge) vaccine for the Medicaid sample', () => {
    expect(run(id, medicaid('0.00'))).toEqual([lineLevel(id, 2, 'payer SYNMCD01 requires modifier SL on 90686 (state-supplied vaccine)')]);
    expect(run(id, medicaid('0.00', ['SL']))).toEqual([]);
  });
  it('does not need SL on private stock', () => {
    expect(run(id, medicaid('28.00'))).toEqual([]);
  });
});

describe('units-positive', () => {
  const id = 'units-positive';
  it.each([
    ['0', 'units 0 of 99606 must be greater than zero'],
    ['-1', 'units -1 of 99606 must be greater than zero'],
    ['1.5', 'units 1.5 of 99606 must be a whole number'],
    ['one', 'units "one" of 99606 are not a number'],
  ])('rejects units %s', (units, message) => {
    expect(run(id, withLine(buildClaim(), 4, { units }))).toEqual([lineLevel(id, 4, message)]);
  });
  it('accepts "1.000"', () => {
    expect(run(id, withLine(buildClaim(), 4, { units: '1.000' }))).toEqual([]);
  });
});

describe('units-max', () => {
  const id = 'units-max';
  it('limits units per code and date of service', () => {
    expect(run(id, withLine(buildClaim(), 1, { units: '2' })))
      .toEqual([lineLevel(id, 1, '90471 bills 2 units on 2025-01-15; payer SYNCOM01 allows at most 1 per date of service')]);
    const split = buildClaim({ lines: [...buildClaim().lines, line('99607', { units: '3', diagnosisPointers: [2] })] });
    expect(run(id, split)).toEqual([lineLevel(id, 6, '99607 bills 5 units on 2025-01-15; payer SYNCOM01 allows at most 4 per date of service')]);
  });
  it('limits units per line for any code', () => {
    expect(run(id, withLine(buildClaim(), 3, { units: '100' })))
      .toEqual([lineLevel(id, 3, 'units 100 of 83036 exceed 99, the most a line may bill')]);
  });
});

describe('add-on-pairing', () => {
  const id = 'add-on-pairing';
  it('needs 99605 or 99606 with 99607 on the same date of service', () => {
    const lines = buildClaim().lines.filter((l) => l.code !== '99606');
    expect(run(id, buildClaim({ lines }))).toEqual([lineLevel(id, 4, '99607 is an add-on code: it needs 99605 or 99606 on the same date of service (2025-01-15)')]);
    expect(run(id, withLine(buildClaim(), 4, { serviceDate: '2025-01-14' })))
      .toEqual([lineLevel(id, 5, '99607 is an add-on code: it needs 99605 or 99606 on the same date of service (2025-01-15)')]);
  });
  it('needs 90471 or 90473 with 90472, and accepts 90473 with 90474', () => {
    expect(run(id, withLine(buildClaim(), 1, { code: '90472' })))
      .toEqual([lineLevel(id, 1, '90472 is an add-on code: it needs 90471 or 90473 on the same date of service (2025-01-15)')]);
    const nasal = buildClaim({ lines: [line('90473'), line('90474')] });
    expect(run(id, nasal)).toEqual([]);
  });
});

describe('initial-code-once', () => {
  const id = 'initial-code-once';
  it('allows one initial administration per date of service', () => {
    const claim = buildClaim({ lines: [...buildClaim().lines, line('90473')] });
    expect(run(id, claim)).toEqual([lineLevel(id, 6,
      '90471 + 90473 on 2025-01-15: only one of 90471/90473 per date of service; bill the others as 90472 or 90474')]);
  });
  it('allows one MTM initial code per date of service', () => {
    expect(run(id, withLine(buildClaim(), 4, { units: '2' }))).toEqual([lineLevel(id, 4,
      '99606 ×2 on 2025-01-15: only one of 99605/99606 per date of service; bill the others as 99607')]);
  });
});

describe('vaccine-admin-product', () => {
  const id = 'vaccine-admin-product';
  const without = (code: string) => buildClaim({ lines: buildClaim().lines.filter((l) => l.code !== code) });
  it('needs a product for each administration', () => {
    expect(run(id, without('90686'))).toEqual([claimLevel(id, 'vaccine administration 90471 on 2025-01-15 has no vaccine product line')]);
  });
  it('needs an administration for each product', () => {
    expect(run(id, without('90471'))).toEqual([claimLevel(id, 'vaccine product 90686 on 2025-01-15 has no administration code')]);
  });
  it('counts administrations against products', () => {
    const claim = buildClaim({ lines: [...buildClaim().lines, line('90472')] });
    expect(run(id, claim)).toEqual([claimLevel(id,
      'on 2025-01-15, 2 vaccine administrations (90471, 90472) for 1 vaccine product (90686): bill one administration per product')]);
    const two = buildClaim({ lines: [...claim.lines, line('90750', { serviceKind: 'vaccine-product' })] });
    expect(run(id, two)).toEqual([]);
  });
  it('pairs 90480 with a COVID-19 product', () => {
    expect(run(id, buildClaim({ lines: [line('90480')] })))
      .toEqual([claimLevel(id, 'COVID-19 administration 90480 on 2025-01-15 has no COVID-19 vaccine product line')]);
    expect(run(id, buildClaim({ lines: [line('90480'), line('91320', { serviceKind: 'vaccine-product' })] }))).toEqual([]);
  });
  it('pairs on each date of service separately', () => {
    expect(run(id, withLine(buildClaim(), 2, { serviceDate: '2025-01-14' }))).toEqual([
      claimLevel(id, 'vaccine administration 90471 on 2025-01-15 has no vaccine product line'),
      claimLevel(id, 'vaccine product 90686 on 2025-01-14 has no administration code'),
    ]);
  });
});

describe('medicare-vaccine-admin', () => {
  const id = 'medicare-vaccine-admin';
  const product = (code: string) => line(code, { serviceKind: 'vaccine-product' });
  it('rejects 90471 for a flu vaccine billed to Medicare', () => {
    const claim = buildMedicareClaim({ lines: [line('G0008'), line('90471'), product('90686')] });
    expect(run(id, claim)).toEqual([lineLevel(id, 2, 'Medicare does not pay 90471 for flu, pneumococcal or hepatitis B vaccines: bill G0008, G0009 or G0010')]);
  });
  it('needs G0008-G0010 one for one with the products', () => {
    expect(run(id, buildMedicareClaim({ lines: [line('G0008', { units: '2' }), product('90686')] })))
      .toEqual([claimLevel(id, '1 flu vaccine product (90686) on 2025-01-15 with G0008 ×2: Medicare bills G0008 once per flu product')]);
    expect(run(id, buildMedicareClaim({ lines: [line('G0008'), product('90686'), product('90732')] })))
      .toEqual([claimLevel(id, '1 pneumococcal vaccine product (90732) on 2025-01-15 with no G0009: Medicare bills G0009 once per pneumococcal product')]);
    expect(run(id, buildMedicareClaim({ lines: [line('G0008'), line('G0010'), product('90686')] })))
      .toEqual([claimLevel(id, 'G0010 on 2025-01-15 without a hepatitis B vaccine product: Medicare bills G0010 once per hepatitis B product')]);
  });
  it('accepts 90471 for a non-Part-B vaccine next to a flu shot', () => {
    expect(run(id, buildMedicareClaim({ lines: [line('G0008'), product('90686'), line('90471'), product('90714')] }))).toEqual([]);
  });
  it('warns when a non-Medicare payer gets G0008', () => {
    expect(run(id, buildMedicareClaim({ payer: { id: 'SYNCOM01', name: 'EXAMPLE HEALTH PLAN' } }))).toEqual([lineLevel(id, 1,
      'G0008 is a Medicare administration code but payer SYNCOM01 has no Medicare Part B rules: bill 90471-90474, or add the payer to billing/payer-rules', 'warning')]);
  });
});

describe('medicare-part-d-vaccine', () => {
  const id = 'medicare-part-d-vaccine';
  it('warns about a Part D vaccine billed to Medicare Part B', () => {
    const claim = buildMedicareClaim({ lines: [line('90471'), line('90750', { serviceKind: 'vaccine-product' })] });
    expect(run(id, claim)).toEqual([lineLevel(id, 2,
      'vaccine 90750 is not a Medicare Part B vaccine (flu, pneumococcal, hepatitis B, COVID-19): Part D vaccines are billed to the drug plan (NCPDP) unless Part B covers this use; route the code to ncpdp for this payer (billing.yaml routeByCode or routeByCodeList) to leave it off the claim', 'warning')]);
  });
  it('says nothing for other payers', () => {
    expect(run(id, buildClaim({ lines: [line('90471'), line('90750', { serviceKind: 'vaccine-product' })] }))).toEqual([]);
  });
});

describe('ndc-format', () => {
  const id = 'ndc-format';
  it.each([
    ['1234567890', 'NDC 1234567890 has 10 digits: convert it to 11 (5-4-2) from its hyphenated form'],
    ['12345-6789-01', 'NDC 12345-6789-01 must be written without hyphens (12345678901)'],
    ['1234-5678-90', 'NDC 1234-5678-90 is a 10-digit NDC: convert it to 11 digits (5-4-2) by padding its short segment with a 0'],
    ['ABC', 'NDC "ABC" is not an 11-digit NDC'],
  ])('rejects NDC %s', (ndc, message) => {
    expect(run(id, withLine(buildClaim(), 2, { ndc }))).toEqual([lineLevel(id, 2, message)]);
  });
  it('needs a quantity greater than zero and a known unit', () => {
    expect(run(id, withLine(buildClaim(), 2, { ndcQuantity: '0' })))
      .toEqual([lineLevel(id, 2, 'NDC quantity "0" on 90686 must be a number greater than zero')]);
    expect(run(id, withLine(buildClaim(), 2, { ndcUnit: 'EA' })))
      .toEqual([lineLevel(id, 2, 'NDC unit "EA" on 90686 must be one of F2, GR, ME, ML, UN')]);
    expect(run(id, withLine(buildClaim(), 2, { ndcQuantity: undefined, ndcUnit: undefined }))).toEqual([
      lineLevel(id, 2, 'the NDC on 90686 has no quantity'),
      lineLevel(id, 2, 'the NDC on 90686 has no unit (F2, GR, ME, ML or UN)'),
    ]);
  });
  it('rejects a quantity without an NDC', () => {
    expect(run(id, withLine(buildClaim(), 2, { ndc: undefined })))
      .toEqual([lineLevel(id, 2, '90686 has an NDC quantity or unit but no NDC')]);
  });
});

describe('ndc-known', () => {
  const id = 'ndc-known';
  it('rejects an NDC the directory does not know', () => {
    expect(run(id, withLine(buildClaim(), 2, { ndc: '99999999999' })))
      .toEqual([lineLevel(id, 2, 'NDC 99999999999 is not in the NDC directory')]);
  });
  it('rejects an NDC not marketed on the date of service', () => {
    const codeSets = fakeCodeSets({ ndc: { '12345678901': { valid: true, billable: false, release: 'NDC directory 2025-01-10' } } });
    expect(run(id, buildClaim(), context({ codeSets })))
      .toEqual([lineLevel(id, 2, 'NDC 12345678901 is not marketed on 2025-01-15 (NDC directory 2025-01-10)')]);
  });
  it('gives one info note when the directory is not loaded', () => {
    expect(run(id, buildClaim(), context({ codeSets: fakeCodeSets({}, ['icd10cm', 'cpt', 'hcpcs']) })))
      .toEqual([claimLevel(id, 'the NDC directory is not loaded: NDCs were not checked against it', 'info')]);
  });
});

describe('duplicate-line', () => {
  const id = 'duplicate-line';
  it('warns when two lines bill the same service', () => {
    const claim = buildClaim({ lines: [...buildClaim().lines, line('99606', { diagnosisPointers: [2] })] });
    expect(run(id, claim)).toEqual([lineLevel(id, 6,
      'line 6 repeats line 4 (99606 on 2025-01-15): bill units on one line, or drop the double charge', 'warning')]);
  });
  it('does not count lines that differ by modifier, and reads modifiers in any order', () => {
    expect(run(id, buildClaim({ lines: [...buildClaim().lines, line('99606', { modifiers: ['GT'] })] }))).toEqual([]);
    const twice = buildClaim({ lines: [line('83036', { modifiers: ['QW', 'GT'] }), line('83036', { modifiers: ['GT', 'QW'] })] });
    expect(run(id, twice)).toEqual([expect.objectContaining({ ruleId: id, lineNumber: 2 })]);
  });
  it.each(['76', '77', '91', '59', 'XE', 'XS', 'XP', 'XU'])('a repeat marked with modifier %s is intended, not a double charge', (modifier) => {
    const claim = buildClaim({ lines: [line('83036', { modifiers: ['QW'] }), line('83036', { modifiers: ['QW', modifier] })] });
    expect(run(id, claim)).toEqual([]);
  });
});

describe('duplicate-service', () => {
  const id = 'duplicate-service';
  const billedBefore = context({ history: fakeHistory([['P1001', '90686', DOS], ['P1001', '90686', DOS], ['P2002', '99606', DOS]]) });
  it('holds a line that repeats a service already submitted to the payer (CARC 18)', () => {
    expect(run(id, buildClaim(), billedBefore)).toEqual([lineLevel(id, 2,
      `90686 on 2025-01-15 (rendering NPI ${NPI.rendering}) was already submitted to payer SYNCOM01 for this patient (2 lines on another claim): `
      + 'the payer denies exact duplicates; void or correct this claim, add a repeat modifier (76, 77, 91, 59, XE/XS/XP/XU) if the service was repeated, or override with a reason')]);
  });
  it('the biller\'s case: a re-sent Medicare A1c (83036-QW) already submitted is held', () => {
    const a1c = buildMedicareClaim({ diagnoses: ['E11.9'], lines: [line('83036', { serviceKind: 'poc-test', modifiers: ['QW'] })] });
    const sent = fakeHistory([['P1001', '83036', DOS, { payerId: MEDICARE, modifiers: ['QW'] }]]);
    expect(run(id, a1c, context({ history: sent }))).toEqual([expect.objectContaining({ ruleId: id, severity: 'error', lineNumber: 1 })]);
  });
  it('the duplicate key is patient, payer, date, code, modifiers (any order) and rendering NPI', () => {
    const a1c = (patch: Parameters<typeof line>[1] = {}) =>
      buildMedicareClaim({ diagnoses: ['E11.9'], lines: [line('83036', { serviceKind: 'poc-test', modifiers: ['QW', 'GT'], ...patch })] });
    const sent = context({ history: fakeHistory([['P1001', '83036', DOS, { payerId: MEDICARE, modifiers: ['GT', 'QW'] }]]) });
    expect(run(id, a1c(), sent)).toHaveLength(1); // modifiers in another order: the same service
    expect(run(id, a1c({ modifiers: ['QW'] }), sent)).toEqual([]); // other modifiers
    expect(run(id, a1c({ renderingProvider: { npi: NPI.other, familyName: 'OTHER' } }), sent)).toEqual([]); // another pharmacist
    expect(run(id, a1c({ serviceDate: '2025-01-16' }), sent)).toEqual([]); // another day
    expect(run(id, buildMedicareClaim({ ...a1c(), payer: { id: MEDICAID, name: 'MEDICAID' } }), sent)).toEqual([]); // another payer
    expect(run(id, buildMedicareClaim({ ...a1c(), patient: { ...a1c().patient, patientRef: 'P2002' } }), sent)).toEqual([]); // another patient
  });
  it('a line without its own rendering provider is keyed by the claim\'s, else the billing provider\'s NPI', () => {
    const claim = buildClaim({ renderingProvider: { npi: NPI.other, familyName: 'OTHER' }, lines: [line('99606', { renderingProvider: undefined })] });
    expect(run(id, claim, context({ history: fakeHistory([['P1001', '99606', DOS, { renderingNpi: NPI.other }]]) }))).toHaveLength(1);
    const billing = buildClaim({ lines: [line('99606', { renderingProvider: undefined })] });
    expect(run(id, billing, context({ history: fakeHistory([['P1001', '99606', DOS, { renderingNpi: NPI.billing }]]) }))).toHaveLength(1);
    expect(run(id, billing, context({ history: fakeHistory([['P1001', '99606', DOS]]) }))).toEqual([]);
  });
  it.each(['76', '77', '91', '59', 'XE', 'XS', 'XP', 'XU'])('a medically necessary repeat (modifier %s) is not flagged', (modifier) => {
    const repeat = buildMedicareClaim({ diagnoses: ['E11.9'], lines: [line('83036', { serviceKind: 'poc-test', modifiers: ['QW', modifier] })] });
    const sent = fakeHistory([['P1001', '83036', DOS, { payerId: MEDICARE, modifiers: ['QW', modifier] }]]);
    expect(run(id, repeat, context({ history: sent }))).toEqual([]);
  });
  it('does not check replacements, nor run without a history port', () => {
    expect(run(id, buildClaim({ frequency: '7', payerClaimNumber: 'PCN1' }), billedBefore)).toEqual([]);
    expect(run(id, buildClaim(), { ...billedBefore, history: undefined })).toEqual([]);
  });
});
