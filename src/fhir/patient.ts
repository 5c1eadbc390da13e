/**
 * Patient (US Core) and Coverage from the demographics and coverage records the ADT mapping writes (PatientRecord,
 * CoverageRecord in src/mappings/records.ts, or the same columns of the store), or read straight from PID/IN1 of a
 * message. Pure.
 */
import type { Hl7Message } from '../hl7/parse';
import { readFieldValue, readMessage, segmentsNamed } from '../hl7/path';
import { applyFunctions } from '../mappings/functions';
import type { CoverageRecord, PatientRecord } from '../mappings/records';
import { compact, fhirDate, str } from './hl7-values';
import { coverageId, patientId } from './ids';

export const US_CORE_PATIENT = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient';

export type PatientFacts = Omit<PatientRecord, 'sourceKey' | 'asOf'>;
export type CoverageFacts = Pick<
  CoverageRecord,
  | 'patientRef'
  | 'planId'
  | 'payerId'
  | 'payerName'
  | 'memberId'
  | 'groupNumber'
  | 'groupName'
  | 'planType'
  | 'relationship'
  | 'priority'
  | 'effectiveDate'
  | 'expirationDate'
>;

export interface Resource {
  resourceType: string;
  id: string;
  [element: string]: unknown;
}

const GENDER: Readonly<Record<string, string>> = { M: 'male', F: 'female', O: 'other', U: 'unknown' };
/** 837P SBR02 / table 0063 relationship (as the mappings' `relationship` function gives it) → FHIR subscriber-relationship. */
const RELATIONSHIP: Readonly<Record<string, string>> = { '18': 'self', '01': 'spouse', '19': 'child', '20': 'other', G8: 'other' };
const MR_TYPE = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] };

export function patientFromFacts(p: PatientFacts): Resource {
  const given = [p.givenName, p.middleName].map((g) => str(g)).filter((g): g is string => g !== undefined);
  const name = compact({ family: str(p.familyName), given });
  const line = [p.addressLine1, p.addressLine2].map((l) => str(l)).filter((l): l is string => l !== undefined);
  const address = compact({ line, city: str(p.city), state: str(p.state), postalCode: str(p.postalCode) });
  return compact({
    resourceType: 'Patient',
    id: patientId(p.patientRef),
    meta: { profile: [US_CORE_PATIENT] },
    identifier: [{ type: MR_TYPE, value: p.patientRef }],
    name: Object.keys(name).length > 0 ? [name] : undefined,
    telecom: str(p.phone) ? [{ system: 'phone', value: str(p.phone) }] : undefined,
    gender: p.sex ? (GENDER[p.sex.toUpperCase()] ?? 'unknown') : 'unknown',
    birthDate: p.birthDate ?? undefined,
    address: Object.keys(address).length > 0 ? [address] : undefined,
  });
}

export function coverageFromFacts(c: CoverageFacts): Resource {
  const relationship = c.relationship ? RELATIONSHIP[c.relationship.toUpperCase()] : undefined;
  const group = str(c.groupNumber);
  return compact({
    resourceType: 'Coverage',
    id: coverageId(c.patientRef, c.planId),
    identifier: str(c.memberId) ? [{ value: str(c.memberId) }] : undefined,
    status: 'active',
    type: str(c.planType) ? { text: str(c.planType) } : undefined,
    subscriberId: str(c.memberId),
    beneficiary: { reference: `Patient/${patientId(c.patientRef)}` },
    relationship: relationship
      ? { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/subscriber-relationship', code: relationship }] }
      : undefined,
    period:
      c.effectiveDate || c.expirationDate
        ? compact({ start: c.effectiveDate ?? undefined, end: c.expirationDate ?? undefined })
        : undefined,
    payor: [
      compact({ identifier: str(c.payerId) ? { value: str(c.payerId) as string } : undefined, display: str(c.payerName) ?? c.planId }),
    ],
    class: group
      ? [
          compact({
            type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/coverage-class', code: 'group' }] },
            value: group,
            name: str(c.groupName),
          }),
        ]
      : undefined,
    order: c.priority >= 1 ? c.priority : undefined,
  });
}

function fn(name: string, value: string): string | null {
  if (value === '') return null;
  try {
    return applyFunctions([name], value) || null;
  } catch {
    return null;
  }
}

/** PID of a message as PatientFacts, read as the shipped adt mapping reads it (PID-3.1 is the patient ref). */
export function patientFactsFromPid(msg: Hl7Message): PatientFacts {
  const r = (path: string) => readMessage(msg, path);
  return {
    patientRef: r('PID-3.1'),
    familyName: str(r('PID-5.1')) ?? null,
    givenName: str(r('PID-5.2')) ?? null,
    middleName: str(r('PID-5.3')) ?? null,
    birthDate: fhirDate(r('PID-7')) ?? null,
    sex: fn('sex', r('PID-8')),
    addressLine1: str(r('PID-11.1')) ?? null,
    addressLine2: str(r('PID-11.2')) ?? null,
    city: str(r('PID-11.3')) ?? null,
    state: str(r('PID-11.4')) ?? null,
    postalCode: str(r('PID-11.5')) ?? null,
    phone: fn('digits', r('PID-13.1')) ?? fn('digits', `${r('PID-13.6')}${r('PID-13.7')}`),
    accountNumber: str(r('PID-18.1')) ?? null,
  };
}

/**
 * Each IN1 of a message as CoverageFacts: plan IN1-2.1 (else the company id IN1-3.1), payer IN1-3.1 as sent (the
 * billing crosswalk is not applied), member id IN1-36 else IN1-49.1, relationship IN1-17, priority IN1-22 else the
 * IN1's place.
 */
export function coverageFactsFromIn1(msg: Hl7Message): CoverageFacts[] {
  const patientRef = readMessage(msg, 'PID-3.1');
  const d = msg.delimiters;
  return segmentsNamed(msg, 'IN1').map(({ seg }, i) => {
    const f = (field: number, component = 1) => {
      const raw = seg.fields[field] ?? '';
      return raw === '' ? '' : (str(readFieldValue(raw, d, 1, component)) ?? '');
    };
    const priority = Number(fn('cobPriority', f(22)) ?? i + 1);
    return {
      patientRef,
      planId: f(2) || f(3),
      payerId: f(3) || null,
      payerName: f(4) || null,
      memberId: f(36) || f(49) || null,
      groupNumber: f(8) || null,
      groupName: f(9) || null,
      planType: f(15) || null,
      relationship: fn('relationship', f(17)),
      priority: Number.isInteger(priority) && priority > 0 ? priority : i + 1,
      effectiveDate: fhirDate(f(12)) ?? null,
      expirationDate: fhirDate(f(13)) ?? null,
    };
  });
}
