/**
 * Mapping file → frozen plan: every path, condition and template parsed once and every table indexed, so
 * evaluation does no parsing. Pure. The file has passed the schema and checkMappingFile, so references hold.
 */
import { compileConditionInput, DATE_COLUMNS } from './check';
import { parseSource, parseTemplate, type Condition, type Source, type Template } from './expressions';
import { OUTPUT_FIELDS, type FieldSpec, type OutputKind } from './outputs';
import type { MappingFile, ValueSpec } from './schema';
import type { ReversalMatchKey, ReversalMissing } from './records';

export type Read =
  | { kind: 'source'; source: Source; text: string }
  | { kind: 'const'; value: string }
  | { kind: 'template'; template: Template; text: string };

export interface CompiledValue {
  read: Read | undefined;
  when: readonly Condition[];
  fns: readonly string[];
  lookup: { table: string; column: string | undefined } | undefined;
  /** The date that picks a dated row (schema `at`). */
  at: Source | undefined;
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
  reversal:
    | {
        when: readonly Condition[];
        /** The transaction id reversed (may be empty: no specs). */
        of: readonly CompiledValue[];
        /** The other occurrence's lineId named (FT1-31), and each occurrence's own (FT1-1); empty when unused. */
        line: readonly CompiledValue[];
        lineId: readonly CompiledValue[];
        match: readonly ReversalMatchKey[];
        missing: ReversalMissing;
      }
    | undefined;
  /** Charges only: write the record held, with the reason, when these hold (never for a reversal). */
  hold: ReadonlyArray<{ when: readonly Condition[]; reason: Template }>;
  /** Charges only: a line without an amount dead-letters (error) or is written unpriced (write). */
  unpriced: 'error' | 'write';
  fields: ReadonlyArray<{ name: string; spec: FieldSpec; values: readonly CompiledValue[] }>;
}

export type TableRow = string | Readonly<Record<string, string>>;

/** What a key holds: one row, or rows dated with from/to of which the lookup date picks one. */
type TableEntry = TableRow | ReadonlyArray<Readonly<Record<string, string>>>;

/** Exact keys first, then wildcard keys (`*` matches any text) in file order. */
export interface LookupTable {
  exact: ReadonlyMap<string, TableEntry>;
  patterns: ReadonlyArray<readonly [Wildcard, TableEntry]>;
}

/** A wildcard key split at its `*`s: `A*B*C` → ['A', 'B', 'C']. */
export type Wildcard = readonly string[];

/**
 * Whether `text` matches wildcard `parts` (each `*` matches any text, also empty). Linear in the text: the first
 * part must start it, the last end it, and each middle part is found at its leftmost place after the previous
 * one (leftmost is always safe for `*`-only patterns). No regular expression, so an admin-written key such as
 * `*a*a*a*a*a*b` cannot make a lookup backtrack.
 */
export function wildcardMatches(parts: Wildcard, text: string): boolean {
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (parts.length === 1) return text === first;
  if (text.length < first.length + last.length || !text.startsWith(first) || !text.endsWith(last)) return false;
  let at = first.length;
  const end = text.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i]!;
    if (part === '') continue;
    const found = text.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
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
  const [table, column] = spec.lookup ? (spec.lookup.split('.') as [string, string | undefined]) : [];
  const fallback =
    spec.default === undefined
      ? undefined
      : spec.default.trim().startsWith('$')
        ? { kind: 'source' as const, source: parseSource(spec.default) }
        : { kind: 'literal' as const, value: spec.default };
  return {
    read,
    when: (spec.when ?? []).map(compileConditionInput),
    fns: spec.fn ?? [],
    lookup: table ? { table, column } : undefined,
    at: spec.at !== undefined ? parseSource(spec.at) : undefined,
    unknown: spec.unknown,
    fallback,
    required: spec.required,
  };
}

function compileTable(rows: Record<string, TableEntry>): LookupTable {
  const exact = new Map<string, TableEntry>();
  const patterns: Array<readonly [Wildcard, TableEntry]> = [];
  for (const [key, row] of Object.entries(rows)) {
    if (key.includes('*')) patterns.push([key.split('*'), row]);
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
      ? {
          when: rule.reversal.when.map(compileConditionInput),
          of: (rule.reversal.of ?? []).map(compileValue),
          line: (rule.reversal.line ?? []).map(compileValue),
          lineId: (rule.reversal.lineId ?? []).map(compileValue),
          match: rule.reversal.match ?? [],
          missing: rule.reversal.missing,
        }
      : undefined,
    hold: (rule.hold ?? []).map((h) => ({ when: h.when.map(compileConditionInput), reason: parseTemplate(h.reason) })),
    unpriced: rule.unpriced,
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

/**
 * The row for a key: exact match, else the first wildcard key that matches; undefined when none does. A dated row
 * (from/to columns, inclusive, no `to` = open-ended) counts only when `date` (YYYY-MM-DD) falls in its range; a key
 * with a list of dated rows gives the one in force on `date`.
 */
export function lookupRow(table: LookupTable, key: string, date?: string): TableRow | undefined {
  const pick = (entry: TableEntry): TableRow | undefined => {
    const rows = Array.isArray(entry) ? entry : [entry as TableRow];
    return rows.find((row) => typeof row === 'string' || inForce(row, date));
  };
  const hit = table.exact.get(key);
  if (hit !== undefined) return pick(hit);
  for (const [pattern, entry] of table.patterns) if (wildcardMatches(pattern, key)) return pick(entry);
  return undefined;
}

function inForce(row: Readonly<Record<string, string>>, date: string | undefined): boolean {
  const [fromColumn, toColumn] = DATE_COLUMNS;
  const from = row[fromColumn];
  const to = row[toColumn];
  if (from === undefined && to === undefined) return true;
  if (!date) return false;
  return (from === undefined || from <= date) && (to === undefined || date <= to);
}
