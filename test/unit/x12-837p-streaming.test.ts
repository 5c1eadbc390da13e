/**
 * The 837P writer writes each segment as it is built (write837P → emitInterchange → segmentTextWriter): the text
 * must be exactly what writing build837P's segments gives, also for a batch far larger than the bench's; loops
 * are keyed on every field of their records, whatever the property order; the writer's shortcut for values that
 * need no cleaning and the text-only X12 decimal form give what the full routes give.
 */
import type { Claim } from '../../src/billing/model';
import { build837P, write837P } from '../../src/billing/x12-837p';
import { check837P } from '../../src/billing/x12-837p-check';
import {
  buildInterchange, cleanValue, emitInterchange, formatX12Decimal, isX12Decimal, segment, segmentTextWriter,
  writeSegment, writeSegments, type X12Segment,
} from '../../src/x12';
import { CONTROL, GOLDEN_CASES, INTERCHANGE, NOW, SELF, SPOUSE, SUBSCRIBER, claim, line } from './x12-claims';

const many = (n: number): Claim[] => Array.from({ length: n }, (_, i) => claim({
  id: String(i + 1), controlNumber: `RX${i + 1}`,
  patient: i % 3 === 0 ? { ...SPOUSE, patientRef: `P${i}` } : SELF,
  subscriber: { ...SUBSCRIBER, memberId: `M${i % 7}` },
  lines: [line(1, { code: '99606', chargeAmount: '60.00' }), line(2, { code: '99607', chargeAmount: '20', units: '2.000' })],
}));

/** The HL/CLM skeleton of a text, to compare loop structure. */
const skeleton = (text: string): string[] => text.split('\n').filter((l) => /^(HL|CLM)\*/.test(l));

describe('write837P writes as it builds', () => {
  it.each(Object.keys(GOLDEN_CASES))('%s: the same text as writing build837P', (name) => {
    const claims = GOLDEN_CASES[name]!();
    expect(write837P(claims, INTERCHANGE, CONTROL, NOW)).toBe(writeSegments(build837P(claims, INTERCHANGE, CONTROL, NOW), { lineBreak: '\n' }));
    expect(write837P(claims, INTERCHANGE, CONTROL, NOW, { lineBreak: '' }))
      .toBe(writeSegments(build837P(claims, INTERCHANGE, CONTROL, NOW)));
  });

  it('writes 6,000 claims in one file (some 72,000 segments) as build837P gives them, passing the structural check', () => {
    const claims = many(6000);
    const text = write837P(claims, INTERCHANGE, CONTROL, NOW);
    expect(text).toBe(writeSegments(build837P(claims, INTERCHANGE, CONTROL, NOW), { lineBreak: '\n' }));
    expect(text.split('\n').filter((l) => l.startsWith('CLM*'))).toHaveLength(6000);
    expect(check837P(text)).toEqual([]);
  });

  it('emitInterchange pushes the segments buildInterchange returns for a 200,000-segment body (once a stack overflow), SE01 counted', () => {
    const body = Array.from({ length: 200_000 }, (_, i) => segment('LX', String(i + 1)));
    const isa = { senderQualifier: 'ZZ', senderId: 'S', receiverQualifier: 'ZZ', receiverId: 'R', controlNumber: 7, usage: 'T' as const, date: NOW };
    const group = { functionalId: 'HC', senderCode: 'S', receiverCode: 'R', controlNumber: 7, version: '005010X222A1', date: NOW };
    const built = buildInterchange(isa, group, [{ id: '837', controlNumber: 1, body }]);
    const pushed: X12Segment[] = [];
    emitInterchange(isa, group, [{ id: '837', controlNumber: 1, emit: (out) => body.forEach((s) => out.push(s)) }], pushed);
    expect(pushed).toEqual(built);
    expect(writeSegment(built[built.length - 3]!)).toBe('SE*200002*0001~');
    const writer = segmentTextWriter({ lineBreak: '\n' });
    emitInterchange(isa, group, [{ id: '837', controlNumber: 1, emit: (out) => body.forEach((s) => out.push(s)) }], writer);
    expect(writer.text()).toBe(writeSegments(built, { lineBreak: '\n' }));
  });
});

describe('837P loop keys', () => {
  const base = (): Claim[] => [
    claim({ id: '1', controlNumber: 'RX1', lines: [line(1, { code: '99606', chargeAmount: '60' })] }),
    claim({ id: '2', controlNumber: 'RX2', lines: [line(1, { code: '99606', chargeAmount: '60' })] }),
  ];

  it('groups claims whose records are equal but built in another property order (as jsonb gives them back)', () => {
    const reorder = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).reverse()) as T;
    const [a, b] = base();
    const shuffled: Claim = {
      ...b!,
      billingProvider: { ...reorder(b!.billingProvider), address: reorder(b!.billingProvider.address) },
      subscriber: { ...reorder(b!.subscriber), address: reorder(b!.subscriber.address!) },
      payer: reorder(b!.payer),
      patient: reorder(b!.patient),
    };
    expect(skeleton(write837P([a!, shuffled], INTERCHANGE, CONTROL, NOW))).toEqual([
      'HL*1**20*1~', 'HL*2*1*22*0~', 'CLM*RX1*60***01:B:1*Y*A*Y*Y~', 'CLM*RX2*60***01:B:1*Y*A*Y*Y~',
    ]);
  });

  it.each([
    ['the billing provider ZIP', (c: Claim): Claim => ({ ...c, billingProvider: { ...c.billingProvider, address: { ...c.billingProvider.address, zip: '100010002' } } })],
    ['the billing provider CLIA number', (c: Claim): Claim => ({ ...c, billingProvider: { ...c.billingProvider, cliaNumber: undefined } })],
    ['the subscriber address', (c: Claim): Claim => ({ ...c, subscriber: { ...c.subscriber, address: { ...c.subscriber.address!, line2: 'APT 2' } } })],
    ['the subscriber group name', (c: Claim): Claim => ({ ...c, subscriber: { ...c.subscriber, groupName: 'GROUP' } })],
    ['the payer name', (c: Claim): Claim => ({ ...c, payer: { ...c.payer, name: 'OTHER NAME' } })],
  ])('starts another loop when only %s differs', (_, change) => {
    const [a, b] = base();
    const hl = skeleton(write837P([a!, change(b!)], INTERCHANGE, CONTROL, NOW)).filter((l) => l.startsWith('HL*'));
    expect(hl.length).toBeGreaterThan(2);
  });

  it('keeps dependents of one subscriber apart when only the patient differs, and together when equal', () => {
    const dep = (id: string, patient = SPOUSE): Claim => claim({ id, controlNumber: `RX${id}`, patient, lines: [line(1, { code: '99606', chargeAmount: '60' })] });
    expect(skeleton(write837P([dep('1'), dep('2'), dep('3', { ...SPOUSE, sex: 'U' })], INTERCHANGE, CONTROL, NOW))).toEqual([
      'HL*1**20*1~', 'HL*2*1*22*1~', 'HL*3*2*23*0~', 'CLM*RX1*60***01:B:1*Y*A*Y*Y~', 'CLM*RX2*60***01:B:1*Y*A*Y*Y~',
      'HL*4*2*23*0~', 'CLM*RX3*60***01:B:1*Y*A*Y*Y~',
    ]);
  });
});

describe('writer and decimal shortcuts', () => {
  it('cleans values with white space of any kind at the ends as trim() does', () => {
    expect(cleanValue('\u00a0ANN\u3000')).toBe('ANN');
    expect(cleanValue('\ufeffANN\u2028')).toBe('ANN');
    expect(cleanValue('A\u00a0 B')).toBe('A\u00a0 B');
    expect(cleanValue('A  B')).toBe('A B');
    expect(cleanValue('')).toBe('');
    expect(cleanValue('PLAIN VALUE')).toBe('PLAIN VALUE');
  });

  it.each([
    ['25.00', '25'], ['25.50', '25.5'], ['0.500', '0.5'], ['-3.10', '-3.1'], ['0.00', '0'], ['-0.00', '0'],
    ['007.50', '7.5'], ['.75', '0.75'], ['+3', '3'], ['000', '0'], ['100', '100'], ['10.010', '10.01'], [' 2.0 ', '2'], ['5.', '5'],
  ])('formats %s as %s', (text, written) => {
    expect(formatX12Decimal(text)).toBe(written);
    expect(isX12Decimal(text)).toBe(true);
  });

  it.each(['', '.', '-', '1.2.3', 'a', '1e3', '- 1'])('refuses %j', (text) => {
    expect(() => formatX12Decimal(text)).toThrow(RangeError);
    expect(isX12Decimal(text)).toBe(false);
  });
});
