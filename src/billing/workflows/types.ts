/**
 * What the claim workflows take and give: the operation's context (configuration, scrubber, actor, clock) and the
 * summaries the API and the CLI show.
 */
import type { UnclaimedCharge } from '../claims/build';
import type { ClaimStatus } from '../claims/lifecycle';
import type { BillingConfig } from '../config';
import type { Claim, ControlNumbers, ScrubFinding } from '../model';
import type { CodeSetSource } from '../ports';
import type { PayerRules } from '../scrub/payer-rules';
import type { ClaimHistory } from '../scrub/types';

/** Scrubs one claim against the code sets and payer rules loaded for this operation. */
export type Scrubber = (claim: Claim, history: ClaimHistory) => ScrubFinding[];

/**
 * Prepares a Scrubber for `claims` (e.g. preloads the code sets they name) reading through `codeSets`, which is
 * the operation's unit of work: on PGlite (one session) reading through another handle would deadlock.
 */
export type ScrubberFactory = (codeSets: CodeSetSource, claims: readonly Claim[]) => Promise<Scrubber>;

/** Writes the 837P text of one batch (src/billing/x12-837p.ts write837P), and checks one claim can be written. */
export interface X12Writer {
  write(claims: readonly Claim[], control: ControlNumbers, now: Date): string;
  /** Throws (CLAIM_INVALID) when the claim cannot be written. */
  check(claim: Claim): void;
}

export interface ClaimsContext {
  config: BillingConfig;
  /** Payer rules: the build chooses vaccine administration codes by them. Default: none. */
  payerRules?: PayerRules;
  scrub: ScrubberFactory;
  actor: string;
  now: Date;
}

export interface ClaimSummary {
  id: string;
  controlNumber: string;
  status: ClaimStatus;
  frequency: string;
  payerId: string;
  lines: number;
  totalCharge: string;
  findings: number;
}

export interface BuildSummary {
  created: ClaimSummary[];
  /** Charges not claimed until the cause is fixed. */
  held: UnclaimedCharge[];
  /** Charges not claimed by design (NCPDP). */
  excluded: UnclaimedCharge[];
  /** Unsent claims voided because a charge on them was reversed (their other charges are in `created`). */
  released: string[];
  /** Held corrections scrubbed again because the payer claim number they waited for arrived. */
  rescrubbed: ClaimSummary[];
}

export interface BatchSummary {
  id: string;
  payerId: string;
  fileName: string;
  interchangeControl: number;
  groupControl: number;
  transactionSetControl: number;
  claimIds: string[];
  totalCharge: string;
  /** False when the file could not be moved into the outbox after the batch was committed (fetch it by API). */
  written: boolean;
}

export interface BatchRun {
  batches: BatchSummary[];
  /** Ready claims the 837P writer refused: moved to held with the reason. */
  held: Array<{ claimId: string; reason: string }>;
}

export interface ClaimFilter {
  status?: ClaimStatus;
  payer?: string;
  patient?: string;
  /** The claims one 837P batch sent. */
  batch?: string;
  before?: string;
  limit: number;
}
