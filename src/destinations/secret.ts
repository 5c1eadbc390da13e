/**
 * Secrets of a destination's connector (a password, a private key, its passphrase): named in the channel file by a
 * file path (`…File`, relative to the project directory) or an environment variable (`…Env`), never by value, and
 * read when they are used, so a rotated file needs no restart and the value never reaches a log or an error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { SecretSource } from '../clearinghouse/config';

export type { SecretSource };

export const secretFile = z.string().min(1, { error: 'must be a file path' });
export const envName = z
  .string({ error: 'must be text' })
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be an environment variable name' });

/** The source named by a `…File` / `…Env` pair (the schema allows at most one), the file resolved against baseDir. */
export function secretSource(baseDir: string, file?: string, env?: string): SecretSource | undefined {
  return file ? { file: path.resolve(baseDir, file) } : env ? { env } : undefined;
}

export type SecretRead = { ok: true; value: Buffer } | { ok: false; error: string };

/** The secret's bytes, or an error naming where it was looked for (never the value). */
export function readSecretSource(what: string, source: SecretSource, env: NodeJS.ProcessEnv = process.env): SecretRead {
  if ('env' in source) {
    const v = env[source.env];
    return v === undefined || v === ''
      ? { ok: false, error: `the ${what} variable ${source.env} is not set` }
      : { ok: true, value: Buffer.from(v, 'utf8') };
  }
  try {
    return { ok: true, value: fs.readFileSync(source.file) };
  } catch (err) {
    return { ok: false, error: `the ${what} file ${source.file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})` };
  }
}

/** A text secret (password, passphrase) without its file's final line end. */
export function readSecretText(
  what: string,
  source: SecretSource,
  env: NodeJS.ProcessEnv = process.env,
): { ok: true; text: string } | { ok: false; error: string } {
  const r = readSecretSource(what, source, env);
  return r.ok ? { ok: true, text: r.value.toString('utf8').replace(/\r?\n$/, '') } : r;
}

/**
 * A text secret named by a `…File` / `…Env` pair, trimmed, for connectors that read it at each use; throws with
 * readSecretSource's reason (never the value) when none is named or it cannot be read.
 */
export function requireSecretText(what: string, baseDir: string, file?: string, env?: string): string {
  const source = secretSource(baseDir, file, env);
  if (!source) throw new Error(`no ${what} is named`);
  const read = readSecretSource(what, source);
  if (!read.ok) throw new Error(read.error);
  return read.value.toString('utf8').trim();
}
