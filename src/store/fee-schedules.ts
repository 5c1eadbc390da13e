/**
 * The fee schedule rows (migration 018): `rxbridge prices import` upserts them, `rxbridge prices status` counts
 * them, claim building reads the rows of the codes it must price (src/billing/claims/pricing.ts decides which).
 * A row's key is (code system, code, method, effective_from): a re-import of the same file changes nothing, a
 * corrected amount or end date updates the row in place. Rows are never deleted by an import (a schedule that ends
 * says so with effective_to). Nothing here decides a price.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { FeeRow } from '../billing/claims/pricing';
import type { Database, FeeScheduleTable } from './types';

type Db = Kysely<Database> | Transaction<Database>;

export interface FeeImportResult {
  inserted: number;
  updated: number;
  unchanged: number;
}

const BATCH = 500;

/** Upserts every row in one transaction (all or nothing). */
export async function importFeeSchedule(
  db: Kysely<Database>,
  sourceFile: string,
  rows: AsyncIterable<FeeRow> | Iterable<FeeRow>,
): Promise<FeeImportResult> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('fee_schedule|import'))`.execute(trx);
    const result: FeeImportResult = { inserted: 0, updated: 0, unchanged: 0 };
    let batch: FeeRow[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const changed = await upsert(trx, sourceFile, batch);
      result.inserted += changed.inserted;
      result.updated += changed.updated;
      result.unchanged += batch.length - changed.inserted - changed.updated;
      batch = [];
    };
    for await (const row of rows) {
      batch.push(row);
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    return result;
  });
}

const VALUES = ['effective_to', 'amount', 'basis', 'unit_cost', 'multiplier', 'dispensing_fee', 'description'] as const;

async function upsert(db: Db, sourceFile: string, rows: readonly FeeRow[]): Promise<{ inserted: number; updated: number }> {
  const col = <T>(pick: (r: FeeRow) => T | null | undefined) => rows.map((r) => pick(r) ?? null);
  const line = (r: FeeRow) => Number(r.source.slice(r.source.lastIndexOf(':') + 1));
  const result = await sql<{ inserted: boolean }>`
    insert into fee_schedule (code_system, code, method, effective_from, effective_to, amount, basis, unit_cost, multiplier,
                              dispensing_fee, description, source_file, source_line)
    select u.code_system, u.code, u.method, u.effective_from, u.effective_to, u.amount, u.basis, u.unit_cost, u.multiplier,
           u.dispensing_fee, u.description, ${sourceFile}::text, u.source_line
      from unnest(
        ${col((r) => r.codeSystem)}::text[], ${col((r) => r.code)}::text[], ${col((r) => r.method)}::text[],
        ${col((r) => r.effectiveFrom)}::date[], ${col((r) => r.effectiveTo)}::date[], ${col((r) => r.amount)}::numeric[],
        ${col((r) => r.formula?.basis)}::text[], ${col((r) => r.unitCost)}::numeric[], ${col((r) => r.formula?.multiplier)}::numeric[],
        ${col((r) => r.formula?.fee)}::numeric[], ${col((r) => r.description)}::text[], ${col(line)}::integer[]
      ) as u(code_system, code, method, effective_from, effective_to, amount, basis, unit_cost, multiplier, dispensing_fee,
             description, source_line)
    on conflict (code_system, code, method, effective_from) do update set
      ${sql.join(VALUES.map((c) => sql`${sql.ref(c)} = excluded.${sql.ref(c)}`))},
      source_file = excluded.source_file, source_line = excluded.source_line, imported_at = now()
    where (${sql.join(VALUES.map((c) => sql`fee_schedule.${sql.ref(c)}`))})
      is distinct from (${sql.join(VALUES.map((c) => sql`excluded.${sql.ref(c)}`))})
    returning (xmax = 0) as inserted`.execute(db);
  const inserted = result.rows.filter((r) => r.inserted).length;
  return { inserted, updated: result.rows.length - inserted };
}

type Row = Pick<
  FeeScheduleTable,
  | 'code_system'
  | 'code'
  | 'method'
  | 'effective_from'
  | 'effective_to'
  | 'amount'
  | 'basis'
  | 'unit_cost'
  | 'multiplier'
  | 'dispensing_fee'
  | 'description'
  | 'source_file'
  | 'source_line'
>;

function feeRow(r: Row): FeeRow {
  const dec = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    codeSystem: r.code_system,
    code: r.code,
    method: r.method,
    effectiveFrom: r.effective_from,
    effectiveTo: r.effective_to,
    amount: dec(r.amount),
    unitCost: dec(r.unit_cost),
    formula:
      r.basis !== null && r.multiplier !== null
        ? { basis: r.basis, multiplier: String(r.multiplier), fee: String(r.dispensing_fee ?? '0.00') }
        : null,
    source: `${r.source_file}:${r.source_line}`,
    ...(r.description ? { description: r.description } : {}),
  };
}

/** The rows of these codes (11-digit NDCs, CPT/HCPCS codes), plus the `*` administration rows; all dates. */
export async function loadFeeRows(db: Db, codes: readonly string[]): Promise<FeeRow[]> {
  if (codes.length === 0) return [];
  const rows = await db
    .selectFrom('fee_schedule')
    .select([
      'code_system',
      'code',
      'method',
      'effective_from',
      'effective_to',
      'amount',
      'basis',
      'unit_cost',
      'multiplier',
      'dispensing_fee',
      'description',
      'source_file',
      'source_line',
    ])
    .where('code', 'in', [...new Set([...codes, '*'])])
    .orderBy('id')
    .execute();
  return rows.map(feeRow);
}

export interface FeeScheduleStatus {
  total: number;
  byMethod: Record<string, number>;
  /** Rows in force today (effective_from ≤ today ≤ effective_to or open). */
  inForce: number;
  earliest: string | null;
  latest: string | null;
  lastImport: { file: string; at: Date } | null;
}

export async function feeScheduleStatus(db: Db, today: string): Promise<FeeScheduleStatus> {
  const counts = await db
    .selectFrom('fee_schedule')
    .select([
      'method',
      sql<string>`count(*)`.as('n'),
      sql<string>`count(*) filter (where effective_from <= ${today}::date and (effective_to is null or effective_to >= ${today}::date))`.as(
        'live',
      ),
      sql<string | null>`min(effective_from)::text`.as('earliest'),
      sql<string | null>`max(effective_from)::text`.as('latest'),
    ])
    .groupBy('method')
    .execute();
  const last = await db
    .selectFrom('fee_schedule')
    .select(['source_file', 'imported_at'])
    .orderBy('imported_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const byMethod: Record<string, number> = {};
  let total = 0;
  let inForce = 0;
  let earliest: string | null = null;
  let latest: string | null = null;
  for (const c of counts) {
    byMethod[c.method] = Number(c.n);
    total += Number(c.n);
    inForce += Number(c.live);
    if (c.earliest && (earliest === null || c.earliest < earliest)) earliest = c.earliest;
    if (c.latest && (latest === null || c.latest > latest)) latest = c.latest;
  }
  return {
    total,
    byMethod,
    inForce,
    earliest,
    latest,
    lastImport: last ? { file: last.source_file, at: new Date(last.imported_at) } : null,
  };
}
