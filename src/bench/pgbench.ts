/**
 * The `pgbench` scenario: what the bench's Postgres commits with nothing of RxBridge in the way, as the yardstick
 * for ingest and end to end. On a throw-away database (createDatabase, dropped afterwards) with one table, pgbench
 * runs a script that inserts one 600-byte row per transaction (about the size of a stored message row), as
 * prepared statements (`-M prepared`), for `seconds` with 1 client and then with 8. The 1-client rate is the
 * ceiling for a sender that waits for each ACK (every message is at least one synchronous commit); the 8-client
 * rate the one for many messages in flight. When asked, a third run is paced like the bench's `latency` scenario
 * (`-R` transactions a second from `-c` clients, each transaction logged with `-l`): its latency percentiles are
 * what the same Postgres gives a single-row commit at that rate, the floor under the ACK latency measured there.
 * I/O on purpose; the output and the logs are read by ./pgbench-output.ts.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDatabase, type BenchServers } from './infra';
import { parsePgbenchLog, parsePgbenchOutput, type PgbenchRun } from './pgbench-output';
import type { Summary } from './protocol';
import { summarize } from './stats';

export const DEFAULT_PGBENCH_PATH = '/usr/bin/pgbench';
/** Clients of the two runs: one at a time, and many in flight. */
export const PGBENCH_CLIENTS = [1, 8] as const;
/** The row each transaction inserts, in bytes. */
export const PGBENCH_ROW_BYTES = 600;

/** The paced run: `clients` together commit `ratePerSec` transactions a second; latency per transaction, in ms. */
export interface PgbenchPacedRun {
  clients: number;
  ratePerSec: number;
  latency: Summary;
}

export type PgbenchResult =
  { skipped: string } | { command: string; seconds: number; rowBytes: number; runs: PgbenchRun[]; paced?: PgbenchPacedRun };

const TABLE = 'bench_rows';
const SCRIPT = `insert into ${TABLE} (payload) values (repeat('x', ${PGBENCH_ROW_BYTES}));\n`;

export interface PgbenchOptions {
  servers: BenchServers;
  seconds: number;
  /** The pgbench binary (default /usr/bin/pgbench). */
  pgbenchPath?: string;
  /** Clean-ups of the scenario in progress, run also when the bench is interrupted (run.ts). */
  pending: Set<() => Promise<void>>;
  /** A third run, paced at `ratePerSec` over `clients` (the `latency` scenario's load); none when absent. */
  paced?: { clients: number; ratePerSec: number };
}

/** Runs pgbench with 1 and 8 clients, then paced when asked; `{ skipped }` when pgbench is not installed. */
export async function benchPgbench(opts: PgbenchOptions): Promise<PgbenchResult> {
  const binary = opts.pgbenchPath ?? DEFAULT_PGBENCH_PATH;
  if (!fs.existsSync(binary)) return { skipped: 'pgbench not installed' };
  const database = await createDatabase(opts.servers);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-pgbench-'));
  const cleanup = async (): Promise<void> => {
    fs.rmSync(dir, { recursive: true, force: true });
    await database.drop();
  };
  opts.pending.add(cleanup);
  try {
    const client = new pg.Client({ connectionString: database.url, connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      await client.query(`create table ${TABLE} (id bigserial primary key, payload text not null)`);
    } finally {
      await client.end();
    }
    const script = path.join(dir, 'insert-row.sql');
    fs.writeFileSync(script, SCRIPT);
    const runs: PgbenchRun[] = [];
    for (const clients of PGBENCH_CLIENTS) {
      const args = ['-M', 'prepared', '-n', '-f', script, '-c', String(clients), '-T', String(opts.seconds), database.url];
      runs.push(parsePgbenchOutput(await run(binary, args, (opts.seconds + 60) * 1000), clients));
    }
    const paced = opts.paced && (await pacedRun(binary, script, database.url, dir, opts.seconds, opts.paced));
    return {
      command: `pgbench -M prepared -n -f <insert one ${PGBENCH_ROW_BYTES}-byte row> -c <1|8> -T ${opts.seconds}`,
      seconds: opts.seconds,
      rowBytes: PGBENCH_ROW_BYTES,
      runs,
      ...(paced ? { paced } : {}),
    };
  } finally {
    opts.pending.delete(cleanup);
    await cleanup();
  }
}

/** The paced run: every transaction's latency from pgbench's logs (one file per pgbench thread) in `dir`. */
async function pacedRun(
  binary: string,
  script: string,
  url: string,
  dir: string,
  seconds: number,
  { clients, ratePerSec }: { clients: number; ratePerSec: number },
): Promise<PgbenchPacedRun> {
  const prefix = 'paced';
  const args = ['-M', 'prepared', '-n', '-f', script, '-c', String(clients), '-R', String(ratePerSec), '-T', String(seconds)];
  await run(binary, [...args, '-l', `--log-prefix=${path.join(dir, prefix)}`, url], (seconds + 60) * 1000);
  const latencies = fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(`${prefix}.`))
    .flatMap((f) => parsePgbenchLog(fs.readFileSync(path.join(dir, f), 'utf8')));
  return { clients, ratePerSec, latency: summarize(Float64Array.from(latencies)) };
}

/** pgbench's standard output; rejects with its error output when it fails or overruns `timeoutMs`. */
function run(binary: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: timeoutMs, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`pgbench failed: ${String(stderr).trim().split('\n').slice(-2).join(' | ') || err.message}`));
      else resolve(String(stdout));
    });
  });
}
