/**
 * RDS^O13 / RDS^O01 → FHIR R4 MedicationDispense (one per RXD, in message order). Pure.
 *
 * RXD-2 medicationCodeableConcept (an NDC coding as 11 digits), RXD-3 whenHandedOver, RXD-4/5 quantity, RXD-7 (else
 * RXE-15) the prescription number as identifier, RXD-10 performer (the dispensing pharmacist), ZRX-3 daysSupply (the
 * shipped rds mapping's place for it: HL7 has no days-supply field through 2.5.1), ORC-1 CA/CR/DC/OC → status
 * cancelled, else completed. The group is the mapping's (mappings/rds.yaml).
 */
import type { Hl7Message } from '../hl7/parse';
import { codeableConcept, compact, fhirDateTime, fhirDecimal, str, systemUri } from './hl7-values';
import { messageResourceId, patientId } from './ids';
import { providerReference } from './people';
import { groupReaders, type GroupReader } from './segments';

const RDS_GROUP = ['ORC', 'RXD', 'TQ1', 'TQ2', 'RXO', 'RXE', 'RXR', 'RXC', 'NTE', 'PRT', 'CDO', 'OBX', 'FT1', 'ZRX'] as const;
const CANCELLED = new Set(['CA', 'CR', 'DC', 'OC']);
/** Identifier type for the prescription number (v2 table 0203 has no Rx-number code: "FILL" is a filler number). */
const RX_NUMBER_TYPE = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'FILL' }], text: 'Prescription number' };

export interface MedicationDispense {
  resourceType: 'MedicationDispense';
  id: string;
  [element: string]: unknown;
}

function quantity(read: GroupReader) {
  const value = fhirDecimal(read('RXD-4'));
  if (value === undefined) return undefined;
  const [code = '', text = '', system = ''] = read.parts('RXD-5', 3);
  const uri = systemUri(system);
  return compact({ value, unit: str(text || code), system: uri, code: uri ? str(code) : undefined });
}

function oneDispense(read: GroupReader, id: string): MedicationDispense {
  const rx = read('RXD-7') || read('RXE-15');
  const days = fhirDecimal(read('ZRX-3'));
  const pharmacist = providerReference(read.parts('RXD-10', 13));
  return compact({
    resourceType: 'MedicationDispense' as const,
    id,
    identifier: rx ? [{ type: RX_NUMBER_TYPE, value: rx }] : undefined,
    status: CANCELLED.has(read('ORC-1').toUpperCase()) ? 'cancelled' : 'completed',
    medicationCodeableConcept: codeableConcept(read.parts('RXD-2', 6)),
    subject: { reference: `Patient/${patientId(read('PID-3.1'))}` },
    performer: pharmacist ? [{ actor: pharmacist }] : undefined,
    quantity: quantity(read),
    daysSupply: days === undefined ? undefined : { value: days, unit: 'day', system: 'http://unitsofmeasure.org', code: 'd' },
    whenHandedOver: fhirDateTime(read('RXD-3')),
  });
}

/** Every RXD of an RDS as a MedicationDispense with the id `<messageId>-md-<n>`. */
export function dispensesFromRds(msg: Hl7Message, messageId: string): MedicationDispense[] {
  return groupReaders(msg, 'RXD', RDS_GROUP).map((read, i) => oneDispense(read, messageResourceId(messageId, 'md', i + 1)));
}
