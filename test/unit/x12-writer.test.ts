/**
 * The X12 writer, the envelope builders and X12 decimals: trailing empties dropped, separators stripped from
 * values (X12 has no escaping), a fixed-width ISA of 106 characters, counted SE/GE/IEA, R-type decimals, and
 * what is written reads back the same.
 */
import { EngineError } from '../../src/core/errors';
import {
  buildInterchange, buildIsa, checkEnvelopes, cleanValue, DEFAULT_SEPARATORS, elementValue, formatX12Decimal,
  interchangeControlNumber, readInterchanges, repeated, segment, sumX12Decimals, transactionSetControlNumber,
  writeSegment, writeSegments, x12DecimalsEqual,
} from '../../src/x12';

const NOW = new Date('2025-01-15T09:05:00Z');
const ISA = { senderQualifier: 'ZZ', senderId: 'SENDER', receiverQualifier: 'ZZ', receiverId: 'RECEIVER', controlNumber: 42, usage: 'T' as const, date: NOW };

describe('writeSegment', () => {
  it('drops trailing empty elements, components and repetitions, keeps the ones in between', () => {
    expect(writeSegment(segment('SV1', ['HC', '90656', '', ''], '25', 'UN', '1', undefined, '', ['1'], undefined, ''))).toBe('SV1*HC:90656*25*UN*1***1~');
    expect(writeSegment(segment('CLM', 'A1', '45', undefined, undefined, ['01', 'B', '1']))).toBe('CLM*A1*45***01:B:1~');
    expect(writeSegment(segment('NM1', '87', '2', '', null))).toBe('NM1*87*2~');
    expect(writeSegment(segment('EB', '1', undefined, repeated('30', '33', ''), ''))).toBe('EB*1**30^33~');
    expect(writeSegment(segment('X', ['', 'B']))).toBe('X*:B~');
  });

  it('strips separators, control characters and line breaks from values (X12 has no escaping)', () => {
    expect(writeSegment(segment('NM1', 'IL', '1', 'O*BRIEN~SMITH', 'ANN:MARIE^', undefined, 'JR\r\nX'))).toBe('NM1*IL*1*O BRIEN SMITH*ANN MARIE**JR X~');
    expect(cleanValue('  A  *  B  ')).toBe('A B');
    expect(cleanValue('A|B>C', { element: '|', component: '>', repetition: undefined, segment: '\n' })).toBe('A B C');
    expect(cleanValue('R&R Health (plan) #2')).toBe('R&R Health (plan) #2');
  });

  it('writes with other separators and line breaks', () => {
    const seps = { element: '|', component: '>', repetition: '!', segment: '\n' };
    expect(writeSegments([segment('SV1', ['HC', '1'], '2'), segment('LX', '1')], { separators: seps })).toBe('SV1|HC>1|2\nLX|1\n');
    expect(writeSegments([segment('LX', '1'), segment('LX', '2')], { lineBreak: '\r\n' })).toBe('LX*1~\r\nLX*2~\r\n');
  });

  it('refuses repetitions when there is no repetition separator', () => {
    expect(() => writeSegment(segment('EB', repeated('1', '2')), { ...DEFAULT_SEPARATORS, repetition: undefined })).toThrow(RangeError);
  });
});

describe('buildIsa and buildInterchange', () => {
  it('builds a fixed-width ISA of 106 characters with the separators in ISA11 and ISA16', () => {
    const text = writeSegment(buildIsa(ISA));
    expect(text).toBe('ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *250115*0905*^*00501*000000042*0*T*:~');
    expect(text).toHaveLength(106);
    expect(writeSegment(buildIsa({ ...ISA, acknowledgmentRequested: true, usage: 'P', controlNumber: 999999999 }))).toMatch(/\*999999999\*1\*P\*:~$/);
  });

  it('refuses ISA ids too long for their width or holding a separator, and control numbers out of range', () => {
    const long = (() => { try { buildIsa({ ...ISA, senderId: 'S'.repeat(16) }); } catch (e) { return e; } })() as EngineError;
    expect(long).toBeInstanceOf(EngineError);
    expect(long.code).toBe('CONFIG_INVALID');
    expect(long.message).toBe('ISA06 is longer than 15 characters');
    expect(() => buildIsa({ ...ISA, receiverId: 'A*B' })).toThrow('ISA08 contains a separator');
    expect(() => buildIsa({ ...ISA, controlNumber: 0 })).toThrow(RangeError);
    expect(() => buildIsa({ ...ISA, controlNumber: 1_000_000_000 })).toThrow(RangeError);
    expect(() => buildIsa({ ...ISA, controlNumber: 1.5 })).toThrow(RangeError);
  });

  it('pads control numbers', () => {
    expect(interchangeControlNumber(7)).toBe('000000007');
    expect(transactionSetControlNumber(7)).toBe('0007');
    expect(transactionSetControlNumber(123456)).toBe('123456');
  });

  it('wraps transaction sets with counted SE, GE and IEA that read back and pass the envelope check', () => {
    const segments = buildInterchange(ISA, {
      functionalId: 'FA', senderCode: 'SENDER', receiverCode: 'RECEIVER', controlNumber: 9, version: '005010X231A1', date: NOW,
    }, [
      { id: '999', controlNumber: 1, implementationReference: '005010X231A1', body: [segment('AK1', 'HC', '1'), segment('AK9', 'A', '1', '1', '1')] },
      { id: '999', controlNumber: 2, body: [segment('AK1', 'HC', '2')] },
    ]);
    const text = writeSegments(segments, { lineBreak: '\n' });
    expect(text).toBe([
      'ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *250115*0905*^*00501*000000042*0*T*:~',
      'GS*FA*SENDER*RECEIVER*20250115*0905*9*X*005010X231A1~',
      'ST*999*0001*005010X231A1~', 'AK1*HC*1~', 'AK9*A*1*1*1~', 'SE*4*0001~',
      'ST*999*0002~', 'AK1*HC*2~', 'SE*3*0002~',
      'GE*2*9~', 'IEA*1*000000042~', '',
    ].join('\n'));
    const [ic] = readInterchanges(text);
    expect(checkEnvelopes([ic!])).toEqual([]);
    expect(ic!.groups[0]!.transactionSets.map((t) => elementValue(t.se, 1))).toEqual(['4', '3']);
  });
});

describe('X12 decimals (R type)', () => {
  it.each([
    ['25.00', '25'], ['25.50', '25.5'], ['0.500', '0.5'], ['.5', '0.5'], ['007', '7'], ['-3.10', '-3.1'],
    ['0.00', '0'], ['-0.00', '0'], ['1234567.891', '1234567.891'], ['10', '10'], ['100.0', '100'],
  ])('%s → %s', (input, out) => {
    expect(formatX12Decimal(input)).toBe(out);
  });

  it('refuses what is not a decimal', () => {
    for (const bad of ['', '.', '1,000.00', '$5', '1e3', '2.5.1', 'abc']) expect(() => formatX12Decimal(bad)).toThrow(RangeError);
  });

  it('sums exactly and compares by value', () => {
    expect(sumX12Decimals(['0.1', '0.2'])).toBe('0.3');
    expect(sumX12Decimals(['20.00', '25.50'])).toBe('45.5');
    expect(sumX12Decimals([])).toBe('0');
    expect(x12DecimalsEqual('45.5', '45.50')).toBe(true);
    expect(x12DecimalsEqual('45.5', '45.51')).toBe(false);
    expect(x12DecimalsEqual('x', 'x')).toBe(false);
  });
});
