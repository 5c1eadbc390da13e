/**
 * Runs every case of every mappings/*.test.yaml as its own test (one describe per test file), failing with the
 * runner's difference text, and checks that every shipped mapping has a test file.
 */
import path from 'node:path';
import { formatIssue } from '../../src/core/config-file';
import { discoverMappingTests, runMappingCase } from '../../src/mappings/test-file';

const MAPPINGS = path.join(__dirname, '../../mappings');
const { suites, untested } = discoverMappingTests(MAPPINGS, {});

it('every mapping in mappings/ has a test file', () => {
  expect(suites.length).toBeGreaterThan(0);
  if (untested.length > 0) {
    throw new Error(`mappings without a test file: ${untested.join(', ')} (add mappings/<name>.test.yaml; docs/mappings.md)`);
  }
});

describe.each(suites.map((s) => [s.name, s] as const))('mappings/%s.test.yaml', (_name, suite) => {
  if (!suite.plan || !suite.tests) {
    it('loads', () => {
      throw new Error(`cannot run ${suite.file}:\n${suite.problems.map(formatIssue).join('\n')}`);
    });
    return;
  }
  const { plan, tests } = suite;
  it.each(tests.cases.map((c) => [c.name, c] as const))('%s', (_case, testCase) => {
    const result = runMappingCase(plan, testCase, MAPPINGS);
    if (!result.passed) throw new Error(result.difference);
  });
});
