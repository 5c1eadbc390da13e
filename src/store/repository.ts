/**
 * The message repository: the pipeline's MessagesPort (src/pipeline/ports.ts) on Kysely: intake, claim, finish,
 * retry, dead letter, replay and the open ids recovery re-queues, plus two readings the engine polls (the open
 * backlog for backpressure, a message's outcome for the synchronous ACK wait). The read queries of the admin API
 * and the console are not here: src/store/queries.ts and src/store/console-queries.ts. Every status change writes
 * a message_events row in the same statement or transaction, and a processed message's records (patients,
 * coverages, charges) are written in its finishing transaction.
 *
 * Records: patients upsert by patient_ref and coverages by (patient_ref, plan_id), where a row written from an
 * older event (`as_of`) never overwrites a newer one. Charges insert once per source key (a held charge is
 * replaced when its message is processed again); each points at its patient and at the coverage in force on its
 * date of service (lowest priority number, then newest as_of), as the store holds them once the message's own
 * patients and coverages are written. A credit line reverses the charge src/billing/claims/credits.ts matches it
 * to, or is held when none matches and the channel says so. A patient merge (ADT^A40)
 * is applied in its message's transaction (src/store/patient-merge.ts); afterwards the triggers of migration 019
 * write charges and coverages for the merged id under the surviving patient.
 */
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { asEngineError, EngineError } from '../core/errors';
import { BATCH_WORK } from '../core/turn-budget';
import { creditAmount, creditOutcome, matchCredit, unmatchedCreditReason, type CreditCandidate } from '../billing/claims/credits';
import { contentHash } from '../hl7/content-hash';
import type { ChargeRecord, CoverageRecord, MappedRecords, PatientRecord } from '../mappings/records';
import type {
  MessageOutcome,
  ClaimOptions,
  ClaimResult,
  Completion,
  EditedMessage,
  FailureRecord,
  InboundRecord,
  MessagesPort,
  StoredInbound,
} from '../pipeline/ports';
import { PLAINTEXT_BODIES, type BodyCodec } from './bodies';
import { applyMerges, describeMerges } from './patient-merge';
import { preparedSql } from './prepared';
import { nextIdOf } from './sequences';
import { ContentSearchIndex, writeWordTokens } from './content-index';
import { MessageSearchIndex, writeSearchTerms } from './search-index';
import { FINAL_STATUSES, type Database, type MessageStatus, type NewCharge, type NewCoverage, type NewPatient } from './types';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Two handles on one database. `db` commits synchronously: the raw message is durable before its ACK, and
 * operator actions (replay) are durable when answered. `pipelineDb` may commit asynchronously: everything the
 * pipeline writes (claims, charges, statuses, events) is derived from the stored raw message, and a commit lost
 * in a database crash only means the message is processed again (idempotent by source key). Any later
 * synchronous commit (a replay, a billing batch) flushes the WAL before it, so nothing built on charges can
 * outlive them.
 * `bodies` seals message bodies as they are written and opens them as they are read (encryption at rest).
 */
export class MessageRepository implements MessagesPort {
  /** The blind index of patient ids, names and Rx numbers written with each message (search-index.ts). */
  readonly search: MessageSearchIndex;
  /** The blind index of content words, written when the pipeline finishes a message (content-index.ts). */
  readonly words: ContentSearchIndex;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly pipelineDb: Kysely<Database> = db,
    readonly bodies: BodyCodec = PLAINTEXT_BODIES,
  ) {
    this.search = MessageSearchIndex.forBodies(bodies);
    this.words = ContentSearchIndex.forBodies(bodies);
  }

  async recordInbound(recs: readonly InboundRecord[]): Promise<StoredInbound[]> {
    if (recs.length === 0) return [];
    // One statement (one round trip, one commit) for the whole batch: ids are drawn in array order, each record
    // is checked against earlier messages for a duplicate, and its raw content is stored with it.
    const col = <K extends keyof InboundRecord>(k: K) => recs.map((r) => r[k] ?? null);
    const windowSecs = recs.map((r) => (r.status === 'received' && r.controlId !== '' ? r.duplicateWindowMs / 1000 : 0));
    const hashes = recs.map((r) => (r.status === 'received' ? (r.contentHash ?? contentHash(r.content)) : null));
    const sealed = recs.map((r) => this.bodies.seal(r.content));
    const tokens = recs.map((r) => this.search.tokensOf(r.content).join(' '));
    // Duplicates (docs/architecture.md "Duplicates"): `prior` reads, in the statement's snapshot, the earlier
    // messages with the record's channel, sender and control id inside its window: one stored without a content
    // hash (before hashes were kept) makes it a duplicate as it always did; one with another hash is a reused
    // control id (flagged, not a duplicate). The rest is decided by `claim`: the record claims its key (content
    // hash, channel; the hash covers MSH-3, MSH-4 and MSH-10) in inbound_keys. ON CONFLICT waits for a concurrent writer of the same key
    // (another engine process) to commit and then sees its row, which a snapshot read could not: so of two copies
    // committed at once exactly one holds the key and is received. A holder older than the record's window gives
    // the key up to it. The key's row is rewritten on every conflict, so RETURNING names the holder either way.
    // A prepared statement (prepared.ts): every value is one of its 18 array parameters, so one text serves every batch.
    const rows = await preparedSql(
      this.db,
      'rxb_record_inbound',
      sql<{
        ord: string;
        id: string;
        status: 'received' | 'duplicate' | 'rejected';
        duplicate_of: string | null;
        reused_control_id_of: string | null;
      }>`
      with input as (
        select * from unnest(
          ${col('channel')}::text[], ${col('status')}::text[], ${col('sender')}::text[], ${col('controlId')}::text[],
          ${col('messageType')}::text[], ${col('version')}::text[], ${col('processingId')}::text[],
          ${col('patientKey')}::text[], ${col('remote')}::text[], ${col('errorCode')}::text[], ${col('errorText')}::text[],
          ${sealed.map((b) => b.content)}::text[], ${sealed.map((b) => b.keyId)}::text[], ${windowSecs}::float8[],
          ${tokens}::text[], ${recs.map((r) => r.applicationAck?.requested ?? null)}::text[],
          ${recs.map((r) => (r.applicationAck ? JSON.stringify(r.applicationAck.header) : null))}::text[], ${hashes}::text[]
        ) with ordinality as t(channel, status, sender, control_id, message_type, version, processing_id,
                               patient_key, remote, error_code, error_text, content, key_id, window_secs, search_tokens,
                               app_ack, app_ack_header, content_hash, ord)
      ), ids as (
        select o.ord, ${nextIdOf('messages')} as id
          from (select ord from input order by ord) o
      ), prior as (
        select i.ord,
               min(m.id) filter (where m.content_hash is null) as unhashed_id,
               min(m.id) filter (where m.content_hash <> i.content_hash) as reused_id
          from input i
          join messages m on m.channel = i.channel and m.sender = i.sender and m.control_id = i.control_id
         where i.window_secs > 0 and m.status not in ('rejected', 'duplicate')
           and m.received_at > now() - make_interval(secs => i.window_secs)
         group by i.ord
      ), claim as (
        insert into inbound_keys as k (content_hash, channel, message_id, received_at, expires_at)
        select i.content_hash, i.channel, ids.id, now(), now() + make_interval(secs => i.window_secs)
          from input i join ids on ids.ord = i.ord left join prior p on p.ord = i.ord
         where i.window_secs > 0 and p.unhashed_id is null
         order by i.content_hash, i.channel
        on conflict (content_hash, channel) do update
           set message_id = case when k.received_at > now() - (excluded.expires_at - excluded.received_at) then k.message_id else excluded.message_id end,
               received_at = case when k.received_at > now() - (excluded.expires_at - excluded.received_at) then k.received_at else excluded.received_at end,
               expires_at = case when k.received_at > now() - (excluded.expires_at - excluded.received_at) then k.expires_at else excluded.expires_at end
        returning k.content_hash, k.channel, k.message_id
      ), decided as (
        select i.ord, ids.id, coalesce(p.unhashed_id, nullif(ck.message_id, ids.id)) as duplicate_of,
               p.reused_id
          from input i join ids on ids.ord = i.ord
          left join prior p on p.ord = i.ord
          left join claim ck on ck.content_hash = i.content_hash and ck.channel = i.channel
      ), m as (
        insert into messages (id, channel, status, sender, control_id, message_type, version, processing_id,
                              patient_key, remote, error_code, error_text, error_stage, duplicate_of, finished_at,
                              content_hash, reused_control_id_of)
        select ids.id, i.channel,
               case when d.duplicate_of is null then i.status else 'duplicate' end,
               i.sender, i.control_id, i.message_type, i.version, i.processing_id, i.patient_key, i.remote,
               i.error_code, i.error_text, case when i.status = 'rejected' then 'intake' end, d.duplicate_of,
               case when d.duplicate_of is null and i.status = 'received' then null else now() end,
               i.content_hash, case when d.duplicate_of is null then d.reused_id end
          from input i join ids on ids.ord = i.ord join decided d on d.ord = i.ord
         order by i.ord
        returning id, status, duplicate_of, reused_control_id_of, control_id
      ), c as (
        insert into message_contents (message_id, version, kind, content, key_id)
        select ids.id, 1, 'raw', i.content, i.key_id from input i join ids on ids.ord = i.ord
      ), terms as (
        insert into message_terms (message_id, tokens)
        select ids.id, string_to_array(i.search_tokens, ' ')::bigint[] from input i join ids on ids.ord = i.ord
         where i.search_tokens <> ''
      ), a as (
        insert into application_acks (message_id, channel, requested, header)
        select m.id, i.channel, i.app_ack, i.app_ack_header
          from m join ids on ids.id = m.id join input i on i.ord = ids.ord
         where m.status = 'received' and i.app_ack is not null
      ), e as (
        insert into message_events (message_id, from_status, to_status, stage, code, detail)
        select m.id, null, 'received', 'intake', 'control-id-reused',
               'control id already used by message ' || m.reused_control_id_of
                 || ' with other content inside the duplicate window: processed as a new message'
          from m where m.reused_control_id_of is not null
      )
      select ids.ord, m.id, m.status, m.duplicate_of, m.reused_control_id_of from m join ids on ids.id = m.id order by ids.ord`,
    );
    return rows.map((row) => ({
      id: String(row.id),
      status: row.status,
      duplicateOf: row.duplicate_of === null ? null : String(row.duplicate_of),
      reusedControlIdOf: row.reused_control_id_of === null ? null : String(row.reused_control_id_of),
    }));
  }

  async claimMany(ids: readonly string[], opts: ClaimOptions = {}): Promise<Map<string, ClaimResult>> {
    if (!opts.unmarked) return this.claimMarked(ids, ids);
    const read = await this.readUnmarked(ids);
    const rest = ids.filter((id) => !read.has(id));
    if (rest.length === 0) return read;
    for (const [id, result] of await this.claimMarked(rest, ids)) read.set(id, result);
    return read;
  }

  /**
   * The first attempt of messages never claimed, without a write: each `received` message with no attempt counted
   * and no earlier unfinished message of its patient outside `ids` comes back claimed (attempts 1, its latest
   * content), still `received` in the store; the completion, retry or dead letter that ends the attempt counts it.
   * Final messages come back `final`, blocked ones `wait`. Messages already claimed once (or in processing) are
   * left out of the map: they take the marked claim.
   */
  private async readUnmarked(ids: readonly string[]): Promise<Map<string, ClaimResult>> {
    const rows = await preparedSql(
      this.pipelineDb,
      'rxb_read_unmarked',
      sql<{
        id: string;
        status: MessageStatus;
        attempts: number;
        blocked: boolean;
        patient_key: string | null;
        channel: string;
        sender: string;
        control_id: string;
        message_type: string;
        content: string | null;
        key_id: string | null;
      }>`
      select m.id, m.status, m.attempts, m.patient_key, m.channel, m.sender, m.control_id, m.message_type,
             b.blocked, c.content, c.key_id
        from unnest(${ids}::bigint[]) as t(id)
        join lateral (select * from messages m where m.id = t.id) m on true
        left join lateral (
          select exists (
            select 1 from messages e
             where e.patient_key = m.patient_key and e.id < m.id and e.status in ('received', 'processing')
               and not (e.id = any(${ids}::bigint[]))
          ) as blocked
           where m.patient_key is not null and m.status = 'received' and m.attempts = 0
        ) b on true
        left join lateral (select content, key_id from message_contents c where c.message_id = m.id
                            order by version desc limit 1) c
          on m.status = 'received' and m.attempts = 0 and b.blocked is not true`,
    );
    const out = new Map<string, ClaimResult>();
    for (const row of rows) {
      const id = String(row.id);
      if (FINAL_STATUSES.has(row.status)) out.set(id, { kind: 'final' });
      else if (row.status !== 'received' || row.attempts !== 0) continue;
      else if (row.blocked) out.set(id, { kind: 'wait', patientKey: row.patient_key });
      else {
        let content: string;
        try {
          content = this.bodies.open(row.content ?? '', row.key_id);
        } catch {
          continue; // left to claimMarked, which dead-letters a body that cannot be opened (it never will be)
        }
        out.set(id, claimedItem(id, row, 'received', 1, content));
      }
    }
    return out;
  }

  /**
   * The marked claim: one round trip that locks the `targets` rows, looks for earlier unfinished messages of the same
   * patient outside `batch`, moves the rest to processing with attempts + 1 and an event, and returns each one's
   * latest content. A prepared statement (prepared.ts): targets and batch are array parameters.
   */
  private async claimMarked(targets: readonly string[], batch: readonly string[]): Promise<Map<string, ClaimResult>> {
    const rows = await preparedSql(
      this.pipelineDb,
      'rxb_claim_many',
      sql<{
        tid: string;
        status: MessageStatus;
        blocked: boolean;
        patient_key: string | null;
        id: string | null;
        channel: string;
        sender: string;
        control_id: string;
        message_type: string;
        attempts: number;
        content: string | null;
        key_id: string | null;
      }>`
      with target as (
        select id, status, patient_key from messages where id = any(${targets}::bigint[]) order by id for update
      ), flagged as (
        select t.*, exists (
          select 1 from messages e
           where t.patient_key is not null and e.patient_key = t.patient_key and e.id < t.id
             and e.status in ('received', 'processing') and not (e.id = any(${batch}::bigint[]))
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
             c.content, c.key_id
        from flagged f left join upd on upd.id = f.id
        left join lateral (select content, key_id from message_contents c where c.message_id = upd.id
                            order by version desc limit 1) c on true`,
    );
    const out = new Map<string, ClaimResult>();
    for (const row of rows) {
      const id = String(row.tid);
      if (FINAL_STATUSES.has(row.status)) out.set(id, { kind: 'final' });
      else if (row.id === null) out.set(id, row.blocked ? { kind: 'wait', patientKey: row.patient_key } : { kind: 'final' });
      else {
        let content: string;
        try {
          content = this.bodies.open(row.content ?? '', row.key_id);
        } catch (err) {
          // A body that cannot be opened (altered bytes) never will be: a dead letter, not a retry loop.
          const error = asEngineError(err);
          await this.deadLetter(id, { code: error.code, text: error.message, stage: 'parse' });
          out.set(id, { kind: 'final' });
          continue;
        }
        out.set(id, claimedItem(id, row, 'processing', row.attempts, content));
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
    await this.pipelineDb
      .updateTable('messages')
      .set({ attempts: sql`greatest(attempts - 1, 0)` })
      .where('id', 'in', ids)
      .where('status', '=', 'processing')
      .execute();
  }

  private async completeManyStatement(done: ReadonlyArray<Completion>): Promise<number> {
    const messages = done.map((d) => ({
      id: d.id,
      status: d.status,
      detail: d.status === 'filtered' ? d.reason : recordsSummary(d.records),
    }));
    const processed = done.flatMap((d) => (d.status === 'processed' ? [d] : []));
    // The content search's tokens, written with the messages they belong to (the join on upd), never at intake.
    // Made in the pipeline's shared slices (BATCH_WORK): a batch's tokens take milliseconds.
    const words: Array<{ id: string; tokens: string }> = [];
    for (const d of done) {
      await BATCH_WORK.pace();
      const tokens = d.content === undefined ? [] : this.words.tokensOf(d.content);
      if (tokens.length > 0) words.push({ id: d.id, tokens: tokens.join(' ') });
    }
    const charges = processed.flatMap((d) => d.records.charges.map((c) => chargeRow(d.id, '', c, null)));
    const patients = processed.flatMap((d) => d.records.patients.map((p) => patientRow(d.id, p)));
    const coverages = processed.flatMap((d) => d.records.coverages.map((c) => coverageRow(d.id, c)));
    // One statement: finish the messages, upsert their patients and coverages, insert their charges linked to
    // both, add the events. Records of a message no longer processing are not written (the joins on upd).
    // A statement does not see its own writes except through RETURNING: charges find this batch's patients and
    // coverages in pat/cov (cvis), and the rows it did not write (or left alone as older) in the tables. A batch
    // without patients or coverages (the usual charge feed) leaves those CTEs out and reads the tables alone.
    const live = sql`join upd on upd.id = r.message_id`;
    const replaceHeld = sql.join(REPLACED_ON_RELEASE.map((c) => sql`${sql.ref(c)} = excluded.${sql.ref(c)}`));
    const parties = patients.length > 0 || coverages.length > 0;
    const partyCtes = parties
      ? sql`
      pat as (
        ${upsertPatients(jsonRows(patients), live)}
      ), cov as (
        ${upsertCoverages(jsonRows(coverages), live)}
      ), cvis as (
        select id, patient_ref, priority, effective_date, expiration_date, as_of from cov
        union all
        select c.id, c.patient_ref, c.priority, c.effective_date, c.expiration_date, c.as_of
          from coverages c where not exists (select 1 from cov where cov.id = c.id)
      ),`
      : sql``;
    const patientId = parties
      ? sql`coalesce((select pat.id from pat where pat.patient_ref = r.patient_ref),
                     (select p.id from patients p where p.patient_ref = r.patient_ref))`
      : sql`(select p.id from patients p where p.patient_ref = r.patient_ref)`;
    // A prepared statement (prepared.ts) in two texts, with and without the party CTEs: the rows are JSON
    // parameters and the ids an array parameter, so one text serves every batch of its kind.
    // An open message is finished: `processing` (claimed), or `received` (claimed unmarked: the attempt is counted
    // here; `before` is the row as the statement found it, for the event's from-status).
    // The rows are found by primary key whatever the statistics say: `(status in (…)) is true` filters the
    // same rows as `status in (…)` but no index can answer it. Written plainly, the generic plan Postgres
    // keeps for a prepared statement (estimated on a young table) walked messages_status_id_idx instead, through
    // every dead 'processing' entry of the busy table: 8 ms to finish 3 messages under load.
    const rows = await preparedSql(
      this.pipelineDb,
      parties ? 'rxb_complete_many_parties' : 'rxb_complete_many',
      sql<{ inserted: string }>`
      with done as (
        select * from json_to_recordset(${JSON.stringify(messages)}::json) as d(id bigint, status text, detail text)
      ), upd as (
        update messages m set status = d.status, finished_at = now(), updated_at = now(),
               attempts = m.attempts + (m.status = 'received')::int,
               error_code = null, error_text = null, error_stage = null
          from done d join messages before on before.id = d.id
         where m.id = any(${done.map((d) => d.id)}::bigint[]) and m.id = d.id
           and (m.status in ('received', 'processing')) is true
        returning m.id, m.channel, d.status, d.detail, before.status as from_status
      ), ${partyCtes} ins as (
        insert into charges (message_id, channel, source_key, reversal_of, status, transaction_id, service_date,
                             patient_ref, code_system, code, modifiers, units, charge_amount, diagnoses,
                             rendering_npi, ordering_npi, ndc, ${sql.join(EXTRA_CHARGE_COLUMNS.map((c) => sql.ref(c)))},
                             patient_id, coverage_id)
        select r.message_id, upd.channel, r.source_key, null, r.status, r.transaction_id, r.service_date,
               r.patient_ref, r.code_system, r.code, r.modifiers, r.units, r.charge_amount, r.diagnoses,
               r.rendering_npi, r.ordering_npi, r.ndc, ${sql.join(EXTRA_CHARGE_COLUMNS.map((c) => sql.ref(`r.${c}`)))},
               ${patientId}, ${coverageInForce(parties ? sql`cvis` : sql`coverages`, sql`r.patient_ref`, sql`r.service_date`)}
          from json_populate_recordset(null::charges, ${jsonRows(charges)}::json) with ordinality as r ${live}
         order by r.ordinality
        on conflict (source_key) do update set ${replaceHeld} where charges.status = 'held'
        returning 1
      ), ev as (
        insert into message_events (message_id, from_status, to_status, stage, detail)
        select id, from_status, status, case when status = 'filtered' then 'filter' else 'write' end, detail from upd
      ), words as (
        insert into message_words (message_id, tokens)
        select w.id, string_to_array(w.tokens, ' ')::bigint[]
          from json_to_recordset(${JSON.stringify(words)}::json) as w(id bigint, tokens text) join upd on upd.id = w.id
        on conflict (message_id) do update set tokens = excluded.tokens, indexed_at = now()
      )
      select (select count(*) from ins) as inserted`,
    );
    return Number(rows[0]?.inserted ?? 0);
  }

  async completeWithRecords(id: string, records: MappedRecords, content?: string): Promise<number> {
    return this.pipelineDb
      .transaction()
      .execute(async (trx) => {
        const msg = await trx
          .selectFrom('messages')
          .select(['channel', 'sender', 'status'])
          .where('id', '=', id)
          .forUpdate()
          .executeTakeFirst();
        if (!msg || (msg.status !== 'processing' && msg.status !== 'received')) return 0;
        const from = msg.status;
        // Patients and coverages first, then the merges, so the charges below (separate statements) see them all.
        await writePatientsAndCoverages(trx, id, records);
        const merged = await applyMerges(trx, id, records.merges ?? []);
        let inserted = 0;
        // Charges before reversals, so a credit finds the line of its own message it names wherever that line is.
        const ordered = [...records.charges.filter((c) => c.kind !== 'reversal'), ...records.charges.filter((c) => c.kind === 'reversal')];
        const outcomes = new Map<string, string>();
        for (const charge of ordered) {
          const written = await insertCharge(trx, { id, channel: msg.channel, sender: msg.sender }, charge);
          inserted += written.inserted;
          outcomes.set(charge.sourceKey, written.outcome);
        }
        // Each line's outcome, in message order: which lines were charged, held, or reversed what (never values).
        for (const charge of records.charges) {
          await addEvent(
            trx,
            id,
            'processing',
            'processing',
            'line',
            null,
            `${lineName(charge.sourceKey)}: ${outcomes.get(charge.sourceKey) ?? 'not written'}`,
          );
        }
        const { charges, patients, coverages } = records;
        await finish(
          trx,
          id,
          from,
          'processed',
          'write',
          null,
          `${inserted} of ${charges.length} charges new, ${patients.length} patients, ${coverages.length} coverages` +
            (merged.length > 0 ? `; ${describeMerges(merged)}` : ''),
        );
        if (content !== undefined) await writeWordTokens(trx, [{ id, tokens: this.words.tokensOf(content) }]);
        return inserted;
      })
      .catch((err) => {
        throw refusedValue(err);
      });
  }

  async noteRetry(id: string, failure: FailureRecord, delayMs: number): Promise<void> {
    await this.pipelineDb.transaction().execute(async (trx) => {
      // An attempt claimed unmarked is counted now, and the message marked as claimed, as the marked claim leaves it.
      const before = await trx.selectFrom('messages').select('status').where('id', '=', id).forUpdate().executeTakeFirst();
      const unmarked = before?.status === 'received';
      await trx
        .updateTable('messages')
        .set({
          error_code: failure.code,
          error_text: failure.text,
          error_stage: failure.stage,
          updated_at: sql`now()`,
          ...(unmarked ? { status: 'processing' as const, attempts: sql`attempts + 1` } : {}),
        })
        .where('id', '=', id)
        .execute();
      const from = unmarked ? 'received' : 'processing';
      await addEvent(trx, id, from, 'processing', failure.stage, failure.code, `retry in ${delayMs} ms: ${failure.text}`);
    });
  }

  async deadLetter(id: string, failure: FailureRecord, content?: string): Promise<void> {
    await this.pipelineDb.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('messages')
        .set({
          status: 'error',
          // An attempt claimed unmarked is counted here.
          attempts: sql`attempts + (status = 'received')::int`,
          error_code: failure.code,
          error_text: failure.text,
          error_stage: failure.stage,
          finished_at: sql`now()`,
          updated_at: sql`now()`,
        })
        .where('id', '=', id)
        .where('status', 'in', ['received', 'processing'])
        .returning('id')
        .executeTakeFirst();
      if (row) await addEvent(trx, id, 'processing', 'error', failure.stage, failure.code, failure.text);
      // A dead letter is found by its words too (the ops person looks for the one that failed).
      if (row && content !== undefined) await writeWordTokens(trx, [{ id, tokens: this.words.tokensOf(content) }]);
    });
  }

  /** Messages committed but not finished (received or processing), counted up to `cap` (so a huge backlog is cheap). */
  async countOpen(cap: number): Promise<number> {
    const row = await sql<{ n: number }>`select count(*)::int as n from (
        select 1 from messages where status in ('received', 'processing') limit ${cap}) open_messages`.execute(this.db);
    return row.rows[0]?.n ?? 0;
  }

  /** A message's final outcome (processed, filtered, or dead letter with its error), or undefined while open. */
  async messageOutcome(id: string): Promise<MessageOutcome | undefined> {
    const row = await this.db.selectFrom('messages').select(['status', 'error_code', 'error_text']).where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    if (row.status === 'processed' || row.status === 'filtered') return { status: row.status };
    if (row.status === 'error')
      return { status: 'error', errorCode: row.error_code ?? 'INTERNAL', errorText: row.error_text ?? 'processing failed' };
    return undefined;
  }

  async openMessageIds(afterId: string, limit: number, olderThanMs: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('messages')
      .select('id')
      .where('status', 'in', ['received', 'processing'])
      .where('id', '>', afterId)
      .where(sql<boolean>`updated_at < now() - make_interval(secs => ${olderThanMs / 1000})`)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => String(r.id));
  }

  /**
   * Puts a final message back to received for a replay, optionally with an edited raw message (kept as a new
   * content version; the original stays). Returns the replay number, or throws CONFLICT when the message is in flight.
   */
  async prepareReplay(id: string, edited: EditedMessage | null, actor: string): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const msg = await trx.selectFrom('messages').select(['status', 'replays']).where('id', '=', id).forUpdate().executeTakeFirst();
      if (!msg) throw new EngineError('NOT_FOUND', `message ${id} not found`);
      if (msg.status === 'received' || msg.status === 'processing') {
        throw new EngineError('CONFLICT', `message ${id} is ${msg.status}; replay applies to finished messages`);
      }
      if (msg.status === 'duplicate') {
        throw new EngineError('CONFLICT', `message ${id} is a duplicate; replay the original message instead`);
      }
      const latest = await trx
        .selectFrom('message_contents')
        .select(['version', 'pruned_at'])
        .where('message_id', '=', id)
        .orderBy('version', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (!edited && latest?.pruned_at) {
        throw new EngineError('CONFLICT', `message ${id}'s body was pruned by retention; replay it with an edited raw message`);
      }
      if (edited) {
        const body = this.bodies.seal(edited.content);
        await trx
          .insertInto('message_contents')
          .values({ message_id: id, version: Number(latest?.version ?? 0) + 1, kind: 'edited', content: body.content, key_id: body.keyId })
          .execute();
        await trx
          .updateTable('messages')
          .set({ message_type: edited.messageType, patient_key: edited.patientKey })
          .where('id', '=', id)
          .execute();
        await writeSearchTerms(trx, id, this.search.tokensOf(edited.content));
        // A frame rejected before its MSH could be read has no sender or control id; the edited message gives them.
        await trx
          .updateTable('messages')
          .set({ sender: edited.sender, control_id: edited.controlId })
          .where('id', '=', id)
          .where('control_id', '=', '')
          .execute();
      }
      const replays = msg.replays + 1;
      await trx
        .updateTable('messages')
        .set({
          status: 'received',
          replays,
          attempts: 0,
          finished_at: null,
          updated_at: sql`now()`,
          error_code: null,
          error_text: null,
          error_stage: null,
        })
        .where('id', '=', id)
        .execute();
      await addEvent(trx, id, msg.status, 'received', 'replay', null, edited ? 'replay with edited message' : 'replay', actor);
      // The sender asked for an application ACK: it gets one for the replay's outcome too.
      await trx
        .updateTable('application_acks')
        .set({ state: 'open', attempts: 0, next_attempt_at: sql`now()`, last_error: null, updated_at: sql`now()` })
        .where('message_id', '=', id)
        .execute();
      return replays;
    });
  }
}

interface WritingMessage {
  id: string;
  channel: string;
  sender: string;
}

/**
 * Writes one charge record of a message; a reversal first finds the charge it reverses (src/billing/claims/credits.ts)
 * and marks it reversed. Returns the rows inserted (or a held row replaced) and the line's outcome for the events.
 */
async function insertCharge(
  trx: Transaction<Database>,
  msg: WritingMessage,
  c: ChargeRecord,
): Promise<{ inserted: number; outcome: string }> {
  let reversalOf: string | null = null;
  let outcome = c.holdReason !== undefined ? `held: ${c.holdReason}` : 'charged';
  if (c.kind === 'reversal') {
    const existing = await trx.selectFrom('charges').select('status').where('source_key', '=', c.sourceKey).executeTakeFirst();
    // Written before (a retry or replay): left alone, except a held credit, which looks for its charge again.
    if (existing && existing.status !== 'held') return { inserted: 0, outcome: 'already written' };
    const match = matchCredit({ record: c, messageId: msg.id, sender: msg.sender }, await creditCandidates(trx, msg, c));
    if (match.kind === 'missing') {
      const missing = c.reversalMissing ?? 'error';
      if (missing === 'ignore') return { inserted: 0, outcome: `dropped: ${creditOutcome(match)}` };
      if (missing === 'error') {
        if (match.why === 'not-found')
          throw new EngineError('REVERSAL_TARGET_MISSING', 'a reversal line points at a transaction id with no recorded charge');
        throw new EngineError('CHARGE_ALREADY_REVERSED', 'a reversal line points at a charge already reversed');
      }
      // A held negative charge: never claimed, listed with its reason; a replay once the charge is in matches it.
      const holdReason = unmatchedCreditReason(c, match.why);
      c = { ...c, kind: 'charge', reversalOfTransaction: null, chargeAmount: creditAmount(c.chargeAmount) ?? '0.00', holdReason };
      outcome = `held: ${holdReason}`;
    } else {
      reversalOf = match.target.sourceKey;
      if (c.chargeAmount === null) c = { ...c, chargeAmount: negate(match.target.chargeAmount) };
      await trx.updateTable('charges').set({ status: 'reversed', hold_reason: null }).where('source_key', '=', reversalOf).execute();
      outcome = creditOutcome(match);
    }
  }
  const rows = await trx
    .insertInto('charges')
    .values({
      ...chargeRow(msg.id, msg.channel, c, reversalOf),
      patient_id: sql<string | null>`(select id from patients where patient_ref = ${c.patientRef})`,
      coverage_id: coverageInForce(sql`coverages`, sql`${c.patientRef}::text`, sql`${c.serviceDate}::date`),
    })
    .onConflict((oc) =>
      oc
        .column('source_key')
        .doUpdateSet(Object.fromEntries([...REPLACED_ON_RELEASE, 'reversal_of'].map((col) => [col, sql.ref(`excluded.${col}`)])))
        .where('charges.status', '=', 'held'),
    )
    .returning('id')
    .execute();
  return { inserted: rows.length, outcome: rows.length > 0 ? outcome : 'already written' };
}

/**
 * The stored charges a credit may reverse, locked: the line of its message it names, the sender's charges on this
 * channel with the transaction id it names (charges_txn_idx), and the active charges equal on the keys it matches
 * on (amount aside; charges_patient_idx when the patient is one).
 */
async function creditCandidates(trx: Transaction<Database>, msg: WritingMessage, c: ChargeRecord): Promise<CreditCandidate[]> {
  const keys = c.reversalMatch ?? [];
  const byAttributes =
    keys.length === 0
      ? sql<boolean>`false`
      : sql<boolean>`(c.status = 'active'
    ${keys.includes('patient') ? sql`and c.patient_ref = ${c.patientRef}` : sql``}
    ${keys.includes('code') ? sql`and c.code = ${c.code}` : sql``}
    ${keys.includes('serviceDate') ? sql`and c.service_date = ${c.serviceDate}::date` : sql``})`;
  const rows = await sql<{
    id: string;
    source_key: string;
    message_id: string;
    sender: string;
    status: CreditCandidate['status'];
    transaction_id: string | null;
    patient_ref: string;
    code: string;
    service_date: string;
    charge_amount: string;
  }>`
    select c.id::text as id, c.source_key, c.message_id::text as message_id, m.sender, c.status, c.transaction_id,
           c.patient_ref, c.code, to_char(c.service_date, 'YYYY-MM-DD') as service_date, c.charge_amount::text as charge_amount
      from charges c join messages m on m.id = c.message_id
     where c.status <> 'reversal' and c.source_key <> ${c.sourceKey}
       and (c.source_key = ${c.reversalOfLine ?? null}
            or (c.channel = ${msg.channel} and c.transaction_id = ${c.reversalOfTransaction ?? null} and m.sender = ${msg.sender})
            or ${byAttributes})
     order by c.id desc
     limit 200
       for update of c`.execute(trx);
  return rows.rows.map((r) => ({
    id: r.id,
    sourceKey: r.source_key,
    messageId: r.message_id,
    sender: r.sender,
    status: r.status,
    transactionId: r.transaction_id,
    patientRef: r.patient_ref,
    code: r.code,
    serviceDate: r.service_date,
    chargeAmount: r.charge_amount,
  }));
}

/** "…|MSH-10|5|line" → "segment 5 (rule line)": which line of the message, without any value. */
function lineName(sourceKey: string): string {
  const parts = sourceKey.split('|');
  return `segment ${parts.at(-2) ?? '?'} (rule ${parts.at(-1) ?? '?'})`;
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

/** "12.50" → "-12.50" and back (numeric text from Postgres). */
function negate(amount: string): string {
  return amount.startsWith('-') ? amount.slice(1) : amount === '0' || /^0(\.0+)?$/.test(amount) ? amount : `-${amount}`;
}

/** Charge columns added by migrations 002 and 012, beyond the ones every charge had from the start. */
const EXTRA_CHARGE_COLUMNS = [
  'service_kind',
  'ndc_quantity',
  'ndc_unit',
  'rx_number',
  'fill_number',
  'days_supply',
  'daw',
  'lot',
  'vfc_eligibility',
  'place_of_service',
  'hold_reason',
  'unpriced',
] as const;

/**
 * Releasing a held charge: a charge is written once per source key, except that a held one is replaced by the
 * record a later run of the same message maps (a replay after the table was fixed): active when the cause is gone,
 * held with the current reason when it is not. Charges in any other status are never touched.
 */
const REPLACED_ON_RELEASE = [
  'message_id',
  'status',
  'hold_reason',
  'transaction_id',
  'service_date',
  'patient_ref',
  'code_system',
  'code',
  'modifiers',
  'units',
  'charge_amount',
  'diagnoses',
  'rendering_npi',
  'ordering_npi',
  'ndc',
  'service_kind',
  'ndc_quantity',
  'ndc_unit',
  'rx_number',
  'fill_number',
  'days_supply',
  'daw',
  'lot',
  'vfc_eligibility',
  'place_of_service',
  'patient_id',
  'coverage_id',
  'unpriced',
] as const;

function chargeRow(messageId: string, channel: string, c: ChargeRecord, reversalOf: string | null): NewCharge {
  // Only a reversal (insertCharge fills it from the reversed line first) or an unpriced charge (kept at 0.00,
  // marked unpriced: claim building prices it) may come without an amount.
  const unpriced = c.unpriced === true && c.kind === 'charge';
  if (c.chargeAmount === null && !unpriced) throw new EngineError('INTERNAL', 'a charge without an amount reached the store');
  return {
    message_id: messageId,
    channel,
    source_key: c.sourceKey,
    reversal_of: reversalOf,
    status: c.kind === 'reversal' ? 'reversal' : c.holdReason !== undefined ? 'held' : 'active',
    transaction_id: c.transactionId,
    service_date: c.serviceDate,
    patient_ref: c.patientRef,
    code_system: c.codeSystem,
    code: c.code,
    modifiers: c.modifiers,
    units: c.units,
    charge_amount: c.chargeAmount ?? '0.00',
    diagnoses: c.diagnoses,
    rendering_npi: c.renderingNpi,
    ordering_npi: c.orderingNpi,
    ndc: c.ndc,
    service_kind: c.serviceKind,
    ndc_quantity: c.ndcQuantity,
    ndc_unit: c.ndcUnit,
    rx_number: c.rxNumber,
    fill_number: c.fillNumber,
    days_supply: c.daysSupply,
    daw: c.daw,
    lot: c.lot,
    vfc_eligibility: c.vfcEligibility,
    place_of_service: c.placeOfService,
    hold_reason: c.kind === 'reversal' ? null : (c.holdReason ?? null),
    unpriced,
  };
}

/** Patient columns an upsert writes (all but the key and the timestamps). */
const PATIENT_COLUMNS = [
  'as_of',
  'family_name',
  'given_name',
  'middle_name',
  'birth_date',
  'sex',
  'address_line1',
  'address_line2',
  'city',
  'state',
  'postal_code',
  'phone',
  'account_number',
  'source_key',
  'message_id',
] as const satisfies ReadonlyArray<keyof NewPatient>;

function patientRow(messageId: string, p: PatientRecord): NewPatient {
  return {
    patient_ref: p.patientRef,
    as_of: p.asOf,
    family_name: p.familyName,
    given_name: p.givenName,
    middle_name: p.middleName,
    birth_date: p.birthDate,
    sex: p.sex,
    address_line1: p.addressLine1,
    address_line2: p.addressLine2,
    city: p.city,
    state: p.state,
    postal_code: p.postalCode,
    phone: p.phone,
    account_number: p.accountNumber,
    source_key: p.sourceKey,
    message_id: messageId,
  };
}

/** Coverage columns an upsert writes (all but the key and the timestamps). */
const COVERAGE_COLUMNS = [
  'as_of',
  'payer_id',
  'payer_name',
  'member_id',
  'group_number',
  'group_name',
  'plan_type',
  'relationship',
  'priority',
  'effective_date',
  'expiration_date',
  'subscriber_family_name',
  'subscriber_given_name',
  'subscriber_birth_date',
  'subscriber_sex',
  'source_key',
  'message_id',
] as const satisfies ReadonlyArray<keyof NewCoverage>;

function coverageRow(messageId: string, c: CoverageRecord): NewCoverage {
  return {
    patient_ref: c.patientRef,
    plan_id: c.planId,
    as_of: c.asOf,
    payer_id: c.payerId,
    payer_name: c.payerName,
    member_id: c.memberId,
    group_number: c.groupNumber,
    group_name: c.groupName,
    plan_type: c.planType,
    relationship: c.relationship,
    priority: c.priority,
    effective_date: c.effectiveDate,
    expiration_date: c.expirationDate,
    subscriber_family_name: c.subscriberFamilyName,
    subscriber_given_name: c.subscriberGivenName,
    subscriber_birth_date: c.subscriberBirthDate,
    subscriber_sex: c.subscriberSex,
    source_key: c.sourceKey,
    message_id: messageId,
  };
}

/**
 * An upsert of `table` rows given as a JSON array (one object per row, snake_case keys), keyed by `key`, for use
 * as a statement or a CTE; returns the written rows' id, key and `returning` columns. `gate` is joined to the
 * input as `r` (e.g. only messages still processing). Several input rows with one key collapse to the newest
 * as_of (the later one on a tie), as if applied in order; a stored row with a newer as_of is left alone (and not
 * returned). Rows are written in key order, so concurrent upserts lock in one order.
 */
function upsert(
  table: 'patients' | 'coverages',
  key: readonly string[],
  columns: readonly string[],
  rowsJson: string,
  gate: RawBuilder<unknown>,
  returning: readonly string[] = [],
): RawBuilder<unknown> {
  const keyRefs = (alias: string) => sql.join(key.map((k) => sql.ref(`${alias}.${k}`)));
  const all = [...key, ...columns];
  return sql`
    insert into ${sql.table(table)} as t (${sql.join(all.map((c) => sql.ref(c)))})
    select ${sql.join(all.map((c) => sql.ref(`r.${c}`)))}
      from (select distinct on (${keyRefs('r')}) r.*
              from json_populate_recordset(null::${sql.table(table)}, ${rowsJson}::json) with ordinality as r ${gate}
             order by ${keyRefs('r')}, r.as_of desc, r.ordinality desc) r
     order by ${keyRefs('r')}
    on conflict (${sql.join(key.map((k) => sql.ref(k)))}) do update
       set ${sql.join(columns.map((c) => sql`${sql.ref(c)} = ${sql.ref(`excluded.${c}`)}`))}, updated_at = now()
     where t.as_of <= excluded.as_of
    returning ${sql.join(['id', ...key, ...returning].map((c) => sql.ref(`t.${c}`)))}`;
}

const upsertPatients = (rowsJson: string, gate: RawBuilder<unknown>) =>
  upsert('patients', ['patient_ref'], PATIENT_COLUMNS, rowsJson, gate);

const upsertCoverages = (rowsJson: string, gate: RawBuilder<unknown>) =>
  upsert('coverages', ['patient_ref', 'plan_id'], COVERAGE_COLUMNS, rowsJson, gate, [
    'priority',
    'effective_date',
    'expiration_date',
    'as_of',
  ]);

/**
 * The id of the coverage of `patientRef` in force on `serviceDate` among `source` (coverages or a relation with
 * its id, patient_ref, priority, effective_date, expiration_date, as_of): open-ended dates count as in force;
 * lowest priority number first, then the newest as_of. Null when none is.
 */
function coverageInForce(source: RawBuilder<unknown>, patientRef: RawBuilder<unknown>, serviceDate: RawBuilder<unknown>) {
  return sql<string | null>`(
    select v.id from ${source} v
     where v.patient_ref = ${patientRef}
       and (v.effective_date is null or v.effective_date <= ${serviceDate})
       and (v.expiration_date is null or v.expiration_date >= ${serviceDate})
     order by v.priority, v.as_of desc, v.id desc
     limit 1)`;
}

/**
 * Flat rows (column -> value) as a JSON array for json_populate_recordset; null values are left out (a missing key
 * reads as null). The nulls are dropped by a loop, not a JSON.stringify replacer, which costs twice as much per row.
 */
function jsonRows(rows: readonly object[]): string {
  return JSON.stringify(
    rows.map((row) => {
      const kept: Record<string, unknown> = {};
      for (const [column, value] of Object.entries(row)) if (value !== null) kept[column] = value;
      return kept;
    }),
  );
}

/** Upserts a message's patients and coverages in one statement (the individual path). */
async function writePatientsAndCoverages(trx: Transaction<Database>, messageId: string, records: MappedRecords): Promise<void> {
  if (records.patients.length === 0 && records.coverages.length === 0) return;
  const patients = jsonRows(records.patients.map((p) => patientRow(messageId, p)));
  const coverages = jsonRows(records.coverages.map((c) => coverageRow(messageId, c)));
  await sql`
    with pat as (${upsertPatients(patients, sql``)}), cov as (${upsertCoverages(coverages, sql``)})
    select 1`.execute(trx);
}

/** The processed event's detail: counts only, never values (no PHI in events). */
function recordsSummary(r: MappedRecords): string {
  return `${r.charges.length} charges, ${r.patients.length} patients, ${r.coverages.length} coverages mapped`;
}

/** Finishes an open message locked by the caller, who read its status `from` (received when claimed unmarked). */
async function finish(
  trx: Transaction<Database>,
  id: string,
  from: MessageStatus,
  to: MessageStatus,
  stage: string,
  code: string | null,
  detail: string,
): Promise<void> {
  const row = await trx
    .updateTable('messages')
    .set({
      status: to,
      attempts: sql`attempts + (status = 'received')::int`,
      finished_at: sql`now()`,
      updated_at: sql`now()`,
      error_code: null,
      error_text: null,
      error_stage: null,
    })
    .where('id', '=', id)
    .where('status', 'in', ['received', 'processing'])
    .returning('id')
    .executeTakeFirst();
  if (row) await addEvent(trx, id, from, to, stage, code, detail);
}

/** A claim's work item from a claim statement's row. */
function claimedItem(
  id: string,
  row: { channel: string; sender: string; control_id: string; message_type: string; patient_key: string | null },
  status: 'received' | 'processing',
  attempts: number,
  content: string,
): ClaimResult {
  return {
    kind: 'claimed',
    item: {
      id,
      channel: row.channel,
      status,
      sender: row.sender,
      controlId: row.control_id,
      messageType: row.message_type,
      patientKey: row.patient_key,
      attempts,
      content,
    },
  };
}

async function addEvent(
  db: Db,
  messageId: string,
  from: MessageStatus | null,
  to: MessageStatus,
  stage: string | null,
  code: string | null,
  detail: string | null,
  actor: string | null = null,
): Promise<void> {
  await db
    .insertInto('message_events')
    .values({ message_id: messageId, from_status: from, to_status: to, stage, code, detail, actor })
    .execute();
}
