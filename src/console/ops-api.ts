/**
 * The operations side of the admin API as the console pages use it (dashboard, message browser, dead letters):
 * answer shapes (docs/security.md route table, /tmp console contract) and one function per call. No state, no DOM.
 * Query values are ids, statuses, channel names and dates; a patient search term goes in the query string of the
 * API request only (never in the page's URL).
 */
import { api, ApiError } from './api';
import type { ApplicationAck } from './application-ack';
import type { ChannelFileIssue, ChannelReload, ChannelReloadEntry } from './channel-reload';
import type { MinuteCount } from './minute-bars';
import type { Alert } from '../alerts/evaluate';

export type { ApplicationAck, ChannelReload, MinuteCount };

import type { ChannelState, ChannelStatus } from '../admin/channel-status';
export type { ChannelState };

export interface QueueCounts { waiting: number; active: number; delayed: number; failed: number }
export interface LastError { at: string; code: string; text: string }
export interface Sender { remote: string; connectedAt: string; messages: number }

export interface DashboardChannel {
  name: string;
  state: ChannelState;
  port: number;
  counts: Record<string, number>;
  perMinute: MinuteCount[];
  queue: QueueCounts | null;
  lastError: LastError | null;
  senders: Sender[];
}

export interface Dashboard { generatedAt: string; channels: DashboardChannel[] }

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

export interface MessageContent { version: number; kind: 'raw' | 'edited'; content: string | null; created_at: string; pruned_at?: string | null; error?: string }

/** GET /api/messages/:id (operator; audited): the body and its versions, and the application ACK asked for. */
export interface MessageDetail extends MessageSummary {
  raw: string;
  contents: MessageContent[];
  /** The application ACK the sender asked for (enhanced mode, MSH-16); null when none. */
  applicationAck: ApplicationAck | null;
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

export interface Timeline {
  message: {
    id: string; channel: string; type: string | null; status: string; receivedAt: string; finishedAt: string | null;
    attempts: number; errorCode: string | null; errorText: string | null;
  };
  /** `stage`: where it happened (`write`, `filter`, `replay`, `application_ack`, …); `code`: an error or ACK code. */
  events: Array<{ at: string; from: string | null; to: string | null; stage: string | null; code: string | null; detail: string | null }>;
  charges: Charge[];
  claims: Array<{ id: string; status: string; claimNumber: string | null }>;
  payments: Array<{ claimId: string; paidAmount: string; status: string; receivedAt: string }>;
}

export interface DeadLetterGroup { code: string; reason: string; channel: string; count: number; newest: string; oldest: string }

export type ReplayResult = { id: string; replay: number } | { id: string; error: { code: string; message: string } };

export interface MessageSearch {
  channel?: string;
  status?: string;
  type?: string;
  from?: string;
  to?: string;
  controlId?: string;
  rx?: string;
  /** Patient id or family-name prefix (operator+). Sent to the API, never put in the page URL. */
  patient?: string;
  before?: string;
  limit?: number;
}

export interface Page<T> { rows: T[]; next: string | null }

export const getDashboard = () => api.get<Dashboard>('/api/dashboard');

/** An active channel alert (GET /api/alerts): the engine's own type (src/alerts/evaluate.ts, pure). */
export type ActiveAlert = Alert;

export const getAlerts = () => api.get<{ alerts: ActiveAlert[] }>('/api/alerts').then((r) => r.alerts);

export async function searchMessages(q: MessageSearch): Promise<Page<MessageSummary>> {
  const res = await api.get<{ messages: MessageSummary[]; next: string | null }>('/api/messages', { ...q });
  return { rows: res.messages, next: res.next };
}

export const getMessage = (id: string) => api.get<MessageDetail>(`/api/messages/${encodeURIComponent(id)}`);
export const getTimeline = (id: string) => api.get<Timeline>(`/api/messages/${encodeURIComponent(id)}/timeline`);

export async function listDeadLetters(q: { channel?: string; code?: string; before?: string; limit?: number }): Promise<Page<MessageSummary>> {
  const res = await api.get<{ deadLetters: MessageSummary[]; next: string | null }>('/api/dead-letters', q);
  return { rows: res.deadLetters, next: res.next };
}

export const deadLetterGroups = () => api.get<{ groups: DeadLetterGroup[] }>('/api/dead-letters/groups');

export const replayMany = (ids: string[]) => api.post<{ results: ReplayResult[] }>('/api/dead-letters/replay', { ids });

/** Replays one message; with `raw` (CR separated), as an edited new content version (the original stays). */
export const replayOne = (id: string, raw?: string) =>
  api.post<{ id: string; replay: number }>(`/api/messages/${encodeURIComponent(id)}/replay`, raw === undefined ? {} : { raw });

/** A channel as GET /api/channels lists it (viewer): its settings in force, state and message counts. */
export interface ChannelInfo extends ChannelStatus {
  counts: Record<string, number>;
}

export const listChannels = async (): Promise<ChannelInfo[]> => (await api.get<{ channels: ChannelInfo[] }>('/api/channels')).channels;

/**
 * POST /api/channels/reload (admin): re-reads the channel files. A 422 CONFIG_INVALID (a file does not validate;
 * nothing changed) is an answer, not an error: `{ ok: false, issues }`. Anything else that fails throws ApiError.
 */
export async function reloadChannels(): Promise<ChannelReload> {
  try {
    const res = await api.post<{ channels: ChannelReloadEntry[] }>('/api/channels/reload');
    return { ok: true, channels: res.channels };
  } catch (err) {
    const issues = err instanceof ApiError && err.status === 422 && err.code === 'CONFIG_INVALID' ? err.details.issues : undefined;
    if (!Array.isArray(issues)) throw err;
    return { ok: false, message: (err as ApiError).message, issues: issues as ChannelFileIssue[] };
  }
}

export const listChannelNames = async (): Promise<string[]> =>
  (await api.get<{ channels: Array<{ name: string }> }>('/api/channels')).channels.map((c) => c.name);

