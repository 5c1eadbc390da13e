/**
 * The billing configuration, `billing/billing.yaml` (docs/billing.md): the pharmacy as billing provider, the
 * submitter and receiver of the 837P interchange, the payer table (name, claim filing indicator, claim route)
 * and a few defaults. Timely filing limits are payer rules (billing/payer-rules/*.yaml, read by the scrubber),
 * not kept here twice. Parsed like every config file (src/core/config-file.ts): YAML → ${ENV}
 * interpolation → strict zod schema → frozen value, every problem reported as file:line:col.
 *
 * Code sets: `requiredCodeSets` names the sets (ICD-10-CM, NCCI PTP, MUE, MCE) a claim must be checked against,
 * by default and per payer; absent, ICD-10-CM for every payer. A claim whose date of service no loaded release
 * of a required set covers is held (src/billing/scrub/required.ts).
 *
 * Paths: `outboxDir` relative to the billing file's folder; absent = `<DATA_DIR>/outbox`.
 * Routes, most specific first: the payer's `routeByCode` entry for the line's code, then its `routeByCodeList`
 * entry for a named list (top-level `codeLists`) holding the code, then `routeByService` for the line's service
 * kind, then the payer's `route`. Only 837P claims are built; lines routed to NCPDP are left unclaimed and listed
 * as such. A list named by a payer must exist, and a payer may not route one code two ways through two lists.
 */
import path from 'node:path';
import { z } from 'zod';
import { deepFreeze, labelOf, parseConfig, readConfig, type ParsedConfig } from '../core/config-file';
import { SERVICE_KINDS, type ServiceKind } from '../mappings/records';
import type { Address, BillingProvider, Interchange, Payer, ProviderRef } from './model';
import { COB_KINDS, type CobKind } from './cob/order';
import { npiProblem } from './npi';
import { CPT_FORM, HCPCS_FORM } from './scrub/formats';
import { REQUIRABLE_CODE_SETS, type RequiredCodeSets } from './scrub/required';
import { FILING_INDICATOR_CODES } from './scrub/tables';
import { VFC_PRODUCT_LINES, type VfcProductLine } from './claims/vfc';
import { checkNamePattern, clearinghouseConfig, clearinghouseSchema, type ClearinghouseConfig } from '../clearinghouse/config';

export const CLAIM_ROUTES = ['837P', 'ncpdp'] as const;
export type ClaimRoute = (typeof CLAIM_ROUTES)[number];

export const BILLING_DEFAULTS = Object.freeze({
  usage: 'T' as const,
  placeOfService: '01',
  qualifier: 'ZZ',
});

const msg = (text: string) => (iss: { path?: PropertyKey[] }) => `${labelOf(iss.path ?? [])} ${text}`;
const pattern = (re: RegExp, text: string) => z.string({ error: msg('must be text') }).regex(re, { error: msg(text) });
/** Free text that ends up in an X12 element: no separators (* ~ : ^), not empty, at most `max` characters. */
const x12Text = (max: number) =>
  pattern(/^[^*~:^|\r\n]+$/, 'must be text without * ~ : ^ or | (X12 separators)').max(max, {
    error: msg(`must be at most ${max} characters`),
  });

const addressSchema = z.strictObject({
  line1: x12Text(55),
  line2: x12Text(55).optional(),
  city: x12Text(30),
  state: pattern(/^[A-Z]{2}$/, 'must be a two-letter state code such as NY'),
  zip: pattern(/^\d{5}(\d{4})?$/, 'must be 5 or 9 digits'),
});

const billingProviderSchema = z
  .strictObject({
    name: x12Text(60),
    npi: pattern(/^\d{10}$/, 'must be 10 digits'),
    taxIdType: z.enum(['EI', 'SY']),
    taxId: pattern(/^\d{9}$/, 'must be 9 digits'),
    taxonomy: pattern(/^[0-9A-Z]{9}X$/, 'must be a NUCC taxonomy code such as 3336C0003X'),
    // The billing provider's address must be physical and carry a 9-digit ZIP (DOMAIN §2.2 rule 8).
    address: addressSchema.extend({ zip: pattern(/^\d{9}$/, 'must be 9 digits (ZIP+4) for the billing provider') }),
    cliaNumber: pattern(/^\d{2}D\d{7}$/, 'must be a CLIA number such as 12D3456789').optional(),
  })
  .superRefine((p, ctx) => {
    const why = npiProblem(p.npi);
    if (why)
      ctx.addIssue({
        code: 'custom',
        path: ['npi'],
        message: why === 'fails its check digit' ? 'npi fails its check digit (80840 Luhn)' : `npi ${why}`,
      });
    if (/\bP\.?\s*O\.?\s*BOX\b/i.test(`${p.address.line1} ${p.address.line2 ?? ''}`)) {
      ctx.addIssue({
        code: 'custom',
        path: ['address', 'line1'],
        message: 'line1 must be a physical address, not a PO box (a PO box belongs in pay-to)',
      });
    }
  });

const partyId = pattern(/^[A-Za-z0-9 .-]{2,15}$/, 'must be 2 to 15 letters, digits, spaces, dots or dashes');
const qualifier = pattern(/^[0-9A-Z]{2}$/, 'must be a two-character ISA qualifier such as ZZ');

const submitterSchema = z.strictObject({
  id: partyId,
  qualifier: qualifier.default(BILLING_DEFAULTS.qualifier),
  name: x12Text(60),
  contactName: x12Text(60),
  phone: pattern(/^\d{10}$/, 'must be 10 digits'),
});

const receiverSchema = z.strictObject({
  id: partyId,
  qualifier: qualifier.default(BILLING_DEFAULTS.qualifier),
  name: x12Text(60),
});

const routeSchema = z.enum(CLAIM_ROUTES, { error: msg(`must be ${CLAIM_ROUTES.join(' or ')}`) });

/** A CPT or HCPCS code as a key or list item: quoted, because YAML reads 90750 as a number. */
const isBilledCode = (c: string): boolean => CPT_FORM.test(c) || HCPCS_FORM.test(c);
const billedCode = z
  .string({ error: msg('must be a quoted CPT or HCPCS code such as "90750"') })
  .refine(isBilledCode, { error: msg('must be a CPT or HCPCS code such as "90750" or G0008') });
const listName = pattern(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'must be a code list name: a letter, then letters, digits, _ or -');

/** A payer id as a feed's coverage carries it (IN1-3.1). */
export const FEED_ID = /^[A-Za-z0-9 ._-]{1,80}$/;
const FEED_ID_TEXT = 'must be a payer id as the feed sends it: 1 to 80 letters, digits, spaces, dots, _ or dashes';

const payerSchema = z.strictObject({
  name: x12Text(60),
  /** SBR09 of every claim to this payer; the coverage's plan type never overrides it (a mismatch is a warning). */
  filingIndicator: z.enum(FILING_INDICATOR_CODES, { error: msg('must be an SBR09 claim filing indicator code (CI, MB, MC, …)') }),
  route: routeSchema.default('837P'),
  routeByService: z
    .partialRecord(z.enum(SERVICE_KINDS, { error: msg(`must be a service kind: ${SERVICE_KINDS.join(', ')}`) }), routeSchema)
    .default({}),
  /** Route per billed code: wins over everything else. */
  routeByCode: z.record(z.string(), routeSchema).default({}),
  /** Route per named code list (top-level codeLists): wins over routeByService. */
  routeByCodeList: z.record(listName, routeSchema).default({}),
  /** State-supplied (VFC) vaccine products: no line (none) or the product CPT with SL at 0.00 (sl-zero). */
  vfcProductLine: z.enum(VFC_PRODUCT_LINES, { error: msg(`must be ${VFC_PRODUCT_LINES.join(' or ')}`) }).default('none'),
  /**
   * The ids this payer's 835s carry (N1*PR N104, REF*2U, TRN03), so posting knows an 835 is from it and tells a
   * crossover payer's 835 apart; without it the payer id itself is compared (docs/billing.md).
   */
  /**
   * How this payer coordinates with Medicare (src/billing/cob/order.ts): `auto` (a plan with a group number whose
   * subscriber is the patient or spouse pays before Medicare), `employer-group` (always so), `supplement` (Medigap)
   * or `retiree` (pays after Medicare).
   */
  cob: z.enum(COB_KINDS, { error: msg(`must be ${COB_KINDS.join(', ')}`) }).default('auto'),
  remittanceIds: z
    .array(pattern(/^[A-Za-z0-9 .-]{1,80}$/, 'must be an id as an 835 gives it: 1 to 80 letters, digits, spaces, dots or dashes'))
    .default([]),
  /** The clearinghouse (top-level `clearinghouses`) its 837P batches go through; absent: `defaultClearinghouse`. */
  clearinghouse: pattern(/^[A-Za-z0-9_-]{1,40}$/, 'must be a clearinghouse name from clearinghouses').optional(),
  /**
   * The payer ids the feeds' coverages carry for this payer when they differ from its id (IN1-3.1 as stored, after
   * the ADT mapping's payerIds table): a coverage with one of them bills this payer, with no ADT replay.
   */
  feedIds: z.array(pattern(FEED_ID, FEED_ID_TEXT)).default([]),
});

/** A person (or organisation) the claims name by NPI: the 837P needs a name for every rendering/ordering provider. */
const providerSchema = z
  .strictObject({
    familyName: x12Text(60).optional(),
    givenName: x12Text(35).optional(),
    organizationName: x12Text(60).optional(),
    taxonomy: pattern(/^[0-9A-Z]{9}X$/, 'must be a NUCC taxonomy code such as 183500000X').optional(),
  })
  .refine((p) => Boolean(p.familyName || p.organizationName), { error: 'a provider needs familyName or organizationName' });

const codeSetList = z
  .array(z.enum(REQUIRABLE_CODE_SETS, { error: msg(`must be a code set the scrubber can require: ${REQUIRABLE_CODE_SETS.join(', ')}`) }))
  .refine((l) => new Set(l).size === l.length, { error: msg('names a code set twice') });

/** Which code sets must be loaded (a release covering each date of service) before a claim may go out. */
const requiredCodeSetsSchema = z.strictObject({
  /** Every payer not listed under `payers`. */
  default: codeSetList.default(['icd10cm']),
  /** Payer id → its own list, replacing the default for that payer. */
  payers: z.record(z.string(), codeSetList).default({}),
});

export const billingFileSchema = z
  .strictObject({
    billingProvider: billingProviderSchema,
    submitter: submitterSchema,
    receiver: receiverSchema,
    /** ISA15: P production, T test. */
    usage: z.enum(['P', 'T']).default(BILLING_DEFAULTS.usage),
    placeOfService: pattern(/^\d{2}$/, 'must be a two-digit place of service code such as 01').default(BILLING_DEFAULTS.placeOfService),
    outboxDir: z.string().min(1).optional(),
    /** NPI → name (and taxonomy) of the pharmacists and prescribers charges name. */
    providers: z.record(pattern(/^\d{10}$/, 'must be a 10-digit NPI (quote it)'), providerSchema).default({}),
    /** Named lists of CPT/HCPCS codes that payers route by (routeByCodeList), e.g. the Part D vaccines. */
    codeLists: z.record(listName, z.array(billedCode).min(1, { error: msg('must list at least one code') })).default({}),
    payers: z
      .record(pattern(/^[A-Za-z0-9-]{2,80}$/, 'must be a payer id: 2 to 80 letters, digits or dashes'), payerSchema)
      .refine((p) => Object.keys(p).length > 0, { error: 'payers needs at least one payer' }),
    requiredCodeSets: requiredCodeSetsSchema.default({ default: ['icd10cm'], payers: {} }),
    /** Name → how batches reach it and its answers come back (src/clearinghouse/config.ts). */
    clearinghouses: z
      .record(pattern(/^[A-Za-z0-9_-]{1,40}$/, 'must be a clearinghouse name: 1 to 40 letters, digits, _ or -'), clearinghouseSchema)
      .default({}),
    /** The clearinghouse of every payer that names none; absent: such payers' batches stay in the outbox. */
    defaultClearinghouse: z.string().optional(),
  })
  .superRefine((f, ctx) => {
    const named = (name: string | undefined, where: PropertyKey[], key: string) => {
      if (name !== undefined && !Object.prototype.hasOwnProperty.call(f.clearinghouses, name)) {
        ctx.addIssue({ code: 'custom', path: where, message: `${key} names clearinghouse "${name}", which is not in clearinghouses` });
      }
    };
    named(f.defaultClearinghouse, ['defaultClearinghouse'], 'defaultClearinghouse');
    for (const [id, payer] of Object.entries(f.payers)) named(payer.clearinghouse, ['payers', id, 'clearinghouse'], 'clearinghouse');
    for (const [name, ch] of Object.entries(f.clearinghouses)) {
      const why = checkNamePattern(ch.fileNamePattern);
      if (why) ctx.addIssue({ code: 'custom', path: ['clearinghouses', name, 'fileNamePattern'], message: `fileNamePattern ${why}` });
      const why270 = checkNamePattern(ch.eligibilityFileNamePattern, '270');
      if (why270)
        ctx.addIssue({
          code: 'custom',
          path: ['clearinghouses', name, 'eligibilityFileNamePattern'],
          message: `eligibilityFileNamePattern ${why270}`,
        });
    }
    for (const id of Object.keys(f.requiredCodeSets.payers)) {
      if (!Object.prototype.hasOwnProperty.call(f.payers, id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['requiredCodeSets', 'payers', id],
          message: `requiredCodeSets names payer ${id}, which is not in payers`,
        });
      }
    }
    const feedIdOwner = new Map<string, string>();
    for (const [id, payer] of Object.entries(f.payers)) {
      payer.feedIds.forEach((feedId, i) => {
        const other = Object.prototype.hasOwnProperty.call(f.payers, feedId) ? feedId : feedIdOwner.get(feedId);
        if (other !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['payers', id, 'feedIds', i],
            message: `feed id ${feedId} already bills payer ${other}: a feed id names one payer`,
          });
        }
        feedIdOwner.set(feedId, id);
      });
      for (const code of Object.keys(payer.routeByCode)) {
        if (!isBilledCode(code)) {
          ctx.addIssue({
            code: 'custom',
            path: ['payers', id, 'routeByCode', code],
            message: `routeByCode key "${code}" must be a CPT or HCPCS code such as "90750" or G0008`,
          });
        }
      }
      const routedBy = new Map<string, { list: string; route: ClaimRoute }>();
      for (const [name, route] of Object.entries(payer.routeByCodeList)) {
        const codes = f.codeLists[name];
        if (!codes) {
          ctx.addIssue({
            code: 'custom',
            path: ['payers', id, 'routeByCodeList', name],
            message: `code list "${name}" is not in codeLists`,
          });
          continue;
        }
        for (const code of codes) {
          const earlier = routedBy.get(code);
          if (earlier && earlier.route !== route && payer.routeByCode[code] === undefined) {
            ctx.addIssue({
              code: 'custom',
              path: ['payers', id, 'routeByCodeList', name],
              message: `code ${code} is in code lists "${earlier.list}" (${earlier.route}) and "${name}" (${route}): route it in routeByCode to say which wins`,
            });
          }
          routedBy.set(code, { list: name, route });
        }
      }
    }
  });

export type BillingFile = z.infer<typeof billingFileSchema>;

/** Where a code is routed for one payer, and why (routeByCode, or the named list of routeByCodeList). */
export interface CodeRoute {
  route: ClaimRoute;
  /** The code list that routes it; absent when routeByCode names the code itself. */
  list?: string;
}

export interface PayerConfig extends Payer {
  filingIndicator: string;
  route: ClaimRoute;
  routeByService: Partial<Record<ServiceKind, ClaimRoute>>;
  /** routeByCode and routeByCodeList resolved per code (routeByCode wins). */
  codeRoutes: Readonly<Record<string, CodeRoute>>;
  /** What a claim carries for a state-supplied (VFC) vaccine product (src/billing/claims/vfc.ts). */
  vfcProductLine: VfcProductLine;
  /** The ids this payer's 835s carry; empty: its id is compared (src/billing/remittance/payer-match.ts). */
  remittanceIds: readonly string[];
  /** How it coordinates with Medicare (src/billing/cob/order.ts). */
  cob: CobKind;
  /** The clearinghouse its batches are uploaded to (its own, else the default); undefined: they stay in the outbox. */
  clearinghouse?: string;
}

/** What decided a line's route, most specific first. */
export type RouteSource = 'code' | 'code-list' | 'service-kind' | 'payer';

export interface LineRoute {
  route: ClaimRoute;
  by: RouteSource;
  /** For `code-list`: the list's name. */
  list?: string;
}

/** What claim building, batching and the 837P writer read. Frozen. */
export interface BillingConfig {
  readonly file: string;
  readonly billingProvider: BillingProvider;
  readonly interchange: Interchange;
  readonly placeOfService: string;
  /** Absolute directory the 837P batch files are written to. */
  readonly outboxDir: string;
  readonly payers: ReadonlyMap<string, Readonly<PayerConfig>>;
  /** A feed's payer id (a payer's `feedIds`) → the configured payer id it bills; see payerOf. */
  readonly feedIds: ReadonlyMap<string, string>;
  /** Named providers by NPI. */
  readonly providers: ReadonlyMap<string, Readonly<ProviderRef>>;
  /** Which code sets the scrubber requires, per payer (src/billing/scrub/required.ts). */
  readonly requiredCodeSets: RequiredCodeSets;
  /** Clearinghouses by name (src/clearinghouse/config.ts); empty: batches stay in the outbox for an operator. */
  readonly clearinghouses: ReadonlyMap<string, Readonly<ClearinghouseConfig>>;
}

/** The configured payer a coverage's payer id bills: the payer of that id, else the payer listing it in `feedIds`. */
export function payerOf(config: Pick<BillingConfig, 'payers' | 'feedIds'>, id: string): Readonly<PayerConfig> | undefined {
  const own = config.payers.get(id);
  if (own) return own;
  const alias = config.feedIds.get(id);
  return alias === undefined ? undefined : config.payers.get(alias);
}

/** The route of one line (see lineRoute); without a code, by service kind then the payer's route. */
export function routeFor(payer: Readonly<PayerConfig>, serviceKind: string, code?: string): ClaimRoute {
  return lineRoute(payer, { serviceKind, code }).route;
}

/**
 * The route of one line and what decided it, most specific first: routeByCode for its code, routeByCodeList for a
 * list holding its code, routeByService for its service kind, the payer's route.
 */
export function lineRoute(payer: Readonly<PayerConfig>, line: { serviceKind: string; code?: string }): LineRoute {
  const byCode = line.code === undefined ? undefined : own(payer.codeRoutes, line.code.toUpperCase());
  if (byCode)
    return byCode.list === undefined ? { route: byCode.route, by: 'code' } : { route: byCode.route, by: 'code-list', list: byCode.list };
  const byKind = own(payer.routeByService, line.serviceKind as ServiceKind);
  if (byKind) return { route: byKind, by: 'service-kind' };
  return { route: payer.route, by: 'payer' };
}

function own<T>(record: Readonly<Partial<Record<string, T>>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/** routeByCode over routeByCodeList, per code. */
function codeRoutesOf(p: BillingFile['payers'][string], lists: BillingFile['codeLists']): Record<string, CodeRoute> {
  const out: Record<string, CodeRoute> = {};
  for (const [name, route] of Object.entries(p.routeByCodeList)) {
    for (const code of lists[name] ?? []) out[code] = { route, list: name };
  }
  for (const [code, route] of Object.entries(p.routeByCode)) out[code] = { route };
  return out;
}

/** Pure: a validated billing file → the config the billing code reads. */
export function buildBillingConfig(f: BillingFile, file: string, dataDir: string): BillingConfig {
  const address = (a: BillingFile['billingProvider']['address']): Address => ({ ...a });
  const payers = new Map<string, PayerConfig>();
  for (const [id, p] of Object.entries(f.payers)) {
    payers.set(id, {
      id,
      name: p.name,
      filingIndicator: p.filingIndicator,
      cob: p.cob,
      route: p.route,
      routeByService: { ...p.routeByService },
      codeRoutes: codeRoutesOf(p, f.codeLists),
      vfcProductLine: p.vfcProductLine,
      remittanceIds: [...p.remittanceIds],
      ...((p.clearinghouse ?? f.defaultClearinghouse) ? { clearinghouse: p.clearinghouse ?? f.defaultClearinghouse } : {}),
    });
  }
  return deepFreeze<BillingConfig>({
    file,
    billingProvider: { ...f.billingProvider, address: address(f.billingProvider.address) },
    interchange: {
      senderId: f.submitter.id,
      senderQualifier: f.submitter.qualifier,
      receiverId: f.receiver.id,
      receiverQualifier: f.receiver.qualifier,
      submitterName: f.submitter.name,
      submitterContactName: f.submitter.contactName,
      submitterPhone: f.submitter.phone,
      receiverName: f.receiver.name,
      usage: f.usage,
    },
    placeOfService: f.placeOfService,
    outboxDir: f.outboxDir ? path.resolve(path.dirname(path.resolve(file)), f.outboxDir) : path.join(dataDir, 'outbox'),
    payers,
    feedIds: new Map(Object.entries(f.payers).flatMap(([id, p]) => p.feedIds.map((feedId) => [feedId, id] as const))),
    providers: new Map(Object.entries(f.providers).map(([npi, p]) => [npi, { npi, ...p }])),
    requiredCodeSets: { default: [...f.requiredCodeSets.default], payers: { ...f.requiredCodeSets.payers } },
    clearinghouses: new Map(Object.entries(f.clearinghouses).map(([name, c]) => [name, clearinghouseConfig(name, c, file)])),
  });
}

/** Parses billing YAML text (named `file` in issues). Throws ConfigError (CONFIG_INVALID) listing every issue. */
export function parseBillingConfigText(
  text: string,
  file: string,
  env: Record<string, string | undefined>,
  dataDir: string,
): BillingConfig {
  return fromParsed(parseConfig(text, file, billingFileSchema, env), dataDir);
}

/** Reads and parses a billing file. An unreadable file is a ConfigError too. */
export function loadBillingConfig(file: string, env: Record<string, string | undefined>, dataDir: string): BillingConfig {
  return fromParsed(readConfig(file, billingFileSchema, env), dataDir);
}

function fromParsed(parsed: ParsedConfig<BillingFile>, dataDir: string): BillingConfig {
  return buildBillingConfig(parsed.value, parsed.file, dataDir);
}
