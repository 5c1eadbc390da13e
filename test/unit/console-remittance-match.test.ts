/** The console's reading of a hand match: the claim an operator typed and the result line (src/console/remittance-match.ts). */
import { describe, expect, it } from '@jest/globals';
import { claimIdFrom, matchResultText, type MatchResult } from '../../src/console/remittance-match';

describe('claimIdFrom', () => {
  it('takes an id, #id or a claim link', () => {
    expect(claimIdFrom('42')).toBe('42');
    expect(claimIdFrom(' #42 ')).toBe('42');
    expect(claimIdFrom('https://rx.example/#/claims/42')).toBe('42');
    expect(claimIdFrom('#/claims/42/')).toBe('42');
  });

  it('refuses anything else (a CLM01, words, an empty box)', () => {
    expect(claimIdFrom('RX0000000C')).toBeUndefined();
    expect(claimIdFrom('claim 42')).toBeUndefined();
    expect(claimIdFrom('')).toBeUndefined();
    expect(claimIdFrom('4'.repeat(19))).toBeUndefined();
  });
});

describe('matchResultText', () => {
  const result: MatchResult = {
    claimId: '12', controlNumber: 'RX0000000C', outcome: 'paid', paid: '45.00', role: 'claim-payer', status: 'paid',
    paymentId: '30', unmatchedPaymentId: '29',
  };
  const money = (a: string) => `$${a}`;

  it('says where the money went and the claim status', () => {
    expect(matchResultText(result, money)).toBe("Posted to claim #12 (RX0000000C) as the claim's payer: paid, $45.00 paid; the claim is now paid.");
  });

  it('says when a crossover or another payer left the status alone', () => {
    expect(matchResultText({ ...result, role: 'secondary' }, money)).toContain('as the secondary (crossover) payer');
    expect(matchResultText({ ...result, role: 'other-payer', status: 'denied' }, money))
      .toContain("from another payer (the claim's status is unchanged): paid, $45.00 paid; the claim is now denied.");
  });
});
