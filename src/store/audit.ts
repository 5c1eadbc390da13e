/**
 * The audit trail in the store (table audit_events): append, read, verify. Nothing here updates or deletes a
 * row, and the table's triggers refuse it for everyone else (migration 005).
 *
 * Appends are serialized across every engine process on the store: each takes a transaction-scoped advisory
 * lock, reads the newest row's hash, takes the next id and inserts the sealed row (src/store/audit-chain.ts),
 * so the chain never forks. A unique index on prev_hash backs this: a second successor of one row cannot commit.
 */
import { sql, type Kysely } from 'kysely';
import { GENESIS_HASH, sealEvent, verifyChain, type AuditDetail, type AuditEvent, type ChainBreak } from './audit-chain';
import type { Database } from './types';
import { isRowId } from '../core/row-id';

/** pg_advisory_xact_lock key of the audit chain ('RXBA'). */
const AUDIT_LOCK_KEY = 0x52584241;
const VERIFY_BATCH = 1000;

export interface AuditEntry {
  /** Username, `bootstrap-token`, `cli:<os user>`, or `unknown` for a failed login with a name no user has. */
  actor: string;
  /** The actor's role when it acted; null when it had none (a failed login, the CLI). */
  role: string | null;
  /** Dotted verb: `login.success`, `message.view`, `mapping.save`, … (docs/security.md lists them). */
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  sourceIp?: string | null;
  detail?: AuditDetail;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  since?: Date;
  /** Keyset cursor: events with a smaller id. */
  before?: string;
  limit: number;
}

export type AuditVerification = { ok: true; count: number; head: string } | { ok: false; count: number; break: ChainBreak };

type Row = {
  id: string;
  at: Date;
  actor: string;
  role: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  source_ip: string | null;
  detail: unknown;
  prev_hash: string;
  hash: string;
};

function toEvent(r: Row): AuditEvent {
  const detail = typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail;
  return {
    id: String(r.id),
    at: r.at instanceof Date ? r.at : new Date(String(r.at)),
    actor: r.actor,
    role: r.role,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    sourceIp: r.source_ip,
    detail: (detail ?? {}) as AuditDetail,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

export class AuditTrail {
  constructor(private readonly db: Kysely<Database>) {}

  async append(entry: AuditEntry): Promise<AuditEvent> {
    return this.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`.execute(trx);
      const last = await trx.selectFrom('audit_events').select('hash').orderBy('id', 'desc').limit(1).executeTakeFirst();
      const next = await sql<{ id: string }>`select nextval(pg_get_serial_sequence('audit_events', 'id'))::text as id`.execute(trx);
      const event = sealEvent(last?.hash ?? GENESIS_HASH, {
        id: next.rows[0]!.id,
        at: new Date(),
        actor: entry.actor,
        role: entry.role,
        action: entry.action,
        targetType: entry.targetType ?? null,
        targetId: entry.targetId ?? null,
        sourceIp: entry.sourceIp ?? null,
        detail: entry.detail ?? {},
      });
      await trx
        .insertInto('audit_events')
        .values({
          id: event.id,
          at: event.at,
          actor: event.actor,
          role: event.role,
          action: event.action,
          target_type: event.targetType,
          target_id: event.targetId,
          source_ip: event.sourceIp,
          detail: JSON.stringify(event.detail),
          prev_hash: event.prevHash,
          hash: event.hash,
        })
        .execute();
      return event;
    });
  }

  /** Newest first. */
  async list(f: AuditFilter): Promise<AuditEvent[]> {
    let q = this.db.selectFrom('audit_events').selectAll().orderBy('id', 'desc').limit(f.limit);
    if (f.actor) q = q.where('actor', '=', f.actor);
    if (f.action) q = q.where('action', '=', f.action);
    if (f.since) q = q.where('at', '>=', f.since);
    if (f.before) q = q.where('id', '<', f.before);
    return (await q.execute()).map((r) => toEvent(r as Row));
  }

  /** Recomputes the whole chain in id order; stops at the first row that does not verify. */
  /** The newest event's id, or undefined for an empty trail. */
  async newestId(): Promise<string | undefined> {
    const r = await this.db.selectFrom('audit_events').select('id').orderBy('id', 'desc').limit(1).executeTakeFirst();
    return r === undefined ? undefined : String(r.id);
  }

  /** The hash of event `id` (undefined when there is none) and the number of events up to it. */
  async at(id: string): Promise<{ hash: string | undefined; count: number }> {
    if (!isRowId(id)) return { hash: undefined, count: 0 };
    const row = await this.db.selectFrom('audit_events').select('hash').where('id', '=', id).executeTakeFirst();
    const n = await this.db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('id', '<=', id)
      .executeTakeFirstOrThrow();
    return { hash: row?.hash, count: Number(n.n) };
  }

  async verify(): Promise<AuditVerification> {
    let head = GENESIS_HASH;
    let count = 0;
    let after: string | undefined;
    for (;;) {
      let q = this.db.selectFrom('audit_events').selectAll().orderBy('id').limit(VERIFY_BATCH);
      if (after !== undefined) q = q.where('id', '>', after);
      const events = (await q.execute()).map((r) => toEvent(r as Row));
      if (events.length === 0) return { ok: true, count, head };
      const result = verifyChain(events, head);
      if (!result.ok) return { ok: false, count: count + events.findIndex((e) => e.id === result.break.id), break: result.break };
      head = result.head;
      count += events.length;
      after = events[events.length - 1]!.id;
    }
  }
}
