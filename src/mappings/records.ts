/**
 * The records a mapping produces from one message (../shared/docs/DOMAIN.md §1.7, §1.9): charges, patients and
 * coverages. Billing reads these, never HL7. Every value is a string or null (decimals as exact decimal strings,
 * dates as YYYY-MM-DD), so records compare and serialize without loss.
 */

/** What kind of billable service a charge line is (DOMAIN §1.9 serviceKind). */
export const SERVICE_KINDS = ['dispense', 'immunization-admin', 'vaccine-product', 'mtm', 'poc-test', 'other'] as const;
export type ServiceKind = (typeof SERVICE_KINDS)[number];

/** What a reversal with no charge to reverse does (a mapping rule's `reversal.missing`). */
export const REVERSAL_MISSING = ['error', 'ignore', 'hold'] as const;
export type ReversalMissing = (typeof REVERSAL_MISSING)[number];

/** The charge attributes a credit may be matched on across messages (a mapping rule's `reversal.match`). */
export const REVERSAL_MATCH_KEYS = ['patient', 'code', 'serviceDate', 'amount'] as const;
export type ReversalMatchKey = (typeof REVERSAL_MATCH_KEYS)[number];

/** One billable line (or the reversal of one). */
export interface ChargeRecord {
  /** channel | sender | MSH-10 | segment index [| rule]: unique; replays and retries produce the same key. */
  sourceKey: string;
  /**
   * For a reversal line: the transaction id of the line it reverses (matched with the sender's earlier charges).
   * Null when the line names no transaction (it then matches on reversalOfLine or reversalMatch only).
   */
  reversalOfTransaction: string | null;
  kind: 'charge' | 'reversal';
  serviceKind: ServiceKind;
  /** The sender's id for the line (FT1-2, Rx number + fill, ORC-3 + admin/product): reversals point at it. */
  transactionId: string | null;
  /** Date of service, YYYY-MM-DD. */
  serviceDate: string;
  patientRef: string;
  codeSystem: string;
  code: string;
  /** At most four. */
  modifiers: string[];
  /** Decimal strings: exact, never floats. */
  units: string;
  /**
   * Null on a reversal that names no amount (it then reverses the full amount of the charge it names), and on an
   * unpriced charge (`unpriced: true`).
   */
  chargeAmount: string | null;
  /** ICD-10-CM codes, principal first. */
  diagnoses: string[];
  renderingNpi: string | null;
  orderingNpi: string | null;
  /** NDC as 11 digits when the mapping normalizes it (fn: ndc11), else as sent. */
  ndc: string | null;
  ndcQuantity: string | null;
  /** NDC unit of measure: UN, ML, GR, F2 or ME. */
  ndcUnit: string | null;
  rxNumber: string | null;
  fillNumber: string | null;
  daysSupply: string | null;
  /** Dispense-as-written / substitution code. */
  daw: string | null;
  lot: string | null;
  /** VFC eligibility code (table 0064, V01–V05) for immunizations. */
  vfcEligibility: string | null;
  placeOfService: string | null;
  /**
   * For a reversal line naming another line of the same message (FT1-31 as a Set ID): the source key of the
   * charge that line makes. It is the charge reversed, before any transaction id or attribute match.
   */
  reversalOfLine?: string;
  /**
   * For a reversal line: when neither the line nor the transaction id finds a charge, an active charge of an
   * earlier message equal on these (amount as its magnitude) is the one reversed.
   */
  reversalMatch?: ReversalMatchKey[];
  /**
   * When a reversal finds no charge to reverse: 'error' fails the message, 'ignore' drops the line, 'hold' writes
   * it as a held negative charge with the reason (never claimed; the message's other lines are written).
   */
  reversalMissing?: ReversalMissing;
  /**
   * Set on a held charge (the rule's `hold`): why it cannot be billed as mapped. The store writes it with status
   * `held`; claims never take it; a replay of the message after the cause is fixed replaces it.
   */
  holdReason?: string;
  /**
   * Set on a charge written without an amount (the rule's `unpriced: write`): claim building prices it from the fee
   * schedule in force on its date of service, or holds it "no price". The store keeps it as 0.00, marked unpriced.
   */
  unpriced?: boolean;
}

/** Demographics from PID, upserted by patientRef. `asOf` (EVN-2, else MSH-7) keeps an older update from winning. */
export interface PatientRecord {
  sourceKey: string;
  patientRef: string;
  /** ISO 8601 timestamp of the event; an update with an older asOf never overwrites a newer one. */
  asOf: string;
  familyName: string | null;
  givenName: string | null;
  middleName: string | null;
  birthDate: string | null;
  sex: string | null;
  addressLine1: string | null;
  addressLine2: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  phone: string | null;
  accountNumber: string | null;
}

/** One insurance coverage from IN1/IN2, upserted by patientRef + planId. */
export interface CoverageRecord {
  sourceKey: string;
  patientRef: string;
  asOf: string;
  /** The sender's plan id (IN1-2), else its insurance company id: the coverage's key within the patient. */
  planId: string;
  /** The payer id billing uses (after the mapping's crosswalk). */
  payerId: string | null;
  payerName: string | null;
  memberId: string | null;
  groupNumber: string | null;
  groupName: string | null;
  /** Claim filing indicator / plan type (IN1-15 after crosswalk). */
  planType: string | null;
  /** Subscriber relationship code as 837P SBR02 uses it (18 = self). */
  relationship: string | null;
  /** COB priority: 1 primary, 2 secondary, 3 tertiary. */
  priority: number;
  effectiveDate: string | null;
  expirationDate: string | null;
  subscriberFamilyName: string | null;
  subscriberGivenName: string | null;
  subscriberBirthDate: string | null;
  subscriberSex: string | null;
}

/**
 * A patient merge (ADT^A40): the patient `priorPatientRef` (MRG-1) is absorbed by `patientRef` (PID-3), the
 * surviving one. The store moves the prior patient's charges and coverages to the survivor, releases its unsent
 * claims to be built again under the survivor, and resolves the prior id to the survivor from then on
 * (docs/billing.md "Patient merges").
 */
export interface MergeRecord {
  sourceKey: string;
  /** The surviving patient. */
  patientRef: string;
  /** The patient absorbed (MRG-1, the prior patient identifier list). */
  priorPatientRef: string;
  asOf: string;
}

/** Everything one message maps to. */
export interface MappedRecords {
  charges: ChargeRecord[];
  patients: PatientRecord[];
  coverages: CoverageRecord[];
  /** Patient merges, applied after the message's patients and coverages and before its charges; absent = none. */
  merges?: MergeRecord[];
}
