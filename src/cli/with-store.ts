/**
 * The store a one-shot CLI command works on (DATABASE_URL, else the embedded store under DATA_DIR), opened with a
 * small pool and always closed. A store that cannot be opened is one line for `fail` and exit code 1.
 */
import fs from 'node:fs';
import { configFromEnv } from '../engine/config';
import { openStore, type Store } from '../store/db';

export async function withStore(
  env: Record<string, string | undefined>,
  fail: (line: string) => void,
  run: (store: Store) => Promise<number>,
): Promise<number> {
  const config = configFromEnv(env);
  let store: Store;
  try {
    store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  } catch (err) {
    fail(`rxbridge: cannot open the store: ${(err as Error).message}`);
    return 1;
  }
  try {
    return await run(store);
  } finally {
    await store.close();
  }
}

/**
 * withStore for a command that imports `file`: a file that cannot be read is one line for `fail` and exit code 1,
 * before the store is opened.
 */
export async function withStoreImporting(
  env: Record<string, string | undefined>,
  fail: (line: string) => void,
  file: string,
  run: (store: Store) => Promise<number>,
): Promise<number> {
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch (err) {
    fail(`rxbridge: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return 1;
  }
  return withStore(env, fail, run);
}
