/**
 * The scrub rule contract (DOMAIN.md §4): every rule is its own module under ./rules, a pure function of the
 * claim and a context of read-only ports (code sets, payer rules, claim history) and today's date. A rule
 * returns findings in plain words with the offending value (codes, NPIs, amounts, dates of service); it never
 * names patient data (names, dates of birth, member ids, addresses of people).
 */
import type { Claim, CodeSetLookup, ScrubFinding, Severity } from '../model';
import type { CodeEditLookup } from '../codesets/edits-lookup';
import type { BilledService } from './billed-service';
import type { PayerRules } from './payer-rules';
import type { RequiredCodeSets } from './required';

/** Read access to what was already billed, for duplicate detection. A pure port: the caller preloads it. */
export interface ClaimHistory {
  /**
   * How many lines of other claims that were submitted and not voided bill this very service: same patient,
   * payer, date of service, code, modifiers and rendering NPI (./billed-service.ts serviceKey). The claim being
   * scrubbed does not count.
   */
  priorLines(service: BilledService): number;
}

export interface ScrubContext {
  codeSets: CodeSetLookup;
  payerRules: PayerRules;
  /** The date the claim would be filed, YYYY-MM-DD. */
  today: string;
  /** Without it, the duplicate-service rule does not run. */
  history?: ClaimHistory;
  /** The NCCI PTP, MUE and MCE tables (src/billing/codesets/edits-lookup.ts); without it, none is loaded. */
  codeEdits?: CodeEditLookup;
  /** Which sets each payer requires (billing.yaml `requiredCodeSets`); without it, ICD-10-CM for every payer. */
  requiredCodeSets?: RequiredCodeSets;
}

export interface ScrubRule {
  /** The rule's module name under ./rules, e.g. "npi-check-digit". */
  readonly id: string;
  /** The highest severity the rule reports (a rule may also report info, e.g. "code set not loaded"). */
  readonly severity: Severity;
  /** What the rule looks at; each finding still says its own scope (a line rule may report one claim note). */
  readonly scope: 'claim' | 'line';
  readonly description: string;
  check(claim: Claim, ctx: ScrubContext): ScrubFinding[];
}
