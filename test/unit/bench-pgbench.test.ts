import { parsePgbenchLog, parsePgbenchOutput } from '../../src/bench/pgbench-output';
import { checkTargets, formatReport, pgbenchReference, vsPgbench, type BenchReport, type ScenarioResult } from '../../src/bench/report';

const PGBENCH_15 = `pgbench (15.20 (Debian 15.20-0+deb12u1))
transaction type: /tmp/insert-row.sql
scaling factor: 1
query mode: prepared
number of clients: 1
number of threads: 1
maximum number of tries: 1
duration: 20 s
number of transactions actually processed: 84123
number of failed transactions: 0 (0.000%)
latency average = 0.238 ms
initial connection time = 5.207 ms
tps = 4206.150123 (without initial connection time)
`;

const PGBENCH_13 = `transaction type: /tmp/insert-row.sql
number of clients: 8
duration: 20 s
number of transactions actually processed: 160000
latency average = 1.000 ms
tps = 7990.1 (including connections establishing)
tps = 8001.7 (excluding connections establishing)
`;

test('pgbench 15: the rate without connection time, transactions, latency and failures', () => {
  expect(parsePgbenchOutput(PGBENCH_15, 1)).toEqual({ clients: 1, tps: 4206, transactions: 84123, latencyMs: 0.238, failed: 0 });
});

test('older pgbench: the rate excluding connection establishing', () => {
  expect(parsePgbenchOutput(PGBENCH_13, 8)).toEqual({ clients: 8, tps: 8002, transactions: 160000, latencyMs: 1, failed: 0 });
});

test('output without a rate is an error that quotes its end', () => {
  expect(() => parsePgbenchOutput('pgbench: error: connection to server failed\n', 1)).toThrow(/no rate: pgbench: error: connection/);
});

function scenario(kind: ScenarioResult['kind'], connections: number, window: number | 'paced', msgPerSec: number, e2e?: number): ScenarioResult {
  const latency = { count: 1, p50: 1, p99: 2, max: 3, mean: 1 };
  return {
    kind, connections, window, seconds: 20, msgPerSec, ackLatency: latency, sent: 1, acked: 1, naks: 0, skipped: 0, drained: true,
    cpu: { enginePct: 50, generatorPct: 10, machinePct: 90 }, offeredPerSec: window === 'paced' ? 1000 : undefined,
    e2e: e2e === undefined ? undefined : {
      msgPerSec: e2e, messages: 1, processed: 1, complete: true, totalSeconds: 20, drainSeconds: 0, processedDuringSendPerSec: e2e,
      backlogAtSendEnd: 0, outcomes: {}, statuses: {}, charges: 3, expectedCharges: 3,
    },
  };
}

function report(pgbench: BenchReport['pgbench']): BenchReport {
  return {
    date: '2026-12-07T00:00:00Z', benchSeconds: 20, warmupSeconds: 2, window: 32, generator: 'forked',
    machine: { cpus: 2, cpuModel: 'cpu', memory: '4 GiB', node: 'v20', postgres: '15', redis: '7', platform: 'Linux' },
    failures: [], pgbench,
    scenarios: [
      scenario('echo', 1, 1, 8000), scenario('ingest', 1, 1, 420),
      scenario('echo', 16, 32, 30000), scenario('ingest', 16, 32, 2000),
      scenario('e2e', 16, 32, 1500, 1000), scenario('latency', 4, 'paced', 1000),
    ],
  };
}

const PGBENCH: BenchReport['pgbench'] = {
  command: 'pgbench -M prepared -n -f <insert one 600-byte row> -c <1|8> -T 20', seconds: 20, rowBytes: 600,
  runs: [{ clients: 1, tps: 4200, transactions: 84000, latencyMs: 0.238, failed: 0 }, { clients: 8, tps: 8000, transactions: 160000, latencyMs: 1, failed: 0 }],
};

test('one message at a time is compared with 1 client, anything more in flight with 8', () => {
  const r = report(PGBENCH);
  expect(pgbenchReference(r, r.scenarios[1] as ScenarioResult)?.clients).toBe(1);
  expect(pgbenchReference(r, r.scenarios[3] as ScenarioResult)?.clients).toBe(8);
  expect(pgbenchReference(r, r.scenarios[5] as ScenarioResult)?.clients).toBe(8);
  expect(vsPgbench(r, r.scenarios[1] as ScenarioResult, 420)).toBe('0.10x c1');
  expect(vsPgbench(r, r.scenarios[3] as ScenarioResult, 2000)).toBe('0.25x c8');
});

test('the report prints ingest and end to end next to echo and pgbench, latency against pgbench', () => {
  const lines = formatReport(report(PGBENCH)).split('\n');
  const row = (prefix: RegExp) => lines.find((l) => prefix.test(l)) ?? '';
  expect(row(/^pgbench on the same Postgres/)).not.toBe('');
  expect(row(/^1 +4,200 +0\.24 +84,000 +0$/)).not.toBe('');
  expect(row(/^ingest +1 +1 /)).toMatch(/ 0\.05x +0\.10x c1 /);
  expect(row(/^ingest +16 +32 /)).toMatch(/ 0\.07x +0\.25x c8 /);
  expect(row(/^postgres +16 +32 +1,000 /)).toMatch(/^postgres +16 +32 +1,000 +0\.03x +0\.13x c8 +1,500 /);
  expect(row(/^1,000 +1,000 /)).toMatch(/^1,000 +1,000 +0\.13x c8 /);
});

test('without pgbench the ratios are "-", and a skipped run says why', () => {
  expect(vsPgbench(report(undefined), scenario('ingest', 1, 1, 420), 420)).toBe('-');
  const text = formatReport(report({ skipped: 'pgbench not installed' }));
  expect(text).toContain('skipped: pgbench not installed');
  expect(text.split('\n').find((l) => /^ingest +1 +1 /.test(l))).toMatch(/ 0\.05x +- /);
});

test('the hot-path targets: end to end, one at a time and embedded, each against its yardstick', () => {
  const r = report(PGBENCH);
  const embedded = { ...scenario('e2e', 4, 32, 2600, 2100), store: 'pglite' as const, eventLoop: { maxMs: 30, p99Ms: 12 } };
  r.scenarios.push(scenario('e2e', 1, 1, 1300, 1200), scenario('e2e', 1, 32, 2600, 2500), embedded);
  const checks = checkTargets(r);
  const check = (re: RegExp) => checks.find((c) => re.test(c.target));
  expect(check(/^end to end >= 4,000 msg\/s, 16 conn/)).toMatchObject({ met: false, measured: expect.stringMatching(/^1,000 msg\/s, charges 3\/3/) });
  expect(check(/^end to end >= 2,500 msg\/s, 1 conn/)?.met).toBe(true);
  expect(check(/^end to end 16 x 32 >= 0.5 of pgbench/)).toMatchObject({ met: false, measured: expect.stringMatching(/^0\.13 \(1,000 msg\/s against 8,000 tps\)/) });
  // 1,300 msg/s ACKed one at a time against 4,200 tps with 1 client: 0.31.
  expect(check(/^one at a time/)).toMatchObject({ met: true, measured: expect.stringMatching(/0\.31 of 4,200 tps/) });
  expect(check(/^at 1,000 msg\/s offered/)?.met).toBe(false); // machine CPU 90 %
  expect(check(/^embedded store/)?.met).toBe(true);
  embedded.eventLoop.maxMs = 80;
  expect(checkTargets(r).find((c) => /^embedded store/.test(c.target))?.met).toBe(false);
  // Without pgbench the one-at-a-time check cannot be judged.
  const bare = report(undefined);
  bare.scenarios.push(scenario('e2e', 1, 1, 1300, 1200));
  expect(checkTargets(bare).find((c) => /^one at a time/.test(c.target))).toMatchObject({ met: undefined, measured: expect.stringMatching(/no pgbench/) });
});

// pgbench 15's `-l` log with `-R`: client, transaction, elapsed µs, script, epoch s, µs, schedule lag µs.
const PACED_LOG = `0 0 412 0 1796703184 955123 35
1 0 388 0 1796703184 956101 12
0 1 250118 0 1796703185 206300 40
2 5 skipped 0 1796703185 210000 90000
`;

test('a paced run\'s log: each transaction\'s elapsed time in ms, skipped ones left out', () => {
  expect(parsePgbenchLog(PACED_LOG)).toEqual([0.412, 0.388, 250.118]);
  expect(parsePgbenchLog('')).toEqual([]);
});

test('the paced ACK latency is printed beside what pgbench gives a commit at the same rate', () => {
  const paced = { clients: 4, ratePerSec: 1000, latency: { count: 20000, p50: 0.42, p99: 109.01, max: 260.56, mean: 2.1 } };
  const r = report({ ...(PGBENCH as Exclude<BenchReport['pgbench'], undefined | { skipped: string }>), paced });
  expect(checkTargets(r).find((c) => /^at 1,000 msg\/s offered/.test(c.target))?.measured).toMatch(
    /; pgbench paced alike \(1,000 tps, 4 clients\): p99 109 ms, max 261 \(run of/,
  );
  expect(formatReport(r)).toContain('paced: 1,000 tps offered from 4 clients (-R), 20,000 transactions: latency p50 0.42 ms, p99 109 ms, max 261 ms');
  // Without the paced run the latency check reads as before.
  expect(checkTargets(report(PGBENCH)).find((c) => /^at 1,000 msg\/s offered/.test(c.target))?.measured).not.toMatch(/pgbench paced/);
});
