/** billing.yaml reloads, unknown payer ids and "add this payer" as /api/billing/* send them (docs/billing.md). Types only. */

/** 200 of POST /api/billing/reload (and the `reload` of POST /api/billing/payers). */
export interface BillingReloaded {
  file: string;
  /** False when the file is gone: billing is not configured. */
  configured: boolean;
  payers: string[];
  added: string[];
  removed: string[];
}

/** One problem of a refused reload (422 CONFIG_INVALID `issues`). */
export interface BillingFileIssue {
  file: string;
  line: number;
  col: number;
  /** The full key, e.g. `payers.SYNX01.filingIndicator`, when the position names one. */
  key?: string;
  reason: string;
  /** `file:line:col: key "…" must be …`. */
  text: string;
}

/** A payer id incoming coverages carry that billing does not know: counts only, no patient data. */
export interface UnknownPayer {
  /** As the feed sends it (IN1-3.1, after the ADT mapping's payerIds table). */
  payerId: string;
  patients: number;
  /** Active charges of those patients on no claim yet. */
  charges: number;
  firstSeen: string;
  lastSeen: string;
}

/** 200 of GET /api/billing/unknown-payers. */
export interface UnknownPayers {
  /** The billing file the engine reads (BILLING_CONFIG). */
  file: string;
  configured: boolean;
  payers: UnknownPayer[];
}

/** Body of POST /api/billing/payers. */
export interface AddPayerRequest {
  id: string;
  name: string;
  filingIndicator: string;
  /** The feed's id for this payer when it differs from `id` (written as `feedIds`). */
  feedId?: string;
}

/** 200 of POST /api/billing/payers. */
export interface PayerAdded {
  id: string;
  file: string;
  reload: BillingReloaded;
}
