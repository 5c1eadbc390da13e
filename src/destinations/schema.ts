/**
 * The `destinations:` list of a channel file (docs/channels.md "Destinations") and the frozen plan delivery runs
 * from. Strict: an unknown key is an error at its path; a connector's options are checked by its own factory's
 * schema (src/destinations/connectors.ts), and its issues keep their path under `connector`.
 */
import { z } from 'zod';
import { labelOf } from '../core/config-file';
import { MESSAGE_TYPE_PATTERN } from '../hl7/message-type';
import { parsePath } from '../hl7/path';
import { parseCondition, parseSource, variablesOf, type Condition, type Source } from '../mappings/expressions';
import { CONNECTOR_FACTORIES, connectorFactory } from './connectors';
import { DESTINATION_VARIABLES, type JsonTemplate, type TransformPlan } from './transform';
import { unknownFhirResource } from './transformers';

export const DESTINATION_ORDERS = ['fifo', 'patient', 'none'] as const;
export type DestinationOrder = (typeof DESTINATION_ORDERS)[number];
/** Final message statuses a destination may deliver. */
export const DELIVERABLE_STATUSES = ['processed', 'filtered', 'error', 'rejected', 'duplicate'] as const;

export const DESTINATION_DEFAULTS = Object.freeze({
  enabled: true,
  statuses: ['processed'] as const,
  order: 'fifo' as DestinationOrder,
  concurrency: 4,
  attempts: 20,
  backoffMs: 1000,
  maxBackoffMs: 300_000,
});

function intIn(min: number, max: number) {
  const error = (iss: { path?: PropertyKey[] }): string => `${labelOf(iss.path ?? [])} must be an integer from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

const destinationName = z
  .string({ error: (iss) => `${labelOf(iss.path ?? [])} must be text` })
  .regex(/^[a-z0-9-]+$/, { error: (iss) => `${labelOf(iss.path ?? [])} must be a destination name: lower-case letters, digits and "-"` })
  .max(64, { error: (iss) => `${labelOf(iss.path ?? [])} must be at most 64 characters` });

const messageType = z
  .string({ error: (iss) => `${labelOf(iss.path ?? [])} must be a message type such as ADT^A04` })
  .regex(MESSAGE_TYPE_PATTERN, { error: (iss) => `${labelOf(iss.path ?? [])} must be a message type such as ADT^A04` });

function unknownVariables(vars: readonly string[]): string | undefined {
  const bad = vars.filter((v) => !DESTINATION_VARIABLES.has(v));
  return bad.length === 0 ? undefined : `unknown variable $${bad[0]} (known: ${[...DESTINATION_VARIABLES].map((v) => `$${v}`).join(', ')})`;
}

/** An expression (a mapping source: `PID-3.1 | "X" | $channel`), parsed. */
const sourceExpr = z
  .string({ error: (iss) => `${labelOf(iss.path ?? [])} must be an expression such as PID-3.1 or "TEXT"` })
  .transform((text, ctx): Source => {
    try {
      const source = parseSource(text);
      const bad = unknownVariables(variablesOf(source));
      if (bad) ctx.addIssue({ code: 'custom', message: bad });
      return source;
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });

const condition = z.string({ error: 'when must be a condition such as MSH-9.1 = RDE' }).transform((text, ctx): Condition => {
  try {
    const cond = parseCondition(text);
    const bad = unknownVariables(variablesOf(cond));
    if (bad) ctx.addIssue({ code: 'custom', message: bad });
    return cond;
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `when: ${(err as Error).message}` });
    return z.NEVER;
  }
});

/** Runs `schema` on `v` inside a transform, keeping its issues at their own paths. */
function forward<T>(schema: z.ZodType<T, unknown>, v: unknown, ctx: z.RefinementCtx): T {
  const parsed = schema.safeParse(v);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.issues.push({ ...issue, input: undefined } as never);
  return z.NEVER;
}

const jsonValue: z.ZodType<Source | JsonTemplate, unknown> = z.unknown().transform((v, ctx): Source | JsonTemplate => {
  if (typeof v === 'string') return forward(sourceExpr, v, ctx);
  if (v && typeof v === 'object' && !Array.isArray(v)) return forward(jsonTemplate, v, ctx);
  ctx.addIssue({ code: 'custom', message: 'each value must be an expression or a nested mapping' });
  return z.NEVER;
});

const jsonTemplate: z.ZodType<JsonTemplate, unknown> = z.lazy(() => z.record(z.string().min(1), jsonValue));

const hl7Path = z.string({ error: 'must be an HL7 path' });

const TRANSFORM_FORMS = [
  z.literal('passthrough').transform((): TransformPlan => ({ kind: 'passthrough' })),
  z
    .strictObject({
      hl7: z.strictObject({
        set: z
          .record(hl7Path, sourceExpr)
          .superRefine((set, ctx) => {
            for (const key of Object.keys(set)) {
              try {
                const ref = parsePath(key);
                if (ref.segment === 'MSH' && ref.field <= 2)
                  ctx.addIssue({ code: 'custom', path: [key], message: `${key}: MSH-1 and MSH-2 (the delimiters) cannot be set` });
                else if (ref.segment === 'MSH' && ref.field === 10)
                  ctx.addIssue({
                    code: 'custom',
                    path: [key],
                    message: "MSH-10 is always the delivery's own control id ($controlId): leave it out",
                  });
                else if (ref.repetition === '*')
                  ctx.addIssue({ code: 'custom', path: [key], message: `${key}: [*] cannot be set, name one repetition` });
              } catch (err) {
                ctx.addIssue({ code: 'custom', path: [key], message: (err as Error).message });
              }
            }
          })
          .default({}),
      }),
    })
    .transform((t): TransformPlan => ({
      kind: 'hl7',
      set: Object.entries(t.hl7.set).map(([path, value]) => ({ path: parsePath(path), value })),
    })),
  z.strictObject({ json: jsonTemplate }).transform((t): TransformPlan => ({ kind: 'json', template: t.json })),
  z
    .strictObject({
      fhir: z.string().superRefine((resource, ctx) => {
        const why = unknownFhirResource(resource);
        if (why) ctx.addIssue({ code: 'custom', message: why });
      }),
    })
    .transform((t): TransformPlan => ({ kind: 'fhir', resource: t.fhir })),
] as const;

const TRANSFORM_HELP = 'transform must be passthrough, { hl7: { set: … } }, { json: { … } } or { fhir: Resource }';

/** The form is picked by its key, so a mistake inside one is reported at its own path (a union would hide it). */
const transformSchema = z.unknown().transform((v, ctx): TransformPlan => {
  const key =
    v === 'passthrough' ? 0 : v && typeof v === 'object' && !Array.isArray(v) ? ['hl7', 'json', 'fhir'].findIndex((k) => k in v) + 1 : -1;
  const form = key > 0 || key === 0 ? TRANSFORM_FORMS[key] : undefined;
  if (!form) {
    ctx.addIssue({ code: 'custom', message: TRANSFORM_HELP });
    return z.NEVER;
  }
  const parsed = (form as z.ZodType<TransformPlan, unknown>).safeParse(v);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.issues.push({ ...issue, input: undefined } as never);
    return z.NEVER;
  }
  return parsed.data;
});

/** `connector: { type, …options }`: the type picks the factory whose schema checks the rest. */
const connectorSchema = z
  .looseObject({ type: z.string({ error: 'connector.type must be text (the connector kind, e.g. mllp or http)' }) })
  .transform((c, ctx): { type: string; options: unknown } => {
    const { type, ...rest } = c;
    const factory = connectorFactory(type);
    if (!factory) {
      const known = CONNECTOR_FACTORIES.map((f) => f.type).sort();
      ctx.addIssue({ code: 'custom', path: ['type'], message: `unknown connector type ${type} (known: ${known.join(', ') || 'none'})` });
      return z.NEVER;
    }
    const parsed = factory.options.safeParse(rest);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.issues.push({ ...issue, input: undefined } as never);
      return z.NEVER;
    }
    return { type, options: parsed.data };
  });

export const destinationSchema = z
  .strictObject({
    name: destinationName,
    enabled: z.boolean({ error: 'enabled must be true or false' }).default(DESTINATION_DEFAULTS.enabled),
    /** MSH-9 types delivered; absent = every type the channel accepts. */
    types: z.array(messageType).min(1).optional(),
    when: condition.optional(),
    statuses: z
      .array(z.enum(DELIVERABLE_STATUSES, { error: `statuses must be among ${DELIVERABLE_STATUSES.join(', ')}` }))
      .min(1)
      .default([...DESTINATION_DEFAULTS.statuses]),
    transform: transformSchema.prefault('passthrough'),
    order: z.enum(DESTINATION_ORDERS, { error: 'order must be fifo, patient or none' }).default(DESTINATION_DEFAULTS.order),
    /** Deliveries in flight at once (order patient and none; fifo always sends one at a time). */
    concurrency: intIn(1, 64).default(DESTINATION_DEFAULTS.concurrency),
    retry: z
      .strictObject({
        attempts: intIn(1, 1_000_000).default(DESTINATION_DEFAULTS.attempts),
        backoffMs: intIn(0, 3_600_000).default(DESTINATION_DEFAULTS.backoffMs),
        maxBackoffMs: intIn(0, 86_400_000).default(DESTINATION_DEFAULTS.maxBackoffMs),
      })
      .prefault({}),
    connector: connectorSchema,
  })
  .superRefine((d, ctx) => {
    if (d.connector.type === 'mllp' && (d.transform.kind === 'json' || d.transform.kind === 'fhir')) {
      ctx.addIssue({
        code: 'custom',
        path: ['connector', 'type'],
        message: `the mllp connector sends HL7 v2: use transform passthrough or hl7 (not ${d.transform.kind})`,
      });
    }
    if (d.retry.maxBackoffMs < d.retry.backoffMs) {
      ctx.addIssue({ code: 'custom', path: ['retry', 'maxBackoffMs'], message: 'maxBackoffMs must be at least backoffMs' });
    }
  });

export type DestinationFile = z.infer<typeof destinationSchema>;

/** One destination as delivery runs it. */
export interface DestinationPlan {
  readonly name: string;
  readonly enabled: boolean;
  /** null = every type the channel accepts. */
  readonly types: ReadonlySet<string> | null;
  readonly when: Condition | null;
  readonly statuses: ReadonlySet<string>;
  readonly transform: TransformPlan;
  readonly order: DestinationOrder;
  readonly concurrency: number;
  readonly retry: { readonly attempts: number; readonly backoffMs: number; readonly maxBackoffMs: number };
  readonly connector: { readonly type: string; readonly options: unknown };
}

export function buildDestinationPlan(d: DestinationFile): DestinationPlan {
  return {
    name: d.name,
    enabled: d.enabled,
    types: d.types ? new Set(d.types) : null,
    when: d.when ?? null,
    statuses: new Set(d.statuses),
    transform: d.transform,
    order: d.order,
    concurrency: d.order === 'fifo' ? 1 : d.concurrency,
    retry: { ...d.retry },
    connector: d.connector,
  };
}
