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
import { ClaimsWorkflows } from '../billing/workflows/service';
import { ClaimRepository, ClaimRows } from './claims';
import { acknowledgmentX12, keepAcknowledgment, keepAcknowledgmentIn } from './claims-acknowledgments';
import { directoryOutbox } from './claims-outbox';
import {
  matchRemittancePayment,
  recordAcknowledgments,
  recordRemittances,
  remittanceDetail,
  unmatchedPayments,
  type WithinPosting,
} from './claims-remittances';
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
  private readonly payerConfig: BillingConfig | undefined;

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
    this.payerConfig = opts.config;
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

  remittanceTotals() {
    return remittanceTotals(this.db);
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

  revenue(by: RevenueDimension) {
    return revenueReport(this.db, by);
  }

  payers() {
    return payerReport(this.db);
  }

  missedCharges(query: MissedChargesQuery) {
    return missedCharges(this.db, query);
  }

  /** billing.yaml as read at start; undefined when billing is not configured. */
  billing(): BillingConfig | undefined {
    return this.payerConfig;
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
    return this.payerConfig?.payers ?? new Map();
  }
}
