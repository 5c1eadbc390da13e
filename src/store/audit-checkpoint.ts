/**
 * Signed checkpoints of the audit chain, kept where the database cannot rewrite them (a file on another disk or
 * host, a log shipped elsewhere). The chain alone cannot show rows deleted from its tail, nor a tail rewritten
 * consistently; a checkpoint can: it records how many events the trail had, the id of the newest and its hash.
 * A later trail must still hold that event with that hash, and at least that many events up to it.
 *
 * A checkpoint is one JSON line, `{"kind":"rxbridge-audit-checkpoint","count","lastId","head","at","mac"}`,
 * where `mac` is HMAC-SHA256 (hex) over the canonical text of the other fields, keyed by
 * RXBRIDGE_AUDIT_CHECKPOINT_KEY: the key lives with the operators, never in the store, so someone who can
 * rewrite the database cannot make a checkpoint that matches their rewrite, nor edit one unseen.
 * Pure functions: no store or file access here (src/cli/users.ts reads and writes).
 */
import crypto from 'node:crypto';

export const CHECKPOINT_KIND = 'rxbridge-audit-checkpoint';
/** The shortest key accepted, in bytes of its text. */
export const CHECKPOINT_KEY_MIN = 32;

export interface AuditCheckpoint {
  kind: typeof CHECKPOINT_KIND;
  /** Events in the trail when it was taken. */
  count: number;
  /** Id of the newest event then ('' for an empty trail). */
  lastId: string;
  /** That event's hash (the genesis hash for an empty trail). */
  head: string;
  /** When it was taken, ISO 8601 UTC. */
  at: string;
  mac: string;
}

/** The state of the trail at the checkpoint's event, as the store finds it now. */
export interface TrailAt {
  /** The hash of event `lastId`, undefined when there is no such event. */
  hash: string | undefined;
  /** Events with id <= lastId. */
  count: number;
}

export function checkpointKey(value: string | undefined): Buffer {
  if (!value || Buffer.byteLength(value) < CHECKPOINT_KEY_MIN) {
    throw new Error(
      `RXBRIDGE_AUDIT_CHECKPOINT_KEY must be set to a secret of at least ${CHECKPOINT_KEY_MIN} characters, kept outside the store`,
    );
  }
  return Buffer.from(value, 'utf8');
}

function macOf(c: Omit<AuditCheckpoint, 'mac'>, key: Buffer): string {
  const text = JSON.stringify([c.kind, c.count, c.lastId, c.head, c.at]);
  return crypto.createHmac('sha256', key).update(text).digest('hex');
}

export function signCheckpoint(c: { count: number; lastId: string; head: string; at: Date }, key: Buffer): AuditCheckpoint {
  const body = { kind: CHECKPOINT_KIND, count: c.count, lastId: c.lastId, head: c.head, at: c.at.toISOString() } as const;
  return { ...body, mac: macOf(body, key) };
}

/** Reads checkpoint lines (blank lines skipped); throws naming the line of one that is malformed or not signed by `key`. */
export function parseCheckpoints(text: string, key: Buffer, file: string): AuditCheckpoint[] {
  const out: AuditCheckpoint[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${file}:${i + 1}`;
    let c: AuditCheckpoint;
    try {
      c = JSON.parse(line) as AuditCheckpoint;
    } catch {
      throw new Error(`${where}: not a checkpoint (invalid JSON)`);
    }
    if (
      c?.kind !== CHECKPOINT_KIND ||
      !Number.isInteger(c.count) ||
      typeof c.lastId !== 'string' ||
      typeof c.head !== 'string' ||
      typeof c.at !== 'string' ||
      typeof c.mac !== 'string'
    ) {
      throw new Error(`${where}: not a checkpoint`);
    }
    const expected = Buffer.from(macOf(c, key), 'hex');
    const given = Buffer.from(c.mac, 'hex');
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
      throw new Error(`${where}: the signature does not match (the checkpoint was altered, or another key signed it)`);
    }
    out.push(c);
  });
  return out;
}

/** Why the trail no longer holds checkpoint `c`, or undefined when it does. */
export function checkpointBreak(c: AuditCheckpoint, now: TrailAt): string | undefined {
  if (c.count === 0) return undefined;
  if (now.hash === undefined) {
    return `event ${c.lastId}, the newest at the checkpoint of ${c.at} (${c.count} events), is gone: rows were deleted from the trail`;
  }
  if (now.hash !== c.head) return `event ${c.lastId} no longer has the hash checkpointed at ${c.at}: the trail was rewritten`;
  if (now.count < c.count) return `${c.count - now.count} of the ${c.count} events up to ${c.lastId} checkpointed at ${c.at} are gone`;
  return undefined;
}
