/**
 * Read queries for the admin API and the CLI. Lists are keyset-paginated by id (newest first):
 * pass the last id seen as `before` to get the next page. Message searches by patient or Rx number match
 * the blind index (search-index.ts): the caller passes the tokens of the term, never the term.
 */
import { sql, type Kysely } from 'kysely';
import { asEngineError } from '../core/errors';
import { PLAINTEXT_BODIES, type BodyCodec } from './bodies';
import type { Database, MessageStatus } from './types';

export interface MessageFilter {
  channel?: string;
  status?: MessageStatus;
  type?: string;
  controlId?: string;
  errorCode?: string;
  /** received_at >= from */
  from?: Date;
  /** received_at < to */
  to?: Date;
  /** Tokens of a patient search (MessageSearchIndex.patientTokens): a message matches when it has any. */
  patientTokens?: string[];
  /** Tokens of an Rx number search (MessageSearchIndex.rxTokens). */
  rxTokens?: string[];
  /**
   * Tokens of a content search (ContentSearchIndex.queryTokens): one list per key; a message matches when its
   * message_words hold every token of one list. An empty outer list matches nothing.
   */
  contentTokens?: string[][];
  /** Newest first by id (default, paged with `before`), or by a column (paged with `cursor`). */
  sort?: MessageSort;
  /** Direction of `sort` (default desc); without `sort` the list is always newest first. */
  dir?: 'asc' | 'desc';
  before?: string;
  /** The position after which the next page of a sorted list starts (the `next` of the previous page). */
  cursor?: MessageCursor;
  limit: number;
}

/** The columns the message list sorts by (received time, then id, breaks ties; the others too). */
export const MESSAGE_SORTS = ['received', 'type', 'status', 'channel'] as const;
export type MessageSort = (typeof MESSAGE_SORTS)[number];

/** Where a sorted page ended: the sort column's value (as text) and the id of the last row. */
export interface MessageCursor {
  value: string;
  id: string;
}

/**
 * The sort keys. Received time is compared to the millisecond, the precision a cursor carries (a JavaScript Date):
 * at the database's microseconds, rows sharing a millisecond could be skipped or repeated between pages.
 */
const SORT_COLUMN = {
  received: sql`date_trunc('milliseconds', received_at)`,
  type: sql`coalesce(message_type, '')`,
  status: sql`status`,
  channel: sql`channel`,
} as const;

/** The cursor of the row a sorted page ended with. */
export function messageCursorOf(
  row: { id: unknown; received_at: unknown; message_type: unknown; status: unknown; channel: unknown },
  sort: MessageSort,
): MessageCursor {
  const value =
    sort === 'received'
      ? row.received_at instanceof Date
        ? row.received_at.toISOString()
        : String(row.received_at)
      : sort === 'type'
        ? String(row.message_type ?? '')
        : String(sort === 'status' ? row.status : row.channel);
  return { value, id: String(row.id) };
}

const SUMMARY_COLUMNS = [
  'id',
  'channel',
  'status',
  'sender',
  'control_id',
  'message_type',
  'version',
  'received_at',
  'finished_at',
  'attempts',
  'replays',
  'error_code',
  'error_text',
  'error_stage',
  'duplicate_of',
  'reused_control_id_of',
] as const;

export async function listMessages(db: Kysely<Database>, f: MessageFilter) {
  let q = db.selectFrom('messages').select(SUMMARY_COLUMNS).limit(f.limit);
  if (f.sort) {
    // Keyset paging on (column, id): a page starts after the last row of the previous one, in either direction.
    const col = SORT_COLUMN[f.sort];
    const dir = f.dir === 'asc' ? sql`asc` : sql`desc`;
    q = q.orderBy(sql`${col} ${dir}`).orderBy(sql`id ${dir}`);
    if (f.cursor) {
      const value = f.sort === 'received' ? sql`${f.cursor.value}::timestamptz` : sql`${f.cursor.value}`;
      const op = f.dir === 'asc' ? sql`>` : sql`<`;
      q = q.where(sql<boolean>`(${col}, id) ${op} (${value}, ${f.cursor.id}::bigint)`);
    }
  } else q = q.orderBy('id', 'desc');
  if (f.channel) q = q.where('channel', '=', f.channel);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.type) q = q.where('message_type', '=', f.type);
  if (f.controlId) q = q.where('control_id', '=', f.controlId);
  if (f.errorCode) q = q.where('error_code', '=', f.errorCode);
  if (f.from) q = q.where('received_at', '>=', f.from);
  if (f.to) q = q.where('received_at', '<', f.to);
  if (f.patientTokens)
    q = q.where(sql<boolean>`id in (select t.message_id from message_terms t where t.tokens && ${f.patientTokens}::bigint[])`);
  if (f.rxTokens) q = q.where(sql<boolean>`id in (select t.message_id from message_terms t where t.tokens && ${f.rxTokens}::bigint[])`);
  if (f.contentTokens) {
    const lists = f.contentTokens.map((t) => sql`w.tokens @> ${t}::bigint[]`);
    const any = lists.length > 0 ? sql.join(lists, sql` or `) : sql`false`;
    q = q.where(sql<boolean>`id in (select w.message_id from message_words w where ${any})`);
  }
  if (f.before) q = q.where('id', '<', f.before);
  return q.execute();
}

/**
 * A message with its content versions (opened: plain text whatever the store holds), events and charges.
 * A version pruned by retention has content null and pruned_at set; one that cannot be opened has content null
 * and error BODY_UNREADABLE. `raw` is the latest version's text ('' when it is pruned or unreadable).
 */
export async function getMessageDetail(db: Kysely<Database>, id: string, bodies: BodyCodec = PLAINTEXT_BODIES) {
  const message = await db
    .selectFrom('messages')
    .select([...SUMMARY_COLUMNS, 'processing_id', 'remote'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!message) return undefined;
  const [contents, events, charges, applicationAck, deliveries] = await Promise.all([
    db
      .selectFrom('message_contents')
      .select(['version', 'kind', 'content', 'key_id', 'pruned_at', 'created_at'])
      .where('message_id', '=', id)
      .orderBy('version')
      .execute(),
    db
      .selectFrom('message_events')
      .select(['at', 'from_status', 'to_status', 'stage', 'code', 'detail', 'actor'])
      .where('message_id', '=', id)
      .orderBy('id')
      .execute(),
    db.selectFrom('charges').selectAll().where('message_id', '=', id).orderBy('id').execute(),
    // The application ACK the sender asked for (enhanced mode, MSH-16), if any; the inbound header stays in the store.
    db
      .selectFrom('application_acks')
      .select(['requested', 'state', 'attempts', 'next_attempt_at', 'ack_code', 'ack_control_id', 'last_error', 'sent_at'])
      .where('message_id', '=', id)
      .executeTakeFirst(),
    // Its deliveries to the channel's destinations (migration 030): states and errors, no payload.
    db
      .selectFrom('deliveries')
      .select([
        'id',
        'destination',
        'state',
        'attempts',
        'next_attempt_at',
        'control_id',
        'last_error',
        'detail',
        'replays',
        'updated_at',
        'delivered_at',
      ])
      .where('message_id', '=', id)
      .orderBy('destination')
      .execute(),
  ]);
  const opened = contents.map((c) => {
    try {
      return { ...c, content: bodies.openNullable(c.content, c.key_id) };
    } catch (err) {
      return { ...c, content: null, error: asEngineError(err).code };
    }
  });
  const latest = opened[opened.length - 1];
  return { ...message, raw: latest?.content ?? '', contents: opened, events, charges, applicationAck: applicationAck ?? null, deliveries };
}

export interface ChargeFilter {
  status?: 'active' | 'reversed' | 'reversal' | 'held';
  patient?: string;
  channel?: string;
  messageId?: string;
  before?: string;
  limit: number;
}

export async function listCharges(db: Kysely<Database>, f: ChargeFilter) {
  let q = db.selectFrom('charges').selectAll().orderBy('id', 'desc').limit(f.limit);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.patient) q = q.where('patient_ref', '=', f.patient);
  if (f.channel) q = q.where('channel', '=', f.channel);
  if (f.messageId) q = q.where('message_id', '=', f.messageId);
  if (f.before) q = q.where('id', '<', f.before);
  return q.execute();
}

export interface PatientFilter {
  before?: string;
  limit: number;
}

export async function listPatients(db: Kysely<Database>, f: PatientFilter) {
  let q = db.selectFrom('patients').selectAll().orderBy('id', 'desc').limit(f.limit);
  if (f.before) q = q.where('id', '<', f.before);
  return q.execute();
}

/** A patient by patient_ref with its coverages (primary first, then by plan), or undefined when none is stored. */
export async function getPatient(db: Kysely<Database>, patientRef: string) {
  const [patient, coverages] = await Promise.all([
    db.selectFrom('patients').selectAll().where('patient_ref', '=', patientRef).executeTakeFirst(),
    db.selectFrom('coverages').selectAll().where('patient_ref', '=', patientRef).orderBy('priority').orderBy('plan_id').execute(),
  ]);
  if (!patient && coverages.length === 0) return undefined;
  return { patientRef, patient: patient ?? null, coverages };
}

/** Message counts per channel and status. */
export async function countsByChannel(db: Kysely<Database>): Promise<Map<string, Record<string, number>>> {
  const rows = await db
    .selectFrom('messages')
    .select(['channel', 'status', sql<string>`count(*)`.as('n')])
    .groupBy(['channel', 'status'])
    .execute();
  const out = new Map<string, Record<string, number>>();
  for (const r of rows) {
    const counts = out.get(r.channel) ?? {};
    counts[r.status] = Number(r.n);
    out.set(r.channel, counts);
  }
  return out;
}
