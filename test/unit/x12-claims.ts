/**
 * Synthetic claims for the 837P writer tests and golden files (test/golden/837p). Every person, NPI and id
 * here is invented; the NPIs pass the 80840 Luhn check (1234567893 billing pharmacy, 1987654328 pharmacist,
 * 1111111112 prescriber) and the NDC is a placeholder.
 */
import type { BillingProvider, Claim, ClaimLine, ControlNumbers, Interchange, Patient, Payer, Subscriber } from '../../src/billing/model';

export const NOW = new Date('2025-01-15T12:00:00Z');

export const INTERCHANGE: Interchange = {
  senderId: 'SUBMITTERID',
  senderQualifier: 'ZZ',
  receiverId: 'RECEIVERID',
  receiverQualifier: 'ZZ',
  submitterName: 'EXAMPLE PHARMACY',
  submitterContactName: 'BILLING DESK',
  submitterPhone: '555-555-0100',
  receiverName: 'EXAMPLE CLEARINGHOUSE',
  usage: 'T',
};

export const CONTROL: ControlNumbers = { interchange: 101, group: 101, transactionSet: 1 };

export const PHARMACY: BillingProvider = {
  name: 'EXAMPLE PHARMACY',
  npi: '1234567893',
  taxIdType: 'EI',
  taxId: '123456789',
  taxonomy: '3336C0003X',
  address: { line1: '100 MAIN ST', city: 'ANYTOWN', state: 'NY', zip: '100010001' },
  cliaNumber: '12D3456789',
};

export const PAYER: Payer = { id: '12345', name: 'EXAMPLE HEALTH PLAN' };

export const SUBSCRIBER: Subscriber = {
  memberId: 'MEMBER123',
  groupNumber: 'GRP123',
  payerResponsibility: 'P',
  filingIndicator: 'CI',
  familyName: 'DOE',
  givenName: 'JANE',
  birthDate: '1980-01-01',
  sex: 'F',
  address: { line1: '1 ELM ST', city: 'ANYTOWN', state: 'NY', zip: '10001' },
};

export const SELF: Patient = {
  patientRef: 'P0001',
  familyName: 'DOE',
  givenName: 'JANE',
  birthDate: '1980-01-01',
  sex: 'F',
  address: { line1: '1 ELM ST', city: 'ANYTOWN', state: 'NY', zip: '10001' },
  relationship: '18',
};

export const SPOUSE: Patient = {
  patientRef: 'P0002',
  familyName: 'DOE',
  givenName: 'JOHN',
  birthDate: '1978-06-30',
  sex: 'M',
  address: { line1: '1 ELM ST', city: 'ANYTOWN', state: 'NY', zip: '10001' },
  relationship: '01',
};

export const PHARMACIST = { npi: '1987654328', familyName: 'SMITH', givenName: 'ALEX', taxonomy: '183500000X' };
export const PRESCRIBER = { npi: '1111111112', familyName: 'JONES', givenName: 'RILEY' };

export function line(n: number, fields: Partial<ClaimLine> & Pick<ClaimLine, 'code' | 'chargeAmount'>): ClaimLine {
  return {
    lineNumber: n,
    chargeId: `C${1000 + n}`,
    codeSystem: 'CPT',
    modifiers: [],
    units: '1.000',
    serviceDate: '2025-01-15',
    diagnosisPointers: [1],
    serviceKind: 'other',
    ...fields,
  };
}

export function claim(fields: Partial<Claim> & Pick<Claim, 'lines'>): Claim {
  return {
    id: '1',
    controlNumber: 'RX11A',
    frequency: '1',
    billingProvider: PHARMACY,
    payer: PAYER,
    subscriber: SUBSCRIBER,
    patient: SELF,
    placeOfService: '01',
    diagnoses: ['Z23'],
    totalCharge: fields.lines.reduce((s, l) => s + Number(l.chargeAmount), 0).toFixed(2),
    ...fields,
  };
}

/** A CLIA-waived strep test, one line (REF*X4 because the pharmacy has a CLIA number). */
export const singleLine = (): Claim[] => [
  claim({
    id: '11', controlNumber: 'RXB7', diagnoses: ['J02.9'],
    lines: [line(1, { code: '87880', modifiers: ['QW'], chargeAmount: '35.00', serviceKind: 'poc-test' })],
  }),
];

/** MTM: 99605 plus the add-on 99607 for two more 15-minute blocks, rendered by a pharmacist (2310B). */
export const mtmWithAddOn = (): Claim[] => [
  claim({
    id: '12', controlNumber: 'RXC5', diagnoses: ['E11.9', 'I10'], renderingProvider: PHARMACIST,
    lines: [
      line(1, { code: '99605', chargeAmount: '75.00', diagnosisPointers: [1, 2], serviceKind: 'mtm' }),
      line(2, { code: '99607', units: '2', chargeAmount: '50.00', diagnosisPointers: [1, 2], serviceKind: 'mtm' }),
    ],
  }),
];

/** A flu vaccine: administration 90471 and product 90686 with its NDC (2410 LIN/CTP/REF*XZ), ordered by a prescriber. */
export const vaccineWithNdc = (): Claim[] => [
  claim({
    id: '13', controlNumber: 'RXD3', diagnoses: ['Z23'],
    lines: [
      line(1, { code: '90471', chargeAmount: '20.00', serviceKind: 'immunization-admin', orderingProvider: PRESCRIBER }),
      line(2, {
        code: '90686', chargeAmount: '25.50', serviceKind: 'vaccine-product', orderingProvider: PRESCRIBER,
        ndc: '12345678901', ndcQuantity: '0.500', ndcUnit: 'ML', rxNumber: 'RX778899',
      }),
    ],
  }),
];

/** The subscriber's own claim and her spouse's claim: 2000B (self), then 2000B + 2000C (PAT*01). */
export const patientNotSubscriber = (): Claim[] => [
  claim({
    id: '14', controlNumber: 'RXE1', diagnoses: ['E11.9'],
    lines: [line(1, { code: '99606', chargeAmount: '60.00', serviceKind: 'mtm' })],
  }),
  claim({
    id: '15', controlNumber: 'RXFZ', diagnoses: ['I10', 'E78.5'], patient: SPOUSE,
    lines: [line(1, { code: '99606', chargeAmount: '60.00', diagnosisPointers: [2, 1], serviceKind: 'mtm', chargeId: 'C2001' })],
  }),
];

/** A replacement (frequency 7) of a paid claim: REF*F8 carries the payer's claim number; REF*G1 a prior auth. */
export const replacement = (): Claim[] => [
  claim({
    id: '16', controlNumber: 'RXGX', frequency: '7', payerClaimNumber: 'PAYERCLM0001', priorAuthorization: 'PA55555',
    diagnoses: ['E11.9'],
    lines: [line(1, { code: '99606', chargeAmount: '60.00', serviceKind: 'mtm' })],
  }),
];

export const GOLDEN_CASES: Record<string, () => Claim[]> = {
  'single-line': singleLine,
  'mtm-add-on': mtmWithAddOn,
  'vaccine-ndc': vaccineWithNdc,
  'patient-not-subscriber': patientNotSubscriber,
  'replacement': replacement,
};
