/**
 * A shared Redis with an ACL user and TLS (docs/deploy.md "Redis"): a private redis-server that listens only on a
 * TLS port, with the default user off and one ACL user. The engine connects with `rediss://user:password@…` and
 * RXBRIDGE_REDIS_CA, takes a message over MLLP and finishes it through the queue; a wrong password, a plain URL
 * with the CA setting, and a certificate from an unknown CA each stop start-up with one clear line that carries
 * no password.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../src/core/logger';
import { startEngine, type Engine } from '../../src/main';
import { openRedis } from '../../src/pipeline/bullmq/redis';
import { makeCerts } from './certs';
import { connectMllp } from './mllp-client';
import { createTestDatabase, dftMessage, freePort, tempProject, waitFor } from './support';

jest.setTimeout(90_000);

const PASSWORD = `redis-pw-${crypto.randomBytes(6).toString('hex')}`;
let dir: string;
let port: number;
let server: ChildProcess;
const quiet = createLogger({ stream: new PassThrough(), level: 'error' });

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-redis-tls-'));
  makeCerts(dir);
  port = await freePort();
  server = spawn('redis-server', [
    '--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
    '--tls-cert-file', path.join(dir, 'server.crt'), '--tls-key-file', path.join(dir, 'server.key'),
    '--tls-ca-cert-file', path.join(dir, 'ca.crt'), '--tls-auth-clients', 'no',
    '--user', 'default', 'off', '--user', 'rxbridge', 'on', `>${PASSWORD}`, '~*', '&*', '+@all',
  ], { stdio: 'ignore' });
  await waitFor(async () => {
    try {
      const h = await openRedis({ redisUrl: url(), tlsCaFile: path.join(dir, 'ca.crt'), dataDir: dir, logger: quiet });
      await h.close();
      return true;
    } catch {
      return false;
    }
  }, 15_000, 'the TLS redis-server to start');
});

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

function url(password = PASSWORD, scheme = 'rediss'): string {
  return `${scheme}://rxbridge:${password}@127.0.0.1:${port}`;
}

test('the engine runs its queue over TLS as an ACL user: a message in over MLLP is processed', async () => {
  const db = await createTestDatabase();
  const mllpPort = await freePort();
  const project = tempProject({ mllpPort });
  let engine: Engine | undefined;
  try {
    engine = await startEngine({
      channelsDir: project.channelsDir, mappingsDir: project.mappingsDir, dataDir: project.dataDir, databaseUrl: db.url,
      redisUrl: url(), env: { RXBRIDGE_REDIS_CA: path.join(dir, 'ca.crt') }, logger: quiet,
      queuePrefix: `rxbt${crypto.randomBytes(4).toString('hex')}`, httpHost: '127.0.0.1', httpPort: -1,
    });
    const client = await connectMllp(mllpPort);
    client.sendFrame(dftMessage({ controlId: 'REDIS-TLS-1', patientId: 'PTLS1', lines: [{ txn: 'T1', code: '90471', amount: '25' }] }));
    expect(await client.nextReply(10_000)).toContain('MSA|AA|');
    await client.close();
    const store = engine.store.db;
    await waitFor(async () => (await store.selectFrom('messages').select('status').where('control_id', '=', 'REDIS-TLS-1')
      .executeTakeFirst())?.status === 'processed', 20_000, 'the message to be processed through the TLS queue');
  } finally {
    await engine?.stop();
    project.cleanup();
    await db.drop();
  }
});

test('a wrong password stops start-up with the reason and without the password', async () => {
  const wrong = 'not-the-password-123';
  const err = await openRedis({ redisUrl: url(wrong), tlsCaFile: path.join(dir, 'ca.crt'), dataDir: dir, logger: quiet })
    .then(() => undefined, (e: Error) => e);
  expect(err?.message).toMatch(/Redis at REDIS_URL \(rediss:\/\/rxbridge:\*\*\*@127\.0\.0\.1:\d+\) does not answer \(WRONGPASS/);
  expect(err?.message).not.toContain(wrong);
});

test('RXBRIDGE_REDIS_CA with a plain redis:// URL, and a certificate from an unknown CA, are refused', async () => {
  await expect(openRedis({ redisUrl: url(PASSWORD, 'redis'), tlsCaFile: path.join(dir, 'ca.crt'), dataDir: dir, logger: quiet }))
    .rejects.toThrow('RXBRIDGE_REDIS_CA is set but REDIS_URL is not a rediss:// (TLS) URL');
  // Without the CA the server's certificate (from the test's own CA) is not trusted.
  await expect(openRedis({ redisUrl: url(), dataDir: dir, logger: quiet })).rejects.toThrow(/does not answer/);
}, 30_000);
