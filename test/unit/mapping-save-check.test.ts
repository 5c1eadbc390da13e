/** The test run before a mapping save (src/mappings/save-check.ts): the shipped cases pass, a missing message file is skipped. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileMappingText } from '../../src/mappings/load';
import { runSavedTests, testFilesOf } from '../../src/mappings/save-check';

const MAPPINGS = path.join(__dirname, '../../mappings');
const plan = compileMappingText(fs.readFileSync(path.join(MAPPINGS, 'adt.yaml'), 'utf8'), 'adt', 'adt.yaml', {});

it('runs the shipped adt cases against the shipped mapping: all pass', () => {
  const files = testFilesOf(MAPPINGS, 'adt', {});
  expect(files.map((f) => path.basename(f.file))).toEqual(['adt.test.yaml']);
  const run = runSavedTests(plan, files);
  expect(run.failures).toEqual([]);
  expect(run.cases).toBe(files[0]!.tests.cases.length);
});

it('skips, never fails, a case whose message file is not there (a deployment without the shared corpus)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-maps-'));
  fs.copyFileSync(path.join(MAPPINGS, 'adt.test.yaml'), path.join(dir, 'adt.test.yaml'));
  const files = testFilesOf(dir, 'adt', {});
  const withFile = files[0]!.tests.cases.filter((c) => c.file !== undefined).length;
  expect(withFile).toBeGreaterThan(0);
  const run = runSavedTests(plan, files);
  expect(run).toMatchObject({ skipped: withFile, failures: [] });
  expect(run.cases + run.skipped).toBe(files[0]!.tests.cases.length);
  expect(testFilesOf(dir, 'dft-p03', {})).toEqual([]);
});
