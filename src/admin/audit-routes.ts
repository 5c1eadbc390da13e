/**
 * The audit trail over HTTP (admin only; docs/security.md):
 *   GET /api/audit?actor=&action=&since=&before=&limit=       newest first, {events, next}
 *   GET /api/audit.csv?actor=&action=&since=&before=&limit=   the same as CSV (limit up to 100 000); the export
 *                                                             is itself audited (action audit.export)
 * `since` is an ISO 8601 date or date-time; `before` an event id (keyset paging). The CSV guards spreadsheet
 * formulas: a cell that starts with = + - @ or a control character gets a leading apostrophe.
 */
import { csvCell } from './csv';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AuditFilter, AuditTrail } from '../store/audit';
import type { AuditEvent } from '../store/audit-chain';
import { audit, role } from './auth';
import { dateOrDateTime, pageLimit, parse, rowId } from './validate';
import type { AuditPage } from './wire/audit';
import { sends } from './wire/json';

export type AuditApi = Pick<AuditTrail, 'list'>;

const CSV_MAX_ROWS = 100_000;

const filterFields = {
  actor: z.string().min(1).max(200).optional(),
  action: z.string().min(1).max(100).optional(),
  since: dateOrDateTime.optional(),
  before: rowId.optional(),
};
const listQuery = z.strictObject({ ...filterFields, limit: pageLimit });
const csvQuery = z.strictObject({ ...filterFields, limit: z.coerce.number().int().min(1).max(CSV_MAX_ROWS).default(10_000) });

const CSV_COLUMNS = [
  'id',
  'at',
  'actor',
  'role',
  'action',
  'target_type',
  'target_id',
  'source_ip',
  'detail',
  'prev_hash',
  'hash',
] as const;

export { csvCell };

export function auditCsv(events: readonly AuditEvent[]): string {
  const rows = events.map((e) =>
    [
      e.id,
      e.at.toISOString(),
      e.actor,
      e.role,
      e.action,
      e.targetType,
      e.targetId,
      e.sourceIp,
      JSON.stringify(e.detail),
      e.prevHash,
      e.hash,
    ]
      .map(csvCell)
      .join(','),
  );
  return `${[CSV_COLUMNS.join(','), ...rows].join('\r\n')}\r\n`;
}

function filterOf(q: Partial<AuditFilter> & { limit: number }): AuditFilter {
  return { actor: q.actor, action: q.action, since: q.since, before: q.before, limit: q.limit };
}

export function registerAuditRoutes(api: FastifyInstance, trail: AuditApi): void {
  api.get('/api/audit', role('admin'), async (req) => {
    const q = parse(listQuery, req.query, 'query');
    const events = await trail.list(filterOf(q));
    return sends<AuditPage>()({ events, next: events.length < q.limit ? null : events[events.length - 1]!.id });
  });

  api.get('/api/audit.csv', role('admin'), async (req, reply) => {
    const q = parse(csvQuery, req.query, 'query');
    const events = await trail.list(filterOf(q));
    await audit(req, 'audit.export', undefined, {
      rows: events.length,
      actor: q.actor ?? null,
      action: q.action ?? null,
      since: q.since?.toISOString() ?? null,
      before: q.before ?? null,
    });
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="rxbridge-audit.csv"')
      .send(auditCsv(events));
  });
}
