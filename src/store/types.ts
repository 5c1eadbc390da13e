/**
 * Database table types for Kysely. One interface per table; column names are snake_case as in SQL.
 * The message lifecycle (docs/architecture.md) lives in `messages.status`.
 */
import type { ColumnType, Generated, GeneratedAlways, Insertable, JSONColumnType, Selectable } from 'kysely';
import type { ClaimAckDetail } from '../billing/claims/ack-detail';
import type { ClaimStatus } from '../billing/claims/lifecycle';
import type { Claim, ScrubFinding } from '../billing/model';
import type { ClaimEdits } from '../billing/ports';
import type { PayerRole } from '../billing/remittance/payer-match';
import type { AuditDetail } from './audit-chain';
import type { ApplicationAckRequest } from '../hl7/ack';
import type { ServiceKind } from '../mappings/records';

/**
 * received   stored and ACKed, waiting for the pipeline
 * processing a worker has it (or it waits for a retry after a transient failure)
 * processed  final: mapped, its records written
 * filtered   final: accepted, but no route maps this type (or the filter chose to skip it)
 * error      final: dead letter, with error_code/error_text/error_stage; can be replayed
 * rejected   final: NAKed at intake (no MSH, unsupported type/version/processing id, oversize)
 * duplicate  final: same sender + MSH-10 + content (MSH-7 aside) inside the channel's window; ACKed AA again,
 *            not processed
 */
export const MESSAGE_STATUSES = ['received', 'processing', 'processed', 'filtered', 'error', 'rejected', 'duplicate'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];
export const FINAL_STATUSES: ReadonlySet<MessageStatus> = new Set(['processed', 'filtered', 'error', 'rejected', 'duplicate']);

/** timestamptz: a Date on select; a Date or an ISO string on insert and update. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
/**
 * A column with a database default (now(), 0, an empty array): inserts may leave it out. Like Kysely's
 * `Generated<T>`, but for a column that already has its own ColumnType (a Timestamp, Money): `WithDefault<Timestamp>`
 * would nest the two and make the select type the ColumnType itself instead of a Date.
 */
type WithDefault<C> = C extends ColumnType<infer S, infer I, infer U> ? ColumnType<S, I | undefined, U> : never;
/** A column inserts may leave out (it defaults to null). */
type Optional<T> = ColumnType<T, T | undefined, T>;
/**
 * A bigserial id: the database assigns it (inserts leave it out, updates never set it), and pg returns bigint as a
 * string, which we keep end to end. Plain `string` on select, so `where('id', '=', id)` takes a string id as is.
 */
type Id = GeneratedAlways<string>;

export interface MessagesTable {
  id: Id;
  channel: string;
  status: MessageStatus;
  sender: string;
  control_id: string;
  message_type: string;
  version: string;
  processing_id: string;
  patient_key: string | null;
  remote: string;
  received_at: WithDefault<Timestamp>;
  updated_at: WithDefault<Timestamp>;
  finished_at: Timestamp | null;
  attempts: Generated<number>;
  replays: Generated<number>;
  error_code: string | null;
  error_text: string | null;
  error_stage: string | null;
  duplicate_of: string | null;
  /** The content key (src/hl7/content-hash.ts) of a received message; null for rejected frames and older rows. */
  content_hash: Optional<string | null>;
  /** An earlier message of the same channel, sender and control id with other content, inside the window. */
  reused_control_id_of: Optional<string | null>;
}

/**
 * Who holds a duplicate key (migration 016): the message received with this content hash (which covers the
 * sender and control id) on this channel, and until when a copy of it is a duplicate (received_at + that message's window).
 */
export interface InboundKeysTable {
  content_hash: string;
  channel: string;
  message_id: string;
  received_at: Timestamp;
  expires_at: Timestamp;
}

export interface MessageContentsTable {
  id: Id;
  message_id: string;
  version: number;
  kind: 'raw' | 'edited';
  /** The body as stored (src/store/bodies.ts): an envelope when key_id is set, plain text when null; null = pruned. */
  content: string | null;
  key_id: string | null;
  pruned_at: Timestamp | null;
  created_at: WithDefault<Timestamp>;
}

/** Key ids engine processes seal message bodies with (migration 006; ids only, never key material). */
export interface BodyKeysTable {
  key_id: string;
  first_used_at: WithDefault<Timestamp>;
}

export interface MessageEventsTable {
  id: Id;
  message_id: string;
  at: WithDefault<Timestamp>;
  from_status: MessageStatus | null;
  to_status: MessageStatus;
  stage: string | null;
  code: string | null;
  detail: string | null;
  actor: string | null;
}

export type ApplicationAckState = 'open' | 'sent' | 'not_needed' | 'failed';

export interface ApplicationAcksTable {
  message_id: string;
  channel: string;
  requested: ApplicationAckRequest;
  /** JSON of the inbound MshHeader (hl7/peek.ts): the ACK's addresses, delimiters and MSA-2; no patient data. */
  header: string;
  state: Generated<ApplicationAckState>;
  attempts: Generated<number>;
  next_attempt_at: WithDefault<Timestamp>;
  ack_code: string | null;
  ack_control_id: string | null;
  last_error: string | null;
  sent_at: Timestamp | null;
  updated_at: WithDefault<Timestamp>;
}

/** Imported providers (migration 009; src/store/providers.ts). */
export interface ProvidersTable {
  npi: string;
  entity_type: '1' | '2' | null;
  family_name: string | null;
  given_name: string | null;
  organization_name: string | null;
  taxonomy: string | null;
  deactivated_on: string | null;
  reactivated_on: string | null;
  source_file: string;
  source_line: number;
  imported_at: WithDefault<Timestamp>;
}

export interface ChargesTable {
  id: Id;
  message_id: string;
  channel: string;
  source_key: string;
  reversal_of: string | null;
  /** held: never claimed until a replay of its message replaces it (hold_reason says why). */
  status: 'active' | 'reversed' | 'reversal' | 'held';
  transaction_id: string | null;
  service_date: string;
  patient_ref: string;
  code_system: string;
  code: string;
  modifiers: string[];
  units: string;
  charge_amount: string;
  diagnoses: string[];
  rendering_npi: string | null;
  ordering_npi: string | null;
  ndc: string | null;
  created_at: WithDefault<Timestamp>;
  service_kind: Generated<ServiceKind>;
  ndc_quantity: string | null;
  ndc_unit: string | null;
  rx_number: string | null;
  fill_number: string | null;
  /** integer; written from the record's decimal string (a fraction is refused by the store). */
  days_supply: ColumnType<number | null, string | number | null, string | number | null>;
  daw: string | null;
  lot: string | null;
  vfc_eligibility: string | null;
  place_of_service: string | null;
  /** The patient with this patient_ref, and the coverage in force on service_date, when the charge was written. */
  patient_id: ColumnType<string | null, string | null | undefined, string | null>;
  coverage_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** Why a held charge is held (migration 012); null on every other status. */
  hold_reason: ColumnType<string | null, string | null | undefined, string | null>;
  /** Written without an amount (migration 018): charge_amount is 0.00 and claim building prices it. */
  unpriced: ColumnType<boolean, boolean | undefined, boolean>;
  /** The fee-schedule row that priced an unpriced charge when a claim first billed it; null until then. */
  priced_by: ColumnType<string | null, string | null | undefined, string | null>;
}

/** One fee-schedule row (migration 018, `rxbridge prices import`). Dates YYYY-MM-DD, numerics exact text. */
export interface FeeScheduleTable {
  id: Id;
  code_system: string;
  code: string;
  method: 'uc' | 'cost' | 'admin';
  effective_from: string;
  effective_to: string | null;
  amount: string | null;
  basis: string | null;
  unit_cost: string | null;
  multiplier: string | null;
  dispensing_fee: string | null;
  description: string | null;
  source_file: string;
  source_line: number;
  imported_at: WithDefault<Timestamp>;
}

/** Demographics, one row per patient_ref; `as_of` is the event time of the message that last wrote it. */
export interface PatientsTable {
  id: Id;
  patient_ref: string;
  as_of: Timestamp;
  family_name: string | null;
  given_name: string | null;
  middle_name: string | null;
  /** YYYY-MM-DD */
  birth_date: string | null;
  sex: string | null;
  address_line1: string | null;
  address_line2: string | null;
  city: string | null;
  state: string | null;
  postal_code: string | null;
  phone: string | null;
  account_number: string | null;
  source_key: string | null;
  message_id: string | null;
  created_at: WithDefault<Timestamp>;
  updated_at: WithDefault<Timestamp>;
  /** The survivor's patient_ref once a merge (ADT^A40) absorbed this patient (migration 019); null otherwise. */
  merged_into: Optional<string | null>;
  merged_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  merged_by_message_id: Optional<string | null>;
}

/** One insurance coverage per (patient_ref, plan_id), with the same as-of rule as patients. */
export interface CoveragesTable {
  id: Id;
  patient_ref: string;
  plan_id: string;
  as_of: Timestamp;
  payer_id: string | null;
  payer_name: string | null;
  member_id: string | null;
  group_number: string | null;
  group_name: string | null;
  plan_type: string | null;
  relationship: string | null;
  /** COB priority: 1 primary, 2 secondary, 3 tertiary. */
  priority: number;
  /** YYYY-MM-DD; null = open-ended. */
  effective_date: string | null;
  expiration_date: string | null;
  subscriber_family_name: string | null;
  subscriber_given_name: string | null;
  subscriber_birth_date: string | null;
  subscriber_sex: string | null;
  /** The place a payer's 271 gave this coverage (migration 023); null: none. */
  confirmed_priority: ColumnType<number | null, number | null | undefined, number | null>;
  source_key: string | null;
  message_id: string | null;
  created_at: WithDefault<Timestamp>;
  updated_at: WithDefault<Timestamp>;
}

/** Every saved version of a mapping file (for the mappings API). */
export interface MappingVersionsTable {
  id: Id;
  mapping: string;
  version: number;
  content: string;
  sha256: string;
  actor: string | null;
  created_at: WithDefault<Timestamp>;
}

/** A loaded code-set release (src/billing/codesets); unique by (kind, name). Dates YYYY-MM-DD, null = open. */
export interface CodeReleasesTable {
  id: Generated<number>;
  kind: string;
  name: string;
  valid_from: string | null;
  valid_to: string | null;
  loaded_at: WithDefault<Timestamp>;
  row_count: Generated<number>;
  source_file: string;
  sha256: Generated<string>;
}

/** One code of a release, with its own dates inside it. */
export interface CodeEntriesTable {
  release_id: number;
  kind: string;
  code: string;
  valid_from: string | null;
  valid_to: string | null;
  billable: boolean;
  description: string | null;
}

/** One payer edit of a release (migration 010; src/store/code-edits.ts): NCCI PTP pair, MUE or MCE list entry. */
export interface CodeEditsTable {
  release_id: number;
  kind: string;
  code: string;
  other_code: string | null;
  indicator: string;
  max_units: number | null;
  age_from: number | null;
  age_to: number | null;
  valid_from: string | null;
  valid_to: string | null;
  rationale: string | null;
}

// ---------------------------------------------------------------------------------------------------------------
// Claims, batches and remittances (migration 004; src/store/claims.ts). Statuses: src/billing/claims/lifecycle.ts.

type Money = ColumnType<string, string | number, string | number>;

export interface ClaimsTable {
  id: Generated<string>;
  control_number: string;
  status: ClaimStatus;
  frequency: '1' | '7' | '8';
  corrects_claim_id: string | null;
  payer_id: string;
  payer_name: string;
  patient_ref: string;
  coverage_id: string | null;
  service_date: string;
  billing_npi: string;
  payer_claim_number: string | null;
  total_charge: Money;
  /** The billing model's Claim as built (src/billing/model.ts), what the 837P is written from. */
  claim: JSONColumnType<Claim>;
  /** The findings of the last scrub. */
  findings: JSONColumnType<ScrubFinding[], string | undefined, string>;
  override_reason: string | null;
  overridden_by: string | null;
  overridden_at: Timestamp | null;
  batch_id: string | null;
  submitted_at: Timestamp | null;
  adjudicated_at: Timestamp | null;
  paid_amount: WithDefault<Money>;
  patient_responsibility: WithDefault<Money>;
  /** The operator's edits (src/billing/ports.ts ClaimEdits), applied again on every rebuild (migration 013). */
  edits: JSONColumnType<ClaimEdits, string | undefined, string>;
  created_at: WithDefault<Timestamp>;
  updated_at: WithDefault<Timestamp>;
  /** The crossover payer an 835 forwarded the claim to (CLP02 19–21), migration 011. */
  forwarded_to: Optional<string | null>;
  /** The claim whose payer's adjudication this claim to the next payer carries, migration 021. */
  follows_claim_id: Optional<string | null>;
  /** 1 primary, 2 secondary, 3 tertiary (migration 021). */
  payer_step: Generated<number>;
}

/** A 999/997 or 277CA as received (migration 013). */
export interface AcknowledgmentsTable {
  id: Generated<string>;
  kind: string;
  x12: string;
  actor: string | null;
  received_at: WithDefault<Timestamp>;
}

/** What one acknowledgment said about one claim (migration 013). */
export interface ClaimAcknowledgmentsTable {
  id: Generated<string>;
  acknowledgment_id: string;
  claim_id: string;
  outcome: string;
  /** What the acknowledgment said about the claim (src/billing/claims/ack-detail.ts). */
  detail: JSONColumnType<ClaimAckDetail>;
}

export interface ClaimLinesTable {
  id: Generated<string>;
  claim_id: string;
  line_number: number;
  charge_id: string;
  state: 'active' | 'superseded' | 'released' | 'dropped';
  code: string;
  modifiers: string[];
  units: string;
  charge_amount: Money;
  service_date: string;
  service_kind: string;
  paid_amount: WithDefault<Money>;
  /** The payer step of its claim (migration 021): a charge has one active line per step. */
  payer_step: Generated<number>;
}

export interface ClaimEventsTable {
  id: Generated<string>;
  claim_id: string;
  at: WithDefault<Timestamp>;
  actor: string;
  action: string;
  from_status: ClaimStatus | null;
  to_status: ClaimStatus;
  reason: string | null;
}

export interface ClaimBatchesTable {
  id: Generated<string>;
  payer_id: string;
  sender_id: string;
  interchange_control: ColumnType<string, number | string, never>;
  group_control: ColumnType<string, number | string, never>;
  transaction_set_control: ColumnType<string, number | string, never>;
  usage: string;
  claim_count: number;
  total_charge: Money;
  file_name: string;
  x12: string;
  actor: string | null;
  created_at: WithDefault<Timestamp>;
  /** The TA1 answering its interchange (migration 022): A, E or R, and TA105. */
  ta1_ack_code: ColumnType<string | null, string | null | undefined, string | null>;
  ta1_note_code: ColumnType<string | null, string | null | undefined, string | null>;
  ta1_received_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

/** An 837P batch or a 270 file to upload to its clearinghouse (migrations 022, 029): exactly one of the two ids is set. */
export interface ClearinghouseTransfersTable {
  id: Generated<string>;
  batch_id: ColumnType<string | null, string | null | undefined, string | null>;
  eligibility_file_id: ColumnType<string | null, string | null | undefined, string | null>;
  clearinghouse: string;
  remote_name: string;
  status: ColumnType<'pending' | 'sent' | 'failed', 'pending' | 'sent' | 'failed' | undefined, 'pending' | 'sent' | 'failed'>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  last_error: ColumnType<string | null, string | null | undefined, string | null>;
  size: ColumnType<string, number | string, number | string>;
  sent_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: WithDefault<Timestamp>;
  updated_at: WithDefault<Timestamp>;
}

/** An answer file picked up from a clearinghouse (migration 022), keyed by clearinghouse + name + sha256. */
export interface ClearinghouseFilesTable {
  id: Generated<string>;
  clearinghouse: string;
  name: string;
  sha256: string;
  kind: string;
  status: 'posted' | 'archived' | 'error' | 'received';
  detail: string | null;
  size: ColumnType<string, number | string, number | string>;
  received_at: WithDefault<Timestamp>;
  archived_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface X12CountersTable {
  sender_id: string;
  interchange: ColumnType<string, number | string | undefined, number | string>;
  group_control: ColumnType<string, number | string | undefined, number | string>;
  transaction_set: ColumnType<string, number | string | undefined, number | string>;
  updated_at: WithDefault<Timestamp>;
}

export interface RemittancesTable {
  id: Generated<string>;
  trace_number: string;
  payer_id: string;
  payer_name: string;
  payment_amount: Money;
  handling: string;
  payment_method: string;
  payment_date: string | null;
  payee_npi: string | null;
  x12: string;
  actor: string | null;
  received_at: WithDefault<Timestamp>;
  /** The configured payer the 835 resolved to (migration 011). */
  payer_ref: Optional<string | null>;
  /** N1*PR N104, REF*2U, TRN03 as the 835 gave them. */
  payer_identifiers: Generated<string[]>;
  /** Withdrawn by an operator (migration 024): kept for the audit, counted nowhere. */
  withdrawn_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  withdrawn_by: Optional<string | null>;
  withdrawn_reason: Optional<string | null>;
  /** The last claim event id when the posting committed (migration 024). */
  events_through: Optional<string | null>;
}

/** A claim as it was just before a remittance posted to it (migration 024), restored by a withdraw. */
export interface RemittanceClaimStatesTable {
  remittance_id: string;
  claim_id: string;
  status: ClaimStatus;
  paid_amount: Money;
  patient_responsibility: Money;
  payer_claim_number: string | null;
  forwarded_to: string | null;
  submitted_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  adjudicated_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  follower_id: string | null;
  /** claim line id → paid amount before the posting. */
  line_paid: JSONColumnType<Record<string, string>, string, string>;
}

export interface ClaimPaymentsTable {
  id: Generated<string>;
  remittance_id: string;
  claim_id: string | null;
  control_number: string;
  status_code: string;
  outcome: string;
  charge: Money;
  paid: Money;
  patient_responsibility: Money;
  payer_claim_number: string | null;
  days_to_payment: number | null;
  /** claim-payer | secondary | tertiary | other-payer; null while unmatched (migration 011). */
  payer_role: Optional<PayerRole | null>;
  /** Position of the CLP in its 835 (0-based). */
  clp_index: Optional<number | null>;
  /** An unmatched row matched by hand: the payment row that posted it, who and when. */
  matched_payment_id: Optional<string | null>;
  matched_by: Optional<string | null>;
  matched_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** Its remittance was withdrawn (migration 024): kept, not counted. */
  withdrawn_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** Claim-level remark codes (RARC: MOA, MIA), '{}' when none (migration 028). */
  remark_codes: ColumnType<string[], string[] | undefined, string[]>;
}

export interface LinePaymentsTable {
  id: Generated<string>;
  claim_payment_id: string;
  claim_line_id: string | null;
  line_number: number | null;
  service_index: number;
  code: string;
  outcome: string;
  charge: Money;
  paid: Money;
  units_paid: string | null;
  /** The line's remark codes (RARC: LQ*HE), '{}' when none (migration 028). */
  remark_codes: ColumnType<string[], string[] | undefined, string[]>;
}

export interface PaymentAdjustmentsTable {
  id: Generated<string>;
  claim_payment_id: string;
  line_payment_id: string | null;
  group_code: string;
  reason: string;
  amount: Money;
  quantity: string | null;
}

export interface ProviderAdjustmentsTable {
  id: Generated<string>;
  remittance_id: string;
  reason: string;
  reference: string | null;
  amount: Money;
  /** The claim PLB03-2 names (by CLM01 or payer claim number), if any (migration 011). */
  claim_id: Optional<string | null>;
}

export type ClaimRow = Selectable<ClaimsTable>;
export type ClaimLineRow = Selectable<ClaimLinesTable>;
export type ClaimEventRow = Selectable<ClaimEventsTable>;
export type ClaimBatchRow = Selectable<ClaimBatchesTable>;
// ---------------------------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------------------------
// Users, API tokens and the audit trail (migration 005; src/store/users.ts, src/store/audit.ts, docs/security.md).

export interface UsersTable {
  id: Generated<string>;
  username: string;
  /** `scrypt$N$r$p$salt$hash` (src/admin/credentials.ts). */
  password_hash: string;
  role: 'viewer' | 'operator' | 'billing' | 'admin';
  disabled: Generated<boolean>;
  created_at: WithDefault<Timestamp>;
  failed_attempts: Generated<number>;
  locked_until: Timestamp | null;
}

/** One throttled login subject (migration 015; src/store/login-throttle.ts). */
export interface LoginThrottleTable {
  scope: 'user' | 'address';
  /** Keyed hash of the user name (scope user), '' (scope address). */
  subject: string;
  address: string;
  attempts: Generated<number>;
  window_start: WithDefault<Timestamp>;
  locked_until: Timestamp | null;
  updated_at: WithDefault<Timestamp>;
}

export interface ApiTokensTable {
  id: ColumnType<string, string, never>;
  user_id: string;
  name: string;
  kind: 'api' | 'session';
  /** SHA-256 (hex) of the whole token; the token itself is never stored. */
  token_hash: string;
  created_at: WithDefault<Timestamp>;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
  last_used_at: Timestamp | null;
}

/** Append-only (triggers refuse UPDATE/DELETE); `hash` chains each row to the one before (src/store/audit-chain.ts). */
export interface AuditEventsTable {
  id: ColumnType<string, string, never>;
  at: ColumnType<Date, Date, never>;
  actor: ColumnType<string, string, never>;
  role: ColumnType<string | null, string | null, never>;
  action: ColumnType<string, string, never>;
  target_type: ColumnType<string | null, string | null, never>;
  target_id: ColumnType<string | null, string | null, never>;
  source_ip: ColumnType<string | null, string | null, never>;
  /** Parsed JSON on read; JSON text on insert. Never PHI. */
  detail: JSONColumnType<AuditDetail, string, never>;
  prev_hash: ColumnType<string, string, never>;
  hash: ColumnType<string, string, never>;
}
// ---------------------------------------------------------------------------------------------------------------

export interface Database {
  messages: MessagesTable;
  inbound_keys: InboundKeysTable;
  message_contents: MessageContentsTable;
  body_keys: BodyKeysTable;
  message_events: MessageEventsTable;
  charges: ChargesTable;
  patients: PatientsTable;
  coverages: CoveragesTable;
  mapping_versions: MappingVersionsTable;
  code_releases: CodeReleasesTable;
  code_entries: CodeEntriesTable;
  code_edits: CodeEditsTable;
  // claims (migration 004)
  claims: ClaimsTable;
  claim_lines: ClaimLinesTable;
  acknowledgments: AcknowledgmentsTable;
  claim_acknowledgments: ClaimAcknowledgmentsTable;
  claim_events: ClaimEventsTable;
  claim_batches: ClaimBatchesTable;
  // clearinghouse exchange (migration 022)
  clearinghouse_transfers: ClearinghouseTransfersTable;
  clearinghouse_files: ClearinghouseFilesTable;
  x12_counters: X12CountersTable;
  remittances: RemittancesTable;
  remittance_claim_states: RemittanceClaimStatesTable;
  claim_payments: ClaimPaymentsTable;
  line_payments: LinePaymentsTable;
  payment_adjustments: PaymentAdjustmentsTable;
  provider_adjustments: ProviderAdjustmentsTable;
  // users, tokens, audit (migration 005)
  users: UsersTable;
  api_tokens: ApiTokensTable;
  audit_events: AuditEventsTable;
  // application acknowledgments (migration 008)
  application_acks: ApplicationAcksTable;
  // imported providers (migration 009)
  providers: ProvidersTable;
  fee_schedule: FeeScheduleTable;
  // login throttling (migration 015)
  login_throttle: LoginThrottleTable;
  // eligibility 270/271 (migration 023)
  eligibility_files: EligibilityFilesTable;
  eligibility_checks: EligibilityChecksTable;
  // keyed hashes of message words, for the content search (migration 026)
  message_words: MessageWordsTable;
  message_terms: MessageTermsTable;
  // paused channels (migration 027)
  channel_pauses: ChannelPausesTable;
  // channel destinations (migration 030)
  deliveries: DeliveriesTable;
  delivery_cursors: DeliveryCursorsTable;
  delivery_refeeds: DeliveryRefeedsTable;
}

/** A replayed message whose deliveries are made again once it is final (migration 030). */
export interface DeliveryRefeedsTable {
  message_id: string;
  channel: string;
  requested_at: WithDefault<Timestamp>;
}

export type DeliveryState = 'open' | 'delivered' | 'failed' | 'filtered';

/** One message's delivery to one channel destination (migration 030; src/store/deliveries.ts). */
export interface DeliveriesTable {
  id: Id;
  message_id: string;
  channel: string;
  destination: string;
  state: Generated<DeliveryState>;
  /** Deliveries with the same key go in message order: '' = the whole destination, else a patient key; null = any order. */
  order_key: string | null;
  attempts: Generated<number>;
  next_attempt_at: WithDefault<Timestamp>;
  /** The outbound MSH-10, stored before the first send and reused by every retry. */
  control_id: string | null;
  last_error: string | null;
  /** What the receiver answered on delivery (ACK code, HTTP status): no message content. */
  detail: string | null;
  replays: Generated<number>;
  created_at: WithDefault<Timestamp>;
  updated_at: WithDefault<Timestamp>;
  delivered_at: Timestamp | null;
}

/** Per channel: every message with a lower or equal id has been fed to the destinations (migration 030). */
export interface DeliveryCursorsTable {
  channel: string;
  last_message_id: string;
  updated_at: WithDefault<Timestamp>;
}

/** Each 270 written and 271 posted (migration 023). */
export interface EligibilityFilesTable {
  id: Id;
  kind: '270' | '271';
  payer_id: string | null;
  interchange_control: string | null;
  file_name: string | null;
  x12: string;
  actor: string;
  created_at: WithDefault<Timestamp>;
}

/** One coverage asked about in a 270, and the latest 271 answer (migration 023). */
export interface EligibilityChecksTable {
  id: Id;
  trace: string;
  patient_ref: string;
  coverage_id: string | null;
  payer_id: string;
  payer_name: string | null;
  member_id: string;
  service_from: string;
  service_to: string;
  inquiry_file_id: string;
  created_by: string;
  created_at: WithDefault<Timestamp>;
  response_file_id: ColumnType<string | null, string | null | undefined, string | null>;
  outcome: ColumnType<'active' | 'ended' | 'rejected' | 'unknown' | null, string | null | undefined, string | null>;
  summary: ColumnType<string | null, string | null | undefined, string | null>;
  changes: ColumnType<unknown, string | null | undefined, string | null>;
  answered_by: ColumnType<string | null, string | null | undefined, string | null>;
  answered_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

/** One message's content-search tokens (src/store/content-index.ts): keyed hashes, never the words. */
/** Blind index of a message's patient ids, family-name prefixes and Rx numbers (migration 033, search-index.ts). */
export interface MessageTermsTable {
  message_id: string;
  tokens: string[];
}

export interface MessageWordsTable {
  message_id: string;
  tokens: string[];
  indexed_at: ColumnType<Date, Date | undefined, Date>;
}

/** A channel paused in the console (migration 027): its listener stays closed in every process until resumed. */
export interface ChannelPausesTable {
  channel: string;
  paused_at: WithDefault<Timestamp>;
  paused_by: string;
}

export type MessageRow = Selectable<MessagesTable>;
export type ChargeRow = Selectable<ChargesTable>;
export type NewCharge = Insertable<ChargesTable>;
export type EventRow = Selectable<MessageEventsTable>;
export type PatientRow = Selectable<PatientsTable>;
export type NewPatient = Insertable<PatientsTable>;
export type CoverageRow = Selectable<CoveragesTable>;
export type NewCoverage = Insertable<CoveragesTable>;
export type MappingVersionRow = Selectable<MappingVersionsTable>;
