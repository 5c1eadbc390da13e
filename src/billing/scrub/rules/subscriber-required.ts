/**
 * Subscriber fields (2000B/2010BA): member id, last name, a valid filing indicator (SBR09), and DMG (date of
 * birth, sex) when the patient is the subscriber. Messages name the missing field, never its value.
 */
import type { ScrubFinding } from '../../model';
import { claimFinding } from '../finding';
import { isIsoDate } from '../dates';
import { FILING_INDICATORS } from '../tables';
import type { ScrubRule } from '../types';

const blank = (v: string | undefined): boolean => (v ?? '').trim() === '';

export const rule: ScrubRule = {
  id: 'subscriber-required',
  severity: 'error',
  scope: 'claim',
  description:
    'The subscriber has a member id, a last name and a claim filing indicator, and a date of birth and sex when the patient is the subscriber.',
  check(claim) {
    const out: ScrubFinding[] = [];
    const s = claim.subscriber;
    const report = (message: string) => out.push(claimFinding(rule, message));
    if (blank(s.memberId)) report('subscriber member id is missing');
    if (blank(s.familyName)) report('subscriber last name is missing');
    if (blank(s.filingIndicator)) report('claim filing indicator (SBR09) is missing');
    else if (!FILING_INDICATORS.has(s.filingIndicator))
      report(`claim filing indicator "${s.filingIndicator}" is not an SBR09 code (e.g. CI commercial, MB Medicare Part B, MC Medicaid)`);
    if (claim.patient.relationship === '18') {
      if (blank(s.birthDate)) report('subscriber date of birth is missing (required when the patient is the subscriber)');
      else if (!isIsoDate(s.birthDate!)) report('subscriber date of birth is not a date (YYYY-MM-DD)');
      if (blank(s.sex)) report('subscriber sex is missing (required when the patient is the subscriber)');
      else if (!['M', 'F', 'U'].includes(s.sex!)) report('subscriber sex must be M, F or U');
    }
    return out;
  },
};
