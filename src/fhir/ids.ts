/**
 * Deterministic FHIR ids: the same message (or stored row) always gives the same ids, on every replay and every
 * retry, so `update` (PUT by id) is idempotent at the receiver. FHIR ids are [A-Za-z0-9.-]{1,64}.
 */
import { createHash } from 'node:crypto';

const FHIR_ID = /^[A-Za-z0-9.-]{1,64}$/;

export function isFhirId(value: string): boolean {
  return FHIR_ID.test(value);
}

/** A resource made from one message: `<message id>-<kind>-<n>` (n is 1-based, in message order). */
export function messageResourceId(messageId: string, kind: string, n: number): string {
  return safeId(`${messageId}-${kind}-${n}`);
}

/**
 * The Patient id of a patient ref (PID-3.1): the ref itself when it is a valid FHIR id that does not start with
 * `h-`, else `h-` and a hash of it. Stable across messages, so every resource of one patient points at one Patient.
 */
export function patientId(patientRef: string): string {
  return FHIR_ID.test(patientRef) && !patientRef.startsWith('h-') ? patientRef : hashed(patientRef);
}

/** The Coverage id of one plan of one patient (the store's key: patient ref + plan id). */
export function coverageId(patientRef: string, planId: string): string {
  return hashed(`coverage|${patientRef}|${planId}`);
}

/** A ChargeItem id: the charge's store row id. */
export function chargeItemId(chargeRowId: string): string {
  return `charge-${chargeRowId}`;
}

function safeId(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9.-]/g, '.');
  return cleaned.length <= 64 ? cleaned : hashed(text);
}

/** `h-` + 40 hex characters of sha256 (src/store/fhir-source.ts matches the same hash in SQL). */
export function hashed(text: string): string {
  return `h-${createHash('sha256').update(text).digest('hex').slice(0, 40)}`;
}
