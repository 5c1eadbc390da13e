/**
 * Ports: what the eligibility workflow (src/billing/workflows/eligibility.ts) needs from the store. src/store/eligibility.ts
 * implements them on Postgres; a unit of work is one transaction holding the claims lock (it changes coverages and
 * charges that claim building reads, and draws control numbers from the 837P's counters).
 */
import type { CoverageInput, PatientInput } from '../claims/inputs';
import type { ControlNumbers } from '../model';
import type { EligibilityDecision, EligibilityOutcome, InquiryOfRecord, UnclaimedCharge, UnsentClaim } from './decide';

export interface NewEligibilityFile {
  kind: '270' | '271';
  payerId: string | null;
  interchangeControl: string | null;
  fileName: string | null;
  x12: string;
  actor: string;
  /**
   * A 270 to upload: its clearinghouse_transfers row is inserted with the file (same transaction), named by
   * `remoteName(fileId)`. Absent: the file is only recorded (no clearinghouse, or a disabled one; and every 271).
   */
  upload?: { clearinghouse: string; remoteName: (fileId: string) => string };
}

/** An inquiry to record: what the answer will be decided against, with its trace, file and who asked. */
export interface NewEligibilityCheck extends InquiryOfRecord {
  trace: string;
  inquiryFileId: string;
  actor: string;
}

export interface EligibilityAnswerRecord {
  responseFileId: string;
  outcome: EligibilityOutcome;
  summary: string;
  changes: EligibilityDecision;
  actor: string;
}

export interface EligibilityUnitOfWork {
  /** Active charges no claim bills, of these patients (all patients when undefined), oldest first. */
  unclaimedCharges(patientRefs?: readonly string[]): Promise<Array<UnclaimedCharge & { patientRef: string }>>;
  parties(patientRefs: readonly string[]): Promise<{ patients: PatientInput[]; coverages: CoverageInput[] }>;
  /** Unsent claims (draft, held, ready, rejected) of the patient. */
  unsentClaims(patientRef: string): Promise<Array<UnsentClaim & { status: string }>>;
  /** The next ISA13/GS06/ST02 of the sender (the 837P's counters), rolled back with the unit of work. */
  nextControlNumbers(senderId: string): Promise<ControlNumbers>;
  /** Fresh check ids, in order. */
  nextCheckIds(count: number): Promise<string[]>;
  insertFile(f: NewEligibilityFile): Promise<string>;
  insertChecks(checks: readonly NewEligibilityCheck[]): Promise<void>;
  /** The recorded inquiries these traces name (unknown traces are left out). */
  inquiriesByTrace(traces: readonly string[]): Promise<Map<string, InquiryOfRecord>>;
  /** The coverage's expiration date becomes `endDate`; its as_of becomes now (an older ADT does not undo it). */
  endCoverage(coverageId: string, endDate: string): Promise<void>;
  setMemberId(coverageId: string, memberId: string): Promise<void>;
  /** Confirmed priorities by coverage id (the patient's other coverages' are cleared). */
  confirmPriorities(patientRef: string, priorities: Readonly<Record<string, number>>): Promise<void>;
  /** Active unclaimed charges become held with the reason; the ids actually held. */
  holdCharges(chargeIds: readonly string[], reason: string): Promise<string[]>;
  /** Charges held by an eligibility answer (hold reason starting `eligibility:`) become active again; the ids released. */
  releaseHeld(chargeIds: readonly string[]): Promise<string[]>;
  noteClaim(claimId: string, status: string, note: string, actor: string): Promise<void>;
  recordAnswer(checkId: string, answer: EligibilityAnswerRecord): Promise<void>;
}

export interface EligibilityPort {
  transaction<T>(fn: (uow: EligibilityUnitOfWork) => Promise<T>): Promise<T>;
}
