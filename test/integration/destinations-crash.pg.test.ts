/**
 * Exactly-once toward an MLLP receiver that de-duplicates by MSH-10, across kill -9: the built engine
 * (`node bin/rxbridge.js start`, a child process) delivers 150 messages to a slow receiver and is killed with SIGKILL
 * twice while deliveries are in flight (sent, not yet answered). After each restart the leased deliveries are sent
 * again with the MSH-10 stored before their first send, so the receiver takes every message exactly once, in
 * message order (fifo), and none is lost.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { Redis } from 'ioredis';
import { fieldOf } from './ack-receiver';
import { startMllpReceiver, type MllpReceiver } from './destination-receivers';
import { streamOverConnection } from './load-sender';
import { createTestDatabase, dftMessage, freePort, REDIS_URL, ROOT, sampleChannelWithoutDestinations, tempProject, waitFor } from './support';

jest.setTimeout(180_000);

const TOTAL = 150;

test('kill -9 during delivery: every message reaches the receiver once, in order', async () => {
  const db = await createTestDatabase();
  const receiver: MllpReceiver = await startMllpReceiver();
  receiver.delayMs = 15;
  const mllpPort = await freePort();
  const httpPort = await freePort();
  const channel = sampleChannelWithoutDestinations();
  const project = tempProject({
    mllpPort,
    channelYaml: `${channel}
destinations:
  - name: copy
    transform: { hl7: { set: { MSH-5: '"RECEIVER"' } } }
    retry: { attempts: 1000, backoffMs: 100, maxBackoffMs: 500 }
    connector: { type: mllp, host: 127.0.0.1, port: ${receiver.port}, answerTimeoutMs: 2000 }
`,
  });
  const prefix = `rxbk${crypto.randomBytes(4).toString('hex')}`;
  const env = {
    ...process.env, DATABASE_URL: db.url, REDIS_URL, RXBRIDGE_QUEUE_PREFIX: prefix, HTTP_PORT: String(httpPort), HTTP_HOST: '127.0.0.1',
    CHANNELS_DIR: project.channelsDir, MAPPINGS_DIR: project.mappingsDir, DATA_DIR: project.dataDir, LOG_LEVEL: 'error',
    RXBRIDGE_SWEEP_INTERVAL_MS: '1000', RXBRIDGE_SWEEP_AGE_MS: '3000', RXBRIDGE_DELIVERY_LEASE_MS: '1500',
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
    const messages = Array.from({ length: TOTAL }, (_, i) => {
      const controlId = `K-${i}`;
      return { controlId, text: dftMessage({ controlId, patientId: `KP${i}`, lines: [{ txn: `${controlId}-L1`, code: '90471', amount: '25' }] }) };
    });
    const sent = await streamOverConnection(mllpPort, messages, 20);
    expect(sent.acked.length).toBe(TOTAL);

    for (const after of [30, 80]) {
      // Kill while a delivery is on the wire: a frame received whose answer is still pending.
      await waitFor(() => receiver.unique.length >= after, 60_000, `${after} deliveries`, 5);
      await kill();
      await start();
    }
    await waitFor(() => receiver.unique.length === TOTAL, 90_000, 'every delivery', 100);
    await new Promise((r) => setTimeout(r, 2000)); // a late second copy would show here
    const ids = receiver.unique.map((f) => fieldOf(f, 'PID', 3).split('^')[0]);
    expect(ids).toEqual(messages.map((_m, i) => `KP${i}`));
    expect(receiver.unique.length).toBe(TOTAL);
    // The kills hit deliveries in flight (sent, not answered): those were sent again after the restart…
    expect(receiver.frames.length).toBeGreaterThan(TOTAL);
    // …and each MSH-10 the receiver saw more than once was the same delivery sent again after a kill.
    expect(new Set(receiver.frames.map((f) => fieldOf(f, 'MSH', 10))).size).toBe(TOTAL);
  } finally {
    if (child && child.exitCode === null) await kill();
    await receiver.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await db.drop();
    project.cleanup();
  }
});
