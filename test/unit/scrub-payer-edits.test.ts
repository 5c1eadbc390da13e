/**
 * The payer-edit scrub rules (ncci-ptp, mue-units, mce-age, mce-sex, product-age) and the required code sets
 * (icd10-billable with and without a release covering the date of service), each with the case a biller brings.
 * Edits come from the small CMS-layout fixtures (test/fixtures/codesets) through the importer's parsers and the
 * real pure lookups.
 */
import { buildCodeSetLookup, type LoadedEntry, type ReleaseInfo } from '../../src/billing/codesets/lookup';
import type { Claim, ScrubFinding, Severity } from '../../src/billing/model';
import { SCRUB_RULES, type ScrubContext } from '../../src/billing/scrub';
import { buildClaim, buildMedicareClaim, context, fakeCodeEdits, line, MEDICARE } from './scrub-fixtures';

function run(id: string, claim: Claim, ctx: ScrubContext = context()): ScrubFinding[] {
  const rule = SCRUB_RULES.find((r) => r.id === id);
  if (!rule) throw new Error(`no rule ${id} in the registry`);
  return rule.check(claim, ctx);
}
const claimLevel = (ruleId: string, message: string, severity: Severity = 'error'): ScrubFinding => ({ ruleId, severity, scope: 'claim', message });
const lineLevel = (ruleId: string, lineNumber: number, message: string, severity: Severity = 'error'): ScrubFinding =>
  ({ ruleId, severity, scope: 'line', lineNumber, message });

const DOS = '2026-01-15';
const on = (code: string, patch: Parameters<typeof line>[1] = {}) => line(code, { serviceDate: DOS, ...patch });

describe('ncci-ptp', () => {
  const id = 'ncci-ptp';
  it('99211 with 90471 on the same date without modifier 25 is an error on the column 2 line', () => {
    const claim = buildClaim({ lines: [on('90471', { serviceKind: 'immunization-admin' }), on('99211')] });
    expect(run(id, claim)).toEqual([lineLevel(id, 2,
      '99211 is bundled into 90471 on 2026-01-15 (NCCI PTP column 1 90471, column 2 99211; modifier indicator 1: bill it with a modifier such as 25 (separate E/M service) or 59/XE/XS/XP/XU (distinct service) when the service was separate) (NCCI PTP test-ncci)')]);
  });
  it('modifier indicator 1: 25 on the E/M line (or XU) allows the pair', () => {
    expect(run(id, buildClaim({ lines: [on('90471'), on('99211', { modifiers: ['25'] })] }))).toEqual([]);
    expect(run(id, buildClaim({ lines: [on('90471', { modifiers: ['XU'] }), on('99211')] }))).toEqual([]);
  });
  it('modifier indicator 0: no modifier allows the pair', () => {
    const claim = buildClaim({ lines: [on('82465', { modifiers: ['59'] }), on('80061')] });
    expect(run(id, claim)).toEqual([lineLevel(id, 1,
      '82465 is bundled into 80061 on 2026-01-15 (NCCI PTP column 1 80061, column 2 82465; modifier indicator 0: no modifier allows the pair) (NCCI PTP test-ncci)')]);
  });
  it('a pair on different dates, a deleted edit and indicator 9 give nothing', () => {
    expect(run(id, buildClaim({ lines: [on('90471'), line('99211', { serviceDate: '2026-01-16' })] }))).toEqual([]);
    expect(run(id, buildClaim({ lines: [on('99605'), on('99606')] }))).toEqual([]); // deleted 2020-01-01
    expect(run(id, buildClaim({ lines: [on('90686'), on('90688')] }))).toEqual([]);
  });
  it('not loaded: an info note, unless the payer requires NCCI (then held for each date)', () => {
    const claim = buildClaim({ lines: [on('90471'), on('99211')] });
    const none = fakeCodeEdits([]);
    expect(run(id, claim, context({ codeEdits: none })))
      .toEqual([claimLevel(id, 'the NCCI PTP code set is not loaded: procedure pairs were not checked against it', 'info')]);
    const requiredCodeSets = { default: ['icd10cm' as const], payers: { SYNCOM01: ['icd10cm' as const, 'ncci' as const] } };
    expect(run(id, claim, context({ codeEdits: none, requiredCodeSets }))).toEqual([claimLevel(id,
      'no NCCI PTP release covers DOS 2026-01-15: payer SYNCOM01 requires procedure pairs checked against it (rxbridge codes import ncci)')]);
  });
});

describe('mue-units', () => {
  const id = 'mue-units';
  it('87880 × 5 exceeds its MUE of 2, with the adjudication indicator in the message', () => {
    const claim = buildClaim({ lines: [on('87880', { units: '5', modifiers: ['QW'] })] });
    expect(run(id, claim)).toEqual([lineLevel(id, 1,
      '87880: 5 units on 2026-01-15 exceed its MUE of 2 (MAI 3, date of service edit: clinical: the units of every line with the code that day count) (MUE test-mue)')]);
  });
  it('a date of service MUE sums the lines; a claim line MUE (MAI 1) does not', () => {
    const split = buildClaim({ lines: [on('87880', { units: '2' }), on('87880', { units: '1', modifiers: ['91'] })] });
    expect(run(id, split).map((f) => f.message)).toEqual([expect.stringMatching(/^87880: 3 units on 2026-01-15 exceed its MUE of 2 \(MAI 3/)]);
    expect(run(id, buildClaim({ lines: [on('90471'), on('90472', { units: '5' }), on('90472', { units: '4', modifiers: ['XU'] })] }))).toEqual([]);
    expect(run(id, buildClaim({ lines: [on('90471'), on('90472', { units: '9' })] }))).toEqual([lineLevel(id, 2,
      '90472: 9 units on the line exceed its MUE of 8 (MAI 1, claim line edit) (MUE test-mue)')]);
  });
  it('within the MUE, or a code without one: nothing', () => {
    expect(run(id, buildClaim({ lines: [on('87880', { units: '2' }), on('99606')] }))).toEqual([]);
  });
  it('a quarter that starts after the date of service does not answer for it', () => {
    const codeEdits = fakeCodeEdits(['mue'], { mue: { from: '2026-04-01', to: null } });
    expect(run(id, buildClaim({ lines: [on('87880', { units: '5' })] }), context({ codeEdits })))
      .toEqual([claimLevel(id, 'no MUE release covers DOS 2026-01-15: units were not checked against it', 'info')]);
  });
});

describe('mce-age and mce-sex', () => {
  const patient = (birthDate: string | undefined, sex: string) => ({ ...buildClaim().patient, birthDate, sex });
  it('Z00.129 (routine child exam) for a 76-year-old is an age conflict', () => {
    const claim = buildClaim({ patient: patient('1949-06-01', 'M'), diagnoses: ['Z00.129'], lines: [on('99211')] });
    expect(run('mce-age', claim)).toEqual([claimLevel('mce-age',
      'diagnosis Z00.129 is a pediatric diagnosis (ages 0–17); the patient is 76 on 2026-01-15 (MCE test-mce)')]);
    expect(run('mce-age', { ...claim, patient: patient('2015-01-16', 'M') })).toEqual([]); // 10 the day before the 11th birthday
  });
  it('age on the date of service: 17 the day before the 18th birthday, 18 on it', () => {
    const claim = (birthDate: string) => buildClaim({ patient: patient(birthDate, 'F'), diagnoses: ['Z00.129'], lines: [on('99211')] });
    expect(run('mce-age', claim('2008-01-16'))).toEqual([]);
    expect(run('mce-age', claim('2008-01-15')).map((f) => f.message)).toEqual([expect.stringContaining('the patient is 18 on 2026-01-15')]);
  });
  it('no birth date: a warning, not a silent pass', () => {
    const claim = buildClaim({ patient: patient(undefined, 'M'), diagnoses: ['Z00.129'], lines: [on('99211')] });
    expect(run('mce-age', claim)).toEqual([claimLevel('mce-age',
      'diagnosis Z00.129 is for ages 0–17 (pediatric) and the patient has no usable birth date: age not checked', 'warning')]);
  });
  it('N40.0 (benign prostatic hyperplasia) for a female patient is a sex conflict', () => {
    const claim = buildClaim({ patient: patient('1960-03-01', 'F'), diagnoses: ['N40.0'], lines: [on('99211')] });
    expect(run('mce-sex', claim)).toEqual([claimLevel('mce-sex', 'diagnosis N40.0 is for male patients only; the patient is female (MCE test-mce)')]);
    expect(run('mce-sex', { ...claim, patient: patient('1960-03-01', 'M') })).toEqual([]);
    expect(run('mce-sex', { ...claim, patient: patient('1960-03-01', 'U') }))
      .toEqual([claimLevel('mce-sex', "diagnosis N40.0 is for male patients only and the patient's sex is not known: not checked", 'warning')]);
  });
  it('MCE required by the payer and not loaded: held, reported once (by mce-age)', () => {
    const claim = buildClaim({ diagnoses: ['N40.0'], lines: [on('99211')] });
    const ctx = context({ codeEdits: fakeCodeEdits(['ncci', 'mue']), requiredCodeSets: { default: ['icd10cm', 'mce'], payers: {} } });
    expect(run('mce-age', claim, ctx)).toEqual([claimLevel('mce-age',
      'no MCE release covers DOS 2026-01-15: payer SYNCOM01 requires diagnosis ages and sexes checked against it (rxbridge codes import mce)')]);
    expect(run('mce-sex', claim, ctx)).toEqual([]);
  });
});

describe('product-age', () => {
  const id = 'product-age';
  it('high-dose influenza vaccine 90662 for an 11-year-old is an error; for a 70-year-old it is not', () => {
    const child = buildMedicareClaim({
      patient: { ...buildClaim().patient, birthDate: '2014-09-01' },
      lines: [on('G0008', { serviceKind: 'immunization-admin' }), on('90662', { serviceKind: 'vaccine-product' })],
    });
    expect(run(id, child)).toEqual([lineLevel(id, 2, '90662 (high-dose influenza vaccine) is for ages 65 and older; the patient is 11 on 2026-01-15')]);
    expect(run(id, { ...child, patient: { ...child.patient, birthDate: '1955-09-01' } })).toEqual([]);
  });
});

describe('icd10-billable against real releases (FY and April update)', () => {
  const rel = (id: number, name: string, validFrom: string, validTo: string, loadedAt: number): ReleaseInfo =>
    ({ id, kind: 'icd10cm', name, validFrom, validTo, loadedAt: new Date(loadedAt) });
  const entry = (releaseId: number, code: string, billable = true): LoadedEntry => ({ releaseId, code, validFrom: null, validTo: null, billable });
  // FY2026 has E11 (header) and E11.9; the April 2026 update adds E11.A (billable from 2026-04-01).
  const codeSets = buildCodeSetLookup({
    releases: [rel(1, '2026', '2025-10-01', '2026-09-30', 1), rel(2, '2026-04', '2026-04-01', '2026-09-30', 2)],
    loaded: { icd10cm: { codes: 'all', entries: [
      entry(1, 'E11', false), entry(1, 'E11.9'), entry(1, 'Z23'),
      entry(2, 'E11', false), entry(2, 'E11.9'), entry(2, 'Z23'), entry(2, 'E11.A'),
    ] } },
  });
  const claimOn = (dos: string, diagnoses: string[]) => buildClaim({ diagnoses, lines: [line('90471', { serviceDate: dos }), line('90686', { serviceDate: dos, ndc: undefined, ndcQuantity: undefined, ndcUnit: undefined })] });
  const ctx = context({ codeSets });
  it('a release covering the date checks the codes: E11 is a header code', () => {
    expect(run('icd10-billable', claimOn('2026-01-15', ['Z23', 'E11']), ctx))
      .toEqual([claimLevel('icd10-billable', 'E11 is a header code, not billable on 2026-01-15 (ICD-10-CM 2026): use a more specific code')]);
  });
  it('a code added by the April update is valid from April, not before', () => {
    expect(run('icd10-billable', claimOn('2026-04-15', ['E11.A']), ctx)).toEqual([]);
    expect(run('icd10-billable', claimOn('2026-03-15', ['E11.A']), ctx))
      .toEqual([claimLevel('icd10-billable', 'diagnosis E11.A is not valid on 2026-03-15 (ICD-10-CM 2026)')]);
  });
  it('a date before the first loaded release: held with "no ICD-10-CM release covers DOS", not "not an ICD-10-CM code"', () => {
    expect(run('icd10-billable', claimOn('2025-09-15', ['Z23', 'E11']), ctx)).toEqual([claimLevel('icd10-billable',
      'no ICD-10-CM release covers DOS 2025-09-15: payer SYNCOM01 requires diagnoses checked against it (rxbridge codes import icd10cm)')]);
  });
  it('the same date for a payer that does not require ICD-10-CM: an info note', () => {
    const requiredCodeSets = { default: ['icd10cm' as const], payers: { [MEDICARE]: [] } };
    const claim = buildMedicareClaim({ diagnoses: ['E11'], lines: [line('G0008', { serviceDate: '2025-09-15' })] });
    expect(run('icd10-billable', claim, context({ codeSets, requiredCodeSets })))
      .toEqual([claimLevel('icd10-billable', 'no ICD-10-CM release covers DOS 2025-09-15: diagnoses were not checked against it', 'info')]);
  });
});
