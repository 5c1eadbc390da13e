/**
 * Config files (channels, mappings): YAML text → env interpolation → zod validation → deeply frozen value.
 * Every problem is reported as `file:line:col: reason` pointing at the YAML node at fault, and all problems
 * of a file are reported at once in one ConfigError (code CONFIG_INVALID).
 *
 * Environment interpolation (in scalar values only; never in keys or comments):
 *   ${VAR}            the value of VAR; VAR unset is an issue at the scalar ("environment variable VAR is not set")
 *   ${VAR:-default}   the value of VAR, or `default` when VAR is unset or empty (shell semantics)
 *   $${               a literal "${"
 * VAR is [A-Za-z_][A-Za-z0-9_]*; the default may hold any character except "}".
 *
 * Typing of interpolated values (the chosen approach, instead of z.coerce in every schema): a plain (unquoted,
 * untagged) scalar that is exactly one ${...} reference is typed as if its result had been written in the file:
 * an integer-looking result ("2575", "-1") becomes a number and "true"/"false" become booleans; anything else
 * stays text. A quoted scalar ("${VAR}") always stays text. Schemas therefore use plain z.number()/z.boolean()
 * and keep their strict messages (z.coerce would silently turn "" into 0 and true into 1).
 * Note: inside a flow sequence `[ ... ]` a plain scalar cannot contain "{"; use a block list there.
 *
 * Errors never echo scalar values (an interpolated value may be a secret): they name keys and positions.
 */
import { readFileSync } from 'node:fs';
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node as YamlNode,
  type Scalar,
} from 'yaml';
import type { z } from 'zod';
import { EngineError } from './errors';

/** One problem in a config file. line/col are 1-based; line 0 means "the whole file" (e.g. it cannot be read). */
export interface ConfigIssue {
  file: string;
  line: number;
  col: number;
  reason: string;
}

/** `file:line:col: reason`, or `file: reason` for a whole-file issue (line 0). */
export function formatIssue(issue: ConfigIssue): string {
  return issue.line > 0 ? `${issue.file}:${issue.line}:${issue.col}: ${issue.reason}` : `${issue.file}: ${issue.reason}`;
}

/** A config file (or set of files) failed to load. `message` lists every issue, one per line. */
export class ConfigError extends EngineError {
  readonly issues: readonly ConfigIssue[];

  /** Issues said twice (one YAML node reached twice, e.g. through an anchor two rules share) are kept once. */
  constructor(issues: readonly ConfigIssue[]) {
    const seen = new Set<string>();
    const unique = issues.filter((i) => {
      const key = formatIssue(i);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    super('CONFIG_INVALID', unique.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
    this.issues = Object.freeze(unique.map((i) => Object.freeze({ ...i })));
  }
}

/** A 1-based position in a file. */
export interface ConfigPosition {
  line: number;
  col: number;
}

/** A parsed, validated config file plus a way to point at its nodes (for checks made after validation). */
export interface ParsedConfig<T> {
  readonly file: string;
  readonly value: T;
  /**
   * Position of the node at `path` (keys and list indexes, as in the parsed value). With `{ key: true }` the
   * position of the last key itself rather than of its value. A path that does not exist resolves to the
   * nearest existing ancestor.
   */
  locate(path: readonly PropertyKey[], opts?: { key?: boolean }): ConfigPosition;
  /** An issue in this file at `path` (see locate). */
  issueAt(path: readonly PropertyKey[], reason: string, opts?: { key?: boolean }): ConfigIssue;
}

/**
 * Parses and validates YAML `text` (named `file` in issues) against `schema`, interpolating `env`.
 * Returns the deeply frozen value; throws ConfigError listing every issue.
 */
export function parseConfigText<T>(text: string, file: string, schema: z.ZodType<T>, env: Record<string, string | undefined>): T {
  return parseConfig(text, file, schema, env).value;
}

/** Reads `file` (UTF-8) and parses it with parseConfigText. An unreadable file is a ConfigError too. */
export function loadConfigFile<T>(file: string, schema: z.ZodType<T>, env: Record<string, string | undefined>): T {
  return readConfig(file, schema, env).value;
}

/** As loadConfigFile, keeping the positions (ParsedConfig) for cross-file checks. */
export function readConfig<T>(file: string, schema: z.ZodType<T>, env: Record<string, string | undefined>): ParsedConfig<T> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ConfigError([{ file, line: 0, col: 0, reason: `cannot read file (${code})` }]);
  }
  return parseConfig(text, file, schema, env);
}

/** As parseConfigText, keeping the positions (ParsedConfig) for cross-file checks. */
export function parseConfig<T>(text: string, file: string, schema: z.ZodType<T>, env: Record<string, string | undefined>): ParsedConfig<T> {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // a BOM would shift line 1 columns
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false });
  const at = (offset: number): ConfigPosition => lineCounter.linePos(offset);

  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => ({ file, ...at(e.pos[0]), reason: `invalid YAML: ${e.message}` })));
  }

  const locator = new Locator(doc, at);
  const issues: ConfigIssue[] = [];
  const envFailed = new Set<YamlNode>();
  for (const { node, reason } of interpolateEnv(doc, env)) {
    envFailed.add(node);
    issues.push({ file, ...locator.position(node), reason });
  }

  const data: unknown = doc.toJS();
  const result = schema.safeParse(data, { error: plainMessage });
  if (!result.success) {
    for (const zi of result.error.issues) {
      for (const issue of mapZodIssue(zi, data)) {
        const found = locator.find(issue.path, issue.key);
        if (found.node && envFailed.has(found.node)) continue; // already reported as an unset variable
        issues.push({ file, ...found.pos, reason: issue.reason });
      }
    }
  }
  if (issues.length > 0) throw new ConfigError(sortIssues(issues));

  const value = deepFreeze(result.data as T);
  const locate = (path: readonly PropertyKey[], opts?: { key?: boolean }): ConfigPosition => locator.find(path, opts?.key ?? false).pos;
  return Object.freeze({
    file,
    value,
    locate,
    issueAt: (path: readonly PropertyKey[], reason: string, opts?: { key?: boolean }): ConfigIssue => ({
      file,
      ...locate(path, opts),
      reason,
    }),
  });
}

/** Issues ordered by file (as listed in `files`, then by first appearance), then line, then column. Stable. */
export function sortIssues(issues: readonly ConfigIssue[], files: readonly string[] = []): ConfigIssue[] {
  const fileOrder = new Map<string, number>();
  for (const f of files) if (!fileOrder.has(f)) fileOrder.set(f, fileOrder.size);
  for (const i of issues) if (!fileOrder.has(i.file)) fileOrder.set(i.file, fileOrder.size);
  return [...issues].sort((a, b) => fileOrder.get(a.file)! - fileOrder.get(b.file)! || a.line - b.line || a.col - b.col);
}

/**
 * Freezes `v` and everything reachable from it. Sets and Maps are frozen too: their mutators
 * (add/set/delete/clear) throw a TypeError. Typed arrays and Buffers are left as they are (they cannot be frozen).
 */
export function deepFreeze<T>(v: T): T {
  freezeInto(v, new WeakSet());
  return v;
}

function freezeInto(v: unknown, seen: WeakSet<object>): void {
  if ((typeof v !== 'object' && typeof v !== 'function') || v === null) return;
  if (seen.has(v) || ArrayBuffer.isView(v)) return;
  seen.add(v);
  if (v instanceof Set) {
    for (const item of v) freezeInto(item, seen);
    lockMutators(v, ['add', 'delete', 'clear']);
  } else if (v instanceof Map) {
    for (const [key, item] of v) {
      freezeInto(key, seen);
      freezeInto(item, seen);
    }
    lockMutators(v, ['set', 'delete', 'clear']);
  }
  for (const key of Reflect.ownKeys(v)) {
    const desc = Object.getOwnPropertyDescriptor(v, key);
    if (desc && 'value' in desc) freezeInto(desc.value, seen);
  }
  Object.freeze(v);
}

function lockMutators(target: object, names: readonly string[]): void {
  for (const name of names) {
    Object.defineProperty(target, name, {
      value: () => {
        throw new TypeError(`cannot ${name}: the collection is frozen`);
      },
      enumerable: false,
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Environment interpolation

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const WHOLE_REFERENCE = /^\$\{[^}]*\}$/;
const INTEGER = /^[+-]?\d+$/;

/** Result of interpolating one string: the text, plus problems (without positions). */
export function interpolateString(text: string, env: Record<string, string | undefined>): { value: string; problems: string[] } {
  let out = '';
  const problems: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      out += '${';
      i += 3;
    } else if (text.startsWith('${', i)) {
      const close = text.indexOf('}', i + 2);
      if (close < 0) {
        problems.push('unterminated "${" (write "$${" for a literal "${")');
        out += text.slice(i);
        break;
      }
      const inner = text.slice(i + 2, close);
      const sep = inner.indexOf(':-');
      const name = sep < 0 ? inner : inner.slice(0, sep);
      if (!VAR_NAME.test(name)) {
        problems.push('malformed "${...}": expected ${NAME} or ${NAME:-default} (write "$${" for a literal "${")');
      } else {
        const set = env[name];
        if (sep >= 0) out += set === undefined || set === '' ? inner.slice(sep + 2) : set;
        else if (set === undefined) problems.push(`environment variable ${name} is not set`);
        else out += set;
      }
      i = close + 1;
    } else {
      out += text[i];
      i += 1;
    }
  }
  return { value: out, problems };
}

/** True when interpolating `text` would read the environment (a `${` that is not the `$${` escape). */
export function readsEnvironment(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (text.startsWith('$${', i)) i += 2;
    else if (text.startsWith('${', i)) return true;
  }
  return false;
}

/**
 * 1-based positions of the scalar values of YAML `text` that interpolation would expand — judged on the values
 * as YAML parses them, the way interpolation sees them, so escapes such as "\x24{VAR}" or "\u0024{VAR}" in a
 * double-quoted scalar are found, and a `${` in a comment or a key (never interpolated) is not. Text that is not
 * valid YAML has none (parsing it reports its errors).
 */
export function environmentReferences(text: string): ConfigPosition[] {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false });
  const found: ConfigPosition[] = [];
  visit(doc, {
    Scalar(key, node: Scalar) {
      if (key === 'key' || typeof node.value !== 'string' || !readsEnvironment(node.value)) return;
      found.push(node.range ? lineCounter.linePos(node.range[0]) : { line: 1, col: 1 });
    },
  });
  return found;
}

/** Rewrites every string scalar value of `doc` in place; returns the nodes whose interpolation failed. */
function interpolateEnv(doc: Document, env: Record<string, string | undefined>): Array<{ node: YamlNode; reason: string }> {
  const failures: Array<{ node: YamlNode; reason: string }> = [];
  visit(doc, {
    Scalar(key, node: Scalar) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return;
      const original = node.value;
      const { value, problems } = interpolateString(original, env);
      for (const reason of problems) failures.push({ node, reason });
      node.value = problems.length > 0 ? '' : typed(value, original, node);
    },
  });
  return failures;
}

/** See the module comment: plain, untagged, whole-reference scalars get YAML's integer/boolean typing. */
function typed(value: string, original: string, node: Scalar): string | number | boolean {
  if (node.type !== 'PLAIN' || node.tag || !WHOLE_REFERENCE.test(original)) return value;
  if (INTEGER.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  return value;
}

// ---------------------------------------------------------------------------------------------------------------
// Positions

class Locator {
  constructor(
    private readonly doc: Document,
    private readonly at: (offset: number) => ConfigPosition,
  ) {}

  position(node: YamlNode): ConfigPosition {
    return node.range ? this.at(node.range[0]) : { line: 1, col: 1 };
  }

  /**
   * The node at `path` (or its key node when `key`), else the nearest existing ancestor's position.
   * An empty value (`port:` with nothing after it) points at its key.
   */
  find(path: readonly PropertyKey[], key: boolean): { node: YamlNode | undefined; pos: ConfigPosition } {
    let current: unknown = this.doc.contents;
    let currentKey: YamlNode | undefined;
    for (let depth = 0; depth < path.length; depth++) {
      const seg = path[depth];
      const node = this.resolve(current);
      let next: unknown;
      let nextKey: YamlNode | undefined;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (pair) {
          next = pair.value;
          nextKey = pair.key as YamlNode;
        }
      } else if (isSeq(node) && typeof seg === 'number') {
        next = node.items[seg];
      }
      if (next === undefined && nextKey === undefined) return this.result(node, currentKey);
      const last = depth === path.length - 1;
      if (last && key && nextKey) return { node: nextKey, pos: this.position(nextKey) };
      if (next === null || next === undefined || isEmptyScalar(next)) {
        // A key with no value: point at the key.
        return nextKey ? { node: nextKey, pos: this.position(nextKey) } : this.result(node, currentKey);
      }
      current = next;
      currentKey = nextKey;
    }
    return this.result(current, currentKey); // an alias itself, not its anchor: the use is what is wrong
  }

  private result(node: unknown, fallback: YamlNode | undefined): { node: YamlNode | undefined; pos: ConfigPosition } {
    if (node && typeof node === 'object' && (node as YamlNode).range) {
      return { node: node as YamlNode, pos: this.position(node as YamlNode) };
    }
    return fallback ? { node: fallback, pos: this.position(fallback) } : { node: undefined, pos: { line: 1, col: 1 } };
  }

  private resolve(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }
}

function isEmptyScalar(node: unknown): boolean {
  return isScalar(node) && node.value === null && node.source === '';
}

// ---------------------------------------------------------------------------------------------------------------
// zod issues in plain words

type ZodIssue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;

/** Marks the message of an unrecognized_keys issue so mapZodIssue can split it per key. */
const ALLOWED_PREFIX = 'allowed: ';

/** The per-parse error map: plain-words reasons naming the offending key. Schema-level messages win over it. */
function plainMessage(iss: RawIssue): string {
  const label = labelOf(iss.path ?? []);
  switch (iss.code) {
    case 'invalid_type':
      return `${label} must be ${describeType(iss.expected)} (found ${kindOf(iss.input)})`;
    case 'invalid_value':
      return iss.values.length === 1
        ? `${label} must be ${String(iss.values[0])}`
        : `${label}: expected one of ${iss.values.map(String).join(', ')}`;
    case 'too_small':
      return sizeMessage(label, iss.origin, 'at least', iss.minimum, iss.inclusive);
    case 'too_big':
      return sizeMessage(label, iss.origin, 'at most', iss.maximum, iss.inclusive);
    case 'invalid_format':
      return `${label} has the wrong form${iss.pattern ? ` (must match ${iss.pattern})` : ''}`;
    case 'not_multiple_of':
      return `${label} must be a multiple of ${iss.divisor}`;
    case 'unrecognized_keys': {
      const shape = (iss.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def?.shape;
      return ALLOWED_PREFIX + (shape ? Object.keys(shape).join(', ') : '');
    }
    case 'invalid_union':
      return `${label} does not match any allowed form`;
    default:
      return `${label} is not valid`;
  }
}

function sizeMessage(label: string, origin: string, bound: string, n: number | bigint, inclusive?: boolean): string {
  const limit = inclusive === false ? (bound === 'at least' ? `more than ${n}` : `less than ${n}`) : `${bound} ${n}`;
  if (origin === 'array' || origin === 'set') return `${label} needs ${limit} ${Number(n) === 1 ? 'entry' : 'entries'}`;
  if (origin === 'string')
    return Number(n) === 1 && bound === 'at least' ? `${label} must not be empty` : `${label} must be ${limit} characters long`;
  return `${label} must be ${limit}`;
}

function describeType(expected: string): string {
  switch (expected) {
    case 'string':
      return 'text';
    case 'number':
      return 'a number';
    case 'int':
      return 'an integer';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
      return 'a mapping (key: value lines)';
    default:
      return expected;
  }
}

function kindOf(v: unknown): string {
  if (v === undefined || v === null) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return 'text';
  if (typeof v === 'number') return 'a number';
  if (typeof v === 'boolean') return 'true/false';
  if (typeof v === 'object') return 'a mapping';
  return typeof v;
}

/**
 * How reasons name the offending key: `port`, `accept[2]`, `types[0]` (the last key; a list index is attached
 * to its list's key). Schemas use it in their own messages so all reasons read alike.
 */
export function labelOf(path: readonly PropertyKey[]): string {
  const last = path[path.length - 1];
  if (last === undefined) return 'the file';
  if (typeof last === 'number') {
    const parent = path[path.length - 2];
    return `${parent === undefined ? 'item' : String(parent)}[${last}]`;
  }
  return String(last);
}

/** One zod issue → positioned reasons. `key` = point at the key of the last path element rather than its value. */
function mapZodIssue(zi: ZodIssue, data: unknown): Array<{ path: PropertyKey[]; key: boolean; reason: string }> {
  const path = [...zi.path];
  if (zi.code === 'unrecognized_keys') {
    const allowed = zi.message.startsWith(ALLOWED_PREFIX) ? ` (${zi.message})` : '';
    return zi.keys.map((k) => ({ path: [...path, k], key: true, reason: `unknown key "${k}"${allowed}` }));
  }
  if (zi.code === 'invalid_key') {
    // A mapping key its schema refuses (a payer id with spaces): say why, from the key schema's own issue.
    const key = String(path[path.length - 1] ?? '');
    const inner = (zi as { issues?: Array<{ message?: string }> }).issues?.[0]?.message;
    const why = inner ? inner.replace(/^(the file|item) /, '') : 'is not an allowed key here';
    return [{ path, key: true, reason: `key "${key}" ${why}` }];
  }
  if (zi.code === 'invalid_type' && path.length > 0 && isMissingKey(data, path)) {
    return [{ path, key: false, reason: `missing required key "${String(path[path.length - 1])}"` }];
  }
  return [{ path, key: false, reason: zi.message }];
}

/** True when the parent of `path` is a mapping without the last key (locate then points at the parent). */
function isMissingKey(data: unknown, path: readonly PropertyKey[]): boolean {
  let cur: unknown = data;
  for (const seg of path.slice(0, -1)) {
    if (cur === null || typeof cur !== 'object') return false;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  const last = path[path.length - 1]!;
  return cur !== null && typeof cur === 'object' && !Array.isArray(cur) && !Object.prototype.hasOwnProperty.call(cur, last);
}

/**
 * The dotted key path of the innermost node at a 1-based `line`/`col` of YAML `text`, as a newcomer reads it in the
 * file: `payers.SYNX01.filingIndicator`, `codeLists.partD[2]`. Undefined when the position is outside every node
 * or the text does not parse. For the issue texts of a config file (issues themselves carry positions only).
 */
export function keyPathAt(text: string, line: number, col: number): string | undefined {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = source.split('\n');
  if (line < 1 || line > lines.length) return undefined;
  let offset = col - 1;
  for (let i = 0; i < line - 1; i++) offset += lines[i]!.length + 1;
  const doc = parseDocument(source);
  if (doc.errors.length > 0) return undefined;
  const within = (n: unknown): boolean => {
    const range = (n as { range?: [number, number, number] } | null)?.range;
    return Boolean(range && offset >= range[0] && offset <= range[2]);
  };
  const path: string[] = [];
  let node: unknown = doc.contents;
  for (;;) {
    if (isMap(node)) {
      const pair = node.items.find((p) => within(p.key) || within(p.value));
      if (!pair) break;
      path.push(String(isScalar(pair.key) ? pair.key.value : pair.key));
      if (!within(pair.value)) break;
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => within(item));
      if (index < 0) break;
      if (path.length === 0) path.push(`[${index}]`);
      else path[path.length - 1] += `[${index}]`;
      node = node.items[index];
    } else break;
  }
  return path.length > 0 ? path.join('.') : undefined;
}
