/**
 * The folders a file channel source reads: a local folder (node:fs) or one on an SFTP server (ssh2-sftp-client,
 * the host key pinned by its SHA256 fingerprint before any credential is sent, as src/clearinghouse/sftp.ts does).
 * One session per poll; every failure is an EngineError SOURCE_TRANSFER naming the channel and the step (never a
 * secret), SOURCE_HOST_KEY for another host key, SOURCE_SECRET for a key or password that cannot be read.
 */
import fs from 'node:fs';
import path from 'node:path';
import SftpClient from 'ssh2-sftp-client';
import { sshFingerprint } from '../clearinghouse/sftp';
import { EngineError } from '../core/errors';

export interface FolderEntry {
  name: string;
  size: number;
  mtimeMs: number;
}

export interface FolderSession {
  /** Plain files of the inbound folder (no dot files, no folders), by name. */
  list(): Promise<FolderEntry[]>;
  read(name: string): Promise<Buffer>;
  /** Moves a file of the inbound folder into `toDir`; an existing target gets a `.<n>` suffix (nothing is replaced). */
  move(name: string, toDir: string): Promise<string>;
  close(): Promise<void>;
}

/** Where a secret comes from: a file (absolute path) or an environment variable. Never the value itself. */
export type SecretSource = { file: string } | { env: string };

export interface SftpFolderConfig {
  channel: string;
  host: string;
  port: number;
  username: string;
  hostKeyFingerprint: string;
  privateKey?: SecretSource;
  passphrase?: SecretSource;
  password?: SecretSource;
  dir: string;
  connectTimeoutMs: number;
}

function transferError(channel: string, what: string, err: unknown): EngineError {
  if (err instanceof EngineError) return err;
  const reason = err instanceof Error ? err.message.replace(/\s+/g, ' ').slice(0, 300) : 'failed';
  return new EngineError('SOURCE_TRANSFER', `channel ${channel}: ${what} failed: ${reason}`);
}

/** A local folder. */
export function localFolder(channel: string, dir: string): FolderSession {
  const step = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw transferError(channel, what, err);
    }
  };
  return {
    list: () =>
      step(`listing ${dir}`, async () => {
        const out: FolderEntry[] = [];
        for (const e of await fs.promises.readdir(dir, { withFileTypes: true })) {
          if (!e.isFile() || e.name.startsWith('.')) continue;
          const st = await fs.promises.stat(path.join(dir, e.name)).catch(() => undefined);
          if (st) out.push({ name: e.name, size: st.size, mtimeMs: Math.floor(st.mtimeMs) });
        }
        return out.sort((a, b) => a.name.localeCompare(b.name));
      }),
    read: (name) => step(`reading ${name}`, () => fs.promises.readFile(path.join(dir, name))),
    move: (name, toDir) =>
      step(`moving ${name} to ${toDir}`, async () => {
        let target = path.join(toDir, name);
        for (let n = 1; fs.existsSync(target); n++) target = path.join(toDir, `${name}.${n}`);
        await fs.promises.rename(path.join(dir, name), target);
        return target;
      }),
    close: async () => undefined,
  };
}

/** A secret of an SFTP source from its file or variable; SOURCE_SECRET naming where it was looked for (never the value). */
export function readSourceSecret(channel: string, what: string, source: SecretSource, env: NodeJS.ProcessEnv): string {
  if ('env' in source) {
    const v = env[source.env];
    if (v === undefined || v === '')
      throw new EngineError('SOURCE_SECRET', `channel ${channel}: the ${what} variable ${source.env} is not set`);
    return v;
  }
  try {
    return fs.readFileSync(source.file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new EngineError('SOURCE_SECRET', `channel ${channel}: the ${what} file ${source.file} cannot be read (${code})`);
  }
}

const posix = (dir: string, name: string) => `${dir.replace(/\/+$/, '')}/${name}`;

/** Opens an SFTP session on the source's folder; rejects with SOURCE_HOST_KEY, SOURCE_SECRET or SOURCE_TRANSFER. */
export async function openSftpFolder(c: SftpFolderConfig, env: NodeJS.ProcessEnv = process.env): Promise<FolderSession> {
  const privateKey = c.privateKey ? readSourceSecret(c.channel, 'private key', c.privateKey, env) : undefined;
  const passphrase = c.passphrase ? readSourceSecret(c.channel, 'passphrase', c.passphrase, env).replace(/\r?\n$/, '') : undefined;
  const password = c.password ? readSourceSecret(c.channel, 'password', c.password, env).replace(/\r?\n$/, '') : undefined;
  const quiet = () => undefined;
  const client = new SftpClient(`source-${c.channel}`, { error: quiet, end: quiet, close: quiet } as never);
  let seen: string | undefined;
  try {
    await client.connect({
      host: c.host,
      port: c.port,
      username: c.username,
      ...(privateKey ? { privateKey } : {}),
      ...(passphrase ? { passphrase } : {}),
      ...(password ? { password } : {}),
      readyTimeout: c.connectTimeoutMs,
      keepaliveInterval: 5000,
      keepaliveCountMax: 3,
      retries: 0,
      hostVerifier: (key: Buffer) => {
        seen = sshFingerprint(key);
        return seen === c.hostKeyFingerprint;
      },
    } as SftpClient.ConnectOptions);
  } catch (err) {
    await client.end().catch(() => undefined);
    if (seen !== undefined && seen !== c.hostKeyFingerprint) {
      throw new EngineError(
        'SOURCE_HOST_KEY',
        `channel ${c.channel}: ${c.host}:${c.port} showed host key ${seen}, not the pinned ${c.hostKeyFingerprint}; refused`,
      );
    }
    throw transferError(c.channel, `connecting to ${c.host}:${c.port} as ${c.username}`, err);
  }
  const step = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw transferError(c.channel, what, err);
    }
  };
  return {
    list: () =>
      step(`listing ${c.dir}`, async () =>
        (await client.list(c.dir))
          .filter((e) => e.type === '-' && !e.name.startsWith('.'))
          .map((e) => ({ name: e.name, size: e.size, mtimeMs: e.modifyTime }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      ),
    read: (name) => step(`downloading ${name}`, async () => (await client.get(posix(c.dir, name))) as Buffer),
    move: (name, toDir) =>
      step(`moving ${name} to ${toDir}`, async () => {
        let target = posix(toDir, name);
        for (let n = 1; (await client.exists(target)) !== false; n++) target = posix(toDir, `${name}.${n}`);
        await client.rename(posix(c.dir, name), target);
        return target;
      }),
    close: async () => {
      await client.end().catch(() => undefined);
    },
  };
}
