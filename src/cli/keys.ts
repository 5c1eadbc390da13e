/**
 * `rxbridge keys generate | status | rotate [--batch N]`: the key for message bodies at rest
 * (docs/encryption.md).
 *
 * generate prints a fresh 32-byte key in base64 (for RXBRIDGE_ENCRYPTION_KEY or a key file); status prints the
 * configured key and how many stored bodies each key id holds; rotate re-encrypts, in batches, every body not
 * under the current key (older keys from RXBRIDGE_ENCRYPTION_OLD_KEYS, and plain-text bodies) with the current
 * key, or opens them all to plain text when RXBRIDGE_STORE_PLAINTEXT=true. rotate can run beside a live engine
 * on Postgres (restart the engines with the new key first, so they stop writing under the old one); the
 * embedded store allows one process, so stop the engine first there. A rotation is recorded in the audit trail
 * (actor `cli:<os user>`, action `keys.rotate`, target the key id rotated to; counts, never key material).
 * Exit codes: 0 done, 1 failed (or bodies left unreadable, or the audit event not written), 2 usage. Key
 * material is never printed except by generate.
 */
import { parseArgs } from 'node:util';
import { generateKeyBase64 } from '../core/crypto-box';
import { readBodyKeySetup, type BodyKeySetup } from '../core/encryption-config';
import { createLogger } from '../core/logger';
import { configFromEnv } from '../engine/config';
import { AuditTrail } from '../store/audit';
import { forgetRetiredKeyIds, openBodyCodec, registeredKeyIds } from '../store/bodies';
import { DEFAULT_BATCH_SIZE, rotateBodies } from '../store/body-maintenance';
import { openStore, type Store } from '../store/db';
import { cliActor } from './users';

export const KEYS_USAGE = `  rxbridge keys generate | status | rotate [--batch N]`;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

const processIo: CliIo = { out: (l) => console.log(l), err: (l) => console.error(l) };

type Env = Record<string, string | undefined>;

export async function keysCommand(args: string[], env: Env, io: CliIo = processIo): Promise<number> {
  const [sub, ...rest] = args;
  let batch: number;
  try {
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { batch: { type: 'string' } } });
    if (positionals.length > 0) throw new Error(`unexpected argument ${positionals[0]}`);
    batch = values.batch === undefined ? DEFAULT_BATCH_SIZE : Number(values.batch);
    if (!Number.isInteger(batch) || batch < 1 || batch > 100_000) throw new Error('--batch must be an integer from 1 to 100000');
    if (values.batch !== undefined && sub !== 'rotate') throw new Error('--batch applies to rotate only');
  } catch (err) {
    return usage(io, (err as Error).message);
  }
  switch (sub) {
    case 'generate':
      io.out(generateKeyBase64());
      return 0;
    case 'status':
      return withSetup(env, io, (setup, store) => status(setup, store, io));
    case 'rotate':
      return withSetup(env, io, (setup, store) => rotate(setup, store, batch, io, cliActor(env)));
    default:
      return usage(io, sub ? `unknown keys subcommand ${sub}` : 'keys needs a subcommand');
  }
}

function usage(io: CliIo, reason: string): number {
  io.err(`rxbridge: ${reason}\nusage:\n${KEYS_USAGE}`);
  return 2;
}

async function withSetup(env: Env, io: CliIo, run: (setup: BodyKeySetup, store: Store) => Promise<number>): Promise<number> {
  const config = configFromEnv(env);
  let store: Store | undefined;
  try {
    const setup = readBodyKeySetup(env, config.dataDir);
    store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
    return await run(setup, store);
  } catch (err) {
    io.err(`rxbridge: ${(err as Error).message}`);
    return 1;
  } finally {
    await store?.close();
  }
}

function describeSetup(setup: BodyKeySetup): string {
  switch (setup.mode) {
    case 'plaintext':
      return 'none: new bodies are stored in plain text (RXBRIDGE_STORE_PLAINTEXT=true)';
    case 'key':
      return `${setup.current.id} (from ${setup.origin})`;
    case 'create':
      return `none yet: ${setup.file ?? 'an in-memory key'} is created on the engine's first start`;
  }
}

async function status(setup: BodyKeySetup, store: Store, io: CliIo): Promise<number> {
  const rows = await store.db
    .selectFrom('message_contents')
    .select((eb) => ['key_id', eb.fn.countAll<string>().as('n'), eb.fn.count<string>('pruned_at').as('pruned')])
    .groupBy('key_id')
    .orderBy('key_id')
    .execute();
  const registered = await registeredKeyIds(store.db);
  const current = setup.mode === 'key' ? setup.current.id : null;
  const configured = new Set([...(current ? [current] : []), ...setup.older.map((k) => k.id)]);
  io.out(`current key: ${describeSetup(setup)}`);
  io.out('stored bodies:');
  let pruned = 0;
  for (const row of rows) {
    pruned += Number(row.pruned);
    const n = Number(row.n) - Number(row.pruned);
    if (n === 0) continue;
    const note =
      row.key_id === null
        ? ''
        : row.key_id === current
          ? '  (current key)'
          : configured.has(row.key_id)
            ? '  (older key: run `rxbridge keys rotate`)'
            : '  (key NOT CONFIGURED)';
    io.out(`  ${(row.key_id ?? 'plain text').padEnd(14)} ${String(n).padStart(10)}${note}`);
  }
  for (const id of registered.filter((r) => !rows.some((row) => row.key_id === r && Number(row.n) > Number(row.pruned)))) {
    const note =
      id === current ? '  (current key)' : configured.has(id) ? '  (older key)' : '  (key NOT CONFIGURED: used by another engine process)';
    io.out(`  ${id.padEnd(14)} ${'0'.padStart(10)}${note}`);
  }
  io.out(`  ${'pruned'.padEnd(14)} ${String(pruned).padStart(10)}`);
  return 0;
}

async function rotate(setup: BodyKeySetup, store: Store, batchSize: number, io: CliIo, actor: string): Promise<number> {
  const bodies = await openBodyCodec(store.db, setup, createLogger({ silent: true }), { createKey: false, register: false });
  const target = bodies.currentKeyId ?? 'plain text';
  const report = await rotateBodies(store.db, bodies, {
    batchSize,
    onBatch: (r) => io.err(`  ${r.rotated} bodies moved to ${target} so far`),
  });
  io.out(`rotated ${report.rotated} bodies to ${target} in ${report.batches} batches`);
  const retired = report.unreadable > 0 ? [] : await forgetRetiredKeyIds(store.db, bodies.currentKeyId);
  // Recorded before the outcome is reported: an unreadable body still leaves a run that changed rows.
  await new AuditTrail(store.db).append({
    actor,
    role: null,
    action: 'keys.rotate',
    targetType: 'key',
    targetId: bodies.currentKeyId,
    detail: {
      rotated: report.rotated,
      unreadable: report.unreadable,
      batches: report.batches,
      toPlainText: bodies.currentKeyId === null,
      retiredKeyIds: retired,
    },
  });
  if (report.unreadable > 0) {
    io.out(`${report.unreadable} bodies could not be decrypted (BODY_UNREADABLE) and were left as they are`);
    return 1;
  }
  if (retired.length > 0) io.out(`no body uses key ${retired.join(', ')} any more: it can be removed from RXBRIDGE_ENCRYPTION_OLD_KEYS`);
  return 0;
}
