/**
 * The claims, batches, remittances and billing reports API as it is sent (src/admin/claims-routes.ts;
 * docs/billing.md "API"). Types only, no Node modules: the web console imports them. Money is an exact decimal
 * string ("25.00"), never a float.
 */
import { ADJUDICATED_STATUSES, CLAIM_STATUSES, UNSENT_STATUSES, type ClaimStatus } from '../../billing/claims/lifecycle';

/** The claim statuses and their groups: the lifecycle's own (src/billing/claims/lifecycle.ts, Node-free). */
export { ADJUDICATED_STATUSES, CLAIM_STATUSES, UNSENT_STATUSES, type ClaimStatus };

/** A row of GET /api/claims, and of a build's `created` and `rescrubbed`. */
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

/**
 * A row of GET /api/claims: the summary, its date of service and the patient reference (null for a viewer: the
 * reference is shown to operator and above, and that view is audited `claim.list.view`).
 */
export interface ClaimListRow extends ClaimSummary {
  /** The payer's name as the claim was built (billing.yaml). */
  payerName: string;
  serviceDate: string;
  patientRef: string | null;
}

/** Count and total charge per status of every claim the list's filter matches (GET /api/claims `totals`). */
export interface ClaimStatusTotal {
  status: ClaimStatus;
  claims: number;
  amount: string;
}

/** A charge a build leaves unclaimed (GET /api/claims/unclaimed, a build's `held` and `excluded`), and why. */
export interface UnclaimedCharge {
  chargeId: string;
  reason: string;
  message: string;
  payerId?: string;
  /** The message the charge came from (for a held charge: replaying it after the mapping is fixed releases it). */
  messageId?: string;
  /** Which service it is (GET /api/claims/unclaimed). */
  patientRef?: string;
  serviceDate?: string;
  code?: string;
  /** Null: the feed sent no price (the fee schedule prices it at build). */
  chargeAmount?: string | null;
  /** encounter-billed: the sent claim to replace. */
  claimId?: string;
}

/** GET /api/claims/unclaimed. */
export interface Unclaimed {
  claimable: number;
  held: UnclaimedCharge[];
  excluded: UnclaimedCharge[];
}

/** POST /api/claims/build. */
export interface BuildSummary {
  created: ClaimSummary[];
  held: UnclaimedCharge[];
  excluded: UnclaimedCharge[];
  released: string[];
  rescrubbed: ClaimSummary[];
}

export interface ClaimFinding {
  ruleId: string;
  severity: 'error' | 'warning' | 'info';
  scope: 'claim' | 'line';
  lineNumber?: number;
  message: string;
}

/** A CAS adjustment of an 835. */
export interface Adjustment {
  group: string;
  reason: string;
  amount: string;
  quantity?: string;
}

/** GET /api/claims/:id (what the console reads of it). */
export interface ClaimDetail {
  id: string;
  controlNumber: string;
  status: ClaimStatus;
  frequency: string;
  payerId: string;
  payerName: string | null;
  totalCharge: string;
  patientRef: string;
  serviceDate: string;
  payerClaimNumber: string | null;
  /** The crossover payer an 835 forwarded the claim to (CLP02 19–21): no secondary claim is to be sent. */
  forwardedTo?: string | null;
  /** Coordination of benefits: 1 primary, 2 secondary, 3 tertiary. */
  payerStep?: number;
  /** The claim to the earlier payer this one follows (a secondary's primary). */
  followsClaimId?: string | null;
  /** The claim to the next payer built from this claim's adjudication. */
  followedBy?: { id: string; payerId: string; status: string } | null;
  /** Forwarded to a crossover payer whose 835 has not come yet. */
  awaitingCrossover?: boolean;
  /** What the patient owes after the last payer of the chain that answered; null before any answer. */
  patientOwes?: { amount: string; payerStep: number; payerId: string; claimId: string } | null;
  correctsClaimId: string | null;
  override: { reason: string; by: string | null; at: string | null } | null;
  submittedAt: string | null;
  adjudicatedAt: string | null;
  paidAmount: string;
  patientResponsibility: string;
  findings: ClaimFinding[];
  /** The snapshot the 837P is written from (only what the console reads). */
  claim: { diagnoses: string[]; placeOfService: string };
  lines: Array<{
    lineNumber: number;
    chargeId: string;
    state: string;
    code: string;
    modifiers: string[];
    units: string;
    chargeAmount: string;
    serviceDate: string;
    serviceKind: string;
    paidAmount: string;
    /** The message that made the charge. */
    messageId: string | null;
  }>;
  history: Array<{
    at: string;
    actor: string;
    action: string;
    from_status: string | null;
    to_status: string | null;
    reason: string | null;
  }>;
  payments: Array<{
    /** The 835 the payment came in (remittances.id). */
    remittanceId: string;
    traceNumber: string;
    paymentDate: string | null;
    receivedAt: string;
    payerName?: string;
    role?: string;
    statusCode: string;
    outcome: string;
    charge: string;
    paid: string;
    patientResponsibility: string;
    payerClaimNumber: string | null;
    adjustments: Adjustment[];
    lines: Array<{
      lineNumber: number | null;
      code: string | null;
      outcome: string;
      charge: string;
      paid: string;
      adjustments: Adjustment[];
    }>;
  }>;
  corrections: Array<{ id: string; controlNumber: string; frequency: string; status: string }>;
  /** What each 999 and 277CA said about the claim, oldest first. */
  acknowledgments?: Array<{
    acknowledgmentId: string;
    receivedAt: string;
    kind: string;
    outcome: string;
    setStatus?: string;
    errors?: Array<{ label: string }>;
    statuses?: Array<{ label: string }>;
    payerClaimNumber?: string;
  }>;
  batch: { id: string; fileName: string; interchangeControl: number; createdAt: string } | null;
}

/** PATCH /api/claims/:id: the claim's status after the edit and what changed. */
export interface ClaimEdited {
  status: string;
  changes: string[];
}

/** POST /api/claims/:id/{override,correct,void,close,replace}: the parts of the answer the console reads. */
export interface ClaimActionResult {
  status?: string;
  voided?: { status: string };
  voidClaim?: { id: string };
  replacement?: { id: string; status: string };
}

/** A row of GET /api/claims/batches. */
/** An upload to a clearinghouse (a batch's 837P or a 270): pending = waiting, sent, or failed with its last error. */
export interface ClearinghouseTransfer {
  clearinghouse: string;
  remoteName: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  /** When it is tried again; null once sent or when max attempts are spent. */
  nextAttemptAt: string | null;
  lastError: string | null;
  sentAt: string | null;
}

export interface BatchRow {
  id: string;
  payerId: string;
  fileName: string;
  interchangeControl: number;
  usage: string;
  claimCount: number;
  totalCharge: string;
  /** Who built it; null when none was recorded. */
  actor: string | null;
  createdAt: string;
  /** Its upload to the clearinghouse (docs/billing.md "Clearinghouse exchange (SFTP)"); null when none is configured. */
  transfer?: ClearinghouseTransfer | null;
  /** The TA1 answering its interchange (TA104 A/E/R, TA105 and what it means); null before one came. */
  ta1?: { ackCode: string; noteCode: string | null; meaning: string | null } | null;
}

/** POST /api/claims/batches. */
export interface BatchRun {
  batches: Array<{
    id: string;
    payerId: string;
    fileName: string;
    interchangeControl: number;
    claimIds: string[];
    totalCharge: string;
    written: boolean;
  }>;
  held: Array<{ claimId: string; reason: string }>;
}

/** One 835 of POST /api/remittances. */
export interface RemittanceSummary {
  id: string;
  traceNumber: string;
  payerName: string;
  paymentAmount: string;
  claims: Array<{ claimId: string; controlNumber: string; outcome: string; paid: string; status: string; role?: string }>;
  unmatched: string[];
  providerAdjustments?: Array<{ reason: string; reference?: string; amount: string; claimId?: string }>;
}

/** A row of GET /api/remittances: one 835 as recorded, with its totals (src/store/claims-remittances.ts). */
export interface RemittanceListRow {
  id: string;
  traceNumber: string;
  /** The 835's payer id (N1*PR N104 or TRN03) and the configured payer it resolved to. */
  payerId: string;
  payerRef: string | null;
  payerName: string;
  /** BPR02. */
  paymentAmount: string;
  paymentDate: string | null;
  receivedAt: string;
  actor: string | null;
  /** Σ CLP04, Σ CAS amounts, Σ CLP05, Σ PLB of its claims. */
  paid: string;
  adjustments: string;
  patientResponsibility: string;
  providerAdjustments: string;
  claimsMatched: number;
  linesUnmatched: number;
  withdrawn: RemittanceWithdrawal | null;
}

export interface RemittanceWithdrawal {
  at: string;
  by: string | null;
  reason: string | null;
}

/** GET /api/remittances/:id: the remittance as recorded. */
export interface RemittanceDetail {
  id: string;
  traceNumber: string;
  payerId: string;
  payerName: string;
  payerRef: string | null;
  payerIdentifiers: string[];
  paymentAmount: string;
  handling: string;
  paymentMethod: string;
  paymentDate: string | null;
  payeeNpi: string | null;
  actor: string | null;
  receivedAt: string;
  withdrawn: RemittanceWithdrawal | null;
  /** As in the remittance list. */
  totals: Pick<
    RemittanceListRow,
    'paid' | 'adjustments' | 'patientResponsibility' | 'providerAdjustments' | 'claimsMatched' | 'linesUnmatched'
  >;
  /** Every CLP: matched (claimId) or not (claimId null; `matched` when an operator matched it since). */
  claims: Array<{
    paymentId: string;
    claimId: string | null;
    controlNumber: string;
    statusCode: string;
    outcome: string;
    role: string | null;
    charge: string;
    paid: string;
    patientResponsibility: string;
    payerClaimNumber: string | null;
    matched: { paymentId: string; by: string | null; at: string | null } | null;
  }>;
  providerAdjustments: Array<{ reason: string; reference: string | null; amount: string; claimId: string | null }>;
}

/** POST /api/remittances/:id/withdraw {reason}. */
export interface RemittanceWithdrawn {
  remittanceId: string;
  traceNumber: string;
  /** Each claim restored: its status after the posting → the status it has again. */
  claims: Array<{ claimId: string; from: string; to: string }>;
  /** Unsent claims to the next payer built from it, voided. */
  voidedClaims: string[];
  unmatchedRemoved: number;
}

/** A row of GET /api/remittances/unmatched: a claim payment that named no claim of ours. */
export interface UnmatchedPayment {
  id: string;
  remittanceId: string;
  traceNumber: string;
  payerName: string;
  paymentDate: string | null;
  controlNumber: string;
  statusCode: string;
  charge: string;
  paid: string;
  patientResponsibility: string;
  payerClaimNumber: string | null;
}

/** The result of POST /api/remittances/unmatched/:id/match. */
export interface MatchResult {
  claimId: string;
  controlNumber: string;
  outcome: string;
  paid: string;
  role: 'claim-payer' | 'secondary' | 'tertiary' | 'other-payer';
  status: string;
  paymentId: string;
  unmatchedPaymentId: string;
}

/** POST /api/acknowledgments (999/997 or 277CA). */
export interface AcknowledgmentSummary {
  batches: Array<{ batchId: string; accepted: boolean; claims: number }>;
  claims: Array<{ claimId: string; controlNumber: string; outcome: string; status: string }>;
  unmatched: string[];
}

/** What GET /api/reports/revenue groups by. */
export type RevenueDimension = 'service' | 'payer' | 'month';

export interface RevenueRow {
  key: string;
  /** By payer: the payer's configured name (absent for other keys or a payer billing.yaml no longer names). */
  label?: string;
  claims: number;
  lines: number;
  charged: string;
  paid: string;
  patientResponsibility: string;
}

/** GET /api/reports/revenue: rows, plus unmatched money and PLB adjustments. */
export interface RevenueReport {
  by: string;
  rows: RevenueRow[];
  unmatched?: { payments: number; charged: string; paid: string };
  providerAdjustments?: Array<{ reason: string; count: number; amount: string; attachedToClaims: number }>;
}

/** A row of GET /api/reports/payers. */
export interface PayerRow {
  payerId: string;
  payerName: string;
  claims: number;
  charged: string;
  paid: string;
  adjudicated: number;
  denied: number;
  denialRate: number | null;
  averageDaysToPayment: number | null;
  crossovers?: number;
  unmatchedPaid?: string;
  providerAdjustments?: string;
}

/** A row of GET /api/reports/missed-charges: a billable message that ended without a charge, and why. */
export interface MissedCharge {
  messageId: string;
  channel: string;
  sender: string;
  messageType: string;
  controlId: string;
  status: string;
  reason: string;
  errorCode: string | null;
  detail: string | null;
  receivedAt: string;
  finishedAt: string | null;
}

/** The A/R aging buckets (days since the claim was first sent). */
export const AGING_BUCKETS = ['0-30', '31-60', '61-90', '91-120', '120+'] as const;

/** A row of GET /api/reports/aging: one payer's open balances by age. */
export interface AgingRow {
  payerId: string;
  payerName: string;
  buckets: Record<(typeof AGING_BUCKETS)[number], { claims: number; balance: string }>;
  claims: number;
  balance: string;
}

/** A row of GET /api/reports/denials: one CARC (group and reason) of one payer. */
export interface DenialRow {
  payerId: string;
  payerName: string;
  group: string;
  reason: string;
  /** What the code means, when the short CARC table has it (src/billing/remittance/carc.ts). */
  meaning: string | null;
  count: number;
  amount: string;
}

/** A row of GET /api/reports/denials `remarks`: one remark code (RARC) of one payer on denied lines and claims. */
export interface DenialRemarkRow {
  payerId: string;
  payerName: string;
  remark: string;
  /** What the code means, when the short RARC table has it (src/billing/remittance/rarc.ts). */
  meaning: string | null;
  /** Denied lines (LQ*HE) and denied claims (MOA, MIA) carrying the code. */
  count: number;
  /** Their non-PR adjustments: a line's own, a claim's claim-level and line-level ones. */
  amount: string;
}

/** GET /api/reports/denials: by CARC (`rows`) and by RARC (`remarks`). */
export interface DenialReport {
  rows: DenialRow[];
  remarks: DenialRemarkRow[];
}

/** A row of GET /api/reports/rejections: one payer's front-end rejections in one month. */
export interface RejectionRow {
  payerId: string;
  payerName: string;
  period: string;
  sets999: { accepted: number; rejected: number };
  claims999: { accepted: number; rejected: number };
  claims277: { accepted: number; rejected: number };
  rate999: number | null;
  rate277: number | null;
}
