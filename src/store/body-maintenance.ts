/**
 * Background work on stored message bodies (message_contents), in batches, safe to run beside a live engine:
 *
 * - rotateBodies: re-seals every body not under the codec's current key (older keys, and plain-text rows from
 *   before encryption) with the current key; in plain mode it opens every encrypted body back to plain text.
 *   Each batch is one transaction that locks its rows.
 * - pruneBodies: retention. Replaces the bodies of finished messages (final status) that finished more than
 *   `bodiesDays` days ago with null and stamps pruned_at, and drops the message's content-search tokens
 *   (message_words: a pruned message is no longer found by its words); the message row, its events, its charges and any
 *   audit trail stay. A message not in a final status is never touched: each batch share-locks the message
 *   rows it prunes and re-checks their status, so a replay in progress wins. Afterwards the table is vacuumed
 *   (plain VACUUM, not FULL: space is reused, the table is not rewritten or locked).
 * - retentionTask (startRetentionTimer): runs pruneBodies on an interval inside the engine, and records each run in the audit
 *   trail (actor `system`, action `retention.run`, the counts of retentionAuditDetail).
 */
import { sql, type Kysely } from 'kysely';
import type { Logger } from '../core/logger';
import { periodicTask, type PeriodicTask } from '../core/periodic';
import type { AuditTrail } from './audit';
import type { AuditDetail } from './audit-chain';
import type { BodyCodec } from './bodies';
import type { Database } from './types';

export const DEFAULT_BATCH_SIZE = 500;

export interface RotationReport {
  /** Bodies re-sealed (or opened to plain text in plain mode). */
  rotated: number;
  /** Bodies that could not be opened (BODY_UNREADABLE): left as they are. */
  unreadable: number;
  batches: number;
}

export async function rotateBodies(
  db: Kysely<Database>,
  bodies: BodyCodec,
  opts: { batchSize?: number; onBatch?: (report: RotationReport) => void } = {},
): Promise<RotationReport> {
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  const current = bodies.currentKeyId;
  const report: RotationReport = { rotated: 0, unreadable: 0, batches: 0 };
  let after = '0';
  for (;;) {
    const last = await db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('message_contents')
        .select(['id', 'content', 'key_id'])
        .where('id', '>', after)
        .where('content', 'is not', null)
        .where(current === null ? sql<boolean>`key_id is not null` : sql<boolean>`key_id is distinct from ${current}`)
        .orderBy('id')
        .limit(batchSize)
        .forUpdate()
        .execute();
      const ids: string[] = [];
      const contents: string[] = [];
      const keyIds: Array<string | null> = [];
      for (const row of rows) {
        try {
          const sealed = bodies.seal(bodies.open(row.content as string, row.key_id));
          ids.push(String(row.id));
          contents.push(sealed.content);
          keyIds.push(sealed.keyId);
        } catch {
          report.unreadable++;
        }
      }
      if (ids.length > 0) {
        await sql`
          update message_contents c set content = u.content, key_id = u.key_id
            from unnest(${ids}::bigint[], ${contents}::text[], ${keyIds}::text[]) as u(id, content, key_id)
           where c.id = u.id`.execute(trx);
      }
      report.rotated += ids.length;
      return rows.length > 0 ? String(rows[rows.length - 1]?.id) : undefined;
    });
    if (last === undefined) return report;
    report.batches++;
    after = last;
    opts.onBatch?.(report);
  }
}

/** A channel's retention: bodies of messages that finished more than bodiesDays days ago are pruned. */
export interface RetentionPolicy {
  channel: string;
  bodiesDays: number;
}

export interface RetentionReport {
  channels: Array<{ channel: string; bodiesDays: number; pruned: number; bytes: number }>;
  /** Bodies pruned (content versions; a replayed message with an edited version counts twice). */
  pruned: number;
  /** Stored bytes of the pruned bodies: an estimate of the space freed for reuse. */
  bytes: number;
  /** True when nothing was changed (dry run): the counts are what a run would prune now. */
  dryRun: boolean;
  vacuumed: boolean;
}

const FINAL = sql.raw(`('processed', 'filtered', 'error', 'rejected', 'duplicate')`);

export async function pruneBodies(
  db: Kysely<Database>,
  policies: readonly RetentionPolicy[],
  opts: { batchSize?: number; dryRun?: boolean; vacuum?: boolean } = {},
): Promise<RetentionReport> {
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  const report: RetentionReport = { channels: [], pruned: 0, bytes: 0, dryRun: opts.dryRun ?? false, vacuumed: false };
  for (const policy of policies) {
    const cutoff = sql`now() - make_interval(days => ${policy.bodiesDays})`;
    const entry = { channel: policy.channel, bodiesDays: policy.bodiesDays, pruned: 0, bytes: 0 };
    if (opts.dryRun) {
      const row = await sql<{ n: string; bytes: string }>`
        select count(*) as n, coalesce(sum(octet_length(c.content)), 0) as bytes
          from message_contents c join messages m on m.id = c.message_id
         where c.content is not null and m.channel = ${policy.channel} and m.status in ${FINAL} and m.finished_at < ${cutoff}`.execute(db);
      entry.pruned = Number(row.rows[0]?.n ?? 0);
      entry.bytes = Number(row.rows[0]?.bytes ?? 0);
    } else {
      let after = '0';
      for (;;) {
        const result = await sql<{ last: string | null; n: string; bytes: string | null }>`
          with victims as (
            select c.id, octet_length(c.content) as bytes
              from message_contents c join messages m on m.id = c.message_id
             where c.id > ${after}::bigint and c.content is not null
               and m.channel = ${policy.channel} and m.status in ${FINAL} and m.finished_at < ${cutoff}
             order by c.id
             limit ${batchSize}
               for share of m
          ), done as (
            update message_contents c set content = null, key_id = null, pruned_at = now()
              from victims v where c.id = v.id and c.content is not null
            returning c.id, c.message_id, v.bytes
          ), words as (
            delete from message_words w where w.message_id in (select message_id from done)
          )
          select (select max(id) from victims) as last, (select count(*) from done) as n,
                 (select sum(bytes) from done) as bytes`.execute(db);
        const row = result.rows[0];
        if (!row || row.last === null) break;
        entry.pruned += Number(row.n);
        entry.bytes += Number(row.bytes ?? 0);
        after = String(row.last);
      }
    }
    report.channels.push(entry);
    report.pruned += entry.pruned;
    report.bytes += entry.bytes;
  }
  if (!report.dryRun && report.pruned > 0 && opts.vacuum !== false) {
    await sql`vacuum (analyze) message_contents`.execute(db);
    report.vacuumed = true;
  }
  return report;
}

/** What the audit trail records of a retention run (`retention.run`): counts per channel, never contents. */
export function retentionAuditDetail(report: RetentionReport): AuditDetail {
  return {
    pruned: report.pruned,
    bytes: report.bytes,
    vacuumed: report.vacuumed,
    channels: report.channels.map((c) => ({ channel: c.channel, bodiesDays: c.bodiesDays, pruned: c.pruned, bytes: c.bytes })),
  };
}

/** Spreads the retention runs of engine processes started together (a fraction of the interval). */
const RETENTION_JITTER = 0.1;

/**
 * Runs pruneBodies every intervalMs (± 10 %; the first run after firstDelayMs), one run at a time, logging a summary
 * line and, with `audit`, appending a `retention.run` event by actor `system` (a run whose event cannot be written
 * is logged as a warning; the pruning stands). A failed run is logged and tried again at the next interval.
 * `policies` may be a function, read at each run (a channel reload changes them); a run with none does nothing.
 */
export function retentionTask(
  db: Kysely<Database>,
  policies: readonly RetentionPolicy[] | (() => readonly RetentionPolicy[]),
  log: Logger,
  intervalMs: number,
  firstDelayMs: number,
  audit?: Pick<AuditTrail, 'append'>,
): PeriodicTask {
  return periodicTask({
    name: 'retention',
    intervalMs,
    firstDelayMs,
    jitter: RETENTION_JITTER,
    run: async () => {
      const now = typeof policies === 'function' ? policies() : policies;
      if (now.length === 0) return;
      const r = await pruneBodies(db, now);
      log.info('retention run finished', { count: r.pruned, bytes: r.bytes });
      await audit
        ?.append({ actor: 'system', role: null, action: 'retention.run', detail: retentionAuditDetail(r) })
        .catch((err: unknown) => log.warn('retention run could not be recorded in the audit trail', { error: errorName(err) }));
    },
    onError: (err) => log.warn('retention run failed; it runs again at the next interval', { error: errorName(err) }),
  });
}

/** Starts the retentionTask; returns a stop function that waits for a run in progress. */
export function startRetentionTimer(
  db: Kysely<Database>,
  policies: readonly RetentionPolicy[] | (() => readonly RetentionPolicy[]),
  log: Logger,
  intervalMs: number,
  firstDelayMs: number,
  audit?: Pick<AuditTrail, 'append'>,
): () => Promise<void> {
  const task = retentionTask(db, policies, log, intervalMs, firstDelayMs, audit);
  void task.start();
  return () => task.stop();
}

/** A PHI-free name for an error in a log line: its class name, never its message. */
export function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}
