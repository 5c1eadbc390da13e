/**
 * ICD-10-CM valid and billable on the date of service, via the loaded code set (DOMAIN.md §4, §5): a leaf code
 * of the release covering the date. Ill-formed codes are icd10-format's. A date of service no loaded release
 * covers: an error when the payer requires ICD-10-CM (billing.yaml `requiredCodeSets`, the default for every
 * payer), else one info note (./required.ts).
 */
import { claimFinding } from '../finding';
import { ICD10CM_FORM } from '../formats';
import { uncoveredFindings } from '../required';
import type { ScrubRule } from '../types';
import { isIsoDate } from '../dates';

export const rule: ScrubRule = {
  id: 'icd10-billable',
  severity: 'error',
  scope: 'claim',
  description:
    'Every diagnosis is a valid, billable (leaf) ICD-10-CM code in the release covering each date of service; a payer that requires ICD-10-CM needs a release covering every date.',
  check(claim, ctx) {
    const { codeSets } = ctx;
    const codes = claim.diagnoses.filter((c) => ICD10CM_FORM.test(c));
    if (codes.length === 0) return [];
    const dates = [...new Set(claim.lines.map((l) => l.serviceDate).filter(isIsoDate))].sort();
    const loaded = codeSets.has('icd10cm');
    const covered = loaded ? dates.filter((dos) => codeSets.release('icd10cm', dos) !== undefined) : [];
    const uncovered = dates.filter((dos) => !covered.includes(dos));
    const out = uncoveredFindings(rule, ctx, claim.payer.id, 'icd10cm', loaded, uncovered, 'diagnoses');
    const messages = new Set<string>();
    for (const code of new Set(codes)) {
      for (const dos of covered) {
        const status = codeSets.icd10cm(code, dos);
        const release = status?.release ? ` (${status.release})` : '';
        if (!status) messages.add(`diagnosis ${code} is not an ICD-10-CM code`);
        else if (!status.valid) messages.add(`diagnosis ${code} is not valid on ${dos}${release}`);
        else if (!status.billable) messages.add(`${code} is a header code, not billable on ${dos}${release}: use a more specific code`);
      }
    }
    return [...out, ...[...messages].map((m) => claimFinding(rule, m))];
  },
};
