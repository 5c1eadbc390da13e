/**
 * The identity of a billed service for duplicate detection (DOMAIN.md §4 "Duplicates"): payers deny an exact
 * repeat with CARC 18 when patient, date of service, code, modifiers, rendering NPI and payer all match a service
 * they already have. Pure; the scrub rules and the store's claim history both key services this way, so what the
 * history counts and what the rule asks for cannot drift apart.
 */
import type { Claim, ClaimLine } from '../model';

export interface BilledService {
  patientRef: string;
  payerId: string;
  dateOfService: string;
  code: string;
  /** Order does not matter (QW 91 and 91 QW are the same service). */
  modifiers: readonly string[];
  /** The NPI the service is rendered under: the line's, else the claim's, else the billing provider's. */
  renderingNpi: string;
}

/**
 * Modifiers that say the repeat is intended: 76/77 repeat procedure (same / another professional), 91 repeat
 * clinical lab test, 59 and XE/XS/XP/XU distinct procedural service. A line carrying one is never a duplicate.
 */
export const REPEAT_MODIFIERS: ReadonlySet<string> = new Set(['76', '77', '91', '59', 'XE', 'XS', 'XP', 'XU']);

export function isIntendedRepeat(line: Pick<ClaimLine, 'modifiers'>): boolean {
  return line.modifiers.some((m) => REPEAT_MODIFIERS.has(m.toUpperCase()));
}

/** The service one line of a claim bills. */
export function billedServiceOf(
  claim: Pick<Claim, 'patient' | 'payer' | 'renderingProvider' | 'billingProvider'>,
  line: Pick<ClaimLine, 'serviceDate' | 'code' | 'modifiers' | 'renderingProvider'>,
): BilledService {
  return {
    patientRef: claim.patient.patientRef,
    payerId: claim.payer.id,
    dateOfService: line.serviceDate,
    code: line.code,
    modifiers: line.modifiers,
    renderingNpi: line.renderingProvider?.npi ?? claim.renderingProvider?.npi ?? claim.billingProvider.npi,
  };
}

/** One string per distinct service (modifiers upper-cased and sorted). */
export function serviceKey(s: BilledService): string {
  const modifiers = s.modifiers
    .map((m) => m.toUpperCase())
    .sort()
    .join(':');
  return [s.patientRef, s.payerId, s.dateOfService, s.code.toUpperCase(), modifiers, s.renderingNpi].join('\u0000');
}
