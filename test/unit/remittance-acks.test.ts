/**
 * read999 and read277CA on the public acknowledgment fixtures (imsweb 999 accepted/rejected, 277CA
 * accepted/rejected with '|' as component separator, the LinuxForHealth 277 claim status) and on hand-made
 * variants: IK3/IK4 errors, AK9 partial acceptance, 997 form, line-level STC, malformed input.
 */
import fs from 'node:fs';
import path from 'node:path';
import { read277CA, read999 } from '../../src/billing/remittance';
import { elementValue, readInterchanges, type X12TransactionSet } from '../../src/x12';
import { thrown } from './helpers';

const X12_CORPUS = path.join(__dirname, '../../../shared/corpus/x12');
const corpus = (name: string): string => fs.readFileSync(path.join(X12_CORPUS, name), 'latin1');

function only(text: string, type: string): X12TransactionSet {
  const sets = readInterchanges(text).flatMap((i) => i.groups).flatMap((g) => g.transactionSets)
    .filter((ts) => elementValue(ts.st, 1) === type);
  expect(sets).toHaveLength(1);
  return sets[0]!;
}

const ISA = 'ISA*00*          *00*          *ZZ*CLEARINGHOUSE  *ZZ*RXBRIDGE       *240301*1200*^*00501*000000001*0*T*:~';
const wrap = (gs01: string, body: string[]): string =>
  [ISA, `GS*${gs01}*CH*RXB*20240301*1200*7*X*005010X231A1~`, ...body.map((s) => `${s}~`),
    `SE*${body.length}*0001~`, 'GE*1*7~', 'IEA*1*000000001~'].join('\n');

describe('read999', () => {
  it('x12_999_accepted.txt: the set and the group are accepted', () => {
    expect(read999(only(corpus('imsweb__x12-parser__x12_999_accepted.txt'), '999'))).toEqual({
      functionalIdCode: 'HC', groupControlNumber: '17456', groupStatus: 'A', groupAccepted: true,
      counts: { included: 1, received: 1, accepted: 1 }, groupErrors: [],
      transactionSets: [{ transactionSetId: '837', controlNumber: '0001', status: 'A', accepted: true, errors: [] }],
    });
  });

  it('x12_999_rejected.txt: IK5*R*5 rejects the set with its IK3 segment error; AK9*R rejects the group', () => {
    const ack = read999(only(corpus('imsweb__x12-parser__x12_999_rejected.txt'), '999'));
    expect(ack).toMatchObject({ groupControlNumber: '28', groupStatus: 'R', groupAccepted: false, counts: { included: 1, received: 1, accepted: 0 } });
    expect(ack.transactionSets).toEqual([{
      transactionSetId: '837', controlNumber: '0028', status: 'R', accepted: false,
      errors: [
        { level: 'segment', code: '1', description: 'unrecognized segment id', segmentId: 'NM', segmentPosition: 17 },
        { level: 'transaction', code: '5', description: 'one or more segments in error' },
      ],
    }]);
  });

  it('several sets, an IK4 element error (never its bad value), E accepted with errors, AK9*P', () => {
    const ack = read999(only(wrap('FA', [
      'ST*999*0001*005010X231A1', 'AK1*HC*7*005010X222A1',
      'AK2*837*0001*005010X222A1', 'IK5*E',
      'AK2*837*0002*005010X222A1', 'IK3*NM1*14*2010BA*8', 'CTX*CLM01:SECRETCLAIM', 'IK4*9*67*7*PATIENTNAME', 'IK5*R*I5',
      'AK9*P*2*2*1',
    ]), '999'));
    expect(ack).toMatchObject({ groupStatus: 'P', groupAccepted: false, counts: { included: 2, received: 2, accepted: 1 } });
    expect(ack.transactionSets.map((s) => [s.controlNumber, s.status, s.accepted])).toEqual([['0001', 'E', true], ['0002', 'R', false]]);
    expect(ack.transactionSets[1]!.errors).toEqual([
      { level: 'segment', code: '8', description: 'segment has data element errors', segmentId: 'NM1', segmentPosition: 14, loopId: '2010BA' },
      { level: 'element', code: '7', description: 'invalid code value', segmentId: 'NM1', segmentPosition: 14, elementPosition: 9, elementReference: '67' },
      { level: 'transaction', code: 'I5', description: 'implementation one or more segments in error' },
    ]);
    expect(JSON.stringify(ack)).not.toMatch(/PATIENTNAME|SECRETCLAIM/);
  });

  it('reads a 997 (AK3/AK4/AK5) the same way, with group syntax errors from AK905', () => {
    const ack = read999(only(wrap('FA', [
      'ST*997*0001', 'AK1*HC*7', 'AK2*837*0001', 'AK3*CLM*22**8', 'AK4*5:2*1331*7', 'AK5*R*5', 'AK9*R*1*1*0*5',
    ]), '997'));
    expect(ack.transactionSets[0]!.errors.map((e) => [e.level, e.code])).toEqual([['segment', '8'], ['element', '7'], ['transaction', '5']]);
    expect(ack.transactionSets[0]!.errors[1]).toMatchObject({ elementPosition: 5, componentPosition: 2 });
    expect(ack.groupErrors).toEqual([{ level: 'group', code: '5', description: 'number of included transaction sets does not match actual count' }]);
  });

  it.each([
    ['no AK9', ['ST*999*0001', 'AK1*HC*7', 'AK2*837*0001', 'IK5*A'], /^the 999 has no AK9 segment/],
    ['an AK2 without IK5', ['ST*999*0001', 'AK1*HC*7', 'AK2*837*0001', 'AK9*A*1*1*1'], /^the 999 has no IK5 segment \(the acknowledgment of transaction set 0001\)/],
    ['a count that is not a number', ['ST*999*0001', 'AK1*HC*7', 'AK2*837*0001', 'IK5*A', 'AK9*A*one*1*1'], /^AK902 \(segment \d+\) is not a count$/],
  ])('%s is PAYER_FILE_INVALID', (_what, body, message) => {
    const err = thrown(() => read999(only(wrap('FA', body), '999')));
    expect(err.code).toBe('PAYER_FILE_INVALID');
    expect(err.message).toMatch(message);
  });
});

describe('read277CA', () => {
  it('x12_277CA_accepted.txt: claim 5781 accepted (A2) with its payer claim number; the batch summary A1', () => {
    const ack = read277CA(only(corpus('imsweb__x12-parser__x12_277CA_accepted.txt'), '277'));
    expect(ack.claims).toEqual([{
      controlNumber: '5781', outcome: 'accepted', accepted: true, payerClaimNumber: '1107000000014420', serviceDate: '1001-01-01',
      payerIdentifiers: ['141797357'], payerName: 'NYSDOH',
      statuses: [{ category: 'A2', status: '20', effectiveDate: '2011-03-11', actionCode: 'WQ', amount: '125.00' }], lines: [],
    }]);
    expect(ack.summaries).toEqual([{
      level: 'information-receiver', traceNumber: '000000674',
      statuses: [{ category: 'A1', status: '20', effectiveDate: '2011-03-11', actionCode: 'WQ', amount: '125.00' }],
    }]);
  });

  it('x12_277CA_rejected.txt: STC*A7|562|85 (component separator |) rejects claim 3920394930203', () => {
    const ack = read277CA(only(corpus('imsweb__x12-parser__x12_277CA_rejected.txt'), '277'));
    expect(ack.claims).toEqual([expect.objectContaining({
      controlNumber: '3920394930203', outcome: 'rejected', accepted: false, payerClaimNumber: '1107000000001120',
      statuses: [{ category: 'A7', status: '562', entity: '85', effectiveDate: '2011-03-11', actionCode: 'WQ', amount: '199.14' }],
    })]);
    expect(ack.summaries[0]!.statuses[0]).toMatchObject({ category: 'A1', status: '20' });
  });

  it('LinuxForHealth claim-level-status.277 (X212): pending and finalized claims are neither accepted nor rejected', () => {
    const ack = read277CA(only(corpus('LinuxForHealth__x12__claim-level-status.277'), '277'));
    expect(ack.claims.map((c) => [c.controlNumber, c.outcome, c.payerClaimNumber, c.statuses[0]!.category])).toEqual([
      ['ABCXYZ1', 'other', '05347006051', 'P3'],
      ['ABCXYZ2', 'other', '0529675341', 'F0'],
      ['ABCXYC3', 'other', '051681010827', 'F2'],
    ]);
    expect(ack.claims[0]!.serviceDate).toBe('2005-08-31');
    expect(ack.claims[2]!.lines).toEqual([{
      code: '99203', modifiers: [], charge: '150.00', serviceDate: '2005-05-01', outcome: 'other',
      statuses: [{ category: 'F2', status: '88', entity: 'QC', effectiveDate: '2005-06-12' }],
    }]);
  });

  const claimLevel = (stc: string, extra: string[] = []): string => wrap('HN', [
    'ST*277*0001*005010X214', 'BHT*0085*08*B1*20240301*1200*TH',
    'HL*1**20*1', 'NM1*PR*2*PLAN*****PI*99999', 'HL*2*1*21*1', 'NM1*41*2*RXB*****46*RXB',
    'HL*3*2*19*1', 'NM1*85*2*PHARMACY*****XX*1234567893',
    'HL*4*3*PT', 'NM1*QC*1*TESTPATIENT*ALPHA', 'TRN*2*RXB20240115001', stc, ...extra,
  ]);

  it('a rejection in STC10 wins over an acceptance in STC01; line-level STC and REF*FJ are kept per line', () => {
    const ack = read277CA(only(claimLevel('STC*A2:20*20240301*WQ*65.00******A7:453:QC', [
      'REF*1K*PAYER123', 'REF*D9*CH456', 'SVC*HC:90471:25*25.00', 'STC*A3:21*20240301*U*25.00', 'REF*FJ*1', 'DTP*472*D8*20240115',
    ]), '277'));
    expect(ack.claims[0]).toMatchObject({
      controlNumber: 'RXB20240115001', outcome: 'rejected', accepted: false, payerClaimNumber: 'PAYER123', clearinghouseTraceNumber: 'CH456',
    });
    expect(ack.claims[0]!.statuses.map((s) => `${s.category}:${s.status}`)).toEqual(['A2:20', 'A7:453']);
    expect(ack.claims[0]!.lines).toEqual([{
      code: '90471', modifiers: ['25'], charge: '25.00', lineControlNumber: '1', serviceDate: '2024-01-15', outcome: 'rejected',
      statuses: [{ category: 'A3', status: '21', effectiveDate: '2024-03-01', actionCode: 'U', amount: '25.00' }],
    }]);
  });

  it('A6 is a rejection; A1 alone is accepted (received)', () => {
    expect(read277CA(only(claimLevel('STC*A6:35'), '277')).claims[0]!.outcome).toBe('rejected');
    expect(read277CA(only(claimLevel('STC*A1:19'), '277')).claims[0]!.accepted).toBe(true);
  });

  it.each([
    ['an STC without category', 'STC**20240301', /^STC01 .* is empty/],
    ['an STC date that is not a date', 'STC*A2:20*20241301', /^STC02 .* is not a CCYYMMDD date$/],
  ])('%s is PAYER_FILE_INVALID', (_what, stc, message) => {
    const err = thrown(() => read277CA(only(claimLevel(stc), '277')));
    expect(err.code).toBe('PAYER_FILE_INVALID');
    expect(err.message).toMatch(message);
  });
});
