/**
 * Mapping file → frozen plan: every path, condition and template parsed once and every table indexed, so
 * evaluation does no parsing. Pure. The file has passed the schema and checkMappingFile, so references hold.
 */
import { compileConditionInput } from './check';
import { parseSource, parseTemplate, type Condition, type Source, type Template } from './expressions';
import { OUTPUT_FIELDS, type FieldSpec, type OutputKind } from './outputs';
import type { MappingFile, ValueSpec } from './schema';

export type Read =
  | { kind: 'source'; source: Source; text: string }
  | { kind: 'const'; value: string }
  | { kind: 'template'; template: Template; text: string };

export interface CompiledValue {
  read: Read | undefined;
  when: readonly Condition[];
  fns: readonly string[];
  lookup: { table: string; column: string | undefined } | undefined;
  unknown: 'keep' | 'empty' | 'error';
  fallback: { kind: 'literal'; value: string } | { kind: 'source'; source: Source } | undefined;
  required: boolean;
}

export interface CompiledRule {
  name: string;
  output: OutputKind;
  forEach: string;
  /** Segment names of one occurrence's group, in structure order (includes forEach). */
  group: readonly string[];
  when: readonly Condition[];
  vars: ReadonlyArray<readonly [string, readonly CompiledValue[]]>;
  reversal: { when: readonly Condition[]; of: readonly CompiledValue[]; missing: 'error' | 'ignore' } | undefined;
  fields: ReadonlyArray<{ name: string; spec: FieldSpec; values: readonly CompiledValue[] }>;
}

export type TableRow = string | Readonly<Record<string, string>>;

/** Exact keys first, then wildcard keys (`*` matches any text) in file order. */
export interface LookupTable {
  exact: ReadonlyMap<string, TableRow>;
  patterns: ReadonlyArray<readonly [RegExp, TableRow]>;
}

export interface MappingPlan {
  readonly name: string;
  readonly description: string;
  readonly file: string;
  readonly tables: ReadonlyMap<string, LookupTable>;
  readonly rules: readonly CompiledRule[];
}

function compileValue(spec: ValueSpec): CompiledValue {
  let read: Read | undefined;
  if (spec.from !== undefined) read = { kind: 'source', source: parseSource(spec.from), text: spec.from.trim() };
  else if (spec.const !== undefined) read = { kind: 'const', value: spec.const };
  else if (spec.template !== undefined) read = { kind: 'template', template: parseTemplate(spec.template), text: spec.template };
  const [table, column] = spec.lookup ? spec.lookup.split('.') as [string, string | undefined] : [];
  const fallback = spec.default === undefined ? undefined
    : spec.default.trim().startsWith('$') ? { kind: 'source' as const, source: parseSource(spec.default) }
      : { kind: 'literal' as const, value: spec.default };
  return {
    read,
    when: (spec.when ?? []).map(compileConditionInput),
    fns: spec.fn ?? [],
    lookup: table ? { table, column } : undefined,
    unknown: spec.unknown,
    fallback,
    required: spec.required,
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

function compileTable(rows: Record<string, TableRow>): LookupTable {
  const exact = new Map<string, TableRow>();
  const patterns: Array<readonly [RegExp, TableRow]> = [];
  for (const [key, row] of Object.entries(rows)) {
    if (key.includes('*')) patterns.push([new RegExp(`^${key.split('*').map(escapeRegExp).join('.*')}$`, 's'), row]);
    else exact.set(key, row);
  }
  return { exact, patterns };
}

export function compileMapping(file: MappingFile, fileName: string): MappingPlan {
  const rules = file.records.map((rule): CompiledRule => ({
    name: rule.name,
    output: rule.output,
    forEach: rule.forEach,
    group: rule.group ?? [rule.forEach],
    when: (rule.when ?? []).map(compileConditionInput),
    vars: Object.entries(rule.vars).map(([name, specs]) => [name, specs.map(compileValue)] as const),
    reversal: rule.reversal
      ? { when: rule.reversal.when.map(compileConditionInput), of: rule.reversal.of.map(compileValue), missing: rule.reversal.missing }
      : undefined,
    fields: Object.entries(rule.fields).map(([name, specs]) => ({
      name,
      spec: OUTPUT_FIELDS[rule.output][name] as FieldSpec,
      values: specs.map(compileValue),
    })),
  }));
  return Object.freeze({
    name: file.name,
    description: file.description,
    file: fileName,
    tables: new Map(Object.entries(file.tables).map(([name, rows]) => [name, compileTable(rows)])),
    rules,
  });
}

/** The row for a key: exact match, else the first wildcard key that matches; undefined when none does. */
export function lookupRow(table: LookupTable, key: string): TableRow | undefined {
  const hit = table.exact.get(key);
  if (hit !== undefined) return hit;
  for (const [pattern, row] of table.patterns) if (pattern.test(key)) return row;
  return undefined;
}
