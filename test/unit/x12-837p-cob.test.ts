/**
 * Secondary and tertiary claims in the 837P: the claim to the next payer built from the primary's 835 answer
 * (src/billing/cob/next-payer.ts), written with its 2320/2330A/2330B and 2430 loops, balancing as a clearinghouse
 * checks it, read strictly by node-x12 and passed by check837P; and the writer and checker refusing a secondary
 * claim without its other payer or one that does not balance.
 */
import { nextPayerClaim } from '../../src/billing/cob/next-payer';
import type { Claim, ClaimPayment, Subscriber } from '../../src/billing/model';
import { write837P } from '../../src/billing/x12-837p';
import { check837P } from '../../src/billing/x12-837p-check';
import { CONTROL, INTERCHANGE, NOW, SPOUSE, SUBSCRIBER, claim, line } from './x12-claims';
import { strictNodeX12Parse } from './x12-support';
import { thrown } from './helpers';

const MEDICARE = { id: 'SYNMCR01', name: 'SYNTHETIC MEDICARE PART B' };
const MEDIGAP = { id: 'SYNMGP01', name: 'SYNTHETIC MEDIGAP PLAN' };
const MEDICAID = { id: 'SYNMCD01', name: 'SYNTHETIC STATE MEDICAID' };

/** A flu shot to Medicare: administration G0008 and product 90686. */
const primary = (): Claim => claim({
  id: '21', controlNumber: 'RXH1', payer: MEDICARE, subscriber: { ...SUBSCRIBER, memberId: '1EG4TE5MK72', groupNumber: undefined, filingIndicator: 'MB' },
  lines: [
    line(1, { code: 'G0008', chargeAmount: '40.00', serviceKind: 'immunization-admin', chargeId: 'C501' }),
    line(2, { code: '90686', chargeAmount: '30.00', serviceKind: 'vaccine-product', chargeId: 'C502' }),
  ],
});

/** Medicare's answer: allowed 30.00 + 20.00, 20 % coinsurance left to the patient (CO-45 and PR-2 on one line). */
const medicarePaid = (): ClaimPayment => ({
  controlNumber: 'RXH1', status: '1', charge: '70.00', paid: '40.00', patientResponsibility: '10.00', payerClaimNumber: 'MCR-CLM-777',
  adjustments: [],
  services: [
    { code: 'G0008', modifiers: [], charge: '40.00', paid: '24.00', unitsPaid: '1', lineControlNumber: 'C501',
      adjustments: [{ group: 'CO', reason: '45', amount: '10.00' }, { group: 'PR', reason: '2', amount: '6.00' }] },
    { code: '90686', modifiers: [], charge: '30.00', paid: '16.00', lineControlNumber: 'C502',
      adjustments: [{ group: 'CO', reason: '45', amount: '10.00' }, { group: 'PR', reason: '2', amount: '4.00' }] },
  ],
});

const medigapSubscriber: Subscriber = { ...SUBSCRIBER, memberId: 'MG-55501', groupNumber: undefined, payerResponsibility: 'S', filingIndicator: 'CI' };

function secondary(): Claim {
  const built = nextPayerClaim(primary(), medicarePaid(), '2025-02-03', { id: '22', controlNumber: 'RXH2', payer: MEDIGAP, subscriber: medigapSubscriber });
  if ('problem' in built) throw new Error(built.problem);
  return built.claim;
}

const write = (claims: Claim[]): string => write837P(claims, INTERCHANGE, CONTROL, NOW);
const segmentsOf = (text: string): string[] => text.trim().split('\n');

describe('the claim to the secondary payer after the primary paid', () => {
  it('bills the same lines to the Medigap plan as SBR01 S, naming Medicare in 2320/2330 and its line answers in 2430', () => {
    const c = secondary();
    expect(c).toMatchObject({ id: '22', controlNumber: 'RXH2', frequency: '1', payer: MEDIGAP, totalCharge: '70.00' });
    expect(c.payerClaimNumber).toBeUndefined();
    expect(c.otherPayers).toEqual([expect.objectContaining({
      responsibility: 'P', relationship: '18', filingIndicator: 'MB', paidAmount: '40.00', remainingPatientLiability: '10.00',
      payer: MEDICARE, payerClaimNumber: 'MCR-CLM-777', adjudicationDate: '2025-02-03', claimAdjustments: [],
    })]);
    const text = write([c]);
    const segs = segmentsOf(text);
    const clm = segs.indexOf('CLM*RXH2*70***01:B:1*Y*A*Y*Y~');
    expect(clm).toBeGreaterThan(0);
    expect(segs).toContain('SBR*S*18*******CI~');
    // 2320/2330A/2330B after the claim's HI and before the first LX.
    expect(segs.slice(clm, segs.indexOf('LX*1~'))).toEqual([
      'CLM*RXH2*70***01:B:1*Y*A*Y*Y~', 'HI*ABK:Z23~',
      'SBR*P*18*******MB~', 'AMT*D*40~', 'AMT*EAF*10~', 'OI***Y***Y~',
      'NM1*IL*1*DOE*JANE****MI*1EG4TE5MK72~', 'N3*1 ELM ST~', 'N4*ANYTOWN*NY*10001~',
      'NM1*PR*2*SYNTHETIC MEDICARE PART B*****PI*SYNMCR01~', 'DTP*573*D8*20250203~', 'REF*F8*MCR-CLM-777~',
    ]);
    expect(segs.slice(segs.indexOf('LX*1~'), segs.indexOf('LX*2~'))).toEqual([
      'LX*1~', 'SV1*HC:G0008*40*UN*1***1~', 'DTP*472*D8*20250115~', 'REF*6R*C501~',
      'SVD*SYNMCR01*24*HC:G0008**1~', 'CAS*CO*45*10~', 'CAS*PR*2*6~', 'DTP*573*D8*20250203~',
    ]);
    expect(check837P(text)).toEqual([]);
    expect(strictNodeX12Parse(text).functionalGroups[0]!.transactions).toHaveLength(1);
  });

  it('a tertiary claim to Medicaid carries Medicare and the Medigap plan, in payment order', () => {
    const medigapPaid: ClaimPayment = {
      controlNumber: 'RXH2', status: '2', charge: '70.00', paid: '8.00', patientResponsibility: '2.00', payerClaimNumber: 'MG-9',
      adjustments: [],
      // OA-23: the impact of the prior payer's adjudication; PR-1: what is left to the patient.
      services: [
        { code: 'G0008', modifiers: [], charge: '40.00', paid: '5.00', lineControlNumber: 'C501',
          adjustments: [{ group: 'OA', reason: '23', amount: '34.00' }, { group: 'PR', reason: '1', amount: '1.00' }] },
        { code: '90686', modifiers: [], charge: '30.00', paid: '3.00', lineControlNumber: 'C502',
          adjustments: [{ group: 'OA', reason: '23', amount: '26.00' }, { group: 'PR', reason: '1', amount: '1.00' }] },
      ],
    };
    const built = nextPayerClaim(secondary(), medigapPaid, '2025-02-20',
      { id: '23', controlNumber: 'RXH3', payer: MEDICAID, subscriber: { ...SUBSCRIBER, memberId: 'MCD-1', groupNumber: undefined, payerResponsibility: 'T', filingIndicator: 'MC' } });
    if ('problem' in built) throw new Error(built.problem);
    expect(built.claim.otherPayers!.map((o) => [o.payer.id, o.responsibility, o.paidAmount])).toEqual([['SYNMCR01', 'P', '40.00'], ['SYNMGP01', 'S', '8.00']]);
    expect(built.claim.lines[0]!.adjudications!.map((a) => [a.payerId, a.paidAmount])).toEqual([['SYNMCR01', '24.00'], ['SYNMGP01', '5.00']]);
    const text = write([built.claim]);
    expect(segmentsOf(text)).toEqual(expect.arrayContaining(['SBR*T*18*******MC~', 'SBR*S*18*******CI~', 'CAS*OA*23*34~', 'SVD*SYNMGP01*5*HC:G0008**1~']));
    expect(check837P(text)).toEqual([]);
  });

  it('a claim-level answer (no service lines) gives 2320 CAS and no 2430', () => {
    const answer: ClaimPayment = { ...medicarePaid(), paid: '50.00', patientResponsibility: '0', services: [],
      adjustments: [{ group: 'CO', reason: '45', amount: '20.00' }] };
    const built = nextPayerClaim(primary(), answer, '2025-02-03', { id: '22', controlNumber: 'RXH2', payer: MEDIGAP, subscriber: medigapSubscriber });
    if ('problem' in built) throw new Error(built.problem);
    const text = write([built.claim]);
    expect(segmentsOf(text)).toContain('CAS*CO*45*20~');
    expect(segmentsOf(text).some((s) => s.startsWith('SVD'))).toBe(false);
    expect(check837P(text)).toEqual([]);
  });

  it('matches service lines by code when the payer did not echo REF*6R', () => {
    const answer = medicarePaid();
    answer.services = answer.services.map(({ lineControlNumber: _drop, ...s }) => s).reverse();
    const built = nextPayerClaim(primary(), answer, '2025-02-03', { id: '22', controlNumber: 'RXH2', payer: MEDIGAP, subscriber: medigapSubscriber });
    if ('problem' in built) throw new Error(built.problem);
    expect(built.claim.lines.map((l) => l.adjudications![0]!.paidAmount)).toEqual(['24.00', '16.00']);
  });

  it.each([
    ['a forwarded claim (crossover: the secondary gets it from the payer)', { status: '19', crossoverCarrier: 'SYNTHETIC MEDIGAP PLAN' }, /forwarded the claim to SYNTHETIC MEDIGAP PLAN/],
    ['a reversal', { status: '22' }, /CLP02 22 is not an adjudication/],
    ['an answer for another charge', { charge: '60.00' }, /charge of 60.00, the claim billed 70.00/],
    ['a line the payer did not answer', { services: medicarePaid().services.slice(0, 1) }, /no service line for claim line 2/],
    ['a line that does not balance', { services: [{ ...medicarePaid().services[0]!, paid: '25.00' }, medicarePaid().services[1]!] }, /line 1: .* do not add up/],
    ['a claim that does not balance', { services: [], adjustments: [] }, /does not account for the claim's charge 70.00/],
    ['an unknown REF*6R', { services: [{ ...medicarePaid().services[0]!, lineControlNumber: 'C999' }] }, /REF\*6R C999/],
  ])('refuses %s, saying why', (_case, change, reason) => {
    const built = nextPayerClaim(primary(), { ...medicarePaid(), ...change } as ClaimPayment, '2025-02-03',
      { id: '22', controlNumber: 'RXH2', payer: MEDIGAP, subscriber: medigapSubscriber });
    expect(built).toEqual({ problem: expect.stringMatching(reason) });
  });
});

describe('the writer and check837P refuse coordination-of-benefits claims a clearinghouse rejects', () => {
  it('a secondary claim (SBR01 S) without its other payer loops', () => {
    const c = { ...primary(), subscriber: { ...medigapSubscriber } };
    expect(thrown(() => write([c]))).toMatchObject({ code: 'CLAIM_INVALID', message: expect.stringMatching(/SBR01 S needs 1 earlier payer .* names 0/) });
    const text = write([primary()]).replace('SBR*P*18', 'SBR*S*18');
    expect(check837P(text)).toEqual([expect.stringMatching(/\(CLM\): SBR01 S needs 1 other payer loop \(2320\), found 0/)]);
  });

  it('a tertiary claim naming one earlier payer', () => {
    const c = { ...secondary(), subscriber: { ...medigapSubscriber, payerResponsibility: 'T' as const } };
    expect(thrown(() => write([c]))).toMatchObject({ code: 'CLAIM_INVALID', message: expect.stringMatching(/SBR01 T needs 2 earlier payers/) });
  });

  it('other payer loops that do not balance', () => {
    const c = secondary();
    const unbalanced = { ...c, otherPayers: [{ ...c.otherPayers![0]!, paidAmount: '45.00' }] };
    expect(thrown(() => write([unbalanced]))).toMatchObject({ code: 'CLAIM_INVALID', message: expect.stringMatching(/other payer SYNMCR01 does not balance/) });
    const text = write([c]).replace('AMT*D*40~', 'AMT*D*45~');
    expect(check837P(text)).toEqual([expect.stringMatching(/\(SBR\): the other payer loop does not balance/)]);
    const badLine = write([c]).replace('SVD*SYNMCR01*24*', 'SVD*SYNMCR01*23*');
    expect(check837P(badLine)).toEqual(expect.arrayContaining([expect.stringMatching(/\(SVD\): SVD02 \+ its CAS amounts do not equal the line's SV102/)]));
  });

  it('a line adjudication naming a payer no 2330B names', () => {
    const c = secondary();
    const stray = { ...c, lines: c.lines.map((l) => ({ ...l, adjudications: l.adjudications!.map((a) => ({ ...a, payerId: 'OTHER' })) })) };
    expect(thrown(() => write([stray]))).toMatchObject({ code: 'CLAIM_INVALID', message: expect.stringMatching(/SVD01 OTHER is not the id of an other payer/) });
  });

  it('the spouse as patient: 2320 SBR02 is the relationship to the primary\'s subscriber', () => {
    const sent = { ...primary(), patient: SPOUSE };
    const built = nextPayerClaim(sent, medicarePaid(), '2025-02-03', { id: '22', controlNumber: 'RXH2', payer: MEDIGAP, subscriber: medigapSubscriber });
    if ('problem' in built) throw new Error(built.problem);
    const text = write([built.claim]);
    expect(segmentsOf(text)).toContain('SBR*P*01*******MB~');
    expect(check837P(text)).toEqual([]);
  });
});
