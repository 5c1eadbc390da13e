/**
 * ChannelFileEditor (src/channels/file-editor.ts) on real temp folders with the engine's loader: a save checks the
 * text with the other files on disk, refuses a stale version and a rename, writes atomically, and writes the old
 * text back when the reload after the write refuses the files after all.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChannelFileEditor, textSha256 } from '../../src/channels/file-editor';
import { loadChannels } from '../../src/channels/load';
import { ChannelRegistry } from '../../src/channels/registry';
import { ConfigError } from '../../src/core/config-file';
import type { ChannelReloadResult } from '../../src/channels/reloader';

function channel(name: string, port: number, enabled = true): string {
  return [`name: ${name}`, `enabled: ${enabled}`, 'source:', '  type: mllp', `  port: ${port}`, '  host: 127.0.0.1',
    'accept: [DFT^P03]', 'routes:', '  - types: [DFT^P03]', '    mapping: dft-p03', ''].join('\n');
}

describe('ChannelFileEditor', () => {
  let root: string;
  let dir: string;
  let mappingsDir: string;
  /** What the next reload does before loading (e.g. break another file on disk). */
  let beforeReload: () => void;
  let editor: ChannelFileEditor;
  let registry: ChannelRegistry;

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-chanedit-'));
    dir = path.join(root, 'channels');
    mappingsDir = path.join(root, 'mappings');
    fs.mkdirSync(dir);
    fs.mkdirSync(mappingsDir);
    fs.writeFileSync(path.join(mappingsDir, 'dft-p03.yaml'), '# stub\n');
    fs.writeFileSync(path.join(dir, 'a.yaml'), channel('alpha', 7001));
    fs.writeFileSync(path.join(dir, 'b.yaml'), channel('beta', 7002));
    beforeReload = () => undefined;
    const load = (candidate?: { file: string; text: string }) => loadChannels({ dir, mappingsDir, env: {}, candidate });
    registry = new ChannelRegistry(load());
    editor = new ChannelFileEditor({
      registry,
      check: load,
      mappingLoaded: () => true,
      reload: async (): Promise<ChannelReloadResult> => {
        beforeReload();
        try {
          registry.replace(load());
          return { ok: true, channels: [] };
        } catch (err) {
          if (err instanceof ConfigError) return { ok: false, issues: [...err.issues] };
          throw err;
        }
      },
    });
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('reads the file with its version; an unknown channel is NOT_FOUND', () => {
    const read = editor.read('alpha');
    expect(read).toEqual({ name: 'alpha', file: 'a.yaml', text: channel('alpha', 7001), sha256: textSha256(channel('alpha', 7001)) });
    expect(() => editor.read('gamma')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  test('a port another enabled channel holds, a stale version and a rename are refused; nothing is written', async () => {
    const { sha256 } = editor.read('alpha');
    const clash = await editor.save('alpha', channel('alpha', 7002), sha256);
    // b.yaml comes after a.yaml: the clash is reported at b.yaml's port line.
    expect(clash).toEqual({ ok: false, issues: [expect.objectContaining({ file: path.join(dir, 'b.yaml'), line: 5 })] });
    await expect(editor.save('alpha', channel('alpha', 7003), '0'.repeat(64))).rejects.toMatchObject({ code: 'CONFLICT' });
    const renamed = await editor.save('alpha', channel('gamma', 7003), sha256);
    expect(renamed).toEqual({ ok: false, issues: [expect.objectContaining({ reason: expect.stringContaining('renaming') })] });
    expect(fs.readFileSync(path.join(dir, 'a.yaml'), 'utf8')).toBe(channel('alpha', 7001));
    // Disabled, the other channel's port is free to take.
    const disabled = await editor.save('alpha', channel('alpha', 7002, false), sha256);
    expect(disabled).toMatchObject({ ok: true, sha256: textSha256(channel('alpha', 7002, false)) });
    expect(registry.get('alpha')!.enabled).toBe(false);
    expect(fs.readdirSync(dir).sort()).toEqual(['a.yaml', 'b.yaml']);
  });

  test('when the reload after the write refuses the files, the old text is written back', async () => {
    const { sha256 } = editor.read('alpha');
    beforeReload = () => fs.writeFileSync(path.join(dir, 'b.yaml'), 'name: [');
    const saved = await editor.save('alpha', channel('alpha', 7005), sha256);
    expect(saved).toEqual({ ok: false, issues: [expect.objectContaining({ file: path.join(dir, 'b.yaml') })] });
    expect(fs.readFileSync(path.join(dir, 'a.yaml'), 'utf8')).toBe(channel('alpha', 7001));
  });
});
