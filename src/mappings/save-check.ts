/**
 * A mapping's own tests, run before a save (PUT /api/mappings/:name): the test files of the mappings directory that
 * test the mapping (`<name>.test.yaml`, or any `*.test.yaml` saying `mapping: <name>`) run against the text about to
 * be saved, and, on the admin's word, their expected values are rewritten to what the new text gives.
 *
 * Contract:
 * - testFilesOf reads the test files; one that does not load (its own YAML or schema problem) is left out: it is
 *   `rxbridge mappings test`'s to report, and a mapping save cannot fix it.
 * - runSavedTests is pure apart from reading the cases' `file:` messages; a case whose message file is missing is
 *   skipped (counted), never a failure.
 * - updatedTestText rewrites the expected value of each field that differs and the expected list of each list whose
 *   count differs (with the fields the case names), found through the `yaml` Document API and replaced in the text
 *   itself, so comments and layout stay byte for byte; a case that
 *   expected an error and got records (or the other way round, or another error) cannot be rewritten: CONFLICT names
 *   it. The result is checked against the test file schema before it is returned.
 * Test data is synthetic (written by admins), shown to the admin who saves; it never reaches the logger.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseDocument, stringify } from 'yaml';
import { ConfigError } from '../core/config-file';
import { EngineError } from '../core/errors';
import type { MappingPlan } from './compile';
import { parseMappingTestFile, runMappingTests, type CaseDifference, type Comparable, type MappingTestFile } from './test-file';

const TEST_SUFFIX = '.test.yaml';

export interface MappingTestFileText {
  file: string;
  text: string;
  tests: MappingTestFile;
}

export interface MappingTestFailure {
  /** The test file's name inside the mappings directory, e.g. adt.test.yaml. */
  file: string;
  case: string;
  differences: CaseDifference[];
}

export interface MappingTestRun {
  /** The test files run (names inside the mappings directory). */
  files: string[];
  /** Cases run. */
  cases: number;
  /** Cases not run: their message file is not there. */
  skipped: number;
  failures: MappingTestFailure[];
}

/** The test files of `dir` that test mapping `name`, with their texts. */
export function testFilesOf(dir: string, name: string, env: Record<string, string | undefined>): MappingTestFileText[] {
  const names = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(TEST_SUFFIX)) : [];
  return names.sort().flatMap((f) => {
    const file = path.join(dir, f);
    try {
      const text = fs.readFileSync(file, 'utf8');
      const tests = parseMappingTestFile(text, file, env);
      return (tests.mapping ?? f.slice(0, -TEST_SUFFIX.length)) === name ? [{ file, text, tests }] : [];
    } catch {
      return [];
    }
  });
}

/**
 * Runs the cases of `files` against `plan`. A case whose message file (`file:`) is not there is skipped, not failed:
 * the shipped tests read the shared corpus, which a deployment (the Docker image) does not carry, and a save cannot
 * bring it back. `rxbridge mappings test` still reports such a case.
 */
export function runSavedTests(plan: MappingPlan, files: readonly MappingTestFileText[]): MappingTestRun {
  const failures: MappingTestFailure[] = [];
  let cases = 0;
  let skipped = 0;
  for (const f of files) {
    const dir = path.dirname(f.file);
    const present = f.tests.cases.filter((c) => c.file === undefined || fs.existsSync(path.resolve(dir, c.file)));
    skipped += f.tests.cases.length - present.length;
    if (present.length === 0) continue;
    for (const result of runMappingTests(plan, { ...f.tests, cases: present }, dir)) {
      cases++;
      if (!result.passed) failures.push({ file: path.basename(f.file), case: result.name, differences: result.differences });
    }
  }
  return { files: files.map((f) => path.basename(f.file)), cases, skipped, failures };
}

/** The test file's text with the expected values of its failing cases set to what the mapping now gives. */
export function updatedTestText(
  f: MappingTestFileText,
  failures: readonly MappingTestFailure[],
  env: Record<string, string | undefined>,
): string {
  const doc = parseDocument(f.text);
  const edits: Array<{ from: number; to: number; text: string }> = [];
  const rangeOf = (keys: Array<string | number>): [number, number] | undefined => {
    const node = doc.getIn(keys, true) as { range?: [number, number, number] } | undefined;
    return node?.range ? [node.range[0], node.range[1]] : undefined;
  };
  for (const failure of failures) {
    const index = f.tests.cases.findIndex((c) => c.name === failure.case);
    if (index < 0) continue;
    for (const d of failure.differences) {
      const keys =
        d.type === 'field'
          ? ['cases', index, 'expect', d.kind, d.index, d.field]
          : d.type === 'count'
            ? ['cases', index, 'expect', d.kind]
            : [];
      const range = keys.length > 0 ? rangeOf(keys) : undefined;
      if (d.type === 'outcome' || !range) {
        throw new EngineError(
          'CONFLICT',
          `case "${failure.case}" of ${path.basename(f.file)} cannot be updated for you (${d.text.split('\n')[0]}): edit the test file by hand`,
        );
      }
      if (d.type === 'field') edits.push({ from: range[0], to: range[1], text: inline(d.actual) });
      else if (f.text[range[0]] !== '[')
        edits.push({ from: range[0], to: range[1], text: blockList(d.actual, columnOf(f.text, range[0])) });
      else {
        // A flow list (`charges: []`): the block list starts on the next line, under its key.
        const column = indentOf(f.text, range[0]) + 2;
        const list = blockList(d.actual, column);
        if (list === '[]') edits.push({ from: range[0], to: range[1], text: list });
        else {
          const from = f.text[range[0] - 1] === ' ' ? range[0] - 1 : range[0]; // no space left after the key's colon
          edits.push({ from, to: range[1], text: `\n${' '.repeat(column)}${list}` });
        }
      }
    }
  }
  // Each edit replaces one value's own text; every other byte (comments, layout) stays. Last first, so offsets hold.
  let text = f.text;
  for (const e of edits.sort((a, b) => b.from - a.from)) text = text.slice(0, e.from) + e.text + text.slice(e.to);
  try {
    parseMappingTestFile(text, f.file, env);
  } catch (err) {
    if (err instanceof ConfigError)
      throw new EngineError('CONFLICT', `the updated ${path.basename(f.file)} would not load: ${err.message}`);
    throw err;
  }
  return text;
}

/** A value as one line of YAML: null, a (quoted when needed) string, or a flow list. */
function inline(v: Comparable): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `[${v.map(inline).join(', ')}]`;
  return stringify(v, { lineWidth: 0, defaultStringType: 'PLAIN', defaultKeyType: 'PLAIN' }).trimEnd();
}

/** Records as a block list whose first `-` is at `column` (0-based); `[]` when there are none. */
function blockList(records: ReadonlyArray<Record<string, Comparable>>, column: number): string {
  if (records.length === 0) return '[]';
  const pad = ' '.repeat(column);
  return records
    .map((r) => {
      const entries = Object.entries(r);
      if (entries.length === 0) return '- {}';
      return entries.map(([k, v], i) => `${i === 0 ? '- ' : '  '}${k}: ${inline(v)}`).join(`\n${pad}`);
    })
    .join(`\n${pad}`);
}

/** The indentation of the line holding `offset`. */
function indentOf(text: string, offset: number): number {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  return /^ */.exec(text.slice(start))![0].length;
}

function columnOf(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}
