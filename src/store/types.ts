/**
 * Database table types for Kysely. One interface per table; column names are snake_case as in SQL.
 * The message lifecycle (docs/architecture.md) lives in `messages.status`.
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

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
}

export interface Database {
  messages: MessagesTable;
  message_contents: MessageContentsTable;
  message_events: MessageEventsTable;
  charges: ChargesTable;
}

export type MessageRow = Selectable<MessagesTable>;
export type ChargeRow = Selectable<ChargesTable>;
export type NewCharge = Insertable<ChargesTable>;
export type EventRow = Selectable<MessageEventsTable>;
