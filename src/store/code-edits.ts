/**
 * Payer edit tables in Postgres (code_releases + code_edits, migration 010; src/billing/codesets/edits.ts): the
 * import writer and the preloading that gives the payer-edit scrub rules their synchronous CodeEditLookup.
 *
 * importEditRelease writes one release in one transaction, like importCodeRelease (./codesets.ts): it replaces a
 * release of the same kind and name, inserts the rows `batchSize` at a time (INSERT … SELECT FROM unnest), and
 * refuses a source without a single edit.
 *
 * loadCodeEditLookup preloads, for a scrub run, the releases of the edit kinds overlapping the run's dates and
 * from them: NCCI pairs whose two codes are both among the run's procedure codes, MUEs of those codes, MCE
 * edits of the run's diagnoses. One query for the releases, then one for the rows.
 */
import { sql, type Kysely } from 'kysely';
import { buildCodeEditLookup, type CodeEditLookup, type EditReleaseInfo, type LoadedEdit } from '../billing/codesets/edits-lookup';
import {
  isEditKind,
  type CodeEdit,
  type EditKind,
  type MceEdit,
  type ModifierIndicator,
  type MueIndicator,
} from '../billing/codesets/edits';
import { dottedIcd10cm } from '../billing/codesets/icd10cm';
import { releaseOverlaps, type DateRange } from '../billing/codesets/lookup';
import { DEFAULT_BATCH_SIZE, listCodeReleases, replaceRelease, type ImportResult } from './codesets';
import type { Database } from './types';

export interface EditReleaseImport {
  kind: EditKind;
  name: string;
  validFrom: string | null;
  validTo: string | null;
  /** The source file's base name (several, comma-separated, when one release came in parts). */
  sourceFile: string;
  edits: AsyncIterable<CodeEdit> | Iterable<CodeEdit>;
  /** Read once `edits` is exhausted: the SHA-256 (hex) of the source bytes. */
  sha256(): string;
}

export async function importEditRelease(
  db: Kysely<Database>,
  input: EditReleaseImport,
  opts: { batchSize?: number; onProgress?: (rows: number) => void } = {},
): Promise<ImportResult> {
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  return db.transaction().execute(async (trx) => {
    const { id, replaced } = await replaceRelease(trx, input);
    let rows = 0;
    let batch: CodeEdit[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      await insertEdits(trx, id, batch);
      rows += batch.length;
      batch = [];
      opts.onProgress?.(rows);
    };
    for await (const edit of input.edits) {
      if (edit.kind !== input.kind) throw new Error(`a ${edit.kind} edit in a ${input.kind} release`);
      batch.push(edit);
      if (batch.length >= batchSize) await flush();
    }
    await flush();
    if (rows === 0) throw new Error(`${input.sourceFile} holds no edits: nothing imported`);
    await trx.updateTable('code_releases').set({ row_count: rows, sha256: input.sha256() }).where('id', '=', id).execute();
    return { releaseId: id, rows, replaced };
  });
}

interface EditRow {
  code: string;
  other_code: string | null;
  indicator: string;
  max_units: number | null;
  age_from: number | null;
  age_to: number | null;
  valid_from: string | null;
  valid_to: string | null;
  rationale: string | null;
}

function toRow(e: CodeEdit): EditRow {
  const none = { other_code: null, max_units: null, age_from: null, age_to: null, valid_from: null, valid_to: null, rationale: null };
  switch (e.kind) {
    case 'ncci':
      return {
        ...none,
        code: e.column1,
        other_code: e.column2,
        indicator: e.modifierIndicator,
        valid_from: e.validFrom,
        valid_to: e.validTo,
        rationale: e.rationale,
      };
    case 'mue':
      return { ...none, code: e.code, indicator: e.indicator, max_units: e.maxUnits, rationale: e.rationale };
    case 'mce':
      return { ...none, code: e.code, indicator: e.edit, age_from: e.ageFrom, age_to: e.ageTo };
  }
}

function fromRow(kind: EditKind, r: EditRow): CodeEdit {
  switch (kind) {
    case 'ncci':
      return {
        kind,
        column1: r.code,
        column2: r.other_code ?? '',
        modifierIndicator: r.indicator as ModifierIndicator,
        validFrom: r.valid_from ?? '0001-01-01',
        validTo: r.valid_to,
        rationale: r.rationale,
      };
    case 'mue':
      return { kind, code: r.code, maxUnits: r.max_units ?? 0, indicator: r.indicator as MueIndicator, rationale: r.rationale };
    case 'mce':
      return { kind, code: r.code, edit: r.indicator as MceEdit, ageFrom: r.age_from, ageTo: r.age_to };
  }
}

async function insertEdits(db: Kysely<Database>, releaseId: number, batch: readonly CodeEdit[]): Promise<void> {
  const rows = batch.map(toRow);
  const col = <K extends keyof EditRow>(k: K) => rows.map((r) => r[k]);
  await sql`
    insert into code_edits (release_id, kind, code, other_code, indicator, max_units, age_from, age_to, valid_from, valid_to, rationale)
    select ${releaseId}::integer, ${batch[0]!.kind}::text, u.code, u.other_code, u.indicator, u.max_units, u.age_from, u.age_to,
      u.valid_from, u.valid_to, u.rationale
    from unnest(
      ${col('code')}::text[], ${col('other_code')}::text[], ${col('indicator')}::text[], ${col('max_units')}::integer[],
      ${col('age_from')}::integer[], ${col('age_to')}::integer[], ${col('valid_from')}::date[], ${col('valid_to')}::date[],
      ${col('rationale')}::text[]
    ) as u(code, other_code, indicator, max_units, age_from, age_to, valid_from, valid_to, rationale)`.execute(db);
}

/** What a scrub run bills: its procedure codes and diagnoses. */
export interface EditRequest {
  procedures: Iterable<string>;
  diagnoses: Iterable<string>;
}

export async function loadCodeEditLookup(db: Kysely<Database>, request: EditRequest, dates?: DateRange): Promise<CodeEditLookup> {
  const releases: EditReleaseInfo[] = (await listCodeReleases(db)).flatMap((r) => (isEditKind(r.kind) ? [{ ...r, kind: r.kind }] : []));
  const inRange = releases.filter((r) => !dates || releaseOverlaps(r, dates));
  const ids = (kind: EditKind) => inRange.filter((r) => r.kind === kind).map((r) => r.id);
  const procedures = [...new Set([...request.procedures].map((c) => c.trim().toUpperCase()))];
  const diagnoses = [...new Set([...request.diagnoses].map(dottedIcd10cm))];
  const loaded: LoadedEdit[] = [];
  const read = async (kind: EditKind, codes: string[], pairs: boolean) => {
    const releaseIds = ids(kind);
    if (releaseIds.length === 0 || codes.length === 0) return;
    let query = db
      .selectFrom('code_edits')
      .select(['release_id', 'code', 'other_code', 'indicator', 'max_units', 'age_from', 'age_to', 'valid_from', 'valid_to', 'rationale'])
      .where('kind', '=', kind)
      .where('release_id', '=', sql<number>`any(${releaseIds}::integer[])`)
      .where('code', '=', sql<string>`any(${codes}::text[])`);
    if (pairs) query = query.where('other_code', '=', sql<string>`any(${codes}::text[])`);
    for (const r of await query.execute()) loaded.push({ releaseId: r.release_id, edit: fromRow(kind, r) });
  };
  await read('ncci', procedures, true);
  await read('mue', procedures, false);
  await read('mce', diagnoses, false);
  return buildCodeEditLookup(releases, loaded);
}
