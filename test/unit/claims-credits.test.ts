/** Which charge a credit reverses (src/billing/claims/credits.ts): the cases a biller brings. Synthetic data. */
import {
  creditAmount, creditOutcome, magnitude, matchCredit, unmatchedCreditReason, type CreditCandidate, type CreditLine,
} from '../../src/billing/claims/credits';
import type { ChargeRecord } from '../../src/mappings/records';

const SENDER = 'RXSYS|PHARM01';

function credit(over: Partial<ChargeRecord> = {}, messageId = '50'): CreditLine {
  const record: ChargeRecord = {
    sourceKey: `ch|${SENDER}|CTL-${messageId}|5|line`, reversalOfTransaction: null, kind: 'reversal', serviceKind: 'mtm',
    transactionId: 'CR-1', serviceDate: '2026-11-03', patientRef: 'MRN005', codeSystem: 'CPT', code: '99605', modifiers: [],
    units: '1.000', chargeAmount: '-75.00', diagnoses: [], renderingNpi: null, orderingNpi: null, ndc: null,
    ndcQuantity: null, ndcUnit: null, rxNumber: null, fillNumber: null, daysSupply: null, daw: null, lot: null,
    vfcEligibility: null, placeOfService: null, reversalMatch: ['patient', 'code', 'serviceDate', 'amount'],
    reversalMissing: 'hold', ...over,
  };
  return { record, messageId, sender: SENDER };
}

function stored(id: number, over: Partial<CreditCandidate> = {}): CreditCandidate {
  return {
    id: String(id), sourceKey: `ch|${SENDER}|CTL-${id}|4|line`, messageId: String(id), sender: SENDER, status: 'active',
    transactionId: `TX-${id}`, patientRef: 'MRN005', code: '99605', serviceDate: '2026-11-03', chargeAmount: '75.00', ...over,
  };
}

describe('matchCredit', () => {
  it('FT1-31 names a line of the same message: that line\'s charge, whatever its transaction id', () => {
    const here = stored(60, { messageId: '50', sourceKey: `ch|${SENDER}|CTL-50|4|line`, transactionId: 'OTHER' });
    const m = matchCredit(credit({ reversalOfLine: here.sourceKey, reversalOfTransaction: 'TX-10' }), [stored(10), here]);
    expect(m).toEqual({ kind: 'reverse', target: here, by: 'line' });
  });

  it('the line named was reversed already (two credits for one charge): held, never a guess at another charge', () => {
    const here = stored(60, { messageId: '50', sourceKey: `ch|${SENDER}|CTL-50|4|line`, status: 'reversed' });
    expect(matchCredit(credit({ reversalOfLine: here.sourceKey }), [here, stored(10)])).toEqual({ kind: 'missing', why: 'already-reversed' });
  });

  it('across messages: the same sender\'s charge with the transaction id, before any attribute match', () => {
    const byAttributes = stored(30);
    const byId = stored(20, { transactionId: 'TX-100', code: '90471', chargeAmount: '25.00' });
    const m = matchCredit(credit({ reversalOfTransaction: 'TX-100' }), [byAttributes, byId]);
    expect(m).toMatchObject({ kind: 'reverse', by: 'transaction', target: { id: '20' } });
  });

  it('another sender\'s charge with the same transaction id is not the one', () => {
    const other = stored(20, { transactionId: 'TX-100', sender: 'OTHERAPP|STORE9', code: '90471' });
    expect(matchCredit(credit({ reversalOfTransaction: 'TX-100' }), [other])).toEqual({ kind: 'missing', why: 'not-found' });
  });

  it('a line credited and re-charged under the same id in one message: the earlier message\'s charge is reversed', () => {
    const old = stored(20, { transactionId: 'TX-100' });
    const recharge = stored(61, { messageId: '50', transactionId: 'TX-100', sourceKey: `ch|${SENDER}|CTL-50|6|line` });
    expect(matchCredit(credit({ reversalOfTransaction: 'TX-100' }), [recharge, old])).toMatchObject({ target: { id: '20' } });
    // An old feed that sends the charge and its credit in one message under one FT1-2: its own line.
    expect(matchCredit(credit({ reversalOfTransaction: 'TX-100' }), [recharge])).toMatchObject({ target: { id: '61' }, by: 'transaction' });
  });

  it('by transaction id: the newest active charge; a reversed one is never reversed twice', () => {
    const reversed = stored(20, { transactionId: 'TX-100', status: 'reversed' });
    const rebilled = stored(25, { transactionId: 'TX-100' });
    expect(matchCredit(credit({ reversalOfTransaction: 'TX-100' }), [reversed, rebilled])).toMatchObject({ target: { id: '25' } });
    const noMatch = credit({ reversalOfTransaction: 'TX-100', reversalMatch: undefined });
    expect(matchCredit(noMatch, [reversed])).toEqual({ kind: 'missing', why: 'already-reversed' });
  });

  it('then patient, code, date of service and amount: an active charge, the amount compared as its magnitude', () => {
    const target = stored(20);
    expect(matchCredit(credit({ reversalOfTransaction: 'CR-1' }), [target])).toMatchObject({ by: 'attributes', target: { id: '20' } });
    expect(matchCredit(credit({ chargeAmount: '75' }), [target])).toMatchObject({ by: 'attributes' }); // sent positive
    for (const miss of [{ patientRef: 'MRN006' }, { code: '99606' }, { serviceDate: '2026-11-04' }, { chargeAmount: '80.00' }, { status: 'reversed' as const }]) {
      expect(matchCredit(credit(), [stored(20, miss)])).toEqual({ kind: 'missing', why: 'not-found' });
    }
    // A credit without an amount reverses the whole charge: the amount does not narrow the match.
    expect(matchCredit(credit({ chargeAmount: null }), [target])).toMatchObject({ by: 'attributes' });
  });

  it('only the keys the mapping names are compared; no keys, no attribute match', () => {
    expect(matchCredit(credit({ reversalMatch: ['patient', 'code'] }), [stored(20, { serviceDate: '2026-10-01', chargeAmount: '1.00' })]))
      .toMatchObject({ by: 'attributes' });
    expect(matchCredit(credit({ reversalMatch: undefined }), [stored(20)])).toEqual({ kind: 'missing', why: 'not-found' });
  });

  it('attribute matching looks at earlier messages only (a same-message charge is named by FT1-31)', () => {
    expect(matchCredit(credit(), [stored(60, { messageId: '50' })])).toEqual({ kind: 'missing', why: 'not-found' });
  });
});

describe('what an unmatched credit says', () => {
  it('the held charge\'s reason: code, date of service, amount, why', () => {
    expect(unmatchedCreditReason(credit().record, 'not-found')).toBe('credit for 99605 on 2026-11-03, 75.00: no charge found to reverse');
    expect(unmatchedCreditReason(credit({ chargeAmount: null }).record, 'already-reversed'))
      .toBe('credit for 99605 on 2026-11-03: the charge it names is already reversed');
  });

  it('a credit is stored negative whatever sign the sender used', () => {
    expect([creditAmount('75'), creditAmount('-75.00'), creditAmount('0'), creditAmount(null)]).toEqual(['-75.00', '-75.00', '0.00', null]);
    expect(magnitude('-12.5')).toBe('12.50');
  });

  it('the line event names the charge and how it was found, never a value', () => {
    expect(creditOutcome({ kind: 'reverse', target: stored(20), by: 'attributes' })).toBe('reverses charge 20 (found by patient, code, date and amount)');
    expect(creditOutcome({ kind: 'missing', why: 'not-found' })).toBe('no charge found to reverse');
  });
});
