/**
 * What claim building reads: charges, patients and coverages as plain values (the store turns its rows into
 * these; billing never sees a database row). Dates are YYYY-MM-DD, amounts exact decimal strings.
 */

/**
 * One charge line (charges table). Only `active` charges are claimed; `reversed` ones never are, nor `held` ones
 * (the mapping could not bill them as they stand, e.g. no product code for a CVX on that date).
 */
export interface ChargeInput {
  id: string;
  status: 'active' | 'reversed' | 'reversal' | 'held';
  serviceDate: string;
  patientRef: string;
  serviceKind: string;
  codeSystem: string;
  code: string;
  modifiers: string[];
  units: string;
  chargeAmount: string;
  /** ICD-10-CM codes, principal first. */
  diagnoses: string[];
  renderingNpi: string | null;
  orderingNpi: string | null;
  ndc: string | null;
  ndcQuantity: string | null;
  ndcUnit: string | null;
  rxNumber: string | null;
  placeOfService: string | null;
  /**
   * The mapping's transaction id (charges.transaction_id). Pairs a vaccine administration with its product
   * (`<dose>-admin` / `<dose>-product`); absent or null: not paired.
   */
  transactionId?: string | null;
  /** VFC eligibility (HL7 table 0064, V01–V05) of an immunization line; absent or null for other lines. */
  vfcEligibility?: string | null;
  /** Why a `held` charge is held (the mapping's reason). */
  holdReason?: string | null;
  /** The message the charge came from. */
  messageId?: string;
  /**
   * The feed sent no amount and no build has priced it yet (chargeAmount is 0.00 until then): claim building prices
   * it from the fee schedule (./pricing.ts) or holds it "no price".
   */
  unpriced?: boolean;
}

/** Demographics (patients table). */
export interface PatientInput {
  patientRef: string;
  familyName: string | null;
  givenName: string | null;
  birthDate: string | null;
  sex: string | null;
  addressLine1: string | null;
  addressLine2: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
}

/** One coverage (coverages table). */
export interface CoverageInput {
  id: string;
  patientRef: string;
  payerId: string | null;
  payerName: string | null;
  memberId: string | null;
  groupNumber: string | null;
  groupName: string | null;
  /** SBR09 after the ADT mapping's crosswalk, or the sender's plan type. */
  planType: string | null;
  /** 837P relationship code (18 self). */
  relationship: string | null;
  /** 1 primary, 2 secondary, 3 tertiary. */
  priority: number;
  effectiveDate: string | null;
  expirationDate: string | null;
  /** ISO timestamp of the event that last wrote the coverage (ties between coverages of one priority). */
  asOf: string;
  subscriberFamilyName: string | null;
  subscriberGivenName: string | null;
  subscriberBirthDate: string | null;
  subscriberSex: string | null;
  /**
   * The place a payer's eligibility answer (271) gave this coverage: 1 when another payer's 271 named this payer as
   * primary, 2 for the coverage whose 271 said so (src/billing/eligibility/decide.ts). Absent or null: none.
   */
  confirmedPriority?: number | null;
}
