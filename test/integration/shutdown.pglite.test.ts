/**
 * SIGTERM: the engine stops accepting, answers what it received, closes workers, checkpoints the embedded store
 * and exits 0; the next start on the same DATA_DIR sees every ACKed message.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { streamOverConnection } from './load-sender';
import { dftMessage, freePort, ROOT, tempProject, waitFor } from './support';

jest.setTimeout(120_000);

test('SIGTERM drains, checkpoints PGlite and exits 0; a restart finds every ACKed message', async () => {
  const mllpPort = await freePort();
  const httpPort = await freePort();
  const project = tempProject({ mllpPort });
  const env = {
    ...process.env, HTTP_PORT: String(httpPort), CHANNELS_DIR: project.channelsDir, MAPPINGS_DIR: project.mappingsDir,
    DATA_DIR: project.dataDir, REDIS_URL: process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379', LOG_LEVEL: 'error',
    RXBRIDGE_ADMIN_TOKEN: 'shutdown-test-token', DATABASE_URL: '', RXBRIDGE_QUEUE_PREFIX: `rxbsd${process.pid}`,
  };
  const start = async (): Promise<ChildProcess> => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/rxbridge.js'), 'start'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${httpPort}/api/health`).catch(() => undefined))?.status === 200, 60_000, 'engine to be healthy');
    return child;
  };
  try {
    let child = await start();
    const messages = Array.from({ length: 100 }, (_, i) => ({ controlId: `SD-${i}`, text: dftMessage({ controlId: `SD-${i}`, patientId: `SDP${i}`, lines: [{ txn: `SD-${i}-1`, code: '90471', amount: '2' }] }) }));
    const result = await streamOverConnection(mllpPort, messages, 10);
    expect(result.acked).toHaveLength(100);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(fs.existsSync(path.join(project.dataDir, 'rxbridge.lock'))).toBe(false);

    child = await start();
    const res = await fetch(`http://127.0.0.1:${httpPort}/api/messages?limit=500`, { headers: { authorization: 'Bearer shutdown-test-token' } });
    const body = (await res.json()) as { messages: Array<{ control_id: string }> };
    expect(new Set(body.messages.map((m) => m.control_id))).toEqual(new Set(result.acked));
    const stopped = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await stopped;
  } finally {
    project.cleanup();
  }
});
