/**
 * The claims service on Postgres: the claim workflows (src/billing/workflows/service.ts) wired to the Kysely
 * claims store, the claim views and the outbox directory, plus remittances (posted by src/billing/remittance
 * through the ports claims-remittances.ts implements), reports and missed charges, which read their own rows, and
 * the acknowledgment files kept with their per-claim detail.
 */
import type { Kysely } from 'kysely';
import type { BillingConfig } from '../billing/config';
import type { Outbox } from '../billing/ports';
import type { PayerDirectory } from '../billing/remittance/payer-match';
import type { PayerRules } from '../billing/scrub';
import { eligibilityInquiries, postEligibilityResponses, releaseEligibilityHolds } from '../billing/workflows/eligibility';
import type { ClaimFilter } from '../billing/workflows/types';
import { ClaimsWorkflows } from '../billing/workflows/service';
import { ClaimRepository, ClaimRows } from './claims';
import { acknowledgmentX12, keepAcknowledgment, keepAcknowledgmentIn } from './claims-acknowledgments';
import { directoryOutbox } from './claims-outbox';
import {
  listRemittances,
  matchRemittancePayment,
  recordAcknowledgments,
  recordRemittances,
  remittanceDetail,
  unmatchedPayments,
  type RemittanceListQuery,
  type WithinPosting,
} from './claims-remittances';
import { eligibilityTransfersOf } from './clearinghouse-views';
import { EligibilityRepository, eligibilityFile, listEligibilityChecks, type EligibilityCheckQuery } from './eligibility';
import { withdrawRemittance } from './remittance-withdraw';
import { carcMeaning } from '../billing/remittance/carc';
import { rarcMeaning } from '../billing/remittance/rarc';
import { agingReport, denialReport, rejectionReport, remarkReport, type DateRange } from './claims-receivables';
import { retryTransfer } from './clearinghouse';
import { payerReport, remittanceTotals, revenueReport, type RevenueDimension } from './claims-reports';
import { missedCharges, type MissedChargesQuery } from './missed-charges';
import type { Database } from './types';

export interface ClaimsServiceOptions {
  db: Kysely<Database>;
  /** Undefined when billing is not configured; `missing` then says why (e.g. the file that was not found). */
  config: BillingConfig | undefined;
  missing?: string;
  payerRules: PayerRules;
  /** Default: the configured outbox directory. */
  outbox?: Outbox;
  clock?: () => Date;
}

export class ClaimsService extends ClaimsWorkflows<ClaimRows> {
  private readonly db: Kysely<Database>;
  private readonly now: () => Date;

  constructor(opts: ClaimsServiceOptions) {
    super({
      store: new ClaimRepository(opts.db),
      queries: new ClaimRows(opts.db),
      config: opts.config,
      payerRules: opts.payerRules,
      directoryOutbox,
      ...(opts.missing ? { missing: opts.missing } : {}),
      ...(opts.outbox ? { outbox: opts.outbox } : {}),
      ...(opts.clock ? { clock: opts.clock } : {}),
    });
    this.db = opts.db;
    this.now = opts.clock ?? (() => new Date());
  }

  /** 270s for the unclaimed charges' patients, or for `patients` (src/billing/workflows/eligibility.ts). */
  async eligibilityInquiries(actor: string, patients?: readonly string[]) {
    const run = await eligibilityInquiries(new EligibilityRepository(this.db), this.config(), actor, this.now(), patients);
    const transfers = await eligibilityTransfersOf(
      this.db,
      run.files.map((f) => f.id),
    );
    return { ...run, files: run.files.map((f) => ({ ...f, transfer: transfers.get(f.id) ?? null })) };
  }

  /** Applies the 271 answers of `text`; `within` runs in its transaction (the clearinghouse pickup records the file there). */
  postEligibilityResponses(text: string, actor: string, within?: WithinPosting) {
    return postEligibilityResponses(new EligibilityRepository(this.db, within), text, actor, this.now());
  }

  /** Charges held by an eligibility answer become active again (the others are left alone). */
  releaseEligibilityHolds(chargeIds: readonly string[]) {
    return releaseEligibilityHolds(new EligibilityRepository(this.db), chargeIds);
  }

  /** The checks newest first, each with the upload of the 270 that asked (its transfer; null when none was queued). */
  async eligibilityChecks(q: EligibilityCheckQuery) {
    const checks = await listEligibilityChecks(this.db, q);
    const transfers = await eligibilityTransfersOf(
      this.db,
      checks.map((c) => c.inquiryFileId),
    );
    return checks.map((c) => ({ ...c, inquiryTransfer: transfers.get(c.inquiryFileId) ?? null }));
  }

  eligibilityFile(id: string) {
    return eligibilityFile(this.db, id);
  }

  /** The claims list rows (with date of service and patient reference) and the totals per status of the whole filter. */
  async listWithTotals(f: ClaimFilter) {
    const rows = new ClaimRows(this.db);
    const { before: _before, limit: _limit, ...filter } = f;
    const [claims, totals] = await Promise.all([rows.listRows(f), rows.statusTotals(filter)]);
    return { claims, totals };
  }

  /** `within` runs in the posting's transaction (the clearinghouse pickup records the file there). */
  recordRemittances(text: string, actor: string, within?: WithinPosting) {
    return recordRemittances(this.db, text, actor, this.payerDirectory(), this.nextPayerStep(actor), within);
  }

  /** CLPs that named no claim of ours and nobody matched yet, newest first. */
  unmatchedRemittances(limit: number, before?: string) {
    return unmatchedPayments(this.db, limit, before);
  }

  /** Posts an unmatched CLP (its claim payment id) to a claim chosen by an operator. */
  matchRemittance(paymentId: string, claimId: string, actor: string) {
    return matchRemittancePayment(this.db, paymentId, claimId, actor, this.payerDirectory(), this.nextPayerStep(actor));
  }

  remittance(id: string) {
    return remittanceDetail(this.db, id);
  }

  /** Remittances newest first, with per-file totals. */
  remittances(query: RemittanceListQuery) {
    return listRemittances(this.db, query);
  }

  /** Undoes a remittance posted by mistake, or refuses (REMITTANCE_WITHDRAW_REFUSED) naming the claim built on it. */
  withdrawRemittance(id: string, reason: string, actor: string) {
    return withdrawRemittance(this.db, id, reason, actor);
  }

  remittanceTotals(range: DateRange = {}) {
    return remittanceTotals(this.db, range);
  }

  /** Claim statuses from a 999/997 or 277CA, then the file and its per-claim detail kept (claims-acknowledgments.ts). */
  async recordAcknowledgments(text: string, actor: string) {
    const summary = await recordAcknowledgments(this.db, text, actor, this.payerDirectory());
    await keepAcknowledgment(this.db, text, actor, summary);
    return summary;
  }

  /** recordAcknowledgments with the file kept and `within` run in the transaction that moves the claims. */
  recordAcknowledgmentsWithin(text: string, actor: string, within: WithinPosting) {
    return recordAcknowledgments(this.db, text, actor, this.payerDirectory(), async (trx, summary) => {
      await keepAcknowledgmentIn(trx, text, actor, summary);
      await within(trx);
    });
  }

  acknowledgmentX12(id: string) {
    return acknowledgmentX12(this.db, id);
  }

  revenue(by: RevenueDimension, range: DateRange = {}) {
    return revenueReport(this.db, by, range);
  }

  async payers(range: DateRange = {}) {
    return this.named(await payerReport(this.db, range));
  }

  /** Open balances by payer and age (days since first sent) as of `asOf` (YYYY-MM-DD). */
  async aging(asOf: string, range: DateRange = {}) {
    return this.named(await agingReport(this.db, asOf, range));
  }

  /** Denials by CARC and by RARC, per payer, with each code's meaning where the short tables have it. */
  async denials(range: DateRange = {}) {
    const rows = this.named(await denialReport(this.db, range)).map((r) => ({ ...r, meaning: carcMeaning(r.reason) ?? null }));
    const remarks = this.named(await remarkReport(this.db, range)).map((r) => ({ ...r, meaning: rarcMeaning(r.remark) ?? null }));
    return { rows, remarks };
  }

  /** 999 and 277CA rejections per payer and month. */
  async rejections(range: DateRange = {}) {
    return this.named(await rejectionReport(this.db, range));
  }

  /** The configured payer name for each row whose payer id billing.yaml knows (else the name the data carries). */
  private named<T extends { payerId: string; payerName: string }>(rows: T[]): T[] {
    const payers = this.billingConfig()?.payers ?? new Map<string, { name: string }>();
    return rows.map((r) => {
      const name = payers.get(r.payerId)?.name;
      return name ? { ...r, payerName: name } : r;
    });
  }

  /** The configured name of a payer id, or undefined. */
  payerName(id: string): string | undefined {
    return this.billingConfig()?.payers.get(id)?.name;
  }

  missedCharges(query: MissedChargesQuery) {
    return missedCharges(this.db, query);
  }

  /** Makes a batch's unsent upload due now, with a fresh attempt budget (src/store/clearinghouse.ts). */
  retryTransfer(batchId: string) {
    return retryTransfer(this.db, batchId);
  }

  /** The database the service posts to (the clearinghouse exchange records its transfers and files there). */
  database(): Kysely<Database> {
    return this.db;
  }

  private payerDirectory(): PayerDirectory {
    return this.billingConfig()?.payers ?? new Map();
  }
}
