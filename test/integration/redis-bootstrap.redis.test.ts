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

test('an explicit REDIS_URL is used as given, even when it does not answer yet', async () => {
  const url = `redis://127.0.0.1:${await freePort()}`;
  const handle = await openRedis({ redisUrl: url, dataDir: os.tmpdir(), logger: silentLogger });
  expect(handle.url).toBe(url);
  await handle.close();
});
