/**
 * Payer responses (DOMAIN.md §2.3–§2.4): the 835 remittance reader, its balancing checks and the reconciliation
 * against our claims; the 999 and 277CA acknowledgment readers. Each reads one transaction set from the X12
 * reader (src/x12) and is pure.
 */
export { read835 } from './read-835';
export { balance835, assertBalanced835 } from './balance-835';
export {
  reconcile,
  reconcileClaimPayment,
  daysBetween,
  type ClaimForReconciliation,
  type LineForReconciliation,
  type ReconciliationResult,
  type ClaimReconciliation,
  type LineReconciliation,
  type UnmatchedClaim,
  type UnmatchedService,
  type ClaimOutcome,
  type LineOutcome,
} from './reconcile';
export { read999, type FunctionalGroupAck, type TransactionSetAck, type AckError } from './read-999';
export {
  read277CA,
  type ClaimAcknowledgment,
  type ClaimStatus,
  type LineStatus,
  type LevelStatus,
  type StatusCode,
  type AckOutcome,
} from './read-277ca';
export type { ReadableTransactionSet, SegmentInput } from './segments';
