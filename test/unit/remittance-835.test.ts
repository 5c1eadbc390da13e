/**
 * read835 and the 835 balancing checks: every public 835 in the corpus reads, and either balances or is refused
 * with the exact reason; the synthetic 835 reads field by field; unbalanced and malformed variants of it are
 * refused with the reason naming the claim and the amounts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { assertBalanced835, balance835, read835 } from '../../src/billing/remittance';
import { elementValue, readInterchanges, type X12TransactionSet } from '../../src/x12';
import { thrown } from './helpers';

const X12_CORPUS = path.join(__dirname, '../../../shared/corpus/x12');
const FIXTURES = path.join(__dirname, '../fixtures/x12');
const SYNTHETIC = fs.readFileSync(path.join(FIXTURES, 'synthetic-partial-denied.835'), 'latin1');

function transactionSets(text: string, type: string): X12TransactionSet[] {
  return readInterchanges(text)
    .flatMap((i) => i.groups)
    .flatMap((g) => g.transactionSets)
    .filter((ts) => elementValue(ts.st, 1) === type);
}

function only835(text: string): X12TransactionSet {
  const sets = transactionSets(text, '835');
  expect(sets).toHaveLength(1);
  return sets[0]!;
}

const corpus = (name: string): string => fs.readFileSync(path.join(X12_CORPUS, name), 'latin1');

/** Every 835 in the corpus, found by content (LinuxForHealth *.835 and any imsweb file holding an ST*835). */
const corpus835 = fs.readdirSync(X12_CORPUS).filter((f) => /(^|[~\s])ST.835./.test(corpus(f))).sort();

/** What each corpus 835 must give: [] balances, else the exact reasons it is refused for. */
const EXPECTED_BALANCE: Record<string, string[]> = {
  'LinuxForHealth__x12__cob-contractural-adjustment.835': [],
  'LinuxForHealth__x12__managed-care.835': [],
  'LinuxForHealth__x12__secondary-payment.835': [],
  // SVC*HC*24599.00*1766.50*187.50**1: the composite lost its code, so SVC02 reads 24599.00 and SVC03 1766.50.
  'LinuxForHealth__x12__tertiary-payment.835': [
    'claim 0001000054 service 1 (no procedure code): charge 24599.00 − adjustments 1579.00 = 23020.00, but the service paid is 1766.50',
  ],
};

describe('corpus 835s', () => {
  it('finds the four LinuxForHealth 835s and no unexpected one', () => {
    expect(corpus835).toEqual(Object.keys(EXPECTED_BALANCE).sort());
  });

  it.each(corpus835)('%s reads and balances or is refused with the expected reason', (name) => {
    const rem = read835(only835(corpus(name)));
    const reasons = balance835(rem);
    expect(reasons).toEqual(EXPECTED_BALANCE[name]);
    if (reasons.length === 0) {
      expect(() => assertBalanced835(rem)).not.toThrow();
    } else {
      const err = thrown(() => assertBalanced835(rem));
      expect(err.code).toBe('REMITTANCE_UNBALANCED');
      for (const reason of reasons) expect(err.message).toContain(reason);
    }
  });

  it('managed-care.835: header, payee NPI, claims, claim and line CAS', () => {
    const rem = read835(only835(corpus('LinuxForHealth__x12__managed-care.835')));
    expect(rem).toMatchObject({
      traceNumber: '7170066655', paymentAmount: '945.00', handling: 'I', paymentMethod: 'ACH',
      payerName: 'RUSHMORE LIFE',
      payeeName: 'ACME MEDICAL CENTER', payeeNpi: '5544667733', providerAdjustments: [],
    });
    expect(rem.claims.map((c) => [c.controlNumber, c.status, c.charge, c.paid, c.patientResponsibility, c.payerClaimNumber]))
      .toEqual([
        ['5554555444', '1', '800.00', '450.00', '300.00', '94060555410000'],
        ['8765432112', '1', '1200.00', '495.00', '600.00', '94077799230000'],
      ]);
    expect(rem.claims[0]!.adjustments).toEqual([{ group: 'CO', reason: 'A2', amount: '50.00' }]);
    expect(rem.claims[1]!.services).toEqual([{
      code: '93555', modifiers: [], charge: '1200.00', paid: '550.00', serviceDate: '2002-03-10',
      adjustments: [{ group: 'PR', reason: '1', amount: '600.00' }, { group: 'CO', reason: '45', amount: '50.00' }],
    }]);
  });

  it('managed-care.835: BPR16 20002316 is not a calendar date, so the payment date is left out, not guessed', () => {
    const rem = read835(only835(corpus('LinuxForHealth__x12__managed-care.835')));
    expect(rem.paymentDate).toBeUndefined();
    expect('paymentDate' in rem).toBe(false);
  });

  it('secondary-payment.835: a claim without services balances on claim CAS alone; CAS with two triplets', () => {
    const rem = read835(only835(corpus('LinuxForHealth__x12__secondary-payment.835')));
    expect(rem.claims[0]).toMatchObject({ controlNumber: 'L0004828311', services: [], adjustments: [{ group: 'OA', reason: '23', amount: '9411.64' }] });
    expect(rem.claims[1]!.services[1]!.adjustments).toEqual([
      { group: 'PR', reason: '1', amount: '150.00' },
      { group: 'PR', reason: '2', amount: '70.00' },
      { group: 'CO', reason: '42', amount: '85.00' },
    ]);
    // "HC>66543>26" uses '>' although the ISA declares ':' as component separator: read as written (no code).
    expect(rem.claims[1]!.services[1]).toMatchObject({ code: '', modifiers: [], unitsPaid: '1.00', paid: '280.00' });
  });

  it('cob-contractural-adjustment.835: a negative CAS amount and check payment', () => {
    const rem = read835(only835(corpus('LinuxForHealth__x12__cob-contractural-adjustment.835')));
    expect(rem).toMatchObject({ paymentMethod: 'CHK', traceNumber: '0063158ABC' });
    // "CHK***********20050318" puts the date in BPR15 (one asterisk short of BPR16): no payment date.
    expect(rem.paymentDate).toBeUndefined();
    expect(rem.payeeNpi).toBeUndefined(); // N1*PE is identified by FI (tax id), not XX
    expect(rem.claims[0]!.services[0]!.adjustments).toEqual([
      { group: 'OA', reason: '23', amount: '516.00' },
      { group: 'OA', reason: '94', amount: '-9.00' },
    ]);
  });
});

describe('synthetic 835', () => {
  const rem = read835(only835(SYNTHETIC));

  it('reads the header: BPR, TRN, payer with REF*2U, payee with NPI', () => {
    expect(rem).toMatchObject({
      traceNumber: 'EFT0000777', paymentAmount: '40.50', handling: 'I', paymentMethod: 'ACH', paymentDate: '2024-03-01',
      payerName: 'SYNTHETIC HEALTH PLAN', payerId: '99999', payeeName: 'SYNTHETIC COMMUNITY PHARMACY', payeeNpi: '1234567893',
    });
  });

  it('reads claims, services with modifiers, DTM*472 and DTM*150, REF*6R, CAS with several triplets', () => {
    expect(rem.claims.map((c) => c.controlNumber)).toEqual(['RXB20240115001', 'RXB20240115002', 'RXB20240116003', 'NOTOURS0004']);
    expect(rem.claims[1]!.services[0]).toMatchObject({ code: '99606', serviceDate: '2024-01-15', paid: '0.00', unitsPaid: '0' });
    expect(rem.claims[2]).toMatchObject({ status: '1', patientResponsibility: '5.00', payerClaimNumber: 'PCN000000003' });
    expect(rem.claims[2]!.services[0]).toEqual({
      code: '87804', modifiers: ['QW'], charge: '30.00', paid: '19.00', unitsPaid: '1', serviceDate: '2024-01-16',
      lineControlNumber: '1',
      adjustments: [
        { group: 'CO', reason: '45', amount: '6.00' },
        { group: 'PR', reason: '1', amount: '2.00' },
        { group: 'PR', reason: '3', amount: '3.00' },
      ],
    });
    expect(rem.claims[3]).toMatchObject({ services: [], adjustments: [], patientResponsibility: '0.00' });
  });

  it('reads PLB pairs (reason:reference, amount) from one segment', () => {
    expect(rem.providerAdjustments).toEqual([
      { reason: 'L6', reference: 'INT01', amount: '-1.50' },
      { reason: 'WO', reference: 'RECOUP77', amount: '10.00' },
    ]);
  });

  it('balances: 49.00 paid on claims − 8.50 provider adjustments = 40.50', () => {
    expect(balance835(rem)).toEqual([]);
  });
});

describe('unbalanced and malformed variants of the synthetic 835 are refused', () => {
  const variant = (from: string, to: string): string => {
    expect(SYNTHETIC).toContain(from);
    return SYNTHETIC.replace(from, to);
  };
  const refusal = (text: string): string => {
    const err = thrown(() => assertBalanced835(read835(only835(text))));
    expect(err.code).toBe('REMITTANCE_UNBALANCED');
    return err.message;
  };

  it('a service whose paid amount disagrees with its charge and CAS (the claim then disagrees too)', () => {
    const text = variant('SVC*HC:90471*25.00*20.00**1', 'SVC*HC:90471*25.00*21.00**1');
    expect(balance835(read835(only835(text)))).toEqual([
      'claim RXB20240115001 service 1 (90471): charge 25.00 − adjustments 5.00 = 20.00, but the service paid is 21.00',
    ]);
    expect(refusal(text)).toBe('the 835 (trace EFT0000777) does not balance and is refused: '
      + 'claim RXB20240115001 service 1 (90471): charge 25.00 − adjustments 5.00 = 20.00, but the service paid is 21.00');
  });

  it('a claim whose CLP04 disagrees with CLP03 and the claim and line CAS, and then the payment too', () => {
    const text = variant('CLP*RXB20240116003*1*30.00*19.00', 'CLP*RXB20240116003*1*30.00*18.00');
    expect(balance835(read835(only835(text)))).toEqual([
      'claim RXB20240116003: charge 30.00 − claim and service adjustments 11.00 = 19.00, but the claim paid is 18.00',
      'payment 40.50 (BPR02) does not equal claims paid 48.00 − provider adjustments 8.50 = 39.50',
    ]);
  });

  it('a claim without services balances on its claim CAS alone', () => {
    const text = variant('CLP*NOTOURS0004*1*10.00*10.00**CI*PCN000000004', 'CLP*NOTOURS0004*1*12.00*10.00**CI*PCN000000004~CAS*CO*45*1.00');
    expect(balance835(read835(only835(text)))).toEqual([
      'claim NOTOURS0004: charge 12.00 − claim adjustments 1.00 = 11.00, but the claim paid is 10.00',
    ]);
  });

  it('a payment amount that is not the claims paid less PLB', () => {
    const text = variant('BPR*I*40.50*', 'BPR*I*50.00*');
    expect(refusal(text)).toContain('payment 50.00 (BPR02) does not equal claims paid 49.00 − provider adjustments 8.50 = 40.50');
  });

  it('a PLB that is dropped breaks the payment equation', () => {
    const text = variant('*WO:RECOUP77*10.00', '');
    expect(balance835(read835(only835(text)))).toEqual([
      'payment 40.50 (BPR02) does not equal claims paid 49.00 − provider adjustments -1.50 = 50.50',
    ]);
  });

  it.each([
    ['a non-numeric paid amount', 'CLP*RXB20240115002*4*60.00*0.00', 'CLP*RXB20240115002*4*60.00*ZERO', /^CLP04 \(segment \d+\) is not a money amount$/],
    ['a fraction of a cent', 'SVC*HC:90471*25.00*20.00', 'SVC*HC:90471*25.00*20.001', /^SVC03 .* is not a money amount$/],
    ['an unknown CAS group', 'CAS*CO*96*40.00', 'CAS*XX*96*40.00', /^CAS01 .* is not an adjustment group/],
    ['a CAS amount without reason', 'CAS*CO*96*40.00', 'CAS*CO**40.00', /^CAS02 .* is empty but its amount is not$/],
    ['a bad service date', 'DTM*472*20240116', 'DTM*472*20240132', /^DTM02 .* is not a CCYYMMDD date$/],
    ['no TRN', 'TRN*1*EFT0000777*1512345678~', '', /^the 835 has no TRN segment/],
    ['an SVC before any CLP', 'LX*1~', 'LX*1~SVC*HC:1*1*1~', /^SVC01 .* is outside a claim/],
  ])('%s is PAYER_FILE_INVALID naming the position, not the value', (_what, from, to, message) => {
    const err = thrown(() => read835(only835(variant(from, to))));
    expect(err.code).toBe('PAYER_FILE_INVALID');
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain('ZERO');
  });

  it('another transaction set type is refused', () => {
    const err = thrown(() => read835(transactionSets(corpus('imsweb__x12-parser__x12_999_accepted.txt'), '999')[0]!));
    expect(err).toMatchObject({ code: 'PAYER_FILE_INVALID', message: 'the transaction set is not of type 835 (ST01 is 999)' });
  });
});

describe('remark codes (RARC): LQ*HE per line, MOA and MIA per claim', () => {
  /** The synthetic 835 with hand-written segments put in after `after` (which must occur once). */
  const withSegments = (after: string, segments: string): string => {
    expect(SYNTHETIC.split(after)).toHaveLength(2);
    return SYNTHETIC.replace(after, `${after}${segments}`);
  };

  it('the synthetic 835 has none: remarks stay absent on claims and lines', () => {
    const rem = read835(only835(SYNTHETIC));
    for (const c of rem.claims) {
      expect(c).not.toHaveProperty('remarks');
      for (const s of c.services) expect(s).not.toHaveProperty('remarks');
    }
  });

  it('LQ*HE after the SVC, its CAS and REF belong to that line, in order, once each; LQ*RX is not a RARC', () => {
    const claim = read835(only835(withSegments('CAS*CO*96*40.00~', 'LQ*HE*N130~LQ*HE*M15~LQ*HE*N130~LQ*RX*70~'))).claims[0]!;
    expect(claim.services[1]!.remarks).toEqual(['N130', 'M15']);
    expect(claim.services[0]).not.toHaveProperty('remarks');
    expect(claim).not.toHaveProperty('remarks');
  });

  it('LQ*HE after REF*6R still belongs to the line before it', () => {
    const claim = read835(only835(withSegments('CAS*CO*45*5.00~\nREF*6R*1~', 'LQ*HE*N20~'))).claims[0]!;
    expect(claim.services[0]!.remarks).toEqual(['N20']);
    expect(claim.services[1]).not.toHaveProperty('remarks');
  });

  it('MOA03–MOA07 are the claim remarks (MOA01/02 are a rate and an amount); empty elements are skipped', () => {
    const rem = read835(only835(withSegments('MI*SYN000002~', 'MOA*0.5*12.00*MA130**N4*MA04~')));
    expect(rem.claims[1]!.remarks).toEqual(['MA130', 'N4', 'MA04']);
    expect(rem.claims[1]!.services[0]).not.toHaveProperty('remarks');
    expect(rem.claims[0]).not.toHaveProperty('remarks');
  });

  it('MIA05 and MIA20–MIA23 are the claim remarks of an inpatient claim, after any MOA codes', () => {
    const mia = ['MIA', '0', '', '', '', 'MA04', ...Array(14).fill('1.00'), 'N20', 'M51', '', 'MA130'].join('*');
    expect(mia.split('*')[5]).toBe('MA04');
    expect(mia.split('*')[20]).toBe('N20');
    expect(mia.split('*')[23]).toBe('MA130');
    const rem = read835(only835(withSegments('MI*SYN000003~', `${mia}~MOA***MA04*N522~`)));
    expect(rem.claims[2]!.remarks).toEqual(['MA04', 'N20', 'M51', 'MA130', 'N522']);
  });

  it('an LQ*HE without its code is PAYER_FILE_INVALID', () => {
    const err = thrown(() => read835(only835(withSegments('CAS*CO*96*40.00~', 'LQ*HE~'))));
    expect(err).toMatchObject({ code: 'PAYER_FILE_INVALID' });
    expect(err.message).toMatch(/^LQ02 .* is empty \(the remark code is required\)/);
  });

  it('remarks do not change balancing', () => {
    const rem = read835(only835(withSegments('CAS*CO*96*40.00~', 'LQ*HE*N130~')));
    expect(balance835(rem)).toEqual([]);
  });
});
