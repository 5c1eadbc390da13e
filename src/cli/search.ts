/**
 * `rxbridge search reindex [--batch N]`: gives the content search (docs/security.md "Searching message content")
 * the tokens of messages stored before it existed, or stored while tokens could not be written. The engine writes a
 * message's tokens when its pipeline finishes it; this command reads, in id order and in batches, every message
 * without tokens, opens its latest content and writes its tokens. Resumable: it only ever looks at messages without
 * tokens, so a stopped run is simply started again. Runs beside a live engine on Postgres; the embedded store
 * allows one process, so stop the engine first there. The run is recorded in the audit trail (actor
 * `cli:<os user>`, action `search.reindex`, counts only). Exit codes: 0 done, 1 failed, 2 usage.
 */
import { parseArgs } from 'node:util';
import { readBodyKeySetup } from '../core/encryption-config';
import { createLogger } from '../core/logger';
import { configFromEnv } from '../engine/config';
import { AuditTrail } from '../store/audit';
import { openBodyCodec } from '../store/bodies';
import { indexMissingWords } from '../store/content-index';
import { openStore, type Store } from '../store/db';
import type { CliIo } from './keys';
import { cliActor } from './users';

export const SEARCH_USAGE = `  rxbridge search reindex [--batch N]`;

const processIo: CliIo = { out: (l) => console.log(l), err: (l) => console.error(l) };

export async function searchCommand(args: string[], env: Record<string, string | undefined>, io: CliIo = processIo): Promise<number> {
  const [sub, ...rest] = args;
  let batch: number;
  try {
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { batch: { type: 'string' } } });
    if (positionals.length > 0) throw new Error(`unexpected argument ${positionals[0]}`);
    batch = values.batch === undefined ? 500 : Number(values.batch);
    if (!Number.isInteger(batch) || batch < 1 || batch > 100_000) throw new Error('--batch must be an integer from 1 to 100000');
    if (sub !== 'reindex') throw new Error(sub ? `unknown search subcommand ${sub}` : 'search needs a subcommand');
  } catch (err) {
    io.err(`rxbridge: ${(err as Error).message}\nusage:\n${SEARCH_USAGE}`);
    return 2;
  }
  const config = configFromEnv(env);
  let store: Store | undefined;
  try {
    const setup = readBodyKeySetup(env, config.dataDir);
    store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
    const bodies = await openBodyCodec(store.db, setup, createLogger({ silent: true }), { createKey: false, register: false });
    const report = await indexMissingWords(store.db, bodies, {
      batchSize: batch,
      onBatch: (r) => io.err(`  ${r.indexed} messages indexed so far`),
    });
    await new AuditTrail(store.db).append({
      actor: cliActor(env),
      role: null,
      action: 'search.reindex',
      targetType: null,
      targetId: null,
      detail: { indexed: report.indexed, skipped: report.skipped, batches: report.batches },
    });
    io.out(`indexed ${report.indexed} messages for the content search (${report.skipped} without a readable body or words)`);
    return 0;
  } catch (err) {
    io.err(`rxbridge: ${(err as Error).message}`);
    return 1;
  } finally {
    await store?.close();
  }
}
