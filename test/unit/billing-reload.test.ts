/**
 * billing.yaml without a restart (src/billing/reload.ts) and "add this payer" (src/billing/payer-edit.ts): the text
 * an admin's payer is written into keeps its comments, a broken edit keeps the configuration in force and names the
 * line and the full key, and the one start-up reading is the one `rxbridge doctor` and `channels check` use.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { payerOf, type BillingConfig } from '../../src/billing/config';
import { addPayerText, writeBillingFile } from '../../src/billing/payer-edit';
import { BillingReloader, billingIssues, openBillingConfig, type BillingIssue } from '../../src/billing/reload';
import { ConfigError, keyPathAt } from '../../src/core/config-file';
import { EngineError } from '../../src/core/errors';
import { createLogger } from '../../src/core/logger';

const SHIPPED = path.join(__dirname, '../../billing/billing.yaml');
const text = fs.readFileSync(SHIPPED, 'utf8');

function tempCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-billing-'));
  const file = path.join(dir, 'billing.yaml');
  fs.writeFileSync(file, text);
  return file;
}

function recordingLogger(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({ write: (chunk, _enc, done) => { lines.push(String(chunk)); done(); } });
  return { logger: createLogger({ stream, level: 'debug' }), lines };
}

function reloaderOf(file: string) {
  let current: BillingConfig | undefined = openBillingConfig(file, {}, '/data').config;
  const { logger, lines } = recordingLogger();
  const reloader = new BillingReloader({ file, env: {}, dataDir: '/data', current: () => current, apply: (c) => { current = c; }, logger });
  return { reloader, lines, current: () => current };
}

describe('keyPathAt', () => {
  it('names the key at a position, with list indexes', () => {
    const yaml = 'payers:\n  A1:\n    name: X\n    feedIds: [F1, F2]\nlist:\n  - a\n  - b\n';
    expect(keyPathAt(yaml, 3, 11)).toBe('payers.A1.name');
    expect(keyPathAt(yaml, 4, 19)).toBe('payers.A1.feedIds[1]');
    expect(keyPathAt(yaml, 7, 5)).toBe('list[1]');
    expect(keyPathAt(yaml, 40, 1)).toBeUndefined();
  });
});

describe('add this payer', () => {
  it('adds the payer under payers, keeps every comment, and the result loads with the feed id resolving to it', () => {
    const next = addPayerText(text, 'billing.yaml', { id: 'SYNBLUE01', name: 'SYNTHETIC BLUE', filingIndicator: 'BL', feedId: 'XYZ-BLUE' }, {}, '/data');
    for (const line of text.split('\n').filter((l) => l.includes('#'))) expect(next).toContain(line.trim());
    expect(next.replace(/\n  SYNBLUE01:\n(    .*\n)+/, '\n')).toBe(text); // every other byte as it was
    expect(next).toContain('  SYNBLUE01:\n    name: SYNTHETIC BLUE\n    filingIndicator: BL\n    route: 837P\n    feedIds: [XYZ-BLUE]\n');
    const file = tempCopy();
    fs.writeFileSync(file, next);
    const config = openBillingConfig(file, {}, '/data').config!;
    expect(payerOf(config, 'XYZ-BLUE')?.id).toBe('SYNBLUE01');
    expect(payerOf(config, 'SYNBLUE01')?.filingIndicator).toBe('BL');
  });

  it('refuses a payer already there (CONFLICT) and one the schema refuses (BAD_REQUEST, naming the key)', () => {
    const add = (p: Parameters<typeof addPayerText>[2]) => () => addPayerText(text, 'billing.yaml', p, {}, '/data');
    expect(add({ id: 'SYNMCR01', name: 'X', filingIndicator: 'MB' })).toThrow(expect.objectContaining({ code: 'CONFLICT' }));
    expect(add({ id: 'SYNNEW01', name: 'X', filingIndicator: 'QQ' })).toThrow(
      expect.objectContaining({ code: 'BAD_REQUEST', message: expect.stringMatching(/filingIndicator must be an SBR09/) }),
    );
    expect(add({ id: 'BAD ID', name: 'X', filingIndicator: 'CI' })).toThrow(
      expect.objectContaining({ code: 'BAD_REQUEST', message: expect.stringMatching(/key "BAD ID" must be a payer id/) }),
    );
    expect(add({ id: 'SYNNEW01', name: 'X', filingIndicator: 'CI', feedId: 'SYNMCD01' })).toThrow(EngineError);
  });

  it('writes atomically and says DIRECTORY_NOT_WRITABLE for a read-only folder', () => {
    const file = tempCopy();
    writeBillingFile(file, text + '\n');
    expect(fs.readFileSync(file, 'utf8')).toBe(text + '\n');
    expect(fs.readdirSync(path.dirname(file))).toEqual(['billing.yaml']);
    // A folder the engine's user cannot write: a read-only copy's folder, or (as root, who writes anywhere) sysfs.
    const root = process.getuid?.() === 0;
    const folder = root ? '/sys' : path.dirname(file);
    if (!root) fs.chmodSync(folder, 0o555);
    try {
      expect(() => writeBillingFile(path.join(folder, 'billing.yaml'), text)).toThrow(
        expect.objectContaining({ code: 'DIRECTORY_NOT_WRITABLE', message: expect.stringContaining(`the billing folder ${folder} cannot be written`) }),
      );
    } finally {
      if (!root) fs.chmodSync(folder, 0o755);
    }
  });
});

describe('BillingReloader', () => {
  it('applies a valid edit (the payers added and removed) and keeps the configuration in force on a broken one, naming line and key', async () => {
    const file = tempCopy();
    const { reloader, lines, current } = reloaderOf(file);
    fs.writeFileSync(file, addPayerText(text, file, { id: 'SYNBLUE01', name: 'SYNTHETIC BLUE', filingIndicator: 'BL' }, {}, '/data'));
    const ok = await reloader.reload('api');
    expect(ok).toMatchObject({ ok: true, added: ['SYNBLUE01'], removed: [] });
    expect(current()?.payers.has('SYNBLUE01')).toBe(true);

    const broken = fs.readFileSync(file, 'utf8').replace('filingIndicator: BL', 'filingIndicator: XX');
    fs.writeFileSync(file, broken);
    const line = broken.split('\n').findIndex((l) => l.includes('filingIndicator: XX')) + 1;
    const refused = await reloader.reload('api');
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.issues).toEqual([
      expect.objectContaining({ file, line, key: 'payers.SYNBLUE01.filingIndicator', text: expect.stringMatching(new RegExp(`^${file}:${line}:\\d+: key "payers.SYNBLUE01.filingIndicator" must be an SBR09`)) }),
    ]);
    expect(current()?.payers.get('SYNBLUE01')?.filingIndicator).toBe('BL'); // the old configuration stays
    expect(lines.join('')).toMatch(/billing.yaml reload refused/);
    expect(lines.join('')).toContain('payers.SYNBLUE01.filingIndicator');
  });

  it('reloads on a change on disk (atomic rename included)', async () => {
    const file = tempCopy();
    const { reloader, current } = reloaderOf(file);
    reloader.watch(50);
    try {
      const temp = `${file}.new`;
      fs.writeFileSync(temp, addPayerText(text, file, { id: 'SYNDISK01', name: 'ON DISK', filingIndicator: 'CI' }, {}, '/data'));
      fs.renameSync(temp, file);
      for (let i = 0; i < 100 && !current()?.payers.has('SYNDISK01'); i++) await new Promise((r) => setTimeout(r, 20));
      expect(current()?.payers.has('SYNDISK01')).toBe(true);
    } finally {
      await reloader.close();
    }
  });
});

describe('billingIssues', () => {
  it('names the missing key, not the neighbour its position points at', () => {
    const file = tempCopy();
    fs.writeFileSync(file, text.replace('    name: SYNTHETIC STATE MEDICAID\n    filingIndicator: MC\n', '    name: SYNTHETIC STATE MEDICAID\n').replace('  id: SUBMITTERID\n', ''));
    let issues: BillingIssue[] = [];
    try {
      openBillingConfig(file, {}, '/data');
    } catch (err) {
      issues = billingIssues((err as ConfigError).issues);
    }
    expect(issues.map((i) => [i.key, i.text.replace(/^.*?: key/, 'key')])).toEqual([
      ['submitter.id', 'key "submitter.id": missing required key "id"'],
      ['payers.SYNMCD01.filingIndicator', 'key "payers.SYNMCD01.filingIndicator" must be an SBR09 claim filing indicator code (CI, MB, MC, …)'],
    ]);
  });
});

describe('the start-up reading', () => {
  it('is the one doctor and channels check use: a file they pass starts the engine, a file they fail stops it', () => {
    const cli = fs.readFileSync(path.join(__dirname, '../../src/cli/main.ts'), 'utf8');
    const doctor = fs.readFileSync(path.join(__dirname, '../../src/cli/doctor.ts'), 'utf8');
    const engine = fs.readFileSync(path.join(__dirname, '../../src/engine/worker-side.ts'), 'utf8');
    for (const source of [cli, doctor, engine]) {
      expect(source).toContain('openBillingConfig(');
      expect(source).not.toContain('loadBillingConfig(');
    }
    const file = tempCopy();
    expect(openBillingConfig(file, {}, '/data').config?.payers.size).toBeGreaterThan(0);
    fs.writeFileSync(file, text.replace('usage: ${RXBRIDGE_X12_USAGE:-T}', 'usage: ${RXBRIDGE_X12_USAGE}'));
    expect(() => openBillingConfig(file, {}, '/data')).toThrow(ConfigError);
    expect(openBillingConfig(path.join(path.dirname(file), 'none.yaml'), {}, '/data')).toEqual({ config: undefined, missing: expect.stringMatching(/not found$/) });
  });
});
