/**
 * The `billing` scenario of `npm run bench` (targets: ≥ 10,000 claims/s built, ≥ 5,000 reconciled), on one core and without services:
 *
 * 1. claims: charge-like inputs → buildClaims (src/billing/claims) → scrubClaim (src/billing/scrub, every rule,
 *    an in-memory CodeSetLookup preloaded with the codes used, the shipped payer rules) → write837P in batches
 *    of 500 claims per file. Target ≥ 10,000 claims/s.
 * 2. remittance: an 835 paying those claims (generated here, synthetic) → readInterchanges + read835 +
 *    balance835 + reconcile against the claims. Target ≥ 5,000 claims/s.
 *
 * Workload (synthetic, deterministic): 2,000 claims of 1–4 lines cycling through MTM (99605 + add-on 99607),
 * vaccine administration + product with NDC (90471 + 90686), a CLIA-waived A1c test (83036-QW), MTM + vaccine, vaccine + A1c;
 * valid NPIs, commercial and Medicaid payers of billing/billing.yaml. Each measured loop runs whole rounds of
 * the workload for about `seconds`; the result records the findings, so a workload that holds claims is visible.
 */
import path from 'node:path';
import { buildClaims } from '../billing/claims/build';
import { claimControlNumber } from '../billing/claims/control-number';
import type { ChargeInput, CoverageInput, PatientInput } from '../billing/claims/inputs';
import { loadBillingConfig, type BillingConfig } from '../billing/config';
import { buildCodeEditLookup, type CodeEditLookup } from '../billing/codesets/edits-lookup';
import { buildCodeSetLookup, type LoadedEntry, type ReleaseInfo } from '../billing/codesets/lookup';
import type { CodeKind } from '../billing/codesets/types';
import type { Claim, CodeSetLookup } from '../billing/model';
import { balance835, read835, reconcile, type ClaimForReconciliation } from '../billing/remittance';
import { scrubClaim, type PayerRules, type ScrubContext } from '../billing/scrub';
import { loadPayerRulesDir, PAYER_RULES_DIR } from '../billing/scrub/payer-rules-files';
import { write837P } from '../billing/x12-837p';
import { buildInterchange } from '../x12/envelope';
import { readInterchanges } from '../x12/reader';
import { segment, type X12Segment } from '../x12/segment';
import { writeSegments } from '../x12/writer';

export interface BillingBenchResult {
  /** Claims per round of the workload, and their lines. */
  claims: number;
  lines: number;
  /** Claims per 837P file. */
  batchSize: number;
  /** Build + scrub + 837P write. */
  claimsPerSec: number;
  /** Scrub findings per round by severity (errors hold a claim: the workload should have none). */
  findings: { error: number; warning: number; info: number };
  /** Bytes of 837P per round. */
  x12Bytes: number;
  /** readInterchanges + read835 + balance835 + reconcile. */
  remitClaimsPerSec: number;
  /** Bytes of the 835 per round, and claims it paid that reconcile matched. */
  remitBytes: number;
  matched: number;
  seconds: number;
}

export const BILLING_BENCH_DEFAULTS = { claims: 2000, batchSize: 500 };

const SERVICE_DATE = '2026-11-20';
const TODAY = '2026-11-25';
const PAYERS = ['SYNCOM01', 'SYNMCD01'];
const PHARMACIST_NPI = '1234567893';

interface LineSpec {
  kind: string;
  code: string;
  system: 'CPT' | 'HCPCS';
  modifiers?: string[];
  units?: string;
  amount: string;
  dx: string[];
  ndc?: string;
}

const MTM: LineSpec = { kind: 'mtm', code: '99605', system: 'CPT', amount: '75.00', dx: ['Z71.89', 'E11.9'] };
const MTM_ADDON: LineSpec = { kind: 'mtm', code: '99607', system: 'CPT', units: '2.000', amount: '50.00', dx: ['Z71.89', 'E11.9'] };
const VACCINE_ADMIN: LineSpec = { kind: 'immunization-admin', code: '90471', system: 'CPT', amount: '25.00', dx: ['Z23'] };
const VACCINE_PRODUCT: LineSpec = {
  kind: 'vaccine-product',
  code: '90686',
  system: 'CPT',
  amount: '32.50',
  dx: ['Z23'],
  ndc: '49281042150',
};
const A1C: LineSpec = { kind: 'poc-test', code: '83036', system: 'CPT', modifiers: ['QW'], amount: '18.00', dx: ['E11.9'] };

/** Claim shapes cycled through: 1 to 4 lines. */
const SHAPES: LineSpec[][] = [
  [MTM, MTM_ADDON],
  [VACCINE_ADMIN, VACCINE_PRODUCT],
  [A1C],
  [MTM, MTM_ADDON, VACCINE_ADMIN, VACCINE_PRODUCT],
  [VACCINE_ADMIN, VACCINE_PRODUCT, A1C],
];

export interface BillingWorkload {
  config: BillingConfig;
  charges: ChargeInput[];
  patients: PatientInput[];
  coverages: CoverageInput[];
  scrub: ScrubContext;
}

/** `claims` patients with one claim each (one service date, one payer), and what scrubbing needs. */
export function billingWorkload(claims: number, payerRules: PayerRules = loadPayerRulesDir(PAYER_RULES_DIR)): BillingWorkload {
  const config = loadBillingConfig(path.resolve(__dirname, '../../billing/billing.yaml'), {}, '/tmp');
  const charges: ChargeInput[] = [];
  const patients: PatientInput[] = [];
  const coverages: CoverageInput[] = [];
  let chargeId = 0;
  for (let i = 0; i < claims; i++) {
    const patientRef = `BENCH${String(i + 1).padStart(6, '0')}`;
    patients.push({
      patientRef,
      familyName: 'TESTPATIENT',
      givenName: `BENCH${i % 97}`,
      birthDate: '1960-01-01',
      sex: i % 2 ? 'F' : 'M',
      addressLine1: '100 MAIN ST',
      addressLine2: null,
      city: 'SPRINGFIELD',
      state: 'IL',
      postalCode: '62701',
    });
    coverages.push({
      id: String(i + 1),
      patientRef,
      payerId: PAYERS[i % PAYERS.length]!,
      payerName: null,
      memberId: `M${100000 + i}`,
      groupNumber: 'G100',
      groupName: null,
      planType: null,
      relationship: '18',
      priority: 1,
      effectiveDate: '2026-01-01',
      expirationDate: null,
      asOf: '2026-01-01T00:00:00Z',
      subscriberFamilyName: null,
      subscriberGivenName: null,
      subscriberBirthDate: null,
      subscriberSex: null,
    });
    for (const spec of SHAPES[i % SHAPES.length]!) {
      chargeId++;
      charges.push({
        id: String(chargeId),
        status: 'active',
        serviceDate: SERVICE_DATE,
        patientRef,
        serviceKind: spec.kind,
        codeSystem: spec.system,
        code: spec.code,
        modifiers: spec.modifiers ?? [],
        units: spec.units ?? '1.000',
        chargeAmount: spec.amount,
        diagnoses: spec.dx,
        renderingNpi: PHARMACIST_NPI,
        orderingNpi: null,
        ndc: spec.ndc ?? null,
        ndcQuantity: spec.ndc ? '0.5' : null,
        ndcUnit: spec.ndc ? 'ML' : null,
        rxNumber: null,
        placeOfService: null,
      });
    }
  }
  return {
    config,
    charges,
    patients,
    coverages,
    scrub: { codeSets: benchCodeSets(), codeEdits: benchCodeEdits(), payerRules, today: TODAY },
  };
}

/** A lookup preloaded with every code the workload bills, one release per kind covering the service date. */
function benchCodeSets(): CodeSetLookup {
  const kinds: Record<Exclude<CodeKind, 'cvx'>, string[]> = {
    icd10cm: ['Z71.89', 'E11.9', 'Z23'],
    cpt: ['99605', '99607', '90471', '90686', '83036'],
    hcpcs: ['99605', '99607', '90471', '90686', '83036'],
    ndc: ['49281042150'],
  };
  const releases: ReleaseInfo[] = [];
  const loaded: Parameters<typeof buildCodeSetLookup>[0]['loaded'] = {};
  Object.entries(kinds).forEach(([kind, codes], i) => {
    const id = i + 1;
    releases.push({ id, kind: kind as CodeKind, name: 'BENCH', validFrom: '2025-10-01', validTo: '2026-12-31', loadedAt: new Date(0) });
    const entries: LoadedEntry[] =
      kind === 'hcpcs' ? [] : codes.map((code) => ({ releaseId: id, code, validFrom: null, validTo: null, billable: true }));
    loaded[kind as CodeKind] = { codes, entries };
  });
  return buildCodeSetLookup({ releases, loaded });
}

/** NCCI PTP, MUE and MCE releases covering the service dates, with no edit that the workload's codes meet. */
function benchCodeEdits(): CodeEditLookup {
  const kinds = ['ncci', 'mue', 'mce'] as const;
  return buildCodeEditLookup(
    kinds.map((kind, i) => ({
      id: i + 1,
      kind,
      name: 'BENCH',
      validFrom: '2025-10-01',
      validTo: '2026-12-31',
      loadedAt: new Date(0),
    })),
    [],
  );
}

interface ClaimsRound {
  claims: Claim[];
  findings: BillingBenchResult['findings'];
  bytes: number;
}

/** One round: build, scrub, number and write every claim in files of `batchSize`. */
export function claimsRound(w: BillingWorkload, batchSize: number, now: Date): ClaimsRound {
  const built = buildClaims({ charges: w.charges, patients: w.patients, coverages: w.coverages, config: w.config });
  const findings = { error: 0, warning: 0, info: 0 };
  const claims: Claim[] = built.drafts.map((draft, i) => {
    const id = String(i + 1);
    const claim: Claim = { ...draft.claim, id, controlNumber: claimControlNumber(id) };
    for (const f of [...draft.findings, ...scrubClaim(claim, w.scrub)]) findings[f.severity]++;
    return claim;
  });
  let bytes = 0;
  for (let at = 0, n = 1; at < claims.length; at += batchSize, n++) {
    bytes += write837P(claims.slice(at, at + batchSize), w.config.interchange, { interchange: n, group: n, transactionSet: 1 }, now).length;
  }
  return { claims, findings, bytes };
}

/**
 * A balanced 835 paying every claim: odd claims in full, even ones 80 % with a CO-45 contractual adjustment on
 * each line, every SVC with its date; the payer's claim number per CLP. Synthetic.
 */
export function remittanceFor(claims: readonly Claim[], paymentDate: string): string {
  const cents = (amount: string): number => Math.round(Number(amount) * 100);
  const money = (c: number): string => (c / 100).toFixed(2);
  const date = paymentDate.replace(/-/g, '');
  const body: X12Segment[] = [];
  let total = 0;
  claims.forEach((claim, i) => {
    const partial = i % 2 === 1;
    const services = claim.lines.map((line) => {
      const charge = cents(line.chargeAmount);
      const paid = partial ? Math.round(charge * 0.8) : charge;
      return { line, charge, paid };
    });
    const paid = services.reduce((s, x) => s + x.paid, 0);
    total += paid;
    body.push(segment('CLP', claim.controlNumber, '1', claim.totalCharge, money(paid), '0', '12', `PCN${i + 1}`));
    body.push(segment('NM1', 'QC', '1', 'TESTPATIENT', 'BENCH'));
    for (const s of services) {
      body.push(segment('SVC', ['HC', s.line.code, ...s.line.modifiers], money(s.charge), money(s.paid)));
      body.push(segment('DTM', '472', s.line.serviceDate.replace(/-/g, '')));
      if (s.paid !== s.charge) body.push(segment('CAS', 'CO', '45', money(s.charge - s.paid)));
    }
  });
  const header = [
    segment(
      'BPR',
      'I',
      money(total),
      'C',
      'ACH',
      'CCP',
      '01',
      '999999999',
      'DA',
      '123456',
      '1512345678',
      '',
      '01',
      '999988880',
      'DA',
      '98765',
      date,
    ),
    segment('TRN', '1', `BENCH${date}`, '1512345678'),
    segment('N1', 'PR', 'SYNTHETIC COMMERCIAL HEALTH PLAN', 'XV', 'SYNCOM01'),
    segment('N1', 'PE', 'EXAMPLE COMMUNITY PHARMACY', 'XX', PHARMACIST_NPI),
    segment('LX', '1'),
  ];
  const when = new Date(`${paymentDate}T12:00:00Z`);
  return writeSegments(
    buildInterchange(
      {
        senderQualifier: 'ZZ',
        senderId: 'RECEIVERID',
        receiverQualifier: 'ZZ',
        receiverId: 'SUBMITTERID',
        controlNumber: 501,
        usage: 'T',
        date: when,
      },
      {
        functionalId: 'HP',
        senderCode: 'RECEIVERID',
        receiverCode: 'SUBMITTERID',
        controlNumber: 501,
        version: '005010X221A1',
        date: when,
      },
      [{ id: '835', controlNumber: 1, implementationReference: '005010X221A1', body: [...header, ...body] }],
    ),
    { lineBreak: '\n' },
  );
}

/** What reconcile matches against: the claims as submitted. */
export function forReconciliation(claims: readonly Claim[]): ClaimForReconciliation[] {
  return claims.map((c) => ({
    id: c.id,
    controlNumber: c.controlNumber,
    totalCharge: c.totalCharge,
    submittedAt: TODAY,
    lines: c.lines.map((l) => ({
      lineNumber: l.lineNumber,
      chargeId: l.chargeId,
      code: l.code,
      modifiers: l.modifiers,
      serviceDate: l.serviceDate,
      chargeAmount: l.chargeAmount,
    })),
  }));
}

/** One round of the 835 side: read, balance (must balance) and reconcile; returns the matched claims. */
export function remittanceRound(text: string, claims: readonly ClaimForReconciliation[]): number {
  let matched = 0;
  for (const interchange of readInterchanges(text)) {
    for (const group of interchange.groups) {
      for (const ts of group.transactionSets) {
        const rem = read835(ts);
        const problems = balance835(rem);
        if (problems.length > 0) throw new Error(`bench 835 does not balance: ${problems.join('; ')}`);
        matched += reconcile(rem, claims).claims.length;
      }
    }
  }
  return matched;
}

/** Runs `round` whole times for about `seconds` (at least once); returns rounds per second. */
function timeRounds(seconds: number, round: () => void): number {
  const deadline = performance.now() + seconds * 1000;
  const t0 = performance.now();
  let rounds = 0;
  do {
    round();
    rounds++;
  } while (performance.now() < deadline);
  return rounds / ((performance.now() - t0) / 1000);
}

/** Both measurements, each for about `seconds` after a short warm-up. */
export function benchBilling(seconds: number, options: Partial<typeof BILLING_BENCH_DEFAULTS> = {}): BillingBenchResult {
  const { claims: count, batchSize } = { ...BILLING_BENCH_DEFAULTS, ...options };
  const work = billingWorkload(count);
  const now = new Date(`${TODAY}T10:00:00Z`);
  const first = claimsRound(work, batchSize, now);
  if (first.claims.length !== count) throw new Error(`the workload built ${first.claims.length} claims, expected ${count}`);
  const warm = Math.min(1, seconds / 5);
  timeRounds(warm, () => claimsRound(work, batchSize, now));
  const claimRounds = timeRounds(seconds, () => claimsRound(work, batchSize, now));

  const text = remittanceFor(first.claims, '2026-12-15');
  const submitted = forReconciliation(first.claims);
  const matched = remittanceRound(text, submitted);
  if (matched !== count) throw new Error(`reconcile matched ${matched} of ${count} claims`);
  timeRounds(warm, () => remittanceRound(text, submitted));
  const remitRounds = timeRounds(seconds, () => remittanceRound(text, submitted));

  return {
    claims: count,
    lines: first.claims.reduce((n, c) => n + c.lines.length, 0),
    batchSize,
    claimsPerSec: Math.round(claimRounds * count),
    findings: first.findings,
    x12Bytes: first.bytes,
    remitClaimsPerSec: Math.round(remitRounds * count),
    remitBytes: text.length,
    matched,
    seconds,
  };
}
