/** Place of service (CLM05-1, SV105) is a CMS place-of-service code. */
import type { ScrubFinding } from '../../model';
import { claimFinding, lineFinding } from '../finding';
import { PLACES_OF_SERVICE } from '../tables';
import type { ScrubRule } from '../types';

const message = (pos: string): string =>
  `place of service "${pos}" is not a CMS place-of-service code (e.g. 01 pharmacy, 12 home, 60 mass immunization)`;

export const rule: ScrubRule = {
  id: 'place-of-service',
  severity: 'error',
  scope: 'claim',
  description: 'The claim and line places of service are CMS place-of-service codes.',
  check(claim) {
    const out: ScrubFinding[] = [];
    if (!PLACES_OF_SERVICE.has(claim.placeOfService)) out.push(claimFinding(rule, message(claim.placeOfService)));
    for (const line of claim.lines) {
      if (line.placeOfService !== undefined && !PLACES_OF_SERVICE.has(line.placeOfService)) {
        out.push(lineFinding(rule, line.lineNumber, message(line.placeOfService)));
      }
    }
    return out;
  },
};
