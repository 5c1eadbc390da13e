/**
 * Redis for the queue. With REDIS_URL set, that server is used. Without it, the default
 * redis://127.0.0.1:6379 is tried; if nothing answers there and `redis-server` is on the PATH, a private
 * one is started with its data (AOF on) under DATA_DIR/redis. Otherwise start-up fails with one line that
 * says what to install or set.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Logger } from '../../core/logger';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export interface RedisHandle {
  url: string;
  /** Connection for BullMQ workers and queues (maxRetriesPerRequest: null, as BullMQ requires). */
  connect(): Redis;
  /** Stops the private server when this process started one. */
  close(): Promise<void>;
}

/** `defaultUrl` is where to look when REDIS_URL is unset (DEFAULT_REDIS_URL; tests point it elsewhere). */
export async function openRedis(opts: { redisUrl?: string; defaultUrl?: string; dataDir: string; logger: Logger }): Promise<RedisHandle> {
  const url = opts.redisUrl ?? opts.defaultUrl ?? DEFAULT_REDIS_URL;
  if (opts.redisUrl) {
    // An explicit server must answer (it may be starting: a few tries), else start-up fails with one line.
    for (let i = 0; i < 10; i++) {
      if (await answersPing(url)) return handleFor(url, undefined);
      await new Promise((r) => setTimeout(r, 300));
    }
    throw new Error(`Redis at REDIS_URL (${redact(url)}) does not answer: start it, or unset REDIS_URL to use a local or private one`);
  }
  if (await answersPing(url)) return handleFor(url, undefined);
  if (!onPath('redis-server')) {
    throw new Error(`Redis is not reachable at ${url} and redis-server is not installed: install Redis (apt-get install redis-server) or set REDIS_URL`);
  }
  // A private server left running by an earlier engine process (killed without a shutdown) is reused.
  const portFile = path.resolve(opts.dataDir, 'redis', 'port');
  const earlier = fs.existsSync(portFile) ? `redis://127.0.0.1:${fs.readFileSync(portFile, 'utf8').trim()}` : undefined;
  if (earlier && (await answersPing(earlier))) return handleFor(earlier, undefined);
  const { url: privateUrl, child } = await startPrivateRedis(opts.dataDir);
  fs.writeFileSync(portFile, new URL(privateUrl).port);
  opts.logger.info('started a private Redis for this engine', { dataDir: opts.dataDir, url: privateUrl });
  return handleFor(privateUrl, child);
}

function handleFor(url: string, child: ChildProcess | undefined): RedisHandle {
  return {
    url,
    connect: () => {
      const redis = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
      redis.on('error', () => undefined); // reconnects on its own; callers see failures on their commands
      return redis;
    },
    close: async () => {
      if (!child || child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'an invalid URL';
  }
}

async function answersPing(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function startPrivateRedis(dataDir: string): Promise<{ url: string; child: ChildProcess }> {
  const dir = path.resolve(dataDir, 'redis');
  fs.mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child = spawn('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '',
    '--daemonize', 'no', '--logfile', path.join(dir, 'redis.log'),
  ], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    if (child.exitCode !== null) break;
    if (await answersPing(url)) return { url, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`the private redis-server did not start; see ${path.join(dir, 'redis.log')}`);
}
