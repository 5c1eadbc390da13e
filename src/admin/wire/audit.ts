/** The audit trail as GET /api/audit sends it (admin; docs/security.md). Types only, no Node modules. */

/** One event, newest first; `detail` never holds patient data. */
export interface AuditEvent {
  id: string;
  at: string;
  actor: string;
  role: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  sourceIp: string | null;
  detail: unknown;
}

/** GET /api/audit: a page of events; `next` is the `before` of the next page, null after the last. */
export interface AuditPage {
  events: AuditEvent[];
  next: string | null;
}
