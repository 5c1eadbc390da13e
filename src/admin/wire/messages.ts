/**
 * The operations side of the admin API as it is sent: the dashboard, messages and their timelines, dead letters
 * and replays (docs/security.md route table). Types only, no Node modules: the web console imports them.
 */
import type { ChannelState } from '../channel-status';

export type { ChannelState };

/** One minute of one channel, as GET /api/dashboard gives it. */
export interface MinuteCount {
  minute: string;
  received: number;
  failed: number;
}

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}
export interface LastError {
  at: string;
  code: string;
  text: string;
  /** Messages of the channel processed after this failure (capped at 1000): above 0 the console shows the error as old. */
  processedSince: number;
}
/** An open MLLP connection of a channel's listener. */
export interface Sender {
  remote: string;
  connectedAt: string;
  messages: number;
}

export interface DashboardChannel {
  name: string;
  state: ChannelState;
  port: number;
  counts: Record<string, number>;
  /** The last hour, oldest first, zero-filled (60 entries). */
  perMinute: MinuteCount[];
  queue: QueueCounts | null;
  lastError: LastError | null;
  senders: Sender[];
}

/** GET /api/dashboard (viewer). */
export interface Dashboard {
  generatedAt: string;
  channels: DashboardChannel[];
}

/** A row of GET /api/messages (and /api/dead-letters): metadata only. */
export interface MessageSummary {
  id: string;
  channel: string;
  status: string;
  sender: string | null;
  control_id: string | null;
  message_type: string | null;
  version: string | null;
  received_at: string;
  finished_at: string | null;
  attempts: number;
  replays: number;
  error_code: string | null;
  error_text: string | null;
  error_stage: string | null;
  duplicate_of: string | null;
  /** An earlier message with this sender and control id but other content (inside the duplicate window). */
  reused_control_id_of: string | null;
}

export interface MessageContent {
  version: number;
  kind: 'raw' | 'edited';
  content: string | null;
  created_at: string;
  pruned_at?: string | null;
  error?: string;
}

export type ApplicationAckRequest = 'AL' | 'ER' | 'SU';
export type ApplicationAckState = 'open' | 'sent' | 'not_needed' | 'failed';

/** `applicationAck` of GET /api/messages/:id (null when the sender asked for none). */
export interface ApplicationAck {
  requested: ApplicationAckRequest;
  state: ApplicationAckState;
  attempts: number;
  next_attempt_at: string | null;
  ack_code: 'AA' | 'AE' | null;
  ack_control_id: string | null;
  last_error: string | null;
  sent_at: string | null;
}

/** GET /api/messages/:id (operator; audited): the body and its versions, and the application ACK asked for. */
export interface MessageDetail extends MessageSummary {
  raw: string;
  contents: MessageContent[];
  /** The application ACK the sender asked for (enhanced mode, MSH-16); null when none. */
  applicationAck: ApplicationAck | null;
  /** Its deliveries to the channel's destinations (src/destinations), by destination name; none before it is fed. */
  deliveries: MessageDelivery[];
}

/** One message's delivery to one destination: states and receiver codes, never the payload. */
export interface MessageDelivery {
  id: string;
  destination: string;
  state: 'open' | 'delivered' | 'failed' | 'filtered';
  attempts: number;
  next_attempt_at: string;
  /** The outbound MSH-10 (HL7 transforms), stored before the first send. */
  control_id: string | null;
  last_error: string | null;
  /** What the receiver answered on delivery (ACK code, HTTP status). */
  detail: string | null;
  replays: number;
  updated_at: string;
  delivered_at: string | null;
}

export interface Charge {
  id: string;
  status: string;
  transaction_id: string | null;
  service_date: string | null;
  code_system: string | null;
  code: string | null;
  modifiers: string[];
  units: string | null;
  charge_amount: string | null;
  created_at: string;
  /** channel|sender|MSH-10|segment index|rule: the line of the message it was written from. */
  source_key: string;
  /** The source key of the charge this reversal reverses. */
  reversal_of: string | null;
  /** Why a held charge (an unpriced line, a credit with nothing to reverse) is not claimed. */
  hold_reason: string | null;
}

/** GET /api/messages/:id/timeline (viewer): a message's path without its body. */
export interface Timeline {
  message: {
    id: string;
    channel: string;
    type: string | null;
    status: string;
    receivedAt: string;
    finishedAt: string | null;
    attempts: number;
    errorCode: string | null;
    errorText: string | null;
  };
  /** `stage`: where it happened (`write`, `filter`, `replay`, `application_ack`, …); `code`: an error or ACK code. */
  events: Array<{ at: string; from: string | null; to: string | null; stage: string | null; code: string | null; detail: string | null }>;
  charges: Charge[];
  /** `batchId`: the 837P batch the claim went out in (null before it is batched). */
  claims: Array<{ id: string; status: string; claimNumber: string | null; batchId: string | null }>;
  /** The payments posted to those claims, with the remittance (835) each came in. */
  payments: Array<{ claimId: string | null; paidAmount: string; status: string; receivedAt: string; remittanceId: string }>;
}

/** A row of GET /api/dead-letters/groups (operator). */
export interface DeadLetterGroup {
  code: string;
  reason: string;
  channel: string;
  count: number;
  newest: string;
  oldest: string;
}

/** POST /api/messages/:id/replay. */
export interface Replayed {
  id: string;
  replay: number;
}

/** One id of POST /api/dead-letters/replay: replayed, or why not. */
export type ReplayResult = Replayed | { id: string; error: { code: string; message: string } };
