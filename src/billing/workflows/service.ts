/**
 * The claims operations as the admin API and the CLI use them, bound to the billing configuration, the payer rules,
 * the code-set scrubber, the 837P writer and the outbox; the store comes in through the ports (src/billing/ports.ts),
 * and the read-only views (list, detail, batches) through `queries`. Without a billing configuration
 * (billing/billing.yaml missing) reads still work and every operation that builds or writes claims answers CONFLICT
 * naming the missing file. src/store/claims-service.ts wires it to Postgres.
 */
import { EngineError } from '../../core/errors';
import type { BillingConfig } from '../config';
import type { ClaimEditRequest } from '../claims/edits';
import type { ClaimsPort, ClaimsUnitOfWork, Outbox } from '../ports';
import type { NextPayerOutcome, OwnAdjudication } from '../remittance/posting';
import type { PayerRules } from '../scrub';
import { write837P } from '../x12-837p';
import { assertWritable } from '../x12-837p-validate';
import { close, correct, editClaim, override, replaceClaim, voidClaim } from './actions';
import { createBatches } from './batching';
import { build, unclaimed } from './build';
import { nextPayerClaims } from './next-payer';
import { codeSetScrubber } from './scrubber';
import type { ClaimFilter, ClaimSummary, ClaimsContext, X12Writer } from './types';

/** The interchange of a payer's 837P: ISA14 = 1 when its clearinghouse asks for a TA1 (`requestTa1`). */
export function interchangeFor(config: BillingConfig, payerId: string | undefined): BillingConfig['interchange'] {
  const name = payerId === undefined ? undefined : config.payers.get(payerId)?.clearinghouse;
  const ch = name === undefined ? undefined : config.clearinghouses.get(name);
  return ch?.requestTa1 ? { ...config.interchange, requestTa1: true } : config.interchange;
}

/** The read-only views of claims and batches the API shows (src/store/claims.ts ClaimRows). */
export interface ClaimQueries {
  list(f: ClaimFilter): Promise<ClaimSummary[]>;
  get(id: string): Promise<unknown>;
  listBatches(limit: number, before?: string): Promise<unknown[]>;
  batchX12(id: string): Promise<{ fileName: string; x12: string } | undefined>;
}

export interface ClaimsWorkflowOptions<Q extends ClaimQueries> {
  store: ClaimsPort;
  queries: Q;
  /** Undefined when billing is not configured; `missing` then says why (e.g. the file that was not found). */
  config: BillingConfig | undefined;
  missing?: string;
  payerRules: PayerRules;
  /** Default: directoryOutbox(config.outboxDir). */
  outbox?: Outbox;
  directoryOutbox: (dir: string) => Outbox;
  clock?: () => Date;
}

export class ClaimsWorkflows<Q extends ClaimQueries> {
  protected readonly store: ClaimsPort;
  protected readonly queries: Q;
  private readonly clock: () => Date;
  private billing: { config: BillingConfig | undefined; missing?: string };

  constructor(private readonly wiring: ClaimsWorkflowOptions<Q>) {
    this.store = wiring.store;
    this.queries = wiring.queries;
    this.clock = wiring.clock ?? (() => new Date());
    this.billing = { config: wiring.config, ...(wiring.missing ? { missing: wiring.missing } : {}) };
  }

  /**
   * Puts a reloaded billing configuration in force (src/billing/reload.ts): every operation that starts after this
   * call reads it; one already running keeps the configuration it started with. Undefined: billing unconfigured.
   */
  useBillingConfig(config: BillingConfig | undefined, missing?: string): void {
    this.billing = { config, ...(missing ? { missing } : {}) };
  }

  /** The billing configuration in force, if any. */
  billingConfig(): BillingConfig | undefined {
    return this.billing.config;
  }

  build(actor: string) {
    return build(this.store, this.context(actor));
  }

  unclaimed() {
    return unclaimed(this.store, this.config());
  }

  list(f: ClaimFilter) {
    return this.queries.list(f);
  }

  get(id: string): ReturnType<Q['get']> {
    return this.queries.get(id) as ReturnType<Q['get']>;
  }

  override(id: string, reason: string, actor: string) {
    return override(this.store, id, reason, actor);
  }

  void(id: string, reason: string, actor: string) {
    return voidClaim(this.store, id, reason, this.context(actor));
  }

  correct(id: string, actor: string) {
    return correct(this.store, id, this.context(actor));
  }

  edit(id: string, edit: ClaimEditRequest, actor: string) {
    return editClaim(this.store, id, edit, this.context(actor));
  }

  replace(id: string, actor: string) {
    return replaceClaim(this.store, id, this.context(actor));
  }

  close(id: string, reason: string, actor: string) {
    return close(this.store, id, reason, actor);
  }

  createBatches(actor: string, payerId?: string) {
    const ctx = this.context(actor);
    const writer: X12Writer = {
      write: (claims, control, now) => write837P(claims, interchangeFor(ctx.config, claims[0]?.payer.id), control, now),
      check: (claim) => assertWritable(claim, 0),
    };
    return createBatches(this.store, ctx, writer, this.wiring.outbox ?? this.wiring.directoryOutbox(ctx.config.outboxDir), payerId);
  }

  /**
   * What posting an 835 does for `actor` once a claim's own payer adjudicated it: the claim to the next payer
   * (src/billing/workflows/next-payer.ts), in posting's unit of work; undefined without a billing configuration.
   */
  nextPayerStep(
    actor: string,
  ): ((uow: ClaimsUnitOfWork, adjudications: readonly OwnAdjudication[]) => Promise<NextPayerOutcome[]>) | undefined {
    if (!this.billing.config) return undefined;
    return (uow, adjudications) => nextPayerClaims(uow, adjudications, this.context(actor));
  }

  listBatches(limit: number, before?: string): ReturnType<Q['listBatches']> {
    return this.queries.listBatches(limit, before) as ReturnType<Q['listBatches']>;
  }

  batchX12(id: string) {
    return this.queries.batchX12(id);
  }

  protected config(): BillingConfig {
    const { config, missing } = this.billing;
    if (!config) throw new EngineError('CONFLICT', `billing is not configured${missing ? `: ${missing}` : ''}`);
    return config;
  }

  protected context(actor: string): ClaimsContext {
    const now = this.clock();
    const config = this.config();
    return {
      config,
      actor,
      now,
      payerRules: this.wiring.payerRules,
      scrub: codeSetScrubber(this.wiring.payerRules, () => now.toISOString().slice(0, 10), config.requiredCodeSets),
    };
  }
}
