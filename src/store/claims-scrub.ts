/**
 * The scrubber a claims operation uses: the code sets the claims need, preloaded from the store in the
 * operation's own transaction (src/store/codesets.ts loadCodeSetLookup: one query per kind, then in-memory
 * reads), the payer rules (billing/payer-rules), and today's date; then src/billing/scrub scrubClaim per claim.
 */
import { scrubClaim, type PayerRules } from '../billing/scrub';
import type { ScrubberFactory } from './claims';
import { loadCodeSetLookup } from './codesets';

export function codeSetScrubber(payerRules: PayerRules, today: () => string): ScrubberFactory {
  return async (db, claims) => {
    const lines = claims.flatMap((c) => c.lines);
    const dates = lines.map((l) => l.serviceDate).sort();
    const codes = new Set(lines.map((l) => l.code));
    const codeSets = await loadCodeSetLookup(db, {
      icd10cm: new Set(claims.flatMap((c) => c.diagnoses)),
      cpt: codes,
      hcpcs: codes,
      ndc: new Set(lines.flatMap((l) => (l.ndc ? [l.ndc] : []))),
    }, dates.length > 0 ? { from: dates[0]!, to: dates[dates.length - 1]! } : undefined);
    const ctx = { codeSets, payerRules, today: today() };
    return (claim, history) => scrubClaim(claim, { ...ctx, history });
  };
}
