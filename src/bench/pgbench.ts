/**
 * The `pgbench` scenario: what the bench's Postgres commits with nothing of RxBridge in the way, as the yardstick
 * for ingest and end to end. On a throw-away database (createDatabase, dropped afterwards) with one table, pgbench
 * runs a script that inserts one 600-byte row per transaction (about the size of a stored message row), as
 * prepared statements (`-M prepared`), for `seconds` with 1 client and then with 8. The 1-client rate is the
 * ceiling for a sender that waits for each ACK (every message is at least one synchronous commit); the 8-client
 * rate the one for many messages in flight. I/O on purpose; the output is read by ./pgbench-output.ts.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDatabase, type BenchServers } from './infra';
import { parsePgbenchOutput, type PgbenchRun } from './pgbench-output';

export const DEFAULT_PGBENCH_PATH = '/usr/bin/pgbench';
/** Clients of the two runs: one at a time, and many in flight. */
export const PGBENCH_CLIENTS = [1, 8] as const;
/** The row each transaction inserts, in bytes. */
export const PGBENCH_ROW_BYTES = 600;

export type PgbenchResult = { skipped: string } | { command: string; seconds: number; rowBytes: number; runs: PgbenchRun[] };

const TABLE = 'bench_rows';
const SCRIPT = `insert into ${TABLE} (payload) values (repeat('x', ${PGBENCH_ROW_BYTES}));\n`;

export interface PgbenchOptions {
  servers: BenchServers;
  seconds: number;
  /** The pgbench binary (default /usr/bin/pgbench). */
  pgbenchPath?: string;
  /** Clean-ups of the scenario in progress, run also when the bench is interrupted (run.ts). */
  pending: Set<() => Promise<void>>;
}

/** Runs pgbench with 1 and 8 clients; `{ skipped }` when pgbench is not installed. */
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
    return {
      command: `pgbench -M prepared -n -f <insert one ${PGBENCH_ROW_BYTES}-byte row> -c <1|8> -T ${opts.seconds}`,
      seconds: opts.seconds,
      rowBytes: PGBENCH_ROW_BYTES,
      runs,
    };
  } finally {
    opts.pending.delete(cleanup);
    await cleanup();
  }
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
