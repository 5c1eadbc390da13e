/**
 * The claims operations as the admin API and the CLI use them: the claims repository, remittances and reports
 * bound to the billing configuration, the payer rules, the code-set scrubber, the 837P writer and the outbox.
 * Without a billing configuration (billing/billing.yaml missing) reads still work and every operation that
 * builds or writes claims answers CONFLICT naming the missing file.
 */
import type { Kysely } from 'kysely';
import { EngineError } from '../core/errors';
import type { BillingConfig } from '../billing/config';
import type { ClaimStatus } from '../billing/claims/lifecycle';
import type { PayerRules } from '../billing/scrub';
import { write837P } from '../billing/x12-837p';
import { assertWritable } from '../billing/x12-837p-validate';
import { ClaimStore, type ClaimsContext, type X12Writer } from './claims';
import { directoryOutbox, type Outbox } from './claims-outbox';
import type { PayerDirectory } from '../billing/remittance/payer-match';
import {
  matchRemittancePayment, recordAcknowledgments, recordRemittances, remittanceDetail, unmatchedPayments,
} from './claims-remittances';
import { payerReport, remittanceTotals, revenueReport, type RevenueDimension } from './claims-reports';
import { codeSetScrubber } from './claims-scrub';
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

export class ClaimsService {
  private readonly store: ClaimStore;
  private readonly clock: () => Date;

  constructor(private readonly opts: ClaimsServiceOptions) {
    this.store = new ClaimStore(opts.db);
    this.clock = opts.clock ?? (() => new Date());
  }

  build(actor: string) {
    return this.store.build(this.context(actor));
  }

  unclaimed() {
    return this.store.unclaimed(this.config(), this.opts.payerRules);
  }

  list(f: { status?: ClaimStatus; payer?: string; patient?: string; before?: string; limit: number }) {
    return this.store.list(f);
  }

  get(id: string) {
    return this.store.get(id);
  }

  override(id: string, reason: string, actor: string) {
    return this.store.override(id, reason, actor);
  }

  void(id: string, reason: string, actor: string) {
    return this.store.void(id, reason, this.context(actor));
  }

  correct(id: string, actor: string) {
    return this.store.correct(id, this.context(actor));
  }

  close(id: string, reason: string, actor: string) {
    return this.store.close(id, reason, actor);
  }

  createBatches(actor: string, payerId?: string) {
    const ctx = this.context(actor);
    const writer: X12Writer = {
      write: (claims, control, now) => write837P(claims, ctx.config.interchange, control, now),
      check: (claim) => assertWritable(claim, 0),
    };
    return this.store.createBatches(ctx, writer, this.opts.outbox ?? directoryOutbox(ctx.config.outboxDir), payerId);
  }

  listBatches(limit: number, before?: string) {
    return this.store.listBatches(limit, before);
  }

  batchX12(id: string) {
    return this.store.batchX12(id);
  }

  /** Posts an 835 file; the configured payers tell the claim's payer from a crossover payer (without billing.yaml: by payer id). */
  recordRemittances(text: string, actor: string) {
    return recordRemittances(this.opts.db, text, actor, this.payerDirectory());
  }

  /** CLPs that named no claim of ours and nobody matched yet, newest first. */
  unmatchedRemittances(limit: number, before?: string) {
    return unmatchedPayments(this.opts.db, limit, before);
  }

  /** Posts an unmatched CLP (its claim payment id) to a claim chosen by an operator. */
  matchRemittance(paymentId: string, claimId: string, actor: string) {
    return matchRemittancePayment(this.opts.db, paymentId, claimId, actor, this.payerDirectory());
  }

  remittance(id: string) {
    return remittanceDetail(this.opts.db, id);
  }

  remittanceTotals() {
    return remittanceTotals(this.opts.db);
  }

  recordAcknowledgments(text: string, actor: string) {
    return recordAcknowledgments(this.opts.db, text, actor, this.payerDirectory());
  }

  revenue(by: RevenueDimension) {
    return revenueReport(this.opts.db, by);
  }

  payers() {
    return payerReport(this.opts.db);
  }

  missedCharges(query: MissedChargesQuery) {
    return missedCharges(this.opts.db, query);
  }

  private payerDirectory(): PayerDirectory {
    return this.opts.config?.payers ?? new Map();
  }

  private config(): BillingConfig {
    if (!this.opts.config) {
      throw new EngineError('CONFLICT', `billing is not configured${this.opts.missing ? `: ${this.opts.missing}` : ''}`);
    }
    return this.opts.config;
  }

  private context(actor: string): ClaimsContext {
    const now = this.clock();
    const config = this.config();
    return {
      config, actor, now, payerRules: this.opts.payerRules,
      scrub: codeSetScrubber(this.opts.payerRules, () => now.toISOString().slice(0, 10), config.requiredCodeSets),
    };
  }
}
