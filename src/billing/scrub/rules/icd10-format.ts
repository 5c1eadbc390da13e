/** ICD-10-CM format (DOMAIN.md §4): letter, digit, alphanumeric, up to 4 more characters (dot after the third). */
import { claimFinding } from '../finding';
import { ICD10CM_FORM } from '../formats';
import type { ScrubRule } from '../types';

export const rule: ScrubRule = {
  id: 'icd10-format',
  severity: 'error',
  scope: 'claim',
  description:
    'Every diagnosis is written as an ICD-10-CM code: 3 to 7 characters, a letter, a digit, then letters or digits (E11.9, Z23).',
  check(claim) {
    return claim.diagnoses.flatMap((code, i) =>
      ICD10CM_FORM.test(code)
        ? []
        : [
            claimFinding(
              rule,
              `diagnosis ${i + 1} "${code}" is not an ICD-10-CM code (a capital letter, a digit, then 1 to 5 letters or digits, e.g. E11.9)`,
            ),
          ],
    );
  },
};
