/**
 * The audit trail's hash chain, pure: each event's `hash` is sha256(prev_hash + canonical JSON of the event),
 * and `prev_hash` is the hash of the event before it (GENESIS_HASH for the first). Changing, removing or
 * inserting a row anywhere but at the end breaks the chain at that row; verifyChain names the first such row.
 *
 * Canonical JSON: object keys sorted (recursively), no whitespace, undefined members dropped, `at` as an ISO
 * 8601 UTC string with milliseconds. It covers every column except prev_hash and hash themselves.
 */
import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

export type AuditDetailValue = string | number | boolean | null | AuditDetailValue[] | { [key: string]: AuditDetailValue };
/** What an event records besides its columns. Never patient data: ids, counts, names of things, reasons. */
export type AuditDetail = { [key: string]: AuditDetailValue };

/** An event as hashed: every column but prev_hash and hash. */
export interface AuditEventBody {
  id: string;
  at: Date;
  actor: string;
  role: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  sourceIp: string | null;
  detail: AuditDetail;
}

export interface AuditEvent extends AuditEventBody {
  prevHash: string;
  hash: string;
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('canonicalJson: a number must be finite');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

function bodyOf(e: AuditEventBody): Record<string, unknown> {
  return {
    id: e.id,
    at: e.at.toISOString(),
    actor: e.actor,
    role: e.role,
    action: e.action,
    target_type: e.targetType,
    target_id: e.targetId,
    source_ip: e.sourceIp,
    detail: e.detail,
  };
}

export function auditHash(prevHash: string, event: AuditEventBody): string {
  return createHash('sha256')
    .update(prevHash + canonicalJson(bodyOf(event)), 'utf8')
    .digest('hex');
}

export function sealEvent(prevHash: string, event: AuditEventBody): AuditEvent {
  return { ...event, prevHash, hash: auditHash(prevHash, event) };
}

export interface ChainBreak {
  /** The first event that does not verify. */
  id: string;
  reason: 'hash' | 'prev_hash';
  /** Human-readable: what did not match. */
  message: string;
}

/**
 * Checks a run of events in id order, continuing from `prevHash` (GENESIS_HASH from the start). Returns the
 * first break, or the hash the next run continues from.
 */
export function verifyChain(
  events: Iterable<AuditEvent>,
  prevHash = GENESIS_HASH,
): { ok: true; head: string } | { ok: false; break: ChainBreak } {
  let head = prevHash;
  for (const e of events) {
    if (e.prevHash !== head) {
      return {
        ok: false,
        break: {
          id: e.id,
          reason: 'prev_hash',
          message: `event ${e.id}: prev_hash does not match the hash of the event before it (a row was removed, inserted or changed)`,
        },
      };
    }
    if (auditHash(e.prevHash, e) !== e.hash) {
      return {
        ok: false,
        break: { id: e.id, reason: 'hash', message: `event ${e.id}: its content does not match its hash (the row was changed)` },
      };
    }
    head = e.hash;
  }
  return { ok: true, head };
}
