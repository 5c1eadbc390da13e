/**
 * The channel file schema (one YAML per channel in channels/, see docs/channels.md) and the frozen plan the
 * engine runs from. Strict: an unknown key anywhere is an error. Defaults are filled in by the schema, so the
 * parsed ChannelFile is complete; buildChannelPlan turns it into lookup-ready sets and a route table.
 */
import path from 'node:path';
import { z } from 'zod';
import { deepFreeze, labelOf } from '../core/config-file';

/** MSH-9 type^event as written in `accept` and `routes[].types`, e.g. ADT^A04. */
export const MESSAGE_TYPE_PATTERN = /^[A-Z0-9]{3}\^[A-Z0-9]{3}$/;
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
  charset: 'UTF-8' as Charset,
  processingIds: PROCESSING_IDS,
  windowHours: 72,
  attempts: 5,
  backoffMs: 1000,
  concurrency: 4,
});

/** An integer in [min, max]; every failure (wrong type, fraction, out of range) gets the same plain message. */
function intIn(min: number, max: number) {
  const error = (iss: { path?: PropertyKey[] }): string =>
    `${labelOf(iss.path ?? [])} must be an integer from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

const messageType = z
  .string({ error: (iss) => `${labelOf(iss.path ?? [])} must be a message type such as ADT^A04` })
  .regex(MESSAGE_TYPE_PATTERN, {
    error: (iss) => `${labelOf(iss.path ?? [])} must be a message type such as ADT^A04 (TYPE^EVENT: three capital letters or digits each)`,
  });

const name = (what: string) =>
  z.string({ error: (iss) => `${labelOf(iss.path ?? [])} must be text` })
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

/** MLLP over TLS. Paths are relative to the channel file's folder. Mutual TLS when requestClientCert is true. */
const tlsSchema = z.strictObject({
  cert: z.string().min(1),
  key: z.string().min(1),
  ca: z.string().min(1).optional(),
  requestClientCert: z.boolean().default(false),
  minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
});

const sourceSchema = z.strictObject({
  type: z.literal('mllp', { error: 'type must be mllp (the only source type for now)' }),
  host: z.string().min(1).default(DEFAULTS.host),
  port: intIn(1, 65535),
  maxFrameBytes: intIn(1024, 67_108_864).default(DEFAULTS.maxFrameBytes),
  idleTimeoutMs: intIn(0, 86_400_000).default(DEFAULTS.idleTimeoutMs),
  maxConnections: intIn(1, 10_000).default(DEFAULTS.maxConnections),
  charset: z.enum(CHARSETS).default(DEFAULTS.charset),
  tls: tlsSchema.optional(),
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
    processingIds: z.array(z.enum(PROCESSING_IDS)).min(1).superRefine(noRepeats('processingIds'))
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
  })
  .superRefine((ch, ctx) => {
    // Runs once every field is valid on its own (zod skips refinements of a value with errors inside).
    const accepted = new Set(ch.accept);
    const routed = new Map<string, number>(); // type → index of the route that has it
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
  readonly source: {
    readonly type: 'mllp';
    readonly host: string;
    readonly port: number;
    readonly maxFrameBytes: number;
    /** 0 = never close an idle connection. */
    readonly idleTimeoutMs: number;
    readonly maxConnections: number;
    /** Used when MSH-18 is empty. */
    readonly charset: Charset;
    /** TLS files as absolute paths (resolved against the channel file's folder); absent = plain TCP. */
    readonly tls?: {
      readonly cert: string; readonly key: string; readonly ca?: string;
      readonly requestClientCert: boolean; readonly minVersion: 'TLSv1.2' | 'TLSv1.3';
    };
  };
  /** MSH-9 type^event values taken; anything else gets AR with condition 200. */
  readonly accept: ReadonlySet<string>;
  /** MSH-11 values taken; anything else gets AR with condition 202. */
  readonly processingIds: ReadonlySet<string>;
  /** Same sender (MSH-3/4) + MSH-10 within this many ms is a duplicate; 0 = no duplicate check. */
  readonly duplicateWindowMs: number;
  readonly pipeline: { readonly attempts: number; readonly backoffMs: number; readonly concurrency: number };
  readonly routes: ReadonlyArray<{ readonly types: ReadonlySet<string>; readonly mapping: string }>;
  /** The mapping name for an MSH-9 type^event such as "DFT^P03", or undefined (accepted but filtered). */
  routeFor(messageType: string): string | undefined;
}

const HOUR_MS = 3_600_000;

function resolveTls(t: z.infer<typeof tlsSchema>, dir: string) {
  return { ...t, cert: path.resolve(dir, t.cert), key: path.resolve(dir, t.key), ca: t.ca && path.resolve(dir, t.ca) };
}

/** Pure: a validated channel file → its frozen plan. `file` is only recorded, never read. */
export function buildChannelPlan(ch: ChannelFile, file: string): ChannelPlan {
  const table = new Map<string, string>();
  for (const route of ch.routes) for (const type of route.types) if (!table.has(type)) table.set(type, route.mapping);
  return deepFreeze<ChannelPlan>({
    name: ch.name,
    description: ch.description,
    enabled: ch.enabled,
    file,
    source: { ...ch.source, tls: ch.source.tls && resolveTls(ch.source.tls, path.dirname(file)) },
    accept: new Set(ch.accept),
    processingIds: new Set(ch.processingIds),
    duplicateWindowMs: ch.duplicates.windowHours * HOUR_MS,
    pipeline: { ...ch.pipeline },
    routes: ch.routes.map((r) => ({ types: new Set(r.types), mapping: r.mapping })),
    routeFor: (messageType: string) => table.get(messageType),
  });
}
