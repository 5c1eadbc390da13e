/**
 * A newcomer's first hour, following README.md literally in a real browser (Debian's chromium, playwright-core):
 *
 * 1. A fresh checkout: the tracked files of this checkout's HEAD (`git archive HEAD`, so nothing uncommitted and
 *    nothing untracked such as dist/ or data/ comes along) unpacked into a temporary directory.
 * 2. README's `npm ci && npm start`. This test does NOT run `npm ci` (no network, and minutes): node_modules is a
 *    symlink to the already-installed one of this checkout, and the test runs what `npm ci` runs after installing,
 *    the `prepare` script (`npm run build`). Then `npm start` with the default embedded store (no DATABASE_URL) and
 *    the bootstrap token README tells to export.
 * 3. The console's first-run screen creates the first administrator, as README says.
 * 4. README's `npx rxbridge send samples/dft-p03.hl7`, run in the checkout.
 * 5. README's "A first claim": the sample ICD-10-CM extract imported while the engine is stopped (the embedded store
 *    serves one process), `npm start` again, `npx rxbridge send --shift-dates-to-today samples/adt-a04.hl7
 *    samples/dft-p03.hl7`; in the console, Claims → Build claims gives one ready claim (and the unshifted sample's
 *    claim of step 4, held), Batches → Build batches one 837P whose CLM is the ready claim, downloaded from the page.
 *
 * Departures from README, each forced by the machine and not by the product: MLLP_PORT and HTTP_PORT (README's
 * configuration table) are set to free ports because other engines may hold 2575 and 8080, and
 * RXBRIDGE_QUEUE_PREFIX keeps this engine's Redis keys apart from other tests on the shared Redis.
 * Where README's steps do not reach a clean claim, README (or the product) is what gets fixed, never this test.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { freePort, ROOT, waitFor } from '../integration/support';

jest.setTimeout(600_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.join(ROOT, 'test-output', 'screenshots');
/** README: "export RXBRIDGE_ADMIN_TOKEN=change-me-to-a-long-random-string". */
const TOKEN = 'change-me-to-a-long-random-string';
const ADMIN = { username: 'newcomer', password: 'newcomer-password-1' };

/** README's commands, read from README itself so the test breaks when README changes them. */
function readmeCommands(): { start: string; send: string; importIcd10: string; sendShifted: string } {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const line = (re: RegExp, what: string) => {
    const m = re.exec(readme)?.[1];
    if (!m) throw new Error(`README no longer says ${what}`);
    return m.trim();
  };
  return {
    start: line(/^npm ci && (npm start)\b/m, '"npm ci && npm start"'),
    send: line(/^(npx rxbridge send samples\/dft-p03\.hl7)$/m, '"npx rxbridge send samples/dft-p03.hl7"'),
    importIcd10: line(/^(npx rxbridge codes import icd10cm samples\/\S+ .*)$/m, '"npx rxbridge codes import icd10cm samples/…"'),
    sendShifted: line(/^(npx rxbridge send --shift-dates-to-today samples\/adt-a04\.hl7 samples\/dft-p03\.hl7)$/m, 'the shifted send'),
  };
}

describe("a newcomer's first hour, as README says", () => {
  let dir: string;
  let engine: ChildProcess | undefined;
  let log = '';
  let browser: Browser | undefined;
  let env: NodeJS.ProcessEnv;
  let base: string;

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    fs.mkdirSync(SHOTS, { recursive: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-newcomer-'));
    // 1. The tracked files of HEAD.
    const tar = execFileSync('git', ['-C', ROOT, 'archive', '--format=tar', 'HEAD'], { maxBuffer: 1 << 30 });
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
    // 2. npm ci's install step is replaced by the installed node_modules; its prepare step (the build) runs.
    fs.symlinkSync(fs.realpathSync(path.join(ROOT, 'node_modules')), path.join(dir, 'node_modules'));
    const [mllpPort, httpPort] = [await freePort(), await freePort()];
    env = {
      ...withoutRxbridgeVariables(process.env),
      RXBRIDGE_ADMIN_TOKEN: TOKEN,
      MLLP_PORT: String(mllpPort),
      HTTP_PORT: String(httpPort),
      RXBRIDGE_QUEUE_PREFIX: `rxbn${crypto.randomBytes(4).toString('hex')}`,
    };
    const built = spawnSync('npm', ['run', 'build'], { cwd: dir, env, encoding: 'utf8', timeout: 300_000 });
    if (built.status !== 0) throw new Error(`npm run build failed in the checkout:\n${built.stdout}\n${built.stderr}`);
    base = `http://127.0.0.1:${httpPort}`;
  });

  afterAll(async () => {
    await browser?.close();
    if (engine?.pid && groupAlive(-engine.pid)) {
      process.kill(-engine.pid, 'SIGTERM');
      await waitFor(() => !groupAlive(-engine!.pid!), 60_000, 'the engine to stop', 200);
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** README's start command in the checkout; resolves once the admin API listens. */
  async function startEngine(start: string): Promise<void> {
    log = '';
    const [cmd, ...args] = start.split(' ');
    // Its own process group, like a terminal's foreground job: Ctrl-C (stopEngine) reaches npm and the engine alike.
    engine = spawn(cmd!, args, { cwd: dir, env, detached: true });
    engine.stdout!.on('data', (c: Buffer) => { log += c.toString('utf8'); });
    engine.stderr!.on('data', (c: Buffer) => { log += c.toString('utf8'); });
    await waitFor(async () => log.includes('"admin API listening"') || engine!.exitCode !== null, 120_000, 'the engine to listen');
    if (engine.exitCode !== null) throw new Error(`npm start exited ${engine.exitCode}:\n${log}`);
  }

  /** Ctrl-C in the terminal: SIGINT to the whole foreground job (npm and the engine); resolves when all are gone. */
  async function stopEngine(): Promise<void> {
    const group = -engine!.pid!;
    process.kill(group, 'SIGINT');
    await waitFor(() => !groupAlive(group), 60_000, 'the engine to stop on Ctrl-C', 200);
  }

  /** A README command run in the checkout, as a shell would. */
  function run(command: string, timeout = 400_000) {
    return spawnSync('sh', ['-c', command], { cwd: dir, env, encoding: 'utf8', timeout });
  }

  test('npm start, the first admin in the browser, the sample sent, a clean claim in an 837P batch', async () => {
    const { start, send, importIcd10, sendShifted } = readmeCommands();

    // 2. npm start, with the embedded store.
    await startEngine(start);
    expect(log).toContain('using the embedded PGlite store');

    // 3. The first administrator, created in the console.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await page.getByRole('form', { name: 'Create the first administrator' }).waitFor();
    await page.getByLabel('Bootstrap token').fill(TOKEN);
    await page.getByLabel('User name').fill(ADMIN.username);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByLabel('Password again').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();

    // 4. README's send command, in the checkout (the first npx in a checkout runs the build once more: minutes here).
    const sent = run(send);
    expect(sent.stderr).toBe('');
    expect(sent.stdout).toContain('samples/dft-p03.hl7: MSA|AA|SAMPLE-DFT-0001');
    expect(sent.status).toBe(0);

    // 5. "A first claim": stop, import the sample ICD-10-CM extract, start again, send the two samples moved to today.
    await stopEngine();
    const imported = run(importIcd10);
    expect(imported.status).toBe(0); // its progress line goes to stderr
    expect(imported.stdout).toContain('imported ICD-10-CM sample');
    await startEngine(start);
    const shifted = run(sendShifted);
    expect(shifted.stderr).toBe('');
    expect(shifted.status).toBe(0);
    expect(shifted.stdout).toMatch(/dates moved by \d+ days/);
    expect(shifted.stdout).toMatch(/MSA\|AA\|SAMPLE-ADT-0001-\d{8}/);
    expect(shifted.stdout).toMatch(/MSA\|AA\|SAMPLE-DFT-0001-\d{8}/);
    await page.reload();
    await page.getByRole('navigation', { name: 'Main' }).waitFor(); // the session outlived the restart

    // 5. Claims → Build claims: one ready claim (the charges are made a moment after the AA).
    await page.locator('nav[aria-label="Main"]').getByRole('link', { name: 'Claims' }).click();
    await page.getByText(/No claim yet/).waitFor();
    const result = page.getByRole('status').filter({ hasText: / built \(/ });
    await waitFor(async () => {
      await page.getByRole('button', { name: 'Build claims' }).click();
      await result.waitFor();
      return !/^\s*0 claims/.test((await result.textContent()) ?? '');
    }, 30_000, 'Build claims to build the sample\'s claim', 1500).catch(async (err: Error) => {
      await page.screenshot({ path: path.join(SHOTS, 'newcomer-claims.png'), fullPage: true });
      throw new Error(`${err.message}; the page says: ${await page.locator('main').innerText()}`);
    });
    await page.screenshot({ path: path.join(SHOTS, 'newcomer-claims.png'), fullPage: true });
    // Today's claim is ready; the unshifted sample's of March 2025 (step 4) is held: past timely filing.
    expect(await result.textContent()).toMatch(/^\d+ claims? built \(\d+ held, 1 ready\)/);

    // Batches → Build batches: one 837P holding that claim.
    await page.locator('nav[aria-label="Main"]').getByRole('link', { name: 'Batches' }).click();
    await page.getByRole('button', { name: 'Build batches' }).click();
    await page.getByText(/1 batch made: 837P-/).waitFor();
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /^Download 837P-/ }).click()]);
    const x12 = fs.readFileSync((await file.path())!, 'utf8');
    await page.screenshot({ path: path.join(SHOTS, 'newcomer-batches.png'), fullPage: true });
    expect(x12).toMatch(/^ISA\*/);
    expect(x12).toMatch(/~\s*ST\*837\*/);
    expect(x12.match(/~\s*CLM\*/g)).toHaveLength(1); // the held claim is not in the batch
    expect(x12).toMatch(/~\s*CLM\*[^*]+\*100\*/); // the MTM visit and its add-on
    expect(x12).toMatch(/~\s*SV1\*HC:99605\*75\*/);
    expect(x12).toMatch(/~\s*SV1\*HC:99607\*25\*/);
    await context.close();
  });
});

/** The test's own environment without any RxBridge setting the developer's shell may hold (DATABASE_URL among them). */
function withoutRxbridgeVariables(e: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  const theirs = /^(RXBRIDGE_|DATABASE_URL$|DATA_DIR$|REDIS_URL$|HTTP_|MLLP_|CHANNELS_DIR$|MAPPINGS_DIR$|BILLING_CONFIG$|PAYER_RULES_DIR$)/;
  for (const [k, v] of Object.entries(e)) if (!theirs.test(k)) out[k] = v;
  return out;
}

/** Whether any process of the group (a negative pid) is still alive. */
function groupAlive(group: number): boolean {
  try {
    process.kill(group, 0);
    return true;
  } catch {
    return false;
  }
}
