/**
 * The charge mapping file (mappings/*.yaml): where each charge field comes from, for one record per segment.
 * This is the engine core's first mapping form; docs/mappings.md describes every key.
 *
 * A source is one or more HL7 paths separated by " | ": the first non-empty value wins (FT1-25.1 | FT1-7.1).
 * Paths are read inside the current segment (the `forEach` one) when they name it, else from the first
 * segment of that name in the message (PID-3.1).
 */
import { z } from 'zod';
import { parsePath } from '../hl7/path';

/** Checks every alternative of a source with the path parser; `[*]` only where the field takes a list. */
function sourceOf(list: boolean) {
  return z.string().min(1).superRefine((text, ctx) => {
    for (const alt of text.split('|').map((a) => a.trim())) {
      try {
        const ref = parsePath(alt);
        if (ref.repetition === '*' && !list) ctx.addIssue({ code: 'custom', message: `"${alt}": [*] reads a list; this field takes one value` });
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `"${alt}" is not an HL7 path: ${(err as Error).message}` });
      }
    }
  });
}
const source = sourceOf(false);
const listSource = sourceOf(true);
const codeEntry = z.strictObject({
  code: z.string().min(1),
  system: z.enum(['CPT', 'HCPCS', 'NDC', 'LOCAL']),
});

export const chargeMappingSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9-]+$/, 'use lower-case letters, digits and dashes'),
  description: z.string().default(''),
  /** Segment whose every occurrence makes one record. */
  forEach: z.string().regex(/^[A-Z][A-Z0-9]{2}$/, 'a segment name such as FT1'),
  /** Values of fields.transactionType that make a charge, and those that make a credit (reversal). Others make nothing. */
  transactionTypes: z.strictObject({
    charge: z.array(z.string().min(1)).min(1),
    credit: z.array(z.string().min(1)).default([]),
  }),
  fields: z.strictObject({
    patient: source,
    transactionType: source,
    transactionId: source.optional(),
    reverses: source.optional(),
    serviceDate: source,
    code: source,
    codeSystem: source.optional(),
    modifiers: listSource.optional(),
    units: source.optional(),
    amount: source.optional(),
    unitAmount: source.optional(),
    diagnoses: listSource.optional(),
    renderingNpi: source.optional(),
    orderingNpi: source.optional(),
    ndc: source.optional(),
  }),
  defaults: z.strictObject({ units: z.string().regex(/^\d+(\.\d+)?$/).default('1') }).default({ units: '1' }),
  /** The charge master: sender code → billed code and system. `unknown: error` dead-letters a code not in the table. */
  codes: z.strictObject({
    unknown: z.enum(['keep', 'error']).default('keep'),
    table: z.record(z.string(), codeEntry).default({}),
  }).default({ unknown: 'keep', table: {} }),
});

export type ChargeMappingFile = z.infer<typeof chargeMappingSchema>;
