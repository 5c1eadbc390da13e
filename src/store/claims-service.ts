/**
 * The claims service on Postgres: the claim workflows (src/billing/workflows/service.ts) wired to the Kysely
 * claims store, the claim views and the outbox directory, plus remittances, reports and missed charges, which
 * read and write their own rows.
 */
import type { Kysely } from 'kysely';
import type { BillingConfig } from '../billing/config';
import type { Outbox } from '../billing/ports';
import type { PayerRules } from '../billing/scrub';
import { ClaimsWorkflows } from '../billing/workflows/service';
import { ClaimRows, KyselyClaimsStore } from './claims';
import { directoryOutbox } from './claims-outbox';
import { recordAcknowledgments, recordRemittances } from './claims-remittances';
import { payerReport, revenueReport, type RevenueDimension } from './claims-reports';
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

  constructor(opts: ClaimsServiceOptions) {
    super({
      store: new KyselyClaimsStore(opts.db), queries: new ClaimRows(opts.db), config: opts.config, payerRules: opts.payerRules,
      directoryOutbox, ...(opts.missing ? { missing: opts.missing } : {}), ...(opts.outbox ? { outbox: opts.outbox } : {}),
      ...(opts.clock ? { clock: opts.clock } : {}),
    });
    this.db = opts.db;
  }

  recordRemittances(text: string, actor: string) {
    return recordRemittances(this.db, text, actor);
  }

  recordAcknowledgments(text: string, actor: string) {
    return recordAcknowledgments(this.db, text, actor);
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
}
