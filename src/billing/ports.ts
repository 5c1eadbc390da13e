/**
 * Ports: what the claim workflows (./workflows) need from the outside world. src/store/claims.ts implements them
 * on Postgres (Kysely), src/store/claims-outbox.ts writes the outbox directory; tests substitute an in-memory
 * store (test/support/memory-claims-store.ts). The workflows decide; the ports only read and write rows.
 *
 * A unit of work is one transaction that holds the claims lock: every claim-changing operation (build, batch,
 * operator action, remittance) runs in one, so they never interleave. Everything a workflow writes through the
 * unit of work commits or rolls back together.
 */
import type { ChargeInput, CoverageInput, PatientInput } from './claims/inputs';
import type { LiveLine } from './claims/corrections';
import type { ClaimEvent, ClaimStatus } from './claims/lifecycle';
import type { CodeSets, DateRange } from './codesets/lookup';
import type { CodeEditLookup } from './codesets/edits-lookup';
import type { CodeKind } from './codesets/types';
import type { ImportedProvider } from './providers/directory';
import type { FeeRow, Price } from './claims/pricing';
import type { Claim, ClaimFrequency, ControlNumbers, ScrubFinding } from './model';
import type { ClaimHistory } from './scrub/types';

/** What a claim line means for its charge: billed (active), taken over by a correction, given back, never billed again. */
export type LineState = 'active' | 'superseded' | 'released' | 'dropped';

/** The key of an encounter: patient, payer, date of service. */
export const encounterKey = (patientRef: string, payerId: string, serviceDate: string): string =>
  `${patientRef}\u0000${payerId}\u0000${serviceDate}`;

/** An operator's edit of a claim, kept with it so a later rebuild applies it again (src/billing/claims/edits.ts). */
export interface ClaimEdits {
  /** The claim's diagnoses in order (ICD-10-CM, as the operator typed them). */
  diagnoses?: string[];
  /** Place of service (CLM05-1) of the claim. */
  placeOfService?: string;
  /** Per charge: what the operator changed on that charge's line. */
  lines?: Record<string, { modifiers?: string[]; units?: string }>;
}

/** A claim as stored. */
export interface StoredClaim {
  id: string;
  controlNumber: string;
  status: ClaimStatus;
  frequency: ClaimFrequency;
  correctsClaimId: string | null;
  payerId: string;
  payerName: string;
  patientRef: string;
  coverageId: string | null;
  serviceDate: string;
  payerClaimNumber: string | null;
  totalCharge: string;
  /** The snapshot the 837P is written from. */
  claim: Claim;
  findings: ScrubFinding[];
  /** An operator sent it despite its findings. */
  overridden: boolean;
  batchId: string | null;
  /** The operator's edits (empty when none). */
  edits: ClaimEdits;
  /** A claim to the next payer: the claim whose payer's adjudication it carries (src/billing/workflows/next-payer.ts). */
  followsClaimId?: string;
}

/** A claim to insert; its lines are claim.lines, each billing claim.lines[i].chargeId, all active. */
export interface NewClaim {
  status: ClaimStatus;
  correctsClaimId: string | null;
  coverageId: string | null;
  claim: Claim;
  findings: ScrubFinding[];
  edits?: ClaimEdits;
  /** A claim to the next payer: the claim it follows (at most one claim follows a claim). */
  followsClaimId?: string;
}

/** Changes to a stored claim (only the fields given); every update also stamps its updated time. */
export interface ClaimChanges {
  status?: ClaimStatus;
  /** A new snapshot: payer, total charge and payer claim number follow it. */
  claim?: Claim;
  coverageId?: string | null;
  findings?: ScrubFinding[];
  /** null clears an override. */
  override?: { reason: string; by: string } | null;
  batchId?: string;
  submittedAt?: Date;
  edits?: ClaimEdits;
}

/** Per kind: the codes a scrub run will ask about, or 'all'. */
export type CodeSetRequest = Partial<Record<CodeKind, Iterable<string> | 'all'>>;

/** The imported code-set releases, read through the operation's own transaction. */
export interface CodeSetSource {
  load(request: CodeSetRequest, dates?: DateRange): Promise<CodeSets>;
  /** The payer edit tables (NCCI PTP, MUE, MCE) for the procedure codes and diagnoses a scrub run bills. */
  loadEdits(request: { procedures: Iterable<string>; diagnoses: Iterable<string> }, dates?: DateRange): Promise<CodeEditLookup>;
}

export interface NewBatch {
  payerId: string;
  senderId: string;
  control: ControlNumbers;
  usage: string;
  claimCount: number;
  totalCharge: string;
  fileName: string;
  x12: string;
  actor: string;
  /**
   * Queue the file for upload to this clearinghouse (src/clearinghouse), in the same unit of work as the batch:
   * `remoteName` gets the new batch's id and returns the name the clearinghouse asked for.
   */
  upload?: { clearinghouse: string; remoteName: (batchId: string) => string };
}

/** Reads a build needs, also outside a unit of work (a preview writes nothing and takes no lock). */
export interface ClaimsReads {
  /** Active charges no claim bills (no active, superseded or dropped line), oldest first. */
  claimableCharges(): Promise<ChargeInput[]>;
  parties(patientRefs: readonly string[]): Promise<{ patients: PatientInput[]; coverages: CoverageInput[] }>;
  /** Payers with ready claims (only `payerId` when given), in order. */
  readyPayers(payerId?: string): Promise<string[]>;
  /**
   * Encounters of these patients billed on sent claims (not voids): encounterKey(patient, payer, date of an active
   * line) → the newest such claim's id; an unsent replacement of a sent claim counts as its original.
   */
  sentEncounters(patientRefs: readonly string[]): Promise<Map<string, string>>;
  /** What was already billed for these patients on sent claims (duplicate detection). */
  claimHistory(patientRefs: readonly string[]): Promise<ClaimHistory>;
  /** Imported providers (rxbridge providers import) of the NPIs these charges name; billing.yaml's win over them. */
  providers(charges: readonly ChargeInput[]): Promise<ReadonlyMap<string, ImportedProvider>>;
  /**
   * The fee-schedule rows (rxbridge prices import) of these codes (11-digit NDCs, CPT/HCPCS codes), every date,
   * plus the `*` administration rows: what pricing the unpriced charges of a build may read.
   */
  feeSchedule(codes: readonly string[]): Promise<FeeRow[]>;
}

export interface ClaimsUnitOfWork extends ClaimsReads {
  /** NOT_FOUND when unknown. */
  claim(id: string): Promise<StoredClaim>;
  /** Claims with an active line whose charge is now reversed, locked, by id. */
  claimsWithReversedCharges(): Promise<StoredClaim[]>;
  /** The claim's lines in `state`, by line number, with the current status of their charges. */
  lineCharges(claimId: string, state: LineState): Promise<LiveLine[]>;
  chargesById(ids: readonly string[]): Promise<Map<string, ChargeInput>>;
  /** Lines of `claimId` in state `from` (only those billing `chargeIds` when given) move to `to`. */
  setLineState(claimId: string, from: LineState, to: LineState, chargeIds?: readonly string[]): Promise<void>;
  /** The superseded lines of `claimId` become active again, or dropped when their charge was reversed since. */
  restoreSuperseded(claimId: string): Promise<void>;
  /** The claim to the next payer that follows `claimId`, if one was built. */
  followerOf(claimId: string): Promise<string | undefined>;
  /** An unsent claim correcting `claimId`, if any. */
  unsentCorrectionOf(claimId: string): Promise<string | undefined>;
  /** Held corrections without a payer claim number whose original has one now, by id. */
  correctionsAwaitingNumber(): Promise<StoredClaim[]>;
  /** Fresh claim ids, in order. */
  nextClaimIds(count: number): Promise<string[]>;
  /**
   * Unpriced charges a new claim bills: each gets its price as its amount and `pricedBy` as the record of the
   * schedule row used, so later rebuilds and replacements bill the same amount.
   */
  recordPrices(prices: readonly Price[]): Promise<void>;
  /** Inserts the claim under claim.id with its lines. */
  insertClaim(c: NewClaim): Promise<void>;
  updateClaim(id: string, changes: ClaimChanges): Promise<void>;
  addEvent(claimId: string, event: ClaimEvent): Promise<void>;
  readonly codeSets: CodeSetSource;
  /** Ready claims of the payer, locked, by id. */
  readyClaims(payerId: string): Promise<StoredClaim[]>;
  /** The next ISA13/GS06/ST02 of the sender, rolled back with the unit of work. */
  nextControlNumbers(senderId: string): Promise<ControlNumbers>;
  /** The batch's id. */
  insertBatch(b: NewBatch): Promise<string>;
}

export interface ClaimsPort {
  /** One transaction holding the claims lock. */
  transaction<T>(fn: (uow: ClaimsUnitOfWork) => Promise<T>): Promise<T>;
  /** Reads without a transaction or the lock. */
  read<T>(fn: (reads: ClaimsReads) => Promise<T>): Promise<T>;
}

/** A file staged in the outbox: committed (renamed into place) after its batch commits, or aborted. */
export interface StagedFile {
  readonly path: string;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** Where 837P batch files go for the clearinghouse transfer to pick up (src/store/claims-outbox.ts). */
export interface Outbox {
  stage(fileName: string, text: string): Promise<StagedFile>;
}
