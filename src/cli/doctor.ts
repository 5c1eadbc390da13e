/**
 * `rxbridge doctor`: checks what the engine needs, with the same environment as `rxbridge start`, and prints
 * one line per check — `ok`, `warn` or `FAIL`, the check's name and what was found. Exit code 1 when any check
 * FAILs, else 0 (warnings included). It changes nothing: it runs no migration, creates no key, starts no Redis.
 *
 * Checks: the Node.js version; the channel and mapping files; the store (Postgres answers, or the embedded
 * PGlite directory) and its migrations; the encryption key for message bodies (configured, and able to open what
 * the store holds); Redis (answers, version 6.2 or later, maxmemory-policy noeviction); each enabled channel's
 * MLLP port and the admin API's port (free, or held by a running rxbridge that answers /api/health); each TLS
 * certificate and key (readable, a pair, not expiring within 30 days); free disk space in DATA_DIR.
 * Lines never print secrets: URLs are shown without their password, keys by id only.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { openBillingConfig } from '../billing/reload';
import { loadChannels } from '../channels/load';
import type { ClearinghouseConfig, SecretSource } from '../clearinghouse/config';
import { readSecret } from '../clearinghouse/sftp';
import { readSourceSecret } from '../sources/folders';
import type { ChannelPlan } from '../channels/schema';
import { ConfigError } from '../core/config-file';
import { readBodyKeySetup, type BodyKeySetup } from '../core/encryption-config';
import { silentLogger } from '../core/logger';
import { writableProblem } from '../core/writable-dir';
import { configFromEnv, type EngineConfig } from '../engine/config';
import { loadMappings } from '../mappings/load';
import { DEFAULT_REDIS_URL, redisConnectionOptions } from '../pipeline/bullmq/redis';
import { openBodyCodec } from '../store/bodies';
import { migrationStatus, openStore, type Store } from '../store/db';

export const DOCTOR_USAGE =
  '  rxbridge doctor                               check Node, config, store, Redis, ports, certificates, disk, key';

export type CheckLevel = 'ok' | 'warn' | 'FAIL';

export interface CheckLine {
  level: CheckLevel;
  check: string;
  detail: string;
}

export interface DoctorIo {
  out(line: string): void;
}

type Env = Record<string, string | undefined>;

/** Certificates expiring within this many days are a warning. */
export const CERT_WARN_DAYS = 30;
const MIN_REDIS = [6, 2, 0];
const DISK_FAIL_BYTES = 512 * 1024 ** 2;
const DISK_WARN_BYTES = 2 * 1024 ** 3;
const PROBE_TIMEOUT_MS = 2000;

export async function doctorCommand(
  args: string[],
  env: Env,
  io: DoctorIo = { out: (l) => console.log(l) },
  now = new Date(),
): Promise<number> {
  if (args.length > 0) {
    io.out(`rxbridge: doctor takes no arguments\nusage:\n${DOCTOR_USAGE}`);
    return 2;
  }
  const lines: CheckLine[] = [];
  const report = (level: CheckLevel, check: string, detail: string) => {
    lines.push({ level, check, detail });
    io.out(`${level.padEnd(4)}  ${check}: ${detail}`);
  };
  let config: EngineConfig;
  try {
    config = configFromEnv(env);
  } catch (err) {
    report('FAIL', 'environment', (err as Error).message);
    return 1;
  }

  checkNode(report);
  const channels = checkConfig(config, env, report);
  const opened = await checkStore(config, report);
  try {
    await checkEncryptionKey(config, env, opened?.current ? opened.store : undefined, report);
  } finally {
    await opened?.store.close().catch(() => undefined);
  }
  await checkRedis(config, report);
  if (channels) await checkPorts(config, channels, report);
  if (channels) checkChannelSources(channels, env, report);
  if (channels) await checkAckDestinations(channels, report);
  checkCertificates(env, config, channels ?? [], now, report);
  checkDisk(config.dataDir, report);
  checkWritableFolders(config, env, report);

  const failed = lines.filter((l) => l.level === 'FAIL').length;
  const warned = lines.filter((l) => l.level === 'warn').length;
  io.out(failed > 0 ? `${failed} check(s) FAILED, ${warned} warning(s)` : `all checks passed${warned > 0 ? `, ${warned} warning(s)` : ''}`);
  return failed > 0 ? 1 : 0;
}

type Report = (level: CheckLevel, check: string, detail: string) => void;

function checkNode(report: Report): void {
  const min = minimumNode();
  const ok = compareVersions(process.versions.node, min) >= 0;
  report(ok ? 'ok' : 'FAIL', 'node', `v${process.versions.node}${ok ? '' : ': too old'} (needs ${min} or later)`);
}

/** The `engines.node` minimum of package.json (`>=20.11` → 20.11.0). */
function minimumNode(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { engines?: { node?: string } };
    const m = /(\d+(?:\.\d+){0,2})/.exec(pkg.engines?.node ?? '');
    if (m) return m[1]!;
  } catch {
    /* fall through */
  }
  return '20.11';
}

function checkConfig(config: EngineConfig, env: Env, report: Report): ChannelPlan[] | undefined {
  try {
    const channels = loadChannels({ dir: config.channelsDir, mappingsDir: config.mappingsDir, env });
    const mappings = loadMappings(config.mappingsDir, env);
    report(
      'ok',
      'config',
      `${channels.length} channel(s) (${channels.map((c) => c.name).join(', ')}) in ${config.channelsDir}; ` +
        `${mappings.size} mapping(s) in ${config.mappingsDir}`,
    );
    return channels;
  } catch (err) {
    const text = err instanceof ConfigError ? err.message : (err as Error).message;
    const issues = text.split('\n');
    report('FAIL', 'config', `${issues.length} problem(s); run \`rxbridge channels check\`. First: ${issues[0]}`);
    return undefined;
  }
}

/**
 * Opens the store without migrating (PGlite: unless a running engine holds it). Reports store and migrations;
 * `current` when every migration has run (then the tables can be read).
 */
async function checkStore(config: EngineConfig, report: Report): Promise<{ store: Store; current: boolean } | undefined> {
  let store: Store;
  if (config.databaseUrl) {
    const where = `Postgres at ${redactUrl(config.databaseUrl)}`;
    try {
      store = await openStore({ databaseUrl: config.databaseUrl, poolSize: 2, migrate: false });
      if (!(await store.ping())) {
        const reason = await store.db
          .selectNoFrom((eb) => eb.lit(1).as('one'))
          .execute()
          .then(
            () => 'no answer',
            (e: Error) => errorCode(e),
          );
        await store.close().catch(() => undefined);
        report('FAIL', 'store', `${where} does not answer (${reason})`);
        return undefined;
      }
      report('ok', 'store', `${where} answers`);
    } catch (err) {
      report('FAIL', 'store', `${where}: ${errorCode(err)}`);
      return undefined;
    }
  } else {
    const dir = path.join(config.dataDir, 'pglite');
    if (!fs.existsSync(dir)) {
      report(
        'warn',
        'store',
        `embedded PGlite store not created yet (${dir}; made at the first start) — ` +
          'for evaluation and small single-store use; set DATABASE_URL for Postgres',
      );
      return undefined;
    }
    const owner = lockOwner(config.dataDir);
    if (owner !== undefined) {
      report(
        'ok',
        'store',
        `embedded PGlite store ${dir} is in use by a running engine (pid ${owner}); not opened, so its migrations and ` +
          'key are not checked (stop the engine to check them)',
      );
      return undefined;
    }
    try {
      store = await openStore({ dataDir: config.dataDir, migrate: false });
      report(
        'warn',
        'store',
        `embedded PGlite store ${dir} opens — for evaluation and small single-store use; set DATABASE_URL for Postgres`,
      );
    } catch (err) {
      report('FAIL', 'store', `embedded PGlite store ${dir}: ${(err as Error).message}`);
      return undefined;
    }
  }
  try {
    const { pending, unknown } = await migrationStatus(store.db);
    if (unknown.length > 0) {
      report(
        'FAIL',
        'migrations',
        `the database has migrations this build does not know (${unknown.join(', ')}): a newer build migrated it`,
      );
    } else if (pending.length > 0) {
      report('warn', 'migrations', `${pending.length} pending (${pending.join(', ')}): the next start runs them`);
    } else {
      report('ok', 'migrations', 'current');
    }
    return { store, current: unknown.length === 0 && pending.length === 0 };
  } catch (err) {
    report('FAIL', 'migrations', `could not be read: ${errorCode(err)}`);
    return { store, current: false };
  }
}

async function checkEncryptionKey(config: EngineConfig, env: Env, store: Store | undefined, report: Report): Promise<void> {
  let setup: BodyKeySetup;
  try {
    setup = readBodyKeySetup(env, config.dataDir);
  } catch (err) {
    report('FAIL', 'encryption key', (err as Error).message);
    return;
  }
  if (store) {
    try {
      // Refuses when the store holds bodies (or another process registered a key) that this set-up cannot open.
      await openBodyCodec(store.db, setup, silentLogger, { createKey: false, register: false });
    } catch (err) {
      const message = (err as Error).message;
      if (setup.mode !== 'create' || !message.startsWith('no encryption key is configured')) {
        report('FAIL', 'encryption key', message);
        return;
      }
    }
  }
  switch (setup.mode) {
    case 'key':
      report(
        'ok',
        'encryption key',
        `key ${setup.current.id} from ${setup.origin}${setup.older.length > 0 ? ` (+${setup.older.length} older)` : ''}` +
          (store ? '; it opens what the store holds' : ''),
      );
      break;
    case 'plaintext':
      report('warn', 'encryption key', 'none: new message bodies are stored unencrypted (RXBRIDGE_STORE_PLAINTEXT=true)');
      break;
    case 'create':
      report('warn', 'encryption key', `none yet: ${setup.file ?? 'a key'} is created at the first start — back it up with the database`);
      break;
  }
}

async function checkRedis(config: EngineConfig, report: Report): Promise<void> {
  const explicit = config.redisUrl !== undefined;
  let url = config.redisUrl ?? DEFAULT_REDIS_URL;
  let tls: RedisOptions;
  try {
    tls = explicit ? redisConnectionOptions(url, config.redisCaFile) : {};
  } catch (err) {
    report('FAIL', 'redis', (err as Error).message);
    return;
  }
  let info = await redisInfo(url, tls);
  if ('error' in info && !explicit) {
    // A private redis-server left by an earlier engine (DATA_DIR/redis/port) is what the engine would reuse.
    const portFile = path.join(config.dataDir, 'redis', 'port');
    const port = fs.existsSync(portFile) ? fs.readFileSync(portFile, 'utf8').trim() : '';
    if (/^\d+$/.test(port)) {
      const privateInfo = await redisInfo(`redis://127.0.0.1:${port}`);
      if (!('error' in privateInfo)) {
        url = `redis://127.0.0.1:${port} (the engine's private redis-server)`;
        info = privateInfo;
      }
    }
  }
  if ('error' in info) {
    if (explicit) {
      report('FAIL', 'redis', `${redactUrl(url)} (REDIS_URL) does not answer (${info.error})`);
      return;
    }
    const local = redisServerVersion();
    if (!local) {
      report('FAIL', 'redis', `nothing answers at ${url} and redis-server is not installed: install Redis or set REDIS_URL`);
      return;
    }
    const ok = compareVersions(local, MIN_REDIS.join('.')) >= 0;
    report(
      ok ? 'warn' : 'FAIL',
      'redis',
      `nothing answers at ${url}; the engine will start its own redis-server ${local} under ` +
        `${path.join(config.dataDir, 'redis')}${ok ? '' : ' — too old: BullMQ needs 6.2 or later'}`,
    );
    return;
  }
  const shown = url.includes('(') ? url : redactUrl(url);
  if (compareVersions(info.version, MIN_REDIS.join('.')) < 0) {
    report('FAIL', 'redis', `${shown}: version ${info.version} is too old (BullMQ needs 6.2 or later)`);
  } else if (info.policy !== 'noeviction') {
    report(
      'warn',
      'redis',
      `${shown}: version ${info.version}, maxmemory-policy ${info.policy ?? 'unknown'}: BullMQ needs noeviction ` +
        '(an evicting Redis drops queued jobs; the recovery sweep puts them back, late) — set maxmemory-policy noeviction',
    );
  } else {
    report('ok', 'redis', `${shown}: version ${info.version}, maxmemory-policy noeviction`);
  }
}

async function redisInfo(
  url: string,
  extra: RedisOptions = {},
): Promise<{ version: string; policy: string | undefined } | { error: string }> {
  const redis = new Redis(url, {
    ...extra,
    lazyConnect: true,
    connectTimeout: PROBE_TIMEOUT_MS,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  let socketError: unknown;
  redis.on('error', (err) => {
    socketError ??= err;
  });
  try {
    await redis.connect();
    const text = String(await redis.call('INFO')); // the server and memory sections
    const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(text)?.[1]?.trim();
    return { version: field('redis_version') ?? '0', policy: field('maxmemory_policy') };
  } catch (err) {
    return { error: errorCode(socketError ?? err) };
  } finally {
    redis.disconnect();
  }
}

function redisServerVersion(): string | undefined {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  return /v=(\d+\.\d+\.\d+)/.exec(r.stdout)?.[1] ?? '0';
}

async function checkPorts(config: EngineConfig, channels: readonly ChannelPlan[], report: Report): Promise<void> {
  const engine = config.httpPort > 0 ? await rxbridgeAnswers(config) : false;
  for (const c of channels.filter((ch) => ch.enabled)) {
    const src = c.source;
    if (src.type !== 'mllp' && src.type !== 'http') continue; // file and SFTP sources listen on nothing
    const where = `${src.host}:${src.port}`;
    const state = await portState(src.host, src.port);
    const check = `${src.type} port (${c.name})`;
    if (state === 'free') report('ok', check, `${where} is free`);
    else if (state === 'EADDRINUSE') {
      if (engine)
        report(
          'ok',
          check,
          `${where} is in use, presumably by the running rxbridge (its admin API answers on ${config.httpHost}:${config.httpPort})`,
        );
      else if (config.httpPort < 0)
        report('warn', check, `${where} is in use; with HTTP_PORT=-1 there is no admin API to ask whether it is an rxbridge`);
      else report('FAIL', check, `${where} is in use by another program (no rxbridge answers on ${config.httpHost}:${config.httpPort})`);
    } else report('FAIL', check, `${where} cannot be bound (${state})`);
  }
  if (config.httpPort < 0) {
    report('ok', 'http port', 'no admin API (HTTP_PORT=-1)');
    return;
  }
  if (config.httpPort === 0) {
    report('ok', 'http port', 'picked at start (HTTP_PORT=0)');
    return;
  }
  const where = `${config.httpHost}:${config.httpPort}`;
  const state = await portState(config.httpHost, config.httpPort);
  if (state === 'free') report('ok', 'http port', `${where} is free`);
  else if (state === 'EADDRINUSE') {
    report(
      engine ? 'ok' : 'FAIL',
      'http port',
      engine ? `${where} is in use by a running rxbridge (/api/health answers)` : `${where} is in use by another program`,
    );
  } else report('FAIL', 'http port', `${where} cannot be bound (${state})`);
}

/**
 * Each channel's application ACK destination (the sender's own MLLP listener) should accept a connection. It is a
 * warning, not a failure: ACKs wait and are retried while it is down.
 */
async function checkAckDestinations(channels: readonly ChannelPlan[], report: Report): Promise<void> {
  for (const c of channels.filter((ch) => ch.enabled && ch.applicationAcks)) {
    const { host, port, timeoutMs } = c.applicationAcks!;
    const where = `${host}:${port}`;
    const check = `application acks (${c.name})`;
    const state = await connectState(host, port, Math.min(timeoutMs, 3000));
    if (state === 'open') report('ok', check, `${where} accepts connections`);
    else report('warn', check, `${where} does not accept connections (${state}): application ACKs wait and are retried until it does`);
  }
}

/** 'open' when a TCP connection to host:port succeeds within timeoutMs, else the error code (or 'timeout'). */
function connectState(host: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (state: string) => {
      socket.destroy();
      resolve(state);
    };
    socket.setTimeout(timeoutMs, () => done('timeout'));
    socket.once('connect', () => done('open'));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.name));
  });
}

/** 'free', or the error code of binding (EADDRINUSE, EACCES, EADDRNOTAVAIL, …). */
function portState(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.name));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve('free')));
  });
}

/** True when GET /api/health on the admin address answers like an rxbridge (HTTPS first when configured). */
async function rxbridgeAnswers(config: EngineConfig): Promise<boolean> {
  const host = ['0.0.0.0', '::'].includes(config.httpHost) ? '127.0.0.1' : config.httpHost;
  const schemes: Array<'http' | 'https'> = config.https ? ['https', 'http'] : ['http'];
  for (const scheme of schemes) {
    const body = await getText(scheme, host, config.httpPort, '/api/health');
    if (body === undefined) continue;
    try {
      const json = JSON.parse(body) as { status?: unknown; store?: unknown };
      if (typeof json.status === 'string' && typeof json.store === 'boolean') return true;
    } catch {
      /* not ours */
    }
  }
  return false;
}

function getText(scheme: 'http' | 'https', host: string, port: number, urlPath: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    // Identity probe only: the engine's certificate may be issued for another name, so it is not verified here.
    const req = (scheme === 'https' ? https : http).get(
      { host, port, path: urlPath, timeout: PROBE_TIMEOUT_MS, rejectUnauthorized: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (text.length < 4096) text += c;
        });
        res.on('end', () => resolve(text));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(undefined));
  });
}

interface TlsFileSet {
  what: string;
  cert: string;
  key: string;
  ca?: string;
}

function checkCertificates(env: Env, config: EngineConfig, channels: readonly ChannelPlan[], now: Date, report: Report): void {
  const sets: TlsFileSet[] = [];
  for (const c of channels) {
    const src = c.source;
    if (c.enabled && (src.type === 'mllp' || src.type === 'http') && src.tls) sets.push({ what: `tls (${c.name})`, ...src.tls });
  }
  if (env.RXBRIDGE_HTTPS_CERT || env.RXBRIDGE_HTTPS_KEY) {
    const abs = (p: string | undefined) => (p ? path.resolve(p) : '');
    sets.push({
      what: 'tls (admin API)',
      cert: abs(env.RXBRIDGE_HTTPS_CERT),
      key: abs(env.RXBRIDGE_HTTPS_KEY),
      ca: env.RXBRIDGE_HTTPS_CA ? abs(env.RXBRIDGE_HTTPS_CA) : undefined,
    });
  }
  if (sets.length === 0) {
    report('ok', 'tls', `no TLS configured (channels in ${config.channelsDir}, RXBRIDGE_HTTPS_*)`);
    return;
  }
  for (const set of sets) report(...checkTlsSet(set, now));
}

/** One certificate, its key and CA: readable, PEM, a matching pair, the certificate valid for 30 more days. */
export function checkTlsSet(set: TlsFileSet, now: Date): [CheckLevel, string, string] {
  const read = (file: string, role: string): Buffer | string => {
    if (!file) return `${role} file is not set`;
    try {
      return fs.readFileSync(file);
    } catch (err) {
      return `cannot read ${role} ${file} (${errorCode(err)})`;
    }
  };
  const certBytes = read(set.cert, 'certificate');
  if (typeof certBytes === 'string') return ['FAIL', set.what, certBytes];
  let cert: crypto.X509Certificate;
  try {
    cert = new crypto.X509Certificate(certBytes);
  } catch {
    return ['FAIL', set.what, `${set.cert} is not a PEM certificate`];
  }
  const keyBytes = read(set.key, 'key');
  if (typeof keyBytes === 'string') return ['FAIL', set.what, keyBytes];
  try {
    if (!cert.checkPrivateKey(crypto.createPrivateKey(keyBytes))) return ['FAIL', set.what, `${set.key} is not the key of ${set.cert}`];
  } catch {
    return ['FAIL', set.what, `${set.key} is not an unencrypted PEM private key`];
  }
  if (set.ca) {
    const caBytes = read(set.ca, 'CA');
    if (typeof caBytes === 'string') return ['FAIL', set.what, caBytes];
    try {
      new crypto.X509Certificate(caBytes);
    } catch {
      return ['FAIL', set.what, `${set.ca} is not a PEM certificate`];
    }
  }
  const validTo = new Date(cert.validTo);
  const days = Math.floor((validTo.getTime() - now.getTime()) / 86_400_000);
  const until = `${set.cert} valid until ${validTo.toISOString().slice(0, 10)}`;
  if (new Date(cert.validFrom) > now)
    return ['FAIL', set.what, `${set.cert} is not valid before ${new Date(cert.validFrom).toISOString().slice(0, 10)}`];
  if (days < 0) return ['FAIL', set.what, `${set.cert} expired on ${validTo.toISOString().slice(0, 10)}`];
  if (days < CERT_WARN_DAYS)
    return ['warn', set.what, `${until}: expires in ${days} day(s) — renew it (a renewal is picked up without a restart)`];
  return ['ok', set.what, `${until} (${days} days); key matches`];
}

function checkDisk(dataDir: string, report: Report): void {
  let dir = dataDir;
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  try {
    const s = fs.statfsSync(dir);
    const free = s.bavail * s.bsize;
    const total = s.blocks * s.bsize;
    const gib = (n: number) => `${(n / 1024 ** 3).toFixed(1)} GiB`;
    const detail = `${gib(free)} free of ${gib(total)} at ${dir}${dir === dataDir ? '' : ` (DATA_DIR ${dataDir} does not exist yet)`}`;
    if (free < DISK_FAIL_BYTES) report('FAIL', 'disk', `${detail}: under 512 MiB`);
    else if (free < DISK_WARN_BYTES || free < total * 0.1) report('warn', 'disk', `${detail}: under 2 GiB or 10%`);
    else report('ok', 'disk', detail);
  } catch (err) {
    report('FAIL', 'disk', `cannot read free space at ${dir} (${errorCode(err)})`);
  }
}

/**
 * Every folder the engine writes, written to the way the engine writes it: DATA_DIR (the embedded store, keys),
 * MAPPINGS_DIR (mappings saved from the console) and the billing outbox (837P batch files); and billing.yaml, which
 * stops the engine at start when it does not load.
 */
function checkWritableFolders(config: EngineConfig, env: Env, report: Report): void {
  const folders: Array<[string, string, string]> = [
    ['DATA_DIR', config.dataDir, 'the embedded store, keys and files'],
    ['MAPPINGS_DIR', config.mappingsDir, 'mappings saved from the console'],
  ];
  const billingFile = config.billingFile;
  if (billingFile && fs.existsSync(billingFile)) {
    try {
      // The engine's own start-up reading (src/billing/reload.ts): a file that passes here cannot stop the start.
      const billing = openBillingConfig(billingFile, env, config.dataDir).config;
      if (billing) {
        report('ok', 'billing', `${billing.payers.size} payer(s) in ${billingFile}`);
        folders.push(['billing outbox', billing.outboxDir, '837P batch files']);
        for (const ch of billing.clearinghouses.values()) checkClearinghouseSecrets(ch, env, report);
      }
    } catch (err) {
      const text = err instanceof ConfigError ? err.message : (err as Error).message;
      report('FAIL', 'billing', `${billingFile} does not load, so the engine will not start: ${text.split('\n')[0]}`);
    }
  }
  for (const [name, dir, what] of folders) {
    const problem = writableProblem(dir);
    if (problem) report('FAIL', 'writable', `${name} ${dir} (${what}) cannot be written by this user (${problem})`);
    else report('ok', 'writable', `${name} ${dir}`);
  }
}

/**
 * A clearinghouse's secrets can be read by this user (the file exists and is readable, the variable is set): checked
 * without connecting, and no value is shown. A disabled clearinghouse is only named.
 */
function checkClearinghouseSecrets(ch: ClearinghouseConfig, env: Env, report: Report): void {
  if (!ch.enabled) {
    report('ok', 'clearinghouse', `${ch.name} is disabled (enabled: false): batches to it wait in the transfer queue`);
    return;
  }
  const secrets: Array<[string, SecretSource | undefined]> = [
    ['private key', ch.privateKey],
    ['passphrase', ch.passphrase],
    ['password', ch.password],
  ];
  for (const [what, source] of secrets) {
    if (!source) continue;
    try {
      readSecret(ch, what, source, env);
    } catch (err) {
      report('FAIL', 'clearinghouse', (err as Error).message);
      return;
    }
  }
  report(
    'ok',
    'clearinghouse',
    `${ch.name}: sftp ${ch.username}@${ch.host}:${ch.port}, host key ${ch.hostKeyFingerprint}, secrets readable`,
  );
}

/**
 * File and SFTP channel sources: a file source's folders exist and can be written (files are moved out of them); an
 * SFTP source's secrets can be read (checked without connecting, no value shown).
 */
export function checkChannelSources(channels: readonly ChannelPlan[], env: Env, report: Report): void {
  for (const c of channels) {
    const src = c.source;
    if (!c.enabled) continue;
    if (src.type === 'file') {
      const folders = [src.dir, src.archiveDir, ...(src.errorDir ? [src.errorDir] : [])];
      const problems = folders.map((d) => [d, fs.existsSync(d) ? writableProblem(d) : 'it does not exist'] as const).filter(([, p]) => p);
      if (problems.length > 0) {
        for (const [d, p] of problems) report('FAIL', `file source (${c.name})`, `${d} cannot be written by this user (${p})`);
      } else report('ok', `file source (${c.name})`, `${folders.join(', ')} writable`);
    }
    if (src.type === 'sftp') {
      const secrets: Array<[string, SecretSource | undefined]> = [
        ['private key', src.privateKey],
        ['passphrase', src.passphrase],
        ['password', src.password],
      ];
      const failed = secrets.find(([what, s]) => {
        if (!s) return false;
        try {
          readSourceSecret(c.name, what, s, env);
          return false;
        } catch (err) {
          report('FAIL', `sftp source (${c.name})`, (err as Error).message);
          return true;
        }
      });
      if (!failed)
        report(
          'ok',
          `sftp source (${c.name})`,
          `${src.username}@${src.host}:${src.port}${src.dir}, host key ${src.hostKeyFingerprint}, secrets readable`,
        );
    }
  }
}

/** The pid in DATA_DIR/rxbridge.lock when that process is alive. */
function lockOwner(dataDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(dataDir, 'rxbridge.lock'), 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!pid || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

/** Numeric comparison of dotted versions (20.11 < 20.9 is false). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'an unreadable URL';
  }
}

function errorCode(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return errorCode(err.errors[0]);
  const e = err as NodeJS.ErrnoException;
  return e?.code ?? e?.message ?? String(err);
}
