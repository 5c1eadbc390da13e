/**
 * `rxbridge mappings test [NAME…] [--dir DIR]`: runs the mapping test files (*.test.yaml) of a mappings
 * directory and prints one line per case, the difference under each failing case, and `N passed, N failed`.
 * NAME selects test files by their name or by the mapping they test; without NAME every test file runs and a
 * mapping without a test file is reported. Returns 0 when every selected case passed and every file loaded,
 * else 1. The output shows test data (synthetic, written by admins) on stdout only, never through the logger.
 */
import { formatIssue } from '../core/config-file';
import { discoverMappingTests, runMappingTests } from '../mappings/test-file';

export function mappingsTest(
  names: readonly string[],
  dir: string,
  env: Record<string, string | undefined>,
  print: (line: string) => void,
): number {
  const { suites, untested } = discoverMappingTests(dir, env);
  const selected = names.length === 0 ? suites : suites.filter((s) => names.includes(s.name) || names.includes(s.mapping));
  const unmatched = names.filter((n) => !suites.some((s) => s.name === n || s.mapping === n));
  let passed = 0;
  let failed = 0;
  let broken = 0;
  for (const name of unmatched) {
    print(`✗ ${name}: no test file in ${dir} names it (${name}.test.yaml)`);
    broken++;
  }
  for (const suite of selected) {
    if (!suite.plan || !suite.tests) {
      print(`✗ ${suite.name}: cannot run ${suite.file}`);
      for (const issue of suite.problems) print(`    ${formatIssue(issue)}`);
      broken++;
      continue;
    }
    for (const result of runMappingTests(suite.plan, suite.tests, dir)) {
      if (result.passed) {
        passed++;
        print(`✓ ${suite.name}: ${result.name}`);
      } else {
        failed++;
        print(`✗ ${suite.name}: ${result.name}`);
        for (const line of result.difference.split('\n')) print(`    ${line}`);
      }
    }
  }
  if (names.length === 0) {
    for (const mapping of untested) {
      print(`✗ mapping ${mapping} has no test file (add ${mapping}.test.yaml beside it)`);
      broken++;
    }
  }
  if (suites.length === 0 && untested.length === 0) {
    print(`✗ no mappings or test files in ${dir}`);
    broken++;
  }
  if (broken > 0) print(`${broken} ${broken === 1 ? 'problem' : 'problems'} besides the cases (see ✗ above)`);
  print(`${passed} passed, ${failed} failed`);
  return failed === 0 && broken === 0 ? 0 : 1;
}
