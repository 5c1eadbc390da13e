/**
 * Which payer ids of incoming coverages billing does not know (GET /api/billing/unknown-payers): an id that is
 * neither a payer of billing.yaml nor one of a payer's `feedIds` (src/billing/config.ts payerOf). Their charges wait
 * unclaimed ("payer-not-configured"); once the payer is added, the next claim build claims them. Pure.
 */
import { payerOf, type BillingConfig } from './config';

export interface PayerIdSeen {
  payerId: string;
}

/** The rows whose payer id the configuration does not bill; every row when billing is not configured. */
export function unknownPayers<T extends PayerIdSeen>(rows: readonly T[], config: BillingConfig | undefined): T[] {
  return rows.filter((r) => !config || payerOf(config, r.payerId) === undefined);
}
