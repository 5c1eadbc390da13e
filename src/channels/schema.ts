/**
 * The channel file schema (one YAML per channel in channels/, see docs/channels.md) and the frozen plan the
 * engine runs from. Strict: an unknown key anywhere is an error. Defaults are filled in by the schema, so the
 * parsed ChannelFile is complete; buildChannelPlan turns it into lookup-ready sets and a route table.
 */
import { ACK_MODES, type AckMode, type AckPolicy } from '../pipeline/ack-policy';
import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { isTimeZone, parseBusinessHours, type BusinessHours } from '../alerts/business-hours';
import { deepFreeze, labelOf } from '../core/config-file';
import { MESSAGE_TYPE_PATTERN } from '../hl7/message-type';
import { sftpAuthSchema, type SecretSource } from '../clearinghouse/config';
import { buildDestinationPlan, destinationSchema, type DestinationPlan } from '../destinations/schema';

/** MSH-9 type^event as written in `accept` and `routes[].types`, e.g. ADT^A04. */
export { MESSAGE_TYPE_PATTERN };
/** Channel and mapping names: lower-case letters, digits and hyphens (also safe as file names). */
export const NAME_PATTERN = /^[a-z0-9-]+$/;

export const CHARSETS = ['UTF-8', 'ISO-8859-1', 'windows-1252', 'ASCII'] as const;
export type Charset = (typeof CHARSETS)[number];
export const PROCESSING_IDS = ['P', 'T', 'D'] as const;

export const DEFAULTS = Object.freeze({
  enabled: true,
  host: '0.0.0.0',
  maxFrameBytes: 1_048_576,
  idleTimeoutMs: 300_000,
  maxConnections: 64,
  maxConnectionsPerIp: 16,
  charset: 'UTF-8' as Charset,
  processingIds: PROCESSING_IDS,
  windowHours: 72,
  attempts: 5,
  backoffMs: 1000,
  concurrency: 4,
  applicationAckTimeoutMs: 10_000,
  applicationAckAttempts: 10,
  applicationAckBackoffMs: 5_000,
  ackMode: 'immediate' as AckMode,
  ackTimeoutMs: 10_000,
  pollIntervalMs: 10_000,
  minAgeMs: 5_000,
  maxFileBytes: 268_435_456,
});

/** An integer in [min, max]; every failure (wrong type, fraction, out of range) gets the same plain message. */
function intIn(min: number, max: number) {
  const error = (iss: { path?: PropertyKey[] }): string => `${labelOf(iss.path ?? [])} must be an integer from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

const messageType = z
  .string({ error: (iss) => `${labelOf(iss.path ?? [])} must be a message type such as ADT^A04` })
  .regex(MESSAGE_TYPE_PATTERN, {
    error: (iss) => `${labelOf(iss.path ?? [])} must be a message type such as ADT^A04 (TYPE^EVENT: three capital letters or digits each)`,
  });

const name = (what: string) =>
  z
    .string({ error: (iss) => `${labelOf(iss.path ?? [])} must be text` })
    .regex(NAME_PATTERN, { error: (iss) => `${labelOf(iss.path ?? [])} must be a ${what} name: lower-case letters, digits and "-"` })
    .max(64, { error: (iss) => `${labelOf(iss.path ?? [])} must be at most 64 characters` });

/** A list refinement: the second and later copies of an entry are issues at their own position. */
function noRepeats(key: string) {
  return (list: readonly string[], ctx: z.RefinementCtx): void => {
    const seen = new Set<string>();
    list.forEach((v, i) => {
      if (seen.has(v)) ctx.addIssue({ code: 'custom', path: [i], message: `${v} is listed twice in ${key}` });
      seen.add(v);
    });
  };
}

/** A client certificate identity: its subject CN, or a subjectAltName DNS name or IP address. */
const clientIdentity = z
  .string({ error: (iss) => `${labelOf(iss.path ?? [])} must be a certificate name (its CN or a subjectAltName entry)` })
  .min(1, { error: (iss) => `${labelOf(iss.path ?? [])} must be a certificate name (its CN or a subjectAltName entry)` })
  .max(255, { error: (iss) => `${labelOf(iss.path ?? [])} must be at most 255 characters` });

/**
 * MLLP over TLS. Paths are relative to the channel file's folder. Mutual TLS when requestClientCert is true;
 * then `allowClients` lists the certificate identities that may connect (absent: any certificate the CA signed).
 */
const tlsSchema = z
  .strictObject({
    cert: z.string().min(1),
    key: z.string().min(1),
    ca: z.string().min(1).optional(),
    requestClientCert: z.boolean().default(false),
    minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
    allowClients: z
      .array(clientIdentity)
      .min(1, { error: 'allowClients needs at least one certificate name (leave it out to allow every certificate the CA signed)' })
      .superRefine(noRepeats('allowClients'))
      .optional(),
  })
  .superRefine((t, ctx) => {
    if (t.allowClients && !t.requestClientCert) {
      ctx.addIssue({
        code: 'custom',
        path: ['allowClients'],
        message: 'allowClients needs requestClientCert: true (and ca): without client certificates there is no name to check',
      });
    }
  });

/** An IPv4/IPv6 address or a CIDR block (10.0.0.0/8, 2001:db8::/32). Exported for tests. */
export function isAddressOrCidr(text: string): boolean {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const family = net.isIP(address);
  if (family === 0) return false;
  if (slash < 0) return true;
  const bits = text.slice(slash + 1);
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

const addressOrCidr = z
  .string({ error: (iss) => `${labelOf(iss.path ?? [])} must be an IP address or CIDR block such as 10.0.0.0/8` })
  .refine(isAddressOrCidr, {
    error: (iss) => `${labelOf(iss.path ?? [])} must be an IP address or CIDR block such as 10.0.0.0/8 or 192.168.1.20`,
  });

/**
 * Senders that may always connect: `reservedSlots` of maxConnections are kept for them, so other peers (strangers,
 * trickling or not) never hold every slot. A sender is known by its address or, on a TLS channel with client
 * certificates, by its certificate's name.
 */
const knownSendersSchema = z
  .strictObject({
    addresses: z
      .array(addressOrCidr)
      .min(1, { error: 'knownSenders.addresses needs at least one address (or leave it out)' })
      .superRefine(noRepeats('knownSenders.addresses'))
      .optional(),
    clients: z
      .array(clientIdentity)
      .min(1, { error: 'knownSenders.clients needs at least one certificate name (or leave it out)' })
      .superRefine(noRepeats('knownSenders.clients'))
      .optional(),
    reservedSlots: intIn(1, 10_000),
  })
  .superRefine((k, ctx) => {
    if (!k.addresses && !k.clients) {
      ctx.addIssue({ code: 'custom', path: [], message: 'knownSenders needs addresses or clients (whom the reserved slots are for)' });
    }
  });

const mllpSourceSchema = z.strictObject({
  type: z.literal('mllp'),
  host: z.string().min(1).default(DEFAULTS.host),
  port: intIn(1, 65535),
  maxFrameBytes: intIn(1024, 67_108_864).default(DEFAULTS.maxFrameBytes),
  idleTimeoutMs: intIn(0, 86_400_000).default(DEFAULTS.idleTimeoutMs),
  maxConnections: intIn(1, 10_000).default(DEFAULTS.maxConnections),
  maxConnectionsPerIp: intIn(1, 10_000).default(DEFAULTS.maxConnectionsPerIp),
  allowFrom: z
    .array(addressOrCidr)
    .min(1, { error: 'allowFrom needs at least one address (leave it out to allow every sender)' })
    .superRefine(noRepeats('allowFrom'))
    .optional(),
  charset: z.enum(CHARSETS).default(DEFAULTS.charset),
  tls: tlsSchema.optional(),
});

/** A file name pattern: `*` any run of characters, `?` one character, nothing else special; never a path. */
const fileNamePattern = z
  .string({ error: (iss) => `${labelOf(iss.path ?? [])} must be a file name pattern such as *.hl7` })
  .min(1)
  .refine((p) => !/[/\\\0]/.test(p), { error: 'pattern must be a file name pattern such as *.hl7 (no folders)' });

/** What the file and SFTP sources share (src/sources/file-source.ts). */
const folderFields = {
  pattern: fileNamePattern.default('*'),
  pollIntervalMs: intIn(200, 86_400_000).default(DEFAULTS.pollIntervalMs),
  /** A file is read only once its modification time is this old and its size and time were the same at the previous poll. */
  minAgeMs: intIn(0, 86_400_000).default(DEFAULTS.minAgeMs),
  maxFileBytes: intIn(1, 1_073_741_824).default(DEFAULTS.maxFileBytes),
  charset: z.enum(CHARSETS).default(DEFAULTS.charset),
};

const fileSourceSchema = z.strictObject({
  type: z.literal('file'),
  /** Folders relative to the channel file's folder (or absolute). */
  dir: z.string().min(1),
  archiveDir: z.string().min(1),
  errorDir: z.string().min(1).optional(),
  ...folderFields,
});

const remoteDir = z
  .string({ error: (iss) => `${labelOf(iss.path ?? [])} must be an absolute folder on the server, such as /outbound` })
  .regex(/^\/[^\0\r\n]*$/, { error: (iss) => `${labelOf(iss.path ?? [])} must be an absolute folder on the server, such as /outbound` });

const sftpSourceSchema = z.strictObject({
  type: z.literal('sftp'),
  host: z.string().regex(/^[A-Za-z0-9.:-]+$/, { error: 'host must be a host name or IP address' }),
  port: intIn(1, 65535).default(22),
  username: z.string().regex(/^[^\s:]{1,64}$/, { error: 'username must be 1 to 64 characters without spaces' }),
  hostKeyFingerprint: z
    .string()
    .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, { error: 'hostKeyFingerprint must be SHA256:<43 characters> as `ssh-keygen -lf` prints it' }),
  /** Secret files relative to the channel file's folder, or environment variables. */
  auth: sftpAuthSchema,
  dir: remoteDir,
  archiveDir: remoteDir,
  errorDir: remoteDir.optional(),
  connectTimeoutMs: intIn(1000, 300_000).default(20_000),
  ...folderFields,
});

const httpSourceSchema = z.strictObject({
  type: z.literal('http'),
  host: z.string().min(1).default(DEFAULTS.host),
  port: intIn(1, 65535),
  /** The one path POSTs are taken on. */
  path: z
    .string()
    .regex(/^\/[^\s?#]*$/, { error: 'path must start with / (no spaces, query or fragment)' })
    .default('/'),
  maxBodyBytes: intIn(1024, 67_108_864).default(DEFAULTS.maxFrameBytes),
  charset: z.enum(CHARSETS).default(DEFAULTS.charset),
  tls: tlsSchema.optional(),
  /** A bearer token every request must carry, read from a file (relative to the channel file) or a variable. */
  auth: z
    .strictObject({
      tokenFile: z.string().min(1).optional(),
      tokenEnv: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
        .optional(),
    })
    .refine((a) => (a.tokenFile === undefined) !== (a.tokenEnv === undefined), { error: 'auth takes tokenFile or tokenEnv (one of them)' })
    .optional(),
});

const sourceSchema = z.discriminatedUnion('type', [mllpSourceSchema, fileSourceSchema, sftpSourceSchema, httpSourceSchema], {
  error: (iss) => (iss.code === 'invalid_union' ? 'source.type must be mllp, file, sftp or http' : undefined),
});

/**
 * Alerts for the channel (docs/channels.md "alerts"), evaluated every 30 s by src/alerts. At least one rule;
 * `businessHours` and `timezone` only with `silenceMinutes`.
 */
const alertsSchema = z
  .strictObject({
    silenceMinutes: intIn(1, 10_080).optional(),
    businessHours: z
      .string({ error: (iss) => `${labelOf(iss.path ?? [])} must be text like "Mo-Fr 08:00-20:00"` })
      .superRefine((text, ctx) => {
        try {
          parseBusinessHours(text);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: `businessHours: ${(err as Error).message}` });
        }
      })
      .optional(),
    timezone: z
      .string({ error: (iss) => `${labelOf(iss.path ?? [])} must be a time zone name such as Europe/Berlin` })
      .refine(isTimeZone, { error: 'timezone must be an IANA time zone name such as America/Chicago, Europe/Berlin or UTC' })
      .optional(),
    deadLettersAbove: intIn(0, 1_000_000).optional(),
    queueDepthAbove: intIn(0, 10_000_000).optional(),
    slotsExhausted: z.boolean({ error: 'slotsExhausted must be true or false' }).optional(),
    /** Failed uploads to the clearinghouse (billing.yaml clearinghouses) above which `clearinghouse-transfers` is raised. */
    clearinghouseFailuresAbove: intIn(0, 1_000_000).optional(),
    /** Failed deliveries of the channel's destinations above which `destination-failures` is raised. */
    destinationFailuresAbove: intIn(0, 1_000_000).optional(),
    /** Open deliveries of one destination above which `destination-queue` is raised. */
    destinationQueueAbove: intIn(0, 10_000_000).optional(),
    webhook: z.url({ protocol: /^https?$/, error: 'webhook must be an http:// or https:// URL' }).optional(),
  })
  .superRefine((a, ctx) => {
    if (
      a.silenceMinutes === undefined &&
      a.deadLettersAbove === undefined &&
      a.queueDepthAbove === undefined &&
      !a.slotsExhausted &&
      a.clearinghouseFailuresAbove === undefined &&
      a.destinationFailuresAbove === undefined &&
      a.destinationQueueAbove === undefined
    ) {
      ctx.addIssue({ code: 'custom', path: [], message: 'alerts needs at least one of silenceMinutes, deadLettersAbove, queueDepthAbove' });
    }
    for (const key of ['businessHours', 'timezone'] as const) {
      if (a[key] !== undefined && a.silenceMinutes === undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: `${key} applies to silenceMinutes only: set silenceMinutes or remove it` });
      }
    }
  });

/**
 * Where application ACKs (enhanced mode, MSH-16) go: the sender's own MLLP listener. Absent = enhanced-mode senders
 * get the accept ACK only (src/acks).
 */
const applicationAcksSchema = z.strictObject({
  host: z.string().min(1),
  port: intIn(1, 65535),
  timeoutMs: intIn(100, 300_000).default(DEFAULTS.applicationAckTimeoutMs),
  attempts: intIn(1, 1000).default(DEFAULTS.applicationAckAttempts),
  backoffMs: intIn(0, 3_600_000).default(DEFAULTS.applicationAckBackoffMs),
});

/**
 * How senders are answered on their connection (src/pipeline/ack-policy.ts). `mode` defaults to immediate, or to
 * standard for a channel with an `applicationAcks` destination (which only the standard policy uses).
 */
const acksSchema = z.strictObject({
  mode: z.enum(ACK_MODES).optional(),
  /** after-processing: how long the answer waits for the pipeline before the accept ACK is sent instead. */
  timeoutMs: intIn(100, 120_000).default(DEFAULTS.ackTimeoutMs),
  /** Per sender (MSH-3|MSH-4 as sent, e.g. "PHARMSYS|STORE01"): its own mode and timeout. */
  senders: z
    .record(z.string(), z.strictObject({ mode: z.enum(ACK_MODES), timeoutMs: intIn(100, 120_000).optional() }))
    .superRefine((senders, ctx) => {
      for (const sender of Object.keys(senders)) {
        if (!/^[^|]*\|[^|]*$/.test(sender)) {
          ctx.addIssue({
            code: 'custom',
            path: [sender],
            message: `sender ${sender} must be written MSH-3|MSH-4, e.g. "PHARMSYS|STORE01"`,
          });
        }
      }
    })
    .default({}),
});

const routeSchema = z.strictObject({
  types: z.array(messageType).min(1),
  mapping: name('mapping'),
});

export const channelFileSchema = z
  .strictObject({
    name: name('channel'),
    description: z.string().default(''),
    enabled: z.boolean().default(DEFAULTS.enabled),
    source: sourceSchema,
    accept: z.array(messageType).min(1).superRefine(noRepeats('accept')),
    processingIds: z
      .array(z.enum(PROCESSING_IDS))
      .min(1)
      .superRefine(noRepeats('processingIds'))
      .default([...PROCESSING_IDS]),
    duplicates: z.strictObject({ windowHours: intIn(0, 8760).default(DEFAULTS.windowHours) }).prefault({}),
    pipeline: z
      .strictObject({
        attempts: intIn(1, 100).default(DEFAULTS.attempts),
        backoffMs: intIn(0, 3_600_000).default(DEFAULTS.backoffMs),
        concurrency: intIn(1, 256).default(DEFAULTS.concurrency),
      })
      .prefault({}),
    routes: z.array(routeSchema).default([]),
    retention: z.strictObject({ bodiesDays: intIn(1, 36_500).optional() }).prefault({}),
    alerts: alertsSchema.optional(),
    applicationAcks: applicationAcksSchema.optional(),
    acks: acksSchema.prefault({}),
    knownSenders: knownSendersSchema.optional(),
    /** Where each final message goes next (docs/channels.md "Destinations"). */
    destinations: z.array(destinationSchema).default([]),
  })
  .superRefine((ch, ctx) => {
    // Runs once every field is valid on its own (zod skips refinements of a value with errors inside).
    const accepted = new Set(ch.accept);
    const routed = new Map<string, number>(); // type → index of the route that has it
    if (
      ch.applicationAcks &&
      ch.acks.mode !== undefined &&
      ch.acks.mode !== 'standard' &&
      !Object.values(ch.acks.senders).some((o) => o.mode === 'standard')
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['acks', 'mode'],
        message: `applicationAcks are sent only under acks mode standard (here ${ch.acks.mode}): set mode: standard, or remove applicationAcks`,
      });
    }
    const known = ch.knownSenders;
    if (known && ch.source.type !== 'mllp') {
      ctx.addIssue({ code: 'custom', path: ['knownSenders'], message: 'knownSenders applies to mllp sources only' });
    } else if (known && ch.source.type === 'mllp' && known.reservedSlots >= ch.source.maxConnections) {
      ctx.addIssue({
        code: 'custom',
        path: ['knownSenders', 'reservedSlots'],
        message: `knownSenders.reservedSlots (${known.reservedSlots}) must be below source.maxConnections (${ch.source.maxConnections}): other senders need at least one slot (use source.allowFrom to refuse them)`,
      });
    }
    if (known?.clients && ch.source.type === 'mllp' && !ch.source.tls?.requestClientCert) {
      ctx.addIssue({
        code: 'custom',
        path: ['knownSenders', 'clients'],
        message:
          'knownSenders.clients needs source.tls with requestClientCert: true (and ca): without client certificates there is no name to match',
      });
    }
    const destinationNames = new Map<string, number>();
    ch.destinations.forEach((d, i) => {
      const first = destinationNames.get(d.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['destinations', i, 'name'],
          message: `destination ${d.name} is already named by destinations[${first}]`,
        });
      } else {
        destinationNames.set(d.name, i);
      }
      d.types?.forEach((type, t) => {
        if (!accepted.has(type)) {
          ctx.addIssue({
            code: 'custom',
            path: ['destinations', i, 'types', t],
            message: `destination type ${type} is not in accept (add it there or remove it here)`,
          });
        }
      });
    });
    ch.routes.forEach((route, r) => {
      route.types.forEach((type, t) => {
        const path = ['routes', r, 'types', t];
        if (!accepted.has(type)) {
          ctx.addIssue({ code: 'custom', path, message: `route type ${type} is not in accept (add it there or remove it here)` });
        }
        const first = routed.get(type);
        if (first !== undefined) {
          ctx.addIssue({ code: 'custom', path, message: `${type} already has a route (routes[${first}])` });
        } else {
          routed.set(type, r);
        }
      });
    });
  });

/** A validated channel file with every default filled in. */
export type ChannelFile = z.infer<typeof channelFileSchema>;

/** What the engine runs from: frozen (sets and all), defaults filled in. */
export interface ChannelPlan {
  readonly name: string;
  readonly description: string;
  readonly enabled: boolean;
  /** The channel file it came from, as given to the loader (for messages). */
  readonly file: string;
  readonly source: SourcePlan;
  /** MSH-9 type^event values taken; anything else gets AR with condition 200. */
  readonly accept: ReadonlySet<string>;
  /** MSH-11 values taken; anything else gets AR with condition 202. */
  readonly processingIds: ReadonlySet<string>;
  /** Same sender (MSH-3/4) + MSH-10 + content (MSH-7 aside) within this many ms is a duplicate; 0 = no duplicate check. */
  readonly duplicateWindowMs: number;
  readonly pipeline: { readonly attempts: number; readonly backoffMs: number; readonly concurrency: number };
  readonly routes: ReadonlyArray<{ readonly types: ReadonlySet<string>; readonly mapping: string }>;
  /** Message bodies of finished messages older than bodiesDays are pruned (`rxbridge retention run`); null = kept. */
  readonly retention: { readonly bodiesDays: number | null };
  /** Alert rules (src/alerts); null = no alerts for this channel. */
  readonly alerts: ChannelAlerts | null;
  /** Destination of application ACKs (enhanced mode, MSH-16; src/acks); null = accept ACKs only. */
  readonly applicationAcks: {
    readonly host: string;
    readonly port: number;
    readonly timeoutMs: number;
    readonly attempts: number;
    readonly backoffMs: number;
  } | null;
  /** How senders are answered on their connection: the channel's policy and per-sender overrides. */
  readonly acks: {
    readonly mode: AckMode;
    readonly timeoutMs: number;
    readonly senders: Readonly<Record<string, { readonly mode: AckMode; readonly timeoutMs: number }>>;
  };
  /** Where final messages are delivered (src/destinations), in file order; empty = nowhere. */
  readonly destinations: readonly DestinationPlan[];
  /** The mapping name for an MSH-9 type^event such as "DFT^P03", or undefined (accepted but filtered). */
  routeFor(messageType: string): string | undefined;
  /** The answer policy for a sender (MSH-3|MSH-4): its override, else the channel's. */
  ackPolicyFor(sender: string): AckPolicy;
}

/** A channel's TLS files as absolute paths (resolved against the channel file's folder). */
export interface TlsPlan {
  readonly cert: string;
  readonly key: string;
  readonly ca?: string;
  readonly requestClientCert: boolean;
  readonly minVersion: 'TLSv1.2' | 'TLSv1.3';
  /** Client certificate names that may connect; absent = any the CA signed. */
  readonly allowClients?: readonly string[];
}

export interface MllpSourcePlan {
  readonly type: 'mllp';
  readonly host: string;
  readonly port: number;
  readonly maxFrameBytes: number;
  /** 0 = never close an idle connection. */
  readonly idleTimeoutMs: number;
  readonly maxConnections: number;
  /** Connections open at once from one IP address. */
  readonly maxConnectionsPerIp: number;
  /** Addresses and CIDR blocks a sender may connect from; absent = any. */
  readonly allowFrom?: readonly string[];
  /**
   * Senders with reserved slots (by address or client certificate name); absent = no slot reserved. Written as
   * the channel file's top-level `knownSenders`, kept with the source: a change restarts the listener.
   */
  readonly knownSenders?: {
    readonly addresses?: readonly string[];
    readonly clients?: readonly string[];
    readonly reservedSlots: number;
  };
  /** Used when MSH-18 is empty. */
  readonly charset: Charset;
  /** absent = plain TCP. */
  readonly tls?: TlsPlan;
}

/** What the file and SFTP sources share (src/sources/file-source.ts). */
export interface FolderSourceFields {
  /** The folder polled: an absolute local path (file) or remote path (sftp). */
  readonly dir: string;
  readonly archiveDir: string;
  /** Where a file without a single message goes; absent = it stays where it is (reported once per poll). */
  readonly errorDir?: string;
  /** File name pattern: `*` and `?` wildcards. */
  readonly pattern: string;
  readonly pollIntervalMs: number;
  readonly minAgeMs: number;
  readonly maxFileBytes: number;
  /** Used when MSH-18 is empty. */
  readonly charset: Charset;
}

export interface FileSourcePlan extends FolderSourceFields {
  readonly type: 'file';
}

export interface SftpSourcePlan extends FolderSourceFields {
  readonly type: 'sftp';
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly hostKeyFingerprint: string;
  readonly privateKey?: SecretSource;
  readonly passphrase?: SecretSource;
  readonly password?: SecretSource;
  readonly connectTimeoutMs: number;
}

export interface HttpSourcePlan {
  readonly type: 'http';
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly maxBodyBytes: number;
  readonly charset: Charset;
  readonly tls?: TlsPlan;
  /** The bearer token's file (absolute) or variable; absent = no token asked for. */
  readonly auth?: SecretSource;
}

export type SourcePlan = MllpSourcePlan | FileSourcePlan | SftpSourcePlan | HttpSourcePlan;

/** The plan's MLLP source; throws for a channel with another source type (for callers that know it is MLLP). */
export function mllpSource(plan: Pick<ChannelPlan, 'name' | 'source'>): MllpSourcePlan {
  if (plan.source.type !== 'mllp') throw new Error(`channel ${plan.name} has a ${plan.source.type} source, not mllp`);
  return plan.source;
}

export interface ChannelAlerts {
  readonly silenceMinutes?: number;
  readonly businessHours?: BusinessHours;
  /** IANA zone of the business hours: `timezone`, else the engine's own (the TZ environment variable). */
  readonly timeZone: string;
  readonly deadLettersAbove?: number;
  readonly queueDepthAbove?: number;
  readonly slotsExhausted?: boolean;
  readonly clearinghouseFailuresAbove?: number;
  readonly destinationFailuresAbove?: number;
  readonly destinationQueueAbove?: number;
  readonly webhook?: string;
}

const HOUR_MS = 3_600_000;

function alertsPlan(a: z.infer<typeof alertsSchema> | undefined): ChannelAlerts | null {
  if (!a) return null;
  const { businessHours, timezone, ...rest } = a;
  return {
    ...rest,
    ...(businessHours !== undefined ? { businessHours: parseBusinessHours(businessHours) } : {}),
    timeZone: timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
  };
}

function resolveTls(t: z.infer<typeof tlsSchema>, dir: string) {
  return { ...t, cert: path.resolve(dir, t.cert), key: path.resolve(dir, t.key), ca: t.ca && path.resolve(dir, t.ca) };
}

function sourcePlan(ch: ChannelFile, dir: string): SourcePlan {
  const src = ch.source;
  const secret = (f?: string, env?: string): SecretSource | undefined => (f ? { file: path.resolve(dir, f) } : env ? { env } : undefined);
  switch (src.type) {
    case 'mllp':
      return { ...src, tls: src.tls && resolveTls(src.tls, dir), ...(ch.knownSenders ? { knownSenders: ch.knownSenders } : {}) };
    case 'file':
      return {
        ...src,
        dir: path.resolve(dir, src.dir),
        archiveDir: path.resolve(dir, src.archiveDir),
        ...(src.errorDir ? { errorDir: path.resolve(dir, src.errorDir) } : {}),
      };
    case 'sftp': {
      const { auth, ...rest } = src;
      const privateKey = secret(auth.privateKeyFile, auth.privateKeyEnv);
      const passphrase = secret(auth.passphraseFile, auth.passphraseEnv);
      const password = secret(auth.passwordFile, auth.passwordEnv);
      return {
        ...rest,
        ...(privateKey ? { privateKey } : {}),
        ...(passphrase ? { passphrase } : {}),
        ...(password ? { password } : {}),
      };
    }
    case 'http': {
      const { auth, tls, ...rest } = src;
      const token = auth && secret(auth.tokenFile, auth.tokenEnv);
      return { ...rest, ...(tls ? { tls: resolveTls(tls, dir) } : {}), ...(token ? { auth: token } : {}) };
    }
  }
}

/** Pure: a validated channel file → its frozen plan. `file` is only recorded, never read. */
export function buildChannelPlan(ch: ChannelFile, file: string): ChannelPlan {
  const table = new Map<string, string>();
  for (const route of ch.routes) for (const type of route.types) if (!table.has(type)) table.set(type, route.mapping);
  const channelPolicy: AckPolicy = Object.freeze({
    mode: ch.acks.mode ?? (ch.applicationAcks ? 'standard' : DEFAULTS.ackMode),
    timeoutMs: ch.acks.timeoutMs,
  });
  const ackSenders = Object.fromEntries(
    Object.entries(ch.acks.senders).map(([sender, o]) => [
      sender,
      Object.freeze({ mode: o.mode, timeoutMs: o.timeoutMs ?? ch.acks.timeoutMs }),
    ]),
  );
  return deepFreeze<ChannelPlan>({
    name: ch.name,
    description: ch.description,
    enabled: ch.enabled,
    file,
    source: sourcePlan(ch, path.dirname(file)),
    accept: new Set(ch.accept),
    processingIds: new Set(ch.processingIds),
    duplicateWindowMs: ch.duplicates.windowHours * HOUR_MS,
    pipeline: { ...ch.pipeline },
    routes: ch.routes.map((r) => ({ types: new Set(r.types), mapping: r.mapping })),
    retention: { bodiesDays: ch.retention.bodiesDays ?? null },
    alerts: alertsPlan(ch.alerts),
    applicationAcks: ch.applicationAcks ? { ...ch.applicationAcks } : null,
    acks: { mode: channelPolicy.mode, timeoutMs: ch.acks.timeoutMs, senders: ackSenders },
    destinations: ch.destinations.map(buildDestinationPlan),
    routeFor: (messageType: string) => table.get(messageType),
    ackPolicyFor: (sender: string) => ackSenders[sender] ?? channelPolicy,
  });
}
