/**
 * The outbox holds 837P files (patient names, birth dates, member ids): files are owner-only (0600) in an
 * owner-only directory (0700), even under a permissive umask and when the directory was opened up by hand.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { directoryOutbox } from '../../src/store/claims-outbox';

const mode = (p: string): number => fs.statSync(p).mode & 0o777;

describe('the claims outbox keeps 837P files private', () => {
  let root: string;
  let umask: number;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-outbox-'));
    umask = process.umask(0o022); // the usual default, which makes 0644 files and 0755 folders
  });
  afterEach(() => {
    process.umask(umask);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('a new outbox folder is 0700 and a batch file in it 0600, staged and committed', async () => {
    const dir = path.join(root, 'data', 'outbox');
    const staged = await directoryOutbox(dir).stage('837P-MEDICARE-000000001.x12', 'ISA*00*...~NM1*IL*1*DOE*JANE~');
    expect(mode(dir)).toBe(0o700);
    const temp = fs.readdirSync(dir).find((f) => f.startsWith('.'))!;
    expect(mode(path.join(dir, temp))).toBe(0o600);
    await staged.commit();
    expect(mode(staged.path)).toBe(0o600);
    expect(fs.readFileSync(staged.path, 'utf8')).toContain('NM1*IL');
  });

  it('an existing outbox folder that others can read is tightened to 0700', async () => {
    const dir = path.join(root, 'outbox');
    fs.mkdirSync(dir, { mode: 0o755 });
    fs.chmodSync(dir, 0o755);
    const staged = await directoryOutbox(dir).stage('837P-AETNA-000000002.x12', 'ISA*00*...~');
    await staged.commit();
    expect(mode(dir)).toBe(0o700);
    expect(mode(staged.path)).toBe(0o600);
  });
});
