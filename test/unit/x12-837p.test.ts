/**
 * The 837P writer: golden files compared byte for byte (UPDATE_GOLDEN=1 rewrites them), each
 * also parsed strictly by node-x12, passed by check837P and read back by our reader; the writer's refusals
 * (CLAIM_INVALID) and its loop grouping; check837P catching broken files; the NPI check digit.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isValidNpi } from '../../src/billing/npi';
import type { Claim } from '../../src/billing/model';
import { build837P, write837P } from '../../src/billing/x12-837p';
import { check837P } from '../../src/billing/x12-837p-check';
import { elementValue, readInterchanges, writeSegments, type ReadSegment, type X12Segment } from '../../src/x12';
import { thrown } from './helpers';
import {
  CONTROL, GOLDEN_CASES, INTERCHANGE, NOW, PHARMACIST, PHARMACY, PRESCRIBER, SPOUSE, claim, line, mtmWithAddOn,
  patientNotSubscriber, replacement, singleLine, vaccineWithNdc,
} from './x12-claims';
import { strictNodeX12Parse } from './x12-support';

const GOLDEN_DIR = path.join(__dirname, '../golden/837p');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const golden = (name: string): string => fs.readFileSync(path.join(GOLDEN_DIR, `${name}.x12`), 'utf8');

const write = (claims: Claim[]): string => write837P(claims, INTERCHANGE, CONTROL, NOW);
/** The segments of the (first) transaction set of a text, as "ID*el*el" strings, ST and SE included. */
const lines = (text: string): string[] => text.trim().split('\n');
const ids = (segments: readonly X12Segment[]): string[] => segments.map((s) => s.id);

describe('golden 837P files', () => {
  const names = Object.keys(GOLDEN_CASES);

  it.each(names)('%s matches its golden file byte for byte', (name) => {
    const text = write(GOLDEN_CASES[name]!());
    const file = path.join(GOLDEN_DIR, `${name}.x12`);
    if (UPDATE) {
      fs.mkdirSync(GOLDEN_DIR, { recursive: true });
      fs.writeFileSync(file, text);
    }
    expect(text).toBe(fs.readFileSync(file, 'utf8'));
  });

  it.each(names)('%s.x12 parses strictly with node-x12, passes check837P and reads back', (name) => {
    const text = golden(name);
    const parsed = strictNodeX12Parse(text);
    expect(parsed.functionalGroups[0]!.transactions[0]!.header.valueOf(1)).toBe('837');
    expect(check837P(text)).toEqual([]);
    const [ic] = readInterchanges(text);
    const set = ic!.groups[0]!.transactionSets[0]!;
    expect(elementValue(set.se, 1)).toBe(String(set.segments.length));
    // Written again from what was read, the text is the same: nothing in it depends on lost structure.
    const all: ReadSegment[] = [ic!.isa, ic!.groups[0]!.gs, ...set.segments, ic!.groups[0]!.ge, ic!.iea];
    expect(writeSegments(all, { lineBreak: '\n' })).toBe(text);
    expect(text.split('\n')[0]).toHaveLength(106);
  });

  it('the golden files hold what each case is about', () => {
    expect(lines(golden('single-line'))).toEqual(expect.arrayContaining(['REF*X4*12D3456789~', 'SV1*HC:87880:QW*35*UN*1***1~']));
    expect(lines(golden('mtm-add-on'))).toEqual(expect.arrayContaining([
      'CLM*RXC5*125***01:B:1*Y*A*Y*Y~', 'HI*ABK:E119*ABF:I10~', 'NM1*82*1*SMITH*ALEX****XX*1987654328~',
      'SV1*HC:99605*75*UN*1***1:2~', 'SV1*HC:99607*50*UN*2***1:2~',
    ]));
    expect(lines(golden('vaccine-ndc'))).toEqual(expect.arrayContaining([
      'CLM*RXD3*45.5***01:B:1*Y*A*Y*Y~', 'LIN**N4*12345678901~', 'CTP****0.5*ML~', 'REF*XZ*RX778899~',
      'NM1*DK*1*JONES*RILEY****XX*1111111112~',
    ]));
    expect(lines(golden('patient-not-subscriber'))).toEqual(expect.arrayContaining([
      'HL*2*1*22*0~', 'SBR*P*18*GRP123******CI~', 'HL*3*1*22*1~', 'SBR*P**GRP123******CI~', 'HL*4*3*23*0~', 'PAT*01~',
      'NM1*QC*1*DOE*JOHN~', 'SV1*HC:99606*60*UN*1***2:1~',
    ]));
    expect(lines(golden('replacement'))).toEqual(expect.arrayContaining(['CLM*RXGX*60***01:B:7*Y*A*Y*Y~', 'REF*G1*PA55555~', 'REF*F8*PAYERCLM0001~']));
    // No CLIA number where no line is a point-of-care test; no 2310B when nobody renders but the pharmacy.
    expect(golden('replacement')).not.toMatch(/REF\*X4|NM1\*82/);
  });
});

describe('write837P: loops and segments', () => {
  it('puts the 2300 claim under 2000C and leaves 2010BA without address and demographics when the patient is not the subscriber', () => {
    const body = lines(write([claim({ id: '1', patient: SPOUSE, lines: [line(1, { code: '99606', chargeAmount: '60' })] })]));
    const from = body.indexOf('HL*2*1*22*1~');
    expect(body.slice(from, from + 5)).toEqual([
      'HL*2*1*22*1~', 'SBR*P**GRP123******CI~', 'NM1*IL*1*DOE*JANE****MI*MEMBER123~',
      'NM1*PR*2*EXAMPLE HEALTH PLAN*****PI*12345~', 'HL*3*2*23*0~',
    ]);
  });

  it('groups claims by billing provider, subscriber and patient, numbering HLs through the set', () => {
    const other = { ...PHARMACY, npi: '1234567802', name: 'SECOND PHARMACY' };
    const mk = (id: string, fields: Partial<Claim> = {}) => claim({ id, controlNumber: `RX${id}`, lines: [line(1, { code: '99606', chargeAmount: '60' })], ...fields });
    const text = write([
      mk('1'), mk('2', { patient: SPOUSE }), mk('3', { billingProvider: other }), mk('4'), mk('5', { patient: { ...SPOUSE, patientRef: 'P9', givenName: 'JIM', relationship: '19' } }),
    ]);
    const hl = lines(text).filter((l) => l.startsWith('HL*') || l.startsWith('CLM*')).map((l) => l.split('*').slice(0, 5).join('*').replace(/~$/, ''));
    expect(hl).toEqual([
      'HL*1**20*1', 'HL*2*1*22*0', 'CLM*RX1*60**', 'CLM*RX4*60**',
      'HL*3*1*22*1', 'HL*4*3*23*0', 'CLM*RX2*60**', 'HL*5*3*23*0', 'CLM*RX5*60**',
      'HL*6**20*1', 'HL*7*6*22*0', 'CLM*RX3*60**',
    ]);
    expect(check837P(text)).toEqual([]);
  });

  it('starts another 2000B after 100 claims', () => {
    const claims = Array.from({ length: 101 }, (_, i) => claim({ id: String(i + 1), controlNumber: `RX${i + 1}`, lines: [line(1, { code: '99606', chargeAmount: '1' })] }));
    const text = write(claims);
    expect(lines(text).filter((l) => l.startsWith('HL*'))).toEqual(['HL*1**20*1~', 'HL*2*1*22*0~', 'HL*3*1*22*0~']);
    expect(check837P(text)).toEqual([]);
  });

  it('writes SV105 only when the line place of service differs from the claim, and 2420A when the line rendering differs', () => {
    const c = claim({
      renderingProvider: PHARMACIST,
      lines: [
        line(1, { code: '99606', chargeAmount: '60', placeOfService: '01', renderingProvider: PHARMACIST }),
        line(2, { code: '99607', chargeAmount: '20', placeOfService: '12', renderingProvider: { npi: '1111111112', organizationName: 'HOME CARE GROUP' } }),
      ],
    });
    const body = lines(write([c]));
    expect(body).toContain('SV1*HC:99606*60*UN*1***1~');
    expect(body).toContain('SV1*HC:99607*20*UN*1*12**1~');
    expect(body.filter((l) => l.startsWith('NM1*82'))).toEqual(['NM1*82*1*SMITH*ALEX****XX*1987654328~', 'NM1*82*2*HOME CARE GROUP*****XX*1111111112~']);
  });

  it('leaves out 2310B when the rendering NPI is the billing NPI, and REF*X4 without a CLIA number', () => {
    const text = write(singleLine().map((c) => ({ ...c, renderingProvider: { npi: PHARMACY.npi, familyName: 'X' }, billingProvider: { ...PHARMACY, cliaNumber: undefined } })));
    expect(text).not.toMatch(/NM1\*82|REF\*X4/);
  });

  it('cleans separators out of free text and keeps every segment readable', () => {
    const c = claim({ lines: [line(1, { code: '99606', chargeAmount: '60' })], subscriber: { ...singleLine()[0]!.subscriber, familyName: "O'NEIL*SMITH~", givenName: 'ANN:MARIE' } });
    const text = write([c]);
    expect(text).toContain("NM1*IL*1*O'NEIL SMITH*ANN MARIE****MI*MEMBER123~");
    expect(check837P(text)).toEqual([]);
  });

  it('can write one line without line breaks', () => {
    const text = write837P(singleLine(), INTERCHANGE, CONTROL, NOW, { lineBreak: '' });
    expect(text).not.toContain('\n');
    expect(text).toBe(golden('single-line').replace(/\n/g, ''));
    expect(check837P(text)).toEqual([]);
  });

  it('uses the control numbers it is given', () => {
    const segments = build837P(singleLine(), INTERCHANGE, { interchange: 123456789, group: 55, transactionSet: 4321 }, NOW);
    const byId = (id: string) => segments.find((s) => s.id === id)!;
    expect(elementValue(byId('ISA'), 13)).toBe('123456789');
    expect(elementValue(byId('IEA'), 2)).toBe('123456789');
    expect([elementValue(byId('GS'), 6), elementValue(byId('GE'), 2)]).toEqual(['55', '55']);
    expect([elementValue(byId('ST'), 2), elementValue(byId('SE'), 2)]).toEqual(['4321', '4321']);
    expect(ids(segments).slice(0, 4)).toEqual(['ISA', 'GS', 'ST', 'BHT']);
  });
});

describe('write837P refuses claims it cannot write (CLAIM_INVALID)', () => {
  const base = () => mtmWithAddOn()[0]!;
  const cases: [string, () => Claim, RegExp][] = [
    ['CLM02 ≠ Σ SV102', () => ({ ...base(), totalCharge: '125.01' }), /CLM02 .* differs from the sum/],
    ['CLM01 over 20 characters', () => ({ ...base(), controlNumber: 'X'.repeat(21) }), /CLM01 must be 1 to 20/],
    ['no lines', () => ({ ...base(), lines: [], totalCharge: '0' }), /has no lines/],
    ['51 lines', () => claim({ lines: Array.from({ length: 51 }, (_, i) => line(i + 1, { code: '99606', chargeAmount: '1' })) }), /more than 50 lines/],
    ['13 diagnoses', () => ({ ...base(), diagnoses: Array.from({ length: 13 }, () => 'Z23') }), /more than 12 diagnoses/],
    ['a malformed diagnosis', () => ({ ...base(), diagnoses: ['E11.9', '250.00'] }), /diagnosis 2 is not an ICD-10-CM code/],
    ['a pointer beyond the diagnoses', () => ({ ...base(), lines: [{ ...base().lines[0]!, diagnosisPointers: [3] }, base().lines[1]!] }), /line 1: a diagnosis pointer is beyond/],
    ['five pointers', () => ({ ...base(), lines: [{ ...base().lines[0]!, diagnosisPointers: [1, 2, 1, 2, 1] }, base().lines[1]!] }), /line 1: needs 1 to 4 diagnosis pointers/],
    ['five modifiers', () => ({ ...base(), lines: [base().lines[0]!, { ...base().lines[1]!, modifiers: ['25', 'GT', '59', 'XU', 'QW'] }] }), /line 2: has more than 4 modifiers/],
    ['a replacement without payer claim number', () => ({ ...replacement()[0]!, payerClaimNumber: undefined }), /needs the payer claim number/],
    ['a 5-digit billing ZIP', () => ({ ...base(), billingProvider: { ...PHARMACY, address: { ...PHARMACY.address, zip: '10001' } } }), /ZIP must have 9 digits/],
    ['an NDC of 10 digits', () => { const c = vaccineWithNdc()[0]!; return { ...c, lines: [c.lines[0]!, { ...c.lines[1]!, ndc: '1234567890' }] }; }, /line 2: the NDC is not 11 digits/],
    ['an NDC without unit', () => { const c = vaccineWithNdc()[0]!; return { ...c, lines: [c.lines[0]!, { ...c.lines[1]!, ndcUnit: 'EA' }] }; }, /line 2: an NDC needs a unit/],
    ['a line number out of place', () => ({ ...base(), lines: [base().lines[1]!, base().lines[0]!] }), /line 1: lineNumber does not match/],
    ['an amount with a comma', () => ({ ...base(), lines: [{ ...base().lines[0]!, chargeAmount: '1,075.00' }, base().lines[1]!] }), /line 1: the charge is not a decimal/],
    ['an ordering provider without name', () => { const c = vaccineWithNdc()[0]!; return { ...c, lines: [{ ...c.lines[0]!, orderingProvider: { npi: PRESCRIBER.npi } }, c.lines[1]!] }; }, /ordering provider has no name/],
  ];
  it.each(cases)('%s', (_name, make, message) => {
    const err = thrown(() => write([singleLine()[0]!, make()]));
    expect(err.code).toBe('CLAIM_INVALID');
    expect(err.message).toMatch(/^claim 2 \(id \d+\): /);
    expect(err.message).toMatch(message);
    expect(err.message).not.toMatch(/DOE|JANE|MEMBER123/);
  });

  it('refuses an empty batch', () => {
    expect(thrown(() => write([])).code).toBe('CLAIM_INVALID');
  });
});

describe('check837P catches broken files', () => {
  const edit = (name: string, from: string | RegExp, to: string): string => {
    const text = golden(name);
    const edited = text.replace(from, to);
    expect(edited).not.toBe(text);
    return edited;
  };

  it.each<[string, () => string, string[]]>([
    ['a wrong SE count', () => edit('single-line', 'SE*26*0001', 'SE*25*0001'), ['segment 28 (SE): SE01 does not match the 26 segments from ST to SE']],
    ['ST02 ≠ SE02', () => edit('single-line', 'SE*26*0001', 'SE*26*0002'), ['segment 28 (SE): SE02 does not match ST02']],
    ['GS06 ≠ GE02', () => edit('single-line', 'GE*1*101', 'GE*1*102'), ['segment 29 (GE): GE02 does not match GS06']],
    ['ISA13 ≠ IEA02', () => edit('single-line', 'IEA*1*000000101', 'IEA*1*000000102'), ['segment 30 (IEA): IEA02 does not match ISA13']],
    ['a wrong GE01', () => edit('single-line', 'GE*1*101', 'GE*2*101'), ['segment 29 (GE): GE01 does not match the 1 transaction set(s)']],
    ['a short ISA', () => edit('single-line', '*ZZ*SUBMITTERID    *', '*ZZ*SUBMITTERID*'), [
      'segment 1 (ISA): ISA06 is 11 characters, expected 15', 'segment 1 (ISA): the ISA is 102 characters, expected 106',
    ]],
    ['a bad NPI', () => edit('single-line', 'XX*1234567893', 'XX*1234567890'), ['segment 10 (NM1): NM109 fails the NPI check digit (80840 Luhn)']],
    ['a pointer out of range', () => edit('mtm-add-on', 'SV1*HC:99607*50*UN*2***1:2', 'SV1*HC:99607*50*UN*2***1:3'), [
      'segment 30 (SV1): a diagnosis pointer is beyond the 2 HI diagnoses',
    ]],
    ['CLM02 ≠ Σ SV102', () => edit('vaccine-ndc', 'CLM*RXD3*45.5*', 'CLM*RXD3*45.51*'), ['segment 21 (CLM): CLM02 does not equal the sum of its 2 SV102 amounts']],
    ['HL numbering and parents', () => edit('patient-not-subscriber', 'HL*4*3*23*0', 'HL*5*2*23*0'), [
      'segment 31 (HL): HL01 should be 4', 'segment 14 (HL): HL04 should be 1', 'segment 27 (HL): HL04 should be 0',
    ]],
    ['an HL parent of the wrong level', () => edit('patient-not-subscriber', 'HL*4*3*23*0', 'HL*4*1*23*0'), [
      'segment 31 (HL): HL02 names an HL of the wrong level', 'segment 27 (HL): HL04 should be 0',
    ]],
    ['a trailing empty element', () => edit('single-line', 'REF*EI*123456789~', 'REF*EI*123456789*~'), ['segment 13 (REF): ends with an empty element']],
    ['another version', () => edit('single-line', /005010X222A1/g, '005010X222A2'), ['segment 2 (GS): GS08 is not 005010X222A1']],
  ])('%s', (_name, make, expected) => {
    expect(check837P(make())).toEqual(expected);
  });

  it('reports an unreadable text as the reader error', () => {
    expect(check837P(golden('single-line').replace(/^SE\*.*\n/m, ''))).toEqual([
      'X12 segment 28 (GE): appears before the SE closing the ST at segment 3',
    ]);
  });

  it('flags the problems of a public fixture not written by us (imsweb x12_valid.txt)', () => {
    const problems = check837P(fs.readFileSync(path.join(__dirname, '../../../shared/corpus/x12/imsweb__x12-parser__x12_valid.txt'), 'utf8'));
    expect(problems).toEqual(expect.arrayContaining([
      'segment 36 (SE): SE01 does not match the 34 segments from ST to SE',
      'segment 27 (HL): HL02 names no earlier HL',
      'segment 9 (NM1): NM109 fails the NPI check digit (80840 Luhn)',
    ]));
  });
});

describe('isValidNpi', () => {
  it.each(['1234567893', '1987654328', '1111111112', '1912301953'])('%s passes', (npi) => expect(isValidNpi(npi)).toBe(true));
  it.each(['1234567890', '9941339108', '3234567893', '123456789', '12345678931', '12345678 3', ''])('%s fails', (npi) => expect(isValidNpi(npi)).toBe(false));
});

it('the fixtures cover the five golden cases', () => {
  expect([singleLine, mtmWithAddOn, vaccineWithNdc, patientNotSubscriber, replacement].every((f) => f().length > 0)).toBe(true);
});
