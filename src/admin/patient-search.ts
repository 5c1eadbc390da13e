/**
 * One rule for every search by patient (messages, dead letters, charges, claims): the caller needs role
 * operator or higher (403 below it, before the store is asked), and each search is audited as `<kind>.search`
 * with `byPatient: true` and the ids of the rows returned. The term itself is patient data: it is never recorded.
 * A list without a patient term keeps its own route role and is not audited.
 */
import type { FastifyRequest } from 'fastify';
import { EngineError } from '../core/errors';
import { audit, hasRole, principalOf, type Role } from './auth';

/** The least role that may search by patient. */
export const PATIENT_SEARCH_ROLE: Role = 'operator';

/** What a patient search returns rows of; the audit action is `<kind>.search`. */
export type PatientSearchKind = 'message' | 'charge' | 'claim' | 'eligibility';

/** Refuses a patient search (a `patient` term given) to a caller below PATIENT_SEARCH_ROLE. */
export function checkPatientSearch(req: FastifyRequest, term: string | undefined): void {
  if (term !== undefined && !hasRole(principalOf(req).role, PATIENT_SEARCH_ROLE)) {
    throw new EngineError('FORBIDDEN', `searching by patient needs role ${PATIENT_SEARCH_ROLE} or higher`);
  }
}

/** Records a patient search and the ids it returned (nothing when no `patient` term was given). */
export async function auditPatientSearch(
  req: FastifyRequest,
  kind: PatientSearchKind,
  term: string | undefined,
  rows: ReadonlyArray<{ id?: unknown }>,
): Promise<void> {
  if (term === undefined) return;
  await audit(req, `${kind}.search`, undefined, { byPatient: true, ids: rows.map((r) => String(r.id)) });
}
