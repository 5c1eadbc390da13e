/**
 * The "missed charges" report (docs/billing.md "API"): messages of billable types (DFT^P03, RDS^O13, RDS^O01,
 * VXU^V04, ORU^R01) received in [since, until) that ended without a charge, each with why:
 *   error      dead letter: `error` + its error code (and the stage that failed);
 *   filtered   no route maps the type: `filtered` + the filter's reason ("no route maps VXU^V04");
 *   processed  mapped, but no charge row refers to the message: `mapped-to-no-charge`. The mappings skip
 *              historical and refused doses and non-final results on purpose; listed so a clerk can confirm each
 *              one. (A resend whose charges already existed under an earlier message is listed too: its charges
 *              belong to that earlier message.) Or mapped with a held charge (a line the mapping could not bill
 *              as it stands): `charge-held`, with the hold reasons; replaying the message after the fix
 *              releases it.
 * Messages still in flight (received, processing) are not listed: they may yet produce charges.
 * Only ids, type, control id, channel, sender, status, reason and times: never a message body, never patient data.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './types';

export const BILLABLE_MESSAGE_TYPES = ['DFT^P03', 'RDS^O13', 'RDS^O01', 'VXU^V04', 'ORU^R01'] as const;

export type MissedChargeReason = 'error' | 'filtered' | 'mapped-to-no-charge' | 'charge-held';

export interface MissedChargeRow {
  messageId: string;
  channel: string;
  sender: string;
  messageType: string;
  controlId: string;
  status: 'error' | 'filtered' | 'processed';
  reason: MissedChargeReason;
  /** Error code of a dead letter (EngineError catalogue). */
  errorCode: string | null;
  /** Stage that failed (dead letter); for filtered, the filter's reason; for charge-held, the hold reasons; else null. */
  detail: string | null;
  receivedAt: string;
  finishedAt: string | null;
}

export interface MissedChargesQuery {
  /** Inclusive lower bound on received_at (ISO date or timestamp); none = from the start. */
  since?: string;
  /** Exclusive upper bound on received_at; none = now. */
  until?: string;
  /** At most this many rows, oldest first (default 500). */
  limit?: number;
}

export const MISSED_CHARGES_DEFAULT_LIMIT = 500;

export async function missedCharges(db: Kysely<Database>, q: MissedChargesQuery = {}): Promise<MissedChargeRow[]> {
  const types = sql.join(BILLABLE_MESSAGE_TYPES.map((t) => sql.lit(t)));
  const since = q.since ? sql`and m.received_at >= ${q.since}::timestamptz` : sql``;
  const until = q.until ? sql`and m.received_at < ${q.until}::timestamptz` : sql``;
  const rows = await sql<{
    id: string;
    channel: string;
    sender: string;
    message_type: string;
    control_id: string;
    status: MissedChargeRow['status'];
    error_code: string | null;
    error_stage: string | null;
    filter_reason: string | null;
    hold_reasons: string | null;
    received_at: Date;
    finished_at: Date | null;
  }>`
    select m.id, m.channel, m.sender, m.message_type, m.control_id, m.status, m.error_code, m.error_stage,
           m.received_at, m.finished_at,
           case when m.status = 'filtered' then (
             select e.detail from message_events e
              where e.message_id = m.id and e.to_status = 'filtered' order by e.id desc limit 1
           ) end as filter_reason,
           case when m.status = 'processed' then (
             select string_agg(c.hold_reason, '; ' order by c.id) from charges c
              where c.message_id = m.id and c.status = 'held'
           ) end as hold_reasons
      from messages m
     where m.message_type in (${types})
       and (m.status in ('error', 'filtered')
            or (m.status = 'processed' and not exists (select 1 from charges c where c.message_id = m.id))
            or (m.status = 'processed' and exists (select 1 from charges c where c.message_id = m.id and c.status = 'held')))
       ${since} ${until}
     order by m.received_at, m.id
     limit ${q.limit ?? MISSED_CHARGES_DEFAULT_LIMIT}`.execute(db);
  return rows.rows.map((r) => ({
    messageId: String(r.id),
    channel: r.channel,
    sender: r.sender,
    messageType: r.message_type,
    controlId: r.control_id,
    status: r.status,
    reason: r.status === 'error' ? 'error' : r.status === 'filtered' ? 'filtered' : r.hold_reasons ? 'charge-held' : 'mapped-to-no-charge',
    errorCode: r.status === 'error' ? r.error_code : null,
    detail: r.status === 'error' ? r.error_stage : r.status === 'filtered' ? r.filter_reason : r.hold_reasons,
    receivedAt: new Date(r.received_at).toISOString(),
    finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
  }));
}
