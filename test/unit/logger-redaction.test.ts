import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import ts from 'typescript';
import { createLogger, redactFields, scrubValue, type Logger, type LoggerOptions } from '../../src/core/logger';

/** A logger writing into memory; `lines()` parses every JSON line written so far. */
function capture(options: Omit<LoggerOptions, 'stream'> = {}): { log: Logger; lines(): Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const log = createLogger({ level: 'debug', ...options, stream });
  return {
    log,
    lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const HL7 = 'MSH|^~\\&|RXSYS|PHARM01|RXB|HOSP|20240115||DFT^P03|CTL-1|P|2.5.1\rPID|1||MRN0012345||DOE^JANE';

describe('createLogger', () => {
  it('writes one JSON line per call with level, event, timestamp and safe fields as given', () => {
    const { log, lines } = capture();
    log.info('message processed', { messageId: '42', channel: 'pharmacy-inbound', attempts: 3, durationMs: 12.5, recovered: true, code: null });
    const [line] = lines();
    expect(line).toMatchObject({
      level: 'info', message: 'message processed', messageId: '42', channel: 'pharmacy-inbound', attempts: 3, durationMs: 12.5, recovered: true, code: null,
    });
    expect(typeof line!.timestamp).toBe('string');
    expect(lines()).toHaveLength(1);
  });

  it('redacts every key that is not a safe key', () => {
    const { log, lines } = capture();
    log.warn('something happened', { patientName: 'DOE', mrn: 'MRN0012345', dob: '19800101', content: 'hello', count: 2 });
    const line = lines()[0]!;
    expect(line).toMatchObject({ patientName: '[redacted]', mrn: '[redacted]', dob: '[redacted]', content: '[redacted]', count: 2 });
    expect(JSON.stringify(line)).not.toMatch(/DOE|MRN0012345|19800101|hello/);
  });

  it('scrubs HL7-looking text in safe keys and keeps plain text', () => {
    const { log, lines } = capture();
    log.error('store write failed', {
      error: HL7,
      reason: 'segment PID|1||MRN0012345 was bad',
      code: 'x|y|z',
      status: 'DOE^JANE',
      stage: 'connection refused',
      sender: 'RXSYS|PHARM01',
    });
    const line = lines()[0]!;
    expect(line).toMatchObject({
      error: '[redacted:hl7]', reason: '[redacted:hl7]', code: '[redacted:hl7]', status: '[redacted:hl7]', stage: 'connection refused',
      sender: 'RXSYS|PHARM01', // one separator is not an HL7 fragment
    });
    expect(JSON.stringify(line)).not.toMatch(/DOE|MRN0012345/);
  });

  it('scrubs the event text too', () => {
    const { log, lines } = capture();
    log.info(HL7);
    log.info('PID|1||MRN0012345');
    log.info('name DOE^JANE');
    expect(lines().map((l) => l.message)).toEqual(['[redacted:hl7]', '[redacted:hl7]', '[redacted:hl7]']);
  });

  it('truncates long values and long events to 300 characters plus an ellipsis', () => {
    const { log, lines } = capture();
    log.info('x'.repeat(500), { error: 'e'.repeat(1000), reason: 'r'.repeat(300) });
    const line = lines()[0]!;
    expect(line.message).toBe('x'.repeat(300) + '…');
    expect(line.error).toBe('e'.repeat(300) + '…');
    expect(line.reason).toBe('r'.repeat(300));
  });

  it('child() binds fields to every line; bound fields are redacted like the others; call fields win', () => {
    const { log, lines } = capture();
    const child = log.child({ channel: 'c1', patient: 'DOE^JANE' }).child({ stage: 'map' });
    child.info('one', { messageId: '1' });
    child.warn('two', { stage: 'write' });
    log.info('three');
    const [one, two, three] = lines();
    expect(one).toMatchObject({ message: 'one', channel: 'c1', patient: '[redacted]', stage: 'map', messageId: '1', level: 'info' });
    expect(two).toMatchObject({ message: 'two', channel: 'c1', stage: 'write', level: 'warn' });
    expect(three).not.toHaveProperty('channel');
    expect(three).not.toHaveProperty('stage');
    expect(JSON.stringify(lines())).not.toContain('DOE');
  });

  it('fields cannot forge the level or smuggle text into the event', () => {
    const { log, lines } = capture();
    log.info('event', { level: 'error', message: 'DOE^JANE', timestamp: 'then' } as Record<string, string>);
    const line = lines()[0]!;
    expect(line.level).toBe('info');
    expect(String(line.message)).not.toContain('DOE');
    expect(line.timestamp).not.toBe('then');
  });

  it('honours the level and silent options', () => {
    const warnOnly = capture({ level: 'warn' });
    warnOnly.log.debug('d');
    warnOnly.log.info('i');
    warnOnly.log.warn('w');
    warnOnly.log.error('e');
    expect(warnOnly.lines().map((l) => [l.level, l.message])).toEqual([['warn', 'w'], ['error', 'e']]);
    const silent = capture({ silent: true });
    silent.log.error('nothing');
    expect(silent.lines()).toEqual([]);
  });

  it('drops a line under the level before reading its fields (the per-message debug lines cost nothing at info)', () => {
    const infoOnly = capture({ level: 'info' });
    let reads = 0;
    const fields = Object.defineProperty({}, 'messageId', { enumerable: true, get: () => String(++reads) });
    infoOnly.log.debug('message processed', fields);
    expect(reads).toBe(0);
    infoOnly.log.child({ channel: 'c1' }).debug('message processed', fields);
    expect(reads).toBe(0);
    infoOnly.log.info('message processed', fields);
    expect(reads).toBeGreaterThan(0);
    expect(infoOnly.lines().map((l) => l.message)).toEqual(['message processed']);
  });
});

describe('scrubValue and redactFields', () => {
  it.each([
    ['plain text', 'plain text'],
    ['MSH|^~\\&|A', '[redacted:hl7]'],
    ['"PID|1', '[redacted:hl7]'],
    ['ZX1|a', '[redacted:hl7]'],
    ['a|b|', '[redacted:hl7]'],
    ['A^B', '[redacted:hl7]'],
    ['one|separator', 'one|separator'],
    ['XPID|1 is not a segment start', 'XPID|1 is not a segment start'],
  ])('scrubValue(%j) → %j', (input, expected) => expect(scrubValue(input)).toBe(expected));

  it('leaves non-strings alone', () => {
    expect(scrubValue(5)).toBe(5);
    expect(scrubValue(false)).toBe(false);
    expect(scrubValue(null)).toBeNull();
    expect(scrubValue(undefined)).toBeUndefined();
  });

  it('redactFields handles undefined and keeps key order', () => {
    expect(redactFields(undefined)).toEqual({});
    expect(Object.keys(redactFields({ b: 1, messageId: '2', a: 3 }))).toEqual(['b', 'messageId', 'a']);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// PHI-safety lint: every log call's event (first argument) is a fixed string written in code.

const LOG_METHODS = new Set(['debug', 'info', 'warn', 'error']);

interface Violation { file: string; line: number; text: string }

/**
 * Calls `<anything>.debug|info|warn|error(first, ...)` whose first argument is not a plain string literal
 * ('...', "..." or a template literal without ${}). `console.*` in src/cli and src/bench (terminal tools, synthetic data only) is exempt: that is the CLI's own
 * terminal output (usage and config errors), not the engine log; anywhere else console is itself a violation.
 */
function logCallViolations(fileName: string, source: string): Violation[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const cliFile = /(^|[\\/])src[\\/](cli|bench)[\\/]/.test(fileName);
  const out: Violation[] = [];
  const report = (node: ts.Node): void => {
    out.push({ file: fileName, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, text: node.getText(sf).slice(0, 120) });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const method = node.expression.name.text;
      const receiver = node.expression.expression;
      const isConsole = ts.isIdentifier(receiver) && receiver.text === 'console';
      if (isConsole && !cliFile) report(node);
      else if (!isConsole && LOG_METHODS.has(method)) {
        const first = node.arguments[0];
        if (!first || !(ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first))) report(node);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(full);
    return e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

describe('PHI-safety lint over every log call site in src/', () => {
  it('flags non-literal events and accepts literal ones (the checker itself)', () => {
    const bad = [
      'log.info(`processed ${id}`, {});',
      'logger.warn(msg);',
      'this.deps.logger.error("failed: " + err.message, {});',
      'x.debug();',
      'opts.logger.info(String(e), {});',
      'foo.error(err.message);',
      'console.log("hi");',
    ];
    for (const code of bad) expect(logCallViolations('src/x.ts', code)).toHaveLength(1);
    const good = [
      "log.info('processed', { messageId: id });",
      'logger.warn("store down");',
      'this.log.error(`mllp handler failed`, { error });',
      '// log.info(event, fields) in a comment',
      "const s = 'log.info(x)';",
      'items.map((x) => x.id);',
    ];
    for (const code of good) expect(logCallViolations('src/x.ts', code)).toEqual([]);
    expect(logCallViolations('src/cli/main.ts', 'console.error(`rxbridge: ${reason}`);')).toEqual([]);
  });

  it('finds no violation in the current source tree', () => {
    const root = path.join(__dirname, '../../src');
    const files = tsFiles(root);
    expect(files.length).toBeGreaterThan(20);
    const violations = files.flatMap((f) => logCallViolations(path.relative(path.join(root, '..'), f), fs.readFileSync(f, 'utf8')));
    expect(violations).toEqual([]);
  });
});
