/**
 * The message store: implements the pipeline's MessageStorePort on Kysely, plus the read queries the admin
 * API needs. Every status change writes a message_events row in the same transaction.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { EngineError } from '../core/errors';
import type { ChargeRecord } from '../mappings/charge';
import type {
  ClaimResult, Completion, EditedMessage, FailureRecord, InboundRecord, MessageStorePort, StoredInbound,
} from '../pipeline/ports';
import { FINAL_STATUSES, type Database, type MessageStatus, type NewCharge } from './types';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Two handles on one database. `db` commits synchronously: the raw message is durable before its ACK, and
 * operator actions (replay) are durable when answered. `pipelineDb` may commit asynchronously: everything the
 * pipeline writes (claims, charges, statuses, events) is derived from the stored raw message, and a commit lost
 * in a database crash only means the message is processed again (idempotent by source key). Any later
 * synchronous commit (a replay, a billing batch) flushes the WAL before it, so nothing built on charges can
 * outlive them.
 */
export class MessageRepository implements MessageStorePort {
  constructor(private readonly db: Kysely<Database>, private readonly pipelineDb: Kysely<Database> = db) {}

  async recordInbound(recs: readonly InboundRecord[]): Promise<StoredInbound[]> {
    if (recs.length === 0) return [];
    // One statement (one round trip, one commit) for the whole batch: ids are drawn in array order, each record
    // is checked against earlier messages for a duplicate, and its raw content is stored with it.
    const col = <K extends keyof InboundRecord>(k: K) => recs.map((r) => r[k] ?? null);
    const windowSecs = recs.map((r) => (r.status === 'received' && r.controlId !== '' ? r.duplicateWindowMs / 1000 : 0));
    const result = await sql<{ ord: string; id: string; status: 'received' | 'duplicate' | 'rejected'; duplicate_of: string | null }>`
      with input as (
        select * from unnest(
          ${col('channel')}::text[], ${col('status')}::text[], ${col('sender')}::text[], ${col('controlId')}::text[],
          ${col('messageType')}::text[], ${col('version')}::text[], ${col('processingId')}::text[],
          ${col('patientKey')}::text[], ${col('remote')}::text[], ${col('errorCode')}::text[], ${col('errorText')}::text[],
          ${col('content')}::text[], ${windowSecs}::float8[]
        ) with ordinality as t(channel, status, sender, control_id, message_type, version, processing_id,
                               patient_key, remote, error_code, error_text, content, window_secs, ord)
      ), ids as (
        select o.ord, nextval(pg_get_serial_sequence('messages', 'id')) as id
          from (select ord from input order by ord) o
      ), prior as (
        select distinct on (i.ord) i.ord, m.id
          from input i
          join messages m on m.channel = i.channel and m.sender = i.sender and m.control_id = i.control_id
         where i.window_secs > 0 and m.status not in ('rejected', 'duplicate')
           and m.received_at > now() - make_interval(secs => i.window_secs)
         order by i.ord, m.id
      ), m as (
        insert into messages (id, channel, status, sender, control_id, message_type, version, processing_id,
                              patient_key, remote, error_code, error_text, error_stage, duplicate_of, finished_at)
        select ids.id, i.channel,
               case when p.id is null then i.status else 'duplicate' end,
               i.sender, i.control_id, i.message_type, i.version, i.processing_id, i.patient_key, i.remote,
               i.error_code, i.error_text, case when i.status = 'rejected' then 'intake' end, p.id,
               case when p.id is null and i.status = 'received' then null else now() end
          from input i join ids on ids.ord = i.ord left join prior p on p.ord = i.ord
         order by i.ord
        returning id, status, duplicate_of
      ), c as (
        insert into message_contents (message_id, version, kind, content)
        select ids.id, 1, 'raw', i.content from input i join ids on ids.ord = i.ord
      )
      select ids.ord, m.id, m.status, m.duplicate_of from m join ids on ids.id = m.id order by ids.ord`.execute(this.db);
    return result.rows.map((row) => ({
      id: String(row.id), status: row.status, duplicateOf: row.duplicate_of === null ? null : String(row.duplicate_of),
    }));
  }

  async claimMany(ids: readonly string[]): Promise<Map<string, ClaimResult>> {
    // One round trip: lock the rows, look for earlier unfinished messages of the same patient outside this
    // batch, move the rest to processing with an event, and return each one's latest content.
    const result = await sql<{
      tid: string; status: MessageStatus; blocked: boolean; patient_key: string | null; id: string | null; channel: string;
      sender: string; control_id: string; message_type: string; attempts: number; content: string | null;
    }>`
      with target as (
        select id, status, patient_key from messages where id = any(${ids}::bigint[]) order by id for update
      ), flagged as (
        select t.*, exists (
          select 1 from messages e
           where t.patient_key is not null and e.patient_key = t.patient_key and e.id < t.id
             and e.status in ('received', 'processing') and not (e.id = any(${ids}::bigint[]))
        ) as blocked
        from target t
      ), upd as (
        update messages m set status = 'processing', attempts = m.attempts + 1, updated_at = now()
          from flagged f
         where m.id = f.id and f.status in ('received', 'processing') and not f.blocked
        returning m.id, m.channel, m.sender, m.control_id, m.message_type, m.attempts, f.status as prev_status
      ), ev as (
        insert into message_events (message_id, from_status, to_status, stage, detail)
        select id, prev_status, 'processing', 'begin', 'attempt ' || attempts from upd
      )
      select f.id as tid, f.status, f.blocked, f.patient_key, upd.id, upd.channel, upd.sender, upd.control_id,
             upd.message_type, upd.attempts,
             (select content from message_contents c where c.message_id = upd.id order by version desc limit 1) as content
        from flagged f left join upd on upd.id = f.id`.execute(this.pipelineDb);
    const out = new Map<string, ClaimResult>();
    for (const row of result.rows) {
      const id = String(row.tid);
      if (FINAL_STATUSES.has(row.status)) out.set(id, { kind: 'final' });
      else if (row.id === null) out.set(id, row.blocked ? { kind: 'wait', patientKey: row.patient_key } : { kind: 'final' });
      else {
        out.set(id, {
          kind: 'claimed',
          item: {
            id, channel: row.channel, status: 'processing', sender: row.sender, controlId: row.control_id,
            messageType: row.message_type, patientKey: row.patient_key, attempts: row.attempts, content: row.content ?? '',
          },
        });
      }
    }
    return out;
  }

  async completeMany(done: ReadonlyArray<Completion>): Promise<number> {
    if (done.length === 0) return 0;
    try {
      return await this.completeManyStatement(done);
    } catch (err) {
      throw refusedValue(err);
    }
  }

  async releaseClaims(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.pipelineDb.updateTable('messages').set({ attempts: sql`greatest(attempts - 1, 0)` })
      .where('id', 'in', ids as never[]).where('status', '=', 'processing').execute();
  }

  private async completeManyStatement(done: ReadonlyArray<Completion>): Promise<number> {
    const messages = done.map((d) => ({
      id: d.id, status: d.status, detail: d.status === 'filtered' ? d.reason : `${d.charges.length} charges mapped`,
    }));
    const charges = done.flatMap((d) => (d.status === 'processed' ? d.charges.map((c) => chargeRow(d.id, '', c, null)) : []));
    const result = await sql<{ inserted: string }>`
      with done as (
        select * from json_to_recordset(${JSON.stringify(messages)}::json) as d(id bigint, status text, detail text)
      ), upd as (
        update messages m set status = d.status, finished_at = now(), updated_at = now(),
               error_code = null, error_text = null, error_stage = null
          from done d
         where m.id = any(${done.map((d) => d.id)}::bigint[]) and m.id = d.id and m.status = 'processing'
        returning m.id, m.channel, d.status, d.detail
      ), ins as (
        insert into charges (message_id, channel, source_key, reversal_of, status, transaction_id, service_date,
                             patient_ref, code_system, code, modifiers, units, charge_amount, diagnoses,
                             rendering_npi, ordering_npi, ndc)
        select r.message_id, upd.channel, r.source_key, null, 'active', r.transaction_id, r.service_date::date,
               r.patient_ref, r.code_system, r.code, r.modifiers, r.units::numeric, r.charge_amount::numeric,
               r.diagnoses, r.rendering_npi, r.ordering_npi, r.ndc
          from json_populate_recordset(null::charges, ${JSON.stringify(charges)}::json) with ordinality as r
          join upd on upd.id = r.message_id
         order by r.ordinality
        on conflict (source_key) do nothing
        returning 1
      ), ev as (
        insert into message_events (message_id, from_status, to_status, stage, detail)
        select id, 'processing', status, case when status = 'filtered' then 'filter' else 'write' end, detail from upd
      )
      select (select count(*) from ins) as inserted`.execute(this.pipelineDb);
    return Number(result.rows[0]?.inserted ?? 0);
  }

  async completeWithCharges(id: string, charges: readonly ChargeRecord[]): Promise<number> {
    return this.pipelineDb.transaction().execute(async (trx) => {
      const msg = await trx.selectFrom('messages').select(['channel', 'status']).where('id', '=', id as never)
        .forUpdate().executeTakeFirst();
      if (!msg || msg.status !== 'processing') return 0;
      let inserted = 0;
      for (const charge of charges) inserted += await insertCharge(trx, id, msg.channel, charge);
      await finish(trx, id, 'processed', 'write', null, `${inserted} of ${charges.length} charges new`);
      return inserted;
    }).catch((err) => { throw refusedValue(err); });
  }

  async noteRetry(id: string, failure: FailureRecord, delayMs: number): Promise<void> {
    await this.pipelineDb.transaction().execute(async (trx) => {
      await trx.updateTable('messages')
        .set({ error_code: failure.code, error_text: failure.text, error_stage: failure.stage, updated_at: sql`now()` })
        .where('id', '=', id as never).execute();
      await addEvent(trx, id, 'processing', 'processing', failure.stage, failure.code, `retry in ${delayMs} ms: ${failure.text}`);
    });
  }

  async deadLetter(id: string, failure: FailureRecord): Promise<void> {
    await this.pipelineDb.transaction().execute(async (trx) => {
      const row = await trx.updateTable('messages')
        .set({
          status: 'error', error_code: failure.code, error_text: failure.text, error_stage: failure.stage,
          finished_at: sql`now()`, updated_at: sql`now()`,
        })
        .where('id', '=', id as never)
        .where('status', 'in', ['received', 'processing'])
        .returning('id')
        .executeTakeFirst();
      if (row) await addEvent(trx, id, 'processing', 'error', failure.stage, failure.code, failure.text);
    });
  }

  async openMessageIds(afterId: string, limit: number, olderThanMs: number): Promise<string[]> {
    const rows = await this.db.selectFrom('messages').select('id')
      .where('status', 'in', ['received', 'processing'])
      .where('id', '>', afterId as never)
      .where(sql<boolean>`updated_at < now() - make_interval(secs => ${olderThanMs / 1000})`)
      .orderBy('id').limit(limit).execute();
    return rows.map((r) => String(r.id));
  }

  /**
   * Puts a final message back to received for a replay, optionally with an edited raw message (kept as a new
   * content version; the original stays). Returns the replay number, or throws CONFLICT when the message is in flight.
   */
  async prepareReplay(id: string, edited: EditedMessage | null, actor: string): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const msg = await trx.selectFrom('messages').select(['status', 'replays']).where('id', '=', id as never)
        .forUpdate().executeTakeFirst();
      if (!msg) throw new EngineError('NOT_FOUND', `message ${id} not found`);
      if (msg.status === 'received' || msg.status === 'processing') {
        throw new EngineError('CONFLICT', `message ${id} is ${msg.status}; replay applies to finished messages`);
      }
      if (msg.status === 'duplicate') {
        throw new EngineError('CONFLICT', `message ${id} is a duplicate; replay the original message instead`);
      }
      if (edited) {
        const last = await trx.selectFrom('message_contents').select(sql<number>`max(version)`.as('v'))
          .where('message_id', '=', id as never).executeTakeFirst();
        await trx.insertInto('message_contents')
          .values({ message_id: id, version: Number(last?.v ?? 0) + 1, kind: 'edited', content: edited.content })
          .execute();
        await trx.updateTable('messages').set({ message_type: edited.messageType, patient_key: edited.patientKey })
          .where('id', '=', id as never).execute();
        // A frame rejected before its MSH could be read has no sender or control id; the edited message gives them.
        await trx.updateTable('messages').set({ sender: edited.sender, control_id: edited.controlId })
          .where('id', '=', id as never).where('control_id', '=', '').execute();
      }
      const replays = msg.replays + 1;
      await trx.updateTable('messages')
        .set({
          status: 'received', replays, attempts: 0, finished_at: null, updated_at: sql`now()`,
          error_code: null, error_text: null, error_stage: null,
        })
        .where('id', '=', id as never).execute();
      await addEvent(trx, id, msg.status, 'received', 'replay', null, edited ? 'replay with edited message' : 'replay', actor);
      return replays;
    });
  }
}

async function insertCharge(trx: Transaction<Database>, messageId: string, channel: string, c: ChargeRecord): Promise<number> {
  let reversalOf: string | null = null;
  if (c.kind === 'reversal') {
    const existing = await trx.selectFrom('charges').select('id').where('source_key', '=', c.sourceKey).executeTakeFirst();
    if (existing) return 0;
    const target = await trx.selectFrom('charges').select(['source_key', 'status'])
      .where('channel', '=', channel)
      .where('transaction_id', '=', c.reversalOfTransaction ?? '')
      .where('status', '!=', 'reversal')
      .orderBy('id').limit(1).forUpdate().executeTakeFirst();
    if (!target) {
      throw new EngineError('REVERSAL_TARGET_MISSING', 'credit line points at a transaction id with no recorded charge', { segment: 'FT1', field: 31 });
    }
    if (target.status === 'reversed') {
      throw new EngineError('CHARGE_ALREADY_REVERSED', 'credit line points at a charge already reversed', { segment: 'FT1', field: 31 });
    }
    reversalOf = target.source_key;
    await trx.updateTable('charges').set({ status: 'reversed' }).where('source_key', '=', reversalOf).execute();
  }
  const rows = await trx.insertInto('charges')
    .values(chargeRow(messageId, channel, c, reversalOf))
    .onConflict((oc) => oc.column('source_key').doNothing())
    .returning('id')
    .execute();
  return rows.length;
}

/**
 * A data or integrity error from Postgres (SQLSTATE class 22 or 23, e.g. numeric overflow) means this input
 * can never be written: it becomes a non-retryable VALUE_REJECTED_BY_STORE. pg's message names the problem
 * and the constraint, never the value. Anything else passes through (connection trouble is retryable).
 */
function refusedValue(err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && /^2[23]/.test(code)) {
    return new EngineError('VALUE_REJECTED_BY_STORE', `the store refused a value: ${(err as Error).message}`.slice(0, 300));
  }
  return err;
}

function chargeRow(messageId: string, channel: string, c: ChargeRecord, reversalOf: string | null): NewCharge {
  return {
    message_id: messageId, channel, source_key: c.sourceKey, reversal_of: reversalOf,
    status: c.kind === 'reversal' ? 'reversal' : 'active', transaction_id: c.transactionId,
    service_date: c.serviceDate, patient_ref: c.patientRef, code_system: c.codeSystem, code: c.code,
    modifiers: c.modifiers, units: c.units, charge_amount: c.chargeAmount, diagnoses: c.diagnoses,
    rendering_npi: c.renderingNpi, ordering_npi: c.orderingNpi, ndc: c.ndc,
  };
}

async function finish(trx: Transaction<Database>, id: string, to: MessageStatus, stage: string, code: string | null, detail: string): Promise<void> {
  const row = await trx.updateTable('messages')
    .set({ status: to, finished_at: sql`now()`, updated_at: sql`now()`, error_code: null, error_text: null, error_stage: null })
    .where('id', '=', id as never)
    .where('status', '=', 'processing')
    .returning('id')
    .executeTakeFirst();
  if (row) await addEvent(trx, id, 'processing', to, stage, code, detail);
}

async function addEvent(db: Db, messageId: string, from: MessageStatus | null, to: MessageStatus, stage: string | null,
  code: string | null, detail: string | null, actor: string | null = null): Promise<void> {
  await db.insertInto('message_events')
    .values({ message_id: messageId, from_status: from, to_status: to, stage, code, detail, actor })
    .execute();
}
