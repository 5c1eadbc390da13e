/**
 * The store of application ACK requests (migration 008), for src/acks delivery. takeDue leases rows with one
 * UPDATE … FOR UPDATE SKIP LOCKED, so engine processes sharing a Postgres never take the same row; every settlement
 * is also an event on the message (stage `application_ack`), shown in its timeline.
 */
import { sql, type Kysely, type UpdateObject } from 'kysely';
import type { AckSettlement, ApplicationAcksPort, DueApplicationAck } from '../acks/ports';
import type { ApplicationAckRequest } from '../hl7/ack';
import type { MshHeader } from '../hl7/peek';
import type { Database } from './types';

const MAX_ERROR_TEXT = 500;

export function applicationAcksPort(db: Kysely<Database>): ApplicationAcksPort {
  return {
    async takeDue(channels, limit, leaseMs) {
      if (channels.length === 0) return [];
      const rows = await sql<{
        message_id: string;
        channel: string;
        requested: ApplicationAckRequest;
        header: string;
        attempts: number;
        status: 'processed' | 'filtered' | 'error';
        error_code: string | null;
        error_text: string | null;
      }>`
        with due as (
          select a.message_id
            from application_acks a join messages m on m.id = a.message_id
           where a.state = 'open' and a.next_attempt_at <= now() and a.channel = any(${[...channels]}::text[])
             and m.status in ('processed', 'filtered', 'error')
           order by a.next_attempt_at, a.message_id
           limit ${limit}
           for update of a skip locked
        )
        update application_acks a
           set attempts = a.attempts + 1, next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000}), updated_at = now()
          from due, messages m
         where a.message_id = due.message_id and m.id = a.message_id
        returning a.message_id, a.channel, a.requested, a.header, a.attempts, m.status, m.error_code, m.error_text`.execute(db);
      return rows.rows
        .map((r): DueApplicationAck => ({
          messageId: String(r.message_id),
          channel: r.channel,
          requested: r.requested,
          header: JSON.parse(r.header) as MshHeader,
          attempts: r.attempts,
          outcome: { status: r.status, errorCode: r.error_code, errorText: r.error_text },
        }))
        .sort((a, b) => Number(a.messageId) - Number(b.messageId));
    },

    async settle(messageId, attempt, result) {
      await db.transaction().execute(async (trx) => {
        const changed = await trx
          .updateTable('application_acks')
          .set(settlementColumns(result))
          .where('message_id', '=', messageId)
          .where('state', '=', 'open')
          .where('attempts', '=', attempt)
          .returning('message_id')
          .executeTakeFirst();
        if (!changed) return;
        const { code, detail } = eventOf(result);
        await sql`insert into message_events (message_id, from_status, to_status, stage, code, detail)
                  select id, status, status, 'application_ack', ${code}, ${detail} from messages where id = ${messageId}`.execute(trx);
      });
    },
  };
}

function settlementColumns(result: AckSettlement): UpdateObject<Database, 'application_acks'> {
  switch (result.kind) {
    case 'sent':
      return {
        state: 'sent',
        ack_code: result.code,
        ack_control_id: result.controlId,
        sent_at: sql`now()`,
        last_error: null,
        updated_at: sql`now()`,
      };
    case 'not_needed':
      return { state: 'not_needed', updated_at: sql`now()` };
    case 'retry':
      return {
        last_error: result.error.slice(0, MAX_ERROR_TEXT),
        updated_at: sql`now()`,
        next_attempt_at: sql`now() + make_interval(secs => ${result.delayMs / 1000})`,
      };
    case 'failed':
      return { state: 'failed', last_error: result.error.slice(0, MAX_ERROR_TEXT), updated_at: sql`now()` };
  }
}

/** The message event of a settlement: code and detail, never message content. */
function eventOf(result: AckSettlement): { code: string | null; detail: string } {
  switch (result.kind) {
    case 'sent':
      return { code: result.code, detail: `application ACK ${result.code} delivered (MSH-10 ${result.controlId})` };
    case 'not_needed':
      return { code: null, detail: `no application ACK: ${result.reason}` };
    case 'retry':
      return {
        code: 'APPLICATION_ACK_NOT_DELIVERED',
        detail: `application ACK not delivered, next try in ${formatDelay(result.delayMs)}: ${result.error}`.slice(0, MAX_ERROR_TEXT),
      };
    case 'failed':
      return { code: 'APPLICATION_ACK_NOT_DELIVERED', detail: `application ACK given up: ${result.error}`.slice(0, MAX_ERROR_TEXT) };
  }
}

function formatDelay(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}
