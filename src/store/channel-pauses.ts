/**
 * Paused channels (migration 027): the store is where every engine process reads which channels must not listen,
 * at start and on each channel notice, so a pause holds across restarts and processes.
 */
import type { Kysely } from 'kysely';
import type { Database } from './types';

export interface ChannelPause {
  channel: string;
  pausedAt: Date;
  pausedBy: string;
}

/** Every paused channel, by name. */
export async function channelPauses(db: Kysely<Database>): Promise<Map<string, ChannelPause>> {
  const rows = await db.selectFrom('channel_pauses').selectAll().execute();
  return new Map(rows.map((r) => [r.channel, { channel: r.channel, pausedAt: new Date(r.paused_at), pausedBy: r.paused_by }]));
}

/** Pauses a channel; pausing a paused channel keeps its first pause (who and when). Returns whether it changed. */
export async function pauseChannel(db: Kysely<Database>, channel: string, actor: string): Promise<boolean> {
  const r = await db
    .insertInto('channel_pauses')
    .values({ channel, paused_by: actor })
    .onConflict((oc) => oc.column('channel').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Resumes a channel. Returns whether it was paused. */
export async function resumeChannel(db: Kysely<Database>, channel: string): Promise<boolean> {
  const r = await db.deleteFrom('channel_pauses').where('channel', '=', channel).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
