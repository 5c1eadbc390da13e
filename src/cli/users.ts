/**
 * Users, tokens and the audit trail from the command line, straight on the store (DATABASE_URL, else the
 * embedded store under DATA_DIR; docs/security.md). While a running engine holds the embedded store (one process
 * only), the user and token commands go through that engine's admin API instead (users-api.ts; address from
 * HTTP_HOST/HTTP_PORT, token RXBRIDGE_TOKEN, else RXBRIDGE_ADMIN_TOKEN), print the same lines, and say so in one
 * line on stderr; the audit commands need the store itself.
 *   rxbridge users add NAME --role viewer|operator|billing|admin   password: RXBRIDGE_PASSWORD, else asked on a TTY
 *   rxbridge users list
 *   rxbridge users disable NAME | enable NAME
 *   rxbridge tokens create USER [--name N] [--expires-days D]     prints the token once
 *   rxbridge tokens list [USER]
 *   rxbridge tokens revoke ID
 *   rxbridge audit verify [--checkpoint FILE]                      recomputes the chain; exit 1 at the first broken row,
 *                                                                  or when the trail no longer holds a signed checkpoint
 *   rxbridge audit checkpoint [--out FILE]                         prints (and appends to FILE, 0600) a signed checkpoint
 * Every change is audited with actor `cli:<os user>` (through the API: the token's user). Exit codes: 0 done, 1 refused or failed, 2 usage.
 */
import fs from 'node:fs';
import os from 'node:os';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { Accounts } from '../admin/accounts';
import { ROLES, isRole } from '../admin/auth';
import { EngineError } from '../core/errors';
import { configFromEnv } from '../engine/config';
import { AuditTrail, type AuditEntry } from '../store/audit';
import { GENESIS_HASH } from '../store/audit-chain';
import { checkpointBreak, checkpointKey, parseCheckpoints, signCheckpoint, type AuditCheckpoint } from '../store/audit-checkpoint';
import { DataDirInUseError, openStore, type Store } from '../store/db';
import { apiToken, defaultAdminUrl } from './admin-url';
import { ApiUnreachableError, apiAccounts, probeApi, type CliAccounts } from './users-api';

export const USERS_USAGE = `  rxbridge users add NAME --role ${ROLES.join('|')}   (password: RXBRIDGE_PASSWORD or a prompt)
  rxbridge users list | disable NAME | enable NAME
  rxbridge tokens create USER [--name N] [--expires-days D] | list [USER] | revoke ID
  rxbridge audit verify [--checkpoint FILE] | checkpoint [--out FILE]   (RXBRIDGE_AUDIT_CHECKPOINT_KEY signs)`;

export interface UsersIo {
  out(line: string): void;
  err(line: string): void;
  /** The new user's password: RXBRIDGE_PASSWORD, else a prompt on a TTY; undefined when neither is possible. */
  password(env: Record<string, string | undefined>): Promise<string | undefined>;
}

const processIo: UsersIo = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  password: async (env) => {
    if (env.RXBRIDGE_PASSWORD) return env.RXBRIDGE_PASSWORD;
    if (!process.stdin.isTTY) return undefined;
    const first = await promptHidden('password: ');
    const again = await promptHidden('again: ');
    if (first !== again) throw new EngineError('BAD_REQUEST', 'the two passwords differ');
    return first;
  },
};

/** Reads one line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  process.stderr.write(question);
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => undefined;
  return new Promise((resolve) => {
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}

/** `cli:<os user>`: who ran the command, as far as the machine knows. */
export function cliActor(env: Record<string, string | undefined>): string {
  let name: string | undefined;
  try {
    name = os.userInfo().username;
  } catch {
    name = env.USER ?? env.LOGNAME;
  }
  return `cli:${name || 'unknown'}`;
}

type Command = (args: string[], ctx: Context) => Promise<number>;
interface Context {
  accounts: CliAccounts;
  /** Undefined when going through the engine's API (the audit commands need the store). */
  trail: AuditTrail | undefined;
  io: UsersIo;
  env: Record<string, string | undefined>;
  record(entry: Omit<AuditEntry, 'actor' | 'role'>): Promise<void>;
}

/** `rxbridge users|tokens|audit ...` */
export async function usersCommand(
  group: 'users' | 'tokens' | 'audit',
  args: string[],
  env: Record<string, string | undefined>,
  io: UsersIo = processIo,
): Promise<number> {
  const [sub, ...rest] = args;
  const command = COMMANDS[`${group} ${sub ?? ''}`];
  if (!command) {
    io.err(`rxbridge: ${sub ? `unknown ${group} subcommand ${sub}` : `${group} needs a subcommand`}\nusage:\n${USERS_USAGE}`);
    return 2;
  }
  const config = configFromEnv(env);
  let store: Store;
  try {
    store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  } catch (err) {
    if (err instanceof DataDirInUseError && group !== 'audit') return throughEngine(command, rest, err, env, io);
    io.err(`rxbridge: cannot open the store: ${(err as Error).message}`);
    return 1;
  }
  const trail = new AuditTrail(store.db);
  const actor = cliActor(env);
  const ctx: Context = {
    accounts: new Accounts({ db: store.db }),
    trail,
    io,
    env,
    record: async (entry) => {
      await trail.append({ ...entry, actor, role: null });
    },
  };
  try {
    return await run(command, rest, ctx);
  } finally {
    await store.close();
  }
}

/**
 * The engine holds the embedded store: the command goes through its admin API, which audits the change as the
 * token's user. Without a token, or when the API does not answer, one line names both causes.
 */
async function throughEngine(
  command: Command,
  rest: string[],
  inUse: DataDirInUseError,
  env: Record<string, string | undefined>,
  io: UsersIo,
): Promise<number> {
  const url = defaultAdminUrl(env);
  const bearer = apiToken(env);
  const held = `cannot open the store: the running engine (pid ${inUse.owner}) holds ${inUse.dataDir}`;
  if (!bearer) {
    io.err(
      `rxbridge: ${held}; to go through its API at ${url}, set RXBRIDGE_TOKEN to an admin's API token ` +
        '(or RXBRIDGE_ADMIN_TOKEN while no admin user exists)',
    );
    return 1;
  }
  try {
    await probeApi(url);
  } catch (err) {
    io.err(
      `rxbridge: ${held}, and ${(err as Error).message}: set HTTP_HOST/HTTP_PORT (RXBRIDGE_HTTPS_CERT for https) as the engine has them`,
    );
    return 1;
  }
  io.err(`rxbridge: the running engine (pid ${inUse.owner}) holds the store: going through its API at ${url}`);
  return run(command, rest, { accounts: apiAccounts(url, bearer), trail: undefined, io, env, record: async () => undefined });
}

/** Runs one command; a refusal (an EngineError below 500, or an API that stopped answering) is one line. */
async function run(command: Command, rest: string[], ctx: Context): Promise<number> {
  try {
    return await command(rest, ctx);
  } catch (err) {
    if (err instanceof EngineError && err.spec.http < 500) {
      ctx.io.err(`rxbridge: ${err.message}`);
      return err.code === 'BAD_REQUEST' ? 2 : 1;
    }
    if (err instanceof ApiUnreachableError) {
      ctx.io.err(`rxbridge: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

/** The audit trail of the store the command opened. */
function storeTrail(trail: AuditTrail | undefined): AuditTrail {
  if (!trail) throw new EngineError('CONFLICT', 'the audit commands read the store itself: stop the engine first');
  return trail;
}

function args(rest: string[], options: Record<string, { type: 'string' }> = {}) {
  try {
    return parseArgs({ args: rest, allowPositionals: true, options });
  } catch (err) {
    throw new EngineError('BAD_REQUEST', (err as Error).message);
  }
}

function one(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new EngineError('BAD_REQUEST', `give exactly one ${what}`);
  return positionals[0]!;
}

const iso = (d: Date | null) => (d ? d.toISOString() : '-');

const COMMANDS: Record<string, Command> = {
  'users add': async (rest, { accounts, io, env, record }) => {
    const { values, positionals } = args(rest, { role: { type: 'string' } });
    const name = one(positionals, 'user name');
    if (!isRole(values.role)) throw new EngineError('BAD_REQUEST', `--role must be one of ${ROLES.join(', ')}`);
    const password = await io.password(env);
    if (password === undefined) throw new EngineError('BAD_REQUEST', 'set RXBRIDGE_PASSWORD, or run on a terminal to be asked');
    const user = await accounts.createUser({ username: name, password, role: values.role });
    await record({ action: 'user.create', targetType: 'user', targetId: user.username, detail: { role: user.role } });
    io.out(`user ${user.username} added with role ${user.role}`);
    return 0;
  },
  'users list': async (rest, { accounts, io }) => {
    args(rest);
    const users = await accounts.listUsers();
    io.out('username\trole\tstate\tcreated');
    for (const u of users) {
      const state = u.disabled
        ? 'disabled'
        : u.lockedUntil && u.lockedUntil > new Date()
          ? `locked until ${iso(u.lockedUntil)}`
          : 'enabled';
      io.out(`${u.username}\t${u.role}\t${state}\t${iso(u.createdAt)}`);
    }
    return 0;
  },
  'users disable': (rest, ctx) => setDisabled(rest, ctx, true),
  'users enable': (rest, ctx) => setDisabled(rest, ctx, false),
  'tokens create': async (rest, { accounts, io, record }) => {
    const { values, positionals } = args(rest, { name: { type: 'string' }, 'expires-days': { type: 'string' } });
    const username = one(positionals, 'user name');
    const days = values['expires-days'];
    if (days !== undefined && !/^[1-9]\d{0,3}$/.test(days))
      throw new EngineError('BAD_REQUEST', '--expires-days must be a whole number of days (1-9999)');
    const created = await accounts.createToken({ username, name: values.name, expiresDays: days === undefined ? undefined : Number(days) });
    await record({
      action: 'token.create',
      targetType: 'token',
      targetId: created.id,
      detail: { username: created.username, name: created.name, expiresAt: created.expiresAt?.toISOString() ?? null },
    });
    io.err(
      `token ${created.id} for ${created.username} (${created.name}), expires ${created.expiresAt ? iso(created.expiresAt) : 'never'}.`,
    );
    io.err('It is shown this once; the store keeps only its hash:');
    io.out(created.token);
    return 0;
  },
  'tokens list': async (rest, { accounts, io }) => {
    const { positionals } = args(rest);
    if (positionals.length > 1) throw new EngineError('BAD_REQUEST', 'give at most one user name');
    io.out('id\tuser\tname\tkind\tcreated\texpires\trevoked\tlast used');
    for (const t of await accounts.listTokens({ username: positionals[0] })) {
      io.out([t.id, t.username, t.name, t.kind, iso(t.createdAt), iso(t.expiresAt), iso(t.revokedAt), iso(t.lastUsedAt)].join('\t'));
    }
    return 0;
  },
  'tokens revoke': async (rest, { accounts, io, record }) => {
    const id = one(args(rest).positionals, 'token id');
    const revoked = await accounts.revokeToken(id);
    await record({ action: 'token.revoke', targetType: 'token', targetId: id, detail: { username: revoked.username, kind: revoked.kind } });
    io.out(`token ${id} of ${revoked.username} revoked`);
    return 0;
  },
  'audit verify': async (rest, { trail: opened, io, env }) => {
    const trail = storeTrail(opened);
    const { values } = args(rest, { checkpoint: { type: 'string' } });
    // Checkpoints are read (and their signatures checked) before the trail, so a bad file is named first.
    const checkpoints = values.checkpoint === undefined ? [] : readCheckpoints(values.checkpoint, env);
    const result = await trail.verify();
    if (!result.ok) {
      io.out(`audit trail BROKEN at event ${result.break.id} (${result.count} events before it verify): ${result.break.message}`);
      return 1;
    }
    for (const c of checkpoints) {
      const broken = checkpointBreak(c, await trail.at(c.lastId));
      if (broken) {
        io.out(`audit trail BROKEN against the checkpoint in ${values.checkpoint}: ${broken}`);
        return 1;
      }
    }
    const against = values.checkpoint === undefined ? '' : `; holds the ${checkpoints.length} checkpoint(s) in ${values.checkpoint}`;
    io.out(`audit trail ok: ${result.count} events; head ${result.head}${against}`);
    return 0;
  },
  'audit checkpoint': async (rest, { trail: opened, io, env }) => {
    const trail = storeTrail(opened);
    const { values } = args(rest, { out: { type: 'string' } });
    const key = checkpointKeyOrUsage(env);
    const result = await trail.verify();
    if (!result.ok) {
      io.err(`rxbridge: no checkpoint: the audit trail is BROKEN at event ${result.break.id}: ${result.break.message}`);
      return 1;
    }
    const lastId = await trail.newestId();
    const at = lastId === undefined ? { hash: GENESIS_HASH, count: 0 } : await trail.at(lastId);
    const line = JSON.stringify(
      signCheckpoint({ count: at.count, lastId: lastId ?? '', head: at.hash ?? GENESIS_HASH, at: new Date() }, key),
    );
    if (values.out !== undefined) {
      fs.appendFileSync(values.out, `${line}\n`, { mode: 0o600 });
      io.err(`checkpoint of ${at.count} events appended to ${values.out}`);
    }
    io.out(line);
    return 0;
  },
};

function checkpointKeyOrUsage(env: Record<string, string | undefined>): Buffer {
  try {
    return checkpointKey(env.RXBRIDGE_AUDIT_CHECKPOINT_KEY);
  } catch (err) {
    throw new EngineError('BAD_REQUEST', (err as Error).message);
  }
}

function readCheckpoints(file: string, env: Record<string, string | undefined>): AuditCheckpoint[] {
  const key = checkpointKeyOrUsage(env);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new EngineError('CONFLICT', `cannot read the checkpoint file ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return parseCheckpoints(text, key, file);
  } catch (err) {
    throw new EngineError('CONFLICT', `audit checkpoint refused: ${(err as Error).message}`);
  }
}

async function setDisabled(rest: string[], { accounts, io, record }: Context, disabled: boolean): Promise<number> {
  const name = one(args(rest).positionals, 'user name');
  const user = await accounts.updateUser(name, { disabled });
  const detail: Record<string, boolean | number> = { disabled };
  if (user.revokedTokens > 0) detail.revokedTokens = user.revokedTokens;
  await record({ action: 'user.update', targetType: 'user', targetId: user.username, detail });
  io.out(`user ${user.username} ${disabled ? 'disabled' : 'enabled'}`);
  return 0;
}
