/**
 * Pure evaluation of a mapping plan against a parsed message: for each rule, one record per occurrence of its
 * segment group whose conditions hold. Throws EngineError (never retryable: the same input gives the same
 * answer) whose text names the mapping, rule, field and source, never the value (it may be patient data), and
 * whose location points at the segment and field for the ERR segment and the dead-letter view.
 *
 * How one value is made (compile.ts CompiledValue): `when` must hold, else empty → read (source alternatives,
 * const or template) → functions in order → lookup → default when still empty → required check.
 */
import { EngineError } from '../core/errors';
import { hl7Date } from './dates';
import type { Hl7Message } from '../hl7/parse';
import { readAll, readSegment, type PathRef } from '../hl7/path';
import { lookupRow, type CompiledRule, type CompiledValue, type MappingPlan } from './compile';
import { formatSource, type Condition, type Operand, type Source } from './expressions';
import { applyFunctions, FunctionError } from './functions';
import {
  FieldProblem,
  finishCharge,
  finishCoverage,
  finishMerge,
  finishPatient,
  HELD_MAY_LACK,
  type RawValues,
  type RecordIdentity,
} from './outputs';
import type { MappedRecords } from './records';
import { occurrencesOf, resolve, sequenceOf, type Occurrence } from './scope';

export interface MappingContext {
  channel: string;
  sender: string;
  controlId: string;
  /** The stored message id: names the source when there is no control id (source keys must stay unique). */
  messageId?: string;
}

/** Where a failing value was read, for the error text and the ERR location. */
interface Failure {
  code: 'MAPPING_FIELD_MISSING' | 'MAPPING_VALUE_INVALID' | 'MAPPING_LOOKUP_MISSING';
  reason: string;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The date a lookup's `at` names: YYYY-MM-DD as is, an HL7 DT/TS as its date part; '' when empty. */
function lookupDate(raw: string): string {
  if (raw === '' || ISO_DATE.test(raw)) return raw;
  const date = hl7Date(raw);
  if (!date)
    throw new ValueFailure({ code: 'MAPPING_VALUE_INVALID', reason: 'the lookup date (at) is not a date (YYYY-MM-DD or an HL7 DT/TS)' });
  return date;
}

class ValueFailure extends Error {
  constructor(readonly failure: Failure) {
    super(failure.reason);
  }
}

/**
 * One occurrence being mapped: reads paths in its scope and holds its variables. A variable is computed on first
 * use (the rule's conditions may read it) and kept; the load checks keep the order acyclic and keep variables
 * that depend on $sequence out of the conditions.
 */
class OccurrenceScope {
  readonly vars = new Map<string, string>();

  constructor(
    readonly msg: Hl7Message,
    readonly occ: Occurrence,
    readonly rule: CompiledRule,
    readonly plan: MappingPlan,
  ) {}

  /** The value of a variable, computing it (and checking `required`) on first use. */
  variable(name: string): string {
    const known = this.vars.get(name);
    if (known !== undefined) return known;
    const specs = this.rule.vars.find(([n]) => n === name)?.[1];
    if (!specs) return '';
    let v: string;
    try {
      v = this.one(specs);
    } catch (err) {
      if (err instanceof ValueFailure) throw this.failure(`$${name}`, specs, err.failure.code, err.failure.reason);
      throw err;
    }
    if (!v && specs.some((s) => s.required)) throw this.failure(`$${name}`, specs, 'MAPPING_FIELD_MISSING', 'the value is empty');
    this.vars.set(name, v);
    return v;
  }

  /** The EngineError for a value of this occurrence: names mapping, rule, what and its sources; never the value. */
  failure(what: string, specs: readonly CompiledValue[], code: Failure['code'], reason: string): EngineError {
    return new EngineError(
      code,
      `mapping ${this.plan.name}, rule ${this.rule.name}, ${what} (${describe(specs)}): ${reason}`,
      locationOf(this.msg, this.occ, this.rule, specs),
    );
  }

  private segmentFor(ref: PathRef) {
    return resolve(this.msg, this.occ, this.rule.group, ref);
  }

  operand(op: Operand): string {
    if (op.kind === 'literal') return op.value;
    if (op.kind === 'var') return this.variable(op.name);
    const seg = this.segmentFor(op.ref);
    if (!seg) return '';
    if (op.ref.repetition === '*')
      return readAll(seg, op.ref, this.msg.delimiters)
        .map((v) => v.trim())
        .filter(Boolean)
        .join('~');
    return readSegment(seg, op.ref, this.msg.delimiters).trim();
  }

  /** Every value of a source: its first alternative that gives any (all repetitions of a [*] path). */
  operandList(source: Source): string[] {
    for (const op of source) {
      if (op.kind === 'path' && op.ref.repetition === '*') {
        const seg = this.segmentFor(op.ref);
        const values = seg
          ? readAll(seg, op.ref, this.msg.delimiters)
              .map((v) => v.trim())
              .filter(Boolean)
          : [];
        if (values.length > 0) return values;
      } else {
        const v = this.operand(op);
        if (v) return [v];
      }
    }
    return [];
  }

  source(source: Source): string {
    for (const op of source) {
      const v = this.operand(op);
      if (v) return v;
    }
    return '';
  }

  holds(c: Condition): boolean {
    if (c.kind === 'any') return c.of.some((x) => this.holds(x));
    const v = this.source(c.left);
    switch (c.kind) {
      case 'present':
        return v !== '';
      case 'empty':
        return v === '';
      default:
        break;
    }
    const member = c.values.includes(v);
    return c.op === '=' || c.op === 'in' ? member : !member;
  }

  all(conditions: readonly Condition[]): boolean {
    return conditions.every((c) => this.holds(c));
  }

  /** The values one spec gives: a list for list fields, else at most one. */
  values(spec: CompiledValue, list: boolean): string[] {
    if (!this.all(spec.when)) return [];
    let raw: string[];
    const read = spec.read;
    if (!read) raw = [];
    else if (read.kind === 'const') raw = [read.value];
    else if (read.kind === 'template') {
      raw = [read.template.map((part) => (typeof part === 'string' ? part : this.source(part))).join('')];
    } else raw = list ? this.operandList(read.source) : [this.source(read.source)];
    let out = raw
      .filter((v) => v !== '')
      .map((v) => this.convert(spec, v))
      .filter((v) => v !== '');
    if (out.length === 0 && spec.fallback) {
      const v = spec.fallback.kind === 'literal' ? spec.fallback.value : this.source(spec.fallback.source);
      out = v ? [v] : [];
    }
    return out;
  }

  private convert(spec: CompiledValue, value: string): string {
    let v: string;
    try {
      v = applyFunctions(spec.fns, value);
    } catch (err) {
      if (err instanceof FunctionError)
        throw new ValueFailure({ code: 'MAPPING_VALUE_INVALID', reason: `the value ${err.message} (fn ${spec.fns.join(', ')})` });
      throw err;
    }
    if (!spec.lookup || v === '') return v;
    const date = spec.at ? lookupDate(this.source(spec.at)) : undefined;
    const table = this.plan.tables.get(spec.lookup.table);
    const row = table ? lookupRow(table, v, date) : undefined;
    const hit = row === undefined ? undefined : typeof row === 'string' ? row : spec.lookup.column ? row[spec.lookup.column] : undefined;
    if (hit !== undefined) return hit;
    if (spec.unknown === 'keep') return v;
    if (spec.unknown === 'empty') return '';
    const onDate = spec.at ? ' on the lookup date' : '';
    throw new ValueFailure({
      code: 'MAPPING_LOOKUP_MISSING',
      reason: `the value is not in table ${spec.lookup.table}${onDate}${row !== undefined ? ` (no ${spec.lookup.column} in its row)` : ''}`,
    });
  }

  /** A one-value setting of the rule (`what` names it in errors): '' without specs. */
  value(what: string, specs: readonly CompiledValue[]): string {
    if (specs.length === 0) return '';
    try {
      return this.one(specs);
    } catch (err) {
      if (err instanceof ValueFailure) throw this.failure(what, specs, err.failure.code, err.failure.reason);
      throw err;
    }
  }

  /** A one-value field or variable: its specs are alternatives, the first non-empty wins. */
  one(specs: readonly CompiledValue[]): string {
    for (const spec of specs) {
      const [v] = this.values(spec, false);
      if (v) return v;
    }
    return '';
  }

  /** A list field: every spec's values, in order. */
  list(specs: readonly CompiledValue[]): string[] {
    return specs.flatMap((spec) => this.values(spec, true));
  }
}

function describe(specs: readonly CompiledValue[]): string {
  return specs
    .map((s) =>
      s.read?.kind === 'source'
        ? formatSource(s.read.source)
        : s.read?.kind === 'template'
          ? `"${s.read.text}"`
          : s.read?.kind === 'const'
            ? 'a constant'
            : 'a default',
    )
    .join(' ; ');
}

/** The first HL7 path a value reads, following $variables to their own specs. */
function firstPath(rule: CompiledRule, specs: readonly CompiledValue[], depth = 0): PathRef | undefined {
  for (const spec of specs) {
    const read = spec.read;
    const operands =
      read?.kind === 'source'
        ? read.source
        : read?.kind === 'template'
          ? read.template.flatMap((p) => (typeof p === 'string' ? [] : [...p]))
          : [];
    for (const op of operands) {
      if (op.kind === 'path') return op.ref;
      if (op.kind === 'var' && depth < 8) {
        const inner = rule.vars.find(([name]) => name === op.name)?.[1];
        const ref = inner ? firstPath(rule, inner, depth + 1) : undefined;
        if (ref) return ref;
      }
    }
  }
  return undefined;
}

/** The ERR location of the first path a value reads: that segment's occurrence number and field. */
function locationOf(msg: Hl7Message, occ: Occurrence, rule: CompiledRule, specs: readonly CompiledValue[]) {
  const ref = firstPath(rule, specs);
  if (!ref) return { segment: msg.segments[occ.anchor]!.name, sequence: sequenceOf(msg, occ.anchor) };
  const seg = resolve(msg, occ, rule.group, ref);
  const index = seg ? msg.segments.indexOf(seg) : -1;
  return { segment: ref.segment, sequence: index >= 0 ? sequenceOf(msg, index) : 1, field: ref.field };
}

export function evaluateMapping(plan: MappingPlan, msg: Hl7Message, ctx: MappingContext): MappedRecords {
  const out: MappedRecords = { charges: [], patients: [], coverages: [] };
  const base = ctx.controlId ? `${ctx.channel}|${ctx.sender}|${ctx.controlId}` : `${ctx.channel}|message:${ctx.messageId ?? ''}`;
  for (const rule of plan.rules) {
    let sequence = 0;
    const lines = new Map<string, NamedLine>();
    const making: Array<{ scope: OccurrenceScope; sourceKey: string }> = [];
    for (const occ of occurrencesOf(msg, rule.forEach, rule.group)) {
      const scope = new OccurrenceScope(msg, occ, rule, plan);
      scope.vars.set('segmentIndex', String(occ.anchor));
      const makes = scope.all(rule.when);
      const sourceKey = `${base}|${occ.anchor}|${rule.name}`;
      // Every occurrence can be named by a reversal's `line` (FT1-31 → FT1-1), also one that makes no record.
      const lineIdSpecs = rule.reversal?.lineId ?? [];
      if (lineIdSpecs.length > 0) {
        const lineId = scope.value('reversal lineId', lineIdSpecs);
        if (lineId && !lines.has(lineId)) lines.set(lineId, { sourceKey: makes ? sourceKey : undefined, scope });
      }
      if (!makes) continue;
      sequence++;
      scope.vars.set('sequence', String(sequence));
      making.push({ scope, sourceKey });
    }
    for (const { scope, sourceKey } of making) mapOccurrence(rule, scope, sourceKey, out, lines);
  }
  return out;
}

/** An occurrence a reversal may name: the source key of the record it makes (none: it makes no record). */
interface NamedLine {
  sourceKey: string | undefined;
  scope: OccurrenceScope;
}

function mapOccurrence(
  rule: CompiledRule,
  scope: OccurrenceScope,
  sourceKey: string,
  out: MappedRecords,
  lines: ReadonlyMap<string, NamedLine>,
): void {
  const fail = (what: string, specs: readonly CompiledValue[], code: Failure['code'], reason: string): never => {
    throw scope.failure(what, specs, code, reason);
  };
  const guarded = <T>(what: string, specs: readonly CompiledValue[], f: () => T): T => {
    try {
      return f();
    } catch (err) {
      if (err instanceof ValueFailure) return fail(what, specs, err.failure.code, err.failure.reason);
      throw err;
    }
  };
  for (const [name] of rule.vars) scope.variable(name); // every variable, so a required one is checked even when unused
  const reversal = rule.reversal !== undefined && scope.all(rule.reversal.when);
  // A held charge is written with its reason instead of failing: the first hold entry whose conditions hold.
  const hold = reversal ? undefined : rule.hold.find((h) => scope.all(h.when));
  const holdReason = hold
    ? hold.reason
        .map((part) => (typeof part === 'string' ? part : scope.source(part)))
        .join('')
        .trim()
    : undefined;
  const raw: Record<string, string | string[]> = {};
  for (const { name, spec, values } of rule.fields) {
    const v = guarded(`field ${name}`, values, () => (spec.list ? scope.list(values) : scope.one(values)));
    const empty = Array.isArray(v) ? v.length === 0 : v === '';
    const mayBeEmpty = holdReason !== undefined && HELD_MAY_LACK.has(name);
    if (empty && !mayBeEmpty && (spec.required || values.some((s) => s.required)))
      fail(`field ${name}`, values, 'MAPPING_FIELD_MISSING', `${spec.label} is empty`);
    raw[name] = v;
  }
  const identity: RecordIdentity = { sourceKey };
  if (holdReason !== undefined) identity.holdReason = holdReason || 'held by the mapping';
  if (rule.unpriced === 'write') identity.unpriced = 'write';
  if (reversal && rule.reversal) {
    const r = rule.reversal;
    let of = scope.value('reversal of', r.of);
    const named = scope.value('reversal line', r.line);
    const line = named ? lines.get(named) : undefined;
    if (line && line.sourceKey !== sourceKey) {
      // The line named in this message: the charge it makes, else the earlier charge its transaction id names.
      if (line.sourceKey !== undefined) identity.reversesLine = line.sourceKey;
      else of = line.scope.value('reversal of', r.of) || of;
    }
    if (!of && identity.reversesLine === undefined && r.match.length === 0) {
      fail('reversal of', r.of, 'MAPPING_FIELD_MISSING', 'the transaction id a reversal points at is empty');
    }
    identity.reverses = of;
    if (r.match.length > 0) identity.reversalMatch = r.match;
    identity.reversalMissing = r.missing;
  }
  try {
    if (rule.output === 'charge') out.charges.push(finishCharge(raw as RawValues, identity));
    else if (rule.output === 'patient') out.patients.push(finishPatient(raw as RawValues, identity));
    else if (rule.output === 'merge') (out.merges ??= []).push(finishMerge(raw as RawValues, identity));
    else out.coverages.push(finishCoverage(raw as RawValues, identity));
  } catch (err) {
    if (!(err instanceof FieldProblem)) throw err;
    const specs = rule.fields.find((f) => f.name === err.field)?.values ?? [];
    fail(`field ${err.field}`, specs, err.kind === 'missing' ? 'MAPPING_FIELD_MISSING' : 'MAPPING_VALUE_INVALID', err.message);
  }
}
