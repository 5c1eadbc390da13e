/**
 * `rxbridge prices import FILE`, `rxbridge prices status`
 *
 * import reads a fee-schedule CSV (src/billing/claims/fee-schedule-file.ts; docs/billing.md "Pricing") line by
 * line and upserts its rows into the store (src/store/fee-schedules.ts) in one transaction: every good row or
 * none. Each rejected row is printed on stderr as `FILE:LINE: reason` (the first 50, then a count); the summary
 * goes to stdout. Importing the same file again changes nothing (0 new, 0 updated). Charges held "no price" are
 * priced by the next claim build. status counts the rows by method and those in force today. Exit codes: 0 done
 * (rejected rows are reported, the rest imported), 1 the file or the store failed or the file held no good row,
 * 2 usage.
 */
import path from 'node:path';
import { FeeScheduleFileError, FeeScheduleReader } from '../billing/claims/fee-schedule-file';
import type { FeeRow } from '../billing/claims/pricing';
import type { Store } from '../store/db';
import { feeScheduleStatus, importFeeSchedule } from '../store/fee-schedules';
import { count } from './progress';
import { withStore, withStoreImporting } from './with-store';
import { openTextFile } from './text-file';

export const PRICES_USAGE = `  rxbridge prices import FILE          (CSV: code_system,code,method,effective_from[,effective_to,amount,unit_cost,formula,description])
  rxbridge prices status`;

export interface PricesIo {
  out(line: string): void;
  err(line: string): void;
}

const processIo: PricesIo = { out: (l) => console.log(l), err: (l) => console.error(l) };

const MAX_REJECTIONS_SHOWN = 50;

export async function pricesCommand(args: string[], env: Record<string, string | undefined>, io: PricesIo = processIo): Promise<number> {
  const [sub, ...rest] = args;
  const usage = (reason: string): number => {
    io.err(`rxbridge: ${reason}\nusage:\n${PRICES_USAGE}`);
    return 2;
  };
  switch (sub) {
    case 'import': {
      const [file] = rest;
      if (rest.length !== 1 || !file) return usage('prices import needs one FILE');
      return withStoreImporting(
        env,
        (line) => io.err(line),
        file,
        (store) => importFile(store, io, file),
      );
    }
    case 'status':
      if (rest.length > 0) return usage('prices status takes no arguments');
      return withStore(
        env,
        (line) => io.err(line),
        (store) => status(store, io),
      );
    default:
      return usage(sub ? `unknown prices subcommand ${sub}` : 'prices needs a subcommand');
  }
}

async function importFile(store: Store, io: PricesIo, file: string): Promise<number> {
  const name = path.basename(file);
  const reader = new FeeScheduleReader(name);
  const tally = { read: 0, accepted: 0, rejected: 0 };
  const text = openTextFile(file);
  async function* rows(): AsyncGenerator<FeeRow> {
    for await (const line of text.lines()) {
      for (const row of reader.line(line.text, line.number)) {
        tally.read++;
        if (row.ok) {
          tally.accepted++;
          yield row.row;
        } else {
          tally.rejected++;
          if (tally.rejected <= MAX_REJECTIONS_SHOWN) io.err(`${file}:${row.line}: ${row.reason}`);
        }
      }
    }
    reader.end();
    if (tally.accepted === 0) throw new FeeScheduleFileError(1, 'no fee-schedule row could be imported from the file');
  }
  const more = () => {
    if (tally.rejected > MAX_REJECTIONS_SHOWN) io.err(`… ${count(tally.rejected - MAX_REJECTIONS_SHOWN)} more rejected rows`);
  };
  let result;
  try {
    result = await importFeeSchedule(store.db, name, rows());
  } catch (err) {
    if (err instanceof FeeScheduleFileError) io.err(`${file}:${err.line}: ${err.reason}`);
    else io.err(`rxbridge: ${(err as Error).message}`);
    more();
    io.err(`nothing imported from ${file}`);
    return 1;
  }
  more();
  io.out(
    `imported fee schedule ${name}: ${count(tally.read)} rows read, ${count(result.inserted)} new, ` +
      `${count(result.updated)} updated, ${count(result.unchanged)} unchanged, ${count(tally.rejected)} rejected`,
  );
  if (tally.rejected > 0) io.out(`rejected rows are listed on stderr as ${name}:LINE: reason; fix them and import the file again`);
  io.out('charges held "no price" are priced by the next claim build (POST /api/claims/build)');
  return 0;
}

async function status(store: Store, io: PricesIo): Promise<number> {
  const s = await feeScheduleStatus(store.db, new Date().toISOString().slice(0, 10));
  if (s.total === 0) {
    io.out('no fee schedule imported (rxbridge prices import FILE); charges sent without a price are held "no price"');
    return 0;
  }
  const methods = [
    ['uc', 'usual & customary'],
    ['cost', 'cost-based'],
    ['admin', 'vaccine administration'],
  ] as const;
  io.out(
    `${count(s.total)} fee-schedule rows: ${methods.map(([m, words]) => `${count(s.byMethod[m] ?? 0)} ${words}`).join(', ')}; ` +
      `${count(s.inForce)} in force today`,
  );
  io.out(`effective dates from ${s.earliest} to ${s.latest}`);
  if (s.lastImport) io.out(`last import: ${s.lastImport.file} at ${s.lastImport.at.toISOString().slice(0, 19).replace('T', ' ')}`);
  return 0;
}
