/**
 * The scrubber a claims operation uses: the code sets the claims need, preloaded through the unit of work's code-set
 * source (one read per kind, then in-memory lookups), the payer rules (billing/payer-rules), and today's date; then
 * src/billing/scrub scrubClaim per claim.
 */
import { scrubClaim, type PayerRules } from '../scrub';
import type { ScrubberFactory } from './types';

export function codeSetScrubber(payerRules: PayerRules, today: () => string): ScrubberFactory {
  return async (source, claims) => {
    const lines = claims.flatMap((c) => c.lines);
    const dates = lines.map((l) => l.serviceDate).sort();
    const codes = new Set(lines.map((l) => l.code));
    const codeSets = await source.load({
      icd10cm: new Set(claims.flatMap((c) => c.diagnoses)),
      cpt: codes,
      hcpcs: codes,
      ndc: new Set(lines.flatMap((l) => (l.ndc ? [l.ndc] : []))),
    }, dates.length > 0 ? { from: dates[0]!, to: dates[dates.length - 1]! } : undefined);
    const ctx = { codeSets, payerRules, today: today() };
    return (claim, history) => scrubClaim(claim, { ...ctx, history });
  };
}
