/**
 * Read queries behind the web console's APIs: the dashboard's per-minute counts and last errors, a
 * message's timeline (received → stages → charges → claims → payments, without its body), and the dead letters
 * grouped by reason. Every query is answered from an index (migration 007) so it stays fast at 100,000 messages
 * and more. Nothing here reads a message body: the answers carry metadata, error texts (which name positions and
 * rules, never values) and the records viewers may already read.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './types';

/** One channel's messages received in one minute, and how many of them failed (error or rejected). */
export interface MinuteCount {
  channel: string;
  minute: Date;
  received: number;
  failed: number;
}

/** Messages received since `since`, counted per channel and minute (minutes with none are absent). */
export async function messagesPerMinute(db: Kysely<Database>, since: Date): Promise<MinuteCount[]> {
  const rows = await sql<{ channel: string; minute: Date; received: string; failed: string }>`
    select channel, date_trunc('minute', received_at) as minute, count(*) as received,
           count(*) filter (where status in ('error', 'rejected')) as failed
      from messages where received_at >= ${since}
     group by 1, 2`.execute(db);
  return rows.rows.map((r) => ({ channel: r.channel, minute: new Date(r.minute), received: Number(r.received), failed: Number(r.failed) }));
}

export interface LastError {
  at: Date;
  code: string;
  text: string;
  /** Messages of the channel processed after this failure (counted up to STALE_COUNT_CAP): above 0, the error is old news. */
  processedSince: number;
}

/** processedSince stops counting here (the dashboard only needs "some" and a rough number). */
export const STALE_COUNT_CAP = 1000;

/**
 * The newest failure (dead letter or rejection) of each channel: two index probes per channel
 * (messages_status_idx: channel, status, id), and how many of its messages were processed after it (one more
 * probe, capped).
 */
export async function lastErrors(db: Kysely<Database>, channels: readonly string[]): Promise<Map<string, LastError>> {
  if (channels.length === 0) return new Map();
  const rows = await sql<{ channel: string; at: Date; code: string | null; text: string | null; processed_since: string }>`
    select c.name as channel, f.at, f.code, f.text, p.processed_since
      from unnest(${[...channels]}::text[]) as c(name)
      cross join lateral (
        select * from (
          (select id, coalesce(finished_at, updated_at) as at, error_code as code, error_text as text
             from messages where channel = c.name and status = 'error' order by id desc limit 1)
          union all
          (select id, coalesce(finished_at, updated_at), error_code, error_text
             from messages where channel = c.name and status = 'rejected' order by id desc limit 1)
        ) both_kinds order by id desc limit 1
      ) f
      cross join lateral (
        select count(*) as processed_since from (
          select 1 from messages where channel = c.name and status = 'processed' and id > f.id limit ${STALE_COUNT_CAP}) later
      ) p`.execute(db);
  return new Map(
    rows.rows.map((r) => [
      r.channel,
      { at: new Date(r.at), code: r.code ?? 'UNKNOWN', text: r.text ?? '', processedSince: Number(r.processed_since) },
    ]),
  );
}

/** The last `minutes` minutes ending with the minute of `now`, oldest first, with zero where nothing arrived. */
export function zeroFilledMinutes(
  counts: readonly MinuteCount[],
  channel: string,
  now: Date,
  minutes = 60,
): Array<{ minute: string; received: number; failed: number }> {
  const last = Math.floor(now.getTime() / 60_000) * 60_000;
  const byMinute = new Map(counts.filter((c) => c.channel === channel).map((c) => [c.minute.getTime(), c]));
  const out: Array<{ minute: string; received: number; failed: number }> = [];
  for (let i = minutes - 1; i >= 0; i--) {
    const t = last - i * 60_000;
    const c = byMinute.get(t);
    out.push({ minute: new Date(t).toISOString(), received: c?.received ?? 0, failed: c?.failed ?? 0 });
  }
  return out;
}

/** The start of the first of the last `minutes` minutes ending with the minute of `now`. */
export function windowStart(now: Date, minutes = 60): Date {
  return new Date(Math.floor(now.getTime() / 60_000) * 60_000 - (minutes - 1) * 60_000);
}

export interface DeadLetterGroup {
  code: string;
  reason: string;
  channel: string;
  count: number;
  newest: Date;
  oldest: Date;
}

/** Dead letters grouped by channel, error code and text (the reason), largest groups first; at most `limit`. */
export async function deadLetterGroups(db: Kysely<Database>, limit = 500): Promise<DeadLetterGroup[]> {
  const rows = await sql<{ code: string | null; reason: string | null; channel: string; count: string; newest: Date; oldest: Date }>`
    select error_code as code, error_text as reason, channel, count(*) as count,
           max(coalesce(finished_at, updated_at)) as newest, min(coalesce(finished_at, updated_at)) as oldest
      from messages where status = 'error'
     group by error_code, error_text, channel
     order by count(*) desc, max(id) desc
     limit ${limit}`.execute(db);
  return rows.rows.map((r) => ({
    code: r.code ?? 'UNKNOWN',
    reason: r.reason ?? '',
    channel: r.channel,
    count: Number(r.count),
    newest: new Date(r.newest),
    oldest: new Date(r.oldest),
  }));
}

/**
 * A message's path without its body: the message, its status changes, the charges it produced, the claims those
 * charges are on (any line state) and the payments posted to those claims. undefined when there is no such message.
 */
export async function messageTimeline(db: Kysely<Database>, id: string) {
  const message = await db
    .selectFrom('messages')
    .select(['id', 'channel', 'message_type', 'status', 'received_at', 'finished_at', 'attempts', 'error_code', 'error_text'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!message) return undefined;
  const [events, charges, claims, payments] = await Promise.all([
    db
      .selectFrom('message_events')
      .select(['at', 'from_status', 'to_status', 'stage', 'code', 'detail', 'actor'])
      .where('message_id', '=', id)
      .orderBy('id')
      .execute(),
    db.selectFrom('charges').selectAll().where('message_id', '=', id).orderBy('id').execute(),
    db
      .selectFrom('claims as cl')
      .select(['cl.id', 'cl.status', 'cl.control_number', 'cl.payer_claim_number', 'cl.batch_id'])
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('claim_lines as l')
            .innerJoin('charges as ch', 'ch.id', 'l.charge_id')
            .select(sql`1`.as('one'))
            .whereRef('l.claim_id', '=', 'cl.id')
            .where('ch.message_id', '=', id),
        ),
      )
      .orderBy('cl.id')
      .execute(),
    db
      .selectFrom('claim_payments as p')
      .innerJoin('remittances as r', 'r.id', 'p.remittance_id')
      .select(['p.claim_id', 'p.paid', 'p.outcome', 'p.status_code', 'r.received_at', 'p.remittance_id'])
      .where('p.withdrawn_at', 'is', null)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('claim_lines as l')
            .innerJoin('charges as ch', 'ch.id', 'l.charge_id')
            .select(sql`1`.as('one'))
            .whereRef('l.claim_id', '=', 'p.claim_id')
            .where('ch.message_id', '=', id),
        ),
      )
      .orderBy('r.received_at')
      .orderBy('p.id')
      .execute(),
  ]);
  return {
    message: {
      id: message.id,
      channel: message.channel,
      type: message.message_type,
      status: message.status,
      receivedAt: message.received_at,
      finishedAt: message.finished_at,
      attempts: message.attempts,
      errorCode: message.error_code,
      errorText: message.error_text,
    },
    events: events.map((e) => ({
      at: e.at,
      from: e.from_status,
      to: e.to_status,
      stage: e.stage,
      code: e.code,
      detail: e.detail,
      actor: e.actor,
    })),
    charges,
    claims: claims.map((c) => ({
      id: c.id,
      status: c.status,
      claimNumber: c.control_number,
      payerClaimNumber: c.payer_claim_number,
      batchId: c.batch_id,
    })),
    payments: payments.map((p) => ({
      claimId: p.claim_id,
      paidAmount: p.paid,
      status: p.outcome,
      statusCode: p.status_code,
      receivedAt: p.received_at,
      remittanceId: p.remittance_id,
    })),
  };
}
