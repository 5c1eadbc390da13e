/**
 * A mapping saved through the API runs the mapping's own test file first (src/mappings/save-check.ts): a version that
 * breaks a case is refused with 422 MAPPING_TESTS_FAILED (case, field, expected vs actual) and nothing changes; saved
 * again with `updateExpected`, the mapping is saved and the failing cases' expected values are rewritten (every other
 * line of the test file as it was), audited as mapping.tests.update.
 */
import fs from 'node:fs';
import path from 'node:path';
import { discoverMappingTests, runMappingTests } from '../../src/mappings/test-file';
import { startHarness, type Harness } from './engine-harness';

let h: Harness;
let testFile: string;

const TESTS = `# The ADT mapping's payer crosswalk, one case (a copy for this test).
cases:
  - name: commercial coverage crosswalked
    hl7: |
      MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|HOSP|20240301093000||ADT^A04^ADT_A01|T-1|P|2.5.1
      EVN|A04|20240301092955
      PID|1||MRN7^^^PHARM01^MR||TESTPATIENT^ALEX||19800115|F
      PV1|1|O
      IN1|1|COM-PLAN^PLAN|SYN-COMMERCIAL|SOME PAYER||||||||20240101|||CI|TESTPATIENT^ALEX|SEL^Self^HL70063|19800115||||1||||||||||||||COM-7
    expect:
      coverages:
        - payerId: SYNCOM01        # through payerIds
          memberId: COM-7
          planType: CI
  - name: untouched case
    hl7: |
      MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|HOSP|20240301093000||ADT^A04^ADT_A01|T-2|P|2.5.1
      EVN|A04|20240301092955
      PID|1||MRN8^^^PHARM01^MR||TESTPATIENT^SAM||19900202|M
      PV1|1|O
    expect:
      patients:
        - patientRef: MRN8
`;

beforeAll(async () => {
  h = await startHarness({ store: 'postgres' });
  testFile = path.join(h.project.mappingsDir, 'adt.test.yaml');
  fs.writeFileSync(testFile, TESTS);
});

afterAll(async () => {
  await h?.close();
});

it('refuses a save that breaks a case, then saves it and rewrites the expected value on the admin\'s word', async () => {
  const before = (await h.api('GET', '/api/mappings/adt')).json;
  const changed = before.content.replace('SYN-COMMERCIAL: SYNCOM01', 'SYN-COMMERCIAL: SYNCOM02');
  expect(changed).not.toBe(before.content);

  const refused = await h.api('PUT', '/api/mappings/adt', { content: changed });
  expect(refused.status).toBe(422);
  expect(refused.json.error).toMatchObject({ code: 'MAPPING_TESTS_FAILED', files: ['adt.test.yaml'], cases: 2 });
  expect(refused.json.error.failures).toEqual([
    {
      file: 'adt.test.yaml', case: 'commercial coverage crosswalked',
      differences: [{ type: 'field', kind: 'coverages', index: 0, field: 'payerId', expected: 'SYNCOM01', actual: 'SYNCOM02', text: 'coverage #1 payerId: expected "SYNCOM01", got "SYNCOM02"' }],
    },
  ]);
  expect((await h.api('GET', '/api/mappings/adt')).json).toMatchObject({ content: before.content, version: before.version });
  expect(fs.readFileSync(path.join(h.project.mappingsDir, 'adt.yaml'), 'utf8')).toBe(before.content);
  expect(fs.readFileSync(testFile, 'utf8')).toBe(TESTS);

  const saved = await h.api('PUT', '/api/mappings/adt', { content: changed, updateExpected: true });
  expect(saved.status).toBe(200);
  expect(saved.json.testsUpdated).toEqual([{ file: 'adt.test.yaml', cases: ['commercial coverage crosswalked'] }]);
  expect((await h.api('GET', '/api/mappings/adt')).json.content).toBe(changed);
  // Only the value changed: its comment and every other line as they were.
  expect(fs.readFileSync(testFile, 'utf8')).toBe(TESTS.replace('payerId: SYNCOM01        # through payerIds', 'payerId: SYNCOM02        # through payerIds'));
  const suite = discoverMappingTests(h.project.mappingsDir).suites.find((s) => s.name === 'adt')!;
  expect(runMappingTests(suite.plan!, suite.tests!, h.project.mappingsDir).every((r) => r.passed)).toBe(true);

  const audits = await h.engine.store.db.selectFrom('audit_events').select(['action', 'detail']).where('action', '=', 'mapping.tests.update').execute();
  expect(audits).toEqual([{ action: 'mapping.tests.update', detail: expect.objectContaining({ files: [{ file: 'adt.test.yaml', cases: ['commercial coverage crosswalked'] }] }) }]);

  // A save that keeps the cases passing needs nothing more.
  const again = await h.api('PUT', '/api/mappings/adt', { content: before.content.replace('SYN-COMMERCIAL: SYNCOM01', 'SYN-COMMERCIAL: SYNCOM02') + '\n' });
  expect(again.status).toBe(200);
  expect(again.json.testsUpdated).toBeUndefined();
});

it('a count difference is rewritten as the records the mapping now gives; a case expecting records that now fails cannot be', async () => {
  const current = (await h.api('GET', '/api/mappings/adt')).json.content as string;
  fs.writeFileSync(testFile, TESTS.replace('SYNCOM01', 'SYNCOM02').replace('    expect:\n      patients:\n        - patientRef: MRN8\n', '    expect:\n      patients: []\n'));
  const refused = await h.api('PUT', '/api/mappings/adt', { content: `${current}\n# a comment\n` });
  expect(refused.json.error.failures).toEqual([
    expect.objectContaining({ case: 'untouched case', differences: [expect.objectContaining({ type: 'count', kind: 'patients', expected: 0 })] }),
  ]);
  const saved = await h.api('PUT', '/api/mappings/adt', { content: `${current}\n# a comment\n`, updateExpected: true });
  expect(saved.status).toBe(200);
  expect(fs.readFileSync(testFile, 'utf8')).toContain('    expect:\n      patients:\n        - patientRef: MRN8\n');
});
