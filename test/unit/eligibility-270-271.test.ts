/**
 * Eligibility pure parts: the 270 writer checked structurally (our reader and checkEnvelopes, node-x12 parsing
 * strictly: SE01, control numbers, GS01 HS) and for the loops and elements the TR3 requires; the 271 reader on
 * hand-written 271s (active, inactive with dates, other payer EB*R with 2120C, member id change, AAA rejections at
 * the subscriber and source levels, a dependent answer); decideEligibility on what each answer changes.
 * There is no 270/271 in ../shared/corpus: the corpus's 277CA and 999 files are read to show they are not taken
 * for 271s.
 */
import type { CoverageInput } from '../../src/billing/claims/inputs';
import { coordinationOrder } from '../../src/billing/cob/order';
import { decideEligibility, read271, write270, type EligibilityInquiry, type InquiryOfRecord } from '../../src/billing/eligibility';
import { checkEnvelopes, elementValue, readInterchanges } from '../../src/x12';
import { thrown } from './helpers';
import { CONTROL, INTERCHANGE, NOW, PHARMACY } from './x12-claims';
import { x271 } from './x12-271-support';
import { loadX12, strictNodeX12Parse, x12CorpusFiles } from './x12-support';

const PAYER = { id: 'ACME01', name: 'ACME HEALTH' };
const SELF: EligibilityInquiry = {
  trace: 'RXE1',
  subscriber: { memberId: 'M123', familyName: 'TESTPATIENT', givenName: 'ALPHA', birthDate: '1950-02-03', sex: 'F' },
  serviceDates: { from: '2026-10-01', to: '2026-10-01' },
};
const DEPENDENT: EligibilityInquiry = {
  trace: 'RXE2',
  subscriber: { memberId: 'M999', familyName: 'TESTPARENT', givenName: 'BETA', birthDate: '1980-01-01', sex: 'M' },
  dependent: { familyName: 'TESTCHILD', givenName: 'GAMMA', birthDate: '2015-05-05', sex: 'F', relationship: '19' },
  serviceDates: { from: '2026-10-01', to: '2026-10-15' },
  serviceTypes: ['30', '88'],
};

const lines = (text: string): string[] => text.trim().split('\n');

describe('the 270 writer', () => {
  const text = write270([SELF, DEPENDENT], PAYER, PHARMACY, INTERCHANGE, CONTROL, NOW);

  it('writes envelopes that check out with our reader and node-x12 (strict: counts and control numbers)', () => {
    const [ic] = readInterchanges(text);
    expect(checkEnvelopes([ic!])).toEqual([]);
    const set = ic!.groups[0]!.transactionSets[0]!;
    expect(elementValue(set.se, 1)).toBe(String(set.segments.length));
    expect(elementValue(ic!.groups[0]!.gs, 1)).toBe('HS');
    expect(elementValue(ic!.groups[0]!.gs, 8)).toBe('005010X279A1');
    expect(elementValue(ic!.isa, 13)).toBe('000000101');
    expect(elementValue(set.st, 2)).toBe('0001');
    const parsed = strictNodeX12Parse(text);
    const t = parsed.functionalGroups[0]!.transactions[0]!;
    expect(t.header.valueOf(1)).toBe('270');
    expect(t.header.valueOf(3)).toBe('005010X279A1');
    expect(Number(t.trailer.valueOf(1))).toBe(t.segments.length + 2);
  });

  it('writes the information source, receiver, subscriber and dependent loops', () => {
    const body = lines(text).slice(3, -3);
    expect(body).toEqual([
      'BHT*0022*13*000000101*20250115*1200~',
      'HL*1**20*1~',
      'NM1*PR*2*ACME HEALTH*****PI*ACME01~',
      'HL*2*1*21*1~',
      'NM1*1P*2*EXAMPLE PHARMACY*****XX*1234567893~',
      'HL*3*2*22*0~',
      `TRN*1*RXE1*9${PHARMACY.taxId.replace(/\D/g, '')}~`,
      'NM1*IL*1*TESTPATIENT*ALPHA****MI*M123~',
      'DMG*D8*19500203*F~',
      'DTP*291*D8*20261001~',
      'EQ*30~',
      'HL*4*2*22*1~',
      'NM1*IL*1*TESTPARENT*BETA****MI*M999~',
      'DMG*D8*19800101*M~',
      'DTP*291*RD8*20261001-20261015~',
      'HL*5*4*23*0~',
      `TRN*1*RXE2*9${PHARMACY.taxId.replace(/\D/g, '')}~`,
      'NM1*03*1*TESTCHILD*GAMMA~',
      'DMG*D8*20150505*F~',
      'DTP*291*RD8*20261001-20261015~',
      'EQ*30~',
      'EQ*88~',
    ]);
  });

  it('refuses an inquiry without a member id or a date of service (ELIGIBILITY_INVALID), and an empty one', () => {
    const noId = { ...SELF, subscriber: { ...SELF.subscriber, memberId: '' } };
    expect(thrown(() => write270([noId], PAYER, PHARMACY, INTERCHANGE, CONTROL, NOW)).code).toBe('ELIGIBILITY_INVALID');
    const noDate = { ...SELF, serviceDates: { from: '', to: '' } };
    expect(thrown(() => write270([noDate], PAYER, PHARMACY, INTERCHANGE, CONTROL, NOW)).code).toBe('ELIGIBILITY_INVALID');
    expect(thrown(() => write270([], PAYER, PHARMACY, INTERCHANGE, CONTROL, NOW)).code).toBe('ELIGIBILITY_INVALID');
  });
});

const readText = (text: string) => {
  const [ic] = readInterchanges(text);
  return read271(ic!.groups[0]!.transactionSets[0]!);
};

const SUBSCRIBER = (trace: string, memberId = 'M123') => [
  'HL*3*2*22*0',
  `TRN*2*${trace}*9123456789`,
  `NM1*IL*1*TESTPATIENT*ALPHA****MI*${memberId}`,
  'DMG*D8*19500203*F',
];

describe('the 271 reader', () => {
  it('reads an active answer with its plan dates', () => {
    const r = readText(x271([...SUBSCRIBER('RXE1'), 'DTP*346*D8*20250101', 'EB*1**30**GOLD PLAN', 'DTP*291*RD8*20250101-20261231']));
    expect(r.answers).toHaveLength(1);
    const a = r.answers[0]!;
    expect(a).toMatchObject({ trace: 'RXE1', level: 'subscriber', memberId: 'M123', payer: { id: 'ACME01', name: 'ACME HEALTH' } });
    expect(a.dates).toEqual([{ qualifier: '346', from: '2025-01-01', to: '2025-01-01' }]);
    expect(a.benefits[0]).toMatchObject({ code: '1', serviceTypes: ['30'], planDescription: 'GOLD PLAN' });
    expect(a.benefits[0]!.dates).toEqual([{ qualifier: '291', from: '2025-01-01', to: '2026-12-31' }]);
  });

  it('reads an EB*R other payer with its 2120C name and id, and repeated service types', () => {
    const r = readText(x271([...SUBSCRIBER('RXE1'), 'EB*1**30^88', 'EB*R**30*12', 'LS*2120', 'NM1*PRP*2*BIG EMPLOYER PLAN*****PI*BEP01', 'LE*2120']));
    const a = r.answers[0]!;
    expect(a.benefits[0]!.serviceTypes).toEqual(['30', '88']);
    expect(a.benefits[1]).toMatchObject({ code: 'R', insuranceType: '12', otherPayers: [{ entity: 'PRP', name: 'BIG EMPLOYER PLAN', id: 'BEP01' }] });
  });

  it('reads AAA rejections with their reasons, at the subscriber level and above it', () => {
    const sub = readText(x271(['HL*3*2*22*0', 'TRN*2*RXE1*9123456789', 'NM1*IL*1*TESTPATIENT*ALPHA****MI*M123', 'AAA*N**72*C']));
    expect(sub.answers[0]!.rejections).toEqual([{ level: 'subscriber', validRequest: 'N', reason: '72', reasonText: 'invalid/missing subscriber/insured id', followUp: 'C' }]);
    const [ic] = readInterchanges(x271([]).replace('NM1*PR*2*ACME HEALTH*****PI*ACME01~', 'NM1*PR*2*ACME HEALTH*****PI*ACME01~\nAAA*Y**42*R~').replace('SE*7*0001', 'SE*8*0001'));
    const top = read271(ic!.groups[0]!.transactionSets[0]!);
    expect(top.answers).toEqual([]);
    expect(top.rejections).toMatchObject([{ level: 'source', reason: '42', reasonText: 'unable to respond at current time' }]);
  });

  it('reads a dependent answer with the subscriber member id', () => {
    const r = readText(x271(['HL*3*2*22*1', 'NM1*IL*1*TESTPARENT*BETA****MI*M999', 'HL*4*3*23*0', 'TRN*2*RXE2*9123456789', 'NM1*03*1*TESTCHILD*GAMMA', 'EB*6**30', 'DTP*357*D8*20260930']));
    const dependent = r.answers.find((a) => a.level === 'dependent')!;
    expect(dependent).toMatchObject({ trace: 'RXE2', memberId: 'M999' });
    expect(dependent.benefits[0]).toMatchObject({ code: '6', dates: [{ qualifier: '357', from: '2026-09-30' }] });
  });

  it('refuses a malformed date (PAYER_FILE_INVALID) and a set that is not a 271', () => {
    expect(thrown(() => readText(x271([...SUBSCRIBER('RXE1'), 'DTP*347*D8*20261340']))).code).toBe('PAYER_FILE_INVALID');
    const text = x271([]).replace('ST*271', 'ST*277');
    expect(thrown(() => readText(text)).code).toBe('PAYER_FILE_INVALID');
  });

  it.each(x12CorpusFiles.filter((f) => /277|999/.test(f)))('the corpus file %s is not taken for a 271', (name) => {
    for (const ic of readInterchanges(loadX12(name))) {
      for (const ts of ic.groups.flatMap((g) => g.transactionSets)) {
        expect(thrown(() => read271(ts)).code).toBe('PAYER_FILE_INVALID');
      }
    }
  });
});

const coverage = (o: Partial<CoverageInput> & { id: string }): CoverageInput => ({
  patientRef: 'P1', payerId: 'ACME01', payerName: 'ACME HEALTH', memberId: 'M123', groupNumber: null, groupName: null,
  planType: 'CI', relationship: '18', priority: 1, effectiveDate: '2025-01-01', expirationDate: null,
  asOf: '2026-01-01T00:00:00.000Z', subscriberFamilyName: null, subscriberGivenName: null, subscriberBirthDate: null,
  subscriberSex: null, ...o,
});
const INQUIRY: InquiryOfRecord = {
  id: '7', patientRef: 'P1', coverageId: '1', payerId: 'ACME01', payerName: 'ACME HEALTH', memberId: 'M123',
  serviceFrom: '2026-10-01', serviceTo: '2026-10-20',
};
const answerOf = (body: string[]) => readText(x271(body)).answers[0]!;

describe('decideEligibility', () => {
  const charges = [
    { id: '10', serviceDate: '2026-09-15', coverageId: '1' },
    { id: '11', serviceDate: '2026-10-05', coverageId: '1' },
    { id: '12', serviceDate: '2026-10-20', coverageId: null },
    { id: '13', serviceDate: '2026-10-20', coverageId: '2' },
  ];

  it('active on the dates: nothing to do', () => {
    const d = decideEligibility(answerOf([...SUBSCRIBER('RXE1'), 'EB*1**30']), INQUIRY, [coverage({ id: '1' })], charges, [], '2026-10-21');
    expect(d).toMatchObject({ outcome: 'active', hold: { chargeIds: [] }, claimNotes: [] });
    expect(d.endCoverage).toBeUndefined();
    expect(d.memberId).toBeUndefined();
    expect(d.summary).toBe('ACME HEALTH: coverage active');
  });

  it('a plan end date before a service date ends the coverage and holds the charges after it (this coverage or none)', () => {
    const d = decideEligibility(
      answerOf([...SUBSCRIBER('RXE1'), 'EB*1**30', 'DTP*347*D8*20260930']),
      INQUIRY, [coverage({ id: '1' })], charges, [{ id: '50', coverageId: '1', serviceDate: '2026-10-05' }], '2026-10-21',
    );
    expect(d.outcome).toBe('ended');
    expect(d.endCoverage).toEqual({ coverageId: '1', endDate: '2026-09-30', previous: null });
    expect(d.hold.chargeIds).toEqual(['11', '12']);
    expect(d.hold.reason).toContain('ended 2026-09-30');
    expect(d.claimNotes.map((n) => n.claimId)).toEqual(['50']);
  });

  it('EB*6 without a date ends the coverage the day before the first date asked about', () => {
    const d = decideEligibility(answerOf([...SUBSCRIBER('RXE1'), 'EB*6**30']), INQUIRY, [coverage({ id: '1' })], charges, [], '2026-10-21');
    expect(d.outcome).toBe('ended');
    expect(d.endCoverage?.endDate).toBe('2026-09-30');
  });

  it('a coverage already ending earlier is not moved later', () => {
    const d = decideEligibility(answerOf([...SUBSCRIBER('RXE1'), 'EB*6**30', 'DTP*357*D8*20261010']), INQUIRY,
      [coverage({ id: '1', expirationDate: '2026-10-01' })], charges, [], '2026-10-21');
    expect(d.endCoverage).toBeUndefined();
    expect(d.hold.chargeIds).toEqual(['12']);
  });

  it('a new member id (Medicare MBI) changes the coverage', () => {
    const d = decideEligibility(answerOf([...SUBSCRIBER('RXE1', '1EG4TE5MK73'), 'EB*1**30']), INQUIRY, [coverage({ id: '1' })], [],
      [{ id: '70', coverageId: '1', serviceDate: '2026-10-05' }, { id: '71', coverageId: '2', serviceDate: '2026-10-05' }], '2026-10-21');
    expect(d.memberId).toEqual({ coverageId: '1', from: 'M123', to: '1EG4TE5MK73' });
    expect(d.claimNotes.map((n) => n.claimId)).toEqual(['70']);
    expect(decideEligibility(answerOf([...SUBSCRIBER('RXE1', 'm 123'), 'EB*1**30']), INQUIRY, [coverage({ id: '1' })], [], [], '2026-10-21').memberId).toBeUndefined();
  });

  it('a rejection changes nothing and keeps the reason', () => {
    const d = decideEligibility(answerOf([...SUBSCRIBER('RXE1'), 'AAA*N**75*C']), INQUIRY, [coverage({ id: '1' })], charges, [], '2026-10-21');
    expect(d).toMatchObject({ outcome: 'rejected', rejections: ['75 subscriber/insured not found (follow-up C)'], hold: { chargeIds: [] } });
  });

  it('EB*R naming a primary payer the patient has a coverage of confirms the order, and cob/order follows it', () => {
    const medicare = coverage({ id: '1', payerId: 'MCR01', payerName: 'MEDICARE', priority: 1 });
    const employer = coverage({ id: '2', payerId: 'BEP01', payerName: 'BIG EMPLOYER PLAN', priority: 2 });
    const inquiry = { ...INQUIRY, payerId: 'MCR01', payerName: 'MEDICARE' };
    const d = decideEligibility(
      answerOf([...SUBSCRIBER('RXE1'), 'EB*1**30', 'EB*R**30*12', 'LS*2120', 'NM1*PRP*2*BIG EMPLOYER PLAN*****PI*BEP01', 'LE*2120']),
      inquiry, [medicare, employer], [], [{ id: '60', coverageId: '1', serviceDate: '2026-10-05' }], '2026-10-21',
    );
    expect(d.reorder).toEqual({ primaryCoverageId: '2', priorities: { '2': 1, '1': 2 }, payer: 'BIG EMPLOYER PLAN (BEP01)' });
    expect(d.claimNotes.map((n) => n.claimId)).toEqual(['60']);
    const order = coordinationOrder(
      [{ ...medicare, confirmedPriority: 2 }, { ...employer, confirmedPriority: 1 }], '2026-10-05',
      () => ({ filingIndicator: 'CI', cob: 'auto' }),
    );
    expect(order.map((o) => [o.coverage.id, o.responsibility])).toEqual([['2', 'P'], ['1', 'S']]);
    expect(order[0]!.reordered).toContain('271');
  });

  it('a primary payer the patient has no coverage of is reported, not invented; an EB*R secondary payer is not primary', () => {
    const d = decideEligibility(
      answerOf([...SUBSCRIBER('RXE1'), 'EB*1**30', 'EB*R**30', 'LS*2120', 'NM1*PRP*2*UNKNOWN PLAN*****PI*UNK01', 'LE*2120']),
      INQUIRY, [coverage({ id: '1' })], [], [], '2026-10-21',
    );
    expect(d.reorder).toBeUndefined();
    expect(d.unknownPrimary).toBe('UNKNOWN PLAN (UNK01)');
    const sep = decideEligibility(
      answerOf([...SUBSCRIBER('RXE1'), 'EB*1**30', 'EB*R**30', 'LS*2120', 'NM1*SEP*2*BIG EMPLOYER PLAN*****PI*BEP01', 'LE*2120']),
      INQUIRY, [coverage({ id: '1' }), coverage({ id: '2', payerId: 'BEP01', priority: 2 })], [], [], '2026-10-21',
    );
    expect(sep.reorder).toBeUndefined();
    expect(sep.unknownPrimary).toBeUndefined();
  });
});
