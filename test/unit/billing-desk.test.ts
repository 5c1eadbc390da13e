/**
 * The billing desk's pure parts: when a remittance may be withdrawn (and the claim each refusal names), what
 * `rxbridge acks` prints for an acknowledgment, the report CSV cells (escaped, formulas guarded, numbers bare) and
 * the CARC and RARC meanings the denials report shows, and its CSV (CARC and RARC rows told apart by `kind`).
 */
import { csvTable } from '../../src/admin/csv';
import { denialsCsv } from '../../src/admin/report-csv';
import { carcMeaning } from '../../src/billing/remittance/carc';
import { rarcMeaning } from '../../src/billing/remittance/rarc';
import { withdrawRefusal, type WithdrawFacts } from '../../src/billing/remittance/withdraw';
import { ackSummary } from '../../src/cli/acks';

const facts = (over: Partial<WithdrawFacts> = {}): WithdrawFacts => ({
  remittanceId: '7', withdrawn: false, unrecordedClaims: [], claims: [{ claimId: '12', status: 'paid' }], handMatched: [], ...over,
});

describe('withdrawing a remittance', () => {
  it('is allowed while nothing was built on it, including an unsent or voided next-payer claim', () => {
    expect(withdrawRefusal(facts())).toBeUndefined();
    for (const status of ['draft', 'held', 'ready', 'voided'] as const) {
      expect(withdrawRefusal(facts({ claims: [{ claimId: '12', status: 'paid', builtFollower: { id: '15', status, payerId: 'SYNMGP01' } }] }))).toBeUndefined();
    }
  });

  it('is refused, naming the claim, after a later step', () => {
    expect(withdrawRefusal(facts({ withdrawn: true }))).toBe('remittance 7 is already withdrawn');
    expect(withdrawRefusal(facts({ unrecordedClaims: ['12'] }))).toBe(
      'claim 12 cannot be restored: remittance 7 was posted before withdraws were possible (its state before the posting was not kept)');
    expect(withdrawRefusal(facts({ claims: [{ claimId: '12', status: 'paid', laterPayment: { remittanceId: '9', traceNumber: 'T2' } }] })))
      .toBe('claim 12 has a later remittance posted (remittance 9, trace T2): withdraw that one first');
    for (const status of ['batched', 'submitted', 'rejected', 'paid'] as const) {
      expect(withdrawRefusal(facts({ claims: [{ claimId: '12', status: 'paid', builtFollower: { id: '15', status, payerId: 'SYNMGP01' } }] })))
        .toBe(`claim 15 to payer SYNMGP01, built from this remittance for claim 12, is ${status}: the next payer has it`);
    }
    expect(withdrawRefusal(facts({ claims: [{ claimId: '12', status: 'closed' }] }))).toBe('claim 12 was closed after this remittance');
    expect(withdrawRefusal(facts({ claims: [{ claimId: '12', status: 'accepted', laterEvent: { action: 'acknowledge', toStatus: 'accepted', actor: 'bea' } }] })))
      .toBe('claim 12 changed after this remittance (acknowledge → accepted by bea)');
    expect(withdrawRefusal(facts({ handMatched: [{ claimId: '30', by: 'bea' }] })))
      .toBe('an unmatched line of this remittance was matched by hand to claim 30 by bea');
  });
});

describe('rxbridge acks summary', () => {
  it('says what a 999 and a 277CA did, and when a file named nothing of ours', () => {
    expect(ackSummary('a.999', { batches: [{ batchId: '3', accepted: false, claims: 2 }], claims: [], unmatched: [] }))
      .toEqual(['a.999: 1 batch (0 accepted, 1 rejected)', '  batch 3: rejected, 2 claims']);
    expect(ackSummary('b.277', {
      batches: [],
      claims: [{ claimId: '4', controlNumber: 'RX4A', outcome: 'accepted', status: 'accepted' }, { claimId: '5', controlNumber: 'RX5B', outcome: 'rejected', status: 'rejected' }],
      unmatched: ['RXZZZ'],
    })).toEqual(['b.277: 2 claims (1 accepted, 1 rejected), 1 not ours (RXZZZ)', '  RX4A (claim 4): accepted → accepted', '  RX5B (claim 5): rejected → rejected']);
    expect(ackSummary('c.999', { batches: [], claims: [], unmatched: [] })).toEqual(['c.999: nothing of ours']);
  });
});

describe('report CSV', () => {
  it('quotes, guards formulas in text and writes numbers bare', () => {
    expect(csvTable(['payer', 'amount', 'rate'], [
      ['=HYPERLINK("x")', '-12.50', 0.25],
      ['PLAN, "A"', '3', null],
      ['-minus', '1e5', 1],
    ])).toBe('payer,amount,rate\r\n"\'=HYPERLINK(""x"")",-12.50,0.25\r\n"PLAN, ""A""",3,\r\n\'-minus,1e5,1\r\n');
  });
});

describe('CARC meanings', () => {
  it('knows the common codes and says nothing of the others', () => {
    expect(carcMeaning('45')).toBe('charge exceeds fee schedule or maximum allowable amount');
    expect(carcMeaning('96')).toBe('non-covered charge(s)');
    expect(carcMeaning('A1')).toBeUndefined();
  });
});

describe('RARC meanings', () => {
  it('knows the common remark codes and says nothing of the others', () => {
    expect(rarcMeaning('N130')).toBe("see the plan's benefit rules (consult plan documents)");
    expect(rarcMeaning('MA130')).toMatch(/^the claim has incomplete or invalid information/);
    for (const code of ['N290', 'N362', 'M15', 'M20', 'M51', 'MA04', 'N4', 'N20', 'N425', 'N522', 'N657']) expect(rarcMeaning(code)).toBeTruthy();
    expect(rarcMeaning('N999')).toBeUndefined();
    expect(rarcMeaning('45')).toBeUndefined();
  });
});

describe('denials CSV', () => {
  it('one table: CARC rows then RARC rows, told apart by kind; a RARC row has no group', () => {
    expect(denialsCsv({
      rows: [{ payerId: 'P1', payerName: 'PLAN ONE', group: 'CO', reason: '50', meaning: null, count: 2, amount: '40.00' }],
      remarks: [
        { payerId: 'P1', payerName: 'PLAN ONE', remark: 'N130', meaning: 'see it', count: 1, amount: '25.00' },
        { payerId: 'P1', payerName: 'PLAN ONE', remark: 'ZZ1', meaning: null, count: 1, amount: '15.00' },
      ],
    })).toBe([
      'kind,payer_id,payer_name,group,code,meaning,count,amount',
      'carc,P1,PLAN ONE,CO,50,,2,40.00',
      'rarc,P1,PLAN ONE,,N130,see it,1,25.00',
      'rarc,P1,PLAN ONE,,ZZ1,,1,15.00',
      '',
    ].join('\r\n'));
  });
});
