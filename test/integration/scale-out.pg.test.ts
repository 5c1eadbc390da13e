/**
 * Scale-out: two engine processes share one Postgres and one Redis. 20,000 messages are split across them;
 * each patient's messages alternate between the two processes, each sent after the previous one was ACKed.
 * Every message is processed once, each patient's charges are written in the order the messages arrived,
 * and no charge exists twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { MllpPipe } from './load-sender';
import { createTestDatabase, dftMessage, freePort, ROOT, startRedisServer, tempProject, waitFor } from './support';

jest.setTimeout(300_000);

const TOTAL = Number(process.env.SCALE_OUT_MESSAGES ?? 20_000);
const PATIENTS = 400;
const CONNECTIONS_PER_ENGINE = 4;

test(`two engine processes: ${TOTAL} messages, per-patient order kept, no duplicate charge`, async () => {
  const db = await createTestDatabase();
  const redis = await startRedisServer();
  const engines: Array<{ child: ChildProcess; mllpPort: number; cleanup(): void }> = [];
  // Processes with their own DATA_DIR on one store share the body encryption key (docs/encryption.md).
  const bodyKey = crypto.randomBytes(32).toString('base64');
  const kdb = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: db.url, max: 2 }) }) });
  try {
    for (let e = 0; e < 2; e++) {
      const mllpPort = await freePort();
      const httpPort = await freePort();
      const project = tempProject({ mllpPort });
      const child = spawn(process.execPath, [path.join(ROOT, 'bin/rxbridge.js'), 'start'], {
        env: { ...process.env, DATABASE_URL: db.url, REDIS_URL: redis.url, HTTP_PORT: String(httpPort), CHANNELS_DIR: project.channelsDir,
          MAPPINGS_DIR: project.mappingsDir, DATA_DIR: project.dataDir, LOG_LEVEL: 'error', RXBRIDGE_ENCRYPTION_KEY: bodyKey },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      engines.push({ child, mllpPort, cleanup: project.cleanup });
      await waitFor(async () => (await fetch(`http://127.0.0.1:${httpPort}/api/health`).catch(() => undefined))?.status === 200, 60_000, `engine ${e} healthy`);
    }
    const pipes = engines.map((e) => Array.from({ length: CONNECTIONS_PER_ENGINE }, () => new MllpPipe(e.mllpPort)));
    const perPatient = TOTAL / PATIENTS;
    const started = Date.now();
    // One causal chain per patient: message k goes to engine k % 2, after message k-1 was ACKed.
    await Promise.all(Array.from({ length: PATIENTS }, async (_, p) => {
      for (let k = 0; k < perPatient; k++) {
        const controlId = `SO-${p}-${k}`;
        const pipe = pipes[k % 2]![p % CONNECTIONS_PER_ENGINE]!;
        const ack = await pipe.send(dftMessage({ controlId, patientId: `SOP${p}`, lines: [{ txn: `${controlId}-1`, code: '90471', amount: '3' }] }));
        if (!ack.includes('MSA|AA|')) throw new Error(`no AA for ${controlId}`);
      }
    }));
    const ingestSeconds = (Date.now() - started) / 1000;
    await waitFor(async () => {
      const r = await kdb.selectFrom('messages').select(sql<string>`count(*)`.as('n')).where('status', '=', 'processed').executeTakeFirstOrThrow();
      return Number(r.n) === TOTAL;
    }, 240_000, 'every message processed', 500);
    const totalSeconds = (Date.now() - started) / 1000;
    pipes.flat().forEach((p) => p.close());

    const dup = await sql<{ n: string }>`select count(*) as n from (select transaction_id from charges group by transaction_id having count(*) > 1) d`.execute(kdb);
    expect(Number(dup.rows[0]!.n)).toBe(0);
    const count = await sql<{ n: string }>`select count(*) as n from charges`.execute(kdb);
    expect(Number(count.rows[0]!.n)).toBe(TOTAL);
    // Per patient: charges (written when each message finished) follow message id (arrival) order.
    const outOfOrder = await sql<{ n: string }>`
      select count(*) as n from (
        select patient_ref, message_id, lag(message_id) over (partition by patient_ref order by id) as prev
          from charges) x
       where prev is not null and prev > message_id`.execute(kdb);
    expect(Number(outOfOrder.rows[0]!.n)).toBe(0);
    const byEngine = await sql<{ remote_count: string }>`select count(distinct remote) as remote_count from messages`.execute(kdb);
    expect(Number(byEngine.rows[0]!.remote_count)).toBeGreaterThanOrEqual(2);
    console.log(JSON.stringify({ messages: TOTAL, ingestSeconds, totalSeconds, endToEndPerSecond: Math.round(TOTAL / totalSeconds) }));
  } finally {
    for (const e of engines) {
      if (e.child.exitCode === null) {
        const exited = new Promise((r) => e.child.once('exit', r));
        e.child.kill('SIGTERM');
        await exited;
      }
      e.cleanup();
    }
    await kdb.destroy();
    await redis.stop();
    await db.drop();
  }
});
