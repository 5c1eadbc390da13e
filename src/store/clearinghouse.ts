/**
 * The clearinghouse exchange on Postgres (docs/billing.md "Clearinghouse exchange (SFTP)"): uploading queued 837P
 * batches and 270 eligibility inquiries (a transfer names one or the other, uploaded alike) and picking up the
 * answers. The SFTP side is src/clearinghouse/sftp.ts; what a file is, answers.ts.
 *
 * Uploads: one transfer at a time, its row locked `for update skip locked` for the whole upload, so several
 * engine processes on one database never send one batch together. Before sending, the final remote name is looked
 * at: a file there of the batch's size is the one a crashed upload renamed into place (the rename is the upload's
 * last step), so the transfer is marked sent without sending it again. A failed attempt is recorded (attempts,
 * last_error, status failed) and retried after 30 s doubling to one hour, until `maxAttempts`.
 *
 * Pickup: each file of the inbound folder is downloaded and keyed by name + SHA-256 of its content. A key already
 * recorded is only moved to the archive folder (a crash came between posting and archiving). A new file is posted
 * by the poster of its kind, and its row is inserted in the posting's own transaction: posted and recorded
 * together, or neither. A file that cannot be read (or that its poster refuses) is recorded as `error` with the
 * reason and moved to the error folder (or left where it is when there is none); nothing is deleted.
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { EngineError } from '../core/errors';
import { recognizeAnswer, readTa1s, retryDelaySeconds, type AnswerKind } from '../clearinghouse/answers';
import type { ClearinghouseConfig } from '../clearinghouse/config';
import type { ClearinghouseSession } from '../clearinghouse/sftp';
import { lockClaims, moveClaim } from './claims';
import type { WithinPosting } from './claims-remittances';
import type { Database } from './types';

/** Posts one answer file; calls `within` inside its posting transaction; returns a one-line summary. */
export type AnswerPoster = (text: string, within: WithinPosting) => Promise<string>;

/** The posters by kind. A kind without one is recorded as received (nothing posted). */
export type AnswerPosters = Partial<Record<AnswerKind, AnswerPoster>>;

export interface UploadRun {
  /** The batches sent. */
  sent: string[];
  /** The 270 eligibility files sent. */
  sentInquiries: string[];
  /** The batch (or the 270 file) whose attempt failed, and its error. */
  failed: Array<{ batchId?: string; eligibilityFileId?: string; error: string }>;
}

/** What a transfer uploads: a batch or a 270 file (exactly one: migration 029's check). */
type TransferOf = { batchId: string } | { eligibilityFileId: string };

/**
 * Uploads the due transfers of `ch`, one at a time; stops at the first failure (the server is likely down for all).
 * `connect` is called once, when the first due transfer is found.
 */
export async function uploadDue(
  db: Kysely<Database>,
  ch: ClearinghouseConfig,
  connect: () => Promise<ClearinghouseSession>,
): Promise<UploadRun> {
  const run: UploadRun = { sent: [], sentInquiries: [], failed: [] };
  let session: ClearinghouseSession | undefined;
  try {
    for (;;) {
      const outcome = await db.transaction().execute(async (trx) => {
        const t = await trx
          .selectFrom('clearinghouse_transfers as t')
          .leftJoin('claim_batches as b', 'b.id', 't.batch_id')
          .leftJoin('eligibility_files as f', 'f.id', 't.eligibility_file_id')
          .select([
            't.id',
            't.batch_id',
            't.eligibility_file_id',
            't.remote_name',
            't.size',
            't.attempts',
            'b.x12 as batch_x12',
            'f.x12 as file_x12',
          ])
          .where('t.clearinghouse', '=', ch.name)
          .where('t.status', '<>', 'sent')
          .where('t.next_attempt_at', '<=', sql<Date>`now()`)
          .orderBy('t.id')
          .limit(1)
          .forUpdate('t')
          .skipLocked()
          .executeTakeFirst();
        if (!t) return undefined;
        const of: TransferOf = t.batch_id !== null ? { batchId: String(t.batch_id) } : { eligibilityFileId: String(t.eligibility_file_id) };
        const what = 'batchId' in of ? 'the batch' : 'the 270';
        try {
          session ??= await connect();
          const there = await session.size(`${ch.outboundDir.replace(/\/+$/, '')}/${t.remote_name}`);
          const content = Buffer.from(t.batch_x12 ?? t.file_x12 ?? '', 'utf8');
          if (there === undefined) await session.putAtomically(ch.outboundDir, t.remote_name, content);
          else if (there !== content.length)
            throw new EngineError(
              'CLEARINGHOUSE_TRANSFER',
              `clearinghouse ${ch.name}: ${t.remote_name} is already in ${ch.outboundDir} with another size (${there} bytes, ${what} has ${content.length}); not overwritten`,
            );
          await trx
            .updateTable('clearinghouse_transfers')
            .set({ status: 'sent', sent_at: sql`now()`, attempts: t.attempts + 1, next_attempt_at: null, updated_at: sql`now()` })
            .where('id', '=', t.id)
            .execute();
          return { of };
        } catch (err) {
          const error = err instanceof Error ? err.message : 'the upload failed';
          const attempts = t.attempts + 1;
          const retry = attempts >= ch.maxAttempts ? null : sql<Date>`now() + make_interval(secs => ${retryDelaySeconds(attempts)})`;
          await trx
            .updateTable('clearinghouse_transfers')
            .set({ status: 'failed', attempts, last_error: error, next_attempt_at: retry, updated_at: sql`now()` })
            .where('id', '=', t.id)
            .execute();
          return { of, error };
        }
      });
      if (!outcome) break;
      if (outcome.error === undefined) {
        if ('batchId' in outcome.of) run.sent.push(outcome.of.batchId);
        else run.sentInquiries.push(outcome.of.eligibilityFileId);
      } else {
        run.failed.push({ ...outcome.of, error: outcome.error });
        break;
      }
    }
  } finally {
    await session?.close();
  }
  return run;
}

/**
 * An operator's "retry now" for a batch's upload that is not sent: due at once, with a fresh `maxAttempts` budget
 * (attempts back to 0; the last error stays until the next attempt). NOT_FOUND without a transfer, CONFLICT once sent.
 */
export async function retryTransfer(db: Kysely<Database>, batchId: string): Promise<void> {
  const row = await db.selectFrom('clearinghouse_transfers').select(['id', 'status']).where('batch_id', '=', batchId).executeTakeFirst();
  if (!row) throw new EngineError('NOT_FOUND', `batch ${batchId} has no upload to a clearinghouse`);
  if (row.status === 'sent') throw new EngineError('CONFLICT', `batch ${batchId} was already uploaded`);
  await db
    .updateTable('clearinghouse_transfers')
    .set({ attempts: 0, next_attempt_at: sql`now()`, updated_at: sql`now()` })
    .where('id', '=', row.id)
    .where('status', '<>', 'sent')
    .execute();
}

export interface PickedFile {
  name: string;
  kind: AnswerKind | 'unreadable';
  outcome: 'posted' | 'received' | 'archived-again' | 'error' | 'kept';
  detail: string;
}

/** Lists, posts and archives the inbound files of `ch` (see the file comment). */
export async function pickup(
  db: Kysely<Database>,
  ch: ClearinghouseConfig,
  session: ClearinghouseSession,
  posters: AnswerPosters,
): Promise<PickedFile[]> {
  const out: PickedFile[] = [];
  const inbound = ch.inboundDir.replace(/\/+$/, '');
  const files = await session.list(inbound);
  await settleArchived(db, ch, session, new Set(files.map((f) => f.name)));
  for (const f of files) {
    const remote = `${inbound}/${f.name}`;
    const content = await session.get(remote);
    const sha256 = createHash('sha256').update(content).digest('hex');
    const key = { clearinghouse: ch.name, name: f.name, sha256 };
    const known = await db
      .selectFrom('clearinghouse_files')
      .select(['id', 'status', 'kind', 'detail'])
      .where('clearinghouse', '=', ch.name)
      .where('name', '=', f.name)
      .where('sha256', '=', sha256)
      .executeTakeFirst();
    if (known) {
      if (known.status === 'error') {
        if (ch.errorDir) await moveAway(session, remote, ch.errorDir);
        out.push({ name: f.name, kind: known.kind as AnswerKind, outcome: ch.errorDir ? 'error' : 'kept', detail: known.detail ?? '' });
      } else {
        await archive(db, session, ch, remote, String(known.id));
        out.push({ name: f.name, kind: known.kind as AnswerKind, outcome: 'archived-again', detail: known.detail ?? '' });
      }
      continue;
    }
    const text = content.toString('utf8');
    const recognized = recognizeAnswer(text);
    if (recognized.kind === 'unreadable') {
      out.push(await refuse(db, session, ch, remote, key, content.length, 'unreadable', `not read: ${recognized.reason}`));
      continue;
    }
    const kind = recognized.kind;
    const poster = posters[kind];
    if (!poster) {
      const detail = `received, no ${kind} reader configured`;
      const id = await insertFile(db, { ...key, kind, status: 'received', detail, size: content.length });
      if (id) await archive(db, session, ch, remote, id);
      out.push({ name: f.name, kind, outcome: 'received', detail });
      continue;
    }
    let summary: string;
    try {
      summary = await poster(text, async (trx) => {
        await trx
          .insertInto('clearinghouse_files')
          .values({ ...key, kind, status: 'posted', size: content.length })
          .execute();
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        // Another engine process posted it between our look and our posting: only the archiving is left.
        out.push({ name: f.name, kind, outcome: 'archived-again', detail: 'posted by another engine process' });
        continue;
      }
      if (err instanceof EngineError && !err.retryable) {
        out.push(await refuse(db, session, ch, remote, key, content.length, kind, `not posted: ${err.code}: ${err.message}`));
        continue;
      }
      throw err;
    }
    const row = await db
      .updateTable('clearinghouse_files')
      .set({ detail: summary })
      .where('clearinghouse', '=', ch.name)
      .where('name', '=', f.name)
      .where('sha256', '=', sha256)
      .returning('id')
      .executeTakeFirstOrThrow();
    await archive(db, session, ch, remote, String(row.id));
    out.push({ name: f.name, kind, outcome: 'posted', detail: summary });
  }
  return out;
}

/**
 * Rows left `posted` by a crash between the move to the archive and the row's update: a file of that name in the
 * archive folder (and none in inbound) means the move was done.
 */
async function settleArchived(db: Kysely<Database>, ch: ClearinghouseConfig, session: ClearinghouseSession, inbound: ReadonlySet<string>) {
  const stranded = await db
    .selectFrom('clearinghouse_files')
    .select(['id', 'name'])
    .where('clearinghouse', '=', ch.name)
    .where('status', '=', 'posted')
    .execute();
  for (const r of stranded) {
    if (inbound.has(r.name)) continue;
    if ((await session.size(`${ch.archiveDir.replace(/\/+$/, '')}/${r.name}`)) === undefined) continue;
    await db
      .updateTable('clearinghouse_files')
      .set({ status: 'archived', archived_at: sql`now()` })
      .where('id', '=', r.id)
      .execute();
  }
}

async function refuse(
  db: Kysely<Database>,
  session: ClearinghouseSession,
  ch: ClearinghouseConfig,
  remote: string,
  key: { clearinghouse: string; name: string; sha256: string },
  size: number,
  kind: string,
  detail: string,
): Promise<PickedFile> {
  await insertFile(db, { ...key, kind, status: 'error', detail, size });
  if (ch.errorDir) await moveAway(session, remote, ch.errorDir);
  return { name: key.name, kind: kind as AnswerKind, outcome: ch.errorDir ? 'error' : 'kept', detail };
}

async function insertFile(
  db: Kysely<Database>,
  row: { clearinghouse: string; name: string; sha256: string; kind: string; status: 'error' | 'received'; detail: string; size: number },
): Promise<string | undefined> {
  const inserted = await db
    .insertInto('clearinghouse_files')
    .values(row)
    .onConflict((oc) => oc.columns(['clearinghouse', 'name', 'sha256']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted ? String(inserted.id) : undefined;
}

/** Moves a posted file to the archive folder and says so on its row; a file already gone (another process) is fine. */
async function archive(
  db: Kysely<Database>,
  session: ClearinghouseSession,
  ch: ClearinghouseConfig,
  remote: string,
  id: string,
): Promise<void> {
  await moveAway(session, remote, ch.archiveDir);
  await db
    .updateTable('clearinghouse_files')
    .set({ status: sql`case when status = 'posted' then 'archived' else status end`, archived_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

async function moveAway(session: ClearinghouseSession, remote: string, dir: string): Promise<void> {
  try {
    await session.move(remote, dir);
  } catch (err) {
    if ((await session.size(remote)) !== undefined) throw err;
  }
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}

/**
 * The TA1 poster: each TA1 finds our batch by TA101 = its ISA13 and is recorded on it (TA104, TA105); a rejected
 * interchange (R) moves the batch's claims still `batched` to `rejected`, with the note code's meaning as reason.
 */
export function ta1Poster(db: Kysely<Database>, actor: string): AnswerPoster {
  return (text, within) => {
    const recognized = recognizeAnswer(text);
    if (recognized.kind === 'unreadable') throw new EngineError('X12_INVALID', recognized.reason);
    const ta1s = readTa1s(recognized.interchanges);
    return db.transaction().execute(async (trx) => {
      await lockClaims(trx);
      const said: string[] = [];
      for (const t of ta1s) {
        const batch = await trx
          .selectFrom('claim_batches')
          .select(['id'])
          .where('interchange_control', '=', String(t.interchangeControl))
          .orderBy('id', 'desc')
          .executeTakeFirst();
        const what = `TA1 ${t.ackCode} (${t.noteCode} ${t.meaning})`;
        if (!batch) {
          said.push(`${what} for ISA13 ${t.interchangeControl}: no batch of ours`);
          continue;
        }
        await trx
          .updateTable('claim_batches')
          .set({ ta1_ack_code: t.ackCode, ta1_note_code: t.noteCode, ta1_received_at: sql`now()` })
          .where('id', '=', batch.id)
          .execute();
        if (t.ackCode === 'R') await rejectBatch(trx, String(batch.id), actor, `the clearinghouse rejected the interchange: ${what}`);
        said.push(`${what} for batch ${batch.id}`);
      }
      await within(trx);
      return said.join('; ') || 'no TA1';
    });
  };
}

async function rejectBatch(trx: Transaction<Database>, batchId: string, actor: string, reason: string): Promise<void> {
  const claims = await trx
    .selectFrom('claims')
    .select('id')
    .where('batch_id', '=', batchId)
    .where('status', '=', 'batched')
    .forUpdate()
    .execute();
  for (const c of claims) await moveClaim(trx, String(c.id), 'batched', 'rejected', 'acknowledge', actor, reason);
}
