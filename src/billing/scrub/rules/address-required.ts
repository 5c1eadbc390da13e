/**
 * The insured's or the patient's address (DOMAIN.md §2.1): 2010BA N3/N4 are required when the patient is the
 * subscriber, 2010CA N3/N4 for a patient who is not. Street, city, state and ZIP must all be there (the 837P
 * writer refuses a claim without them), the state two letters and the ZIP 5 or 9 digits. The address comes from
 * the patient record (ADT PID-11); messages name what is missing, never the address itself.
 */
import type { Address } from '../../model';
import { claimFinding } from '../finding';
import type { ScrubRule } from '../types';

const blank = (v: string | undefined): boolean => (v ?? '').trim() === '';

/** The parts of an address that are missing or malformed, in words; [] when it is complete. */
export function addressProblems(address: Address | undefined): string[] {
  if (!address) return ['street, city, state and ZIP'];
  const missing = (
    [
      ['line1', 'street'],
      ['city', 'city'],
      ['state', 'state'],
      ['zip', 'ZIP'],
    ] as const
  )
    .filter(([key]) => blank(address[key]))
    .map(([, name]) => name);
  const problems = missing.length > 0 ? [joinWords(missing)] : [];
  if (!blank(address.state) && !/^[A-Z]{2}$/.test(address.state.trim())) problems.push('a two-letter state code');
  if (!blank(address.zip) && !/^(\d{5}|\d{9})$/.test(address.zip.replace(/-/g, '').trim())) problems.push('a 5- or 9-digit ZIP');
  return problems;
}

function joinWords(words: readonly string[]): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

export const rule: ScrubRule = {
  id: 'address-required',
  severity: 'error',
  scope: 'claim',
  description:
    "The subscriber's address (2010BA N3/N4) when the patient is the subscriber, else the patient's (2010CA N3/N4): street, city, two-letter state and a 5- or 9-digit ZIP.",
  check(claim) {
    const self = claim.patient.relationship === '18';
    const problems = addressProblems(self ? (claim.subscriber.address ?? claim.patient.address) : claim.patient.address);
    if (problems.length === 0) return [];
    const needs = problems.join('; ');
    return [
      claimFinding(
        rule,
        self
          ? `subscriber address needs ${needs}: 2010BA N3/N4 are required when the patient is the subscriber; add the patient's address (ADT PID-11) and correct the claim`
          : `patient address needs ${needs}: 2010CA N3/N4 are required for a patient who is not the subscriber; add the patient's address (ADT PID-11) and correct the claim`,
      ),
    ];
  },
};
