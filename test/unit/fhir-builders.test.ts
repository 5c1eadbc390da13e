/**
 * The FHIR R4 builders: synthetic VXU, RDS and ADT messages and the corpus's, each result validated against the R4
 * schema (and US Core for Immunization); ChargeItems from charge rows, a reversal offsetting its charge.
 */
import { EngineError } from '../../src/core/errors';
import { parseHl7 } from '../../src/hl7';
import {
  chargeItemFromRow,
  coverageFactsFromIn1,
  coverageFromFacts,
  dispensesFromRds,
  fhirTransformer,
  immunizationsFromVxu,
  patientFactsFromPid,
  patientFromFacts,
  validateResource,
  type ChargeRow,
} from '../../src/fhir';
import { load } from './helpers';

const hl7 = (...lines: string[]) => lines.join('\r');

const VXU = hl7(
  'MSH|^~\\&|RXSYS|TESTPHARM|IIS|STATE|20250301093000-0500||VXU^V04^VXU_V04|VXU-0001|P|2.5.1',
  'PID|1||TESTPAT0002^^^TESTPHARM^MR||TESTPATIENT^SAM^Q||19700102|M',
  'ORC|RE||DOSE-1^TESTPHARM|||||||||1234567893^PHARMACIST^PAT^^^^^^NPPES^L^^^NPI',
  'RXA|0|1|20250301093000-0500||140^Influenza IIV3 PF^CVX^49281042250^Fluzone^NDC|0.5|mL^mL^UCUM||00^New record^NIP001|1234567893^PHARMACIST^PAT^^^^^^NPPES^L^^^NPI|||||LOT-A1|20251231|PMC^Sanofi Pasteur^MVX|||CP|A',
  'RXR|C28161^Intramuscular^NCIT|LD^Left Deltoid^HL70163',
  'OBX|1|CE|64994-7^Vaccine funding program eligibility^LN|1|V01^Not VFC eligible^HL70064||||||F',
  'ORC|RE||DOSE-2^TESTPHARM',
  'RXA|0|1|20250301||115^Tdap^CVX|999||||||||||||00^Parental decision^NIP002||RE|A',
  'ORC|RE||DOSE-3^TESTPHARM',
  'RXA|0|1|20240901||88^Influenza, unspecified^CVX|999|||01^Historical^NIP001|||||||||||CP|A',
  'ORC|RE||DOSE-4^TESTPHARM',
  'RXA|0|1|20250215||141^Influenza IIV3^CVX|0.5|mL^mL^UCUM||00^New record^NIP001|||||||||||CP|D',
);

const RDS = hl7(
  'MSH|^~\\&|RXSYS|TESTPHARM|RXBRIDGE|BILLING|20250302100000||RDS^O13^RDS_O13|RDS-0001|P|2.5.1',
  'PID|1||TESTPAT0002^^^TESTPHARM^MR||TESTPATIENT^SAM||19700102|M',
  'ORC|RE|ORD-1',
  'RXD|1|00093-7180-56^Atorvastatin 20 mg^NDC|20250302101500|30|TAB^Tablet^HL70292||RX-9001|||1987654328^DISPENSER^DANA^^^^^^^^^^NPI',
  'ZRX|1||30',
  'ORC|CA|ORD-2',
  'RXD|2|0093718056^Atorvastatin 20 mg^NDC|20250302|30|TAB||RX-9002',
);

const ADT = hl7(
  'MSH|^~\\&|RXSYS|TESTPHARM|RXBRIDGE|BILLING|20250301090000||ADT^A04^ADT_A01|ADT-0001|P|2.5.1',
  'PID|1||TESTPAT0002^^^TESTPHARM^MR||TESTPATIENT^SAM^Q||19700102|M|||2 OAK ST^APT 3^ANYTOWN^NY^10001||^PRN^PH^^^212^5550100',
  'IN1|1|COM-PLAN^Commercial|SYN-COM|Synthetic Commercial||||GRP-9||||20240101|20261231||CI|TESTPATIENT^SAM|SEL|||||1||||||||||||||MEM-1',
  'IN1|2|MCD-PLAN^Medicaid|SYN-MCD|Synthetic Medicaid||||||||20240101|||MC|TESTPATIENT^SAM|SPO|||||2||||||||||||||MEM-2',
);

function expectValid(resource: unknown): void {
  expect(validateResource(resource)).toEqual([]);
}

describe('Immunization from VXU^V04', () => {
  const imms = immunizationsFromVxu(parseHl7(VXU), '41');

  test('one per RXA with deterministic ids, each valid R4 and US Core', () => {
    expect(imms.map((i) => i.id)).toEqual(['41-imm-1', '41-imm-2', '41-imm-3', '41-imm-4']);
    for (const i of imms) expectValid(i);
    expect(immunizationsFromVxu(parseHl7(VXU), '41')).toEqual(imms);
  });

  test('a new dose: CVX and NDC codings, lot, expiry, site, route, dose, performers, eligibility, primarySource', () => {
    expect(imms[0]).toMatchObject({
      status: 'completed',
      vaccineCode: {
        coding: [
          { system: 'http://hl7.org/fhir/sid/cvx', code: '140' },
          { system: 'http://hl7.org/fhir/sid/ndc', code: '49281042250' },
        ],
      },
      patient: { reference: 'Patient/TESTPAT0002' },
      occurrenceDateTime: '2025-03-01T09:30:00.000-05:00',
      primarySource: true,
      lotNumber: 'LOT-A1',
      expirationDate: '2025-12-31',
      manufacturer: { identifier: { system: 'http://hl7.org/fhir/sid/mvx', value: 'PMC' } },
      route: { coding: [{ code: 'C28161' }] },
      site: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0163', code: 'LD' }] },
      doseQuantity: { value: 0.5, system: 'http://unitsofmeasure.org', code: 'mL' },
      identifier: [{ value: 'DOSE-1' }],
      programEligibility: [{ coding: [{ code: 'V01' }] }],
    });
    expect(imms[0]!.performer).toEqual([
      {
        function: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0443', code: 'AP' }] },
        actor: { identifier: { system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' }, display: 'PAT PHARMACIST' },
      },
      {
        function: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0443', code: 'OP' }] },
        actor: { identifier: { system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' }, display: 'PAT PHARMACIST' },
      },
    ]);
  });

  test('a refusal (RXA-18, RXA-20 RE) is not-done with its statusReason and no doseQuantity for 999', () => {
    expect(imms[1]).toMatchObject({ status: 'not-done', statusReason: { coding: [{ code: '00', display: 'Parental decision' }] } });
    expect(imms[1]!.doseQuantity).toBeUndefined();
    const noReason = immunizationsFromVxu(parseHl7(VXU.replace('00^Parental decision^NIP002', '')), '41')[1]!;
    expect(noReason).toMatchObject({ status: 'not-done', statusReason: { coding: [{ code: 'PATOBJ' }] } });
    expectValid(noReason);
  });

  test('a historical dose (RXA-9 01) has primarySource false and reportOrigin; a deletion (RXA-21 D) is entered-in-error', () => {
    expect(imms[2]).toMatchObject({ primarySource: false, reportOrigin: { coding: [{ code: '01' }] }, occurrenceDateTime: '2024-09-01' });
    expect(imms[3]!.status).toBe('entered-in-error');
  });

  test.each([
    'microsoft__FHIR-Converter__VXU.hl7',
    'microsoft__FHIR-Converter__VXU-V04-01.hl7',
    'microsoft__FHIR-Converter__VXU-V04-02.hl7',
    'microsoft__FHIR-Converter__IZ_1_1.1_Admin_Child_Max_Message.hl7',
  ])('corpus %s: every Immunization is valid', (file) => {
    const out = immunizationsFromVxu(parseHl7(load(file)), '9');
    expect(out.length).toBeGreaterThan(0);
    for (const i of out) expectValid(i);
  });

  test('the corpus child message: lot, expiry, MVX, site and VFC eligibility', () => {
    const [imm] = immunizationsFromVxu(parseHl7(load('microsoft__FHIR-Converter__IZ_1_1.1_Admin_Child_Max_Message.hl7')), '9');
    expect(imm).toMatchObject({
      lotNumber: 'Z0860BB',
      expirationDate: '2012-11-04',
      manufacturer: { identifier: { value: 'CSL' } },
      site: { coding: [{ code: 'LD' }] },
      programEligibility: [{ coding: [{ code: 'V05' }] }],
    });
  });
});

describe('MedicationDispense from RDS', () => {
  const [first, cancelled] = dispensesFromRds(parseHl7(RDS), '52');

  test('NDC as 11 digits, quantity, days supply (ZRX-3), handed over, Rx number, dispenser', () => {
    expect(first).toMatchObject({
      id: '52-md-1',
      status: 'completed',
      medicationCodeableConcept: { coding: [{ system: 'http://hl7.org/fhir/sid/ndc', code: '00093718056' }] },
      subject: { reference: 'Patient/TESTPAT0002' },
      quantity: { value: 30, unit: 'Tablet' },
      daysSupply: { value: 30, code: 'd', system: 'http://unitsofmeasure.org' },
      whenHandedOver: '2025-03-02T10:15:00.000Z',
      identifier: [{ value: 'RX-9001' }],
      performer: [{ actor: { identifier: { system: 'http://hl7.org/fhir/sid/us-npi', value: '1987654328' } } }],
    });
    expectValid(first);
  });

  test('ORC-1 CA is a cancelled dispense; a 10-digit NDC without hyphens is kept as sent', () => {
    expect(cancelled).toMatchObject({ id: '52-md-2', status: 'cancelled', medicationCodeableConcept: { coding: [{ code: '0093718056' }] } });
    expect(cancelled!.daysSupply).toBeUndefined();
    expectValid(cancelled);
  });

  test.each(['microsoft__FHIR-Converter__RDS-O13-01.hl7', 'microsoft__FHIR-Converter__RDS-O13-02.hl7'])('corpus %s is valid', (file) => {
    const out = dispensesFromRds(parseHl7(load(file)), '9');
    expect(out.length).toBeGreaterThan(0);
    for (const d of out) expectValid(d);
  });
});

describe('Patient and Coverage from ADT', () => {
  const msg = parseHl7(ADT);

  test('Patient: MR identifier, name, gender, birth date, address, phone', () => {
    const p = patientFromFacts(patientFactsFromPid(msg));
    expect(p).toMatchObject({
      id: 'TESTPAT0002',
      identifier: [{ value: 'TESTPAT0002' }],
      name: [{ family: 'TESTPATIENT', given: ['SAM', 'Q'] }],
      gender: 'male',
      birthDate: '1970-01-02',
      address: [{ line: ['2 OAK ST', 'APT 3'], city: 'ANYTOWN', state: 'NY', postalCode: '10001' }],
      telecom: [{ system: 'phone', value: '2125550100' }],
    });
    expectValid(p);
  });

  test('Coverage per IN1: subscriber id, payor, relationship, period, group, order', () => {
    const [primary, secondary] = coverageFactsFromIn1(msg).map(coverageFromFacts);
    expect(primary).toMatchObject({
      status: 'active',
      subscriberId: 'MEM-1',
      beneficiary: { reference: 'Patient/TESTPAT0002' },
      payor: [{ identifier: { value: 'SYN-COM' }, display: 'Synthetic Commercial' }],
      relationship: { coding: [{ code: 'self' }] },
      period: { start: '2024-01-01', end: '2026-12-31' },
      class: [{ value: 'GRP-9' }],
      order: 1,
    });
    expect(secondary).toMatchObject({ subscriberId: 'MEM-2', relationship: { coding: [{ code: 'spouse' }] }, order: 2 });
    expect(primary!.id).not.toBe(secondary!.id);
    expectValid(primary);
    expectValid(secondary);
  });

  test.each(['microsoft__FHIR-Converter__ADT-A04-01.hl7', 'microsoft__FHIR-Converter__ADT-A08-01.hl7'])('corpus %s is valid', (file) => {
    const m = parseHl7(load(file));
    expectValid(patientFromFacts(patientFactsFromPid(m)));
    for (const c of coverageFactsFromIn1(m)) expectValid(coverageFromFacts(c));
  });
});

describe('ChargeItem from charge rows', () => {
  const base: ChargeRow = {
    id: '7',
    status: 'reversed',
    reversal_of: null,
    transaction_id: 'RX-9001-1',
    service_date: '2025-03-02',
    patient_ref: 'TESTPAT0002',
    code_system: 'NDC',
    code: '00093718056',
    modifiers: [],
    units: '30.000',
    charge_amount: '12.50',
    diagnoses: ['E78.5'],
    rendering_npi: '1987654328',
    ndc: '00093718056',
    created_at: new Date('2025-03-02T10:16:00Z'),
    unpriced: false,
  };

  test('a charge: code, subject, date, quantity, price, diagnosis, product, performer', () => {
    const item = chargeItemFromRow(base);
    expect(item).toMatchObject({
      id: 'charge-7',
      status: 'billable',
      identifier: [{ value: 'RX-9001-1' }],
      code: { coding: [{ system: 'http://hl7.org/fhir/sid/ndc', code: '00093718056' }] },
      subject: { reference: 'Patient/TESTPAT0002' },
      occurrenceDateTime: '2025-03-02',
      quantity: { value: 30 },
      priceOverride: { value: 12.5, currency: 'USD' },
      reason: [{ coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E78.5' }] }],
      productCodeableConcept: { coding: [{ code: '00093718056' }] },
      enteredDate: '2025-03-02T10:16:00.000Z',
    });
    expectValid(item);
  });

  test('a reversal offsets it: negative quantity and price, and a reference to the reversed ChargeItem', () => {
    const item = chargeItemFromRow({ ...base, id: '8', status: 'reversal', reversal_of: '7', charge_amount: '-12.50' });
    expect(item).toMatchObject({
      quantity: { value: -30 },
      priceOverride: { value: -12.5 },
      supportingInformation: [{ reference: 'ChargeItem/charge-7' }],
    });
    expectValid(item);
  });

  test('an unpriced charge has no price; a held one is not-billable; CPT modifiers are in the text', () => {
    const unpriced = chargeItemFromRow({ ...base, unpriced: true, charge_amount: '0.00' });
    expect(unpriced.priceOverride).toBeUndefined();
    const held = chargeItemFromRow({ ...base, status: 'held', code_system: 'CPT', code: '90471', modifiers: ['SL'], ndc: null });
    expect(held).toMatchObject({ status: 'not-billable', code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt' }], text: '90471 SL' } });
    expectValid(held);
  });
});

describe('the destination transformer', () => {
  const input = (content: string) => ({ messageId: '60', channel: 'pharmacy-inbound', content });

  test('one resource is sent as itself, several as a transaction Bundle of PUTs by id', () => {
    const patient = fhirTransformer('Patient')!(input(ADT)) as { resourceType: string; id: string };
    expect(patient).toMatchObject({ resourceType: 'Patient', id: 'TESTPAT0002' });
    const bundle = fhirTransformer('Immunization')!(input(VXU)) as { type: string; entry: Array<{ request: { method: string; url: string } }> };
    expect(bundle.type).toBe('transaction');
    expect(bundle.entry.map((e) => e.request)).toEqual([1, 2, 3, 4].map((n) => ({ method: 'PUT', url: `Immunization/60-imm-${n}` })));
    expectValid(bundle);
  });

  test('Bundle carries the patient, coverages and clinical resources of a message', () => {
    const bundle = fhirTransformer('Bundle')!(input(RDS)) as { entry: Array<{ resource: { resourceType: string } }> };
    expect(bundle.entry.map((e) => e.resource.resourceType)).toEqual(['Patient', 'MedicationDispense', 'MedicationDispense']);
  });

  test('unknown names give no transformer; a message without the segment, or an invalid result, is FHIR_INVALID', () => {
    expect(fhirTransformer('Observation')).toBeUndefined();
    expect(() => fhirTransformer('Immunization')!(input(RDS))).toThrow(EngineError);
    const noCode = VXU.replace('140^Influenza IIV3 PF^CVX^49281042250^Fluzone^NDC', '');
    let error: unknown;
    try {
      fhirTransformer('Immunization')!(input(noCode));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('FHIR_INVALID');
    expect((error as EngineError).message).toContain('Bundle.entry[0].resource.vaccineCode');
    expect((error as EngineError).message).not.toContain('TESTPAT');
  });
});
