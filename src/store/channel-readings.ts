/**
 * Per-channel counts for metrics and alerts: open messages (received or processing), dead letters (error), and
 * when the newest message was received. Read-only, and cheap on a large `messages` table:
 * - both counts walk the (channel, status, id) index and stop at `cap` rows, so a huge backlog costs no more
 *   than `cap` index entries;
 * - the newest message is found as the highest id of each (channel, status) pair — one index probe per
 *   status — not by scanning received_at (which has no index of its own).
 */
import { sql, type Kysely } from 'kysely';
import { MESSAGE_STATUSES, type Database } from './types';

export interface ChannelCounts {
  open: number;
  deadLetters: number;
  lastReceivedAt: Date | null;
}

/** Counts above this are reported as this (a reading, not an audit). */
export const READING_CAP = 1_000_000;

export async function channelReadings(
  db: Kysely<Database>,
  channels: readonly string[],
  cap = READING_CAP,
): Promise<Map<string, ChannelCounts>> {
  const out = new Map<string, ChannelCounts>();
  for (const channel of channels) {
    const { rows } = await sql<{ open: string; dead_letters: string; last_received_at: Date | string | null }>`
      select
        (select count(*) from (select 1 from messages where channel = ${channel}
                                and status in ('received', 'processing') limit ${cap}) o) as open,
        (select count(*) from (select 1 from messages where channel = ${channel}
                                and status = 'error' limit ${cap}) d) as dead_letters,
        (select max(m.received_at) from messages m where m.id in (
           select (select max(x.id) from messages x where x.channel = ${channel} and x.status = s.status)
             from unnest(${sql.raw(`array[${MESSAGE_STATUSES.map((s) => `'${s}'`).join(', ')}]`)}::text[]) as s(status))
        ) as last_received_at`.execute(db);
    const row = rows[0];
    out.set(channel, {
      open: Number(row?.open ?? 0),
      deadLetters: Number(row?.dead_letters ?? 0),
      lastReceivedAt: row?.last_received_at ? new Date(row.last_received_at) : null,
    });
  }
  return out;
}
