/**
 * The engine's configuration: every environment variable RxBridge reads, in ONE table (name, default,
 * description, schema), parsed and validated once here. Nothing below the entry points reads the process environment:
 * the CLI hands its environment to configFromEnv, and the modules get values (and, for `${VAR}` in channel and
 * mapping files, the environment record) as parameters.
 *
 * Contract:
 * - configFromEnv(env, cwd) checks every variable of the table and throws one EngineConfigError listing every
 *   bad one, each line naming the variable and what it must be (`RXBRIDGE_SWEEP_AGE_MS must be a whole number of
 *   milliseconds > 0, got "soon"`); values of secret variables (keys, tokens, URLs with passwords) are never
 *   repeated. An empty value counts as unset.
 * - resolveEngineConfig(config) gives every setting a value: what the EngineConfig says, else what its `env`
 *   says, else the table's default. startEngine works from that alone.
 * - README's configuration table documents exactly the variables of this table, with these defaults
 *   (test/unit/engine-config-readme.test.ts).
 */
import path from 'node:path';
import { z } from 'zod';
import { httpsConfigFromEnv, type HttpsConfig } from '../admin/https-config';
import type { Logger } from '../core/logger';
import type { BackpressureLimits } from '../pipeline/backpressure';
import type { Outcome } from '../pipeline/process';

export type Env = Record<string, string | undefined>;

export type EngineRole = 'all' | 'listener' | 'worker';

/** One environment variable: its default (undefined: unset means "not used"), what it is, how it is read. */
export interface EnvVariable {
  /** The default as README shows it; undefined when unset has its own meaning (`unset` says which). */
  readonly default: string | undefined;
  /** README's default cell when there is no default value (`unset` unless said otherwise). */
  readonly unset?: string;
  readonly description: string;
  /** What a valid value is, for the error message: `NAME must be <expected>, got "..."`. */
  readonly expected: string;
  readonly schema: z.ZodType<unknown, string>;
  /** Never repeated in an error message (keys, tokens, passwords, URLs that may carry one). */
  readonly secret?: boolean;
}

const text = z.string();
const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+$/)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
const bool = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false']))
  .transform((v) => v === 'true');

const ms = (min: 0 | 1, extra = '') => ({
  schema: wholeNumber(min),
  expected: `a whole number of milliseconds${min === 1 ? ' > 0' : ''}${extra}`,
});
const path_ = { schema: text, expected: 'a path' };
const secret = { schema: text, expected: 'a text', secret: true };

/**
 * Every variable, in README's order. Channel and mapping files may use any other variable as `${VAR}`; the
 * sample channel file's two (MLLP_PORT, MLLP_HOST) are listed because the sample and `rxbridge send` rely on them.
 */
export const ENVIRONMENT = {
  DATABASE_URL: {
    default: undefined,
    description: 'Postgres connection string; unset: the embedded PGlite store under DATA_DIR.',
    ...secret,
    expected: 'a postgres:// URL',
  },
  DATA_DIR: { default: './data', description: 'Files of the embedded store, a private Redis and the default encryption key.', ...path_ },
  REDIS_URL: {
    default: undefined,
    description: 'Redis for the work queue; unset: redis://127.0.0.1:6379, else a private redis-server.',
    ...secret,
    expected: 'a redis:// or rediss:// URL',
  },
  RXBRIDGE_REDIS_CA: { default: undefined, description: 'PEM file of the CA a rediss:// certificate must chain to.', ...path_ },
  HTTP_HOST: { default: '127.0.0.1', description: 'Interface of the admin API.', schema: text, expected: 'a host name or address' },
  HTTP_PORT: {
    default: '8080',
    description: 'Port of the admin API; 0: a free port; -1: no admin API.',
    schema: wholeNumber(-1, 65535),
    expected: 'a port number (0: any free port, -1: no admin API)',
  },
  RXBRIDGE_ADMIN_TOKEN: { default: undefined, description: 'Bootstrap token: admin while no enabled admin user exists.', ...secret },
  RXBRIDGE_ALLOW_BOOTSTRAP_TOKEN: {
    default: 'false',
    description: 'true keeps the bootstrap token valid when admin users exist.',
    schema: bool,
    expected: 'true or false',
  },
  RXBRIDGE_SESSION_HOURS: {
    default: '8',
    description: 'Lifetime of a login session token, in hours.',
    schema: z.string().trim().transform(Number).pipe(z.number().positive().finite()),
    expected: 'a number of hours > 0',
  },
  RXBRIDGE_HTTPS_CERT: { default: undefined, description: 'PEM certificate of the admin API (with RXBRIDGE_HTTPS_KEY: HTTPS).', ...path_ },
  RXBRIDGE_HTTPS_KEY: { default: undefined, description: 'PEM private key of the admin API certificate.', ...path_ },
  RXBRIDGE_HTTPS_CA: { default: undefined, description: 'CA that client certificates must chain to (mutual TLS).', ...path_ },
  RXBRIDGE_HTTPS_CLIENT_CERT: {
    default: 'none',
    description: 'require: mutual TLS on the admin API; none: no client certificate asked.',
    schema: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(['none', 'require'])),
    expected: 'require or none',
  },
  RXBRIDGE_TLS_WATCH_MS: {
    default: '10000',
    description: 'How often TLS files are checked for a renewal; 0: on SIGHUP only.',
    ...ms(0, ' (0: no watching, reload on SIGHUP only)'),
  },
  MLLP_PORT: {
    default: '2575',
    description: 'Port of the sample channel file, and the default port of `rxbridge send`.',
    schema: text,
    expected: 'a port number',
  },
  MLLP_HOST: { default: '0.0.0.0', description: 'Interface of the sample channel file.', schema: text, expected: 'a host name or address' },
  CHANNELS_DIR: { default: './channels', description: 'Directory of channel files.', ...path_ },
  MAPPINGS_DIR: { default: './mappings', description: 'Directory of mapping files.', ...path_ },
  BILLING_CONFIG: {
    default: './billing/billing.yaml',
    description: 'Billing settings (claims, 837P); a missing file leaves billing unconfigured.',
    ...path_,
  },
  PAYER_RULES_DIR: {
    default: './billing/payer-rules',
    description: 'Payer rules of the claim scrubber; a missing folder: the built-in defaults.',
    ...path_,
  },
  LOG_LEVEL: {
    default: 'info',
    description: 'Log level of the JSON log lines.',
    schema: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']),
    expected: 'error, warn, info or debug',
  },
  RXBRIDGE_QUEUE_PREFIX: {
    default: 'rxb',
    description: "Prefix of the engine's Redis keys and notice channels.",
    schema: z.string().regex(/^\S+$/),
    expected: 'a prefix without spaces',
  },
  RXBRIDGE_DELIVERY_LEASE_MS: {
    default: '120000',
    description:
      'How long a destination delivery being sent is held before another try may send it again (longer than any connector timeout).',
    ...ms(1),
  },
  RXBRIDGE_SWEEP_INTERVAL_MS: { default: '15000', description: 'How often unfinished messages are put back on the queue.', ...ms(1) },
  RXBRIDGE_SWEEP_AGE_MS: {
    default: '60000',
    description: 'How long a message must be untouched before the sweep enqueues it again.',
    ...ms(0),
  },
  RXBRIDGE_BACKLOG_SOFT: {
    default: '1000',
    description: 'Open messages above which ACKs are held (backpressure).',
    schema: wholeNumber(0),
    expected: 'a whole number ≥ 0',
  },
  RXBRIDGE_BACKLOG_HARD: {
    default: '5000',
    description: 'Open messages at which ACKs are held longest and new frames wait.',
    schema: wholeNumber(0),
    expected: 'a whole number ≥ 0',
  },
  RXBRIDGE_MAX_ACK_DELAY_MS: {
    default: '1000',
    description: 'The longest hold of one ACK; 0 turns backpressure off.',
    schema: wholeNumber(0),
    expected: 'a whole number ≥ 0',
  },
  RXBRIDGE_INTAKE_LANES: {
    default: '1',
    description: 'Store-write lanes per listener: 1 is one group commit for all connections.',
    schema: wholeNumber(1),
    expected: 'a whole number ≥ 1',
  },
  RXBRIDGE_ENCRYPTION_KEY: { default: undefined, description: 'Key for message bodies at rest (32 bytes, base64).', ...secret },
  RXBRIDGE_ENCRYPTION_KEY_FILE: { default: undefined, description: 'A file holding that key.', ...path_ },
  RXBRIDGE_ENCRYPTION_KEY_ID: {
    default: undefined,
    unset: 'derived from the key',
    description: 'The id stored with each body sealed by the current key.',
    schema: text,
    expected: 'a key id',
  },
  RXBRIDGE_ENCRYPTION_OLD_KEYS: { default: undefined, description: 'Keys that only decrypt, after a rotation: id:base64,…', ...secret },
  RXBRIDGE_STORE_PLAINTEXT: {
    default: 'false',
    description: 'true stores new message bodies unencrypted.',
    schema: bool,
    expected: 'true or false',
  },
  RXBRIDGE_METRICS_TOKEN: { default: undefined, description: 'The scrape token of GET /metrics; unset: /metrics answers 401.', ...secret },
  RXBRIDGE_ALERT_INTERVAL_MS: { default: '30000', description: 'How often channel alerts are evaluated.', ...ms(1) },
  RXBRIDGE_PREVIEW_TIMEOUT_MS: {
    default: '10000',
    description: 'The time budget of one mapping preview, which runs in a worker thread; a preview still running then is stopped.',
    ...ms(1),
  },
  RXBRIDGE_PASSWORD: {
    default: undefined,
    description: "`rxbridge users add`: the new user's password (else asked on the terminal).",
    ...secret,
  },
  RXBRIDGE_AUDIT_CHECKPOINT_KEY: {
    default: undefined,
    description: '`rxbridge audit checkpoint` and `audit verify --checkpoint`: the key that signs checkpoints.',
    ...secret,
  },
} as const satisfies Record<string, EnvVariable>;

export type EnvName = keyof typeof ENVIRONMENT;

type Parsed<V> = V extends { schema: infer S extends z.ZodType } ? z.output<S> : never;
/** Every variable's value: the parsed setting, the default when unset, undefined when unset without a default. */
export type EnvValues = {
  readonly [K in EnvName]: (typeof ENVIRONMENT)[K]['default'] extends string
    ? Parsed<(typeof ENVIRONMENT)[K]>
    : Parsed<(typeof ENVIRONMENT)[K]> | undefined;
};

/** Bad settings, one line per variable (or per contradiction between variables). */
export class EngineConfigError extends Error {
  constructor(readonly issues: readonly string[]) {
    super(issues.join('\n'));
    this.name = 'EngineConfigError';
  }
}

/** Whether a variable is set (an empty value counts as unset). */
export function isSet(env: Env, name: EnvName): boolean {
  const raw = env[name];
  return raw !== undefined && raw !== '';
}

/** Parses the named variables (all by default) by the table; throws EngineConfigError naming every bad one. */
export function readEnvironment(env: Env, names: readonly EnvName[] = Object.keys(ENVIRONMENT) as EnvName[]): EnvValues {
  const values: Record<string, unknown> = {};
  const issues: string[] = [];
  for (const name of names) {
    const v: EnvVariable = ENVIRONMENT[name];
    const raw = isSet(env, name) ? (env[name] as string) : v.default;
    if (raw === undefined) continue;
    const parsed = v.schema.safeParse(raw);
    if (parsed.success) values[name] = parsed.data;
    else issues.push(`${name} must be ${v.expected}${v.secret ? '' : `, got "${raw}"`}`);
  }
  if (issues.length > 0) throw new EngineConfigError(issues);
  return values as EnvValues;
}

/** The longest a frame waits for admission at the hard backlog limit: not a setting. */
const MAX_ADMISSION_WAIT_MS = 10_000;

/** Backpressure limits from RXBRIDGE_BACKLOG_SOFT, RXBRIDGE_BACKLOG_HARD and RXBRIDGE_MAX_ACK_DELAY_MS (0 turns it off). */
export function backpressureFromEnv(env: Env): BackpressureLimits {
  const v = readEnvironment(env, ['RXBRIDGE_BACKLOG_SOFT', 'RXBRIDGE_BACKLOG_HARD', 'RXBRIDGE_MAX_ACK_DELAY_MS']);
  const limits = {
    softBacklog: v.RXBRIDGE_BACKLOG_SOFT,
    hardBacklog: v.RXBRIDGE_BACKLOG_HARD,
    maxAckDelayMs: v.RXBRIDGE_MAX_ACK_DELAY_MS,
    maxAdmissionWaitMs: MAX_ADMISSION_WAIT_MS,
  };
  if (limits.hardBacklog <= limits.softBacklog) {
    throw new EngineConfigError([
      `RXBRIDGE_BACKLOG_HARD (${limits.hardBacklog}) must be greater than RXBRIDGE_BACKLOG_SOFT (${limits.softBacklog})`,
    ]);
  }
  return limits;
}

/** The backpressure limits with no variable set. */
export const DEFAULT_BACKPRESSURE: BackpressureLimits = backpressureFromEnv({});

/**
 * What startEngine is given. Tests build it directly; `rxbridge start` builds it with configFromEnv. A setting
 * left out is taken from `env`, else from the table's default (resolveEngineConfig).
 */
export interface EngineConfig {
  channelsDir: string;
  mappingsDir: string;
  dataDir: string;
  databaseUrl?: string;
  redisUrl?: string;
  /** PEM file of the CA a rediss:// certificate must chain to (RXBRIDGE_REDIS_CA). */
  redisCaFile?: string;
  httpHost: string;
  /** 0 = ephemeral (tests); -1 = no admin server. */
  httpPort: number;
  /** Bootstrap token: admin while no enabled admin user exists (docs/security.md). */
  adminToken?: string;
  /** Keep the bootstrap token valid even when admin users exist (RXBRIDGE_ALLOW_BOOTSTRAP_TOKEN=true). */
  allowBootstrapToken?: boolean;
  /** Lifetime of a login session token (RXBRIDGE_SESSION_HOURS; default 8 h). */
  sessionTtlMs?: number;
  /** HTTPS for the admin API (RXBRIDGE_HTTPS_*; admin/https-config.ts); absent = plain HTTP. */
  https?: HttpsConfig;
  /** How often TLS files (channels, admin API) are checked for a renewal (RXBRIDGE_TLS_WATCH_MS; default 10 s; 0 = on SIGHUP only). */
  tlsWatchIntervalMs?: number;
  /** The environment: `${VAR}` in channel, mapping and billing files, the encryption key settings, and any setting left out here. */
  env: Env;
  role?: EngineRole;
  logger?: Logger;
  /** Level of the logger made when `logger` is not given (LOG_LEVEL). */
  logLevel?: string;
  /** Redis key prefix (tests isolate themselves with their own). */
  queuePrefix?: string;
  /** How often unfinished messages are swept back into the queue, and how old they must be. */
  sweepIntervalMs?: number;
  sweepOlderThanMs?: number;
  /** How often channels with `retention.bodiesDays` prune old bodies (default daily; the first run a minute after start). */
  retentionIntervalMs?: number;
  /** How often the embedded store (PGlite) is vacuumed and analysed (default daily; the first run ten minutes after start). */
  embeddedVacuumIntervalMs?: number;
  /** How often due application ACKs are looked for and sent (default 1 s; src/acks). */
  applicationAckIntervalMs?: number;
  /** How long a destination delivery being sent is leased (RXBRIDGE_DELIVERY_LEASE_MS), and how often idle destinations look for work. */
  deliveryLeaseMs?: number;
  deliveryPollMs?: number;
  /** How often channel alerts are evaluated (RXBRIDGE_ALERT_INTERVAL_MS). */
  alertIntervalMs?: number;
  /** The time budget of one mapping preview in its worker thread (RXBRIDGE_PREVIEW_TIMEOUT_MS). */
  previewTimeoutMs?: number;
  /** Backpressure at intake (RXBRIDGE_BACKLOG_SOFT, RXBRIDGE_BACKLOG_HARD, RXBRIDGE_MAX_ACK_DELAY_MS). */
  backpressure?: BackpressureLimits;
  /** Store-write lanes per listener (RXBRIDGE_INTAKE_LANES). */
  intakeLanes?: number;
  /** The scrape token of GET /metrics (RXBRIDGE_METRICS_TOKEN). */
  metricsToken?: string;
  onOutcome?: (messageId: string, outcome: Outcome) => void;
  /** billing/billing.yaml (claims, 837P); a missing file leaves billing unconfigured (claims API reads only). */
  billingFile?: string;
  /** billing/payer-rules (scrub payer rules); a missing folder means the built-in defaults. */
  payerRulesDir?: string;
  /** How often billing.yaml is checked for a change, then reloaded (default 2 s; 0: on POST /api/billing/reload only). */
  billingWatchIntervalMs?: number;
}

/**
 * The EngineConfig of an environment; relative paths are resolved against `cwd`. Settings whose variable is
 * unset are left out (the default applies in resolveEngineConfig), except the ones EngineConfig requires.
 */
export function configFromEnv(env: Env, cwd = process.cwd()): EngineConfig {
  const v = readEnvironment(env);
  const given = <T>(name: EnvName, value: T): T | undefined => (isSet(env, name) ? value : undefined);
  return {
    channelsDir: path.resolve(cwd, v.CHANNELS_DIR),
    mappingsDir: path.resolve(cwd, v.MAPPINGS_DIR),
    dataDir: path.resolve(cwd, v.DATA_DIR),
    databaseUrl: v.DATABASE_URL,
    redisUrl: v.REDIS_URL,
    redisCaFile: v.RXBRIDGE_REDIS_CA,
    httpHost: v.HTTP_HOST,
    httpPort: v.HTTP_PORT,
    adminToken: v.RXBRIDGE_ADMIN_TOKEN,
    allowBootstrapToken: v.RXBRIDGE_ALLOW_BOOTSTRAP_TOKEN,
    sessionTtlMs: given('RXBRIDGE_SESSION_HOURS', v.RXBRIDGE_SESSION_HOURS * 3600_000),
    https: httpsConfigFromEnv(env, cwd),
    tlsWatchIntervalMs: given('RXBRIDGE_TLS_WATCH_MS', v.RXBRIDGE_TLS_WATCH_MS),
    env,
    logLevel: v.LOG_LEVEL,
    queuePrefix: given('RXBRIDGE_QUEUE_PREFIX', v.RXBRIDGE_QUEUE_PREFIX),
    sweepIntervalMs: given('RXBRIDGE_SWEEP_INTERVAL_MS', v.RXBRIDGE_SWEEP_INTERVAL_MS),
    deliveryLeaseMs: given('RXBRIDGE_DELIVERY_LEASE_MS', v.RXBRIDGE_DELIVERY_LEASE_MS),
    sweepOlderThanMs: given('RXBRIDGE_SWEEP_AGE_MS', v.RXBRIDGE_SWEEP_AGE_MS),
    alertIntervalMs: given('RXBRIDGE_ALERT_INTERVAL_MS', v.RXBRIDGE_ALERT_INTERVAL_MS),
    previewTimeoutMs: given('RXBRIDGE_PREVIEW_TIMEOUT_MS', v.RXBRIDGE_PREVIEW_TIMEOUT_MS),
    backpressure: backpressureFromEnv(env),
    intakeLanes: v.RXBRIDGE_INTAKE_LANES,
    metricsToken: v.RXBRIDGE_METRICS_TOKEN,
    billingFile: path.resolve(cwd, v.BILLING_CONFIG),
    payerRulesDir: path.resolve(cwd, v.PAYER_RULES_DIR),
  };
}

/** Every setting with its value: nothing here is optional except what "unset" means something for. */
export interface ResolvedEngineConfig extends Omit<
  EngineConfig,
  | 'role'
  | 'allowBootstrapToken'
  | 'sessionTtlMs'
  | 'tlsWatchIntervalMs'
  | 'logLevel'
  | 'queuePrefix'
  | 'sweepIntervalMs'
  | 'sweepOlderThanMs'
  | 'retentionIntervalMs'
  | 'embeddedVacuumIntervalMs'
  | 'applicationAckIntervalMs'
  | 'deliveryLeaseMs'
  | 'deliveryPollMs'
  | 'alertIntervalMs'
  | 'backpressure'
  | 'intakeLanes'
  | 'billingFile'
  | 'payerRulesDir'
  | 'previewTimeoutMs'
  | 'billingWatchIntervalMs'
> {
  role: EngineRole;
  allowBootstrapToken: boolean;
  sessionTtlMs: number;
  tlsWatchIntervalMs: number;
  logLevel: string;
  queuePrefix: string;
  sweepIntervalMs: number;
  sweepOlderThanMs: number;
  retentionIntervalMs: number;
  embeddedVacuumIntervalMs: number;
  applicationAckIntervalMs: number;
  deliveryLeaseMs: number;
  deliveryPollMs: number;
  alertIntervalMs: number;
  previewTimeoutMs: number;
  backpressure: BackpressureLimits;
  intakeLanes: number;
  billingFile: string;
  payerRulesDir: string;
  billingWatchIntervalMs: number;
}

/** Not environment settings (tests shorten them): how often body retention, the embedded store's vacuum and application ACK delivery run. */
const RETENTION_INTERVAL_MS = 86_400_000;
const EMBEDDED_VACUUM_INTERVAL_MS = 86_400_000;
const APPLICATION_ACK_INTERVAL_MS = 1_000;
/** Not an environment setting: how often an idle destination and the delivery feeder look for work. */
const DELIVERY_POLL_MS = 500;
/** Not an environment setting: how often billing.yaml is checked for a change (a stat of one file). */
const BILLING_WATCH_INTERVAL_MS = 2_000;

/** Fills every setting the config leaves out from its `env`, else the table's default. Throws EngineConfigError. */
export function resolveEngineConfig(config: EngineConfig): ResolvedEngineConfig {
  const fromEnv = configFromEnv(config.env);
  const v = readEnvironment(config.env);
  const defined = Object.fromEntries(Object.entries(config).filter(([, value]) => value !== undefined)) as Partial<EngineConfig>;
  return {
    ...fromEnv,
    role: 'all',
    allowBootstrapToken: v.RXBRIDGE_ALLOW_BOOTSTRAP_TOKEN,
    sessionTtlMs: v.RXBRIDGE_SESSION_HOURS * 3600_000,
    tlsWatchIntervalMs: v.RXBRIDGE_TLS_WATCH_MS,
    logLevel: v.LOG_LEVEL,
    queuePrefix: v.RXBRIDGE_QUEUE_PREFIX,
    sweepIntervalMs: v.RXBRIDGE_SWEEP_INTERVAL_MS,
    sweepOlderThanMs: v.RXBRIDGE_SWEEP_AGE_MS,
    retentionIntervalMs: RETENTION_INTERVAL_MS,
    embeddedVacuumIntervalMs: EMBEDDED_VACUUM_INTERVAL_MS,
    applicationAckIntervalMs: APPLICATION_ACK_INTERVAL_MS,
    deliveryLeaseMs: v.RXBRIDGE_DELIVERY_LEASE_MS,
    deliveryPollMs: DELIVERY_POLL_MS,
    alertIntervalMs: v.RXBRIDGE_ALERT_INTERVAL_MS,
    previewTimeoutMs: v.RXBRIDGE_PREVIEW_TIMEOUT_MS,
    backpressure: fromEnv.backpressure ?? DEFAULT_BACKPRESSURE,
    intakeLanes: v.RXBRIDGE_INTAKE_LANES,
    billingFile: fromEnv.billingFile as string,
    payerRulesDir: fromEnv.payerRulesDir as string,
    billingWatchIntervalMs: BILLING_WATCH_INTERVAL_MS,
    ...defined,
  };
}
