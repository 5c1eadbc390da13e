/**
 * ICD-10-CM valid and billable on the date of service, via the loaded code set (DOMAIN.md §4, §5): a leaf code
 * of the release covering the date. Ill-formed codes are icd10-format's. Without the code set: one info note.
 */
import { claimFinding } from '../finding';
import { ICD10CM_FORM } from '../formats';
import type { ScrubRule } from '../types';
import { isIsoDate } from '../dates';

export const rule: ScrubRule = {
  id: 'icd10-billable',
  severity: 'error',
  scope: 'claim',
  description: 'Every diagnosis is a valid, billable (leaf) ICD-10-CM code in the release covering each date of service.',
  check(claim, { codeSets }) {
    const codes = claim.diagnoses.filter((c) => ICD10CM_FORM.test(c));
    if (codes.length === 0) return [];
    if (!codeSets.has('icd10cm')) {
      return [claimFinding(rule, 'the ICD-10-CM code set is not loaded: diagnoses were not checked against it', 'info')];
    }
    const dates = [...new Set(claim.lines.map((l) => l.serviceDate).filter(isIsoDate))];
    const messages = new Set<string>();
    for (const code of new Set(codes)) {
      for (const dos of dates) {
        const status = codeSets.icd10cm(code, dos);
        const release = status?.release ? ` (${status.release})` : '';
        if (!status) messages.add(`diagnosis ${code} is not an ICD-10-CM code`);
        else if (!status.valid) messages.add(`diagnosis ${code} is not valid on ${dos}${release}`);
        else if (!status.billable) messages.add(`${code} is a header code, not billable on ${dos}${release}: use a more specific code`);
      }
    }
    return [...messages].map((m) => claimFinding(rule, m));
  },
};
