/**
 * The canonical charge record (../shared/docs/DOMAIN.md §1.9), as far as the engine core fills it.
 * One per billable line. Billing reads these, never HL7.
 */
export interface ChargeRecord {
  /** channel | sender | MSH-10 | segment index: unique; replays and retries produce the same key. */
  sourceKey: string;
  /** For a credit line: the transaction id (FT1-31 or FT1-2) of the line it reverses. */
  reversalOfTransaction: string | null;
  kind: 'charge' | 'reversal';
  transactionId: string | null;
  /** Date of service, YYYY-MM-DD. */
  serviceDate: string;
  patientRef: string;
  codeSystem: string;
  code: string;
  modifiers: string[];
  /** Decimal strings: exact, never floats. */
  units: string;
  chargeAmount: string;
  diagnoses: string[];
  renderingNpi: string | null;
  orderingNpi: string | null;
  ndc: string | null;
}
