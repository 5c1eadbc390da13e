/**
 * Cross-reference checks of a mapping file that the per-key schema cannot make: output fields exist and take
 * one value or a list as written, required fields are mapped, variables are defined before use, lookups name
 * a table (and a column the table has), `[*]` only feeds list fields, reversals only on charges, rule names are
 * unique. Pure: returns problems with the key path they belong to, so the loader reports file:line:col.
 */
import { BUILT_IN_VARIABLES, parseCondition, parseSource, parseTemplate, pathsOf, variablesOf, type Condition } from './expressions';
import { OUTPUT_FIELDS, type OutputKind } from './outputs';

/** A condition as written: text, or `{ any: [...] }` (one of them holds). */
export type ConditionInput = string | { any: ConditionInput[] };

/** The parts of a value spec (schema.ts) these checks read. */
interface ValueSpec {
  from?: string | undefined;
  template?: string | undefined;
  default?: string | undefined;
  when?: ConditionInput[] | undefined;
  lookup?: string | undefined;
  at?: string | undefined;
}

export interface Problem {
  path: Array<string | number>;
  message: string;
}

interface RuleShape {
  name: string;
  output: OutputKind;
  forEach: string;
  group?: string[];
  when?: ConditionInput[];
  vars: Record<string, ValueSpec[]>;
  reversal?: { when: ConditionInput[]; of?: ValueSpec[]; line?: ValueSpec[]; lineId?: ValueSpec[]; match?: string[] };
  hold?: Array<{ when: ConditionInput[]; reason: string }>;
  unpriced?: 'error' | 'write';
  fields: Record<string, ValueSpec[]>;
}

type Row = Record<string, string>;
type TableShape = Record<string, string | Row | Row[]>;

interface FileShape {
  tables: Record<string, TableShape>;
  records: RuleShape[];
}

/** The columns that date a table row: the lookup's `at` date picks the row with from ≤ at ≤ to. */
export const DATE_COLUMNS = ['from', 'to'] as const;
const ISO_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** Every object row of a table (a dated key holds several). */
function objectRows(rows: TableShape): Row[] {
  return Object.values(rows).flatMap((row) => (Array.isArray(row) ? row : typeof row === 'object' ? [row] : []));
}

function isDated(rows: TableShape): boolean {
  return objectRows(rows).some((row) => DATE_COLUMNS.some((c) => c in row));
}

/** Dated rows: valid dates, from ≤ to, a list's rows all dated and not overlapping. */
function checkTable(name: string, rows: TableShape): Problem[] {
  const problems: Problem[] = [];
  for (const [key, value] of Object.entries(rows)) {
    const list = Array.isArray(value) ? value : typeof value === 'object' ? [value] : [];
    list.forEach((row, i) => {
      const at = Array.isArray(value) ? ['tables', name, key, i] : ['tables', name, key];
      for (const c of DATE_COLUMNS) {
        if (c in row && !ISO_DATE.test(row[c]!)) problems.push({ path: [...at, c], message: `${c} must be a date written YYYY-MM-DD` });
      }
      if (Array.isArray(value) && !('from' in row))
        problems.push({ path: at, message: 'a row of a list of dated rows needs from (YYYY-MM-DD)' });
      if (row.from && row.to && row.to < row.from)
        problems.push({ path: [...at, 'to'], message: `to (${row.to}) is before from (${row.from})` });
    });
    const dated = [...list].filter((r) => r.from).sort((a, b) => (a.from! < b.from! ? -1 : 1));
    for (let i = 1; i < dated.length; i++) {
      const prev = dated[i - 1]!;
      if (prev.to === undefined || prev.to >= dated[i]!.from!) {
        problems.push({
          path: ['tables', name, key],
          message: `rows of ${key} overlap: ${prev.from} to ${prev.to ?? 'open end'} and from ${dated[i]!.from}`,
        });
      }
    }
  }
  return problems;
}

export function compileConditionInput(c: ConditionInput): Condition {
  if (typeof c === 'string') return parseCondition(c);
  return { kind: 'any', of: c.any.map(compileConditionInput), text: `any of ${c.any.length}` };
}

/** Variables and paths a value spec reads. */
function readsOf(spec: ValueSpec): { vars: string[]; stars: boolean } {
  const parts = [
    spec.from !== undefined ? parseSource(spec.from) : undefined,
    spec.template !== undefined ? parseTemplate(spec.template) : undefined,
    spec.default !== undefined && spec.default.trim().startsWith('$') ? parseSource(spec.default) : undefined,
    spec.at !== undefined ? parseSource(spec.at) : undefined,
    ...(spec.when ?? []).map(compileConditionInput),
  ].filter((x) => x !== undefined);
  return {
    vars: parts.flatMap((p) => variablesOf(p)),
    stars: parts.some((p) => pathsOf(p).some((r) => r.repetition === '*')),
  };
}

export function checkMappingFile(file: FileShape): Problem[] {
  const problems: Problem[] = [];
  for (const [name, rows] of Object.entries(file.tables)) problems.push(...checkTable(name, rows));
  const seen = new Set<string>();
  file.records.forEach((rule, r) => {
    const at = (...p: Array<string | number>) => ['records', r, ...p];
    if (seen.has(rule.name)) problems.push({ path: at('name'), message: `another rule is already named ${rule.name}` });
    seen.add(rule.name);
    if (rule.group && !rule.group.includes(rule.forEach)) {
      problems.push({ path: at('group'), message: `the group must include the forEach segment ${rule.forEach}` });
    }
    const known = new Set(BUILT_IN_VARIABLES);
    const checkSpecs = (specs: ValueSpec[], path: Array<string | number>, listField: boolean) => {
      specs.forEach((spec, i) => {
        const where = specs.length > 1 ? [...path, i] : path;
        const { vars, stars } = readsOf(spec);
        for (const v of vars)
          if (!known.has(v)) problems.push({ path: where, message: `$${v} is not defined before this point (vars are read in order)` });
        if (stars && !listField) problems.push({ path: where, message: '[*] reads a list; this value takes one' });
        if (spec.lookup) {
          const [table, column] = spec.lookup.split('.') as [string, string | undefined];
          const rows = file.tables[table];
          if (!rows) problems.push({ path: [...where, 'lookup'], message: `no table named ${table} in this mapping` });
          else if (column && !objectRows(rows).some((row) => column in row)) {
            problems.push({ path: [...where, 'lookup'], message: `table ${table} has no column ${column}` });
          } else if (!column && Object.values(rows).some((row) => typeof row === 'object')) {
            problems.push({ path: [...where, 'lookup'], message: `table ${table} has columns: name one, as ${table}.column` });
          } else if (isDated(rows) && spec.at === undefined) {
            problems.push({
              path: [...where, 'lookup'],
              message: `table ${table} has dated rows (from/to): give at (the date that picks the row, e.g. $serviceDate)`,
            });
          }
        }
      });
    };
    // Variables are computed on first use, so the rule's conditions may read them, except those that depend on
    // $sequence (it counts the occurrences whose conditions held, so it is set only after them).
    const needsSequence = new Set<string>(['sequence']);
    for (const [name, specs] of Object.entries(rule.vars)) {
      checkSpecs(specs, at('vars', name), false);
      if (specs.some((spec) => readsOf(spec).vars.some((v) => needsSequence.has(v)))) needsSequence.add(name);
      known.add(name);
    }
    for (const c of rule.when ?? []) {
      for (const v of variablesOf(compileConditionInput(c))) {
        if (!known.has(v)) problems.push({ path: at('when'), message: `$${v} is not defined in vars` });
        else if (needsSequence.has(v))
          problems.push({ path: at('when'), message: `$${v} depends on $sequence, which is only known after the rule's conditions hold` });
      }
    }
    const fields = OUTPUT_FIELDS[rule.output];
    for (const [name, specs] of Object.entries(rule.fields)) {
      const spec = fields[name];
      if (!spec) {
        problems.push({
          path: at('fields', name),
          message: `${rule.output} records have no field ${name}; known: ${Object.keys(fields).join(', ')}`,
        });
        continue;
      }
      checkSpecs(specs, at('fields', name), spec.list === true);
    }
    for (const [name, spec] of Object.entries(fields)) {
      if (spec.required && !(name in rule.fields))
        problems.push({ path: at('fields'), message: `${rule.output} records need ${name} (${spec.label})` });
    }
    if (rule.output === 'charge' && !('amount' in rule.fields) && !('unitAmount' in rule.fields)) {
      problems.push({ path: at('fields'), message: 'charge records need amount or unitAmount' });
    }
    if (rule.unpriced === 'write' && rule.output !== 'charge') {
      problems.push({ path: at('unpriced'), message: 'only charge records can be written unpriced' });
    }
    if (rule.hold) {
      if (rule.output !== 'charge') problems.push({ path: at('hold'), message: 'only charge records can be held' });
      const reads = rule.hold.flatMap((h) => [...h.when.map(compileConditionInput), parseTemplate(h.reason)]);
      for (const v of reads.flatMap((r) => variablesOf(r))) {
        if (!known.has(v)) problems.push({ path: at('hold'), message: `$${v} is not defined in vars` });
      }
    }
    if (rule.reversal) {
      if (rule.output !== 'charge') problems.push({ path: at('reversal'), message: 'only charge records can be reversals' });
      const { of, line, lineId, match } = rule.reversal;
      if (of) checkSpecs(of, at('reversal', 'of'), false);
      if (line) checkSpecs(line, at('reversal', 'line'), false);
      if (lineId) checkSpecs(lineId, at('reversal', 'lineId'), false);
      if (!of && !line && !match)
        problems.push({ path: at('reversal'), message: 'a reversal needs of, line or match to find the charge it reverses' });
      if (line && !lineId)
        problems.push({ path: at('reversal'), message: 'line needs lineId (what each occurrence is called, e.g. FT1-1)' });
      for (const c of rule.reversal.when) {
        for (const v of variablesOf(compileConditionInput(c)))
          if (!known.has(v)) problems.push({ path: at('reversal', 'when'), message: `$${v} is not defined in vars` });
      }
    }
  });
  return problems;
}
