/** No diagnosis is listed twice (E11.9 and E119 are the same code). */
import { claimFinding } from '../finding';
import type { ScrubRule } from '../types';

const key = (code: string): string => code.replace('.', '').toUpperCase();

export const rule: ScrubRule = {
  id: 'diagnosis-duplicate',
  severity: 'error',
  scope: 'claim',
  description: 'No diagnosis appears twice on the claim.',
  check(claim) {
    const seen = new Map<string, number>();
    return claim.diagnoses.flatMap((code, i) => {
      const first = seen.get(key(code));
      if (first === undefined) {
        seen.set(key(code), i + 1);
        return [];
      }
      return [claimFinding(rule, `diagnosis ${i + 1} (${code}) repeats diagnosis ${first}`)];
    });
  },
};
