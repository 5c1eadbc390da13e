/**
 * Claim building (pure): unclaimed charges + their patients and coverages + the billing config → claim drafts
 * (the 837P model of ../model.ts without an id), plus the charges that could not be claimed and why.
 *
 * Rules (docs/billing.md "How charges become claims"):
 * - Only `active` charges are claimed; a reversed charge or a reversal line never is.
 * - A charge bills the coverage in force on its date of service (open-ended dates count; lowest priority number,
 *   then the newest as_of), resolved now, so a coverage that arrived after the charge is used.
 * - Held, not claimed: a charge the mapping wrote held (its reason is the mapping's: e.g. no product code for a
 *   CVX on that date); no coverage on the date of service; a coverage without a payer id; a payer not in
 *   billing.yaml; a code system an 837P line cannot carry (only CPT and HCPCS). Excluded: lines the payer routes
 *   to NCPDP (config.ts lineRoute: by code, code list, service kind, payer). A vaccine administration whose own
 *   code and lists say nothing goes where its product's code or code list sends it (a Part D vaccine and its
 *   administration leave together). Both lists name each charge, so nothing is dropped silently; they are
 *   claimed on a later build once the cause is fixed (new coverage, payer added; a held charge once a replay
 *   of its message replaces it). State-supplied (VFC) vaccine products for a payer that takes no product line for
 *   them are excluded.
 * - A charge the feed sent without an amount is priced first from the fee schedule in force on its date of
 *   service (./pricing.ts), whatever its route; with no row it is held "no price" (no-price) until a schedule
 *   covering it is imported. Each priced line gets an info note (priced-from-schedule).
 * - State-supplied (VFC) vaccine products for a payer with `vfcProductLine: sl-zero` bill with SL at 0.00 (./vfc.ts).
 * - Grouping: patient + payer + date of service + billing provider. A group becomes one claim of at most 50 lines
 *   and 12 diagnoses; a line that would break either limit starts the next claim. Lines keep charge-id order.
 * - Diagnoses: each line's first four distinct codes, collected in order of first use (principal first);
 *   SV107 pointers index them.
 * - Subscriber: relationship 18 (or none given and no subscriber name on the coverage) → the patient is the
 *   subscriber; otherwise the subscriber's name, birth date and sex come from the coverage.
 * - SBR09 is always the payer's configured filingIndicator; a coverage plan type that is an SBR09 code and
 *   disagrees is a warning (filing-indicator-mismatch), never the value sent.
 * - Vaccine administration codes are chosen per claim from the payer's rules on the date of service
 *   (./vaccine-admin.ts); each recoded line gets an info note (vaccine-admin-code).
 */
import type { ServiceKind } from '../../mappings/records';
import { lineRoute, payerOf, type BillingConfig, type LineRoute, type PayerConfig } from '../config';
import { FILING_INDICATORS } from '../scrub/tables';
import type { Address, Claim, ClaimLine, Patient, ProviderRef, ScrubFinding, Subscriber } from '../model';
import { npiProblem } from '../npi';
import { NO_PAYER_RULES, type PayerRules } from '../scrub/payer-rules';
import {
  deactivatedAsOf,
  hasProviderName,
  providerDirectory,
  providerRefOf,
  type ImportedProvider,
  type ProviderDirectory,
} from '../providers/directory';
import { coordinationOrder, inForceOn, senderOrder, type PayerResponsibility } from '../cob/order';
import type { ChargeInput, CoverageInput, PatientInput } from './inputs';
import { sumAmounts } from './money';
import { priceCharge, type FeeRow, type Price } from './pricing';
import { billedAdminCodes, pairDoses, type BilledCode } from './vaccine-admin';
import { isStateSupplied, isStateSuppliedProduct, productLineTerms } from './vfc';

export const MAX_LINES_PER_CLAIM = 50;
export const MAX_DIAGNOSES_PER_CLAIM = 12;
export const MAX_POINTERS_PER_LINE = 4;

/** A claim without its identity (id, CLM01): the store assigns both. */
export type ClaimBody = Omit<Claim, 'id' | 'controlNumber'>;

export interface ClaimDraft {
  claim: ClaimBody;
  /** What building noticed (e.g. a provider billed without a name); merged with the scrub findings. */
  findings: ScrubFinding[];
  /** The coverage billed (coverages.id). */
  coverageId: string | null;
  /** For a replacement (7) or void (8): the claim it corrects. */
  correctsClaimId?: string;
}

export type UnclaimedReason =
  | 'no-coverage'
  | 'no-payer-id'
  | 'payer-not-configured'
  | 'code-not-billable'
  | 'ncpdp-route'
  | 'charge-held'
  | 'vfc-stock'
  | 'encounter-billed'
  | 'no-price';

/** Reasons a charge is left unclaimed by design (listed as excluded); every other reason holds it until fixed. */
export const EXCLUDED_REASONS: ReadonlySet<UnclaimedReason> = new Set(['ncpdp-route', 'vfc-stock']);

export interface UnclaimedCharge {
  chargeId: string;
  reason: UnclaimedReason;
  /** Plain words for the billing clerk; no patient data (a held charge's reason is the mapping's). */
  message: string;
  payerId?: string;
  /** The message the charge came from (a held charge is released by replaying it). */
  messageId?: string;
  /** encounter-billed: the sent claim to replace (src/billing/claims/late-charges.ts). */
  claimId?: string;
}

export interface BuildInput {
  charges: readonly ChargeInput[];
  patients: readonly PatientInput[];
  coverages: readonly CoverageInput[];
  config: BillingConfig;
  /** Payer rules (medicarePartB decides vaccine administration codes); default: none. */
  payerRules?: PayerRules;
  /** Providers imported into the store (at least those the charges name); billing.yaml's win on conflict. */
  providers?: ReadonlyMap<string, ImportedProvider>;
  /** Fee-schedule rows (at least those of the unpriced charges' codes) that price charges the feed sent unpriced. */
  feeSchedule?: readonly FeeRow[];
}

export interface BuildResult {
  drafts: ClaimDraft[];
  /** Not claimed until the cause is fixed. */
  held: UnclaimedCharge[];
  /** Not claimed by design: routed to NCPDP. */
  excluded: UnclaimedCharge[];
  /** Unpriced charges priced from the fee schedule that a draft bills: the store records each price on its charge. */
  priced: Price[];
}

const BILLABLE_SYSTEMS: Record<string, ClaimLine['codeSystem']> = { CPT: 'CPT', HCPCS: 'HCPCS' };

export function buildClaims(input: BuildInput): BuildResult {
  const patients = new Map(input.patients.map((p) => [p.patientRef, p]));
  const coverages = coveragesByPatient(input.coverages);
  const held: UnclaimedCharge[] = [];
  const excluded: UnclaimedCharge[] = [];
  const groups = new Map<string, { billedTo: BilledTo; charges: ChargeInput[] }>();
  const active = [...input.charges].sort(byChargeId).filter((c) => c.status === 'active');
  const products = pairDoses(active);

  const prices = new Map<string, Price>();
  for (let charge of [...input.charges].sort(byChargeId)) {
    if (charge.status === 'held') {
      held.push(heldCharge(charge));
      continue;
    }
    if (charge.status !== 'active') continue;
    if (charge.unpriced) {
      // Priced before routing: the price is the pharmacy's charge for the service, whichever payer is billed.
      const price = priceCharge(charge, input.feeSchedule ?? []);
      if (!price) {
        held.push(noPrice(charge));
        continue;
      }
      prices.set(charge.id, price);
      charge = { ...charge, chargeAmount: price.amount };
    }
    const routed = routeCharge(charge, coverages.get(charge.patientRef) ?? [], input.config, products.get(charge.id));
    if ('reason' in routed) {
      (EXCLUDED_REASONS.has(routed.reason) ? excluded : held).push(routed);
      continue;
    }
    const key = [charge.patientRef, routed.payer.id, charge.serviceDate, input.config.billingProvider.npi].join('\u0000');
    const group = groups.get(key) ?? { billedTo: routed, charges: [] };
    group.charges.push(charge);
    groups.set(key, group);
  }

  const drafts: ClaimDraft[] = [];
  const directory = providerDirectory(input.config.providers, input.providers);
  for (const group of groups.values()) {
    for (const chunk of splitCharges(group.charges)) {
      const patient = patients.get(group.charges[0]!.patientRef);
      const draft = claimFromCharges(chunk, patient, group.billedTo, input.config, input.payerRules ?? NO_PAYER_RULES, directory);
      drafts.push({
        ...draft,
        findings: [...draft.findings, ...pricedFindings(draft.claim, prices)],
        coverageId: group.billedTo.coverage.id,
      });
    }
  }
  const billed = new Set(drafts.flatMap((d) => d.claim.lines.map((l) => l.chargeId)));
  return { drafts, held, excluded, priced: [...prices.values()].filter((p) => billed.has(p.chargeId)) };
}

/** A charge the feed sent without a price and no fee-schedule row covers on its date of service. */
function noPrice(charge: ChargeInput): UnclaimedCharge {
  return {
    chargeId: charge.id,
    reason: 'no-price',
    message:
      `no price: the message carried none and no fee schedule row covers ${charge.codeSystem} ${charge.code} on ${charge.serviceDate}` +
      ' (rxbridge prices import)',
    ...(charge.messageId ? { messageId: charge.messageId } : {}),
  };
}

/** An info note per line the fee schedule priced: which row, which formula. */
function pricedFindings(claim: ClaimBody, prices: ReadonlyMap<string, Price>): ScrubFinding[] {
  return claim.lines.flatMap((l) => {
    const p = prices.get(l.chargeId);
    return p
      ? [
          {
            ruleId: 'priced-from-schedule',
            severity: 'info' as const,
            scope: 'line' as const,
            lineNumber: l.lineNumber,
            message: `charge ${l.chargeId} came without a price: ${p.amount} from the fee schedule, ${p.pricedBy}`,
          },
        ]
      : [];
  });
}

/**
 * Where one charge goes: its coverage and payer, or why it is not claimed. `product`: for a vaccine
 * administration, its product's charge (./vaccine-admin.ts pairDoses), whose code route it follows.
 */
export function routeCharge(
  charge: ChargeInput,
  patientCoverages: readonly CoverageInput[],
  config: BillingConfig,
  product?: ChargeInput,
): BilledTo | UnclaimedCharge {
  const not = (reason: UnclaimedReason, message: string, payerId?: string): UnclaimedCharge => ({
    chargeId: charge.id,
    reason,
    message,
    ...(payerId ? { payerId } : {}),
  });
  const first = coordinationOrder(patientCoverages, charge.serviceDate, (id) => payerOf(config, id))[0];
  if (!first) return not('no-coverage', 'no coverage on the date of service');
  const coverage = first.coverage;
  if (!coverage.payerId) return not('no-payer-id', 'the coverage in force on the date of service has no payer id');
  const payer = payerOf(config, coverage.payerId);
  if (!payer) return not('payer-not-configured', `payer ${coverage.payerId} is not in the billing configuration`, coverage.payerId);
  const route = chargeRoute(payer, charge, product);
  if (route.route === 'ncpdp') return not('ncpdp-route', `payer ${payer.id} takes ${route.what} through NCPDP (not built)`, payer.id);
  if (isStateSuppliedProduct(charge) && payer.vfcProductLine === 'none') {
    return not(
      'vfc-stock',
      `state-supplied vaccine (VFC ${charge.vfcEligibility}): payer ${payer.id} takes no product line (vfcProductLine none)`,
      payer.id,
    );
  }
  if (!BILLABLE_SYSTEMS[charge.codeSystem.toUpperCase()]) {
    return not('code-not-billable', `code system ${charge.codeSystem} cannot be billed on an 837P line (CPT or HCPCS only)`, payer.id);
  }
  return { coverage, payer, responsibility: 'P', ...(first.reordered ? { reordered: first.reordered } : {}) };
}

/**
 * The coverage and payer a claim bills, its place in the coordination of benefits (SBR01) and, when that place is not
 * the one the sender's priority gave, why.
 */
export interface BilledTo {
  coverage: CoverageInput;
  payer: PayerConfig;
  responsibility: PayerResponsibility;
  reordered?: string;
}

/** A charge's route and, in words, what it routes. An administration follows its product's code route. */
function chargeRoute(payer: PayerConfig, charge: ChargeInput, product: ChargeInput | undefined): LineRoute & { what: string } {
  const own = lineRoute(payer, charge);
  const byCode = (r: LineRoute) => r.by === 'code' || r.by === 'code-list';
  const words = (r: LineRoute, code: string) =>
    r.by === 'code' ? `code ${code}` : r.by === 'code-list' ? `code ${code} (code list ${r.list})` : '';
  if (byCode(own)) return { ...own, what: words(own, charge.code) };
  if (product) {
    const theirs = lineRoute(payer, product);
    if (byCode(theirs)) return { ...theirs, what: `the administration of ${words(theirs, product.code)}` };
  }
  return { ...own, what: `${charge.serviceKind} lines` };
}

/** A charge the mapping wrote held (its reason is the mapping's): listed until a replay of its message releases it. */
function heldCharge(charge: ChargeInput): UnclaimedCharge {
  return {
    chargeId: charge.id,
    reason: 'charge-held',
    message: charge.holdReason || 'held by the mapping',
    ...(charge.messageId ? { messageId: charge.messageId } : {}),
  };
}

/**
 * The coverage in force on `date` among one patient's coverages in the sender's order alone: effective ≤ date ≤
 * expiration (a missing date is open-ended), lowest priority number first, then the newest as_of, then the highest
 * id. The store's rule for the coverage a charge points at. Billing goes by coordinationOrder (../cob/order.ts).
 */
export function coverageInForce(coverages: readonly CoverageInput[], date: string): CoverageInput | undefined {
  return coverages.filter((c) => inForceOn(c, date)).sort(senderOrder)[0];
}

/**
 * Consecutive chunks of at most 50 lines and 12 distinct diagnoses (counting each line's first four); a line
 * that would exceed either limit starts the next chunk.
 */
export function splitCharges(charges: readonly ChargeInput[]): ChargeInput[][] {
  const chunks: ChargeInput[][] = [];
  let current: ChargeInput[] = [];
  let dx = new Set<string>();
  for (const charge of charges) {
    const mine = lineDiagnoses(charge.diagnoses);
    const added = mine.filter((d) => !dx.has(d)).length;
    if (current.length > 0 && (current.length >= MAX_LINES_PER_CLAIM || dx.size + added > MAX_DIAGNOSES_PER_CLAIM)) {
      chunks.push(current);
      current = [];
      dx = new Set();
    }
    current.push(charge);
    for (const d of mine) dx.add(d);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * One claim and what building noticed, from the charges of one group (patient, payer, date of service) billed to
 * `billedTo`: vaccine administration codes as the payer's rules want them, provider, filing indicator and
 * coordination notes. Used by the build and when a held claim is corrected (rebuilt from its charges).
 */
export function claimFromCharges(
  charges: readonly ChargeInput[],
  patient: PatientInput | undefined,
  billedTo: BilledTo,
  config: BillingConfig,
  payerRules: PayerRules,
  providers: ProviderDirectory = providerDirectory(config.providers),
): { claim: ClaimBody; findings: ScrubFinding[] } {
  const { coverage, payer } = billedTo;
  const first = charges[0];
  if (!first) throw new RangeError('a claim needs at least one charge');
  const medicarePartB = payerRules.payerRulesFor(payer.id, first.serviceDate).medicarePartB;
  const recoded = billedAdminCodes(charges, medicarePartB, payer.id);
  const claim = assembleClaim(charges, patient, billedTo, config, new Map(recoded.map((r) => [r.chargeId, r])), providers);
  const lineOf = new Map(claim.lines.map((l) => [l.chargeId, l.lineNumber]));
  return {
    claim,
    findings: [
      ...providerFindings(charges, config, providers),
      ...filingIndicatorFindings(coverage, payer),
      ...(billedTo.reordered
        ? [
            {
              ruleId: 'cob-order',
              severity: 'warning' as const,
              scope: 'claim' as const,
              message:
                `billed to payer ${payer.id} as ${billedTo.responsibility === 'P' ? 'primary' : billedTo.responsibility === 'S' ? 'secondary' : 'tertiary'}` +
                ` although the feed's COB priority (IN1-22) is ${coverage.priority}: ${billedTo.reordered}`,
            },
          ]
        : []),
      ...recoded.map((r): ScrubFinding => ({
        ruleId: 'vaccine-admin-code',
        severity: 'info',
        scope: 'line',
        lineNumber: lineOf.get(r.chargeId)!,
        message: `charge ${r.chargeId} recorded ${r.from} is billed as ${r.code}: ${r.reason}`,
      })),
    ],
  };
}

/**
 * SBR09 comes from the payer's configuration; a coverage plan type (IN1-15 after the ADT crosswalk) that is an
 * SBR09 code and says otherwise is reported, so the biller can fix the crosswalk or the payer entry.
 */
export function filingIndicatorFindings(
  coverage: Pick<CoverageInput, 'planType'>,
  payer: Pick<PayerConfig, 'id' | 'filingIndicator'>,
): ScrubFinding[] {
  const planType = coverage.planType?.trim().toUpperCase();
  if (!planType || !FILING_INDICATORS.has(planType) || planType === payer.filingIndicator) return [];
  return [
    {
      ruleId: 'filing-indicator-mismatch',
      severity: 'warning',
      scope: 'claim',
      message: `the coverage's plan type ${planType} (IN1-15) differs from payer ${payer.id}'s filing indicator ${payer.filingIndicator}: SBR09 is sent as ${payer.filingIndicator} (billing.yaml payers.${payer.id}.filingIndicator); check the ADT plan type crosswalk or the payer entry`,
    },
  ];
}

/**
 * One claim from charges of one group (patient, payer, date of service) billed to `coverage`. `billed`: charge id
 * → the code its line is billed under when not the charge's own (vaccine administration). Providers are named
 * from `providers` (default: billing.yaml's only); one the directory cannot name is left off (see
 * providerFindings, which holds the claim for it).
 */
export function assembleClaim(
  charges: readonly ChargeInput[],
  patient: PatientInput | undefined,
  billedTo: BilledTo,
  config: BillingConfig,
  billed: ReadonlyMap<string, BilledCode> = new Map(),
  providers: ProviderDirectory = providerDirectory(config.providers),
): ClaimBody {
  const { coverage, payer } = billedTo;
  const first = charges[0];
  if (!first) throw new RangeError('a claim needs at least one charge');
  const placeOfService = first.placeOfService ?? config.placeOfService;
  const billingNpi = config.billingProvider.npi;
  const nameable = (npi: string | null) => {
    const known = npi ? providers.lookup(npi) : undefined;
    return known && hasProviderName(known) ? providerRefOf(known) : undefined;
  };
  const named = (npi: string | null) => (npi && npi !== billingNpi ? nameable(npi) : undefined);
  const renderingNpis = new Set(charges.map((c) => c.renderingNpi));
  const claimRendering = renderingNpis.size === 1 ? named(first.renderingNpi) : undefined;

  const pointed = diagnosisPointers(charges.map((c) => c.diagnoses));
  const lines: ClaimLine[] = charges.map((c, i) =>
    clean<ClaimLine>({
      lineNumber: i + 1,
      chargeId: c.id,
      code: billed.get(c.id)?.code ?? c.code.toUpperCase(),
      codeSystem: billed.get(c.id)?.codeSystem ?? BILLABLE_SYSTEMS[c.codeSystem.toUpperCase()] ?? 'CPT',
      ...productLineTerms(c, payer.vfcProductLine),
      units: plainUnits(c.units),
      serviceDate: c.serviceDate,
      diagnosisPointers: pointed.pointers[i]!,
      placeOfService: c.placeOfService && c.placeOfService !== placeOfService ? c.placeOfService : undefined,
      ndc: c.ndc ?? undefined,
      ndcQuantity: c.ndc && c.ndcQuantity ? plainUnits(c.ndcQuantity) : undefined,
      ndcUnit: c.ndc && c.ndcUnit ? c.ndcUnit : undefined,
      rxNumber: c.rxNumber ?? undefined,
      renderingProvider: c.renderingNpi !== claimRendering?.npi ? copyRef(named(c.renderingNpi)) : undefined,
      orderingProvider: nameable(c.orderingNpi),
      serviceKind: c.serviceKind as ServiceKind,
      stateSupplied: isStateSupplied(c) || undefined,
    }),
  );

  const { patient: claimPatient, subscriber } = insuredParties(first.patientRef, patient, coverage, payer, billedTo.responsibility);

  return clean<ClaimBody>({
    frequency: '1',
    billingProvider: config.billingProvider,
    renderingProvider: copyRef(claimRendering),
    payer: { id: payer.id, name: payer.name },
    subscriber,
    patient: claimPatient,
    placeOfService,
    diagnoses: pointed.diagnoses,
    lines,
    totalCharge: sumAmounts(lines.map((l) => l.chargeAmount)),
  });
}

/**
 * The claim's subscriber (2000B/2010BA) and patient (2000C) for a coverage billed at `responsibility` (SBR01): the
 * patient is the subscriber when the relationship is 18; otherwise the subscriber's name, birth date and sex come
 * from the coverage. SBR09 is the payer's filing indicator.
 */
export function insuredParties(
  patientRef: string,
  patient: PatientInput | undefined,
  coverage: CoverageInput,
  payer: Pick<PayerConfig, 'filingIndicator'>,
  responsibility: PayerResponsibility,
): { patient: Patient; subscriber: Subscriber } {
  const relationship = relationshipOf(coverage);
  const self = relationship === '18';
  const patientAddress = addressOf(patient);
  return {
    patient: clean<Patient>({
      patientRef,
      familyName: patient?.familyName ?? '',
      givenName: patient?.givenName ?? undefined,
      birthDate: patient?.birthDate ?? undefined,
      sex: patient?.sex ?? undefined,
      address: patientAddress,
      relationship,
    }),
    subscriber: clean<Subscriber>({
      memberId: coverage.memberId ?? '',
      groupNumber: coverage.groupNumber ?? undefined,
      groupName: coverage.groupName ?? undefined,
      payerResponsibility: responsibility,
      filingIndicator: payer.filingIndicator,
      familyName: (self ? patient?.familyName : coverage.subscriberFamilyName) ?? '',
      givenName: (self ? patient?.givenName : coverage.subscriberGivenName) ?? undefined,
      birthDate: (self ? patient?.birthDate : coverage.subscriberBirthDate) ?? undefined,
      sex: (self ? patient?.sex : coverage.subscriberSex) ?? undefined,
      address: self ? patientAddress : undefined,
    }),
  };
}

/**
 * Rendering and ordering NPIs the claim cannot bill, each an error that holds the claim (the 837P needs a
 * provider's name, which charges do not carry, and payers reject deactivated NPIs): an NPI failing its check
 * digit; a valid NPI neither billing.yaml `providers` nor the imported providers name ("add this provider", then
 * correct the claim); an NPI NPPES deactivated on or before the date of service. Messages name the NPI and its
 * role, never the patient.
 */
export function providerFindings(
  charges: readonly ChargeInput[],
  config: BillingConfig,
  providers: ProviderDirectory = providerDirectory(config.providers),
): ScrubFinding[] {
  const findings: ScrubFinding[] = [];
  charges.forEach((c, i) => {
    for (const [role, npi] of [
      ['rendering', c.renderingNpi],
      ['ordering', c.orderingNpi],
    ] as const) {
      if (!npi || npi === config.billingProvider.npi) continue;
      const known = providers.lookup(npi);
      const deactivated = known ? deactivatedAsOf(known, c.serviceDate) : undefined;
      let message: string | undefined;
      const why = npiProblem(npi);
      if (why) message = `${role} NPI ${npi} ${why}`;
      else if (deactivated)
        message = `${role} NPI ${npi} was deactivated on ${deactivated} (NPPES): payers reject it; bill the service under an active NPI`;
      else if (!known || !hasProviderName(known)) {
        message =
          `add this provider: ${role} NPI ${npi} is not in billing.yaml providers nor imported (rxbridge providers import), ` +
          `so the claim cannot name its ${role} provider; then correct the claim`;
      }
      if (message) findings.push({ ruleId: 'provider-named', severity: 'error', scope: 'line', lineNumber: i + 1, message });
    }
  });
  return findings;
}

/**
 * Diagnoses of a claim and the lines' pointers, from each line's own codes (in line order, first use first).
 * Used when a claim is built and when a correction keeps only some of its lines.
 */
export function pointDiagnoses(
  lines: readonly ClaimLine[],
  lineCodes: ReadonlyArray<readonly string[]>,
): { diagnoses: string[]; lines: ClaimLine[] } {
  const { diagnoses, pointers } = diagnosisPointers(lines.map((_, i) => lineCodes[i] ?? []));
  return { diagnoses, lines: lines.map((line, i) => ({ ...line, diagnosisPointers: pointers[i]! })) };
}

/** The claim's diagnoses from each line's codes (in line order, first use first), and each line's pointers. */
function diagnosisPointers(lineCodes: ReadonlyArray<readonly string[]>): { diagnoses: string[]; pointers: number[][] } {
  const diagnoses: string[] = [];
  const pointers = lineCodes.map((codes) => {
    const mine: number[] = [];
    for (const code of lineDiagnoses(codes)) {
      let at = diagnoses.indexOf(code);
      if (at < 0 && diagnoses.length < MAX_DIAGNOSES_PER_CLAIM) {
        diagnoses.push(code);
        at = diagnoses.length - 1;
      }
      if (at >= 0) mine.push(at + 1);
    }
    return mine;
  });
  return { diagnoses, pointers };
}

/** The diagnosis codes a claim line's pointers name. */
export function diagnosesOfLine(claim: Pick<Claim, 'diagnoses'>, line: Pick<ClaimLine, 'diagnosisPointers'>): string[] {
  return line.diagnosisPointers.map((p) => claim.diagnoses[p - 1]).filter((d): d is string => d !== undefined);
}

/** A line's diagnoses as pointed: the first four distinct non-empty codes, upper-cased. */
function lineDiagnoses(codes: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of codes) {
    const code = raw.trim().toUpperCase();
    if (code && !out.includes(code)) out.push(code);
    if (out.length === MAX_POINTERS_PER_LINE) break;
  }
  return out;
}

/** SBR02/PAT01: the coverage's code; none given → 18 unless the coverage names another subscriber (then G8). */
function relationshipOf(c: CoverageInput): string {
  if (c.relationship) return c.relationship;
  return c.subscriberFamilyName ? 'G8' : '18';
}

/**
 * The patient's address as the claim carries it: none when the record has no part of one; otherwise every part,
 * a missing part empty, so the scrubber (address-required) can name what is missing and hold the claim.
 */
function addressOf(p: PatientInput | undefined): Address | undefined {
  const text = (v: string | null | undefined) => v?.trim() ?? '';
  if (!p || ![p.addressLine1, p.city, p.state, p.postalCode].some((v) => text(v) !== '')) return undefined;
  return clean<Address>({
    line1: text(p.addressLine1),
    line2: text(p.addressLine2) || undefined,
    city: text(p.city),
    state: text(p.state),
    zip: text(p.postalCode).replace(/\D/g, ''),
  });
}

/** "1.000" → "1", "2.500" → "2.5": X12 decimals without trailing zeros. */
function plainUnits(units: string): string {
  return units.includes('.') ? units.replace(/\.?0+$/, '') || '0' : units;
}

function copyRef(ref: Readonly<ProviderRef> | undefined): ProviderRef | undefined {
  return ref ? { ...ref } : undefined;
}

function coveragesByPatient(coverages: readonly CoverageInput[]): Map<string, CoverageInput[]> {
  const out = new Map<string, CoverageInput[]>();
  for (const c of coverages) out.set(c.patientRef, [...(out.get(c.patientRef) ?? []), c]);
  return out;
}

const byChargeId = (a: ChargeInput, b: ChargeInput): number => byId(a.id, b.id);

/** Numeric order of decimal id strings. */
function byId(a: string, b: string): number {
  return a.length - b.length || compareText(a, b);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The object without its undefined properties (claims are stored as JSON and compared in tests). */
function clean<T extends object>(o: { [K in keyof T]: T[K] | undefined }): T {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(o)) {
    const value = (o as Record<string, unknown>)[key];
    if (value !== undefined) out[key] = value;
  }
  return out as T;
}
