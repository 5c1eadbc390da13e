import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import {
  ConfigError, deepFreeze, interpolateString, loadConfigFile, parseConfig, parseConfigText, type ConfigIssue,
} from '../../src/core/config-file';
import { EngineError } from '../../src/core/errors';

const schema = z.strictObject({
  host: z.string(),
  port: z.number().int().min(1).max(65535),
  tags: z.array(z.string()).default([]),
  enabled: z.boolean().default(true),
  level: z.enum(['P', 'T', 'D']).default('P'),
  nested: z.strictObject({ depth: z.number(), label: z.string().default('none') }).optional(),
});

/** The ConfigError thrown by `fn` (fails the test if none is thrown). */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const parse = (text: string, env: Record<string, string | undefined> = {}) =>
  parseConfigText(text, 'cfg/x.yaml', schema, env);
const issuesOf = (text: string, env: Record<string, string | undefined> = {}): ConfigIssue[] =>
  [...configError(() => parse(text, env)).issues];
const at = (line: number, col: number, reason: string | RegExp) =>
  expect.objectContaining({ file: 'cfg/x.yaml', line, col, reason: typeof reason === 'string' ? reason : expect.stringMatching(reason) });

describe('parseConfigText', () => {
  it('parses a valid file and fills defaults', () => {
    expect(parse('host: example.org\nport: 2575\n')).toEqual({
      host: 'example.org', port: 2575, tags: [], enabled: true, level: 'P',
    });
  });

  describe('YAML syntax errors', () => {
    it('reports a nested compact mapping at its position', () => {
      expect(issuesOf('host: a\nport: 1\nx: y: z\n')).toEqual([
        at(3, 4, 'invalid YAML: Nested mappings are not allowed in compact mappings'),
      ]);
    });

    it('reports a duplicate key at the second key', () => {
      expect(issuesOf('host: a\nport: 1\nhost: b\n')).toEqual([at(3, 1, /^invalid YAML: Map keys must be unique/)]);
    });

    it('does not validate a file with syntax errors', () => {
      // The unknown key and the missing port would be schema issues; only the syntax error is reported.
      expect(issuesOf('bogus: 1\nx: y: z\n')).toHaveLength(1);
    });
  });

  describe('schema issues point at the offending node', () => {
    it('unknown key: at the key, naming the allowed keys', () => {
      const err = configError(() => parse('host: a\nprot: 1\nport: 1\n'));
      expect(err.issues).toEqual([
        at(2, 1, 'unknown key "prot" (allowed: host, port, tags, enabled, level, nested)'),
      ]);
      expect(err.message).toBe('cfg/x.yaml:2:1: unknown key "prot" (allowed: host, port, tags, enabled, level, nested)');
    });

    it('unknown key in a nested mapping: at the indented key', () => {
      expect(issuesOf('host: a\nport: 1\nnested:\n  depth: 1\n  colour: red\n')).toEqual([
        at(5, 3, 'unknown key "colour" (allowed: depth, label)'),
      ]);
    });

    it('bad value type: at the value', () => {
      expect(issuesOf('host: a\nport: abc\n')).toEqual([at(2, 7, 'port must be a number (found text)')]);
    });

    it('out of range and wrong list entry: at the value', () => {
      expect(issuesOf('host: a\nport: 70000\ntags:\n  - ok\n  - 12\n')).toEqual([
        at(2, 7, 'port must be at most 65535'),
        at(5, 5, 'tags[1] must be text (found a number)'),
      ]);
    });

    it('enum value: plain words listing the choices', () => {
      expect(issuesOf('host: a\nport: 1\nlevel: X\n')).toEqual([at(3, 8, 'level: expected one of P, T, D')]);
    });

    it('missing required key: at the parent mapping', () => {
      expect(issuesOf('host: a\n')).toEqual([at(1, 1, 'missing required key "port"')]);
      expect(issuesOf('host: a\nport: 1\nnested:\n  label: x\n')).toEqual([at(4, 3, 'missing required key "depth"')]);
    });

    it('key present with no value: at the key', () => {
      expect(issuesOf('host: a\nport:\n')).toEqual([at(2, 1, 'port must be a number (found nothing)')]);
    });

    it('empty file: one issue at 1:1', () => {
      expect(issuesOf('# nothing here\n')).toEqual([at(1, 1, /must be a mapping/)]);
    });

    it('reports every issue, ordered by position, one per message line', () => {
      const err = configError(() => parse('port: 0\nhost: 5\nextra: 1\n'));
      expect(err.issues.map((i) => `${i.line}:${i.col}`)).toEqual(['1:7', '2:7', '3:1']);
      expect(err.message.split('\n')).toHaveLength(3);
      expect(err.message.split('\n')[0]).toBe('cfg/x.yaml:1:7: port must be at least 1');
    });

    it('is an EngineError with code CONFIG_INVALID', () => {
      const err = configError(() => parse('host: a\n'));
      expect(err).toBeInstanceOf(EngineError);
      expect(err.code).toBe('CONFIG_INVALID');
      expect(err.retryable).toBe(false);
    });

    it('ignores a UTF-8 BOM when computing positions', () => {
      expect(issuesOf('\uFEFFprot: 1\nhost: a\nport: 1\n')).toEqual([at(1, 1, /^unknown key "prot"/)]);
    });

    it('points at an alias where it is used, and follows aliases into collections', () => {
      expect(issuesOf('host: &h 5\nport: 1\ntags: [*h]\n')).toEqual([
        at(1, 10, 'host must be text (found a number)'),
        at(3, 8, 'tags[0] must be text (found a number)'),
      ]);
      expect(issuesOf('host: a\nport: 1\nx: &n\n  depth: 1\n  bad: 2\nnested: *n\n')).toEqual([
        at(3, 1, /^unknown key "x"/),
        at(5, 3, /^unknown key "bad"/),
      ]);
    });
  });

  describe('environment interpolation', () => {
    it('substitutes ${VAR} and ${VAR:-default} inside scalar text', () => {
      const v = parse('host: ${H}.${DOMAIN:-example.org}\nport: 1\ntags: ["${T:-a}-${U:-b}"]\n', { H: 'mllp' });
      expect(v.host).toBe('mllp.example.org');
      expect(v.tags).toEqual(['a-b']);
    });

    it('uses the default when the variable is set but empty (shell :- semantics)', () => {
      expect(parse('host: ${H:-fallback}\nport: 1\n', { H: '' }).host).toBe('fallback');
      expect(parse('host: x${H}y\nport: 1\n', { H: '' }).host).toBe('xy');
    });

    it('reports an unset variable without default at the scalar, once', () => {
      expect(issuesOf('host: a\nport: 1\ntags:\n  - "${MISSING}"\n')).toEqual([
        at(4, 5, 'environment variable MISSING is not set'),
      ]);
      // The port would also fail validation (empty text): only the variable is reported there.
      expect(issuesOf('host: a\nport: ${NOPE}\n')).toEqual([at(2, 7, 'environment variable NOPE is not set')]);
    });

    it('"$${" writes a literal "${"', () => {
      expect(parse('host: $${NOT_A_VAR} costs $$5\nport: 1\n').host).toBe('${NOT_A_VAR} costs $$5');
    });

    it('does not interpolate keys or comments', () => {
      const anyKeys = z.record(z.string(), z.string());
      expect(parseConfigText('# ${UNSET_IN_COMMENT}\n${K}: v # ${ALSO_UNSET}\n', 'f.yaml', anyKeys, { K: 'k' }))
        .toEqual({ '${K}': 'v' });
    });

    it('reports a malformed or unterminated reference', () => {
      expect(issuesOf('host: ${1BAD}\nport: 1\n')).toEqual([at(1, 7, /^malformed "\$\{\.\.\.\}"/)]);
      expect(issuesOf('host: abc${OPEN\nport: 1\n')).toEqual([at(1, 7, /^unterminated "\$\{"/)]);
    });

    it('types a plain whole-reference scalar like YAML would: integers and booleans', () => {
      const v = parse('host: ${H}\nport: ${P}\nenabled: ${E:-false}\n', { H: 'h', P: '3000' });
      expect(v.port).toBe(3000);
      expect(v.enabled).toBe(false);
    });

    it('keeps quoted, partial and non-integer results as text', () => {
      expect(issuesOf('host: a\nport: "${P}"\n', { P: '3000' })).toEqual([at(2, 7, 'port must be a number (found text)')]);
      expect(issuesOf('host: a\nport: ${P}0\n', { P: '300' })).toEqual([at(2, 7, 'port must be a number (found text)')]);
      expect(issuesOf('host: a\nport: ${P}\n', { P: '2575.5' })).toEqual([at(2, 7, 'port must be a number (found text)')]);
      expect(parse('host: ${H}\nport: 1\n', { H: 'true-host' }).host).toBe('true-host');
    });

    it('never echoes an interpolated value in a reason', () => {
      const err = configError(() => parse('host: a\nport: ${SECRET}\n', { SECRET: 's3cr3t-value' }));
      expect(err.message).not.toContain('s3cr3t-value');
    });
  });

  describe('interpolateString', () => {
    it('handles several references and reports each problem', () => {
      expect(interpolateString('${A}:${B:-2}/${C}/${D}', { A: '1', D: 'd' })).toEqual({
        value: '1:2//d', problems: ['environment variable C is not set'],
      });
    });
  });

  it('returns a deeply frozen value', () => {
    const v = parse('host: a\nport: 1\ntags: [x]\nnested:\n  depth: 2\n');
    expect(Object.isFrozen(v)).toBe(true);
    expect(Object.isFrozen(v.tags)).toBe(true);
    expect(Object.isFrozen(v.nested)).toBe(true);
    expect(() => { (v as { port: number }).port = 2; }).toThrow(TypeError);
    expect(() => { (v.tags as string[]).push('y'); }).toThrow(TypeError);
  });

  it('parseConfig locates nodes after validation', () => {
    const parsed = parseConfig('host: a\nport: 1\nnested:\n  depth: 2\n', 'f.yaml', schema, {});
    expect(parsed.locate(['nested', 'depth'])).toEqual({ line: 4, col: 10 });
    expect(parsed.locate(['nested', 'depth'], { key: true })).toEqual({ line: 4, col: 3 });
    expect(parsed.locate(['nested', 'label'])).toEqual({ line: 4, col: 3 }); // defaulted: the parent mapping
    expect(parsed.issueAt(['port'], 'r')).toEqual({ file: 'f.yaml', line: 2, col: 7, reason: 'r' });
  });
});

describe('deepFreeze', () => {
  it('freezes nested objects, arrays, Sets and Maps, and survives cycles', () => {
    const inner = { n: 1 };
    const v: { a: Array<{ n: number }>; s: Set<string>; m: Map<string, { n: number }>; self?: unknown } = {
      a: [inner], s: new Set(['x']), m: new Map([['k', { n: 2 }]]),
    };
    v.self = v;
    deepFreeze(v);
    expect(Object.isFrozen(inner)).toBe(true);
    expect(Object.isFrozen(v.m.get('k'))).toBe(true);
    expect(() => v.s.add('y')).toThrow(TypeError);
    expect(() => v.s.clear()).toThrow(TypeError);
    expect(() => v.m.set('j', { n: 3 })).toThrow(TypeError);
    expect(v.s.has('x')).toBe(true);
    expect(v.s.size).toBe(1);
  });

  it('leaves typed arrays alone (they cannot be frozen)', () => {
    const v = { b: Buffer.from('ab') };
    expect(() => deepFreeze(v)).not.toThrow();
    expect(Object.isFrozen(v)).toBe(true);
  });
});

describe('loadConfigFile', () => {
  let dir: string;
  beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-config-')); });
  afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  it('reads the file and names it in issues', () => {
    const file = path.join(dir, 'a.yaml');
    fs.writeFileSync(file, 'host: a\nport: 1\n');
    expect(loadConfigFile(file, schema, {}).port).toBe(1);
    fs.writeFileSync(file, 'host: a\nport: x\n');
    expect(configError(() => loadConfigFile(file, schema, {})).message).toBe(`${file}:2:7: port must be a number (found text)`);
  });

  it('a missing file is a whole-file ConfigError', () => {
    const file = path.join(dir, 'missing.yaml');
    const err = configError(() => loadConfigFile(file, schema, {}));
    expect(err.issues).toEqual([{ file, line: 0, col: 0, reason: 'cannot read file (ENOENT)' }]);
    expect(err.message).toBe(`${file}: cannot read file (ENOENT)`);
  });
});

describe('ConfigError', () => {
  it('keeps an issue said twice once (one YAML node reached through an anchor two rules share)', () => {
    const issue = { file: 'm.yaml', line: 69, col: 22, reason: 'not a valid source: FT1-x' };
    const err = new ConfigError([issue, { ...issue }, { ...issue, line: 70 }]);
    expect(err.issues).toEqual([issue, { ...issue, line: 70 }]);
    expect(err.message).toBe('m.yaml:69:22: not a valid source: FT1-x\nm.yaml:70:22: not a valid source: FT1-x');
  });
});
