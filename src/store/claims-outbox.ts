/**
 * The outbox directory where 837P batch files are written for the clearinghouse transfer to pick up. A file is
 * staged (written and flushed under a hidden temporary name) inside the batch transaction, so a disk problem
 * fails the batch and rolls back its control numbers; it is renamed to its final name only after the batch is
 * committed, so the outbox never shows a file whose batch does not exist. abort() removes a staged file.
 * The directory implementation of the outbox port (src/billing/ports.ts Outbox).
 *
 * 837P files carry patient names, birth dates and member ids: each is created 0600 (owner only), and the
 * directory is kept 0700 — made so, and tightened back to it at every batch when someone opened it up, as ssh
 * does with ~/.ssh. A transfer job that picks the files up runs as the engine's user (or is given the files by
 * an ACL of the operator's own making).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Outbox, StagedFile } from '../billing/ports';

export type { Outbox, StagedFile };

export function directoryOutbox(dir: string): Outbox {
  return {
    async stage(fileName, text) {
      if (fileName !== path.basename(fileName) || fileName.startsWith('.')) throw new Error('an outbox file name is a plain name');
      await privateDirectory(dir);
      const final = path.join(dir, fileName);
      const temp = path.join(dir, `.${fileName}.${process.pid}.tmp`);
      const handle = await fs.open(temp, 'wx', PRIVATE_FILE);
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } catch (err) {
        await handle.close().catch(() => undefined);
        await fs.rm(temp, { force: true });
        throw err;
      }
      await handle.close();
      return {
        path: final,
        commit: () => fs.rename(temp, final),
        abort: () => fs.rm(temp, { force: true }),
      };
    },
  };
}

/** Owner read/write only: files holding patient data. */
export const PRIVATE_FILE = 0o600;
/** Owner only: directories holding such files. */
export const PRIVATE_DIRECTORY = 0o700;

/** Makes `dir` (and missing parents) and leaves it 0700, whatever mode it had. */
export async function privateDirectory(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: PRIVATE_DIRECTORY });
  const { mode } = await fs.stat(dir);
  if ((mode & 0o777) !== PRIVATE_DIRECTORY) await fs.chmod(dir, PRIVATE_DIRECTORY);
}
