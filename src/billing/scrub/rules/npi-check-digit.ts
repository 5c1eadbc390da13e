/** NPI check digit (DOMAIN.md §4) for the billing, rendering and ordering providers. */
import type { ScrubFinding } from '../../model';
import { npiProblem } from '../../npi';
import { claimFinding, lineFinding } from '../finding';
import type { ScrubRule } from '../types';

function problem(role: string, npi: string | undefined): string | undefined {
  const value = (npi ?? '').trim();
  if (value === '') return `${role} NPI is missing`;
  const why = npiProblem(value);
  if (why === undefined) return undefined;
  return /^\d{10}$/.test(value) ? `${role} NPI ${value} ${why}` : `${role} NPI "${value}" ${why}`;
}

export const rule: ScrubRule = {
  id: 'npi-check-digit',
  severity: 'error',
  scope: 'claim',
  description: 'Billing, rendering and ordering NPIs are 10 digits starting with 1 or 2 and pass the 80840 Luhn check.',
  check(claim) {
    const out: ScrubFinding[] = [];
    const billing = problem('billing provider', claim.billingProvider.npi);
    if (billing) out.push(claimFinding(rule, billing));
    if (claim.renderingProvider) {
      const rendering = problem('rendering provider', claim.renderingProvider.npi);
      if (rendering) out.push(claimFinding(rule, rendering));
    }
    for (const line of claim.lines) {
      for (const [role, ref] of [
        ['rendering provider', line.renderingProvider],
        ['ordering provider', line.orderingProvider],
      ] as const) {
        if (!ref) continue;
        const message = problem(role, ref.npi);
        if (message) out.push(lineFinding(rule, line.lineNumber, message));
      }
    }
    return out;
  },
};
