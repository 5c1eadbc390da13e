/**
 * Durable progress and leases of the files that file and SFTP channel sources take in (migration 031). The
 * exactly-once rule built on it (src/sources/file-source.ts): a file's `committed` count only grows, inside the
 * same transaction as the message events of the messages it counts; a message stored but not yet counted when the
 * engine stopped is found again by its `remote` (unique per file row and message) among the messages newer than
 * `last_message_id` (or `watermark`), so it is counted, never stored a second time.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './types';

export type SourceFileStatus = 'reading' | 'stored' | 'archived' | 'error';

export interface SourceFileRow {
  id: string;
  status: SourceFileStatus;
  total: number | null;
  committed: number;
  /** Messages with an id above this one may belong to the file and not be counted yet. */
  after: string;
}

/** An event for a message newly counted: which file and line it came from. */
export interface SourceEvent {
  messageId: string;
  status: string;
  detail: string;
}

type Db = Kysely<Database>;

/**
 * Registers the file (once per channel and key) and takes its lease for `leaseMs`: free, expired or already ours.
 * Returns the row, or undefined when another engine process holds the lease.
 */
export async function leaseSourceFile(
  db: Db,
  f: { channel: string; fileKey: string; name: string; size: number; owner: string; leaseMs: number },
): Promise<SourceFileRow | undefined> {
  await sql`insert into source_files (channel, file_key, name, size, watermark)
            values (${f.channel}, ${f.fileKey}, ${f.name}, ${f.size}, (select coalesce(max(id), 0) from messages))
            on conflict (channel, file_key) do nothing`.execute(db);
  const r = await sql<{ id: string; status: SourceFileStatus; total: number | null; committed: number; after: string }>`
    update source_files
       set lease_owner = ${f.owner}, lease_until = now() + make_interval(secs => ${f.leaseMs / 1000})
     where channel = ${f.channel} and file_key = ${f.fileKey}
       and (lease_owner is null or lease_owner = ${f.owner} or lease_until < now())
    returning id, status, total, committed, coalesce(last_message_id, watermark) as after`.execute(db);
  const row = r.rows[0];
  return row ? { ...row, id: String(row.id), after: String(row.after), committed: Number(row.committed) } : undefined;
}

/** Who holds the file's lease now (undefined when nobody or the row is gone). */
export async function sourceFileHolder(db: Db, channel: string, fileKey: string): Promise<string | undefined> {
  const r = await sql<{ lease_owner: string | null }>`
    select lease_owner from source_files where channel = ${channel} and file_key = ${fileKey}`.execute(db);
  return r.rows[0]?.lease_owner ?? undefined;
}

/** Takes the lease from `from` (a holder known to be dead) if it still holds it; then leases as leaseSourceFile. */
export async function takeOverSourceFile(
  db: Db,
  f: { channel: string; fileKey: string; name: string; size: number; owner: string; leaseMs: number; from: string },
): Promise<SourceFileRow | undefined> {
  await sql`update source_files set lease_owner = null, lease_until = null
             where channel = ${f.channel} and file_key = ${f.fileKey} and lease_owner = ${f.from}`.execute(db);
  return leaseSourceFile(db, f);
}

/** Records the file's message count and envelope warnings (first read only). */
export async function setSourceFileTotal(db: Db, id: string, total: number, warnings: string[]): Promise<void> {
  await sql`update source_files set total = ${total}, warnings = ${warnings.length ? warnings.join('; ') : null}
             where id = ${id} and total is null`.execute(db);
}

/**
 * The messages of one file row stored after `after` (ids ascending): remote → id and status. Reads only the
 * messages newer than `after` (the primary key's range), so it stays cheap however large the store is.
 */
export async function storedSince(
  db: Db,
  channel: string,
  after: string,
  remotePrefix: string,
): Promise<Map<string, { id: string; status: string }>> {
  const r = await sql<{ id: string; remote: string; status: string }>`
    select id, remote, status from messages
     where id > ${after} and channel = ${channel} and starts_with(remote, ${remotePrefix})
     order by id`.execute(db);
  return new Map(r.rows.map((row) => [row.remote, { id: String(row.id), status: row.status }]));
}

/**
 * Counts messages of the file as stored (committed grows to `committed`), writes their events, and renews the lease,
 * in one transaction. Returns false (and changes nothing) when the lease is no longer ours.
 */
export async function advanceSourceFile(
  db: Db,
  p: { id: string; owner: string; leaseMs: number; committed: number; lastMessageId: string | undefined; events: SourceEvent[] },
): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const r = await sql`update source_files
         set committed = ${p.committed}, last_message_id = coalesce(${p.lastMessageId ?? null}::bigint, last_message_id),
             lease_until = now() + make_interval(secs => ${p.leaseMs / 1000})
       where id = ${p.id} and lease_owner = ${p.owner} and committed <= ${p.committed}`.execute(tx);
    if (Number(r.numAffectedRows ?? 0) !== 1) return false;
    if (p.events.length > 0) {
      await sql`insert into message_events (message_id, from_status, to_status, stage, code, detail)
                select unnest(${p.events.map((e) => e.messageId)}::bigint[]), null, unnest(${p.events.map((e) => e.status)}::text[]),
                       'intake', 'source-file', unnest(${p.events.map((e) => e.detail)}::text[])`.execute(tx);
    }
    return true;
  });
}

/** Moves the row on: every message stored, archived (file moved), or error (file moved to the error folder). */
export async function finishSourceFile(db: Db, id: string, status: 'stored' | 'archived' | 'error', error?: string): Promise<void> {
  await sql`update source_files
       set status = ${status}, error = coalesce(${error ?? null}, error),
           finished_at = case when ${status} in ('archived', 'error') then now() else finished_at end,
           lease_owner = case when ${status} in ('archived', 'error') then null else lease_owner end
     where id = ${id}`.execute(db);
}

/** Gives the lease up (the file was left for a later poll). */
export async function releaseSourceFile(db: Db, id: string, owner: string): Promise<void> {
  await sql`update source_files set lease_owner = null, lease_until = null where id = ${id} and lease_owner = ${owner}`.execute(db);
}

/** Per channel: files in progress and files taken in (archived) so far, for the channel status. */
export async function sourceFileCounts(db: Db, channel: string): Promise<{ open: number; archived: number; errors: number }> {
  const r = await sql<{ open: string; archived: string; errors: string }>`
    select count(*) filter (where status in ('reading','stored')) as open, count(*) filter (where status = 'archived') as archived,
           count(*) filter (where status = 'error') as errors
      from source_files where channel = ${channel}`.execute(db);
  const row = r.rows[0];
  return { open: Number(row?.open ?? 0), archived: Number(row?.archived ?? 0), errors: Number(row?.errors ?? 0) };
}
