/**
 * Loses nothing it ACKed: 2,000 messages stream in over 4 connections while the engine process is killed with
 * SIGKILL (and, separately, while Redis is flushed). After recovery every AA'd message is in the store and reaches
 * a final status, and no charge exists twice. Runs the built engine (`node bin/rxbridge.js start`) as a child process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { streamOverConnection, type StreamResult } from './load-sender';
import { createTestDatabase, dftMessage, freePort, ROOT, startRedisServer, tempProject, waitFor } from './support';

jest.setTimeout(180_000);

const TOTAL = 2000;
const CONNECTIONS = 4;
const PATIENTS = 50;

function workload(tag: string) {
  return Array.from({ length: TOTAL }, (_, i) => {
    const controlId = `${tag}-${i}`;
    return { controlId, text: dftMessage({ controlId, patientId: `CP${i % PATIENTS}`, lines: [{ txn: `${controlId}-L1`, code: '90471', amount: '25' }] }) };
  });
}

async function run(tag: string, fault: (ctx: { kill(): Promise<void>; restart(): Promise<void>; flushRedis(): Promise<void> }) => Promise<void>) {
  const db = await createTestDatabase();
  const redis = await startRedisServer();
  const mllpPort = await freePort();
  const httpPort = await freePort();
  const project = tempProject({ mllpPort });
  const kdb = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: db.url, max: 2 }) }) });
  const env = {
    ...process.env, DATABASE_URL: db.url, REDIS_URL: redis.url, HTTP_PORT: String(httpPort), HTTP_HOST: '127.0.0.1',
    CHANNELS_DIR: project.channelsDir, MAPPINGS_DIR: project.mappingsDir, DATA_DIR: project.dataDir, LOG_LEVEL: 'error',
    RXBRIDGE_SWEEP_INTERVAL_MS: '1000', RXBRIDGE_SWEEP_AGE_MS: '3000',
  };
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(process.execPath, [path.join(ROOT, 'bin/rxbridge.js'), 'start'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${httpPort}/api/health`).catch(() => undefined))?.status === 200, 30_000, 'engine to be healthy');
  };
  const kill = async () => {
    const c = child!;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  try {
    await start();
    const messages = workload(tag);
    const byConnection = Array.from({ length: CONNECTIONS }, (_, c) => messages.filter((_m, i) => i % CONNECTIONS === c));
    let acks = 0;
    let faultDone: Promise<void> | undefined;
    const onAck = () => {
      acks++;
      if (acks === Math.floor(TOTAL * 0.3)) faultDone = fault({ kill, restart: start, flushRedis: async () => { const r = redis.client(); await r.flushall(); r.disconnect(); } });
    };
    const first: StreamResult[] = await Promise.all(byConnection.map((m) => streamOverConnection(mllpPort, m, 20, onAck)));
    await faultDone;
    // Whatever was not answered is sent again, as a sender does after a lost connection.
    const resend = messages.filter((m) => first.some((r) => r.unacked.includes(m.controlId)));
    const second = resend.length > 0 ? await Promise.all([streamOverConnection(mllpPort, resend, 20)]) : [];
    const acked = new Set([...first, ...second].flatMap((r) => r.acked));
    expect([...first, ...second].flatMap((r) => r.naks)).toEqual([]);
    expect(acked.size).toBe(TOTAL);

    await waitFor(async () => {
      const open = await kdb.selectFrom('messages').select(sql<string>`count(*)`.as('n')).where('status', 'in', ['received', 'processing']).executeTakeFirstOrThrow();
      return Number(open.n) === 0;
    }, 90_000, 'every message to reach a final status', 250);

    const rows = await kdb.selectFrom('messages').select(['control_id', 'status']).execute();
    const finalById = new Map<string, string[]>();
    for (const r of rows) finalById.set(r.control_id, [...(finalById.get(r.control_id) ?? []), r.status]);
    for (const id of acked) {
      const statuses = finalById.get(id) ?? [];
      expect({ id, processed: statuses.filter((s) => s === 'processed').length }).toEqual({ id, processed: 1 });
    }
    const dupCharges = await sql<{ n: string }>`select count(*) as n from (select transaction_id from charges group by transaction_id having count(*) > 1) d`.execute(kdb);
    expect(Number(dupCharges.rows[0]!.n)).toBe(0);
    const charges = await sql<{ n: string }>`select count(*) as n from charges`.execute(kdb);
    expect(Number(charges.rows[0]!.n)).toBe(TOTAL);
    const report = { fault: tag, sent: TOTAL, acked: acked.size, resent: resend.length, final: rows.length, duplicates: 0 };
    console.log(JSON.stringify(report));
  } finally {
    if (child && child.exitCode === null) await kill();
    await kdb.destroy();
    await redis.stop();
    await db.drop();
    project.cleanup();
  }
}

describe('crash recovery (engine as a child process, real Postgres and Redis)', () => {
  test('kill -9 during a 2,000-message stream loses no ACKed message and bills nothing twice', async () => {
    await run('K', async ({ kill, restart }) => {
      await kill();
      await restart();
    });
  });

  test('FLUSHALL of Redis during the stream loses no ACKed message and bills nothing twice', async () => {
    await run('F', async ({ flushRedis }) => { await flushRedis(); });
  });
});
