/** NUCC taxonomy: required for the billing provider (PRV*BI), well formed wherever given, known (a warning). */
import type { ScrubFinding } from '../../model';
import { claimFinding, lineFinding } from '../finding';
import { KNOWN_TAXONOMIES } from '../tables';
import type { ScrubRule } from '../types';

const TAXONOMY_FORM = /^\d{3}[0-9A-Z]{6}X$/;

function problem(role: string, taxonomy: string): ScrubFinding['message'] | undefined {
  if (!TAXONOMY_FORM.test(taxonomy))
    return `${role} taxonomy "${taxonomy}" is not a NUCC taxonomy code (10 characters ending in X, e.g. 3336C0003X)`;
  return undefined;
}

export const rule: ScrubRule = {
  id: 'taxonomy',
  severity: 'error',
  scope: 'claim',
  description:
    'The billing provider has a well-formed NUCC taxonomy (warning when it is not one pharmacies usually bill under); rendering taxonomies are well formed.',
  check(claim) {
    const out: ScrubFinding[] = [];
    const billing = (claim.billingProvider.taxonomy ?? '').trim();
    if (billing === '') {
      out.push(claimFinding(rule, 'billing provider taxonomy is missing'));
    } else {
      const message = problem('billing provider', billing);
      if (message) out.push(claimFinding(rule, message));
      else if (!KNOWN_TAXONOMIES.has(billing)) {
        out.push(
          claimFinding(
            rule,
            `billing provider taxonomy ${billing} is not a pharmacy or pharmacist taxonomy we know: check it against the NUCC list`,
            'warning',
          ),
        );
      }
    }
    const rendering = claim.renderingProvider?.taxonomy;
    if (rendering !== undefined) {
      const message = problem('rendering provider', rendering);
      if (message) out.push(claimFinding(rule, message));
    }
    for (const line of claim.lines) {
      const taxonomy = line.renderingProvider?.taxonomy;
      if (taxonomy === undefined) continue;
      const message = problem('rendering provider', taxonomy);
      if (message) out.push(lineFinding(rule, line.lineNumber, message));
    }
    return out;
  },
};
