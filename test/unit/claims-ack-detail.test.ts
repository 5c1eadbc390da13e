/**
 * What a 999 or a 277CA said about one claim (src/billing/claims/ack-detail.ts): IK3/IK4 errors placed on the claim
 * whose loop holds the segment in the 837P as sent, labels in a biller's words, 277CA STC codes with their meaning.
 */
import { ackErrorLabel, claimDetailOf277, claimDetailOf999, placeSetErrors, statusLabel } from '../../src/billing/claims/ack-detail';
import type { AckError } from '../../src/billing/remittance/read-999';

const ISA = 'ISA*00*          *00*          *ZZ*SUBMITTERID    *ZZ*RECEIVERID     *260201*1200*^*00501*000000007*0*T*:~';
// Segment positions (ST = 1): 5 HL 2000B of subscriber A, 6 NM1*IL, 7 CLM A1, 8 HI, 9 LX, 10 SV1; 11 HL subscriber B, 12 NM1*IL, 13 CLM B1, 14 SV1.
const BODY = [
  'ST*837*0003*005010X222A1', 'BHT*0019*00*B1*20260201*1200*CH', 'HL*1**20*1', 'NM1*85*2*EXAMPLE COMMUNITY PHARMACY*****XX*1234567893',
  'HL*2*1*22*0', 'NM1*IL*1*TESTPATIENT*ALEX****MI*MEM1', 'CLM*RXB00000041*65***01:B:1*Y*A*Y*Y', 'HI*ABK:Z23', 'LX*1',
  'SV1*HC:90471*25*UN*1***1', 'HL*3*1*22*0', 'NM1*IL*1*TESTPATIENT*SAM****MI*MEM2', 'CLM*RXB00000042*33***01:B:1*Y*A*Y*Y',
  'SV1*HC:G0008*33*UN*1***1',
];
const BATCH = [ISA, 'GS*HC*SUBMITTERID*RECEIVERID*20260201*1200*7*X*005010X222A1', ...BODY, `SE*${BODY.length + 1}*0003`, 'GE*1*7', 'IEA*1*000000007']
  .map((s) => (s.endsWith('~') ? s : `${s}~`)).join('\n');

const segmentError = (position: number, segmentId: string, loopId: string): AckError => ({
  level: 'segment', code: '8', description: 'segment has data element errors', segmentId, segmentPosition: position, loopId,
});

describe('placeSetErrors', () => {
  it('an error inside a claim goes to that claim; in a subscriber loop to its claims; in the header to every claim', () => {
    const inClaim = segmentError(10, 'SV1', '2400');
    const inSubscriber = segmentError(12, 'NM1', '2010BA');
    const inHeader = segmentError(4, 'NM1', '2010AA');
    const element: AckError = { ...inClaim, level: 'element', code: '7', description: 'invalid code value', elementPosition: 1, componentPosition: 2, elementReference: '234' };
    const placed = placeSetErrors(BATCH, '3', [inClaim, element, inSubscriber, inHeader]);
    expect(placed.byClaim.get('RXB00000041')).toEqual([inClaim, element]);
    expect(placed.byClaim.get('RXB00000042')).toEqual([inSubscriber]);
    expect(placed.all).toEqual([inHeader]);
  });

  it('a position the set does not have, or another set, concerns the whole set', () => {
    expect(placeSetErrors(BATCH, '3', [segmentError(99, 'CLM', '2300')]).all).toHaveLength(1);
    expect(placeSetErrors(BATCH, '4', [segmentError(7, 'CLM', '2300')]).all).toHaveLength(1);
  });
});

it('labels name the segment, element, loop and meaning, never the value', () => {
  expect(ackErrorLabel({ level: 'element', code: '7', description: 'invalid code value', segmentId: 'SV1', segmentPosition: 10,
    loopId: '2400', elementPosition: 1, componentPosition: 2, elementReference: '234' }))
    .toBe('SV101-2 (element 1 of SV1 at segment 10, loop 2400, data element 234): invalid code value');
  expect(ackErrorLabel(segmentError(6, 'NM1', '2010BA'))).toBe('NM1 segment (segment 6, loop 2010BA): segment has data element errors');
  expect(ackErrorLabel({ level: 'transaction', code: '5', description: 'one or more segments in error' }))
    .toBe('transaction set: one or more segments in error');
});

it('claimDetailOf999: the claim\'s own errors, the set\'s, and the group\'s, each labelled', () => {
  const placed = placeSetErrors(BATCH, '3', [segmentError(13, 'CLM', '2300'), { level: 'transaction', code: '5', description: 'one or more segments in error' }]);
  const a = claimDetailOf999({ status: 'R', accepted: false }, 'R', false, placed, 'RXB00000041', []);
  const b = claimDetailOf999({ status: 'R', accepted: false }, 'R', false, placed, 'RXB00000042', []);
  expect(a).toMatchObject({ kind: '999', outcome: 'rejected', setStatus: 'R' });
  expect(a.errors!.map((e) => e.label)).toEqual(['transaction set: one or more segments in error']);
  expect(b.errors!.map((e) => e.label)).toEqual(['CLM segment (segment 13, loop 2300): segment has data element errors', 'transaction set: one or more segments in error']);
});

it('277CA status codes in words; unknown codes show their number', () => {
  expect(statusLabel({ category: 'A7', status: '562', entity: '85' })).toBe("A7:562:85 rejected for invalid information: entity's National Provider Identifier (NPI) (billing provider)");
  expect(statusLabel({ category: 'A2', status: '20' })).toBe('A2:20 accepted into adjudication: accepted for processing');
  expect(statusLabel({ category: 'A9', status: '9999' })).toBe('A9:9999 category A9: status code 9999');
  expect(claimDetailOf277({ controlNumber: 'RXB1', outcome: 'rejected', accepted: false, statuses: [{ category: 'A7', status: '254' }], lines: [] }))
    .toEqual({ kind: '277CA', outcome: 'rejected', statuses: [{ category: 'A7', status: '254', label: 'A7:254 rejected for invalid information: principal diagnosis code' }] });
});
