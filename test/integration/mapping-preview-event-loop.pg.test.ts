/**
 * A mapping preview never freezes the engine: the largest preview the API accepts (a 256 KiB mapping and a 1 MiB
 * message), written to be as slow as a mapping can be (thousands of wildcard table keys, each matched against a
 * code a megabyte long), runs while the event loop is probed every 20 ms. The probe must never wait more than
 * 200 ms, MLLP senders keep getting their ACKs meanwhile, and the preview is cut off at its time budget and
 * answered 422 with the reason. An ordinary preview still answers 200 with its records.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Redis } from 'ioredis';
import { createLogger } from '../../src/core/logger';
import { startEngine, type Engine } from '../../src/main';
import { connectMllp, type MllpTestClient } from './mllp-client';
import { createTestDatabase, dftMessage, freePort, REDIS_URL, ROOT, tempProject, type ProjectDirs } from './support';

jest.setTimeout(120_000);

const TOKEN = 'test-admin-token-preview-loop-0123456789';
const SHIPPED = fs.readFileSync(path.join(ROOT, 'mappings/dft-p03.yaml'), 'utf8');
const MAX_MAPPING = 256 * 1024;
const MAX_RAW = 1024 * 1024;

/**
 * The shipped mapping with as many wildcard keys added to its serviceKinds table as fit in 256 KiB: keys such as
 * "*a*a*a*a*a*a*a*a*Z17" that never match a code of "a"s, each matched against it in time linear in the code.
 */
function hostileMapping(): string {
  const anchor = '  serviceKinds:\n';
  expect(SHIPPED).toContain(anchor);
  const keys: string[] = [];
  let size = SHIPPED.length;
  for (let i = 0; ; i++) {
    const line = `    "*a*a*a*a*a*a*a*a*Z${i}": other\n`;
    if (size + line.length > MAX_MAPPING - 64) break;
    keys.push(line);
    size += line.length;
  }
  return SHIPPED.replace(anchor, `${anchor}${keys.join('')}`);
}

/** A DFT^P03 of just under 1 MiB whose one FT1 sends a transaction code of "a"s (the lookup key). */
function hostileMessage(): string {
  const base = dftMessage({ controlId: 'HUGE-1', patientId: 'PLOOP1', lines: [{ txn: 'T1', code: 'CODEX', amount: '25' }] });
  const room = MAX_RAW - base.length - 16;
  return base.replace('CODEX', 'a'.repeat(room));
}

describe('a mapping preview does not block the event loop', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let project: ProjectDirs;
  let engine: Engine;
  let client: MllpTestClient;
  const prefix = `rxbt${crypto.randomBytes(4).toString('hex')}`;

  async function preview(body: unknown) {
    const res = await fetch(`http://127.0.0.1:${engine.httpAddress()!.port}/api/mappings/dft-p03/preview`, {
      method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    return { status: res.status, json: await res.json() as any };
  }

  /** Runs `work` while a 20 ms interval measures how late each of its ticks fires; returns the work's result and the worst delay. */
  async function probed<T>(work: () => Promise<T>): Promise<{ result: T; worstMs: number }> {
    let worstMs = 0;
    let last = performance.now();
    const tick = setInterval(() => {
      const now = performance.now();
      worstMs = Math.max(worstMs, now - last - 20);
      last = now;
    }, 20);
    try {
      const result = await work();
      return { result, worstMs };
    } finally {
      clearInterval(tick);
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    const mllpPort = await freePort();
    project = tempProject({ mllpPort });
    const logs = new PassThrough();
    logs.resume();
    engine = await startEngine({
      channelsDir: project.channelsDir, mappingsDir: project.mappingsDir, dataDir: project.dataDir,
      databaseUrl: db.url, redisUrl: REDIS_URL, httpHost: '127.0.0.1', httpPort: 0, adminToken: TOKEN,
      env: { RXBRIDGE_PREVIEW_TIMEOUT_MS: '300' },
      logger: createLogger({ stream: logs, level: 'info' }), queuePrefix: prefix, sweepIntervalMs: 500, sweepOlderThanMs: 3000,
    });
    client = await connectMllp(mllpPort);
  });

  afterAll(async () => {
    await client?.close();
    await engine?.stop();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await db?.drop();
    project?.cleanup();
  });

  test('an ordinary preview answers with its records', async () => {
    const raw = dftMessage({ controlId: 'PV-1', patientId: 'PLOOP2', lines: [{ txn: 'T1', code: '90471', amount: '25' }] });
    const { result, worstMs } = await probed(() => preview({ raw }));
    expect(result.status).toBe(200);
    expect(result.json.messages).toHaveLength(1);
    expect(result.json.messages[0].candidate.records.charges[0]).toMatchObject({ kind: 'charge', code: '90471', chargeAmount: '25.00' });
    expect(worstMs).toBeLessThan(200);
  });

  test('the slowest preview the API accepts is cut off at its time budget, and the event loop never waits 200 ms', async () => {
    const content = hostileMapping();
    const raw = hostileMessage();
    expect(Buffer.byteLength(content)).toBeLessThanOrEqual(MAX_MAPPING);
    expect(raw.length).toBeLessThanOrEqual(MAX_RAW);
    const started = Date.now();
    // MLLP senders are answered while the preview runs.
    const acks = (async () => {
      await new Promise((r) => setTimeout(r, 500));
      client.sendFrame(dftMessage({ controlId: 'DURING-1', patientId: 'PLOOP3', lines: [{ txn: 'T9', code: '90471', amount: '25' }] }));
      const reply = await client.nextReply(2000);
      return { reply, ms: Date.now() - started };
    })();
    const { result, worstMs } = await probed(() => preview({ content, raw }));
    const elapsed = Date.now() - started;
    expect(result.status).toBe(422);
    expect(result.json.error).toMatchObject({ code: 'PREVIEW_TOO_SLOW', message: expect.stringMatching(/did not finish within 0.3 s/) });
    expect(elapsed).toBeLessThan(6000);
    expect(worstMs).toBeLessThan(200);
    const during = await acks;
    expect(during.reply).toContain('MSA|AA|DURING-1');
    expect(during.ms).toBeLessThan(2000);
  });
});
