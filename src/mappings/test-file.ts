/**
 * Mapping test files (mappings/<name>.test.yaml, docs/mappings.md): HL7 in, the records (or the error) the
 * mapping must give out. This module is the file's schema, the runner and the discovery of test files.
 *
 * - mappingTestFileSchema: the strict format; loadMappingTestFile reports every problem as file:line:col.
 * - runMappingCase / runMappingTests: evaluate a case and compare. Pure apart from reading a case's `file:`.
 *   A failure carries a human-readable difference (which record, which field, expected vs actual; a count
 *   mismatch; an error where records were expected, or the other way round; a wrong error code or location).
 *   The difference shows values from the test file and the records: synthetic data written by admins, for a
 *   terminal or a test report — never pass it to the engine logger.
 * - discoverMappingTests: every *.test.yaml of a directory paired with the mapping it tests, and the mappings
 *   that have no test file.
 * `${VAR}` in the files reads the `env` the caller hands in (the CLI's environment); without one, no variable is set.
 *
 * Expected values are strings, null (the field must be null) or lists of strings; a YAML number compares as its
 * string form (so `priority: 1` matches the number 1). Only the fields a case names are compared; each list
 * given (charges, patients, coverages) is compared by count and order, an omitted list is not checked.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError, parseConfig, type ConfigIssue } from '../core/config-file';
import { asEngineError, ERROR_CATALOGUE, type EngineError, type Hl7Location } from '../core/errors';
import { decodeHl7, normalizeSegments, resolveCharset, sniffMsh18 } from '../hl7/charset';
import { parseHl7 } from '../hl7/parse';
import type { MappingPlan } from './compile';
import { evaluateMapping, type MappingContext } from './evaluate';
import { compileMappingText } from './load';
import type { ChargeRecord, CoverageRecord, MappedRecords, MergeRecord, PatientRecord } from './records';

// ---------------------------------------------------------------------------------------------------------------
// The file format

/** Every field of each record type (the compiler keeps these lists in step with records.ts). */
const CHARGE_FIELDS = {
  sourceKey: true,
  reversalOfTransaction: true,
  kind: true,
  serviceKind: true,
  transactionId: true,
  serviceDate: true,
  patientRef: true,
  codeSystem: true,
  code: true,
  modifiers: true,
  units: true,
  chargeAmount: true,
  diagnoses: true,
  renderingNpi: true,
  orderingNpi: true,
  ndc: true,
  ndcQuantity: true,
  ndcUnit: true,
  rxNumber: true,
  fillNumber: true,
  daysSupply: true,
  daw: true,
  lot: true,
  vfcEligibility: true,
  placeOfService: true,
  reversalMissing: true,
  reversalOfLine: true,
  reversalMatch: true,
  holdReason: true,
  unpriced: true,
} as const satisfies Record<keyof ChargeRecord, true>;
const PATIENT_FIELDS = {
  sourceKey: true,
  patientRef: true,
  asOf: true,
  familyName: true,
  givenName: true,
  middleName: true,
  birthDate: true,
  sex: true,
  addressLine1: true,
  addressLine2: true,
  city: true,
  state: true,
  postalCode: true,
  phone: true,
  accountNumber: true,
} as const satisfies Record<keyof PatientRecord, true>;
const COVERAGE_FIELDS = {
  sourceKey: true,
  patientRef: true,
  asOf: true,
  planId: true,
  payerId: true,
  payerName: true,
  memberId: true,
  groupNumber: true,
  groupName: true,
  planType: true,
  relationship: true,
  priority: true,
  effectiveDate: true,
  expirationDate: true,
  subscriberFamilyName: true,
  subscriberGivenName: true,
  subscriberBirthDate: true,
  subscriberSex: true,
} as const satisfies Record<keyof CoverageRecord, true>;
const MERGE_FIELDS = {
  sourceKey: true,
  patientRef: true,
  priorPatientRef: true,
  asOf: true,
} as const satisfies Record<keyof MergeRecord, true>;

const expectedValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.union([z.string(), z.number()]))], {
  error: 'an expected value must be text, a number, true/false, null or a list of text',
});
export type ExpectedValue = z.output<typeof expectedValue>;

/** One expected record: only the fields named are compared; a field the record type lacks is an unknown key. */
const expectedRecord = (fields: Record<string, true>) =>
  z.strictObject(
    Object.fromEntries(Object.keys(fields).map((k) => [k, expectedValue.optional()])) as Record<
      string,
      z.ZodOptional<typeof expectedValue>
    >,
  );

export const RECORD_KINDS = ['charges', 'patients', 'coverages', 'merges'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

const expectSchema = z.strictObject({
  charges: z.array(expectedRecord(CHARGE_FIELDS)).optional(),
  patients: z.array(expectedRecord(PATIENT_FIELDS)).optional(),
  coverages: z.array(expectedRecord(COVERAGE_FIELDS)).optional(),
  merges: z.array(expectedRecord(MERGE_FIELDS)).optional(),
});

const errorCode = z.string().refine((c) => Object.prototype.hasOwnProperty.call(ERROR_CATALOGUE, c), {
  message:
    'not an error code of docs/errors.md (a mapping fails with MAPPING_FIELD_MISSING, MAPPING_VALUE_INVALID, MAPPING_LOOKUP_MISSING; a bad message with PARSE_FAILED)',
});
const position = z.number().int().positive();

const caseSchema = z
  .strictObject({
    name: z.string().trim().min(1),
    /** The message, one segment per line (LF or CR). */
    hl7: z.string().trim().min(1).optional(),
    /** Or a file holding the message, relative to the test file's directory. */
    file: z.string().min(1).optional(),
    /** Overrides of the defaults: channel "test", sender MSH-3|MSH-4, controlId MSH-10. */
    context: z
      .strictObject({
        channel: z.string().min(1).optional(),
        sender: z.string().optional(),
        controlId: z.string().optional(),
        messageId: z.string().optional(),
      })
      .optional(),
    expect: expectSchema.optional(),
    /** Instead of expect: evaluation must fail with this error code ... */
    error: errorCode.optional(),
    /** ... at this location (only the keys given are compared). */
    errorLocation: z
      .strictObject({
        segment: z.string().min(1).optional(),
        sequence: position.optional(),
        field: position.optional(),
        repetition: position.optional(),
        component: position.optional(),
        subcomponent: position.optional(),
      })
      .optional(),
  })
  .superRefine((c, ctx) => {
    if (c.hl7 === undefined && c.file === undefined) ctx.addIssue({ code: 'custom', message: 'a case needs hl7 (the message) or file' });
    if (c.hl7 !== undefined && c.file !== undefined) ctx.addIssue({ code: 'custom', path: ['file'], message: 'use one of hl7 and file' });
    if (c.expect === undefined && c.error === undefined)
      ctx.addIssue({ code: 'custom', message: 'a case needs expect (the records) or error (the error code)' });
    if (c.expect !== undefined && c.error !== undefined)
      ctx.addIssue({ code: 'custom', path: ['error'], message: 'use one of expect and error' });
    if (c.errorLocation !== undefined && c.error === undefined)
      ctx.addIssue({ code: 'custom', path: ['errorLocation'], message: 'errorLocation goes with error' });
  });

export const mappingTestFileSchema = z
  .strictObject({
    /** The mapping tested; default: the test file's name without .test.yaml. */
    mapping: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'name a mapping of this directory (its file name without .yaml)')
      .optional(),
    cases: z.array(caseSchema).min(1),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.cases.forEach((c, i) => {
      if (seen.has(c.name)) ctx.addIssue({ code: 'custom', path: ['cases', i, 'name'], message: 'another case already has this name' });
      seen.add(c.name);
    });
  });

export type MappingTestFile = z.output<typeof mappingTestFileSchema>;
export type MappingTestCase = MappingTestFile['cases'][number];

/** Parses test file text (named `file` in issues); throws ConfigError listing every problem as file:line:col. */
export function parseMappingTestFile(text: string, file: string, env: Record<string, string | undefined> = {}): MappingTestFile {
  return parseConfig(text, file, mappingTestFileSchema, env).value;
}

// ---------------------------------------------------------------------------------------------------------------
// Running a case

/**
 * One difference of a failing case. `field`: a field of one expected record (`kind`, 0-based `index`) whose value
 * differs; `count`: the list `kind` has another number of records (`actual` then lists the records, with the fields
 * the case names); `outcome`: an error where records were expected or the other way round, or another error.
 */
export type CaseDifference =
  | { type: 'field'; kind: RecordKind; index: number; field: string; expected: Comparable; actual: Comparable; text: string }
  | { type: 'count'; kind: RecordKind; expected: number; actual: Array<Record<string, Comparable>>; text: string }
  | { type: 'outcome'; text: string };

export type CaseResult =
  { name: string; passed: true } | { name: string; passed: false; difference: string; differences: CaseDifference[] };

/** Runs every case of `file` against `plan`; `dir` resolves the cases' `file:` (the test file's directory). */
export function runMappingTests(plan: MappingPlan, file: MappingTestFile, dir: string): CaseResult[] {
  return file.cases.map((c) => runMappingCase(plan, c, dir));
}

type Outcome = { records: MappedRecords } | { error: EngineError };

export function runMappingCase(plan: MappingPlan, testCase: MappingTestCase, dir: string): CaseResult {
  const { name } = testCase;
  let text: string;
  if (testCase.file !== undefined) {
    const file = path.resolve(dir, testCase.file);
    try {
      text = readMessageFile(file);
    } catch (err) {
      const why = `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
      return { name, passed: false, difference: why, differences: [{ type: 'outcome', text: why }] };
    }
  } else {
    text = testCase.hl7 ?? '';
  }
  const outcome = evaluate(plan, normalizeSegments(text), testCase.context ?? {});
  const differences: CaseDifference[] =
    testCase.error !== undefined
      ? compareError(testCase, outcome).map((t) => ({ type: 'outcome', text: t }))
      : compareRecords(testCase.expect ?? {}, outcome);
  return differences.length === 0
    ? { name, passed: true }
    : { name, passed: false, difference: differences.map((d) => d.text).join('\n'), differences };
}

/** A message file as the intake would decode it: MSH-18 picks the character set (UTF-8 when absent or unknown). */
function readMessageFile(file: string): string {
  const bytes = fs.readFileSync(file);
  return decodeHl7(bytes, resolveCharset(sniffMsh18(bytes), 'UTF-8') ?? 'UTF-8');
}

function evaluate(plan: MappingPlan, text: string, overrides: Partial<MappingContext>): Outcome {
  try {
    const msg = parseHl7(text);
    const ctx: MappingContext = {
      channel: 'test',
      // As the intake names the sender (src/pipeline/intake.ts senderOf): MSH-3|MSH-4 as sent.
      sender: `${msg.header.sendingApplication}|${msg.header.sendingFacility}`,
      controlId: msg.header.controlId,
      ...overrides,
    };
    return { records: evaluateMapping(plan, msg, ctx) };
  } catch (err) {
    return { error: asEngineError(err) };
  }
}

function compareError(testCase: MappingTestCase, outcome: Outcome): string[] {
  if ('records' in outcome) {
    const { charges, patients, coverages } = outcome.records;
    return [
      `expected error ${testCase.error}, but the mapping succeeded with ${count(charges.length, 'charge')}, ${count(patients.length, 'patient')}, ${count(coverages.length, 'coverage')}`,
    ];
  }
  const { error } = outcome;
  if (error.code !== testCase.error) {
    return [`expected error ${testCase.error}, got ${error.code}${where(error.location)}: ${error.message}`];
  }
  const expected = testCase.errorLocation ?? {};
  const actual: Partial<Hl7Location> = error.location ?? {};
  const differences: string[] = [];
  for (const [key, value] of Object.entries(expected) as Array<[keyof Hl7Location, string | number | undefined]>) {
    if (value !== undefined && actual[key] !== value) {
      differences.push(`error location ${key}: expected ${show(value)}, got ${actual[key] === undefined ? 'none' : show(actual[key])}`);
    }
  }
  if (differences.length > 0)
    differences.push(`(the ${error.code} error is${where(error.location) || ' without a location'}: ${error.message})`);
  return differences;
}

function compareRecords(expect: NonNullable<MappingTestCase['expect']>, outcome: Outcome): CaseDifference[] {
  if ('error' in outcome) {
    return [
      {
        type: 'outcome',
        text: `expected records, but the mapping failed with ${outcome.error.code}${where(outcome.error.location)}: ${outcome.error.message}`,
      },
    ];
  }
  const differences: CaseDifference[] = [];
  for (const kind of RECORD_KINDS) {
    const expected = expect[kind];
    if (expected === undefined) continue;
    const actual: ReadonlyArray<Readonly<Record<string, unknown>>> = (outcome.records[kind] ?? []).map((r) => ({ ...r }));
    if (expected.length !== actual.length) {
      const shown = summaryFields(kind, expected);
      const lines = [`${kind}: expected ${count(expected.length, SINGULAR[kind])}, got ${actual.length}`];
      actual.forEach((record, i) =>
        lines.push(`  got ${SINGULAR[kind]} #${i + 1}: ${shown.map((f) => `${f} ${show(normalizeActual(record[f]))}`).join(', ')}`),
      );
      differences.push({
        type: 'count',
        kind,
        expected: expected.length,
        actual: actual.map((record) => Object.fromEntries(shown.map((f) => [f, normalizeActual(record[f])]))),
        text: lines.join('\n'),
      });
      continue;
    }
    expected.forEach((fields, i) => {
      for (const [field, want] of Object.entries(fields)) {
        if (want === undefined) continue;
        const got = normalizeActual(actual[i]![field]);
        const wanted = normalizeExpected(want);
        if (JSON.stringify(got) !== JSON.stringify(wanted)) {
          differences.push({
            type: 'field',
            kind,
            index: i,
            field,
            expected: wanted,
            actual: got,
            text: `${SINGULAR[kind]} #${i + 1} ${field}: expected ${show(wanted)}, got ${show(got)}${numberHint(want, got)}`,
          });
        }
      }
    });
  }
  return differences;
}

const SINGULAR: Record<RecordKind, string> = { charges: 'charge', patients: 'patient', coverages: 'coverage', merges: 'merge' };

/** Fields shown for each record when the counts differ: those the case names, else a few that tell records apart. */
function summaryFields(kind: RecordKind, expected: ReadonlyArray<Record<string, unknown>>): string[] {
  const named = [...new Set(expected.flatMap((r) => Object.keys(r)))];
  if (named.length > 0) return named;
  return kind === 'charges'
    ? ['kind', 'code', 'serviceDate']
    : kind === 'patients'
      ? ['patientRef']
      : kind === 'merges'
        ? ['patientRef', 'priorPatientRef']
        : ['patientRef', 'planId'];
}

export type Comparable = string | null | string[];

/** A record value as the file writes it: absent → null, numbers as their string form. */
function normalizeActual(v: unknown): Comparable {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.map(String);
  return String(v);
}

function normalizeExpected(v: ExpectedValue): Comparable {
  if (v === null) return null;
  if (Array.isArray(v)) return v.map(String);
  return String(v);
}

/** YAML reads `units: 1.000` as the number 1: say so when that is the only difference. */
function numberHint(want: ExpectedValue, got: Comparable): string {
  return typeof want === 'number' && typeof got === 'string' && got.trim() !== '' && Number(got) === want
    ? ` (an unquoted number loses its form in YAML: write "${got}")`
    : '';
}

function show(v: Comparable | number): string {
  return v === null ? 'null' : JSON.stringify(v);
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** " at FT1[2]-4.1" in the path syntax of mappings, or '' without a location. */
function where(location: Hl7Location | undefined): string {
  if (!location || !location.segment) return '';
  let text = ` at ${location.segment}[${location.sequence ?? 1}]`;
  if (location.field !== undefined) {
    text += `-${location.field}`;
    if (location.repetition !== undefined) text += `[${location.repetition}]`;
    if (location.component !== undefined) text += `.${location.component}`;
    if (location.subcomponent !== undefined) text += `.${location.subcomponent}`;
  }
  return text;
}

// ---------------------------------------------------------------------------------------------------------------
// Discovery

/** One test file and the mapping it tests. `plan` and `tests` are set when both loaded (problems is empty). */
export interface MappingTestSuite {
  /** Path of the test file. */
  file: string;
  /** The test file's name without .test.yaml. */
  name: string;
  /** The mapping tested: `mapping:`, else (and when the test file did not load) the test file's name. */
  mapping: string;
  plan: MappingPlan | undefined;
  tests: MappingTestFile | undefined;
  /** Why the suite cannot run: problems of the test file or of its mapping, as file:line:col. */
  problems: ConfigIssue[];
}

export interface MappingTestDiscovery {
  suites: MappingTestSuite[];
  /** Mappings of the directory that no test file tests. */
  untested: string[];
}

const TEST_SUFFIX = '.test.yaml';

/** Every *.test.yaml of `dir` (in name order) with its mapping loaded; a missing directory has none. */
export function discoverMappingTests(dir: string, env: Record<string, string | undefined> = {}): MappingTestDiscovery {
  const names = fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
  const mappingNames = names.filter((f) => f.endsWith('.yaml') && !f.endsWith(TEST_SUFFIX)).map((f) => f.replace(/\.yaml$/, ''));
  const plans = new Map<string, MappingPlan | ConfigError>();
  const planOf = (mapping: string): MappingPlan | ConfigError => {
    const cached = plans.get(mapping);
    if (cached) return cached;
    const file = path.join(dir, `${mapping}.yaml`);
    let plan: MappingPlan | ConfigError;
    try {
      plan = compileMappingText(fs.readFileSync(file, 'utf8'), mapping, file, env);
    } catch (err) {
      plan = err instanceof ConfigError ? err : new ConfigError([{ file, line: 0, col: 0, reason: (err as Error).message }]);
    }
    plans.set(mapping, plan);
    return plan;
  };

  const suites = names
    .filter((f) => f.endsWith(TEST_SUFFIX))
    .map((f): MappingTestSuite => {
      const file = path.join(dir, f);
      const name = f.slice(0, -TEST_SUFFIX.length);
      const suite: MappingTestSuite = { file, name, mapping: name, plan: undefined, tests: undefined, problems: [] };
      let parsed;
      try {
        parsed = parseConfig(fs.readFileSync(file, 'utf8'), file, mappingTestFileSchema, env);
      } catch (err) {
        suite.problems = err instanceof ConfigError ? [...err.issues] : [{ file, line: 0, col: 0, reason: (err as Error).message }];
        return suite;
      }
      suite.mapping = parsed.value.mapping ?? name;
      parsed.value.cases.forEach((c, i) => {
        if (c.file !== undefined && !fs.existsSync(path.resolve(dir, c.file))) {
          suite.problems.push(parsed.issueAt(['cases', i, 'file'], `no such file: ${path.resolve(dir, c.file)}`));
        }
      });
      if (!mappingNames.includes(suite.mapping)) {
        suite.problems.unshift(
          parsed.value.mapping !== undefined
            ? parsed.issueAt(['mapping'], `no mapping "${suite.mapping}" in ${dir} (expected ${suite.mapping}.yaml)`)
            : {
                file,
                line: 1,
                col: 1,
                reason: `no mapping "${suite.mapping}" in ${dir} (expected ${suite.mapping}.yaml beside this file, or name the mapping with "mapping:")`,
              },
        );
        return suite;
      }
      const plan = planOf(suite.mapping);
      if (plan instanceof ConfigError) suite.problems.push(...plan.issues);
      if (suite.problems.length === 0) {
        suite.plan = plan as MappingPlan;
        suite.tests = parsed.value;
      }
      return suite;
    });

  const tested = new Set(suites.map((s) => s.mapping));
  return { suites, untested: mappingNames.filter((m) => !tested.has(m)) };
}
