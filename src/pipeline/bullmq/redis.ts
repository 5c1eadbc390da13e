/**
 * Redis for the queue. With REDIS_URL set, that server is used. Without it, the default
 * redis://127.0.0.1:6379 is tried; if nothing answers there and `redis-server` is on the PATH, a private
 * one is started with its data (AOF on) under DATA_DIR/redis. Otherwise start-up fails with one line that
 * says what to install or set.
 *
 * Security of a shared Redis (docs/deploy.md "Redis"): REDIS_URL may carry an ACL user and password
 * (`redis://user:password@host:6379`) and may use TLS (`rediss://host:6380`), verified against the system CAs or
 * the PEM file of `tlsCaFile` (RXBRIDGE_REDIS_CA). Redis is a work queue, never a trust boundary: the engine
 * puts only ids on it and takes no configuration from it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../../core/logger';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export interface RedisHandle {
  url: string;
  /** Connection for BullMQ workers and queues (maxRetriesPerRequest: null, as BullMQ requires). */
  connect(): Redis;
  /** Stops the private server when this process started one. */
  close(): Promise<void>;
}

/**
 * The connection options a Redis URL needs beyond itself: the CA of `tlsCaFile` for a `rediss://` URL. Throws
 * one line when the CA is set for a plain URL or cannot be read.
 */
export function redisConnectionOptions(url: string, tlsCaFile?: string): RedisOptions {
  if (!tlsCaFile) return {};
  if (!/^rediss:\/\//i.test(url)) throw new Error('RXBRIDGE_REDIS_CA is set but REDIS_URL is not a rediss:// (TLS) URL');
  let ca: Buffer;
  try {
    ca = fs.readFileSync(tlsCaFile);
  } catch (err) {
    throw new Error(`RXBRIDGE_REDIS_CA: cannot read ${tlsCaFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return { tls: { ca } };
}

/**
 * `defaultUrl` is where to look when REDIS_URL is unset (DEFAULT_REDIS_URL; tests point it elsewhere);
 * `tlsCaFile` (RXBRIDGE_REDIS_CA) the CA a `rediss://` REDIS_URL's certificate must chain to.
 */
export async function openRedis(opts: {
  redisUrl?: string;
  defaultUrl?: string;
  tlsCaFile?: string;
  dataDir: string;
  logger: Logger;
}): Promise<RedisHandle> {
  const url = opts.redisUrl ?? opts.defaultUrl ?? DEFAULT_REDIS_URL;
  if (opts.redisUrl) {
    const extra = redisConnectionOptions(opts.redisUrl, opts.tlsCaFile);
    // An explicit server must answer (it may be starting: a few tries), else start-up fails with one line.
    let refusal: string | undefined;
    for (let i = 0; i < 10; i++) {
      const answer = await ping(url, extra);
      if (answer === true) return handleFor(url, undefined, extra);
      refusal = answer;
      // A refused password or user will not change by waiting.
      if (/WRONGPASS|NOAUTH|NOPERM/.test(answer)) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    throw new Error(
      `Redis at REDIS_URL (${redact(url)}) does not answer${refusal ? ` (${refusal})` : ''}: start it, check its user, password and TLS settings, or unset REDIS_URL to use a local or private one`,
    );
  }
  if (opts.tlsCaFile) throw new Error('RXBRIDGE_REDIS_CA is set but REDIS_URL is not');
  if (await answersPing(url)) return handleFor(url, undefined);
  if (!onPath('redis-server')) {
    throw new Error(
      `Redis is not reachable at ${url} and redis-server is not installed: install Redis (apt-get install redis-server) or set REDIS_URL`,
    );
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

function handleFor(url: string, child: ChildProcess | undefined, extra: RedisOptions = {}): RedisHandle {
  return {
    url,
    connect: () => {
      const redis = new Redis(url, { ...extra, maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
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
  return (await ping(url, {})) === true;
}

/** True when the server answers PONG, else what went wrong (with no password in it). */
async function ping(url: string, extra: RedisOptions): Promise<true | string> {
  const redis = new Redis(url, { ...extra, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  // The first error says why (WRONGPASS, a certificate problem); the rejection after it only says "closed".
  let first: Error | undefined;
  redis.on('error', (err: Error) => {
    first ??= err;
  });
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG' ? true : 'no PONG';
  } catch (err) {
    return ((first ?? (err as Error)).message || 'no answer').split('\n')[0]!.slice(0, 200);
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
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--save',
      '',
      '--daemonize',
      'no',
      '--logfile',
      path.join(dir, 'redis.log'),
    ],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    if (child.exitCode !== null) break;
    if (await answersPing(url)) return { url, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`the private redis-server did not start; see ${path.join(dir, 'redis.log')}`);
}
