/**
 * The billing configuration, `billing/billing.yaml` (docs/billing.md): the pharmacy as billing provider, the
 * submitter and receiver of the 837P interchange, the payer table (name, claim filing indicator, claim route)
 * and a few defaults. Timely filing limits are payer rules (billing/payer-rules/*.yaml, read by the scrubber),
 * not kept here twice. Parsed like every config file (src/core/config-file.ts): YAML → ${ENV}
 * interpolation → strict zod schema → frozen value, every problem reported as file:line:col.
 *
 * Paths: `outboxDir` relative to the billing file's folder; absent = `<DATA_DIR>/outbox`.
 * Routes: a payer's `route` (837P or ncpdp) applies to every line billed to it unless `routeByService` names the
 * line's service kind. Only 837P claims are built; lines routed to NCPDP are left unclaimed and listed as such.
 */
import path from 'node:path';
import { z } from 'zod';
import { deepFreeze, labelOf, parseConfig, readConfig, type ParsedConfig } from '../core/config-file';
import { SERVICE_KINDS, type ServiceKind } from '../mappings/records';
import type { Address, BillingProvider, Interchange, Payer, ProviderRef } from './model';
import { isValidNpi } from './npi';

export const CLAIM_ROUTES = ['837P', 'ncpdp'] as const;
export type ClaimRoute = (typeof CLAIM_ROUTES)[number];

/** SBR09 claim filing indicator codes (005010X222A1). */
export const FILING_INDICATORS = [
  '11', '12', '13', '14', '15', '16', '17', 'AM', 'BL', 'CH', 'CI', 'DS', 'FI', 'HM', 'LM', 'MA', 'MB', 'MC', 'OF',
  'TV', 'VA', 'WC', 'ZZ',
] as const;

export const BILLING_DEFAULTS = Object.freeze({
  usage: 'T' as const,
  placeOfService: '01',
  qualifier: 'ZZ',
});

const msg = (text: string) => (iss: { path?: PropertyKey[] }) => `${labelOf(iss.path ?? [])} ${text}`;
const pattern = (re: RegExp, text: string) => z.string({ error: msg('must be text') }).regex(re, { error: msg(text) });
/** Free text that ends up in an X12 element: no separators (* ~ : ^), not empty, at most `max` characters. */
const x12Text = (max: number) =>
  pattern(/^[^*~:^|\r\n]+$/, 'must be text without * ~ : ^ or | (X12 separators)')
    .max(max, { error: msg(`must be at most ${max} characters`) });

const addressSchema = z.strictObject({
  line1: x12Text(55),
  line2: x12Text(55).optional(),
  city: x12Text(30),
  state: pattern(/^[A-Z]{2}$/, 'must be a two-letter state code such as NY'),
  zip: pattern(/^\d{5}(\d{4})?$/, 'must be 5 or 9 digits'),
});

const billingProviderSchema = z.strictObject({
  name: x12Text(60),
  npi: pattern(/^\d{10}$/, 'must be 10 digits'),
  taxIdType: z.enum(['EI', 'SY']),
  taxId: pattern(/^\d{9}$/, 'must be 9 digits'),
  taxonomy: pattern(/^[0-9A-Z]{9}X$/, 'must be a NUCC taxonomy code such as 3336C0003X'),
  // The billing provider's address must be physical and carry a 9-digit ZIP (DOMAIN §2.2 rule 8).
  address: addressSchema.extend({ zip: pattern(/^\d{9}$/, 'must be 9 digits (ZIP+4) for the billing provider') }),
  cliaNumber: pattern(/^\d{2}D\d{7}$/, 'must be a CLIA number such as 12D3456789').optional(),
}).superRefine((p, ctx) => {
  if (!isValidNpi(p.npi)) ctx.addIssue({ code: 'custom', path: ['npi'], message: 'npi fails its check digit (80840 Luhn)' });
  if (/\bP\.?\s*O\.?\s*BOX\b/i.test(`${p.address.line1} ${p.address.line2 ?? ''}`)) {
    ctx.addIssue({ code: 'custom', path: ['address', 'line1'], message: 'line1 must be a physical address, not a PO box (a PO box belongs in pay-to)' });
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

const payerSchema = z.strictObject({
  name: x12Text(60),
  /** SBR09 used when the coverage's plan type is not itself an SBR09 code. */
  filingIndicator: z.enum(FILING_INDICATORS, { error: msg('must be an SBR09 claim filing indicator code (CI, MB, MC, …)') }),
  route: routeSchema.default('837P'),
  routeByService: z.partialRecord(z.enum(SERVICE_KINDS, { error: msg(`must be a service kind: ${SERVICE_KINDS.join(', ')}`) }), routeSchema)
    .default({}),
  /**
   * The ids this payer's 835s carry (N1*PR N104, REF*2U, TRN03), so posting knows an 835 is from it and tells a
   * crossover payer's 835 apart; without it the payer id itself is compared (docs/billing.md).
   */
  remittanceIds: z.array(pattern(/^[A-Za-z0-9 .-]{1,80}$/, 'must be an id as an 835 gives it: 1 to 80 letters, digits, spaces, dots or dashes'))
    .default([]),
});

/** A person (or organisation) the claims name by NPI: the 837P needs a name for every rendering/ordering provider. */
const providerSchema = z.strictObject({
  familyName: x12Text(60).optional(),
  givenName: x12Text(35).optional(),
  organizationName: x12Text(60).optional(),
  taxonomy: pattern(/^[0-9A-Z]{9}X$/, 'must be a NUCC taxonomy code such as 183500000X').optional(),
}).refine((p) => Boolean(p.familyName || p.organizationName), { error: 'a provider needs familyName or organizationName' });

export const billingFileSchema = z.strictObject({
  billingProvider: billingProviderSchema,
  submitter: submitterSchema,
  receiver: receiverSchema,
  /** ISA15: P production, T test. */
  usage: z.enum(['P', 'T']).default(BILLING_DEFAULTS.usage),
  placeOfService: pattern(/^\d{2}$/, 'must be a two-digit place of service code such as 01').default(BILLING_DEFAULTS.placeOfService),
  outboxDir: z.string().min(1).optional(),
  /** NPI → name (and taxonomy) of the pharmacists and prescribers charges name. */
  providers: z.record(pattern(/^\d{10}$/, 'must be a 10-digit NPI (quote it)'), providerSchema).default({}),
  payers: z.record(pattern(/^[A-Za-z0-9-]{2,80}$/, 'must be a payer id: 2 to 80 letters, digits or dashes'), payerSchema)
    .refine((p) => Object.keys(p).length > 0, { error: 'payers needs at least one payer' }),
});

export type BillingFile = z.infer<typeof billingFileSchema>;

export interface PayerConfig extends Payer {
  filingIndicator: string;
  route: ClaimRoute;
  routeByService: Partial<Record<ServiceKind, ClaimRoute>>;
  /** The ids this payer's 835s carry; empty: its id is compared (src/billing/remittance/payer-match.ts). */
  remittanceIds: readonly string[];
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
  /** Named providers by NPI. */
  readonly providers: ReadonlyMap<string, Readonly<ProviderRef>>;
}

/** The route of one line: the payer's routeByService entry for its service kind, else the payer's route. */
export function routeFor(payer: Readonly<PayerConfig>, serviceKind: string): ClaimRoute {
  return payer.routeByService[serviceKind as ServiceKind] ?? payer.route;
}

/** Pure: a validated billing file → the config the billing code reads. */
export function buildBillingConfig(f: BillingFile, file: string, dataDir: string): BillingConfig {
  const address = (a: BillingFile['billingProvider']['address']): Address => ({ ...a });
  const payers = new Map<string, PayerConfig>();
  for (const [id, p] of Object.entries(f.payers)) {
    payers.set(id, {
      id, name: p.name, filingIndicator: p.filingIndicator, route: p.route, routeByService: { ...p.routeByService },
      remittanceIds: [...p.remittanceIds],
    });
  }
  return deepFreeze<BillingConfig>({
    file,
    billingProvider: { ...f.billingProvider, address: address(f.billingProvider.address) },
    interchange: {
      senderId: f.submitter.id, senderQualifier: f.submitter.qualifier,
      receiverId: f.receiver.id, receiverQualifier: f.receiver.qualifier,
      submitterName: f.submitter.name, submitterContactName: f.submitter.contactName, submitterPhone: f.submitter.phone,
      receiverName: f.receiver.name, usage: f.usage,
    },
    placeOfService: f.placeOfService,
    outboxDir: f.outboxDir ? path.resolve(path.dirname(path.resolve(file)), f.outboxDir) : path.join(dataDir, 'outbox'),
    payers,
    providers: new Map(Object.entries(f.providers).map(([npi, p]) => [npi, { npi, ...p }])),
  });
}

/** Parses billing YAML text (named `file` in issues). Throws ConfigError (CONFIG_INVALID) listing every issue. */
export function parseBillingConfigText(
  text: string, file: string, env: Record<string, string | undefined>, dataDir: string,
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
