/**
 * `rxbridge retention run [--dry-run] [--batch N]`: prunes message bodies by each channel's
 * `retention.bodiesDays` (docs/encryption.md).
 *
 * Bodies of messages in a final status that finished more than bodiesDays days ago are replaced by null (the
 * message row, events, charges and audit stay); then message_contents is vacuumed (plain VACUUM). Channels
 * without retention are not touched. Prints one line per channel and a total with the bytes freed (an
 * estimate: the stored size of the pruned bodies). --dry-run counts without changing anything. The engine runs
 * the same pruning daily by itself; this command is for a run now (on the embedded store, stop the engine first).
 * A run (not --dry-run) is recorded in the audit trail: actor `cli:<os user>`, action `retention.run`, the counts
 * per channel (retentionAuditDetail). Exit codes: 0 done, 1 failed (also when the audit event cannot be written), 2 usage.
 */
import { parseArgs } from 'node:util';
import { loadChannels } from '../channels/load';
import { ConfigError } from '../core/config-file';
import { configFromEnv } from '../engine/config';
import { AuditTrail } from '../store/audit';
import { DEFAULT_BATCH_SIZE, pruneBodies, retentionAuditDetail, type RetentionPolicy } from '../store/body-maintenance';
import { openStore, type Store } from '../store/db';
import type { CliIo } from './keys';
import { cliActor } from './users';

export const RETENTION_USAGE = `  rxbridge retention run [--dry-run] [--batch N]`;

const processIo: CliIo = { out: (l) => console.log(l), err: (l) => console.error(l) };

export async function retentionCommand(args: string[], env: Record<string, string | undefined>, io: CliIo = processIo): Promise<number> {
  const [sub, ...rest] = args;
  let dryRun: boolean;
  let batchSize: number;
  try {
    if (sub !== 'run') throw new Error(sub ? `unknown retention subcommand ${sub}` : 'retention needs a subcommand');
    const { values } = parseArgs({ args: rest, options: { 'dry-run': { type: 'boolean', default: false }, batch: { type: 'string' } } });
    dryRun = values['dry-run'];
    batchSize = values.batch === undefined ? DEFAULT_BATCH_SIZE : Number(values.batch);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000)
      throw new Error('--batch must be an integer from 1 to 100000');
  } catch (err) {
    io.err(`rxbridge: ${(err as Error).message}\nusage:\n${RETENTION_USAGE}`);
    return 2;
  }
  const config = configFromEnv(env);
  let store: Store | undefined;
  try {
    const channels = loadChannels({ dir: config.channelsDir, mappingsDir: config.mappingsDir, env });
    const policies: RetentionPolicy[] = channels.flatMap((c) =>
      c.retention.bodiesDays ? [{ channel: c.name, bodiesDays: c.retention.bodiesDays }] : [],
    );
    if (policies.length === 0) {
      io.out('no channel sets retention.bodiesDays: nothing to prune');
      return 0;
    }
    store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
    const report = await pruneBodies(store.db, policies, { batchSize, dryRun });
    if (!dryRun) {
      await new AuditTrail(store.db).append({
        actor: cliActor(env),
        role: null,
        action: 'retention.run',
        detail: retentionAuditDetail(report),
      });
    }
    const verb = dryRun ? 'would be pruned' : 'pruned';
    for (const c of report.channels) {
      io.out(`${c.channel}: bodies of messages finished more than ${c.bodiesDays} days ago: ${c.pruned} ${verb} (${formatBytes(c.bytes)})`);
    }
    const vacuum = report.vacuumed ? '; VACUUM done' : '';
    io.out(
      `total: ${report.pruned} bodies ${verb}, ${formatBytes(report.bytes)} ${dryRun ? 'would be ' : ''}freed for reuse (estimate)${vacuum}`,
    );
    return 0;
  } catch (err) {
    io.err(err instanceof ConfigError ? err.message : `rxbridge: ${(err as Error).message}`);
    return 1;
  } finally {
    await store?.close();
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
