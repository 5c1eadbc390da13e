/**
 * Without REDIS_URL and with nothing answering at the default address, the engine starts a private redis-server
 * (AOF on) under DATA_DIR, and a later start reuses it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../src/core/logger';
import { openRedis } from '../../src/pipeline/bullmq/redis';
import { freePort } from './support';

test('starts a private redis-server with its data under DATA_DIR, and reuses it on the next start', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-data-'));
  const nobody = `redis://127.0.0.1:${await freePort()}`;
  const handle = await openRedis({ defaultUrl: nobody, dataDir, logger: silentLogger });
  try {
    expect(handle.url).not.toBe(nobody);
    const client = handle.connect();
    expect(await client.ping()).toBe('PONG');
    expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    expect(await client.config('GET', 'dir')).toEqual(['dir', path.join(dataDir, 'redis')]);
    client.disconnect();
    const again = await openRedis({ defaultUrl: nobody, dataDir, logger: silentLogger });
    expect(again.url).toBe(handle.url);
    await again.close();
  } finally {
    await handle.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('an explicit REDIS_URL that does not answer fails start-up with one line saying what to do', async () => {
  const url = `redis://:secret@127.0.0.1:${await freePort()}`;
  await expect(openRedis({ redisUrl: url, dataDir: os.tmpdir(), logger: silentLogger }))
    .rejects.toThrow(/^Redis at REDIS_URL \(redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\) does not answer \(connect ECONNREFUSED [^)]*\): start it, check its user, password and TLS settings, or unset REDIS_URL/);
});

test('an explicit REDIS_URL that answers is used as given', async () => {
  const handle = await openRedis({ redisUrl: process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379', dataDir: os.tmpdir(), logger: silentLogger });
  expect(handle.url).toBe(process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379');
  await handle.close();
});
