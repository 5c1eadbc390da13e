/**
 * The billing bench workload (src/bench/billing.ts) must measure clean work: every claim built, none held by
 * the scrubber, and the generated 835 balanced and matching every claim with the amounts it pays.
 */
import {
  benchBilling, billingWorkload, claimsRound, forReconciliation, remittanceFor, remittanceRound,
} from '../../src/bench/billing';
import { read835, reconcile } from '../../src/billing/remittance';
import { readInterchanges } from '../../src/x12/reader';

describe('billing bench workload', () => {
  const work = billingWorkload(50);
  const round = claimsRound(work, 20, new Date('2026-11-25T10:00:00Z'));

  test('one claim per patient, 1 to 4 lines, no scrub findings', () => {
    expect(round.claims).toHaveLength(50);
    expect(new Set(round.claims.map((c) => c.lines.length))).toEqual(new Set([1, 2, 3, 4]));
    expect(round.findings).toEqual({ error: 0, warning: 0, info: 0 });
    expect(round.bytes).toBeGreaterThan(0);
  });

  test('the 835 balances and reconciles every claim: odd ones paid, even ones partial', () => {
    const text = remittanceFor(round.claims, '2026-12-15');
    expect(remittanceRound(text, forReconciliation(round.claims))).toBe(50);
    const ts = readInterchanges(text)[0]!.groups[0]!.transactionSets[0]!;
    const result = reconcile(read835(ts), forReconciliation(round.claims));
    expect(result.unmatchedClaims).toEqual([]);
    expect(result.claims[0]!.outcome).toBe('paid');
    expect(result.claims[1]!.paid).not.toBe(result.claims[1]!.charge);
    expect(result.claims.every((c) => c.linesWithoutService.length === 0 && c.unmatchedServices.length === 0)).toBe(true);
  });

  test('benchBilling reports both rates', () => {
    const r = benchBilling(0.05, { claims: 20, batchSize: 10 });
    expect(r.claimsPerSec).toBeGreaterThan(0);
    expect(r.remitClaimsPerSec).toBeGreaterThan(0);
    expect(r.matched).toBe(20);
  });
});
