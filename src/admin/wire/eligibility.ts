/**
 * Wire types of the eligibility API (src/admin/eligibility-routes.ts): what the console (src/console/ops-api.ts)
 * parses. Member ids never travel: a change says which coverage changed; the values stay in the check's record.
 */
import type { ClearinghouseTransfer } from './claims';

export type EligibilityOutcome = 'active' | 'ended' | 'rejected' | 'unknown';

export interface EligibilityInquiryFile {
  id: string;
  payerId: string;
  fileName: string;
  interchangeControl: string;
  x12: string;
  checkIds: string[];
  /** Its upload to the payer's clearinghouse (docs/billing.md "Clearinghouse exchange (SFTP)"); null when none is configured and enabled. */
  transfer: ClearinghouseTransfer | null;
}

export interface EligibilityInquiryRun {
  files: EligibilityInquiryFile[];
  skipped: Array<{ coverageId: string; reason: string }>;
}

export interface EligibilityAppliedAnswer {
  checkId: string;
  patientRef: string;
  coverageId: string;
  outcome: EligibilityOutcome;
  summary: string;
  coverageEnded: { coverageId: string; endDate: string } | null;
  memberIdChanged: { coverageId: string } | null;
  reordered: { primaryCoverageId: string; secondCoverageId: string } | null;
  heldCharges: string[];
  notedClaims: string[];
}

export interface EligibilityPosted {
  fileId: string;
  answers: EligibilityAppliedAnswer[];
  unmatched: number;
  rejections: string[];
}

export interface EligibilityCheckRow {
  id: string;
  patientRef: string;
  coverageId: string | null;
  payerId: string;
  payerName: string | null;
  serviceFrom: string;
  serviceTo: string;
  inquiryFileId: string;
  /** The upload of the 270 that asked (its file's transfer); null when none was queued. */
  inquiryTransfer: ClearinghouseTransfer | null;
  askedBy: string;
  askedAt: string;
  responseFileId: string | null;
  /** null: no answer yet. */
  outcome: EligibilityOutcome | null;
  summary: string | null;
  answeredBy: string | null;
  answeredAt: string | null;
  /** Charges the answer held (they may have been released since). */
  heldCharges: string[];
  /** Unsent claims the answer added a note to. */
  notedClaims: string[];
}

export interface EligibilityReleased {
  /** The charges that were held by an eligibility answer and are active again. */
  released: string[];
}
