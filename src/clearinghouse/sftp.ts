/**
 * One SFTP session with a clearinghouse (ssh2-sftp-client): the host key is checked against the pinned SHA256
 * fingerprint before any credential is sent, secrets are read from their file or variable at each connect (never
 * logged, never kept), and every failure is an EngineError naming the clearinghouse and the step, never a secret:
 * CLEARINGHOUSE_HOST_KEY (another host key: refused), CLEARINGHOUSE_SECRET (a secret that cannot be read),
 * CLEARINGHOUSE_TRANSFER (connect, login or a file operation failed; retryable).
 *
 * `putAtomically` writes under a hidden temporary name in the same folder and renames it into place, so the
 * clearinghouse never sees half a file.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import SftpClient from 'ssh2-sftp-client';
import { EngineError } from '../core/errors';
import type { ClearinghouseConfig, SecretSource } from './config';

export interface RemoteFile {
  name: string;
  size: number;
}

export interface ClearinghouseSession {
  /** Plain files of a folder (no dot files, no folders), by name. */
  list(dir: string): Promise<RemoteFile[]>;
  /** The size of a file, or undefined when there is none. */
  size(path: string): Promise<number | undefined>;
  get(path: string): Promise<Buffer>;
  /** Writes `.<name>.part` in the folder, then renames it to `name` (a file already there under `name` is an error). */
  putAtomically(dir: string, name: string, content: Buffer): Promise<void>;
  /** Moves a file to another folder, replacing nothing: an existing target gets a `.<n>` suffix. Returns the new path. */
  move(from: string, toDir: string): Promise<string>;
  close(): Promise<void>;
}

/** `SHA256:<base64 without padding>` of a raw SSH public key blob, as `ssh-keygen -lf` prints it. */
export function sshFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** A secret's value from its file or variable; CLEARINGHOUSE_SECRET naming where it was looked for (never the value). */
export function readSecret(ch: Pick<ClearinghouseConfig, 'name'>, what: string, source: SecretSource, env: NodeJS.ProcessEnv): Buffer {
  if ('env' in source) {
    const v = env[source.env];
    if (v === undefined || v === '')
      throw new EngineError('CLEARINGHOUSE_SECRET', `clearinghouse ${ch.name}: the ${what} variable ${source.env} is not set`);
    return Buffer.from(v, 'utf8');
  }
  try {
    return fs.readFileSync(source.file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new EngineError('CLEARINGHOUSE_SECRET', `clearinghouse ${ch.name}: the ${what} file ${source.file} cannot be read (${code})`);
  }
}

const posix = (dir: string, name: string) => `${dir.replace(/\/+$/, '')}/${name}`;
const baseName = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/** Opens a session; rejects with one of the errors above. */
export async function openSession(ch: ClearinghouseConfig, env: NodeJS.ProcessEnv = process.env): Promise<ClearinghouseSession> {
  const privateKey = ch.privateKey ? readSecret(ch, 'private key', ch.privateKey, env) : undefined;
  const passphrase = ch.passphrase
    ? readSecret(ch, 'passphrase', ch.passphrase, env)
        .toString('utf8')
        .replace(/\r?\n$/, '')
    : undefined;
  const password = ch.password
    ? readSecret(ch, 'password', ch.password, env)
        .toString('utf8')
        .replace(/\r?\n$/, '')
    : undefined;
  // The library's default global listeners print to stdout/stderr; ours stay silent (a dropped connection surfaces as a
  // rejected call, reported by the caller through the logger).
  const quiet = () => undefined;
  const client = new SftpClient(`clearinghouse-${ch.name}`, { error: quiet, end: quiet, close: quiet } as never);
  let seen: string | undefined;
  try {
    await client.connect({
      host: ch.host,
      port: ch.port,
      username: ch.username,
      ...(privateKey ? { privateKey } : {}),
      ...(passphrase ? { passphrase } : {}),
      ...(password ? { password } : {}),
      readyTimeout: ch.connectTimeoutMs,
      keepaliveInterval: 5000,
      keepaliveCountMax: 3,
      retries: 0,
      hostVerifier: (key: Buffer) => {
        seen = sshFingerprint(key);
        return seen === ch.hostKeyFingerprint;
      },
    } as SftpClient.ConnectOptions);
  } catch (err) {
    await client.end().catch(() => undefined);
    if (seen !== undefined && seen !== ch.hostKeyFingerprint) {
      throw new EngineError(
        'CLEARINGHOUSE_HOST_KEY',
        `clearinghouse ${ch.name}: ${ch.host}:${ch.port} showed host key ${seen}, not the pinned ${ch.hostKeyFingerprint}; refused`,
      );
    }
    throw transferError(ch, `connecting to ${ch.host}:${ch.port} as ${ch.username}`, err);
  }
  const step = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw transferError(ch, what, err);
    }
  };
  return {
    list: (dir) =>
      step(`listing ${dir}`, async () =>
        (await client.list(dir))
          .filter((e) => e.type === '-' && !e.name.startsWith('.'))
          .map((e) => ({ name: e.name, size: e.size }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      ),
    size: (path) =>
      step(`reading the size of ${path}`, async () => {
        const kind = await client.exists(path);
        if (kind === false) return undefined;
        return (await client.stat(path)).size;
      }),
    get: (path) => step(`downloading ${path}`, async () => (await client.get(path)) as Buffer),
    putAtomically: (dir, name, content) =>
      step(`uploading ${posix(dir, name)}`, async () => {
        const temp = posix(dir, `.${name}.part`);
        await client.put(content, temp);
        await client.rename(temp, posix(dir, name));
      }),
    move: (from, toDir) =>
      step(`moving ${from} to ${toDir}`, async () => {
        let target = posix(toDir, baseName(from));
        for (let n = 1; (await client.exists(target)) !== false; n++) target = posix(toDir, `${baseName(from)}.${n}`);
        await client.rename(from, target);
        return target;
      }),
    close: async () => {
      await client.end().catch(() => undefined);
    },
  };
}

function transferError(ch: ClearinghouseConfig, what: string, err: unknown): EngineError {
  if (err instanceof EngineError) return err;
  const reason = err instanceof Error ? err.message.replace(/\s+/g, ' ').slice(0, 300) : 'failed';
  return new EngineError('CLEARINGHOUSE_TRANSFER', `clearinghouse ${ch.name}: ${what} failed: ${reason}`);
}
