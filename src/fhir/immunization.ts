/**
 * VXU^V04 → FHIR R4 Immunization, US Core profile (one per RXA, in message order). Pure.
 *
 * RXA-3 occurrence, RXA-5 vaccineCode (CVX and NDC codings), RXA-6/7 doseQuantity (999 = unknown: left out),
 * RXA-9 primarySource/reportOrigin (NIP001 00 = new record → primarySource true; 01-08 historical → false with
 * reportOrigin), RXA-10 performer AP, ORC-12 performer OP, RXA-15 lotNumber, RXA-16 expirationDate, RXA-17
 * manufacturer (MVX), RXA-18 statusReason, RXA-20/21 status, RXR-1 route, RXR-2 site, ORC-3 identifier, OBX 64994-7
 * programEligibility. The group is the mapping's (mappings/vxu-v04.yaml): ORC PRT TQ1 TQ2 RXA RXR OBX NTE.
 */
import type { Hl7Message } from '../hl7/parse';
import { codeableConcept, compact, fhirDate, fhirDateTime, fhirDecimal, str, systemUri, type CodeableConcept } from './hl7-values';
import { messageResourceId, patientId } from './ids';
import { providerReference, type Reference } from './people';
import { groupReaders, type GroupReader } from './segments';

export const US_CORE_IMMUNIZATION = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-immunization';
const VXU_GROUP = ['ORC', 'PRT', 'TQ1', 'TQ2', 'RXA', 'RXR', 'OBX', 'NTE'] as const;
const PERFORMER_FUNCTION = 'http://terminology.hl7.org/CodeSystem/v2-0443';

export interface Immunization {
  resourceType: 'Immunization';
  id: string;
  [element: string]: unknown;
}

/**
 * completed: RXA-20 CP, PA or empty (the CDC guide reads empty as complete); not-done: RE, NA, or any RXA-18
 * refusal reason; entered-in-error: RXA-21 D (a deletion of the dose).
 */
export function immunizationStatus(completion: string, refusal: string, action: string): 'completed' | 'not-done' | 'entered-in-error' {
  if (action.toUpperCase() === 'D') return 'entered-in-error';
  if (refusal !== '' || ['RE', 'NA'].includes(completion.toUpperCase())) return 'not-done';
  return 'completed';
}

/** RXA-20 RE without an RXA-18 reason: the patient objected (v3 ActReason PATOBJ). NA without a reason: none. */
function refusedWithoutReason(completion: string): CodeableConcept | undefined {
  return completion.toUpperCase() === 'RE'
    ? { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'PATOBJ', display: 'patient objection' }] }
    : undefined;
}

function performer(code: 'AP' | 'OP', actor: Reference | undefined) {
  return actor ? { function: { coding: [{ system: PERFORMER_FUNCTION, code }] }, actor } : undefined;
}

function doseQuantity(read: GroupReader) {
  const value = read('RXA-6');
  if (value === '' || value === '999') return undefined;
  const amount = fhirDecimal(value);
  if (amount === undefined) return undefined;
  const [code = '', text = '', system = ''] = read.parts('RXA-7', 3);
  const uri = systemUri(system);
  return compact({ value: amount, unit: str(code || text), system: uri, code: uri ? str(code) : undefined });
}

function oneImmunization(read: GroupReader, id: string): Immunization {
  const status = immunizationStatus(read('RXA-20'), read('RXA-18'), read('RXA-21'));
  const origin = read('RXA-9.1');
  const historical = /^0[1-8]$/.test(origin);
  const mvx = read('RXA-17.1');
  const manufacturer =
    mvx || read('RXA-17.2')
      ? compact({ identifier: mvx ? { system: systemUri('MVX'), value: mvx } : undefined, display: str(read('RXA-17.2')) })
      : undefined;
  const eligibility = codeableConcept(read.parts('OBX(where OBX-3.1=64994-7)-5', 6));
  const filler = read('ORC-3.1');
  return compact({
    resourceType: 'Immunization' as const,
    id,
    meta: { profile: [US_CORE_IMMUNIZATION] },
    identifier: filler ? [{ value: filler }] : undefined,
    status,
    statusReason: status === 'not-done' ? (codeableConcept(read.parts('RXA-18', 6)) ?? refusedWithoutReason(read('RXA-20'))) : undefined,
    vaccineCode: codeableConcept(read.parts('RXA-5', 6)),
    patient: { reference: `Patient/${patientId(read('PID-3.1'))}` },
    occurrenceDateTime: fhirDateTime(read('RXA-3')),
    primarySource: origin === '00' ? true : historical ? false : undefined,
    reportOrigin: historical ? (codeableConcept(read.parts('RXA-9', 6)) as CodeableConcept) : undefined,
    manufacturer,
    lotNumber: str(read('RXA-15')),
    expirationDate: fhirDate(read('RXA-16')),
    site: codeableConcept(read.parts('RXR-2', 6)),
    route: codeableConcept(read.parts('RXR-1', 6)),
    doseQuantity: doseQuantity(read),
    performer: [
      performer('AP', providerReference(read.parts('RXA-10', 13))),
      performer('OP', providerReference(read.parts('ORC-12', 13))),
    ].filter((p) => p !== undefined),
    programEligibility: eligibility ? [eligibility] : undefined,
  });
}

/** Every RXA of a VXU as an Immunization with the id `<messageId>-imm-<n>`. */
export function immunizationsFromVxu(msg: Hl7Message, messageId: string): Immunization[] {
  return groupReaders(msg, 'RXA', VXU_GROUP).map((read, i) => oneImmunization(read, messageResourceId(messageId, 'imm', i + 1)));
}
