/**
 * The message list's search, paging, CSV export and bulk replay (pure parts and the routes; app.ts wires them):
 *
 * - `GET /api/messages` (viewer): filters (channel, status, type, received range, control id, error code, Rx number),
 *   a patient term and a content phrase `q` (both operator+, audited as `message.search` with the ids returned,
 *   the terms never recorded), `sort` (received | type | status | channel) and `dir` (asc | desc). Without `sort`
 *   the list is newest first and `next` is the last id (pass it as `before`); with `sort`, `next` is an opaque
 *   cursor (pass it as `cursor`).
 * - `GET /api/messages/export.csv` (viewer; operator with a patient term or `q`): the whole result of a search (up
 *   to EXPORT_MAX rows, TOO_MANY_MESSAGES above) as CSV: id, received time, channel, type, control id, status, error
 *   code and text. No body, no patient data column. Audited as `message.export` (count; ids when the search was by
 *   patient or content).
 * - `POST /api/messages/replay-search` (operator) `{ search, count, reason }`: replays every message the search finds
 *   (oldest first) through the one replay path (`POST /api/messages/:id/replay`: charges are keyed by source, so
 *   a replay never bills twice), when the search still finds exactly `count` messages (CONFLICT otherwise) and no
 *   more than BULK_REPLAY_MAX (TOO_MANY_MESSAGES). Each replay is audited as `message.replay` with the reason, and
 *   the whole as `message.replay-search`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { asEngineError, EngineError } from '../core/errors';
import { MESSAGE_STATUSES } from '../store/types';
import { actorOf, audit, role } from './auth';
import { BULK_REPLAY_MAX } from './console-api-routes';
import { checkPatientSearch } from './patient-search';
import { isoDateTime, messageType, pageLimit, parse, patientTerm, rowId } from './validate';
import type { ReplayResult } from './wire/messages';

/** Most rows one CSV export holds. */
export const EXPORT_MAX = 10_000;

export const MESSAGE_SORT_KEYS = ['received', 'type', 'status', 'channel'] as const;
export type MessageSortKey = (typeof MESSAGE_SORT_KEYS)[number];

/** The filters of a message search (no paging). */
export const messageFilters = z.strictObject({
  channel: z.string().max(100).optional(),
  status: z.enum(MESSAGE_STATUSES).optional(),
  type: messageType.optional(),
  controlId: z.string().max(199).optional(),
  /** Error code (error_code), e.g. a dead-letter group's. */
  code: z
    .string()
    .regex(/^[A-Z0-9_]{1,64}$/, 'must be an error code like MAPPING_FAILED')
    .optional(),
  /** received_at >= from, received_at < to. */
  from: isoDateTime.optional(),
  to: isoDateTime.optional(),
  /** Rx number, exactly (case-insensitive). */
  rx: z.string().trim().min(1).max(100).optional(),
  /** Patient id exactly, or a family-name prefix (case-insensitive); needs role operator. */
  patient: patientTerm.optional(),
  /** Words of the message content, all of them, whole words (content-index.ts); needs role operator. */
  q: z.string().trim().min(1).max(200).optional(),
});
export type MessageFilters = z.infer<typeof messageFilters>;

/** A page of a message search: the filters, the order and where the page starts. */
export const messageQuery = messageFilters.extend({
  sort: z.enum(MESSAGE_SORT_KEYS).optional(),
  dir: z.enum(['asc', 'desc']).optional(),
  before: rowId.optional(),
  cursor: z.string().max(400).optional(),
  limit: pageLimit,
});
export type MessageQuery = z.infer<typeof messageQuery>;

/** Where a sorted page ended (the store's MessageCursor). */
export interface SortCursor {
  value: string;
  id: string;
}

/** What the routes need: the store's list with tokens made from the terms (admin-side.ts), and the replay path. */
export interface MessageSearchDeps {
  listMessages(f: Omit<MessageQuery, 'cursor'> & { cursor?: SortCursor; limit: number }): Promise<unknown[]>;
  replay(id: string, raw: string | undefined, actor: string): Promise<{ id: string; replay: number }>;
}

/** The opaque `next` of a sorted page. */
export function encodeCursor(c: SortCursor): string {
  return Buffer.from(JSON.stringify([c.value, c.id]), 'utf8').toString('base64url');
}

/** A `cursor` parameter back to its position; BAD_REQUEST when it is not one this API gave. */
export function decodeCursor(text: string): SortCursor {
  try {
    const v: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' && /^[0-9]{1,19}$/.test(v[1])) {
      return { value: v[0], id: v[1] };
    }
  } catch {
    // falls through
  }
  throw new EngineError('BAD_REQUEST', 'cursor: not a cursor of this list (use the `next` of the previous page)');
}

interface SummaryRow {
  id?: unknown;
  received_at?: unknown;
  message_type?: unknown;
  status?: unknown;
  channel?: unknown;
}

/** The `next` of a page: null when it was the last; the last id unsorted, else a cursor on the sort column. */
export function nextOf(rows: readonly unknown[], limit: number, sort: MessageSortKey | undefined): string | null {
  if (rows.length < limit) return null;
  const last = rows[rows.length - 1] as SummaryRow | undefined;
  if (last?.id === undefined) return null;
  if (!sort) return String(last.id);
  const raw = sort === 'received' ? last.received_at : sort === 'type' ? last.message_type : sort === 'status' ? last.status : last.channel;
  const value = raw instanceof Date ? raw.toISOString() : raw === null || raw === undefined ? '' : String(raw);
  return encodeCursor({ value, id: String(last.id) });
}

/** A patient term or content phrase needs role operator (403 before the store is asked). */
export function checkMessageSearch(req: FastifyRequest, f: Pick<MessageFilters, 'patient' | 'q'>): void {
  checkPatientSearch(req, f.patient ?? f.q);
}

/** True when the search shows patient data by its terms: a patient term or a content phrase. */
export const searchesPatientData = (f: Pick<MessageFilters, 'patient' | 'q'>) => f.patient !== undefined || f.q !== undefined;

/** Records a search by patient or content and the ids it returned (nothing for a plain search). Terms are never kept. */
export async function auditMessageSearch(
  req: FastifyRequest,
  action: string,
  f: Pick<MessageFilters, 'patient' | 'q'>,
  rows: ReadonlyArray<{ id?: unknown }>,
): Promise<void> {
  if (!searchesPatientData(f)) return;
  await audit(req, action, undefined, {
    byPatient: f.patient !== undefined,
    byContent: f.q !== undefined,
    ids: rows.map((r) => String(r.id)),
  });
}

export const CSV_COLUMNS = ['id', 'received_at', 'channel', 'message_type', 'control_id', 'status', 'error_code', 'error_text'] as const;

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break. A cell a spreadsheet would read as a
 * formula (starting with =, +, -, @, tab or CR) is prefixed with an apostrophe.
 */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : value instanceof Date ? value.toISOString() : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The export's text: a header line and one line per message, CRLF line ends. */
export function messagesCsv(rows: ReadonlyArray<Record<string, unknown>>): string {
  const lines = [CSV_COLUMNS.join(','), ...rows.map((r) => CSV_COLUMNS.map((c) => csvCell(r[c])).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

const replaySearchBody = z.strictObject({
  search: messageFilters,
  /** How many messages the user was shown and confirmed. */
  count: z.number().int().min(1).max(BULK_REPLAY_MAX),
  reason: z.string().trim().min(3).max(500),
});

export function registerMessageSearchRoutes(api: FastifyInstance, deps: MessageSearchDeps): void {
  api.get('/api/messages', role('viewer'), async (req) => {
    const q = parse(messageQuery, req.query, 'query');
    checkMessageSearch(req, q);
    const messages = await deps.listMessages({ ...q, cursor: q.cursor === undefined ? undefined : decodeCursor(q.cursor) });
    await auditMessageSearch(req, 'message.search', q, messages as Array<{ id?: unknown }>);
    return { messages, next: nextOf(messages, q.limit, q.sort) };
  });

  api.get('/api/messages/export.csv', role('viewer'), async (req, reply) => {
    const q = parse(messageQuery.omit({ before: true, cursor: true, limit: true }), req.query, 'query');
    checkMessageSearch(req, q);
    const rows = (await deps.listMessages({ ...q, limit: EXPORT_MAX + 1 })) as Array<Record<string, unknown>>;
    if (rows.length > EXPORT_MAX) {
      throw new EngineError(
        'TOO_MANY_MESSAGES',
        `the search finds more than ${EXPORT_MAX} messages; narrow it (a channel, a status, a date range)`,
      );
    }
    await audit(req, 'message.export', undefined, {
      count: rows.length,
      byPatient: q.patient !== undefined,
      byContent: q.q !== undefined,
      ...(searchesPatientData(q) ? { ids: rows.map((r) => String(r.id)) } : {}),
    });
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="messages.csv"')
      .send(messagesCsv(rows));
  });

  api.post('/api/messages/replay-search', role('operator'), async (req) => {
    const body = parse(replaySearchBody, req.body ?? undefined, 'body');
    checkMessageSearch(req, body.search);
    const found = (await deps.listMessages({ ...body.search, limit: BULK_REPLAY_MAX + 1 })) as Array<{ id: unknown }>;
    if (found.length > BULK_REPLAY_MAX) {
      throw new EngineError(
        'TOO_MANY_MESSAGES',
        `the search finds more than ${BULK_REPLAY_MAX} messages; one bulk replay takes at most ${BULK_REPLAY_MAX}`,
      );
    }
    if (found.length !== body.count) {
      throw new EngineError(
        'CONFLICT',
        `the search now finds ${found.length} messages, not the ${body.count} confirmed; look at the list again`,
      );
    }
    // Oldest first, as they arrived: a patient's messages are processed in their order again.
    const ids = found.map((m) => String(m.id)).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    await audit(req, 'message.replay-search', undefined, {
      count: ids.length,
      reason: body.reason,
      byPatient: body.search.patient !== undefined,
      byContent: body.search.q !== undefined,
      ids,
    });
    const results: ReplayResult[] = [];
    for (const id of ids) {
      try {
        const result = await deps.replay(id, undefined, actorOf(req));
        await audit(
          req,
          'message.replay',
          { type: 'message', id },
          { edited: false, replay: result.replay, bulk: true, reason: body.reason },
        );
        results.push(result);
      } catch (err) {
        const e = asEngineError(err);
        if (e.spec.http >= 500) throw err;
        results.push({ id, error: { code: e.code, message: e.message } });
      }
    }
    return { count: ids.length, results };
  });
}
