import { mllpSource } from '../../src/channels/schema';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, parseConfigText } from '../../src/core/config-file';
import { loadChannels } from '../../src/channels/load';
import { buildChannelPlan, channelFileSchema } from '../../src/channels/schema';

const REPO_CHANNELS = path.join(__dirname, '../../channels');

let root: string;
let mappingsDir: string;
let caseNo = 0;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-channels-'));
  mappingsDir = path.join(root, 'mappings');
  fs.mkdirSync(mappingsDir);
  fs.writeFileSync(path.join(mappingsDir, 'dft-p03.yaml'), '# stub mapping\n');
  fs.writeFileSync(path.join(mappingsDir, 'adt.yaml'), '# stub mapping\n');
  for (const name of ['rds', 'ras-o17', 'vxu-v04', 'oru-r01', 'adt-a40']) fs.writeFileSync(path.join(mappingsDir, `${name}.yaml`), '# stub mapping\n');
});
afterAll(() => { fs.rmSync(root, { recursive: true, force: true }); });

/** A fresh channel dir holding `files` (name → YAML text). */
function channelDir(files: Record<string, string>): string {
  const dir = path.join(root, `case-${++caseNo}`);
  fs.mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

/** A minimal valid channel; line numbers matter to the tests (name: line 1, port: line 5, mapping: line 10). */
function channel(name: string, port: number | string, extra: { mapping?: string; enabled?: boolean; host?: string } = {}): string {
  return [
    `name: ${name}`,
    `enabled: ${extra.enabled ?? true}`,
    'source:',
    '  type: mllp',
    `  port: ${port}`,
    `  host: ${extra.host ?? '0.0.0.0'}`,
    'accept: [ADT^A04, DFT^P03]',
    'routes:',
    '  - types: [DFT^P03]',
    `    mapping: ${extra.mapping ?? 'dft-p03'}`,
    '',
  ].join('\n');
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const load = (dir: string, env: Record<string, string | undefined> = {}) => loadChannels({ dir, mappingsDir, env });
const fail = (dir: string, env: Record<string, string | undefined> = {}) => configError(() => load(dir, env));

describe('the shipped channels/pharmacy-inbound.yaml', () => {
  const shipped = (env: Record<string, string | undefined> = {}) => {
    const plan = load(REPO_CHANNELS, env).find((p) => p.name === 'pharmacy-inbound');
    if (!plan) throw new Error('pharmacy-inbound not loaded');
    return plan;
  };

  it('loads with env defaults and every default filled in', () => {
    const plan = shipped();
    expect(plan.file).toBe(path.join(REPO_CHANNELS, 'pharmacy-inbound.yaml'));
    expect(plan.enabled).toBe(true);
    expect(plan.description).toMatch(/^Pharmacy system feed: /);
    expect(plan.source).toEqual({
      type: 'mllp', host: '0.0.0.0', port: 2575, maxFrameBytes: 1_048_576, idleTimeoutMs: 300_000,
      maxConnections: 64, maxConnectionsPerIp: 16, charset: 'UTF-8',
    });
    expect(plan.retention).toEqual({ bodiesDays: null });
    expect([...plan.accept]).toEqual(['ADT^A04', 'ADT^A08', 'ADT^A31', 'ADT^A40', 'BAR^P01', 'DFT^P03', 'DFT^P11', 'RDE^O11', 'RDE^O01', 'RDS^O13', 'RDS^O01', 'RAS^O17', 'RAS^O01', 'VXU^V04', 'ORU^R01']);
    expect([...plan.processingIds]).toEqual(['P', 'T', 'D']);
    expect(plan.duplicateWindowMs).toBe(72 * 3_600_000);
    expect(plan.pipeline).toEqual({ attempts: 5, backoffMs: 1000, concurrency: 4 });
    expect(plan.routes.map((r) => ({ types: [...r.types], mapping: r.mapping }))).toEqual([
      { types: ['ADT^A04', 'ADT^A08', 'ADT^A31', 'BAR^P01', 'RDE^O11', 'RDE^O01'], mapping: 'adt' },
      { types: ['ADT^A40'], mapping: 'adt-a40' },
      { types: ['DFT^P03', 'DFT^P11'], mapping: 'dft-p03' },
      { types: ['RDS^O13', 'RDS^O01'], mapping: 'rds' },
      { types: ['RAS^O17', 'RAS^O01'], mapping: 'ras-o17' },
      { types: ['VXU^V04'], mapping: 'vxu-v04' },
      { types: ['ORU^R01'], mapping: 'oru-r01' },
    ]);
    expect(plan.routeFor('DFT^P03')).toBe('dft-p03');
    expect(plan.routeFor('ADT^A08')).toBe('adt');
    expect(plan.routeFor('RDE^O11')).toBe('adt');
    expect(plan.routeFor('RAS^O17')).toBe('ras-o17');
    expect(plan.routeFor('DFT^P11')).toBe('dft-p03');
  });

  it('MLLP_PORT and MLLP_HOST change the listener', () => {
    const plan = shipped({ MLLP_PORT: '3000', MLLP_HOST: '127.0.0.1' });
    expect(mllpSource(plan).port).toBe(3000);
    expect(mllpSource(plan).host).toBe('127.0.0.1');
  });

  it('a bad MLLP_PORT is reported at the port line of the shipped file', () => {
    const file = path.join(REPO_CHANNELS, 'pharmacy-inbound.yaml');
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const line = lines.findIndex((l) => /^\s+port: /.test(l)) + 1;
    const col = lines[line - 1]!.indexOf('$') + 1;
    const err = fail(REPO_CHANNELS, { MLLP_PORT: '99999' });
    expect(err.issues).toContainEqual({ file, line, col, reason: 'port must be an integer from 1 to 65535' });
  });

  it('the plan is frozen, sets included', () => {
    const plan = shipped();
    expect(Object.isFrozen(plan)).toBe(true);
    expect(Object.isFrozen(plan.source)).toBe(true);
    expect(() => (plan.accept as Set<string>).add('ADT^A01')).toThrow(TypeError);
    expect(() => (plan.routes[2]!.types as Set<string>).delete('DFT^P03')).toThrow(TypeError);
    expect(() => { (plan.source as { port: number }).port = 1; }).toThrow(TypeError);
  });
});

describe('loadChannels', () => {
  it('fills defaults for a minimal channel and returns plans sorted by file name, skipping *.test.yaml', () => {
    const dir = channelDir({
      'b.yaml': channel('beta', 2601),
      'a.yaml': channel('alpha', 2600),
      'a.test.yaml': 'not: a channel\n',
      'notes.txt': 'ignored',
    });
    const plans = load(dir);
    expect(plans.map((p) => p.name)).toEqual(['alpha', 'beta']);
    expect(plans[0]).toMatchObject({
      description: '', enabled: true, duplicateWindowMs: 72 * 3_600_000,
      source: { maxFrameBytes: 1_048_576, idleTimeoutMs: 300_000, maxConnections: 64, charset: 'UTF-8' },
      pipeline: { attempts: 5, backoffMs: 1000, concurrency: 4 },
    });
    expect([...plans[0]!.processingIds]).toEqual(['P', 'T', 'D']);
  });

  it('an empty directory (or only *.test.yaml files) is an error', () => {
    const empty = channelDir({});
    expect(fail(empty).message).toBe(`${empty}: no channel files in ${empty}`);
    const onlyTests = channelDir({ 'x.test.yaml': channel('x', 2600) });
    expect(fail(onlyTests).message).toContain(`no channel files in ${onlyTests}`);
  });

  it('a missing directory is an error', () => {
    const dir = path.join(root, 'does-not-exist');
    expect(fail(dir).issues).toEqual([{ file: dir, line: 0, col: 0, reason: 'cannot read channel directory (ENOENT)' }]);
  });

  it('duplicate channel names: at the second file\'s name', () => {
    const dir = channelDir({ 'a.yaml': channel('same', 2600), 'b.yaml': channel('same', 2601) });
    expect(fail(dir).issues).toEqual([{
      file: path.join(dir, 'b.yaml'), line: 1, col: 7,
      reason: `channel name "same" is already used by ${path.join(dir, 'a.yaml')}`,
    }]);
  });

  it('two enabled channels on one host:port: at the second file\'s port', () => {
    const dir = channelDir({ 'a.yaml': channel('one', 2600), 'b.yaml': channel('two', 2600) });
    expect(fail(dir).issues).toEqual([{
      file: path.join(dir, 'b.yaml'), line: 5, col: 9,
      reason: `port 2600 on 0.0.0.0 is already used by enabled channel "one" (${path.join(dir, 'a.yaml')})`,
    }]);
  });

  it('a wildcard host clashes with a specific host on the same port', () => {
    const dir = channelDir({ 'a.yaml': channel('one', 2600, { host: '127.0.0.1' }), 'b.yaml': channel('two', 2600) });
    expect(fail(dir).issues).toEqual([expect.objectContaining({ file: path.join(dir, 'b.yaml'), line: 5, col: 9 })]);
  });

  it('no clash when one channel is disabled, or the hosts are distinct', () => {
    const disabled = channelDir({ 'a.yaml': channel('one', 2600, { enabled: false }), 'b.yaml': channel('two', 2600) });
    expect(load(disabled).map((p) => p.enabled)).toEqual([false, true]);
    const hosts = channelDir({
      'a.yaml': channel('one', 2600, { host: '127.0.0.1' }),
      'b.yaml': channel('two', 2600, { host: '10.0.0.5' }),
    });
    expect(load(hosts)).toHaveLength(2);
  });

  it('ports from env count for clashes', () => {
    const dir = channelDir({ 'a.yaml': channel('one', '${A_PORT}'), 'b.yaml': channel('two', '${B_PORT:-2700}') });
    expect(load(dir, { A_PORT: '2600' }).map((p) => mllpSource(p).port)).toEqual([2600, 2700]);
    expect(fail(dir, { A_PORT: '2700' }).issues).toEqual([expect.objectContaining({ line: 5, col: 9 })]);
  });

  it('a route type not in accept: at the offending entry', () => {
    const text = channel('one', 2600).replace('types: [DFT^P03]', 'types: [DFT^P03, RDS^O13]');
    const dir = channelDir({ 'a.yaml': text });
    expect(fail(dir).issues).toEqual([{
      file: path.join(dir, 'a.yaml'), line: 9, col: 22,
      reason: 'route type RDS^O13 is not in accept (add it there or remove it here)',
    }]);
  });

  it('a type routed twice: at the second route\'s entry', () => {
    const text = `${channel('one', 2600)}  - types:\n      - ADT^A04\n      - DFT^P03\n    mapping: adt\n`;
    const dir = channelDir({ 'a.yaml': text });
    expect(fail(dir).issues).toEqual([{
      file: path.join(dir, 'a.yaml'), line: 13, col: 9, reason: 'DFT^P03 already has a route (routes[0])',
    }]);
  });

  it('a malformed message type and a repeated accept entry: at the entries', () => {
    const bad = channel('one', 2600).replace('accept: [ADT^A04, DFT^P03]', 'accept: [ADT^A04, DFT^P03, adt^a08]');
    const twice = channel('two', 2601).replace('accept: [ADT^A04, DFT^P03]', 'accept: [ADT^A04, DFT^P03, ADT^A04]');
    const dir = channelDir({ 'a.yaml': bad, 'b.yaml': twice });
    expect(fail(dir).issues).toEqual([
      expect.objectContaining({ file: path.join(dir, 'a.yaml'), line: 7, col: 28, reason: expect.stringMatching(/^accept\[2\] must be a message type such as ADT\^A04/) }),
      { file: path.join(dir, 'b.yaml'), line: 7, col: 28, reason: 'ADT^A04 is listed twice in accept' },
    ]);
  });

  it('a missing mapping file: at the mapping value', () => {
    const dir = channelDir({ 'a.yaml': channel('one', 2600, { mapping: 'nope' }) });
    expect(fail(dir).issues).toEqual([{
      file: path.join(dir, 'a.yaml'), line: 10, col: 14,
      reason: `mapping file ${path.join(mappingsDir, 'nope.yaml')} not found`,
    }]);
  });

  it('reports the issues of every file in one error, in file order', () => {
    const dir = channelDir({
      'a.yaml': channel('one', 2600).replace('  type: mllp', '  type: mllp\n  prot: 1'),
      'b.yaml': channel('two', 2601, { mapping: 'nope' }),
      'c.yaml': 'name: three\nx: y: z\n',
      'd.yaml': channel('four', 2602),
    });
    const err = fail(dir);
    expect(err.issues.map((i) => `${path.basename(i.file)}:${i.line}:${i.col}`)).toEqual(['a.yaml:5:3', 'b.yaml:10:14', 'c.yaml:2:4']);
    expect(err.message.split('\n')[0]).toBe(
      `${path.join(dir, 'a.yaml')}:5:3: unknown key "prot" (allowed: type, host, port, maxFrameBytes, idleTimeoutMs, maxConnections, maxConnectionsPerIp, allowFrom, charset, tls)`,
    );
  });
});

describe('channelFileSchema', () => {
  const parse = (text: string) => parseConfigText(text, 'c.yaml', channelFileSchema, {});
  const base = channel('one', 2600);

  it('rejects bad names, charsets, processing ids and out-of-range numbers with plain reasons', () => {
    const text = base
      .replace('name: one', 'name: One_Channel')
      .replace('  type: mllp', '  type: mllp\n  charset: latin1')
      .replace('accept:', 'processingIds: [P, X]\npipeline:\n  attempts: 0\naccept:');
    const err = configError(() => parse(text));
    expect(err.issues.map((i) => `${i.line}:${i.col}: ${i.reason}`)).toEqual([
      '1:7: name must be a channel name: lower-case letters, digits and "-"',
      '5:12: charset: expected one of UTF-8, ISO-8859-1, windows-1252, ASCII',
      '8:20: processingIds[1]: expected one of P, T, D',
      '10:13: attempts must be an integer from 1 to 100',
    ]);
  });

  it('requires at least one accept entry and a port', () => {
    const err = configError(() => parse(base.replace('accept: [ADT^A04, DFT^P03]', 'accept: []').replace('  port: 2600\n', '')
      .replace('routes:\n  - types: [DFT^P03]\n    mapping: dft-p03\n', '')));
    expect(err.issues.map((i) => `${i.line}:${i.col}: ${i.reason}`)).toEqual([
      '4:3: missing required key "port"',
      '6:9: accept needs at least 1 entry',
    ]);
  });

  it('duplicates.windowHours 0 turns the window off; routeFor covers every type of a route', () => {
    const text = `${base.replace('accept: [ADT^A04, DFT^P03]', 'accept: [ADT^A04, DFT^P03, DFT^P11]')
      .replace('types: [DFT^P03]', 'types: [DFT^P03, DFT^P11]')}duplicates:\n  windowHours: 0\n`;
    const plan = buildChannelPlan(parse(text), 'c.yaml');
    expect(plan.duplicateWindowMs).toBe(0);
    expect(plan.routeFor('DFT^P11')).toBe('dft-p03');
  });
});

describe('source.tls', () => {
  test('relative TLS paths resolve against the channel file folder; defaults filled in', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-tls-ch-'));
    const mappings = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-tls-map-'));
    fs.writeFileSync(path.join(mappings, 'dft-p03.yaml'), 'name: dft-p03\n');
    fs.writeFileSync(path.join(dir, 'a.yaml'), [
      'name: a', 'source:', '  type: mllp', '  port: 2575', '  tls:', '    cert: certs/server.crt', '    key: certs/server.key',
      'accept: [DFT^P03]', 'routes:', '  - types: [DFT^P03]', '    mapping: dft-p03', '',
    ].join('\n'));
    const [plan] = loadChannels({ dir, mappingsDir: mappings, env: {} });
    expect(mllpSource(plan!).tls).toEqual({
      cert: path.join(dir, 'certs/server.crt'), key: path.join(dir, 'certs/server.key'), ca: undefined,
      requestClientCert: false, minVersion: 'TLSv1.2',
    });
  });
});

describe('applicationAcks (destination of enhanced-mode application ACKs)', () => {
  it('absent by default; given, its defaults are filled in', () => {
    expect(load(channelDir({ 'a.yaml': channel('a', 2575) }))[0]!.applicationAcks).toBeNull();
    const text = `${channel('b', 2576)}applicationAcks:\n  host: \${ACK_HOST:-10.1.2.3}\n  port: 2580\n`;
    expect(load(channelDir({ 'b.yaml': text }))[0]!.applicationAcks).toEqual({ host: '10.1.2.3', port: 2580, timeoutMs: 10_000, attempts: 10, backoffMs: 5_000 });
  });

  it('a bad port or an unknown key fails with file:line', () => {
    const text = `${channel('c', 2577)}applicationAcks:\n  host: 10.1.2.3\n  port: 70000\n  retries: 3\n`;
    const err = fail(channelDir({ 'c.yaml': text }));
    expect(err.message).toMatch(/c\.yaml:13:\d+: port must be an integer from 1 to 65535/);
    expect(err.message).toMatch(/c\.yaml:14:\d+: .*retries/);
  });
});

describe('acks (answers on the sender connection)', () => {
  it('immediate by default; standard by default when the channel has an applicationAcks destination', () => {
    const plain = load(channelDir({ 'a.yaml': channel('a', 2575) }))[0]!;
    expect(plain.acks).toEqual({ mode: 'immediate', timeoutMs: 10_000, senders: {} });
    expect(plain.ackPolicyFor('RXSYS|PHARM01')).toEqual({ mode: 'immediate', timeoutMs: 10_000 });
    const withDestination = `${channel('b', 2576)}applicationAcks:\n  host: 10.1.2.3\n  port: 2580\n`;
    expect(load(channelDir({ 'b.yaml': withDestination }))[0]!.acks.mode).toBe('standard');
  });

  it('per-sender overrides take the channel timeout unless they name their own', () => {
    const text = `${channel('c', 2577)}acks:\n  mode: immediate\n  timeoutMs: 4000\n  senders:\n`
      + '    "IMMUNREG|STATE": { mode: standard }\n    "RXSYS|PHARM01": { mode: after-processing, timeoutMs: 2500 }\n';
    const plan = load(channelDir({ 'c.yaml': text }))[0]!;
    expect(plan.ackPolicyFor('IMMUNREG|STATE')).toEqual({ mode: 'standard', timeoutMs: 4000 });
    expect(plan.ackPolicyFor('RXSYS|PHARM01')).toEqual({ mode: 'after-processing', timeoutMs: 2500 });
    expect(plan.ackPolicyFor('OTHER|SITE')).toEqual({ mode: 'immediate', timeoutMs: 4000 });
  });

  it('an unknown mode, a sender not written MSH-3|MSH-4, and applicationAcks under immediate fail with file:line', () => {
    const bad = fail(channelDir({ 'd.yaml': `${channel('d', 2578)}acks:\n  mode: lazy\n  senders:\n    RXSYS: { mode: standard }\n` }));
    expect(bad.issues.map((i) => [i.line, i.reason])).toEqual([
      [12, expect.stringMatching(/mode/)],
      [14, expect.stringMatching(/sender RXSYS must be written MSH-3\|MSH-4/)],
    ]);
    const unused = fail(channelDir({ 'e.yaml': `${channel('e', 2579)}acks:\n  mode: immediate\napplicationAcks:\n  host: 10.1.2.3\n  port: 2580\n` }));
    expect(unused.issues[0]!.reason).toMatch(/applicationAcks are sent only under acks mode standard \(here immediate\)/);
  });
});
