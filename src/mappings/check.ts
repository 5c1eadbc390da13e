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
  reversal?: { when: ConditionInput[]; of: ValueSpec[] };
  fields: Record<string, ValueSpec[]>;
}

interface FileShape {
  tables: Record<string, Record<string, string | Record<string, string>>>;
  records: RuleShape[];
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
    ...(spec.when ?? []).map(compileConditionInput),
  ].filter((x) => x !== undefined);
  return {
    vars: parts.flatMap((p) => variablesOf(p as never)),
    stars: parts.some((p) => pathsOf(p as never).some((r) => r.repetition === '*')),
  };
}

export function checkMappingFile(file: FileShape): Problem[] {
  const problems: Problem[] = [];
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
        for (const v of vars) if (!known.has(v)) problems.push({ path: where, message: `$${v} is not defined before this point (vars are read in order)` });
        if (stars && !listField) problems.push({ path: where, message: '[*] reads a list; this value takes one' });
        if (spec.lookup) {
          const [table, column] = spec.lookup.split('.') as [string, string | undefined];
          const rows = file.tables[table];
          if (!rows) problems.push({ path: [...where, 'lookup'], message: `no table named ${table} in this mapping` });
          else if (column && !Object.values(rows).some((row) => typeof row === 'object' && column in row)) {
            problems.push({ path: [...where, 'lookup'], message: `table ${table} has no column ${column}` });
          } else if (!column && Object.values(rows).some((row) => typeof row === 'object')) {
            problems.push({ path: [...where, 'lookup'], message: `table ${table} has columns: name one, as ${table}.column` });
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
        else if (needsSequence.has(v)) problems.push({ path: at('when'), message: `$${v} depends on $sequence, which is only known after the rule's conditions hold` });
      }
    }
    const fields = OUTPUT_FIELDS[rule.output];
    for (const [name, specs] of Object.entries(rule.fields)) {
      const spec = fields[name];
      if (!spec) {
        problems.push({ path: at('fields', name), message: `${rule.output} records have no field ${name}; known: ${Object.keys(fields).join(', ')}` });
        continue;
      }
      checkSpecs(specs, at('fields', name), spec.list === true);
    }
    for (const [name, spec] of Object.entries(fields)) {
      if (spec.required && !(name in rule.fields)) problems.push({ path: at('fields'), message: `${rule.output} records need ${name} (${spec.label})` });
    }
    if (rule.output === 'charge' && !('amount' in rule.fields) && !('unitAmount' in rule.fields)) {
      problems.push({ path: at('fields'), message: 'charge records need amount or unitAmount' });
    }
    if (rule.reversal) {
      if (rule.output !== 'charge') problems.push({ path: at('reversal'), message: 'only charge records can be reversals' });
      checkSpecs(rule.reversal.of, at('reversal', 'of'), false);
      for (const c of rule.reversal.when) {
        for (const v of variablesOf(compileConditionInput(c))) if (!known.has(v)) problems.push({ path: at('reversal', 'when'), message: `$${v} is not defined in vars` });
      }
    }
  });
  return problems;
}
