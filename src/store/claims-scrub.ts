/**
 * The scrubber a claims operation uses: the code sets and payer edit tables the claims need, preloaded from the
 * store in the operation's own transaction (src/store/codesets.ts loadCodeSetLookup, src/store/code-edits.ts
 * loadCodeEditLookup: one query per kind, then in-memory reads), the payer rules (billing/payer-rules), which
 * code sets each payer requires (billing.yaml requiredCodeSets) and today's date; then src/billing/scrub
 * scrubClaim per claim.
 */
import { scrubClaim, type PayerRules } from '../billing/scrub';
import type { RequiredCodeSets } from '../billing/scrub/required';
import type { ScrubberFactory } from './claims';
import { loadCodeEditLookup } from './code-edits';
import { loadCodeSetLookup } from './codesets';

export function codeSetScrubber(payerRules: PayerRules, today: () => string, requiredCodeSets?: RequiredCodeSets): ScrubberFactory {
  return async (db, claims) => {
    const lines = claims.flatMap((c) => c.lines);
    const dates = lines.map((l) => l.serviceDate).sort();
    const codes = new Set(lines.map((l) => l.code));
    const diagnoses = new Set(claims.flatMap((c) => c.diagnoses));
    const range = dates.length > 0 ? { from: dates[0]!, to: dates[dates.length - 1]! } : undefined;
    const codeSets = await loadCodeSetLookup(db, {
      icd10cm: diagnoses,
      cpt: codes,
      hcpcs: codes,
      ndc: new Set(lines.flatMap((l) => (l.ndc ? [l.ndc] : []))),
    }, range);
    const codeEdits = await loadCodeEditLookup(db, { procedures: codes, diagnoses }, range);
    const ctx = { codeSets, codeEdits, payerRules, requiredCodeSets, today: today() };
    return (claim, history) => scrubClaim(claim, { ...ctx, history });
  };
}
