/**
 * Channel files with file, sftp and http sources (src/channels/schema.ts): defaults, paths resolved against the
 * channel file's folder, secrets named (never read), and errors with their line for an unknown type, a missing key,
 * a bad fingerprint, an mllp-only key, and two listeners on one port.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadChannels } from '../../src/channels/load';
import { ConfigError } from '../../src/core/config-file';

let root: string;
let n = 0;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-sources-'));
  fs.mkdirSync(path.join(root, 'mappings'));
  fs.writeFileSync(path.join(root, 'mappings', 'dft-p03.yaml'), '# stub\n');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const FP = `SHA256:${'a'.repeat(43)}`;

function write(files: Record<string, string[]>): string {
  const dir = path.join(root, `c${++n}`);
  fs.mkdirSync(dir);
  for (const [name, source] of Object.entries(files)) {
    const text = [`name: ${name}`, 'source:', ...source.map((l) => `  ${l}`), 'accept: [DFT^P03]', 'routes: [{ types: [DFT^P03], mapping: dft-p03 }]'];
    fs.writeFileSync(path.join(dir, `${name}.yaml`), text.join('\n') + '\n');
  }
  return dir;
}
const load = (dir: string) => loadChannels({ dir, mappingsDir: path.join(root, 'mappings'), env: {} });

function problems(files: Record<string, string[]>, tail?: string): string[] {
  const dir = write(files);
  if (tail) for (const f of fs.readdirSync(dir)) fs.appendFileSync(path.join(dir, f), tail);
  try {
    load(dir);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.line}: ${i.reason}`);
    throw err;
  }
  throw new Error('expected a ConfigError');
}

test('a file source: defaults filled in, folders resolved against the channel file', () => {
  const dir = write({ files: ['type: file', 'dir: in', 'archiveDir: /srv/done'] });
  const [plan] = load(dir);
  expect(plan!.source).toEqual({
    type: 'file',
    dir: path.join(dir, 'in'),
    archiveDir: '/srv/done',
    pattern: '*',
    pollIntervalMs: 10_000,
    minAgeMs: 5_000,
    maxFileBytes: 268_435_456,
    charset: 'UTF-8',
  });
});

test('an sftp source: the secret is named by its file (resolved) or variable, never read', () => {
  const dir = write({
    remote: ['type: sftp', 'host: sftp.example', 'username: rx', `hostKeyFingerprint: "${FP}"`, 'auth: { privateKeyFile: keys/id, passphraseEnv: PASS }', 'dir: /out', 'archiveDir: /out/done'],
  });
  const [plan] = load(dir);
  expect(plan!.source).toMatchObject({ type: 'sftp', port: 22, privateKey: { file: path.join(dir, 'keys/id') }, passphrase: { env: 'PASS' }, connectTimeoutMs: 20_000 });
});

test('an http source: defaults, and a token from a variable', () => {
  const [plan] = load(write({ web: ['type: http', 'port: 8100', 'auth: { tokenEnv: TOKEN }'] }));
  expect(plan!.source).toEqual({ type: 'http', host: '0.0.0.0', port: 8100, path: '/', maxBodyBytes: 1_048_576, charset: 'UTF-8', auth: { env: 'TOKEN' } });
});

test('errors at their line: unknown type, missing keys, bad fingerprint and folder, an mllp key elsewhere', () => {
  expect(problems({ a: ['type: ftp', 'port: 21'] })).toEqual([expect.stringMatching(/^3: .*source.type must be mllp, file, sftp or http/)]);
  expect(problems({ b: ['type: file', 'dir: in'] }).join('\n')).toMatch(/archiveDir/);
  const sftp = problems({ c: ['type: sftp', 'host: h', 'username: u', 'hostKeyFingerprint: MD5:ab', 'auth: {}', 'dir: relative', 'archiveDir: /done'] }).join('\n');
  expect(sftp).toMatch(/hostKeyFingerprint must be SHA256/);
  expect(sftp).toMatch(/absolute folder on the server/);
  expect(sftp).toMatch(/auth needs privateKeyFile/);
  expect(problems({ d: ['type: file', 'dir: in', 'archiveDir: done', 'maxConnections: 4'] }).join('\n')).toMatch(/maxConnections/);
  expect(problems({ e: ['type: http', 'port: 8100', 'auth: { tokenEnv: A, tokenFile: b }'] }).join('\n')).toMatch(/tokenFile or tokenEnv/);
  expect(problems({ f: ['type: file', 'dir: in', 'archiveDir: done'] }, 'knownSenders: { addresses: [10.0.0.1], reservedSlots: 1 }\n').join('\n')).toMatch(
    /knownSenders applies to mllp sources only/,
  );
});

test('an http source and an mllp source on one host and port clash; file sources listen on nothing', () => {
  const clash = problems({ a: ['type: mllp', 'port: 8200'], b: ['type: http', 'port: 8200'], c: ['type: file', 'dir: x', 'archiveDir: y'] });
  expect(clash).toEqual([expect.stringContaining('port 8200 on 0.0.0.0 is already used by enabled channel "a"')]);
});
