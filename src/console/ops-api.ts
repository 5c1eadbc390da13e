/**
 * The console's typed client of the admin API: one function per call, each typed with the API's own wire types
 * (src/admin/wire/; the routes check what they send against the same types). Pages call these, never `api.get`
 * with a path of their own. No state, no DOM. Query values are ids, statuses, channel names and dates; a patient
 * search term goes in the query string of the API request only (never in the page's URL).
 */
import { api, ApiError } from './api';
import type { Alert } from '../alerts/evaluate';
import type { AuditEvent, AuditPage } from '../admin/wire/audit';
import type { ChannelInfo, ChannelPauseResult, ChannelReloadEntry } from '../admin/wire/channels';
import type {
  AcknowledgmentSummary,
  BatchRow,
  BatchRun,
  BuildSummary,
  ClaimActionResult,
  ClaimDetail,
  ClaimEdited,
  ClaimSummary,
  MatchResult,
  MissedCharge,
  PayerRow,
  RemittanceSummary,
  RevenueDimension,
  RevenueReport,
  Unclaimed,
  UnmatchedPayment,
} from '../admin/wire/claims';
import type {
  MappingDetail,
  MappingSummary,
  MappingVersion,
  MappingVersionText,
  PreviewResult,
  SavedMapping,
} from '../admin/wire/mappings';
import type {
  ApplicationAck,
  ChannelState,
  Dashboard,
  DashboardChannel,
  DeadLetterGroup,
  MessageDetail,
  MessageSummary,
  MinuteCount,
  Replayed,
  ReplayResult,
  Timeline,
} from '../admin/wire/messages';
import type { FirstAdminCreated, FirstAdminRequest, SetupState } from '../admin/wire/setup';
import type { CreatedToken, Role, TokenInfo, UserInfo } from '../admin/wire/users';
import type { ChannelFileIssue, ChannelReload } from './channel-reload';

export { ADJUDICATED_STATUSES, CLAIM_STATUSES, UNSENT_STATUSES } from '../admin/wire/claims';
export type {
  AcknowledgmentSummary,
  BatchRow,
  BatchRun,
  BuildSummary,
  ClaimDetail,
  ClaimStatus,
  ClaimSummary,
  MatchResult,
  MissedCharge,
  PayerRow,
  RemittanceSummary,
  RevenueReport,
  RevenueRow,
  UnclaimedCharge,
  UnmatchedPayment,
} from '../admin/wire/claims';
export type { MappingDetail, MappingSummary, MappingVersion, PreviewResult };
export type { AuditPage } from '../admin/wire/audit';
export type { CreatedToken, TokenInfo, UserInfo } from '../admin/wire/users';
export type {
  ApplicationAck,
  AuditEvent,
  ChannelInfo,
  ChannelReload,
  ChannelState,
  Dashboard,
  DashboardChannel,
  DeadLetterGroup,
  MessageDetail,
  MessageSummary,
  MinuteCount,
  ReplayResult,
  Timeline,
};

// ------------------------------------------------------------------------------------------------------------
// Operations: dashboard, messages, dead letters, replays, channels

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

export interface Page<T> {
  rows: T[];
  next: string | null;
}

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

export async function listDeadLetters(q: {
  channel?: string;
  code?: string;
  before?: string;
  limit?: number;
}): Promise<Page<MessageSummary>> {
  const res = await api.get<{ deadLetters: MessageSummary[]; next: string | null }>('/api/dead-letters', q);
  return { rows: res.deadLetters, next: res.next };
}

export const deadLetterGroups = () => api.get<{ groups: DeadLetterGroup[] }>('/api/dead-letters/groups');

export const replayMany = (ids: string[]) => api.post<{ results: ReplayResult[] }>('/api/dead-letters/replay', { ids });

/** Replays one message; with `raw` (CR separated), as an edited new content version (the original stays). */
export const replayOne = (id: string, raw?: string) =>
  api.post<Replayed>(`/api/messages/${encodeURIComponent(id)}/replay`, raw === undefined ? {} : { raw });

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

/** POST /api/channels/:name/pause or /resume (admin): closes or reopens the channel's listener in every engine process. */
export const setChannelPaused = (name: string, paused: boolean): Promise<ChannelPauseResult> =>
  api.post<ChannelPauseResult>(`/api/channels/${encodeURIComponent(name)}/${paused ? 'pause' : 'resume'}`);

export const listChannelNames = async (): Promise<string[]> =>
  (await api.get<{ channels: Array<{ name: string }> }>('/api/channels')).channels.map((c) => c.name);

// ------------------------------------------------------------------------------------------------------------
// Mappings: list, read, save, versions, rollback, preview

const mappingPath = (name: string) => `/api/mappings/${encodeURIComponent(name)}`;

export const listMappings = () => api.get<{ mappings: MappingSummary[] }>('/api/mappings');
export const getMapping = (name: string) => api.get<MappingDetail>(mappingPath(name));
export const saveMapping = (name: string, content: string) => api.put<SavedMapping>(mappingPath(name), { content });
export const listMappingVersions = (name: string) => api.get<{ versions: MappingVersion[] }>(`${mappingPath(name)}/versions`);
export const getMappingVersion = (name: string, version: number) => api.get<MappingVersionText>(`${mappingPath(name)}/versions/${version}`);
/** Makes an earlier version's text live again, as a new version (admin). */
export const rollbackMapping = (name: string, version: number) =>
  api.post<{ version: number }>(`${mappingPath(name)}/rollback`, { version });

/**
 * Maps messages with a candidate text without saving it: the newest `lastMessages` stored messages, or one pasted
 * message (`raw`). An invalid text answers 422 CONFIG_INVALID with `issues` (thrown as ApiError).
 */
export const previewMapping = (name: string, sample: { content: string; lastMessages: number } | { content: string; raw: string }) =>
  api.post<PreviewResult>(`${mappingPath(name)}/preview`, sample);

// ------------------------------------------------------------------------------------------------------------
// Claims, batches, remittances, reports

const claimPath = (id: string) => `/api/claims/${id}`;

export const listClaims = (q: { status?: string; payer?: string; batch?: string; before?: string; limit?: number }) =>
  api.get<{ claims: ClaimSummary[]; next: string | null }>('/api/claims', q);

export const getClaim = (id: string) => api.get<ClaimDetail>(`/api/claims/${encodeURIComponent(id)}`);
export const buildClaims = () => api.post<BuildSummary>('/api/claims/build');
export const unclaimedCharges = () => api.get<Unclaimed>('/api/claims/unclaimed');

/** override, void (a reason) · close (an optional reason) · correct, replace (no body). */
export type ClaimAction = 'override' | 'correct' | 'void' | 'close' | 'replace';
export const actOnClaim = (id: string, action: ClaimAction, body?: { reason?: string }) =>
  api.post<ClaimActionResult>(`${claimPath(id)}/${action}`, body);

export interface ClaimEdit {
  diagnoses?: string[];
  placeOfService?: string;
  lines?: Array<{ lineNumber: number; modifiers?: string[]; units?: string }>;
}
export const editClaim = (id: string, edit: ClaimEdit) => api.patch<ClaimEdited>(claimPath(id), edit);

export const listBatches = (q: { before?: string; limit?: number }) =>
  api.get<{ batches: BatchRow[]; next: string | null }>('/api/claims/batches', q);

/** The 837P file of a batch as sent (text). */
export const batchX12 = (id: string) => api.get<string>(`/api/claims/batches/${encodeURIComponent(id)}/x12`);
export const createBatches = (payer?: string) => api.post<BatchRun>('/api/claims/batches', payer ? { payer } : {});

export const recordRemittances = (x12: string) => api.post<{ remittances: RemittanceSummary[] }>('/api/remittances', { x12 });
export const recordAcknowledgment = (x12: string) => api.post<AcknowledgmentSummary>('/api/acknowledgments', { x12 });
export const unmatchedPayments = (limit: number) => api.get<{ payments: UnmatchedPayment[] }>('/api/remittances/unmatched', { limit });
export const matchPayment = (paymentId: string, claimId: string) =>
  api.post<MatchResult>(`/api/remittances/unmatched/${paymentId}/match`, { claimId });

export const revenueReport = (by: RevenueDimension) => api.get<RevenueReport>('/api/reports/revenue', { by });
export const payerReport = () => api.get<{ payers: PayerRow[] }>('/api/reports/payers');
export const missedCharges = (range: { since: string; until: string }) =>
  api.get<{ messages: MissedCharge[] }>('/api/reports/missed-charges', { since: range.since, until: range.until });

// ------------------------------------------------------------------------------------------------------------
// First run: the first admin, made with the bootstrap token (no login needed)

/** Whether the first admin is still to be made (the login page then shows the first-run form). */
export const getSetup = () => api.get<SetupState>('/api/setup');
/** Creates the first admin and logs the browser in as them (session cookie). The token is sent, never kept. */
export const createFirstAdmin = (request: FirstAdminRequest) => api.post<FirstAdminCreated>('/api/setup', request);

// ------------------------------------------------------------------------------------------------------------
// Administration: users, tokens, audit trail

export const listUsers = () => api.get<{ users: UserInfo[] }>('/api/users');
export const createUser = (user: { username: string; password: string; role: Role }) => api.post('/api/users', user);
export const updateUser = (username: string, change: Partial<{ role: Role; disabled: boolean; unlock: true; password: string }>) =>
  api.patch(`/api/users/${encodeURIComponent(username)}`, change);

/** Live tokens; with `all`, revoked and expired ones too. */
export const listTokens = (all: boolean) => api.get<{ tokens: TokenInfo[] }>('/api/tokens', { all: all ? 'true' : undefined });
/** An API token for a user; the answer is the only place its text is ever shown. */
export const createToken = (request: { username: string; name?: string; expiresDays?: number }) =>
  api.post<CreatedToken>('/api/tokens', request);
export const revokeToken = (id: string) => api.del(`/api/tokens/${encodeURIComponent(id)}`);

export interface AuditSearch {
  actor: string;
  action: string;
  since: string;
}
export const auditEvents = (filter: AuditSearch, before: string | undefined, limit: number) =>
  api.get<AuditPage>('/api/audit', { ...filter, before, limit });
/** The trail as CSV (the export is itself audited). */
export const auditCsv = (filter: AuditSearch) => api.get<string>('/api/audit.csv', { ...filter });
