/**
 * The outbox directory where 837P batch files are written for the clearinghouse transfer to pick up. A file is
 * staged (written and flushed under a hidden temporary name) inside the batch transaction, so a disk problem
 * fails the batch and rolls back its control numbers; it is renamed to its final name only after the batch is
 * committed, so the outbox never shows a file whose batch does not exist. abort() removes a staged file.
 * The directory implementation of the outbox port (src/billing/ports.ts Outbox).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Outbox, StagedFile } from '../billing/ports';

export type { Outbox, StagedFile };

export function directoryOutbox(dir: string): Outbox {
  return {
    async stage(fileName, text) {
      if (fileName !== path.basename(fileName) || fileName.startsWith('.')) throw new Error('an outbox file name is a plain name');
      await fs.mkdir(dir, { recursive: true });
      const final = path.join(dir, fileName);
      const temp = path.join(dir, `.${fileName}.${process.pid}.tmp`);
      const handle = await fs.open(temp, 'wx');
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
