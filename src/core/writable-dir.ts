/**
 * Whether the engine's user can write a folder, asked the way the engine writes: create and remove a file in it (in
 * its nearest existing parent when it does not exist yet, where the engine would create it). A permission bit check
 * is not enough: root passes every bit check, and a read-only mount fails only when written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { EngineError } from './errors';

/** The errno codes that mean "this folder cannot be written", in words. */
const CAUSES: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'a read-only file system',
  ENOSPC: 'no space left on the disk',
  EDQUOT: 'the disk quota is used up',
};

/** `err`'s cause in words when it means the folder cannot be written; undefined for any other error. */
export function unwritableCause(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && code in CAUSES ? `${code}: ${CAUSES[code]}` : undefined;
}

/** Why `dir` cannot be written (or created) by this process, or undefined when it can. Creates nothing that stays. */
export function writableProblem(dir: string): string | undefined {
  let existing = dir;
  while (!fs.existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  const probe = path.join(existing, `.rxbridge-write-check.${process.pid}.${randomBytes(4).toString('hex')}`);
  try {
    fs.writeFileSync(probe, '');
    fs.rmSync(probe, { force: true });
    return undefined;
  } catch (err) {
    return unwritableCause(err) ?? (err as NodeJS.ErrnoException).code ?? (err as Error).name;
  }
}

/**
 * The error for a write into `dir` (what: "the mappings folder") that failed with `err`: DIRECTORY_NOT_WRITABLE naming
 * the folder and the cause when the folder cannot be written, else `err` itself.
 */
export function asUnwritable(err: unknown, dir: string, what: string, hint: string): unknown {
  const cause = unwritableCause(err);
  return cause === undefined
    ? err
    : new EngineError('DIRECTORY_NOT_WRITABLE', `${what} ${dir} cannot be written by the engine (${cause}): ${hint}`);
}
