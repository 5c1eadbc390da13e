/**
 * The mapping file (mappings/*.yaml): which records one message becomes, and where each of their fields comes
 * from. docs/mappings.md describes every key for admins; this schema is the contract. Expression syntax
 * (sources, conditions, templates) is checked here with the parsers of expressions.ts, so a bad path or
 * condition is reported at its own line:col. Cross-references (variables, tables, output fields) are
 * checked by compile.ts.
 */
import { z } from 'zod';
import { isMappingFunction, MAPPING_FUNCTIONS } from './functions';
import { parseCondition, parseSource, parseTemplate } from './expressions';
import { checkMappingFile, type ConditionInput } from './check';
import { REVERSAL_MATCH_KEYS, REVERSAL_MISSING } from './records';

function checked(parse: (text: string) => unknown, what: string) {
  return z
    .string()
    .min(1)
    .superRefine((text, ctx) => {
      try {
        parse(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `not a valid ${what}: ${(err as Error).message}` });
      }
    });
}

const sourceText = checked(parseSource, 'source');
const conditionText = checked(parseCondition, 'condition');
const templateText = checked(parseTemplate, 'template');

/** A condition, or `{ any: [...] }` (one of them holds). All conditions of a list must hold. */
const condition: z.ZodType<ConditionInput> = z.lazy(() => z.union([conditionText, z.strictObject({ any: z.array(condition).min(1) })]));
const conditions = z.union([condition, z.array(condition)]).transform((c) => (Array.isArray(c) ? c : [c]));

const fnName = z.string().refine(isMappingFunction, { message: `unknown function; known: ${Object.keys(MAPPING_FUNCTIONS).join(', ')}` });

/** How a value is made: read (from / const / template), convert (fn), look up (lookup), fall back (default). */
export const valueSpecSchema = z
  .strictObject({
    from: sourceText.optional(),
    const: z.string().optional(),
    template: templateText.optional(),
    /** Only when these hold; otherwise the value is empty. */
    when: conditions.optional(),
    fn: z
      .union([fnName, z.array(fnName)])
      .transform((f) => (Array.isArray(f) ? f : [f]))
      .optional(),
    /** A table of this mapping: "table" (string values) or "table.column" (object values). */
    lookup: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z][A-Za-z0-9_]*)?$/, 'use "table" or "table.column"')
      .optional(),
    /**
     * For a table with dated rows (`from`/`to` columns): the date (YYYY-MM-DD, e.g. `$serviceDate`) that picks the
     * row in force. Rows without dates apply on every date.
     */
    at: sourceText.optional(),
    /** A value not in the table: keep it as read, make it empty, or dead-letter the message (default). */
    unknown: z.enum(['keep', 'empty', 'error']).default('error'),
    /** Used when the value is still empty at the end: a literal, or a source such as "$sentSystem | \"CPT\"". */
    default: z.string().optional(),
    /** Dead-letter the message when the value is empty (output fields the record needs are always required). */
    required: z.boolean().default(false),
  })
  .superRefine((spec, ctx) => {
    const reads = [spec.from, spec.const, spec.template].filter((x) => x !== undefined).length;
    if (reads > 1) ctx.addIssue({ code: 'custom', message: 'use one of from, const and template' });
    if (reads === 0 && spec.default === undefined)
      ctx.addIssue({ code: 'custom', message: 'a value needs from, const, template or default' });
    if (spec.at !== undefined && spec.lookup === undefined)
      ctx.addIssue({ code: 'custom', path: ['at'], message: 'at picks a dated table row: it needs lookup' });
    if (spec.default !== undefined && spec.default.trim().startsWith('$')) {
      try {
        parseSource(spec.default);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `default: ${(err as Error).message}` });
      }
    }
  });
export type ValueSpecInput = z.input<typeof valueSpecSchema>;
export type ValueSpec = z.output<typeof valueSpecSchema>;

/**
 * A field: a source string (shorthand for { from }), one value spec, or a list of specs. For a one-value field
 * the list holds alternatives (the first non-empty wins); for a list field (modifiers, diagnoses) the values of
 * every spec are joined in order.
 */
const asSpec = (v: unknown): unknown => (typeof v === 'string' ? { from: v } : v);
const fieldValue = z.preprocess((v) => (Array.isArray(v) ? v.map(asSpec) : [asSpec(v)]), z.array(valueSpecSchema).min(1));
export type FieldValueSpec = ValueSpec[];

const segmentName = z.string().regex(/^[A-Z][A-Z0-9]{2}$/, 'a segment name such as FT1');
const ruleName = z.string().regex(/^[a-z][a-z0-9-]*$/, 'use lower-case letters, digits and dashes');
const varName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'letters, digits and _');

/** One reason to hold a charge: when these conditions hold, the record is written held with this reason. */
const holdSchema = z.strictObject({ when: conditions, reason: templateText });

export const ruleSchema = z.strictObject({
  /** Names the rule in errors and in the record's source key; unique within the mapping. */
  name: ruleName,
  output: z.enum(['charge', 'patient', 'coverage', 'merge']),
  /** One record per occurrence of this segment. */
  forEach: segmentName,
  /**
   * The segment group of one occurrence, including forEach (e.g. ORC, TQ1, RXA, RXR, OBX, NTE). Segments listed
   * before forEach open a new group; those listed after it join the current one (list a segment that may repeat
   * on both sides of forEach after it). Paths naming a group segment read inside the occurrence's group; others
   * read the nearest such segment before it (else the first in the message). Default: just forEach.
   */
  group: z.array(segmentName).min(1).optional(),
  /** The occurrence makes a record only when all hold. */
  when: conditions.optional(),
  /** Named intermediate values, usable as $name in later vars and in fields. */
  vars: z.record(varName, fieldValue).default({}),
  /** Makes the record a reversal of an earlier line (charges only). */
  reversal: z
    .strictObject({
      when: conditions,
      /** The transaction id of the line it reverses, matched with the same sender's charges of earlier messages. */
      of: fieldValue.optional(),
      /**
       * Another occurrence of this rule in the same message, named by its `lineId` (FT1-31 names an FT1-1 Set ID):
       * the charge that occurrence makes is the one reversed. A named occurrence that makes no charge lends its
       * `of` (the transaction id of a charge stored from an earlier message); a name matching no occurrence is ignored.
       */
      line: fieldValue.optional(),
      /** Each occurrence's own name for `line` (FT1-1). Required with `line`. */
      lineId: fieldValue.optional(),
      /** Then an active charge of an earlier message equal on these (amount compared as its magnitude). */
      match: z.array(z.enum(REVERSAL_MATCH_KEYS)).min(1).optional(),
      /** No charge found: dead-letter (error, default), drop the line (ignore), or a held negative charge (hold). */
      missing: z.enum(REVERSAL_MISSING).default('error'),
    })
    .optional(),
  /**
   * Charges only: write the record as a held charge (never claimed, listed with its reason) when the conditions of
   * one entry hold (the first that does gives the reason), instead of dead-lettering the message. Its code and
   * amount may then be empty (a table had no row). Never applies to a reversal. The reason is a template, e.g.
   * "no product code for CVX {$cvx} on {$serviceDate}".
   */
  hold: z
    .union([holdSchema, z.array(holdSchema).min(1)])
    .transform((h) => (Array.isArray(h) ? h : [h]))
    .optional(),
  /**
   * Charges only: what a charge line without an amount (nor unit amount) becomes. `error` (default): the message
   * dead-letters (MAPPING_FIELD_MISSING, field amount). `write`: the charge is written unpriced (amount empty,
   * marked unpriced); claim building prices it from the imported fee schedule in force on its date of service,
   * or holds it "no price" (docs/billing.md, Pricing). A reversal without an amount is unaffected.
   */
  unpriced: z.enum(['error', 'write']).default('error'),
  fields: z.record(z.string(), fieldValue),
});
export type RuleInput = z.input<typeof ruleSchema>;

/**
 * A lookup table: key → value, or key → { column: value }, or key → a list of { column: value } rows dated with
 * `from` / `to` (YYYY-MM-DD, inclusive; no `to` = open-ended) of which a lookup with `at` picks the one in force.
 * Keys are matched exactly, then with * wildcards.
 */
const cell = z.union([z.string(), z.number().transform(String)]);
const objectRow = z.record(z.string(), cell);
const tableSchema = z.record(z.string(), z.union([cell, objectRow, z.array(objectRow).min(1)]));

export const mappingFileSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9-]+$/, 'use lower-case letters, digits and dashes'),
    description: z.string().default(''),
    tables: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'letters, digits, _ and -'), tableSchema).default({}),
    records: z.array(ruleSchema).min(1),
  })
  .superRefine((file, ctx) => {
    let problems;
    try {
      problems = checkMappingFile(file);
    } catch {
      return; // an expression does not parse: its own key already reports that; cross-checks follow once it does
    }
    for (const p of problems) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
  });

export type MappingFile = z.output<typeof mappingFileSchema>;
