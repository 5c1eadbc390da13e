/** Relationship to the subscriber is a known 837P code; a patient who is not the subscriber (2000C) needs name, DOB, sex. */
import type { ScrubFinding } from '../../model';
import { claimFinding } from '../finding';
import { isIsoDate } from '../dates';
import { RELATIONSHIP_CODES } from '../tables';
import type { ScrubRule } from '../types';

const blank = (v: string | undefined): boolean => (v ?? '').trim() === '';

export const rule: ScrubRule = {
  id: 'patient-relationship',
  severity: 'error',
  scope: 'claim',
  description:
    'The patient relationship code is one the 837P knows; when the patient is not the subscriber, the patient has a last name, date of birth and sex.',
  check(claim) {
    const out: ScrubFinding[] = [];
    const p = claim.patient;
    const report = (message: string) => out.push(claimFinding(rule, message));
    if (!RELATIONSHIP_CODES.has(p.relationship)) {
      report(
        `patient relationship "${p.relationship}" is not an 837P code (18 self, 01 spouse, 19 child, 20 employee, 21 unknown, 39 organ donor, 40 cadaver donor, 53 life partner, G8 other)`,
      );
      return out;
    }
    if (p.relationship === '18') return out;
    if (blank(p.familyName)) report('patient last name is missing (required when the patient is not the subscriber)');
    if (blank(p.birthDate)) report('patient date of birth is missing (required when the patient is not the subscriber)');
    else if (!isIsoDate(p.birthDate!)) report('patient date of birth is not a date (YYYY-MM-DD)');
    if (blank(p.sex)) report('patient sex is missing (required when the patient is not the subscriber)');
    else if (!['M', 'F', 'U'].includes(p.sex!)) report('patient sex must be M, F or U');
    return out;
  },
};
