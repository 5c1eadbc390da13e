/**
 * Code sets in Postgres (tables code_releases, code_entries; migration 003): the import writer and the
 * preloading that gives scrubbing its synchronous CodeSetLookup (src/billing/codesets/lookup.ts).
 *
 * importCodeRelease writes one release in one transaction: it replaces a release of the same kind and name
 * (so importing twice is idempotent and readers see the old release until the new one commits), then inserts
 * the entries as they stream in, `batchSize` rows per INSERT … SELECT FROM unnest(…) (one round trip per
 * batch, whatever the file size), and records the row count and the file's SHA-256 last. A source without a
 * single code is refused (it would empty the release). Imports of the same release are serialized by an
 * advisory lock.
 *
 * loadCodeSetLookup preloads what a scrub run needs: every release (a small table), and per requested kind
 * one query for the entries of the requested codes (or of every code, 'all', for small sets such as our CPT
 * list) in the releases that overlap the run's dates of service. Collect the codes of the claims of a run
 * first, preload once, then scrub: lookups are in-memory map reads, so 10,000 claims a second is not bounded by
 * the code sets. Asking the lookup for something not preloaded throws (see lookup.ts).
 */
import { sql, type Kysely } from 'kysely';
import {
  buildCodeSetLookup,
  normalizeCode,
  releaseOverlaps,
  type CodeSets,
  type DateRange,
  type LoadedEntry,
  type ReleaseInfo,
} from '../billing/codesets/lookup';
import { isEditKind } from '../billing/codesets/edits';
import { isCodeKind, type CodeEntry, type CodeKind, type ReleaseKind } from '../billing/codesets/types';
import type { Database } from './types';

export const DEFAULT_BATCH_SIZE = 1000;

export interface CodeReleaseImport {
  kind: CodeKind;
  name: string;
  validFrom: string | null;
  validTo: string | null;
  /** The file's base name, for `codes status`. */
  sourceFile: string;
  entries: AsyncIterable<CodeEntry> | Iterable<CodeEntry>;
  /** Read once `entries` is exhausted: the SHA-256 (hex) of the source file's bytes. */
  sha256(): string;
}

export interface ImportResult {
  releaseId: number;
  rows: number;
  /** A release of the same kind and name was there before and is gone now. */
  replaced: boolean;
}

export async function importCodeRelease(
  db: Kysely<Database>,
  input: CodeReleaseImport,
  opts: { batchSize?: number; onProgress?: (rows: number) => void } = {},
): Promise<ImportResult> {
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  return db.transaction().execute(async (trx) => {
    const { id, replaced } = await replaceRelease(trx, input);
    let rows = 0;
    let batch: CodeEntry[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      await insertEntries(trx, id, input.kind, batch);
      rows += batch.length;
      batch = [];
      opts.onProgress?.(rows);
    };
    for await (const entry of input.entries) {
      batch.push(entry);
      if (batch.length >= batchSize) await flush();
    }
    await flush();
    // An empty file must not replace a release with nothing (the transaction rolls back).
    if (rows === 0) throw new Error(`${input.sourceFile} holds no codes: nothing imported`);
    await trx.updateTable('code_releases').set({ row_count: rows, sha256: input.sha256() }).where('id', '=', id).execute();
    return { releaseId: id, rows, replaced };
  });
}

/**
 * Inside an import's transaction: takes the release's advisory lock, removes a release of the same kind and name
 * (its rows go with it) and inserts the new release row. Shared by the code-set and payer-edit imports.
 */
export async function replaceRelease(
  trx: Kysely<Database>,
  r: { kind: ReleaseKind; name: string; validFrom: string | null; validTo: string | null; sourceFile: string },
): Promise<{ id: number; replaced: boolean }> {
  await sql`select pg_advisory_xact_lock(hashtext(${`code_release|${r.kind}|${r.name}`}))`.execute(trx);
  const removed = await trx.deleteFrom('code_releases').where('kind', '=', r.kind).where('name', '=', r.name).executeTakeFirst();
  const { id } = await trx
    .insertInto('code_releases')
    .values({ kind: r.kind, name: r.name, valid_from: r.validFrom, valid_to: r.validTo, source_file: r.sourceFile })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id, replaced: Number(removed.numDeletedRows) > 0 };
}

async function insertEntries(db: Kysely<Database>, releaseId: number, kind: CodeKind, batch: readonly CodeEntry[]): Promise<void> {
  await sql`
    insert into code_entries (release_id, kind, code, valid_from, valid_to, billable, description)
    select ${releaseId}::integer, ${kind}::text, u.code, u.valid_from, u.valid_to, u.billable, u.description
    from unnest(
      ${batch.map((e) => e.code)}::text[], ${batch.map((e) => e.validFrom)}::date[], ${batch.map((e) => e.validTo)}::date[],
      ${batch.map((e) => e.billable)}::boolean[], ${batch.map((e) => e.description)}::text[]
    ) as u(code, valid_from, valid_to, billable, description)`.execute(db);
}

export interface CodeReleaseRow extends ReleaseInfo {
  rows: number;
  sourceFile: string;
  sha256: string;
}

/** Every loaded release (code sets and payer edits), by kind, then by the date it starts, then by load time. */
export async function listCodeReleases(db: Kysely<Database>): Promise<CodeReleaseRow[]> {
  const rows = await db
    .selectFrom('code_releases')
    .select(['id', 'kind', 'name', 'valid_from', 'valid_to', 'loaded_at', 'row_count', 'source_file', 'sha256'])
    .orderBy('kind')
    .orderBy(sql`valid_from nulls first`)
    .orderBy('loaded_at')
    .orderBy('id')
    .execute();
  return rows
    .filter((r) => isCodeKind(r.kind) || isEditKind(r.kind))
    .map((r) => ({
      id: r.id,
      kind: r.kind as ReleaseKind,
      name: r.name,
      validFrom: r.valid_from,
      validTo: r.valid_to,
      loadedAt: r.loaded_at instanceof Date ? r.loaded_at : new Date(String(r.loaded_at)),
      rows: r.row_count,
      sourceFile: r.source_file,
      sha256: r.sha256,
    }));
}

/** Per kind: the codes a scrub run will ask about, or 'all'. */
export type CodeSetRequest = Partial<Record<CodeKind, Iterable<string> | 'all'>>;

/**
 * Preloads the entries `request` names, in the releases overlapping `dates` (all releases without it), and
 * returns the synchronous lookup. One query for the releases, then one per requested kind.
 */
export async function loadCodeSetLookup(db: Kysely<Database>, request: CodeSetRequest, dates?: DateRange): Promise<CodeSets> {
  const releases = await listCodeReleases(db);
  const loaded: Parameters<typeof buildCodeSetLookup>[0]['loaded'] = {};
  for (const [kind, wanted] of Object.entries(request) as Array<[CodeKind, Iterable<string> | 'all']>) {
    const codes = wanted === 'all' ? 'all' : new Set([...wanted].map((c) => normalizeCode(kind, c)));
    const releaseIds = releases.filter((r) => r.kind === kind && (!dates || releaseOverlaps(r, dates))).map((r) => r.id);
    let entries: LoadedEntry[] = [];
    if (releaseIds.length > 0 && (codes === 'all' || codes.size > 0)) {
      let query = db
        .selectFrom('code_entries')
        .select(['release_id', 'code', 'valid_from', 'valid_to', 'billable'])
        .where('kind', '=', kind)
        .where('release_id', '=', sql<number>`any(${releaseIds}::integer[])`);
      if (codes !== 'all') query = query.where('code', '=', sql<string>`any(${[...codes]}::text[])`);
      entries = (await query.execute()).map((r) => ({
        releaseId: r.release_id,
        code: r.code,
        validFrom: r.valid_from,
        validTo: r.valid_to,
        billable: r.billable,
      }));
    }
    loaded[kind] = { codes, entries };
  }
  return buildCodeSetLookup({ releases, loaded, dates });
}
