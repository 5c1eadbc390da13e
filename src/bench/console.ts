/**
 * The `console` scenario of `npm run bench`: the web console's data APIs at 100,000 stored
 * messages. A fresh database is seeded through the engine's real schema (one INSERT … SELECT generate_series for
 * the messages, one for their bodies), spread over 30 days, three channels, every status, five message types,
 * 5,000 synthetic patients and 20,000 Rx numbers; each message carries the blind-index tokens of its patient
 * and Rx number, computed by the engine's own MessageSearchIndex. Then each call is timed over HTTP against the
 * real admin app (an engine with role `listener`, so no worker touches the seeded rows) with an admin token:
 * 3 warm-up calls, then CALLS timed calls one after another; p50/p95/max per endpoint.
 *
 * Targets: message search < 300 ms, dashboard data < 1 s, and the dashboard's first paint in a real browser
 * (headless chromium, ./console-paint.ts) < 1 s: its channel table rendered with data, from navigation start.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { sql } from 'kysely';
import { createLogger } from '../core/logger';
import { withTimeout } from '../core/with-timeout';
import { startEngine, type Engine } from '../main';
import { measureDashboardPaint, type DashboardPaint } from './console-paint';
import { createDatabase, deleteRedisPrefix, freePort, tempProject, type BenchServers } from './infra';

export const DEFAULT_CONSOLE_MESSAGES = 100_000;
const CALLS = 30;
const WARMUP_CALLS = 3;
const PATIENTS = 5_000;
const RX_NUMBERS = 20_000;
const DAYS = 30;
const CHANNELS = ['pharmacy-inbound', 'clinic-east', 'mail-order'];
const FAMILY_NAMES = [
  'SMITH',
  'JOHNSON',
  'WILLIAMS',
  'BROWN',
  'JONES',
  'GARCIA',
  'MILLER',
  'DAVIS',
  'RODRIGUEZ',
  'MARTINEZ',
  'HERNANDEZ',
  'LOPEZ',
  'GONZALEZ',
  'WILSON',
  'ANDERSON',
  'THOMAS',
  'TAYLOR',
  'MOORE',
  'JACKSON',
  'MARTIN',
  'LEE',
  'PEREZ',
  'THOMPSON',
  'WHITE',
  'HARRIS',
  'SANCHEZ',
  'CLARK',
  'RAMIREZ',
  'LEWIS',
  'ROBINSON',
  'WALKER',
  'YOUNG',
  'ALLEN',
  'KING',
  'WRIGHT',
  'SCOTT',
  'TORRES',
  'NGUYEN',
  'HILL',
  'FLORES',
  'GREEN',
  'ADAMS',
  'NELSON',
  'BAKER',
  'HALL',
  'RIVERA',
  'CAMPBELL',
  'MITCHELL',
  'CARTER',
  'ROBERTS',
];
/** Latency targets in ms: a search answers within 300 ms and the dashboard's data within 1 s at 100,000 messages. */
export const CONSOLE_TARGETS = { searchMs: 300, dashboardMs: 1000 };

export interface ConsoleEndpointResult {
  name: string;
  /** The request, with synthetic search terms only. */
  path: string;
  calls: number;
  p50: number;
  p95: number;
  max: number;
  /** Rows on the page (the dashboard: channels). */
  rows: number;
  targetMs: number;
}

export interface ConsoleBenchResult {
  messages: number;
  seedSeconds: number;
  endpoints: ConsoleEndpointResult[];
  /** The dashboard's first paint in a real browser at this size (console-paint.ts), or why it was skipped. */
  paint?: DashboardPaint | { skipped: string };
}

const patientId = (i: number) => `BP${String(i).padStart(6, '0')}`;
const rxNumber = (i: number) => `RX${String(i).padStart(7, '0')}`;
const familyName = (i: number) => `${FAMILY_NAMES[i % FAMILY_NAMES.length]}${i % 7 === 0 ? '' : String.fromCharCode(65 + (i % 26))}`;

/** `messages`: how many are seeded (BENCH_CONSOLE_MESSAGES); `chromiumPath`: the browser of the paint measurement (CHROMIUM_PATH). */
export async function benchConsole({
  servers,
  messages,
  chromiumPath,
  pending,
  notes,
  log,
}: {
  servers: BenchServers;
  messages: number;
  chromiumPath: string;
  pending: Set<() => Promise<void>>;
  notes: string[];
  log: (line: string) => void;
}): Promise<ConsoleBenchResult> {
  const db = await createDatabase(servers);
  const project = tempProject();
  const prefix = `rxbbench-${crypto.randomBytes(4).toString('hex')}`;
  const token = crypto.randomBytes(24).toString('base64url');
  const logStream = fs.createWriteStream(project.logFile);
  let engine: Engine | undefined;
  const cleanup = async () => {
    if (engine)
      await withTimeout(engine.stop(), 30_000, 'engine stop').catch((err) => notes.push(`engine stop: ${(err as Error).message}`));
    engine = undefined;
    await new Promise<void>((resolve) => logStream.end(resolve));
    await db.drop().catch((err) => notes.push(`drop database: ${(err as Error).message}`));
    await deleteRedisPrefix(servers, prefix).catch((err) => notes.push(`redis clean-up: ${(err as Error).message}`));
    project.cleanup();
  };
  pending.add(cleanup);
  try {
    engine = await withTimeout(
      startEngine({
        channelsDir: project.channelsDir,
        mappingsDir: project.mappingsDir,
        dataDir: project.dataDir,
        databaseUrl: db.url,
        redisUrl: servers.redisUrl,
        httpHost: '127.0.0.1',
        httpPort: 0,
        adminToken: token,
        env: { MLLP_PORT: String(await freePort()), MLLP_HOST: '127.0.0.1' },
        role: 'listener',
        logger: createLogger({ stream: logStream, level: 'warn' }),
        queuePrefix: prefix,
      }),
      30_000,
      'engine start',
    );
    const seedStarted = performance.now();
    await seed(engine, messages);
    const seedSeconds = Math.round((performance.now() - seedStarted) / 100) / 10;
    log(`seeded ${messages.toLocaleString('en-US')} messages in ${seedSeconds} s`);

    const base = `http://127.0.0.1:${engine.httpAddress()!.port}`;
    const call = async (p: string) => {
      const res = await fetch(base + p, { headers: { authorization: `Bearer ${token}` } });
      const body = (await res.json()) as { messages?: unknown[]; channels?: unknown[]; next?: string | null };
      if (res.status !== 200) throw new Error(`${p} answered ${res.status}: ${JSON.stringify(body)}`);
      return body;
    };
    const now = Date.now();
    const day = 86_400_000;
    const iso = (t: number) => new Date(t).toISOString();
    // The 10th page: follow `next` from the first page nine times, then time that page.
    let cursor: string | null | undefined = null;
    for (let page = 1; page < 10; page++) cursor = (await call(`/api/messages?limit=50${cursor ? `&before=${cursor}` : ''}`)).next;
    if (!cursor) throw new Error('fewer than 10 pages of messages');
    const plan: Array<{ name: string; path: string; targetMs: number }> = [
      { name: 'dashboard', path: '/api/dashboard', targetMs: CONSOLE_TARGETS.dashboardMs },
      { name: 'messages, first page', path: '/api/messages', targetMs: CONSOLE_TARGETS.searchMs },
      { name: 'status=error', path: '/api/messages?status=error', targetMs: CONSOLE_TARGETS.searchMs },
      {
        name: 'channel + from/to (7 days)',
        path: `/api/messages?channel=clinic-east&from=${iso(now - 15 * day)}&to=${iso(now - 8 * day)}`,
        targetMs: CONSOLE_TARGETS.searchMs,
      },
      { name: 'rx (exact)', path: `/api/messages?rx=${rxNumber(12_345)}`, targetMs: CONSOLE_TARGETS.searchMs },
      { name: 'patient id (exact)', path: `/api/messages?patient=${patientId(1_234)}`, targetMs: CONSOLE_TARGETS.searchMs },
      { name: 'patient name prefix "mar"', path: '/api/messages?patient=mar', targetMs: CONSOLE_TARGETS.searchMs },
      { name: '10th page (keyset)', path: `/api/messages?limit=50&before=${cursor}`, targetMs: CONSOLE_TARGETS.searchMs },
    ];
    const endpoints: ConsoleEndpointResult[] = [];
    for (const p of plan) {
      let rows = 0;
      for (let i = 0; i < WARMUP_CALLS; i++) await call(p.path);
      const times: number[] = [];
      for (let i = 0; i < CALLS; i++) {
        const t0 = performance.now();
        const body = await call(p.path);
        times.push(performance.now() - t0);
        rows = (body.messages ?? body.channels ?? []).length;
      }
      times.sort((a, b) => a - b);
      const rank = (q: number) => round1(times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)] as number);
      const result = {
        name: p.name,
        path: p.path,
        calls: CALLS,
        p50: rank(0.5),
        p95: rank(0.95),
        max: round1(times[times.length - 1] as number),
        rows,
        targetMs: p.targetMs,
      };
      endpoints.push(result);
      log(`${p.name}: p50 ${result.p50} ms, p95 ${result.p95} ms, max ${result.max} ms (${rows} rows)`);
    }
    // Last: it creates an admin user, after which the bootstrap token no longer works.
    const paint = await measureDashboardPaint(base, token, chromiumPath);
    log(
      'skipped' in paint
        ? `dashboard first paint: skipped (${paint.skipped})`
        : `dashboard first paint: first-contentful-paint p50 ${paint.firstContentfulPaint.p50} ms, channel table p50 ${paint.channelTable.p50} ms, max ${paint.channelTable.max} ms (${paint.loads} loads)`,
    );
    return { messages, seedSeconds, endpoints, paint };
  } finally {
    pending.delete(cleanup);
    await cleanup();
  }
}

/**
 * `count` messages over the last 30 days (oldest first, so ids grow with received_at as at intake): 60 % on the
 * sample channel, every status (about 2 % dead letters, 1 % rejected), DFT/RDS/ADT/VXU/ORU, each for one of
 * PATIENTS patients; RDS and DFT messages name an Rx number. Every message has a short synthetic body.
 */
async function seed(engine: Engine, count: number): Promise<void> {
  const search = engine.repository.search;
  const patientTokens = Array.from({ length: PATIENTS }, (_, i) =>
    search
      .tokensOf(
        `MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|HOSP|20260101||ADT^A08|X|P|2.5.1\rPID|1||${patientId(i)}^^^PHARM01^MR||${familyName(i)}^ALEX`,
      )
      .join(' '),
  );
  const rxTokens = Array.from({ length: RX_NUMBERS }, (_, i) =>
    search.tokensOf(`MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|HOSP|20260101||RDS^O13|X|P|2.5.1\rRXD|1|X|20260101|1|EA||${rxNumber(i)}`).join(' '),
  );
  const db = engine.store.db;
  const spreadSeconds = (DAYS * 86_400) / count;
  await sql`
    insert into messages (channel, status, sender, control_id, message_type, version, processing_id, patient_key, remote,
                          received_at, updated_at, finished_at, attempts, error_code, error_text, error_stage)
    select case when g % 5 < 3 then ${CHANNELS[0]} when g % 5 = 3 then ${CHANNELS[1]} else ${CHANNELS[2]} end,
           s.status, 'RXSYS|PHARM0' || (g % 3), 'BENCH-' || g, t.type, '2.5.1', 'P', md5('p' || (g * 31) % ${PATIENTS}),
           '127.0.0.1:' || (40000 + g % 100), r.at, r.at, r.at + interval '40 milliseconds', 1,
           case s.status when 'error' then 'MAPPING_FIELD_MISSING' when 'rejected' then 'UNSUPPORTED_MESSAGE_TYPE' end,
           case s.status when 'error' then 'rule charge: FT1-11 (transaction amount) is empty'
                         when 'rejected' then 'message type ZZZ^Z01 is not accepted by this channel' end,
           case s.status when 'error' then 'map' when 'rejected' then 'intake' end
      from generate_series(1, ${count}) g
      cross join lateral (select now() - make_interval(secs => (${count} - g) * ${spreadSeconds}::float8) as at) r
      cross join lateral (select case when g % 50 = 0 then 'error' when g % 97 = 0 then 'rejected' when g % 41 = 0 then 'duplicate'
                                      when g % 23 = 0 then 'filtered' else 'processed' end as status) s
      cross join lateral (select (array['DFT^P03', 'RDS^O13', 'RDS^O13', 'ADT^A08', 'VXU^V04', 'ORU^R01'])[1 + (g * 13) % 6] as type) t
     order by g`.execute(db);
  await sql`
    insert into message_contents (message_id, version, kind, content, key_id)
    select id, 1, 'raw', 'MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|HOSP|20260101||' || message_type || '|' || control_id || '|P|2.5.1', null
      from messages`.execute(db);
  await sql`
    insert into message_terms (message_id, tokens)
    select m.id, string_to_array((${patientTokens}::text[])[1 + (g * 31) % ${PATIENTS}]
             || case when m.message_type in ('RDS^O13', 'DFT^P03') then ' ' || (${rxTokens}::text[])[1 + (g * 7919) % ${RX_NUMBERS}] else '' end, ' ')::bigint[]
      from messages m cross join lateral (select substring(m.control_id from 7)::int as g) n
     where m.control_id like 'BENCH-%'`.execute(db);
  await sql`analyze messages`.execute(db);
  await sql`analyze message_contents`.execute(db);
  await sql`analyze message_terms`.execute(db);
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}
