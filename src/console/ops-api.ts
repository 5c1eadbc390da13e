/**
 * The console's typed client of the admin API: one function per call, each typed with the API's own wire types
 * (src/admin/wire/; the routes check what they send against the same types). Pages call these, never `api.get`
 * with a path of their own. No state, no DOM. Query values are ids, statuses, channel names and dates; a patient
 * search term goes in the query string of the API request only (never in the page's URL).
 */
import { api, ApiError } from './api';
import type { Alert } from '../alerts/evaluate';
import type { AuditEvent, AuditPage } from '../admin/wire/audit';
import type { AddPayerRequest, BillingFileIssue, BillingReloaded, PayerAdded, UnknownPayer, UnknownPayers } from '../admin/wire/billing';
import type { ChannelFile, ChannelFileSaved, ChannelInfo, ChannelPauseResult, ChannelReloadEntry } from '../admin/wire/channels';
import type {
  AcknowledgmentSummary,
  AgingRow,
  BatchRow,
  BatchRun,
  BuildSummary,
  ClaimActionResult,
  ClaimDetail,
  ClaimListRow,
  ClaimStatusTotal,
  ClaimEdited,
  MatchResult,
  DenialReport,
  MissedCharge,
  PayerRow,
  RejectionRow,
  RemittanceDetail,
  RemittanceListRow,
  RemittanceSummary,
  RemittanceWithdrawn,
  RevenueDimension,
  RevenueReport,
  Unclaimed,
  UnmatchedPayment,
} from '../admin/wire/claims';
import type { DeliveryReplayed, DestinationInfo, DestinationList, FailedDeliveries } from '../admin/wire/destinations';
import type { EligibilityCheckRow, EligibilityInquiryRun, EligibilityPosted, EligibilityReleased } from '../admin/wire/eligibility';
import type {
  MappingDetail,
  MappingSummary,
  MappingTestFailure,
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

export { ADJUDICATED_STATUSES, AGING_BUCKETS, CLAIM_STATUSES, UNSENT_STATUSES } from '../admin/wire/claims';
export type {
  AcknowledgmentSummary,
  AgingRow,
  BatchRow,
  BatchRun,
  BuildSummary,
  ClaimDetail,
  ClaimListRow,
  ClaimStatusTotal,
  ClaimStatus,
  ClaimSummary,
  MatchResult,
  DenialRemarkRow,
  DenialReport,
  DenialRow,
  MissedCharge,
  PayerRow,
  RejectionRow,
  RemittanceDetail,
  RemittanceListRow,
  RemittanceSummary,
  RemittanceWithdrawn,
  RevenueReport,
  RevenueRow,
  UnclaimedCharge,
  UnmatchedPayment,
} from '../admin/wire/claims';
export type { MappingDetail, MappingSummary, MappingTestFailure, MappingVersion, PreviewResult };
export type { EligibilityCheckRow, EligibilityInquiryRun, EligibilityPosted } from '../admin/wire/eligibility';
export type { ClearinghouseTransfer } from '../admin/wire/claims';
export type { AuditPage } from '../admin/wire/audit';
export type { DestinationInfo, FailedDelivery } from '../admin/wire/destinations';
export type { MessageDelivery } from '../admin/wire/messages';
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
  /** Whole words of the message content, all of them (operator+). Sent to the API, never put in the page URL. */
  q?: string;
  /** Server-side order: received time, type, status or channel (default: newest first by id). */
  sort?: 'received' | 'type' | 'status' | 'channel';
  dir?: 'asc' | 'desc';
  /** The `next` of the previous page: an id unsorted (`before`), a cursor sorted (`cursor`). */
  before?: string;
  cursor?: string;
  limit?: number;
}

/** The filters of a search alone (what an export or a bulk replay takes). */
export type MessageFilters = Omit<MessageSearch, 'sort' | 'dir' | 'before' | 'cursor' | 'limit'>;

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

/** The whole result of a search as CSV text (ids, times, channel, type, control id, status, error; audited). */
export const exportMessagesCsv = (f: MessageFilters) => api.get<string>('/api/messages/export.csv', { ...f });

/** Replays every message a search finds, when it still finds `count` of them (operator; audited with `reason`). */
export const replaySearch = (search: MessageFilters, count: number, reason: string) =>
  api.post<{ count: number; results: ReplayResult[] }>('/api/messages/replay-search', { search, count, reason });

export const listDestinations = async (): Promise<DestinationInfo[]> => (await api.get<DestinationList>('/api/destinations')).destinations;
export const failedDeliveries = (channel: string, destination: string) =>
  api.get<FailedDeliveries>(`/api/destinations/${encodeURIComponent(channel)}/${encodeURIComponent(destination)}/failed`);
export const replayDelivery = (id: string) => api.post<DeliveryReplayed>(`/api/deliveries/${encodeURIComponent(id)}/replay`);
export const replayDestination = (channel: string, destination: string) =>
  api.post<DeliveryReplayed>(`/api/destinations/${encodeURIComponent(channel)}/${encodeURIComponent(destination)}/replay`);
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

/** GET /api/channels/:name/file (admin): the channel's file text and its version (SHA-256). */
export const getChannelFile = (name: string) => api.get<ChannelFile>(`/api/channels/${encodeURIComponent(name)}/file`);

/** A save of a channel file as the page shows it: saved and reloaded, or refused because the text does not validate. */
export type ChannelFileSave = ({ ok: true } & ChannelFileSaved) | { ok: false; message: string; issues: ChannelFileIssue[] };

/**
 * PUT /api/channels/:name/file (admin): saves the text when the file is still at version `sha256`, then reloads the
 * channels everywhere. A 422 CONFIG_INVALID (nothing written) is an answer: `{ ok: false, issues }`. A 409 CONFLICT
 * (the file changed on disk since it was read) and anything else throw ApiError.
 */
export async function saveChannelFile(name: string, text: string, sha256: string): Promise<ChannelFileSave> {
  try {
    const res = await api.put<ChannelFileSaved>(`/api/channels/${encodeURIComponent(name)}/file`, { text, sha256 });
    return { ok: true, ...res };
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
/**
 * Saves a mapping; its own test file runs first (422 MAPPING_TESTS_FAILED: testFailuresOf). `updateExpected`: save
 * anyway and rewrite the failing cases' expected values to what the new text gives.
 */
export const saveMapping = (name: string, content: string, opts: { updateExpected?: boolean } = {}) =>
  api.put<SavedMapping>(mappingPath(name), opts.updateExpected ? { content, updateExpected: true } : { content });

/** The failing cases of a save refused with 422 MAPPING_TESTS_FAILED; undefined for any other error. */
export function testFailuresOf(err: unknown): MappingTestFailure[] | undefined {
  if (!(err instanceof ApiError) || err.code !== 'MAPPING_TESTS_FAILED') return undefined;
  const failures = err.details.failures;
  return Array.isArray(failures) ? (failures as MappingTestFailure[]) : [];
}
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
  api.get<{ claims: ClaimListRow[]; next: string | null; totals: ClaimStatusTotal[] }>('/api/claims', q);

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
/** A batch's unsent upload to the clearinghouse, due now with a fresh attempt budget. */
export const retryTransfer = (id: string) =>
  api.post<{ batchId: string }>(`/api/claims/batches/${encodeURIComponent(id)}/transfer/retry`, {});
export const createBatches = (payer?: string) => api.post<BatchRun>('/api/claims/batches', payer ? { payer } : {});

export const recordRemittances = (x12: string) => api.post<{ remittances: RemittanceSummary[] }>('/api/remittances', { x12 });
export const recordAcknowledgment = (x12: string) => api.post<AcknowledgmentSummary>('/api/acknowledgments', { x12 });
export const unmatchedPayments = (limit: number) => api.get<{ payments: UnmatchedPayment[] }>('/api/remittances/unmatched', { limit });
export interface RemittanceFilter {
  payer?: string;
  since?: string;
  until?: string;
  trace?: string;
  before?: string;
  limit?: number;
}
export const listRemittances = (q: RemittanceFilter) =>
  api.get<{ remittances: RemittanceListRow[]; next: string | null }>('/api/remittances', { ...q });
export const getRemittance = (id: string) => api.get<RemittanceDetail>(`/api/remittances/${encodeURIComponent(id)}`);
/** Undoes a remittance posted by mistake (a reason required); 409 REMITTANCE_WITHDRAW_REFUSED names the claim built on it. */
export const withdrawRemittance = (id: string, reason: string) =>
  api.post<RemittanceWithdrawn>(`/api/remittances/${encodeURIComponent(id)}/withdraw`, { reason });
export const matchPayment = (paymentId: string, claimId: string) =>
  api.post<MatchResult>(`/api/remittances/unmatched/${paymentId}/match`, { claimId });

// Eligibility (270/271)

export const listEligibilityChecks = (q: { before?: string; limit?: number }) =>
  api.get<{ checks: EligibilityCheckRow[]; next: string | null }>('/api/eligibility', q);
/** 270s for the patients of unclaimed charges (no body). */
export const askEligibility = () => api.post<EligibilityInquiryRun>('/api/eligibility/inquiries', {});
export const postEligibilityResponse = (x12: string) => api.post<EligibilityPosted>('/api/eligibility', { x12 });
export const releaseEligibilityHolds = (chargeIds: string[]) => api.post<EligibilityReleased>('/api/eligibility/release', { chargeIds });

/** A report's date range (YYYY-MM-DD, both included; empty: unbounded). */
export interface ReportRange {
  since?: string;
  until?: string;
}
export const revenueReport = (by: RevenueDimension, range: ReportRange = {}) =>
  api.get<RevenueReport>('/api/reports/revenue', { by, ...range });
export const payerReport = (range: ReportRange = {}) => api.get<{ payers: PayerRow[] }>('/api/reports/payers', { ...range });
export const agingReport = (asOf: string, range: ReportRange = {}) =>
  api.get<{ asOf: string; payers: AgingRow[] }>('/api/reports/aging', { asOf, ...range });
export const denialReport = (range: ReportRange = {}) => api.get<DenialReport>('/api/reports/denials', { ...range });
export const rejectionReport = (range: ReportRange = {}) => api.get<{ rows: RejectionRow[] }>('/api/reports/rejections', { ...range });
export const missedCharges = (range: { since: string; until: string }) =>
  api.get<{ messages: MissedCharge[] }>('/api/reports/missed-charges', { since: range.since, until: range.until });
/** A report as CSV text (`format=csv`; the export is audited), for saveText. */
export const reportCsv = (
  report: 'revenue' | 'payers' | 'aging' | 'denials' | 'rejections' | 'missed-charges',
  query: Record<string, string | undefined>,
) => api.get<string>(`/api/reports/${report}`, { ...query, format: 'csv' });

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

// ---------------------------------------------------------------------------------------------------------------
// Billing configuration: billing.yaml reloads, unknown payer ids, "add this payer"

export type { BillingFileIssue, UnknownPayer };
export const reloadBilling = () => api.post<BillingReloaded>('/api/billing/reload');
export const listUnknownPayers = () => api.get<UnknownPayers>('/api/billing/unknown-payers');
export const addPayer = (payer: AddPayerRequest) => api.post<PayerAdded>('/api/billing/payers', payer);

/** The issues of a reload refused with 422 CONFIG_INVALID; undefined for any other error. */
export function billingIssuesOf(err: unknown): BillingFileIssue[] | undefined {
  if (!(err instanceof ApiError) || err.code !== 'CONFIG_INVALID') return undefined;
  const issues = err.details.issues;
  return Array.isArray(issues) ? (issues as BillingFileIssue[]) : [];
}
