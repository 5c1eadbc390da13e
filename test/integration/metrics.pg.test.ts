/**
 * GET /metrics on a whole engine (Postgres, Redis, MLLP on real sockets): after messages are sent the intake and
 * pipeline counters, the ACK latency histogram and the stage histograms move; the queue, store, pool,
 * backpressure and Node.js gauges are there; labels carry no message content; and the route takes the scrape
 * token only (no token, a wrong one and a user's admin token are refused 401).
 */
import { startHarness, TOKEN, type Harness } from './engine-harness';
import { dftMessage, waitFor } from './support';

const SCRAPE_TOKEN = 'metrics-scrape-token-0123456789';
const CHANNEL = 'pharmacy-inbound';

interface Sample { name: string; labels: Record<string, string>; value: number }

/** Parses the Prometheus text format (the lines this test needs: samples, not HELP/TYPE). */
function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

describe('GET /metrics', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ store: 'postgres', env: { RXBRIDGE_METRICS_TOKEN: SCRAPE_TOKEN } });
  });
  afterAll(async () => { await h.close(); });

  async function scrape(token: string | null = SCRAPE_TOKEN): Promise<{ status: number; type: string | null; text: string }> {
    const { port } = h.engine.httpAddress()!;
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  }

  test('takes the scrape token only', async () => {
    expect((await scrape(null)).status).toBe(401);
    const wrong = await scrape('not-the-token');
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.text).error.code).toBe('UNAUTHORIZED');
    expect((await scrape(TOKEN)).status).toBe(401); // the admin (bootstrap) token is a user credential, not a scrape token
    const ok = await scrape();
    expect(ok.status).toBe(200);
    expect(ok.type).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  test('counters, the ACK latency histogram and stage durations move as messages flow', async () => {
    const before = parseMetrics((await scrape()).text);
    expect(value(before, 'rxbridge_intake_messages_total', { channel: CHANNEL, outcome: 'received' })).toBe(0);
    const ackCountBefore = value(before, 'rxbridge_ack_latency_seconds_count', { channel: CHANNEL }) ?? 0;
    const parsedBefore = value(before, 'rxbridge_pipeline_stage_seconds_count', { stage: 'parse' }) ?? 0;

    const acks: string[] = [];
    for (let i = 1; i <= 3; i++) {
      acks.push(await h.send(dftMessage({ controlId: `MET-${i}`, patientId: `METPAT${i}`, lines: [{ txn: `MET-${i}-1`, code: '90471', amount: '12.50' }] })));
    }
    // No amount: accepted, then a dead letter (MAPPING_FIELD_MISSING).
    acks.push(await h.send(dftMessage({ controlId: 'MET-DL', patientId: 'METPATDL', lines: [{ txn: 'MET-DL-1', code: '90471', amount: '' }] })));
    // A type the channel does not accept: AR.
    acks.push(await h.send(dftMessage({ controlId: 'MET-AR', patientId: 'METPATAR', lines: [] }).replace('DFT^P03^DFT_P03', 'ADT^A01^ADT_A01')));
    expect(acks.map((a) => /MSA\|(\w+)/.exec(a)?.[1])).toEqual(['AA', 'AA', 'AA', 'AA', 'AR']);
    await waitFor(() => h.outcomes.filter((o) => ['processed', 'dead-letter'].includes(o.outcome.kind)).length >= 4, 15_000, 'four pipeline outcomes');

    let after: Sample[] = [];
    // Store gauges are cached for 5 s: wait until the scrape shows the dead letter.
    await waitFor(async () => {
      after = parseMetrics((await scrape()).text);
      return value(after, 'rxbridge_dead_letters', { channel: CHANNEL }) === 1;
    }, 10_000, 'the dead-letter gauge to show 1', 500);

    expect(value(after, 'rxbridge_intake_messages_total', { channel: CHANNEL, outcome: 'received' })).toBe(4);
    expect(value(after, 'rxbridge_intake_messages_total', { channel: CHANNEL, outcome: 'rejected' })).toBe(1);
    expect(value(after, 'rxbridge_intake_messages_total', { channel: CHANNEL, outcome: 'store_unavailable' })).toBe(0);
    expect(value(after, 'rxbridge_ack_latency_seconds_count', { channel: CHANNEL })).toBe(ackCountBefore + 5);
    expect(value(after, 'rxbridge_ack_latency_seconds_sum', { channel: CHANNEL })).toBeGreaterThan(0);
    expect(value(after, 'rxbridge_ack_latency_seconds_bucket', { channel: CHANNEL, le: '+Inf' })).toBe(ackCountBefore + 5);
    expect(value(after, 'rxbridge_pipeline_messages_total', { channel: CHANNEL, outcome: 'processed' })).toBe(3);
    expect(value(after, 'rxbridge_pipeline_messages_total', { channel: CHANNEL, outcome: 'dead_letter' })).toBe(1);
    expect(value(after, 'rxbridge_pipeline_stage_seconds_count', { stage: 'parse' })).toBeGreaterThanOrEqual(parsedBefore + 4);
    expect(value(after, 'rxbridge_pipeline_stage_seconds_count', { stage: 'map' })).toBeGreaterThanOrEqual(4);
    expect(value(after, 'rxbridge_pipeline_stage_seconds_count', { stage: 'claim' })).toBeGreaterThanOrEqual(1);
    expect(value(after, 'rxbridge_pipeline_stage_seconds_count', { stage: 'write' })).toBeGreaterThanOrEqual(1);
    expect(value(after, 'rxbridge_messages_open', { channel: CHANNEL })).toBe(0);
    expect(value(after, 'rxbridge_last_message_received_timestamp_seconds', { channel: CHANNEL })).toBeGreaterThan(Date.now() / 1000 - 120);
  });

  test('reports the queue, the database pools, backpressure and the Node.js process', async () => {
    const samples = parseMetrics((await scrape()).text);
    expect(value(samples, 'rxbridge_queue_up')).toBe(1);
    expect(value(samples, 'rxbridge_queue_jobs', { state: 'waiting' })).toBeGreaterThanOrEqual(0);
    expect(value(samples, 'rxbridge_store_readings_up')).toBe(1);
    expect(value(samples, 'rxbridge_db_pool_connections', { pool: 'main', state: 'total' })).toBeGreaterThan(0);
    expect(value(samples, 'rxbridge_db_pool_waiting', { pool: 'pipeline' })).toBe(0);
    expect(value(samples, 'rxbridge_backpressure_backlog')).toBe(0);
    expect(value(samples, 'rxbridge_backpressure_ack_delay_seconds')).toBe(0);
    expect(value(samples, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(value(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  test('no message content reaches a label', async () => {
    const text = (await scrape()).text;
    for (const fromMessages of ['METPAT', 'MET-1', 'TESTPATIENT', '90471', '12.50', 'RXSYS', 'PHARM01']) expect(text).not.toContain(fromMessages);
    const labelValues = new Set(parseMetrics(text).flatMap((s) => Object.values(s.labels)));
    const channelsAndStates = /^(pharmacy-inbound|received|duplicate|rejected|store_unavailable|processed|filtered|retry|dead_letter|parse|filter|map|claim|write|waiting|prioritized|active|delayed|failed|main|pipeline|total|idle|[\d.e+-]+|\+Inf)$/;
    const others = [...labelValues].filter((v) => !channelsAndStates.test(v));
    // What is left comes from prom-client's Node.js metrics (versions, GC kinds, heap spaces, handle types).
    for (const v of others) expect(v).toMatch(/^(v?\d+(\.\d+)*|[a-z_]+|[A-Z][A-Za-z]+)$/);
  });
});
