/**
 * The chaos suite (`npm run test:chaos`; not part of `npm test`). One test per fault, each on its own cluster: a
 * listener process and worker process(es) of the built engine, a fresh Postgres database and a private Redis,
 * under a steady MLLP load of 8 connections (25 DFT^P03 messages per second each, up to 10 in flight). The fault
 * strikes after a warm-up while the load goes on; then the load stops and drains (every message resent until it
 * gets its AA), and settleAndVerify checks what must hold after any fault: every AA'd message final and charged
 * exactly once, no duplicate charge, nothing stuck, every process healthy without a restart. Each fault adds its
 * own checks (AR while the store is down, bounded memory for a sender that never reads, …). Results:
 * one JSON line per fault on stdout and test-output/chaos-report.json.
 */
import net from 'node:net';
import { once } from 'node:events';
import { sql } from 'kysely';
import { frame } from '../../src/mllp/decoder';
import { connectMllp } from '../integration/mllp-client';
import { dftMessage, waitFor } from '../integration/support';
import { pgAdmin, startCluster, type Cluster } from './cluster';
import { recordFault, writeReport } from './report';
import { SteadyLoad } from './steady-load';
import { settleAndVerify } from './verify';

jest.setTimeout(180_000);

const LOAD = { connections: 8, ratePerConnection: 25, window: 10 };
const WARMUP_MS = 3000;
/** Load that goes on after the fault struck (or after the faulty party is back). */
const AFTER_FAULT_MS = 4000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface FaultContext {
  cluster: Cluster;
  load: SteadyLoad;
  /** Records a fault-specific problem (the test fails, the report says why). */
  check(ok: boolean, problem: string): void;
}

/** Messages of a burst per connection: with the steady load they leave the workers a backlog to be hit. */
const BURST = 300;

/** Bursts and waits until at least `minOpen` messages are committed but not finished; returns that count. */
async function backlog(ctx: FaultContext, minOpen: number): Promise<number> {
  ctx.load.burst(BURST);
  let open = 0;
  await waitFor(async () => (open = await openCount(ctx.cluster)) >= minOpen || ctx.load.burstSent, 20_000, `${minOpen} open messages`, 20);
  ctx.check(open >= minOpen, `the burst left only ${open} open messages (wanted ${minOpen}): the fault hit no backlog`);
  return open;
}

/** Runs one fault under load and records its line; `inject` strikes and returns extra report fields. */
async function chaos(fault: string, tag: string, opts: { workers?: number; redisAppendOnly?: boolean },
  inject: (ctx: FaultContext) => Promise<Record<string, unknown>>): Promise<void> {
  const started = Date.now();
  const seconds = () => Math.round((Date.now() - started) / 100) / 10;
  let cluster: Cluster | undefined;
  let load: SteadyLoad | undefined;
  let recorded = false;
  try {
    cluster = await startCluster({ fault, workers: opts.workers ?? 1, redisAppendOnly: opts.redisAppendOnly });
    load = new SteadyLoad({ port: cluster.mllpPort, tag, ...LOAD });
    load.start();
    await sleep(WARMUP_MS);
    const own: string[] = [];
    const extra = await inject({ cluster, load, check: (ok, problem) => { if (!ok) own.push(problem); } });
    await sleep(AFTER_FAULT_MS);
    await load.drain(60_000);
    const { report, problems } = await settleAndVerify(cluster, load, extra);
    problems.unshift(...own);
    recordFault({ ...report, passed: problems.length === 0, problems, seconds: seconds() });
    recorded = true;
    expect(problems).toEqual([]);
    expect({ acked: report.acked, final: report.final, duplicates: report.duplicates }).toEqual({ acked: report.sent, final: report.sent, duplicates: 0 });
  } catch (err) {
    if (!recorded) recordFault({ fault, passed: false, problems: [String((err as Error).message ?? err)], seconds: seconds(), ...load?.stats() });
    throw err;
  } finally {
    load?.close();
    await cluster?.close();
  }
}

/** Polls `probe` every 200 ms while `during` runs; resolves with what `during` returned and whether probe ever said yes. */
async function watch<T>(probe: () => Promise<boolean>, during: Promise<T>): Promise<{ value: T; seen: boolean }> {
  let seen = false;
  let done = false;
  const poller = (async () => {
    while (!done) {
      if (await probe()) seen = true;
      await sleep(200);
    }
  })();
  try {
    return { value: await during, seen };
  } finally {
    done = true;
    await poller;
  }
}

afterAll(() => writeReport());

describe('chaos: faults under a steady load of 8 MLLP connections', () => {
  test('1. kill -9 a worker process: the other worker finishes its jobs', async () => {
    await chaos('worker-kill', 'WK', { workers: 2 }, async (ctx) => {
      const { cluster, check } = ctx;
      const [victim, survivor] = cluster.workers;
      const claimed = await backlog(ctx, 300);
      await victim!.kill9();
      check(survivor!.running, 'the surviving worker stopped');
      return { killed: victim!.name, openAtKill: claimed };
    });
  });

  test('2. kill -9 the listener: restarted, senders reconnect and resend what got no ACK', async () => {
    await chaos('listener-kill', 'LK', {}, async ({ cluster, load, check }) => {
      // Killed in the middle of a burst: every connection has frames in flight, some committed but not answered.
      const ackedBefore = load.acked.size;
      load.burst(BURST);
      await waitFor(() => load.acked.size - ackedBefore >= BURST * LOAD.connections * 0.3, 20_000, 'the burst to be under way', 5);
      const inFlight = load.inFlight();
      await cluster.listener.kill9();
      const killedAt = Date.now();
      await sleep(1000);
      await cluster.listener.start();
      const downMs = Date.now() - killedAt;
      await sleep(1000);
      check(load.stats().reconnects >= LOAD.connections, `only ${load.stats().reconnects} of ${LOAD.connections} connections came back`);
      return { downMs, inFlightAtKill: inFlight };
    });
  });

  test('3. restart Redis: ACKs go on while it is down, work resumes when it is back', async () => {
    await chaos('redis-restart', 'RR', { redisAppendOnly: true }, async (ctx) => {
      const { cluster, load, check } = ctx;
      const openAtStop = await backlog(ctx, 300);
      const downFrom = Date.now();
      const { seen: degraded } = await watch(async () => (await cluster.listener.health()).status === 503, cluster.redis.restart(3000));
      const upAt = Date.now();
      // AAs answered while Redis was down (intake needs only the store).
      const aaWhileDown = load.answersBetween(downFrom + 500, upAt - 500, 'AA');
      check(degraded, 'the listener never answered /api/health with 503 while Redis was down');
      check(aaWhileDown > 0, 'no AA while Redis was down: intake should not need Redis');
      return { openAtStop, redisDownMs: upAt - downFrom, aaWhileDown };
    });
  });

  test('4. FLUSHALL Redis: the recovery sweep rebuilds the lost work from the store', async () => {
    await chaos('redis-flushall', 'RF', {}, async (ctx) => {
      const { cluster } = ctx;
      const openBefore = await backlog(ctx, 300);
      const r = cluster.redis.client();
      await r.flushall();
      r.disconnect();
      return { openAtFlush: openBefore };
    });
  });

  test('5. Postgres unavailable: AR (never AA) while it is down, recovers by itself', async () => {
    await chaos('postgres-outage', 'PG', {}, async (ctx) => {
      const { cluster, load, check } = ctx;
      const openAtCut = await backlog(ctx, 300);
      // No new connections to the engine's database, and every existing one cut (store-outage.pg.test.ts).
      await pgAdmin(`alter database ${cluster.dbName} allow_connections false`);
      await pgAdmin(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${cluster.dbName}'`);
      const cutAt = Date.now();
      const { seen: degraded } = await watch(async () => (await cluster.listener.health()).status === 503, sleep(4000));
      await pgAdmin(`alter database ${cluster.dbName} allow_connections true`);
      const restoredAt = Date.now();
      await waitFor(async () => (await cluster.listener.health()).status === 200, 20_000, 'the listener to be healthy again', 100);
      const recoveredMs = Date.now() - restoredAt;
      // A commit that finished just before the cut may be answered a moment later: 300 ms of grace.
      const aaWhileDown = load.answersBetween(cutAt + 300, restoredAt, 'AA');
      const arWhileDown = load.answersBetween(cutAt, restoredAt, 'AR');
      check(aaWhileDown === 0, `${aaWhileDown} AAs while Postgres was down`);
      check(arWhileDown > 0, 'no AR while Postgres was down');
      check(degraded, 'the listener never answered /api/health with 503 while Postgres was down');
      return { openAtCut, aaWhileDown, arWhileDown, storeDownMs: restoredAt - cutAt, recoveredMs };
    });
  });

  test('6. frames over the limit: AR each, the connection survives, other senders unaffected', async () => {
    await chaos('oversize-frames', 'OV', {}, async ({ cluster, load, check }) => {
      const rssBefore = cluster.listener.rssMiB() ?? 0;
      const arBefore = load.stats().ar;
      const client = await connectMllp(cluster.mllpPort);
      const small = (id: string) => dftMessage({ controlId: id, patientId: 'OVP1', lines: [{ txn: `${id}-1`, code: '90471', amount: '5' }] });
      // 1.5 MiB frames (the channel's limit is 1 MiB), each followed by a normal message on the same connection.
      const big = (id: string) => `${small(id)}\rNTE|1||${'X'.repeat(1_500_000)}`;
      const expected: Array<[string, string]> = [];
      for (let i = 0; i < 5; i++) {
        client.sendFrame(big(`OV-BIG-${i}`));
        client.sendFrame(small(`OV-OK-${i}`));
        expected.push(['AR', `OV-BIG-${i}`], ['AA', `OV-OK-${i}`]);
      }
      // A frame that never ends within the limit: 16 MiB streamed in 64 KiB chunks, then FS, then a normal one.
      client.socket.write(Buffer.concat([Buffer.from([0x0b]), Buffer.from(small('OV-ENDLESS'))]));
      const chunk = Buffer.alloc(64 * 1024, 'Y');
      for (let sent = 0; sent < 16 * 1024 * 1024; sent += chunk.length) {
        if (!client.socket.write(chunk)) await once(client.socket, 'drain');
      }
      client.socket.write(Buffer.from([0x1c, 0x0d]));
      client.sendFrame(small('OV-OK-END'));
      expected.push(['AR', 'OV-ENDLESS'], ['AA', 'OV-OK-END']);
      const got: Array<[string, string]> = [];
      for (let i = 0; i < expected.length; i++) {
        const msa = ((await client.nextReply(15_000)).split('\r').find((s) => s.startsWith('MSA|')) ?? '').split('|');
        got.push([msa[1] ?? '?', msa[2] ?? '?']);
      }
      check(JSON.stringify(got) === JSON.stringify(expected), `answers to the oversize sender: ${JSON.stringify(got)}`);
      check(!client.socket.destroyed, 'the oversize sender\'s connection was closed');
      const rssAfter = cluster.listener.rssMiB() ?? 0;
      check(rssAfter - rssBefore < 64, `listener RSS grew by ${Math.round(rssAfter - rssBefore)} MiB`);
      await client.close();
      const rejected = await sql<{ n: string }>`select count(*) as n from messages where status = 'rejected' and error_code = 'FRAME_TOO_LARGE'`.execute(cluster.kdb);
      check(Number(rejected.rows[0]!.n) === 6, `${rejected.rows[0]!.n} oversize frames stored as rejected, expected 6`);
      check(load.stats().ar === arBefore, 'the other senders got ARs');
      return { oversizeFrames: 6, oversizeAnswers: got.length, rssGrowthMiB: Math.round(rssAfter - rssBefore) };
    });
  });

  test('7. a sender that never reads its ACKs: bounded memory, other connections keep flowing', async () => {
    await chaos('slow-consumer', 'SC', {}, async ({ cluster, load, check }) => {
      const baseline = load.latencySince(0);
      const rssBefore = cluster.listener.rssMiB() ?? 0;
      const mark = load.mark();
      // It sends as fast as TCP lets it and never reads: the same message over and over (as a sender that
      // never sees its ACK resends), so the pipeline has no extra work, only intake and the unread ACKs.
      const text = dftMessage({ controlId: 'SC-SLOW-1', patientId: 'SCP1', lines: [{ txn: 'SC-SLOW-1-1', code: '90471', amount: '5' }] });
      const framed = frame(text);
      const slow = net.connect(cluster.mllpPort, '127.0.0.1');
      slow.pause(); // never read
      slow.on('error', () => undefined);
      await once(slow, 'connect');
      let bytes = 0;
      let frames = 0;
      let stop = false;
      let lastProgress = Date.now();
      let rssPeak = rssBefore;
      let wake: (() => void) | undefined;
      slow.on('drain', () => { lastProgress = Date.now(); wake?.(); });
      const pump = (async () => {
        while (!stop) {
          bytes += framed.length;
          frames++;
          if (slow.write(framed)) {
            lastProgress = Date.now();
            if (frames % 200 === 0) await new Promise((r) => setImmediate(r));
          } else {
            await new Promise<void>((r) => { wake = r; }); // woken by 'drain', or when the test stops it
          }
        }
      })();
      // Runs until the engine has stopped reading it for 3 s (its ACKs fill the socket), at most 40 s.
      const started = Date.now();
      while (Date.now() - started < 40_000 && (Date.now() - lastProgress < 3000 || Date.now() - started < 3000)) {
        rssPeak = Math.max(rssPeak, cluster.listener.rssMiB() ?? 0);
        await sleep(250);
      }
      const blocked = Date.now() - lastProgress >= 3000;
      const channels = await cluster.listener.api('/api/channels');
      const connections = channels.channels?.[0]?.connections;
      // Other connections while the slow sender is attached and blocked.
      const flowMark = load.mark();
      await sleep(2000);
      const whileBlocked = load.latencySince(flowMark);
      const during = load.latencySince(mark);
      stop = true;
      wake?.();
      await pump;
      slow.destroy();
      check(blocked, 'the engine kept reading a sender that never reads its ACKs');
      check(rssPeak - rssBefore < 128, `listener RSS grew by ${Math.round(rssPeak - rssBefore)} MiB`);
      check(connections === LOAD.connections + 1, `the listener reported ${connections} connections, expected ${LOAD.connections + 1}`);
      const expectedInTwoSeconds = LOAD.connections * LOAD.ratePerConnection * 2;
      check(whileBlocked.count >= expectedInTwoSeconds * 0.5, `other connections got ${whileBlocked.count} AAs in 2 s while the slow sender was blocked (offered ${expectedInTwoSeconds})`);
      check(whileBlocked.p99Ms < Math.max(2000, 4 * baseline.p99Ms), `ACK p99 of the other connections was ${whileBlocked.p99Ms} ms while the slow sender was blocked`);
      await waitFor(async () => (await cluster.listener.api('/api/channels')).channels?.[0]?.connections === LOAD.connections, 15_000, 'the slow sender\'s connection to be closed by the engine');
      return {
        slowFrames: frames, slowMiB: Math.round(bytes / 1048576), slowBlocked: blocked, rssGrowthMiB: Math.round(rssPeak - rssBefore),
        ackP99BeforeMs: baseline.p99Ms, ackP99DuringMs: during.p99Ms, ackP99WhileBlockedMs: whileBlocked.p99Ms,
      };
    });
  });
});

async function openCount(cluster: Cluster): Promise<number> {
  const r = await sql<{ n: string }>`select count(*) as n from messages where status in ('received', 'processing')`.execute(cluster.kdb);
  return Number(r.rows[0]!.n);
}
