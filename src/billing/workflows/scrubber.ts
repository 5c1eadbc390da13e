/**
 * The scrubber a claims operation uses: the code sets and payer edit tables (NCCI, MUE, MCE) the claims need,
 * preloaded through the unit of work's code-set source (one read per kind, then in-memory lookups), the payer
 * rules (billing/payer-rules), which code sets each payer requires (billing.yaml requiredCodeSets) and today's
 * date; then src/billing/scrub scrubClaim per claim.
 */
import type { RequiredCodeSets } from '../scrub/required';
import { scrubClaim, type PayerRules } from '../scrub';
import type { ScrubberFactory } from './types';

export function codeSetScrubber(payerRules: PayerRules, today: () => string, requiredCodeSets?: RequiredCodeSets): ScrubberFactory {
  return async (source, claims) => {
    const lines = claims.flatMap((c) => c.lines);
    const dates = lines.map((l) => l.serviceDate).sort();
    const codes = new Set(lines.map((l) => l.code));
    const diagnoses = new Set(claims.flatMap((c) => c.diagnoses));
    const range = dates.length > 0 ? { from: dates[0]!, to: dates[dates.length - 1]! } : undefined;
    const codeSets = await source.load(
      {
        icd10cm: diagnoses,
        cpt: codes,
        hcpcs: codes,
        ndc: new Set(lines.flatMap((l) => (l.ndc ? [l.ndc] : []))),
      },
      range,
    );
    const codeEdits = await source.loadEdits({ procedures: codes, diagnoses }, range);
    const ctx = { codeSets, codeEdits, payerRules, requiredCodeSets, today: today() };
    return (claim, history) => scrubClaim(claim, { ...ctx, history });
  };
}
