/**
 * `rxbridge doctor` on file and SFTP channel sources (checkChannelSources): a file source's folders must exist and be
 * writable; an SFTP source's secrets must be readable (no connection, no value shown).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadChannels } from '../../src/channels/load';
import { checkChannelSources } from '../../src/cli/doctor';

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-doctor-src-'));
  fs.mkdirSync(path.join(root, 'mappings'));
  fs.writeFileSync(path.join(root, 'mappings', 'dft-p03.yaml'), '# stub\n');
  fs.mkdirSync(path.join(root, 'channels'));
  fs.mkdirSync(path.join(root, 'in'));
  const channel = (name: string, source: string[]) =>
    fs.writeFileSync(
      path.join(root, 'channels', `${name}.yaml`),
      [`name: ${name}`, 'source:', ...source.map((l) => `  ${l}`), 'accept: [DFT^P03]', 'routes: [{ types: [DFT^P03], mapping: dft-p03 }]', ''].join('\n'),
    );
  channel('files', ['type: file', 'dir: ../in', 'archiveDir: ../missing']);
  channel('remote', ['type: sftp', 'host: h', 'username: u', `hostKeyFingerprint: "SHA256:${'b'.repeat(43)}"`, 'auth: { privateKeyFile: ../no-key, passwordEnv: SFTP_PW }', 'dir: /out', 'archiveDir: /done']);
  channel('remote2', ['type: sftp', 'host: h', 'username: u', `hostKeyFingerprint: "SHA256:${'b'.repeat(43)}"`, 'auth: { passwordEnv: SFTP_PW }', 'dir: /out', 'archiveDir: /done']);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

test('a missing archive folder and an unreadable key fail; a set variable passes without showing its value', () => {
  const channels = loadChannels({ dir: path.join(root, 'channels'), mappingsDir: path.join(root, 'mappings'), env: {} });
  const lines: string[] = [];
  checkChannelSources(channels, { SFTP_PW: 'secret-value' }, (level, check, detail) => lines.push(`${level} ${check}: ${detail}`));
  expect(lines).toEqual([
    `FAIL file source (files): ${path.join(root, 'missing')} cannot be written by this user (it does not exist)`,
    expect.stringMatching(/^FAIL sftp source \(remote\): channel remote: the private key file .*no-key cannot be read \(ENOENT\)$/),
    'ok sftp source (remote2): u@h:22/out, host key SHA256:' + 'b'.repeat(43) + ', secrets readable',
  ]);
  expect(lines.join('\n')).not.toContain('secret-value');
});
