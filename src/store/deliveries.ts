/**
 * The store of channel destinations' deliveries (migration 030), for src/destinations.
 *
 * Contract:
 * - feed: per channel, turns final messages above the channel's cursor into delivery rows and moves the cursor, in
 *   one transaction. It stops at the first message that is not final yet (messages finish out of id order), so the
 *   cursor only passes ids whose messages are all final; rows are inserted ON CONFLICT DO NOTHING. A crash anywhere
 *   loses no message and makes no second row. The cursor row is locked with SKIP LOCKED: one process feeds a channel
 *   at a time, the others skip it.
 * - takeDue leases open, due deliveries of one destination by pushing next_attempt_at forward (SKIP LOCKED), never one
 *   that has an open delivery of a lower message id with the same order key (fifo: the whole destination; patient:
 *   the patient key), and stores the outbound control id before returning it, so it is the same for every attempt
 *   and every process.
 * - settle applies only while the delivery is still open under the same attempt (a late answer after its lease was
 *   taken over changes nothing).
 */
import { sql, type Kysely } from 'kysely';
import type { Database, DeliveryState } from './types';

const MAX_ERROR_TEXT = 500;

/** What the feeder needs of a destination to decide whether a message is for it. */
export interface FeedTarget {
  name: string;
  /** null = every type. */
  types: ReadonlySet<string> | null;
  statuses: ReadonlySet<string>;
  order: 'fifo' | 'patient' | 'none';
}

export interface DueDelivery {
  id: string;
  messageId: string;
  channel: string;
  destination: string;
  /** This attempt's number (1 = first). */
  attempt: number;
  controlId: string;
}

export type DeliverySettlement =
  | { kind: 'delivered'; detail?: string }
  | { kind: 'filtered' }
  | { kind: 'retry'; error: string; delayMs: number }
  | { kind: 'failed'; code: string; error: string };

export interface DeliveryRow {
  id: string;
  messageId: string;
  channel: string;
  destination: string;
  state: DeliveryState;
  attempts: number;
  nextAttemptAt: string;
  controlId: string | null;
  lastError: string | null;
  detail: string | null;
  replays: number;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
}

export interface DestinationCounts {
  channel: string;
  destination: string;
  open: number;
  failed: number;
  /** Delivered in the last 24 hours. */
  delivered: number;
  /** The newest error of an open or failed delivery (codes and statuses only). */
  lastError: string | null;
  lastErrorAt: string | null;
}

export type ReplayScope =
  { kind: 'delivery'; id: string } | { kind: 'destination'; channel: string; destination: string } | { kind: 'message'; messageId: string };

/** The order key a delivery is stored with: '' (fifo), the patient key (patient; '' without one), null (none). */
export function orderKeyOf(order: FeedTarget['order'], patientKey: string | null): string | null {
  if (order === 'none') return null;
  if (order === 'fifo') return '';
  return patientKey ?? '';
}

/** The messages of one feed step that are for a destination: pure, so the rule is tested on its own. */
export function deliveriesFor(
  messages: ReadonlyArray<{ id: string; status: string; messageType: string; patientKey: string | null }>,
  targets: readonly FeedTarget[],
): Array<{ messageId: string; destination: string; orderKey: string | null }> {
  const out: Array<{ messageId: string; destination: string; orderKey: string | null }> = [];
  for (const m of messages) {
    for (const t of targets) {
      if (!t.statuses.has(m.status)) continue;
      if (t.types && !t.types.has(m.messageType)) continue;
      out.push({ messageId: m.id, destination: t.name, orderKey: orderKeyOf(t.order, m.patientKey) });
    }
  }
  return out;
}

const FINAL = ['processed', 'filtered', 'error', 'rejected', 'duplicate'];

function toRow(r: Record<string, unknown>): DeliveryRow {
  const iso = (v: unknown): string => (v instanceof Date ? v.toISOString() : String(v));
  return {
    id: String(r.id),
    messageId: String(r.message_id),
    channel: String(r.channel),
    destination: String(r.destination),
    state: r.state as DeliveryState,
    attempts: Number(r.attempts),
    nextAttemptAt: iso(r.next_attempt_at),
    controlId: (r.control_id as string | null) ?? null,
    lastError: (r.last_error as string | null) ?? null,
    detail: (r.detail as string | null) ?? null,
    replays: Number(r.replays),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
    deliveredAt: r.delivered_at == null ? null : iso(r.delivered_at),
  };
}

export class DeliveryStore {
  /** Channels whose cursor this instance has seen exist (the cursor is made once, then only read). */
  private readonly cursors = new Set<string>();

  constructor(private readonly db: Kysely<Database>) {}

  /**
   * One feed step for `channel`: at most `limit` messages. A channel without a cursor gets one at the highest id
   * of its messages received before `since` (a destination added to a running channel delivers what arrives after
   * it, not the channel's history). Returns how many messages the cursor passed (0: nothing to do, or another
   * process holds the channel).
   */
  async feed(channel: string, targets: readonly FeedTarget[], since: Date, limit = 500): Promise<number> {
    if (!this.cursors.has(channel)) {
      await sql`insert into delivery_cursors (channel, last_message_id)
                select ${channel}, coalesce(max(id), 0) from messages where channel = ${channel} and received_at < ${since}
                on conflict (channel) do nothing`.execute(this.db);
      this.cursors.add(channel);
    }
    return this.db.transaction().execute(async (trx) => {
      const cursor = await sql<{ last_message_id: string }>`
        select last_message_id from delivery_cursors where channel = ${channel} for update skip locked`.execute(trx);
      const from = cursor.rows[0]?.last_message_id;
      if (from === undefined) return 0;
      const rows = await sql<{ id: string; status: string; message_type: string; patient_key: string | null }>`
        select id, status, message_type, patient_key from messages
         where channel = ${channel} and id > ${from} order by id limit ${limit}`.execute(trx);
      const done: Array<{ id: string; status: string; messageType: string; patientKey: string | null }> = [];
      for (const r of rows.rows) {
        if (!FINAL.includes(r.status)) break;
        done.push({ id: String(r.id), status: r.status, messageType: r.message_type, patientKey: r.patient_key });
      }
      if (done.length === 0) return 0;
      const wanted = deliveriesFor(done, targets);
      if (wanted.length > 0) {
        await sql`insert into deliveries (message_id, channel, destination, order_key)
                  select w.message_id::bigint, ${channel}, w.destination, w.order_key
                    from jsonb_to_recordset(${JSON.stringify(wanted.map((w) => ({ message_id: w.messageId, destination: w.destination, order_key: w.orderKey })))}::jsonb)
                         as w(message_id text, destination text, order_key text)
                  on conflict (message_id, channel, destination) do nothing`.execute(trx);
      }
      await sql`update delivery_cursors set last_message_id = ${done[done.length - 1]!.id}, updated_at = now()
                 where channel = ${channel}`.execute(trx);
      return done.length;
    });
  }

  /** Records that a replayed message's deliveries are to be made again once it is final (see `refeed`); only for a channel with destinations. */
  async requestRefeed(messageId: string, channelsWithDestinations: readonly string[]): Promise<void> {
    if (channelsWithDestinations.length === 0) return;
    await sql`insert into delivery_refeeds (message_id, channel)
              select id, channel from messages where id = ${messageId} and channel = any(${[...channelsWithDestinations]}::text[])
              on conflict (message_id) do nothing`.execute(this.db);
  }

  /**
   * Replayed messages of `channel` that are final again: each delivery they had that is not open is reopened (attempts
   * from 0, a new control id), deliveries they now qualify for are added, and the request is removed, in one
   * transaction. Returns how many messages were handled.
   */
  async refeed(channel: string, targets: readonly FeedTarget[], limit = 100): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const rows = await sql<{ message_id: string; status: string; message_type: string; patient_key: string | null }>`
        select r.message_id, m.status, m.message_type, m.patient_key
          from delivery_refeeds r join messages m on m.id = r.message_id
         where r.channel = ${channel} and m.status in ('processed', 'filtered', 'error', 'rejected', 'duplicate')
         order by r.message_id limit ${limit}
         for update of r skip locked`.execute(trx);
      if (rows.rows.length === 0) return 0;
      const done = rows.rows.map((r) => ({
        id: String(r.message_id),
        status: r.status,
        messageType: r.message_type,
        patientKey: r.patient_key,
      }));
      const wanted = deliveriesFor(done, targets);
      if (wanted.length > 0) {
        const list = JSON.stringify(wanted.map((w) => ({ message_id: w.messageId, destination: w.destination, order_key: w.orderKey })));
        const reopened = await sql<{ message_id: string; destination: string }>`
          update deliveries d
             set state = 'open', attempts = 0, next_attempt_at = now(), control_id = null, replays = d.replays + 1,
                 order_key = w.order_key, updated_at = now()
            from jsonb_to_recordset(${list}::jsonb) as w(message_id text, destination text, order_key text)
           where d.message_id = w.message_id::bigint and d.channel = ${channel} and d.destination = w.destination and d.state <> 'open'
          returning d.message_id, d.destination`.execute(trx);
        await sql`insert into deliveries (message_id, channel, destination, order_key)
                  select w.message_id::bigint, ${channel}, w.destination, w.order_key
                    from jsonb_to_recordset(${list}::jsonb) as w(message_id text, destination text, order_key text)
                  on conflict (message_id, channel, destination) do nothing`.execute(trx);
        for (const r of reopened.rows) {
          await sql`insert into message_events (message_id, from_status, to_status, stage, detail)
                    select id, status, status, 'delivery', ${`delivery to ${r.destination} made again after the message's replay`}
                      from messages where id = ${r.message_id}`.execute(trx);
        }
      }
      await sql`delete from delivery_refeeds where message_id = any(${done.map((d) => d.id)}::bigint[])`.execute(trx);
      return done.length;
    });
  }

  /** Leases up to `limit` due deliveries of one destination (see the file's contract). */
  async takeDue(channel: string, destination: string, limit: number, leaseMs: number): Promise<DueDelivery[]> {
    if (limit <= 0) return [];
    const rows = await sql<{ id: string; message_id: string; attempts: number; control_id: string }>`
      with due as (
        select d.id from deliveries d
         where d.channel = ${channel} and d.destination = ${destination} and d.state = 'open' and d.next_attempt_at <= now()
           and not exists (
             select 1 from deliveries e
              where e.channel = d.channel and e.destination = d.destination and e.state = 'open'
                and e.order_key = d.order_key and e.message_id < d.message_id)
         order by d.message_id
         limit ${limit}
         for update of d skip locked
      )
      update deliveries d
         set attempts = d.attempts + 1,
             next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000}),
             control_id = coalesce(d.control_id, 'RXB' || d.id || case when d.replays > 0 then 'R' || d.replays else '' end),
             updated_at = now()
        from due
       where d.id = due.id
      returning d.id, d.message_id, d.attempts, d.control_id`.execute(this.db);
    return rows.rows
      .map((r) => ({
        id: String(r.id),
        messageId: String(r.message_id),
        channel,
        destination,
        attempt: Number(r.attempts),
        controlId: r.control_id,
      }))
      .sort((a, b) => Number(a.messageId) - Number(b.messageId));
  }

  /** Records an attempt's outcome; also an event on the message (stage `delivery`), shown in its timeline. */
  async settle(d: Pick<DueDelivery, 'id' | 'attempt' | 'destination'>, result: DeliverySettlement): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const set = settlementSql(result);
      const changed = await sql<{ message_id: string }>`
        update deliveries set ${set}, updated_at = now()
         where id = ${d.id} and state = 'open' and attempts = ${d.attempt}
        returning message_id`.execute(trx);
      const messageId = changed.rows[0]?.message_id;
      if (messageId === undefined) return false;
      // Retries are not events: a receiver down for hours would bury the timeline (last_error shows the latest).
      if (result.kind === 'retry') return true;
      const { code, detail } = eventOf(d.destination, result);
      await sql`insert into message_events (message_id, from_status, to_status, stage, code, detail)
                select id, status, status, 'delivery', ${code}, ${detail} from messages where id = ${messageId}`.execute(trx);
      return true;
    });
  }

  /** Every delivery of a message, by destination name. */
  async forMessage(messageId: string): Promise<DeliveryRow[]> {
    const rows = await sql<Record<string, unknown>>`
      select * from deliveries where message_id = ${messageId} order by destination`.execute(this.db);
    return rows.rows.map(toRow);
  }

  async byId(id: string): Promise<DeliveryRow | undefined> {
    if (!/^\d{1,18}$/.test(id)) return undefined;
    const rows = await sql<Record<string, unknown>>`select * from deliveries where id = ${id}`.execute(this.db);
    return rows.rows[0] ? toRow(rows.rows[0]) : undefined;
  }

  /** Dead letters of a destination, newest first. */
  async failed(channel: string, destination: string, limit = 100): Promise<DeliveryRow[]> {
    const rows = await sql<Record<string, unknown>>`
      select * from deliveries where channel = ${channel} and destination = ${destination} and state = 'failed'
       order by id desc limit ${limit}`.execute(this.db);
    return rows.rows.map(toRow);
  }

  /**
   * Per destination: open (queued or being retried) and failed counts with the newest error, read from the partial
   * indexes of open and failed rows, and the deliveries of the last 24 hours (never every delivery ever made).
   */
  async counts(): Promise<DestinationCounts[]> {
    const rows = await sql<{
      channel: string;
      destination: string;
      open: string;
      failed: string;
      delivered: string;
      last_error: string | null;
      last_error_at: Date | string | null;
    }>`
      with pending as (
        select channel, destination,
               count(*) filter (where state = 'open') as open,
               count(*) filter (where state = 'failed') as failed,
               (array_agg(last_error order by updated_at desc) filter (where last_error is not null))[1] as last_error,
               max(updated_at) filter (where last_error is not null) as last_error_at
          from deliveries where state in ('open', 'failed') group by channel, destination
      ), recent as (
        select channel, destination, count(*) as delivered
          from deliveries where state = 'delivered' and delivered_at > now() - interval '24 hours' group by channel, destination
      )
      select coalesce(p.channel, r.channel) as channel, coalesce(p.destination, r.destination) as destination,
             coalesce(p.open, 0) as open, coalesce(p.failed, 0) as failed, coalesce(r.delivered, 0) as delivered,
             p.last_error, p.last_error_at
        from pending p full join recent r on r.channel = p.channel and r.destination = p.destination
       order by 1, 2`.execute(this.db);
    return rows.rows.map((r) => ({
      channel: r.channel,
      destination: r.destination,
      open: Number(r.open),
      failed: Number(r.failed),
      delivered: Number(r.delivered),
      lastError: r.last_error,
      lastErrorAt:
        r.last_error_at == null ? null : r.last_error_at instanceof Date ? r.last_error_at.toISOString() : String(r.last_error_at),
    }));
  }

  /**
   * Puts failed deliveries back to open (attempts from 0, due now) with a new control id (a receiver that
   * de-duplicates by MSH-10 must take a replay as a new message). Returns the delivery ids replayed.
   */
  async replay(scope: ReplayScope): Promise<string[]> {
    const where =
      scope.kind === 'delivery'
        ? sql`id = ${scope.id}`
        : scope.kind === 'destination'
          ? sql`channel = ${scope.channel} and destination = ${scope.destination}`
          : sql`message_id = ${scope.messageId}`;
    return this.db.transaction().execute(async (trx) => {
      const rows = await sql<{ id: string; message_id: string; destination: string }>`
        update deliveries
           set state = 'open', attempts = 0, next_attempt_at = now(), control_id = null, replays = replays + 1,
               updated_at = now()
         where ${where} and state = 'failed'
        returning id, message_id, destination`.execute(trx);
      for (const r of rows.rows) {
        await sql`insert into message_events (message_id, from_status, to_status, stage, detail)
                  select id, status, status, 'delivery', ${`delivery to ${r.destination} replayed`} from messages where id = ${r.message_id}`.execute(
          trx,
        );
      }
      return rows.rows.map((r) => String(r.id)).sort((a, b) => Number(a) - Number(b));
    });
  }
}

function settlementSql(result: DeliverySettlement) {
  switch (result.kind) {
    case 'delivered':
      return sql`state = 'delivered', delivered_at = now(), last_error = null, detail = ${result.detail ?? null}`;
    case 'filtered':
      return sql`state = 'filtered'`;
    case 'retry':
      return sql`last_error = ${result.error.slice(0, MAX_ERROR_TEXT)},
                 next_attempt_at = now() + make_interval(secs => ${result.delayMs / 1000})`;
    case 'failed':
      return sql`state = 'failed', last_error = ${`${result.code}: ${result.error}`.slice(0, MAX_ERROR_TEXT)}`;
  }
}

/** The message event of a settlement: code and detail, never message content. */
function eventOf(destination: string, result: DeliverySettlement): { code: string | null; detail: string } {
  switch (result.kind) {
    case 'delivered':
      return { code: null, detail: `delivered to ${destination}${result.detail ? ` (${result.detail})` : ''}`.slice(0, MAX_ERROR_TEXT) };
    case 'filtered':
      return { code: null, detail: `not for ${destination} (its when condition does not hold)` };
    case 'retry':
    case 'failed':
      return {
        code: result.kind === 'failed' ? result.code : null,
        detail: `delivery to ${destination} failed for good: ${result.error}`.slice(0, MAX_ERROR_TEXT),
      };
  }
}
