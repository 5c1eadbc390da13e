/**
 * A clearinghouse in billing.yaml (`clearinghouses.<name>`, docs/billing.md "Clearinghouse exchange (SFTP)"): how
 * 837P batches and 270 eligibility inquiries reach it and how its answers (999, 277CA, 835, TA1, 271) come back. Only
 * SFTP is built.
 *
 * Secrets are never written in the file: the private key, its passphrase and the password are named by a file path
 * (`…File`, relative to the billing file's folder) or an environment variable (`…Env`), and read when a connection
 * is opened (src/clearinghouse/sftp.ts), so a rotated key needs no restart and the values never reach a log.
 * The server's host key is pinned by its SHA256 fingerprint as `ssh-keygen -lf` prints it (SHA256:base64, no
 * padding); a server showing another key is refused.
 */
import path from 'node:path';
import { z } from 'zod';

/** The parts a batch's remote file name pattern (`fileNamePattern`) may use. */
export const NAME_PARTS = ['submitterId', 'batchId', 'payerId', 'isa13', 'yyyyMMddHHmmss', 'yyyyMMdd', 'HHmmss'] as const;
/** The parts a 270's remote file name pattern (`eligibilityFileNamePattern`) may use: {fileId} is the eligibility file's id. */
export const ELIGIBILITY_NAME_PARTS = ['submitterId', 'fileId', 'payerId', 'isa13', 'yyyyMMddHHmmss', 'yyyyMMdd', 'HHmmss'] as const;
export type NamePart = (typeof NAME_PARTS)[number] | (typeof ELIGIBILITY_NAME_PARTS)[number];

const text = (re: RegExp, why: string) => z.string({ error: 'must be text' }).regex(re, { error: why });
const remoteDir = text(/^\/[^\0\r\n]*$/, 'must be an absolute folder on the server, such as /inbound');
const secretFile = z.string().min(1, { error: 'must be a file path' });
const envName = text(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');

/**
 * SFTP authentication by key and/or password, each from a file or a variable (shared with the SFTP channel source,
 * src/channels/schema.ts, and the sftp destination).
 */
export const sftpAuthSchema = z
  .strictObject({
    privateKeyFile: secretFile.optional(),
    privateKeyEnv: envName.optional(),
    passphraseFile: secretFile.optional(),
    passphraseEnv: envName.optional(),
    passwordFile: secretFile.optional(),
    passwordEnv: envName.optional(),
  })
  .superRefine((a, ctx) => {
    const key = [a.privateKeyFile, a.privateKeyEnv].filter(Boolean).length;
    const password = [a.passwordFile, a.passwordEnv].filter(Boolean).length;
    if (key + password === 0)
      ctx.addIssue({ code: 'custom', message: 'auth needs privateKeyFile or privateKeyEnv (key auth) or passwordFile or passwordEnv' });
    if (key > 1) ctx.addIssue({ code: 'custom', message: 'auth takes privateKeyFile or privateKeyEnv, not both' });
    if (password > 1) ctx.addIssue({ code: 'custom', message: 'auth takes passwordFile or passwordEnv, not both' });
    if (a.passphraseFile && a.passphraseEnv)
      ctx.addIssue({ code: 'custom', message: 'auth takes passphraseFile or passphraseEnv, not both' });
    if ((a.passphraseFile || a.passphraseEnv) && key === 0)
      ctx.addIssue({ code: 'custom', message: 'a passphrase is for a private key: give privateKeyFile or privateKeyEnv' });
  });

export const clearinghouseSchema = z.strictObject({
  /** false: batches to it stay queued (not uploaded) and nothing is picked up. */
  enabled: z.boolean().default(true),
  transport: z.literal('sftp', { error: 'transport must be sftp (the only transport built)' }),
  host: text(/^[A-Za-z0-9.:-]+$/, 'host must be a host name or IP address'),
  port: z.number().int().min(1).max(65535).default(22),
  username: text(/^[^\s:]{1,64}$/, 'username must be 1 to 64 characters without spaces'),
  /** `ssh-keygen -lf <host key>.pub` or `ssh-keyscan host | ssh-keygen -lf -`: SHA256:<43 base64 characters>. */
  hostKeyFingerprint: text(
    /^SHA256:[A-Za-z0-9+/]{43}$/,
    'hostKeyFingerprint must be SHA256:<43 characters> as `ssh-keygen -lf` prints it (MD5 fingerprints are not taken)',
  ),
  auth: sftpAuthSchema,
  /** Where our 837P files go on the server. */
  outboundDir: remoteDir,
  /** Where its answers wait for us. */
  inboundDir: remoteDir,
  /** Where answers are moved once posted. */
  archiveDir: remoteDir,
  /** Where answers that cannot be read are moved (absent: they stay in inboundDir and are shown each pickup). */
  errorDir: remoteDir.optional(),
  /** The remote file name of a batch; parts in braces: see NAME_PARTS. */
  fileNamePattern: z.string().default('{submitterId}_{batchId}_{yyyyMMddHHmmss}.837'),
  /** The remote file name of a 270 eligibility inquiry; parts in braces: see ELIGIBILITY_NAME_PARTS. */
  eligibilityFileNamePattern: z.string().default('{submitterId}_270_{fileId}_{yyyyMMddHHmmss}.270'),
  /** Seconds between pickups (and retries of due uploads). */
  pollIntervalSeconds: z.number().int().min(5).max(86_400).default(300),
  /** Uploads tried at most this many times before the transfer is left failed for an operator. */
  maxAttempts: z.number().int().min(1).max(100).default(12),
  /** ISA14 = 1 in its 837P interchanges: it answers each with a TA1. */
  requestTa1: z.boolean().default(false),
  /** Seconds a connection attempt may take. */
  connectTimeoutSeconds: z.number().int().min(1).max(300).default(20),
});

export type ClearinghouseFile = z.infer<typeof clearinghouseSchema>;

/** Where a secret comes from: a file (absolute path) or an environment variable. Never the value itself. */
export type SecretSource = { file: string } | { env: string };

export interface ClearinghouseConfig {
  readonly name: string;
  readonly enabled: boolean;
  readonly transport: 'sftp';
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly hostKeyFingerprint: string;
  readonly privateKey?: SecretSource;
  readonly passphrase?: SecretSource;
  readonly password?: SecretSource;
  readonly outboundDir: string;
  readonly inboundDir: string;
  readonly archiveDir: string;
  readonly errorDir?: string;
  readonly fileNamePattern: string;
  readonly eligibilityFileNamePattern: string;
  readonly pollIntervalMs: number;
  readonly maxAttempts: number;
  readonly requestTa1: boolean;
  readonly connectTimeoutMs: number;
}

/**
 * Why a file name pattern cannot be used, or undefined. `kind` says whose: a batch's (NAME_PARTS, must hold {batchId}
 * or {isa13}) or a 270's (ELIGIBILITY_NAME_PARTS, must hold {fileId} or {isa13}).
 */
export function checkNamePattern(pattern: string, kind: 'batch' | '270' = 'batch'): string | undefined {
  const known: readonly string[] = kind === 'batch' ? NAME_PARTS : ELIGIBILITY_NAME_PARTS;
  const id = kind === 'batch' ? 'batchId' : 'fileId';
  const parts = [...pattern.matchAll(/\{([^}]*)\}/g)].map((m) => m[1] as string);
  const unknown = parts.find((p) => !known.includes(p));
  if (unknown !== undefined) return `has {${unknown}}: the parts are ${known.map((p) => `{${p}}`).join(', ')}`;
  if (!parts.includes(id) && !parts.includes('isa13'))
    return `must hold {${id}} or {isa13}, so two ${kind === 'batch' ? 'batches' : '270 files'} never share a name`;
  const literal = pattern.replace(/\{[^}]*\}/g, '');
  if (/[/\\\0\r\n{}]/.test(literal) || literal.startsWith('.'))
    return 'must be a plain file name (no / \\ or braces outside the parts, no leading dot)';
  return undefined;
}

/** Pure: the validated section → the config the transfer code reads (secret files resolved against the billing file). */
export function clearinghouseConfig(name: string, c: ClearinghouseFile, billingFile: string): ClearinghouseConfig {
  const base = path.dirname(path.resolve(billingFile));
  const source = (file?: string, env?: string): SecretSource | undefined =>
    file ? { file: path.resolve(base, file) } : env ? { env } : undefined;
  const privateKey = source(c.auth.privateKeyFile, c.auth.privateKeyEnv);
  const passphrase = source(c.auth.passphraseFile, c.auth.passphraseEnv);
  const password = source(c.auth.passwordFile, c.auth.passwordEnv);
  return {
    name,
    enabled: c.enabled,
    transport: c.transport,
    host: c.host,
    port: c.port,
    username: c.username,
    hostKeyFingerprint: c.hostKeyFingerprint,
    ...(privateKey ? { privateKey } : {}),
    ...(passphrase ? { passphrase } : {}),
    ...(password ? { password } : {}),
    outboundDir: c.outboundDir,
    inboundDir: c.inboundDir,
    archiveDir: c.archiveDir,
    ...(c.errorDir ? { errorDir: c.errorDir } : {}),
    fileNamePattern: c.fileNamePattern,
    eligibilityFileNamePattern: c.eligibilityFileNamePattern,
    pollIntervalMs: c.pollIntervalSeconds * 1000,
    maxAttempts: c.maxAttempts,
    requestTa1: c.requestTa1,
    connectTimeoutMs: c.connectTimeoutSeconds * 1000,
  };
}

/** The remote name of a batch file (`batchId`) or a 270 (`fileId`): the pattern's parts filled in (times in UTC). */
export function remoteFileName(
  pattern: string,
  v: { submitterId: string; batchId?: string; fileId?: string; payerId: string; isa13: number; at: Date },
): string {
  const iso = v.at.toISOString();
  const ymd = iso.slice(0, 10).replace(/-/g, '');
  const hms = iso.slice(11, 19).replace(/:/g, '');
  const values: Record<NamePart, string> = {
    submitterId: v.submitterId.trim().replace(/[^A-Za-z0-9._-]/g, '_'),
    batchId: v.batchId ?? '',
    fileId: v.fileId ?? '',
    payerId: v.payerId.replace(/[^A-Za-z0-9._-]/g, '_'),
    isa13: String(v.isa13).padStart(9, '0'),
    yyyyMMddHHmmss: ymd + hms,
    yyyyMMdd: ymd,
    HHmmss: hms,
  };
  return pattern.replace(/\{([^}]*)\}/g, (_, p: string) => values[p as NamePart]);
}
