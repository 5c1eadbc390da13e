/**
 * A duplicate is the same sender, control id and content; a sender that reuses a control id for another message
 * has it processed, and flagged. On real Postgres, Redis and sockets:
 * - the corpus ADT^A04 and ADT^A08 (FHIR-Converter samples) share sender and MSH-10: the A08 is processed, and an
 *   A08 built from it with a new address and a later event time updates the patient; both are flagged (event,
 *   the message API's reused_control_id_of, the metric);
 * - a byte-identical resend, and one whose only change is MSH-7 (with CRLF terminators), are still duplicates:
 *   AA, not processed again;
 * - two stores on one database, and two engine processes, receiving the same copy at once: exactly one received.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { InboundRecord } from '../../src/pipeline/ports';
import { openStore, type Store } from '../../src/store/db';
import { MessageRepository } from '../../src/store/repository';
import { segment, startHarness, type Harness } from './engine-harness';
import { MllpPipe } from './load-sender';
import { CORPUS, createTestDatabase, dftMessage, freePort, ROOT, startRedisServer, tempProject, waitFor } from './support';

jest.setTimeout(180_000);

const SCRAPE_TOKEN = 'metrics-scrape-token-0123456789';
const CHANNEL = 'pharmacy-inbound';
const A04 = fs.readFileSync(path.join(CORPUS, 'hl7/microsoft__FHIR-Converter__ADT-A04-01.hl7'), 'utf8');
const A08 = fs.readFileSync(path.join(CORPUS, 'hl7/microsoft__FHIR-Converter__ADT-A08-01.hl7'), 'utf8');
/** The corpus A08 as an update that changes something: a later event time (EVN-2) and another city (PID-11.3). */
const A08_MOVED = A08.replace('EVN|A01|20290801070624+0115|', 'EVN|A01|20290802090000+0115|').replace('^Ann Arbor ^MI^', '^Ypsilanti^MI^');

function field(text: string, seg: string, n: number): string {
  return (text.split(/\r?\n|\r/).find((s) => s.startsWith(`${seg}|`)) ?? '').split('|')[n] ?? '';
}

describe('a reused control id on one engine', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ store: 'postgres', env: { RXBRIDGE_METRICS_TOKEN: SCRAPE_TOKEN } });
  });
  afterAll(async () => { await h.close(); });

  const rows = () => h.engine.store.db.selectFrom('messages')
    .select(['id', 'status', 'message_type', 'duplicate_of', 'reused_control_id_of', 'content_hash'])
    .where('control_id', '=', 'MSG00001').orderBy('id').execute();
  const patient = () => h.engine.store.db.selectFrom('patients').selectAll().where('patient_ref', '=', 'PATID1234').executeTakeFirst();
  async function reusedMetric(): Promise<number> {
    const { port } = h.engine.httpAddress()!;
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${SCRAPE_TOKEN}` } })).text();
    const line = text.split('\n').find((l) => l.startsWith(`rxbridge_reused_control_ids_total{channel="${CHANNEL}"}`));
    if (!line) throw new Error('rxbridge_reused_control_ids_total has no series for the channel');
    return Number(line.split(' ').pop());
  }

  test('the corpus A08 that reuses the A04\'s sender and MSH-10 is processed, flagged, and its update applied', async () => {
    // The pair really shares sender (MSH-3/MSH-4), MSH-7 and MSH-10; the content differs (MSH-9, PV1, PV2).
    for (const n of [3, 4, 7, 10]) expect(field(A08, 'MSH', n - 1)).toBe(field(A04, 'MSH', n - 1));
    expect(field(A08, 'MSH', 9)).toBe('MSG00001');
    expect(await reusedMetric()).toBe(0);

    expect(segment(await h.send(A04), 'MSA').slice(0, 3)).toEqual(['MSA', 'AA', 'MSG00001']);
    const [a04] = await rows();
    await h.waitForStatus(String(a04!.id), ['processed']);
    expect((await patient())!.city?.trim()).toBe('Ann Arbor');

    expect(segment(await h.send(A08), 'MSA').slice(0, 3)).toEqual(['MSA', 'AA', 'MSG00001']);
    const a08 = (await rows())[1]!;
    expect([a08.status, a08.message_type, a08.duplicate_of]).not.toContain('duplicate');
    await h.waitForStatus(String(a08.id), ['processed']);
    expect(String(a08.reused_control_id_of)).toBe(String(a04!.id));

    expect(segment(await h.send(A08_MOVED), 'MSA')[1]).toBe('AA');
    const moved = (await rows())[2]!;
    await h.waitForStatus(String(moved.id), ['processed']);
    expect(moved.duplicate_of).toBeNull();
    expect(String(moved.reused_control_id_of)).toBe(String(a04!.id));
    const p = await patient();
    expect(p!.city).toBe('Ypsilanti');
    expect(String(p!.message_id)).toBe(String(moved.id));

    // Flagged: an event on each message, the message API, the metric.
    const events = await h.engine.store.db.selectFrom('message_events').select(['message_id', 'stage', 'code', 'detail'])
      .where('code', '=', 'control-id-reused').orderBy('id').execute();
    expect(events.map((e) => [String(e.message_id), e.stage])).toEqual([[String(a08.id), 'intake'], [String(moved.id), 'intake']]);
    expect(events[0]!.detail).toContain(`message ${a04!.id}`);
    const list = await h.api('GET', `/api/messages?controlId=MSG00001`);
    expect(list.status).toBe(200);
    expect(list.json.messages.map((m: any) => [m.status, m.reused_control_id_of])).toEqual([
      ['processed', String(a04!.id)], ['processed', String(a04!.id)], ['processed', null],
    ]);
    const detail = await h.api('GET', `/api/messages/${moved.id}`);
    expect(detail.json.reused_control_id_of).toBe(String(a04!.id));
    expect(await reusedMetric()).toBe(2);
  });

  test('a byte-identical resend, and one with only MSH-7 refreshed (CRLF terminators), are duplicates: AA, not processed again', async () => {
    const before = await rows();
    const moved = before[2]!;
    const processedBefore = h.outcomes.length;
    expect(segment(await h.send(A08_MOVED), 'MSA').slice(0, 3)).toEqual(['MSA', 'AA', 'MSG00001']);
    const refreshed = A08_MOVED.replace('|198908181126+0215|SECURITY|', '|202612061200+0000|SECURITY|').replace(/\r?\n/g, '\r\n');
    expect(refreshed).not.toBe(A08_MOVED);
    expect(segment(await h.send(`${refreshed}\r\n`), 'MSA')[1]).toBe('AA');
    // The first message of the pair sent again is a duplicate of it, not of the A08s.
    expect(segment(await h.send(A04), 'MSA')[1]).toBe('AA');

    const after = await rows();
    expect(after.slice(3).map((r) => [r.status, String(r.duplicate_of), r.reused_control_id_of])).toEqual([
      ['duplicate', String(moved.id), null], ['duplicate', String(moved.id), null], ['duplicate', String(before[0]!.id), null],
    ]);
    expect(after[3]!.content_hash).toBe(moved.content_hash);
    expect(after[4]!.content_hash).toBe(moved.content_hash);
    // Nothing went through the pipeline again, and the patient still comes from the update.
    await new Promise((r) => setTimeout(r, 500));
    expect(h.outcomes.length).toBe(processedBefore);
    expect(String((await patient())!.message_id)).toBe(String(moved.id));
    expect(await reusedMetric()).toBe(2);
  });
});

/** A received record as the intake builds it (sender RXSYS|PHARM01), for the store-level race. */
function inbound(controlId: string, content: string, remote: string): InboundRecord {
  return {
    channel: CHANNEL, status: 'received', sender: 'RXSYS|PHARM01', controlId, messageType: 'DFT^P03', version: '2.5.1',
    processingId: 'P', patientKey: null, remote, content, duplicateWindowMs: 72 * 3600_000,
  };
}

describe('two stores on one database', () => {
  let db: { url: string; drop(): Promise<void> };
  let stores: Store[];
  beforeAll(async () => {
    db = await createTestDatabase();
    stores = [await openStore({ databaseUrl: db.url, poolSize: 4 })];
    stores.push(await openStore({ databaseUrl: db.url, poolSize: 4 }));
  });
  afterAll(async () => {
    for (const s of stores) await s.close();
    await db.drop();
  });

  test('the same copy committed by both at once: exactly one received, the other its duplicate', async () => {
    const [a, b] = stores.map((s) => new MessageRepository(s.db, s.pipelineDb));
    const ROUNDS = 60;
    const results = await Promise.all(Array.from({ length: ROUNDS }, async (_, k) => {
      const content = dftMessage({ controlId: `RACE-${k}`, patientId: `RP${k}`, lines: [{ txn: `RT${k}`, code: '90471', amount: '3' }] });
      // Each store also commits other records in the same statement, as a group commit does.
      const [ra, rb] = await Promise.all([
        a!.recordInbound([inbound(`RACE-${k}`, content, 'a'), inbound(`OTHER-A-${k}`, content.replace(`RACE-${k}`, `OTHER-A-${k}`), 'a')]),
        b!.recordInbound([inbound(`OTHER-B-${k}`, content.replace(`RACE-${k}`, `OTHER-B-${k}`), 'b'), inbound(`RACE-${k}`, content, 'b')]),
      ]);
      return [ra[0]!, rb[1]!];
    }));
    for (const [x, y] of results) {
      expect([x!.status, y!.status].sort()).toEqual(['duplicate', 'received']);
      const original = x!.status === 'received' ? x! : y!;
      expect((x!.status === 'duplicate' ? x! : y!).duplicateOf).toBe(original.id);
    }
    const { rows } = await sql<{ n: string }>`select count(*) as n from messages where control_id like 'RACE-%' and status = 'received'`.execute(stores[0]!.db);
    expect(Number(rows[0]!.n)).toBe(ROUNDS);
  });
});

describe('two engine processes', () => {
  test('the same resend sent to both at once is processed exactly once', async () => {
    const db = await createTestDatabase();
    const redis = await startRedisServer();
    const engines: Array<{ child: ChildProcess; mllpPort: number; cleanup(): void }> = [];
    const bodyKey = crypto.randomBytes(32).toString('base64');
    const kdb = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: db.url, max: 2 }) }) });
    const pipes: MllpPipe[] = [];
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
      // Four connections per engine; each round's copy goes to both engines at the same moment.
      for (const e of engines) for (let c = 0; c < 4; c++) pipes.push(new MllpPipe(e.mllpPort));
      const ROUNDS = 40;
      await Promise.all(Array.from({ length: ROUNDS }, async (_, k) => {
        const msg = dftMessage({ controlId: `TWO-${k}`, patientId: `TP${k}`, lines: [{ txn: `TWO-${k}-1`, code: '90471', amount: '3' }] });
        const acks = await Promise.all([pipes[k % 4]!.send(msg), pipes[4 + (k % 4)]!.send(msg)]);
        for (const ack of acks) expect(ack).toContain(`MSA|AA|TWO-${k}`);
      }));
      await waitFor(async () => {
        const r = await sql<{ n: string }>`select count(*) as n from messages where status in ('received', 'processing')`.execute(kdb);
        return Number(r.rows[0]!.n) === 0;
      }, 60_000, 'every message final', 200);
      const byStatus = await sql<{ status: string; n: string }>`select status, count(*) as n from messages group by status order by status`.execute(kdb);
      expect(byStatus.rows.map((r) => [r.status, Number(r.n)])).toEqual([['duplicate', ROUNDS], ['processed', ROUNDS]]);
      const perControlId = await sql<{ n: string }>`
        select count(*) as n from (select control_id from messages where status = 'processed' group by control_id having count(*) <> 1) x`.execute(kdb);
      expect(Number(perControlId.rows[0]!.n)).toBe(0);
      const charges = await sql<{ n: string }>`select count(*) as n from charges`.execute(kdb);
      expect(Number(charges.rows[0]!.n)).toBe(ROUNDS);
    } finally {
      pipes.forEach((p) => p.close());
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
});
