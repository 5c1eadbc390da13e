/**
 * The channel file's `knownSenders` (slots reserved for known senders), `source.tls.allowClients` and
 * `alerts.slotsExhausted` (src/channels/schema.ts): accepted forms, the plan the listener gets, and errors at
 * file:line:col.
 */
import { mllpSource } from '../../src/channels/schema';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../src/core/config-file';
import { loadChannels } from '../../src/channels/load';

let root: string;
let n = 0;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-known-'));
  fs.mkdirSync(path.join(root, 'mappings'));
  fs.writeFileSync(path.join(root, 'mappings', 'dft-p03.yaml'), '# stub\n');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Loads one channel with `sourceLines` added to its source and `tail` (top-level lines) appended. */
function load(sourceLines: string[], tail: string[] = []) {
  const dir = path.join(root, `c${++n}`);
  fs.mkdirSync(dir);
  const text = ['name: lab', 'source:', '  type: mllp', '  port: 2600', ...sourceLines.map((l) => `  ${l}`),
    'accept: [DFT^P03]', 'routes:', '  - types: [DFT^P03]', '    mapping: dft-p03', ...tail, ''].join('\n');
  fs.writeFileSync(path.join(dir, 'lab.yaml'), text);
  return loadChannels({ dir, mappingsDir: path.join(root, 'mappings'), env: {} })[0]!;
}

function problems(sourceLines: string[], tail: string[] = []): string[] {
  try {
    load(sourceLines, tail);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.line}:${i.col}: ${i.reason}`);
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const TLS = ['tls:', '  cert: server.pem', '  key: server.key', '  ca: ca.pem', '  requestClientCert: true'];

describe('knownSenders', () => {
  test('absent: no slot reserved', () => {
    expect(mllpSource(load([])).knownSenders).toBeUndefined();
  });

  test('addresses and certificate names with reserved slots reach the plan with the source', () => {
    const plan = load(['maxConnections: 32', ...TLS, '  allowClients: [store01.pharmsys.example, store02]'],
      ['knownSenders:', '  addresses: [10.20.1.5, 10.20.2.0/24]', '  clients: [store01.pharmsys.example]', '  reservedSlots: 8']);
    expect(mllpSource(plan).knownSenders).toEqual({ addresses: ['10.20.1.5', '10.20.2.0/24'], clients: ['store01.pharmsys.example'], reservedSlots: 8 });
    expect(mllpSource(plan).tls?.allowClients).toEqual(['store01.pharmsys.example', 'store02']);
  });

  test('mistakes are reported at their position', () => {
    expect(problems([], ['knownSenders:', '  addresses: [10.20.1.5, pharmacy.example, 10.20.1.5]', '  reservedSlots: 0'])).toEqual([
      '10:26: addresses[1] must be an IP address or CIDR block such as 10.0.0.0/8 or 192.168.1.20',
      '10:44: 10.20.1.5 is listed twice in knownSenders.addresses',
      '11:18: reservedSlots must be an integer from 1 to 10000',
    ]);
    expect(problems([], ['knownSenders:', '  reservedSlots: 4'])).toEqual([
      '10:3: knownSenders needs addresses or clients (whom the reserved slots are for)',
    ]);
    expect(problems(['maxConnections: 8'], ['knownSenders:', '  addresses: [10.20.1.5]', '  reservedSlots: 8'])).toEqual([
      '12:18: knownSenders.reservedSlots (8) must be below source.maxConnections (8): other senders need at least one slot (use source.allowFrom to refuse them)',
    ]);
    expect(problems([], ['knownSenders:', '  clients: [store01]', '  reservedSlots: 2'])).toEqual([
      '10:12: knownSenders.clients needs source.tls with requestClientCert: true (and ca): without client certificates there is no name to match',
    ]);
  });

  test('tls.allowClients needs client certificates', () => {
    expect(problems(['tls:', '  cert: a.pem', '  key: a.key', '  allowClients: [store01]'])).toEqual([
      '8:19: allowClients needs requestClientCert: true (and ca): without client certificates there is no name to check',
    ]);
  });
});

describe('alerts.slotsExhausted', () => {
  test('a rule of its own', () => {
    expect(load([], ['alerts:', '  slotsExhausted: true']).alerts).toMatchObject({ slotsExhausted: true });
    expect(problems([], ['alerts:', '  slotsExhausted: yes please'])).toEqual(['10:19: slotsExhausted must be true or false']);
  });
});
