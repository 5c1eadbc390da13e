/**
 * Channel keys for source limits and retention (src/channels/schema.ts): source.allowFrom,
 * source.maxConnectionsPerIp and retention.bodiesDays — defaults, accepted forms, and errors at file:line:col.
 */
import { mllpSource } from '../../src/channels/schema';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../src/core/config-file';
import { loadChannels } from '../../src/channels/load';
import { isAddressOrCidr } from '../../src/channels/schema';

let root: string;
let n = 0;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-limits-'));
  fs.mkdirSync(path.join(root, 'mappings'));
  fs.writeFileSync(path.join(root, 'mappings', 'dft-p03.yaml'), '# stub\n');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Loads one channel whose source has `sourceLines` added (and `tail` appended to the file). */
function load(sourceLines: string[], tail = '') {
  const dir = path.join(root, `c${++n}`);
  fs.mkdirSync(dir);
  const text = ['name: lab', 'source:', '  type: mllp', '  port: 2600', ...sourceLines.map((l) => `  ${l}`),
    'accept: [DFT^P03]', 'routes:', '  - types: [DFT^P03]', '    mapping: dft-p03', tail].join('\n');
  fs.writeFileSync(path.join(dir, 'lab.yaml'), text);
  return loadChannels({ dir, mappingsDir: path.join(root, 'mappings'), env: {} })[0]!;
}

function problems(sourceLines: string[], tail = ''): string[] {
  try {
    load(sourceLines, tail);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.line}:${i.col}: ${i.reason}`);
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('source.allowFrom and source.maxConnectionsPerIp', () => {
  test('defaults: any address, 16 connections per address, bodies kept', () => {
    const plan = load([]);
    expect(mllpSource(plan).allowFrom).toBeUndefined();
    expect(mllpSource(plan).maxConnectionsPerIp).toBe(16);
    expect(plan.retention).toEqual({ bodiesDays: null });
  });

  test('addresses and CIDR blocks, IPv4 and IPv6, block or flow lists', () => {
    expect(load(['allowFrom: [10.0.0.0/8, 127.0.0.1, "2001:db8::/32", "::1"]', 'maxConnectionsPerIp: 4']).source)
      .toMatchObject({ allowFrom: ['10.0.0.0/8', '127.0.0.1', '2001:db8::/32', '::1'], maxConnectionsPerIp: 4 });
    expect(mllpSource(load(['allowFrom:', '  - 192.168.1.0/24', '  - 192.168.2.7'])).allowFrom).toEqual(['192.168.1.0/24', '192.168.2.7']);
  });

  test('bad entries are reported at their position', () => {
    expect(problems(['allowFrom: [10.0.0.0/8, 10.0.0.0/33, pharmacy.example.org, 10.1.1.1/8x]'])).toEqual([
      '5:27: allowFrom[1] must be an IP address or CIDR block such as 10.0.0.0/8 or 192.168.1.20',
      '5:40: allowFrom[2] must be an IP address or CIDR block such as 10.0.0.0/8 or 192.168.1.20',
      '5:62: allowFrom[3] must be an IP address or CIDR block such as 10.0.0.0/8 or 192.168.1.20',
    ]);
    expect(problems(['allowFrom: []'])[0]).toMatch(/^5:\d+: .*allowFrom needs at least one address/);
    expect(problems(['allowFrom: [127.0.0.1, 127.0.0.1]'])).toEqual(['5:26: 127.0.0.1 is listed twice in allowFrom']);
    expect(problems(['maxConnectionsPerIp: 0'])).toEqual(['5:24: maxConnectionsPerIp must be an integer from 1 to 10000']);
  });

  test('isAddressOrCidr', () => {
    for (const ok of ['0.0.0.0/0', '10.0.0.0/8', '255.255.255.255', '::/0', 'fe80::1/64', '::ffff:10.0.0.1']) expect(isAddressOrCidr(ok)).toBe(true);
    for (const bad of ['10.0.0.0/', '10.0.0/8', '::1/129', '10.0.0.1/-1', 'localhost', '', '10.0.0.0/8/8']) expect(isAddressOrCidr(bad)).toBe(false);
  });
});

describe('retention.bodiesDays', () => {
  test('a number of days, or absent', () => {
    expect(load([], 'retention:\n  bodiesDays: 90\n').retention).toEqual({ bodiesDays: 90 });
    expect(load([], 'retention: {}\n').retention).toEqual({ bodiesDays: null });
  });

  test('zero, fractions and unknown keys are refused', () => {
    expect(problems([], 'retention:\n  bodiesDays: 0\n')).toEqual(['10:15: bodiesDays must be an integer from 1 to 36500']);
    expect(problems([], 'retention:\n  days: 5\n')).toEqual(['10:3: unknown key "days" (allowed: bodiesDays)']);
  });
});
