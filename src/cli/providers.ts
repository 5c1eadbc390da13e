/**
 * `rxbridge providers import FILE`, `rxbridge providers status`, `rxbridge providers list [--limit N] [--after NPI]`
 *
 * import reads a provider CSV (the NPPES dissemination layout or npi,familyName,givenName,organizationName,
 * taxonomy; src/billing/providers/provider-file.ts) line by line and upserts its providers into the store
 * (src/store/providers.ts) in one transaction. Each rejected row is printed on stderr as `FILE:LINE: reason`
 * (the first 50, then a count); the summary goes to stdout. Claims held for a provider the engine could not name
 * are rebuilt by POST /api/claims/:id/correct once it is imported. status counts the imported providers; list
 * prints them. Exit codes: 0 done (rejected rows are reported, the rest imported), 1 the file or the store
 * failed or the file held no provider, 2 usage.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ProviderFileError, ProviderFileReader, type ProviderLayout, type ProviderRecord } from '../billing/providers/provider-file';
import type { Store } from '../store/db';
import { importProviders, listProviders, providerCounts } from '../store/providers';
import { count } from './progress';
import { withStore, withStoreImporting } from './with-store';
import { openTextFile } from './text-file';

export const PROVIDERS_USAGE = `  rxbridge providers import FILE       (CSV: NPPES layout, or npi,familyName,givenName,organizationName,taxonomy)
  rxbridge providers status | list [--limit N] [--after NPI]`;

export interface ProvidersIo {
  out(line: string): void;
  err(line: string): void;
}

const processIo: ProvidersIo = { out: (l) => console.log(l), err: (l) => console.error(l) };

/** Rejected rows printed one by one; the rest are counted. */
const MAX_REJECTIONS_SHOWN = 50;

export async function providersCommand(
  args: string[],
  env: Record<string, string | undefined>,
  io: ProvidersIo = processIo,
): Promise<number> {
  const [sub, ...rest] = args;
  const usage = (reason: string): number => {
    io.err(`rxbridge: ${reason}\nusage:\n${PROVIDERS_USAGE}`);
    return 2;
  };
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { limit: { type: 'string', default: '100' }, after: { type: 'string' } },
    });
  } catch (err) {
    return usage((err as Error).message);
  }
  const { values, positionals } = parsed;
  switch (sub) {
    case 'import': {
      const [file] = positionals;
      if (positionals.length !== 1 || !file) return usage('providers import needs one FILE');
      return withStoreImporting(
        env,
        (line) => io.err(line),
        file,
        (store) => importFile(store, io, file),
      );
    }
    case 'status':
      if (positionals.length > 0) return usage('providers status takes no arguments');
      return withStore(
        env,
        (line) => io.err(line),
        (store) => status(store, io),
      );
    case 'list': {
      const limit = Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) return usage('--limit must be a whole number from 1 to 100000');
      return withStore(
        env,
        (line) => io.err(line),
        (store) => list(store, io, limit, values.after),
      );
    }
    default:
      return usage(sub ? `unknown providers subcommand ${sub}` : 'providers needs a subcommand');
  }
}

async function importFile(store: Store, io: ProvidersIo, file: string): Promise<number> {
  const reader = new ProviderFileReader();
  const tally = { read: 0, accepted: 0, rejected: 0, deactivated: 0 };
  const text = openTextFile(file);
  async function* records(): AsyncGenerator<ProviderRecord> {
    for await (const line of text.lines()) {
      for (const row of reader.line(line.text, line.number)) {
        tally.read++;
        if (row.ok) {
          tally.accepted++;
          if (row.record.deactivatedOn && !(row.record.reactivatedOn && row.record.reactivatedOn >= row.record.deactivatedOn))
            tally.deactivated++;
          yield row.record;
        } else {
          tally.rejected++;
          if (tally.rejected <= MAX_REJECTIONS_SHOWN) io.err(`${file}:${row.line}: ${row.reason}`);
        }
      }
    }
    reader.end();
    if (tally.accepted === 0) throw new ProviderFileError(1, 'no provider could be imported from the file');
  }
  let result;
  try {
    result = await importProviders(store.db, { sourceFile: path.basename(file), records: records() });
  } catch (err) {
    if (err instanceof ProviderFileError) io.err(`${file}:${err.line}: ${err.reason}`);
    else io.err(`rxbridge: ${(err as Error).message}`);
    if (tally.rejected > MAX_REJECTIONS_SHOWN) io.err(`… ${count(tally.rejected - MAX_REJECTIONS_SHOWN)} more rejected rows`);
    io.err(`nothing imported from ${file}`);
    return 1;
  }
  if (tally.rejected > MAX_REJECTIONS_SHOWN) io.err(`… ${count(tally.rejected - MAX_REJECTIONS_SHOWN)} more rejected rows`);
  const layout: Record<ProviderLayout, string> = { nppes: 'NPPES layout', simple: 'simple layout' };
  io.out(
    `imported providers from ${path.basename(file)} (${layout[reader.layout ?? 'simple']}): ${count(tally.read)} rows read, ` +
      `${count(result.inserted)} new, ${count(result.updated)} updated, ${count(result.unchanged)} unchanged, ` +
      `${count(tally.deactivated)} deactivated, ${count(tally.rejected)} rejected` +
      (result.repeated > 0 ? `, ${count(result.repeated)} repeated NPIs (the later row kept)` : ''),
  );
  if (tally.rejected > 0)
    io.out(`rejected rows are listed on stderr as ${path.basename(file)}:LINE: reason; fix them and import the file again`);
  return 0;
}

async function status(store: Store, io: ProvidersIo): Promise<number> {
  const c = await providerCounts(store.db);
  if (c.total === 0) {
    io.out('no providers imported (rxbridge providers import FILE); claims name only billing.yaml providers');
    return 0;
  }
  io.out(
    `${count(c.total)} providers imported: ${count(c.people)} people, ${count(c.organizations)} organizations, ${count(c.deactivated)} deactivated`,
  );
  if (c.lastImport) io.out(`last import: ${c.lastImport.file} at ${c.lastImport.at.toISOString().slice(0, 19).replace('T', ' ')}`);
  io.out('billing.yaml providers win over imported ones with the same NPI');
  return 0;
}

async function list(store: Store, io: ProvidersIo, limit: number, after?: string): Promise<number> {
  const rows = await listProviders(store.db, { limit, after });
  const header = ['NPI', 'NAME', 'TAXONOMY', 'DEACTIVATED', 'SOURCE'];
  const lines = rows.map((r) => [
    r.npi,
    r.organizationName ?? [r.familyName, r.givenName].filter(Boolean).join(', ') ?? '',
    r.taxonomy ?? '-',
    r.deactivatedOn ? `${r.deactivatedOn}${r.reactivatedOn ? ` (reactivated ${r.reactivatedOn})` : ''}` : '-',
    `${r.sourceFile}:${r.sourceLine}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  for (const line of [header, ...lines]) io.out(line.map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
  if (rows.length === limit) io.out(`… more after ${rows[rows.length - 1]!.npi} (--after ${rows[rows.length - 1]!.npi})`);
  return 0;
}
