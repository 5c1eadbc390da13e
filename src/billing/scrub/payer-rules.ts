/**
 * Payer rules as versioned data (DOMAIN.md §4 "payer-specific parts are data keyed by payer ID and effective
 * date"): billing/payer-rules/*.yaml, parsed here from text (pure; ./payer-rules-files.ts reads the folder).
 *
 * File format (every key but `rules` optional; docs in billing/payer-rules/default.yaml):
 *   description: text
 *   rules:
 *     - payers: ["SYNMCR01"]        # payer ids (2010BB NM109), quoted; ["*"] = every payer (the defaults)
 *       from: 2024-01-01             # effective dates of service, inclusive
 *       to: 2025-12-31               # inclusive; omitted = open-ended
 *       timelyFilingDays: 90         # or timelyFilingYears: 1 (calendar years; a Feb 29 DOS ends on Feb 28)
 *       medicarePartB: true          # G0008-G0010 one-to-one with flu/pneumo/hep B products, no 90471-90474
 *                                    # for them, no Part D vaccines (Medicare Part B policy)
 *       acceptsCorrections: false    # the payer takes no electronic replacement (frequency 7) or void (8)
 *                                    # claims: such a claim is held (rule corrections-accepted) and the biller
 *                                    # corrects the claim the payer's way (portal, paper, phone); the held
 *                                    # correction stays as the record; default true
 *       maxUnitsPerLine: 99          # sanity ceiling for any code
 *       maxUnits: { "90471": 1 }     # per code (e.g. the CMS MUE)
 *       requiredModifiers:           # e.g. SL on state-supplied (zero-charge) vaccine products for Medicaid
 *         - { modifier: SL, serviceKinds: [vaccine-product], zeroChargeOnly: true, reason: state-supplied vaccine }
 *       orderingProviderRequiredFor: ["80047-89398"]   # codes or ranges ("G0000-G9999") whose lines must name an
 *                                    # ordering provider (2420E NM1*DK), e.g. Medicare clinical lab tests;
 *                                    # a line without one is an error (rule ordering-provider-required)
 *
 * Resolution for (payer id, date of service): built-in defaults, then the "*" entry effective on the date,
 * then the payer's own entry effective on the date. Scalars replace, maxUnits merge per code,
 * requiredModifiers add up, orderingProviderRequiredFor replaces (a payer's list, even [], stands for the
 * default's). Two entries for the same payer id (or "*") may not overlap in dates, across all
 * files: every problem is a ConfigError issue at file:line:col.
 */
import { z } from 'zod';
import { ConfigError, labelOf, parseConfig, sortIssues, type ConfigIssue, type ParsedConfig } from '../../core/config-file';
import { SERVICE_KINDS } from '../../mappings/records';
import { parseCodeRange, type CodeRange } from './code-ranges';
import { isIsoDate } from './dates';
import { CPT_FORM, HCPCS_FORM, MODIFIER_FORM } from './formats';

export interface RequiredModifier {
  modifier: string;
  /** The line's code must be one of these (when given). */
  codes?: readonly string[];
  /** The line's service kind must be one of these (when given). */
  serviceKinds?: readonly string[];
  /** Only lines billed at 0.00 (e.g. state-supplied vaccine). */
  zeroChargeOnly: boolean;
  /** Why, in plain words, for the finding. */
  reason: string;
}

export interface TimelyFiling {
  amount: number;
  unit: 'days' | 'years';
}

/** The payer rules in force for one payer on one date of service. */
export interface PayerPolicy {
  payerId: string;
  dateOfService: string;
  timelyFiling: TimelyFiling;
  medicarePartB: boolean;
  /** False: the payer takes no electronic replacement (7) or void (8) claims. */
  acceptsCorrections: boolean;
  maxUnitsPerLine: number;
  maxUnits: Readonly<Record<string, number>>;
  requiredModifiers: readonly RequiredModifier[];
  /** Codes whose lines must name an ordering provider (2420E), e.g. clinical lab tests for Medicare. */
  orderingProviderRequiredFor: readonly CodeRange[];
  /** The entries that applied, as file:line, in the order applied. */
  sources: readonly string[];
}

export interface PayerRules {
  payerRulesFor(payerId: string, dateOfService: string): PayerPolicy;
}

/**
 * What applies when no file says anything: 365 days timely filing, no Medicare policy, electronic replacements
 * and voids accepted, 99 units a line.
 */
export const BUILT_IN_POLICY: Omit<PayerPolicy, 'payerId' | 'dateOfService' | 'sources'> = Object.freeze({
  timelyFiling: Object.freeze({ amount: 365, unit: 'days' as const }),
  medicarePartB: false,
  acceptsCorrections: true,
  maxUnitsPerLine: 99,
  maxUnits: Object.freeze({}),
  requiredModifiers: Object.freeze([]),
  orderingProviderRequiredFor: Object.freeze([]),
});

// ---------------------------------------------------------------------------------------------------------------
// Schema

const ANY_PAYER = '*';
const PAYER_ID = /^[A-Za-z0-9*][A-Za-z0-9 ._-]{0,79}$/;

/** Text that YAML would read as a number when unquoted (payer ids, codes): say so plainly. */
const quotedText = (what: string) =>
  z.string({
    error: (iss) => `${labelOf(iss.path ?? [])} must be quoted text (${what}); YAML reads bare digits as a number and drops leading zeros`,
  });

const payerId = quotedText('a payer id, e.g. "00431"').regex(PAYER_ID, {
  error: (iss) => `${labelOf(iss.path ?? [])} is not a payer id (letters, digits, space . _ -; at most 80)`,
});

const isCode = (code: string): boolean => CPT_FORM.test(code) || HCPCS_FORM.test(code);
const code = quotedText('a CPT/HCPCS code, e.g. "90471"').refine(isCode, {
  error: (iss) => `${labelOf(iss.path ?? [])} is not a CPT or HCPCS code`,
});

const codeOrRange = quotedText('a CPT/HCPCS code or a range such as "80047-89398"').refine((t) => parseCodeRange(t) !== undefined, {
  error: (iss) =>
    `${labelOf(iss.path ?? [])} is not a CPT/HCPCS code or a range of codes of one shape ("80047-89398", "G0000-G9999", low end first)`,
});

const isoDate = z
  .string({ error: (iss) => `${labelOf(iss.path ?? [])} must be a date written YYYY-MM-DD` })
  .refine(isIsoDate, { error: (iss) => `${labelOf(iss.path ?? [])} must be a date written YYYY-MM-DD` });

const requiredModifierSchema = z
  .strictObject({
    modifier: z.string().regex(MODIFIER_FORM, { error: 'modifier must be 2 capital letters or digits' }),
    codes: z.array(code).min(1).optional(),
    serviceKinds: z.array(z.enum(SERVICE_KINDS)).min(1).optional(),
    zeroChargeOnly: z.boolean().default(false),
    reason: z.string().min(1),
  })
  .refine((r) => r.codes !== undefined || r.serviceKinds !== undefined, {
    error: 'a required modifier needs codes or serviceKinds (or both) to say which lines it applies to',
  });

const entrySchema = z
  .strictObject({
    payers: z.array(payerId).min(1),
    from: isoDate,
    to: isoDate.optional(),
    note: z.string().optional(),
    timelyFilingDays: z.number().int().min(1).max(3650).optional(),
    timelyFilingYears: z.number().int().min(1).max(10).optional(),
    medicarePartB: z.boolean().optional(),
    acceptsCorrections: z.boolean().optional(),
    maxUnitsPerLine: z.number().int().min(1).optional(),
    maxUnits: z.record(z.string(), z.number().int().min(1)).optional(),
    requiredModifiers: z.array(requiredModifierSchema).optional(),
    orderingProviderRequiredFor: z.array(codeOrRange).optional(),
  })
  .superRefine((e, ctx) => {
    if (e.to !== undefined && e.to < e.from) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: `to (${e.to}) is before from (${e.from})` });
    }
    if (e.timelyFilingDays !== undefined && e.timelyFilingYears !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['timelyFilingYears'], message: 'give timelyFilingDays or timelyFilingYears, not both' });
    }
    if (e.payers.includes(ANY_PAYER) && e.payers.length > 1) {
      ctx.addIssue({ code: 'custom', path: ['payers'], message: '"*" (every payer) must stand alone in payers' });
    }
    e.payers.forEach((id, i) => {
      if (e.payers.indexOf(id) !== i) ctx.addIssue({ code: 'custom', path: ['payers', i], message: `payer "${id}" is listed twice` });
    });
    for (const key of Object.keys(e.maxUnits ?? {})) {
      if (!isCode(key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['maxUnits', key],
          message: `maxUnits key "${key}" is not a CPT or HCPCS code (quote codes with leading zeros)`,
        });
      }
    }
  });

export const payerRulesFileSchema = z.strictObject({
  description: z.string().optional(),
  rules: z.array(entrySchema).min(1),
});

export type PayerRulesFile = z.infer<typeof payerRulesFileSchema>;
type Entry = PayerRulesFile['rules'][number];

// ---------------------------------------------------------------------------------------------------------------
// Parsing (pure)

interface PlacedEntry {
  entry: Entry;
  /** file:line of the entry, for PayerPolicy.sources and overlap issues. */
  where: string;
  parsed: ParsedConfig<PayerRulesFile>;
  index: number;
}

/**
 * Parses payer rule files given as text (`file` names them in issues). Throws one ConfigError listing every
 * problem of every file, including date ranges that overlap for the same payer id across files.
 */
export function parsePayerRules(
  files: ReadonlyArray<{ file: string; text: string }>,
  env: Record<string, string | undefined> = {},
): PayerRules {
  const issues: ConfigIssue[] = [];
  const placed: PlacedEntry[] = [];
  for (const { file, text } of files) {
    let parsed: ParsedConfig<PayerRulesFile>;
    try {
      parsed = parseConfig(text, file, payerRulesFileSchema, env);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      issues.push(...err.issues);
      continue;
    }
    parsed.value.rules.forEach((entry, index) => {
      const pos = parsed.locate(['rules', index]);
      placed.push({ entry, where: `${file}:${pos.line}`, parsed, index });
    });
  }
  issues.push(...overlaps(placed));
  if (issues.length > 0)
    throw new ConfigError(
      sortIssues(
        issues,
        files.map((f) => f.file),
      ),
    );
  return payerRulesOf(placed);
}

/** Payer rules with no files: BUILT_IN_POLICY for every payer and date. */
export const NO_PAYER_RULES: PayerRules = payerRulesOf([]);

function overlaps(placed: readonly PlacedEntry[]): ConfigIssue[] {
  const byPayer = new Map<string, PlacedEntry[]>();
  for (const p of placed) {
    for (const id of new Set(p.entry.payers)) {
      const list = byPayer.get(id) ?? [];
      list.push(p);
      byPayer.set(id, list);
    }
  }
  const issues: ConfigIssue[] = [];
  for (const [id, list] of byPayer) {
    const sorted = [...list].sort((a, b) => (a.entry.from < b.entry.from ? -1 : a.entry.from > b.entry.from ? 1 : 0));
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1]!;
      const next = sorted[i]!;
      if (prev.entry.to === undefined || prev.entry.to >= next.entry.from) {
        const until = prev.entry.to === undefined ? 'with no end date' : `until ${prev.entry.to}`;
        issues.push(
          next.parsed.issueAt(
            ['rules', next.index, 'from'],
            `payer "${id}" already has rules from ${prev.entry.from} ${until} (${prev.where}); date ranges must not overlap`,
          ),
        );
      }
    }
  }
  return issues;
}

/** How many (payer, date of service) policies a PayerRules keeps resolved before it starts over. */
const MAX_CACHED_POLICIES = 4096;

/**
 * Resolution is pure, so each (payer id, date of service) is resolved once and the frozen policy is handed out
 * again: scrubbing asks for the same few payers and dates for every line of every claim. The cache is bounded
 * (cleared when full) so a long-running engine does not grow it without end.
 */
function payerRulesOf(placed: readonly PlacedEntry[]): PayerRules {
  const effective = (id: string, dos: string): PlacedEntry | undefined =>
    placed.find((p) => p.entry.payers.includes(id) && p.entry.from <= dos && (p.entry.to === undefined || dos <= p.entry.to));
  const resolve = (payerId: string, dateOfService: string): PayerPolicy => {
    const applied = [effective(ANY_PAYER, dateOfService), payerId === ANY_PAYER ? undefined : effective(payerId, dateOfService)].filter(
      (p): p is PlacedEntry => p !== undefined,
    );
    return freezePolicy(
      applied.reduce<PayerPolicy>((policy, p) => apply(policy, p), { ...BUILT_IN_POLICY, payerId, dateOfService, sources: [] }),
    );
  };
  const byPayer = new Map<string, Map<string, PayerPolicy>>();
  let cached = 0;
  return Object.freeze({
    payerRulesFor(payerId: string, dateOfService: string): PayerPolicy {
      let byDate = byPayer.get(payerId);
      let policy = byDate?.get(dateOfService);
      if (policy) return policy;
      if (cached >= MAX_CACHED_POLICIES) {
        byPayer.clear();
        cached = 0;
        byDate = undefined;
      }
      if (!byDate) {
        byDate = new Map();
        byPayer.set(payerId, byDate);
      }
      policy = resolve(payerId, dateOfService);
      byDate.set(dateOfService, policy);
      cached++;
      return policy;
    },
  });
}

/** The policy and everything in it frozen: it is shared by every caller asking for the same payer and date. */
function freezePolicy(policy: PayerPolicy): PayerPolicy {
  Object.freeze(policy.timelyFiling);
  Object.freeze(policy.maxUnits);
  for (const req of policy.requiredModifiers) {
    if (req.codes) Object.freeze(req.codes);
    if (req.serviceKinds) Object.freeze(req.serviceKinds);
    Object.freeze(req);
  }
  Object.freeze(policy.requiredModifiers);
  for (const range of policy.orderingProviderRequiredFor) Object.freeze(range);
  Object.freeze(policy.orderingProviderRequiredFor);
  Object.freeze(policy.sources);
  return Object.freeze(policy);
}

function apply(policy: PayerPolicy, { entry, where }: PlacedEntry): PayerPolicy {
  const timelyFiling: TimelyFiling =
    entry.timelyFilingDays !== undefined
      ? { amount: entry.timelyFilingDays, unit: 'days' }
      : entry.timelyFilingYears !== undefined
        ? { amount: entry.timelyFilingYears, unit: 'years' }
        : policy.timelyFiling;
  return {
    ...policy,
    timelyFiling,
    medicarePartB: entry.medicarePartB ?? policy.medicarePartB,
    acceptsCorrections: entry.acceptsCorrections ?? policy.acceptsCorrections,
    maxUnitsPerLine: entry.maxUnitsPerLine ?? policy.maxUnitsPerLine,
    maxUnits: { ...policy.maxUnits, ...entry.maxUnits },
    requiredModifiers: [...policy.requiredModifiers, ...(entry.requiredModifiers ?? [])],
    orderingProviderRequiredFor:
      entry.orderingProviderRequiredFor !== undefined
        ? entry.orderingProviderRequiredFor.map((t) => parseCodeRange(t)!)
        : policy.orderingProviderRequiredFor,
    sources: [...policy.sources, where],
  };
}
