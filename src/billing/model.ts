/**
 * The billing model shared by claim building, scrubbing, the 837P writer and 835 reconciliation
 * (../shared/docs/DOMAIN.md §2–§4). Plain data only: no I/O, no classes. Money and quantities are exact decimal
 * strings ("25.00", "0.5"), dates are YYYY-MM-DD, codes are kept as billed (ICD-10-CM with its dot, "E11.9":
 * the 837P writer removes it).
 */

export interface Address {
  line1: string;
  line2?: string;
  city: string;
  /** Two-letter state code. */
  state: string;
  /** 5 or 9 digits (the billing provider needs 9). */
  zip: string;
}

/** The pharmacy (2010AA). Its address must be a physical one; a PO box belongs in pay-to. */
export interface BillingProvider {
  name: string;
  npi: string;
  /** EI = employer id (EIN), SY = social security number. */
  taxIdType: 'EI' | 'SY';
  taxId: string;
  /** NUCC taxonomy, e.g. 3336C0003X (community/retail pharmacy). */
  taxonomy: string;
  address: Address;
  /** CLIA certificate number for waived tests (REF*X4); configured per location, never in HL7. */
  cliaNumber?: string;
}

/** A person or organisation on the claim by NPI (rendering, ordering). */
export interface ProviderRef {
  npi: string;
  familyName?: string;
  givenName?: string;
  /** Organisation name when not a person. */
  organizationName?: string;
  taxonomy?: string;
}

export interface Payer {
  /** The payer id the clearinghouse routes on (2010BB NM109). */
  id: string;
  name: string;
}

/** 2000B/2010BA: the insured. */
export interface Subscriber {
  memberId: string;
  groupNumber?: string;
  groupName?: string;
  /** SBR01: P primary, S secondary, T tertiary. */
  payerResponsibility: 'P' | 'S' | 'T';
  /** SBR09 claim filing indicator (CI commercial, MB Medicare B, MC Medicaid, …). */
  filingIndicator: string;
  familyName: string;
  givenName?: string;
  birthDate?: string;
  /** M, F or U. */
  sex?: string;
  address?: Address;
}

/** The patient; when not the subscriber (relationship ≠ 18) the 837P has a 2000C loop. */
export interface Patient {
  /** Our patient reference (PID-3); part of the patient control number. */
  patientRef: string;
  familyName: string;
  givenName?: string;
  birthDate?: string;
  sex?: string;
  address?: Address;
  /** Relationship to the subscriber as 837P codes it: 18 self, 01 spouse, 19 child, 20 employee, G8 other. */
  relationship: string;
}

export interface ClaimLine {
  /** 1-based position in the claim (LX01). */
  lineNumber: number;
  /** The charge row this line bills (charges.id), for reconciliation and audit. */
  chargeId: string;
  /** CPT or HCPCS code (SV101-2). */
  code: string;
  codeSystem: 'CPT' | 'HCPCS';
  /** At most four (SV101-3..6). */
  modifiers: string[];
  units: string;
  chargeAmount: string;
  serviceDate: string;
  /** 1-based indexes into Claim.diagnoses (SV107), at most four. */
  diagnosisPointers: number[];
  placeOfService?: string;
  /** 2410: NDC (11 digits), quantity and unit (F2, GR, ME, ML, UN). */
  ndc?: string;
  ndcQuantity?: string;
  ndcUnit?: string;
  rxNumber?: string;
  renderingProvider?: ProviderRef;
  orderingProvider?: ProviderRef;
  serviceKind: string;
  /** The dose came from free state stock (VFC eligibility V02–V05): its administration may stand without a product line. */
  stateSupplied?: boolean;
  /** 2430: how each payer before this one adjudicated the line (a secondary or tertiary claim). */
  adjudications?: LineAdjudication[];
}

/**
 * 2430 line adjudication: what an earlier payer (its 835 SVC and line CAS) did with one line. The 837P balances it:
 * SV102 = SVD02 + Σ CAS amounts.
 */
export interface LineAdjudication {
  /** SVD01: the earlier payer's id, as its 2330B NM109 gives it. */
  payerId: string;
  /** SVD02: what it paid on the line. */
  paidAmount: string;
  /** SVD03: the procedure as it adjudicated it. */
  code: string;
  modifiers: string[];
  /** SVD05: units it paid. */
  paidUnits: string;
  /** Line CAS, grouped by the writer into one CAS per group code. */
  adjustments: Adjustment[];
  /** DTP*573: the date it adjudicated the line. */
  adjudicationDate: string;
}

/**
 * 2320 / 2330A / 2330B: a payer that adjudicated the claim before the payer it goes to now. A claim whose SBR01 is S
 * or T carries one per earlier payer; the 837P balances each: CLM02 = AMT*D + Σ claim CAS + Σ its lines' CAS.
 */
export interface OtherPayer {
  /** 2320 SBR01: that payer's place (P for the primary of a secondary claim). */
  responsibility: 'P' | 'S' | 'T';
  /** 2320 SBR02: the patient's relationship to that payer's subscriber (18 self). */
  relationship: string;
  groupNumber?: string;
  groupName?: string;
  /** 2320 SBR09. */
  filingIndicator: string;
  /** 2320 CAS: adjustments to the claim as a whole (835 claim-level CAS). */
  claimAdjustments: Adjustment[];
  /** AMT*D: what it paid on the claim. */
  paidAmount: string;
  /** AMT*EAF: what the patient owed after it (835 CLP05). */
  remainingPatientLiability?: string;
  /** 2330A: that payer's subscriber. */
  subscriber: { familyName: string; givenName?: string; memberId: string; address?: Address };
  /** 2330B NM1*PR. */
  payer: Payer;
  /** 2330B DTP*573: the date it adjudicated the claim (its 835's payment date). */
  adjudicationDate: string;
  /** 2330B REF*F8: its claim control number (835 CLP07). */
  payerClaimNumber?: string;
}

/** CLM05-3: 1 original, 7 replacement, 8 void. 7 and 8 need the payer's claim number (REF*F8). */
export type ClaimFrequency = '1' | '7' | '8';

export interface Claim {
  /** Our claim id (claims.id). */
  id: string;
  /** CLM01, at most 20 characters: it comes back as CLP01 in the 835 and TRN02 in the 277CA. */
  controlNumber: string;
  frequency: ClaimFrequency;
  /** REF*F8: the payer's claim control number (835 CLP07) that a replacement or void refers to. */
  payerClaimNumber?: string;
  billingProvider: BillingProvider;
  /** 2310B, only when it differs from the billing provider. */
  renderingProvider?: ProviderRef;
  payer: Payer;
  subscriber: Subscriber;
  patient: Patient;
  /** CLM05-1 place of service (01 pharmacy, 11 office, 12 home, 60 mass immunization). */
  placeOfService: string;
  /** ICD-10-CM codes, principal first, at most 12 (HI: ABK then ABF). */
  diagnoses: string[];
  /** REF*G1 prior authorization. */
  priorAuthorization?: string;
  lines: ClaimLine[];
  /** Σ line chargeAmount (CLM02). */
  totalCharge: string;
  /** 2320/2330: the payers that adjudicated this claim before (a secondary or tertiary claim), in payment order. */
  otherPayers?: OtherPayer[];
}

/** Who sends and who receives an interchange (ISA/GS, 1000A/1000B). */
export interface Interchange {
  senderId: string;
  /** ISA05/ISA07 qualifier, usually ZZ. */
  senderQualifier: string;
  receiverId: string;
  receiverQualifier: string;
  submitterName: string;
  submitterContactName: string;
  submitterPhone: string;
  receiverName: string;
  /** ISA15: P production, T test. */
  usage: 'P' | 'T';
  /** ISA14 = 1: the receiver answers the interchange with a TA1 (the clearinghouse's `requestTa1`). */
  requestTa1?: boolean;
}

/** Control numbers for one 837P file, drawn from persisted counters (never reused). */
export interface ControlNumbers {
  /** ISA13, 1..999999999. */
  interchange: number;
  /** GS06. */
  group: number;
  /** ST02 of the first transaction set; later sets count up. */
  transactionSet: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Scrubbing

export type Severity = 'error' | 'warning' | 'info';

/** One problem a scrub rule found. An error-level finding holds the claim: it is never batched. */
export interface ScrubFinding {
  ruleId: string;
  severity: Severity;
  scope: 'claim' | 'line';
  /** For line findings. */
  lineNumber?: number;
  /** Plain words for the billing clerk, e.g. "NPI 1234567890 fails its check digit". */
  message: string;
}

/** What a code set knows about one code on a date of service. */
export interface CodeStatus {
  /** The code exists in the release covering the date. */
  valid: boolean;
  /** ICD-10-CM: billable (a leaf code), not a header. Other sets: active on the date. */
  billable: boolean;
  /** The release that answered, e.g. "ICD-10-CM 2026". */
  release?: string;
}

/** Read access to the loaded code sets; undefined when the code set has no entry for the code at all. */
export interface CodeSetLookup {
  icd10cm(code: string, dateOfService: string): CodeStatus | undefined;
  hcpcs(code: string, dateOfService: string): CodeStatus | undefined;
  /** The local list of CPT codes the pharmacy bills (numbers and our own labels). */
  cpt(code: string, dateOfService: string): CodeStatus | undefined;
  ndc(ndc11: string, dateOfService: string): CodeStatus | undefined;
  /** Whether a code set is loaded at all (rules skip, with an info finding, when it is not). */
  has(kind: 'icd10cm' | 'hcpcs' | 'cpt' | 'ndc'): boolean;
  /** The release answering for the date ("ICD-10-CM 2026"), undefined when no loaded release covers it. */
  release(kind: 'icd10cm' | 'hcpcs' | 'cpt' | 'ndc', dateOfService: string): string | undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Remittance (835)

/** A CAS triplet. Group: CO contractual, PR patient responsibility, OA other, PI payer initiated. */
export interface Adjustment {
  group: 'CO' | 'PR' | 'OA' | 'PI' | 'CR';
  reason: string;
  amount: string;
  quantity?: string;
}

export interface ServicePayment {
  /** SVC01: procedure as adjudicated. */
  code: string;
  modifiers: string[];
  charge: string;
  paid: string;
  unitsPaid?: string;
  /** SVC06: the code as submitted, when the payer changed it. */
  submittedCode?: string;
  serviceDate?: string;
  /** REF*6R line item control number, when we sent one. */
  lineControlNumber?: string;
  adjustments: Adjustment[];
  /** LQ*HE of loop 2110: remittance advice remark codes (RARC) on this line, in order, once each; absent when none. */
  remarks?: string[];
}

export interface ClaimPayment {
  /** CLP01 = our CLM01. */
  controlNumber: string;
  /** CLP02: 1/2/3 processed as primary/secondary/tertiary, 4 denied, 19–21 forwarded, 22 reversal, 23 not ours, 25 predetermination. */
  status: string;
  charge: string;
  paid: string;
  patientResponsibility: string;
  /** CLP07 payer claim control number. */
  payerClaimNumber?: string;
  /** NM1*TT: the payer the claim was crossed over to (name, and id when given), with CLP02 19–21. */
  crossoverCarrier?: string;
  adjustments: Adjustment[];
  /**
   * Claim-level remittance advice remark codes (RARC): MOA03–MOA07 (outpatient) and MIA05, MIA20–MIA23 (inpatient),
   * in order, once each; absent when none.
   */
  remarks?: string[];
  services: ServicePayment[];
}

/** PLB: provider-level adjustment, not tied to a claim. A negative amount increases the payment. */
export interface ProviderAdjustment {
  reason: string;
  reference?: string;
  amount: string;
}

export interface Remittance {
  /** TRN02 check / EFT trace number. */
  traceNumber: string;
  /** BPR02. */
  paymentAmount: string;
  /** BPR01 and BPR04. */
  handling: string;
  paymentMethod: string;
  /** BPR16. */
  paymentDate?: string;
  payerName: string;
  payerId?: string;
  /**
   * Every id the 835 gives its payer by: N1*PR N104, REF*2U and TRN03 (the originating company id), in that
   * order, without duplicates. Posting compares them with the claim's payer (src/billing/remittance/payer-match.ts).
   */
  payerIdentifiers?: string[];
  payeeName?: string;
  payeeNpi?: string;
  claims: ClaimPayment[];
  providerAdjustments: ProviderAdjustment[];
}
