/**
 * Imported providers in Postgres (table providers; migration 009): the import writer, the loading a claim build
 * needs, and the listing of `rxbridge providers list|status`. Decisions about providers are the pure modules'
 * (src/billing/providers: the file layouts, the directory that merges billing.yaml with these rows).
 *
 * importProviders upserts the records of one file in one transaction (a failure leaves the table as it was),
 * `batchSize` rows per INSERT … SELECT FROM unnest(…) … ON CONFLICT: re-importing a file changes nothing and
 * says so (unchanged), a later file updates what changed. A record that only reports a deactivation (NPPES
 * publishes deactivated NPIs as NPI + date) keeps the name already known. Imports are serialized by an
 * advisory lock.
 */
import { sql, type Kysely } from 'kysely';
import type { ImportedProvider } from '../billing/providers/directory';
import type { ProviderRecord } from '../billing/providers/provider-file';
import type { Database } from './types';

export const DEFAULT_PROVIDER_BATCH_SIZE = 1000;

export interface ProviderImport {
  /** The file's base name, kept on each row. */
  sourceFile: string;
  records: AsyncIterable<ProviderRecord> | Iterable<ProviderRecord>;
}

export interface ProviderImportResult {
  /** Records written: new NPIs, NPIs whose data changed, NPIs already as the file says. */
  inserted: number;
  updated: number;
  unchanged: number;
  /** Records for an NPI the file had already given (the later one counts). */
  repeated: number;
}

/** A record without a name keeps the names (and taxonomy) already stored: it only reports a deactivation. */
const STUB = sql`(excluded.family_name is null and excluded.organization_name is null)`;
const keep = (column: string) => sql`case when ${STUB} then providers.${sql.ref(column)} else excluded.${sql.ref(column)} end`;
const KEPT = ['entity_type', 'family_name', 'given_name', 'organization_name', 'taxonomy'] as const;

export async function importProviders(
  db: Kysely<Database>,
  input: ProviderImport,
  opts: { batchSize?: number; onProgress?: (records: number) => void } = {},
): Promise<ProviderImportResult> {
  const batchSize = opts.batchSize ?? DEFAULT_PROVIDER_BATCH_SIZE;
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('providers|import'))`.execute(trx);
    const result: ProviderImportResult = { inserted: 0, updated: 0, unchanged: 0, repeated: 0 };
    const seen = new Set<number>(); // NPIs as numbers: a full NPPES file has millions
    let batch = new Map<string, ProviderRecord>();
    let written = 0;
    const flush = async () => {
      if (batch.size === 0) return;
      const rows = [...batch.values()];
      const changed = await upsert(trx, input.sourceFile, rows);
      result.inserted += changed.inserted;
      result.updated += changed.updated;
      result.unchanged += rows.length - changed.inserted - changed.updated;
      written += rows.length;
      batch = new Map();
      opts.onProgress?.(written);
    };
    for await (const record of input.records) {
      // The later record of an NPI wins: within a batch it replaces the earlier one, across batches it updates it.
      if (seen.has(Number(record.npi))) result.repeated++;
      seen.add(Number(record.npi));
      batch.set(record.npi, record);
      if (batch.size >= batchSize) await flush();
    }
    await flush();
    return result;
  });
}

async function upsert(
  db: Kysely<Database>,
  sourceFile: string,
  rows: readonly ProviderRecord[],
): Promise<{ inserted: number; updated: number }> {
  const col = <T>(pick: (r: ProviderRecord) => T | undefined) => rows.map((r) => pick(r) ?? null);
  const set = KEPT.map((c) => sql`${sql.ref(c)} = ${keep(c)}`);
  const result = await sql<{ inserted: boolean }>`
    insert into providers (npi, entity_type, family_name, given_name, organization_name, taxonomy, deactivated_on, reactivated_on,
                           source_file, source_line)
    select u.npi, u.entity_type, u.family_name, u.given_name, u.organization_name, u.taxonomy, u.deactivated_on, u.reactivated_on,
           ${sourceFile}::text, u.source_line
      from unnest(
        ${col((r) => r.npi)}::text[], ${col((r) => r.entityType)}::text[], ${col((r) => r.familyName)}::text[],
        ${col((r) => r.givenName)}::text[], ${col((r) => r.organizationName)}::text[], ${col((r) => r.taxonomy)}::text[],
        ${col((r) => r.deactivatedOn)}::date[], ${col((r) => r.reactivatedOn)}::date[], ${col((r) => r.line)}::integer[]
      ) as u(npi, entity_type, family_name, given_name, organization_name, taxonomy, deactivated_on, reactivated_on, source_line)
    on conflict (npi) do update set
      ${sql.join(set)}, deactivated_on = excluded.deactivated_on, reactivated_on = excluded.reactivated_on,
      source_file = excluded.source_file, source_line = excluded.source_line, imported_at = now()
    where (${sql.join(KEPT.map((c) => sql`providers.${sql.ref(c)}`))}, providers.deactivated_on, providers.reactivated_on)
      is distinct from (${sql.join(KEPT.map((c) => keep(c)))}, excluded.deactivated_on, excluded.reactivated_on)
    returning (xmax = 0) as inserted`.execute(db);
  const inserted = result.rows.filter((r) => r.inserted).length;
  return { inserted, updated: result.rows.length - inserted };
}

/** The imported providers among `npis` (a claim build asks for the NPIs its charges name). */
export async function loadImportedProviders(db: Kysely<Database>, npis: Iterable<string>): Promise<Map<string, ImportedProvider>> {
  const wanted = [...new Set(npis)];
  if (wanted.length === 0) return new Map();
  const rows = await db
    .selectFrom('providers')
    .selectAll()
    .where('npi', '=', sql<string>`any(${wanted}::text[])`)
    .execute();
  return new Map(rows.map((r) => [r.npi, importedProviderOf(r)]));
}

/** The imported providers the charges name as rendering or ordering provider. */
export function loadProvidersForCharges(
  db: Kysely<Database>,
  charges: Iterable<{ renderingNpi: string | null; orderingNpi: string | null }>,
): Promise<Map<string, ImportedProvider>> {
  const npis: string[] = [];
  for (const c of charges) for (const npi of [c.renderingNpi, c.orderingNpi]) if (npi) npis.push(npi);
  return loadImportedProviders(db, npis);
}

export interface ProviderListRow extends ImportedProvider {
  entityType?: '1' | '2';
  sourceFile: string;
  sourceLine: number;
  importedAt: Date;
}

/** Imported providers in NPI order, `limit` from after `after`. */
export async function listProviders(db: Kysely<Database>, opts: { limit: number; after?: string }): Promise<ProviderListRow[]> {
  let q = db.selectFrom('providers').selectAll().orderBy('npi').limit(opts.limit);
  if (opts.after) q = q.where('npi', '>', opts.after);
  return (await q.execute()).map((r) => ({
    ...importedProviderOf(r),
    ...(r.entity_type ? { entityType: r.entity_type } : {}),
    sourceFile: r.source_file,
    sourceLine: r.source_line,
    importedAt: r.imported_at instanceof Date ? r.imported_at : new Date(String(r.imported_at)),
  }));
}

export interface ProviderCounts {
  total: number;
  people: number;
  organizations: number;
  /** Deactivated and not reactivated since. */
  deactivated: number;
  lastImport?: { file: string; at: Date };
}

export async function providerCounts(db: Kysely<Database>): Promise<ProviderCounts> {
  const row = await db
    .selectFrom('providers')
    .select([
      sql<string>`count(*)`.as('total'),
      sql<string>`count(*) filter (where entity_type = '1' or (entity_type is null and family_name is not null))`.as('people'),
      sql<string>`count(*) filter (where entity_type = '2' or (entity_type is null and family_name is null and organization_name is not null))`.as(
        'organizations',
      ),
      sql<string>`count(*) filter (where deactivated_on is not null and (reactivated_on is null or reactivated_on < deactivated_on))`.as(
        'deactivated',
      ),
    ])
    .executeTakeFirstOrThrow();
  const last = await db
    .selectFrom('providers')
    .select(['source_file', 'imported_at'])
    .orderBy('imported_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return {
    total: Number(row.total),
    people: Number(row.people),
    organizations: Number(row.organizations),
    deactivated: Number(row.deactivated),
    ...(last
      ? {
          lastImport: {
            file: last.source_file,
            at: last.imported_at instanceof Date ? last.imported_at : new Date(String(last.imported_at)),
          },
        }
      : {}),
  };
}

function importedProviderOf(r: {
  npi: string;
  family_name: string | null;
  given_name: string | null;
  organization_name: string | null;
  taxonomy: string | null;
  deactivated_on: string | null;
  reactivated_on: string | null;
}): ImportedProvider {
  const p: ImportedProvider = { npi: r.npi };
  if (r.family_name) p.familyName = r.family_name;
  if (r.given_name) p.givenName = r.given_name;
  if (r.organization_name) p.organizationName = r.organization_name;
  if (r.taxonomy) p.taxonomy = r.taxonomy;
  if (r.deactivated_on) p.deactivatedOn = r.deactivated_on;
  if (r.reactivated_on) p.reactivatedOn = r.reactivated_on;
  return p;
}
