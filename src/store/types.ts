/**
 * Database table types for Kysely. One interface per table; column names are snake_case as in SQL.
 * The message lifecycle (docs/architecture.md) lives in `messages.status`.
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { ServiceKind } from '../mappings/records';

/**
 * received   stored and ACKed, waiting for the pipeline
 * processing a worker has it (or it waits for a retry after a transient failure)
 * processed  final: mapped, its records written
 * filtered   final: accepted, but no route maps this type (or the filter chose to skip it)
 * error      final: dead letter, with error_code/error_text/error_stage; can be replayed
 * rejected   final: NAKed at intake (no MSH, unsupported type/version/processing id, oversize)
 * duplicate  final: same sender + MSH-10 inside the channel's window; ACKed AA again, not processed
 */
export const MESSAGE_STATUSES = ['received', 'processing', 'processed', 'filtered', 'error', 'rejected', 'duplicate'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];
export const FINAL_STATUSES: ReadonlySet<MessageStatus> = new Set(['processed', 'filtered', 'error', 'rejected', 'duplicate']);

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** bigint ids come back from pg as strings; we keep them as strings end to end. */
type Id = ColumnType<string, never, never>;

export interface MessagesTable {
  id: Generated<Id>;
  channel: string;
  status: MessageStatus;
  sender: string;
  control_id: string;
  message_type: string;
  version: string;
  processing_id: string;
  patient_key: string | null;
  remote: string;
  received_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
  finished_at: Timestamp | null;
  attempts: Generated<number>;
  replays: Generated<number>;
  error_code: string | null;
  error_text: string | null;
  error_stage: string | null;
  duplicate_of: string | null;
}

export interface MessageContentsTable {
  id: Generated<Id>;
  message_id: string;
  version: number;
  kind: 'raw' | 'edited';
  content: string;
  created_at: Generated<Timestamp>;
}

export interface MessageEventsTable {
  id: Generated<Id>;
  message_id: string;
  at: Generated<Timestamp>;
  from_status: MessageStatus | null;
  to_status: MessageStatus;
  stage: string | null;
  code: string | null;
  detail: string | null;
  actor: string | null;
}

export interface ChargesTable {
  id: Generated<Id>;
  message_id: string;
  channel: string;
  source_key: string;
  reversal_of: string | null;
  status: 'active' | 'reversed' | 'reversal';
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
  created_at: Generated<Timestamp>;
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
  created_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
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
  source_key: string | null;
  message_id: string | null;
  created_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
}

/** Every saved version of a mapping file (for the mappings API). */
export interface MappingVersionsTable {
  id: Id;
  mapping: string;
  version: number;
  content: string;
  sha256: string;
  actor: string | null;
  created_at: Generated<Timestamp>;
}

export interface Database {
  messages: MessagesTable;
  message_contents: MessageContentsTable;
  message_events: MessageEventsTable;
  charges: ChargesTable;
  patients: PatientsTable;
  coverages: CoveragesTable;
  mapping_versions: MappingVersionsTable;
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
