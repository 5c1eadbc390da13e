/**
 * Editing a channel's file in the console (Admin → Channels → Edit), in a real browser (Debian's chromium driven by
 * playwright-core) against a whole engine (engine-harness.ts: real Postgres, Redis, MLLP and HTTP; the channel file
 * is a temp copy):
 * - an invalid edit is refused after the confirmation a listening channel asks for: its problem is listed with its
 *   line and marked in the editor, and the file on disk is unchanged;
 * - a valid edit (the channel disabled) is saved and applied: the reload result shows it, the channel reads
 *   `disabled` and its port refuses connections;
 * - a file changed on disk since it was opened is not overwritten: the page says so.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startHarness, type Harness } from '../integration/engine-harness';
import { ROOT } from '../integration/support';

jest.setTimeout(300_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.join(ROOT, 'test-output', 'screenshots');
const ADMIN = { username: 'cora', password: 'cora-admin-password-1' };
const CHANNEL = 'pharmacy-inbound';

function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve('connected'); });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

async function replaceText(page: Page, text: string): Promise<void> {
  const yaml = page.getByRole('textbox', { name: 'Channel YAML' });
  await yaml.click();
  await page.keyboard.press('Control+a');
  await page.keyboard.insertText(text);
}

describe('editing a channel file in the console', () => {
  let h: Harness;
  let browser: Browser;
  let file: string;

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    if (!fs.existsSync(path.join(ROOT, 'dist/console/app.js'))) throw new Error('the console is not built: npm run build');
    fs.mkdirSync(SHOTS, { recursive: true });
    h = await startHarness({ store: 'postgres' });
    file = path.join(h.project.channelsDir, `${CHANNEL}.yaml`);
    expect((await h.api('POST', '/api/users', { ...ADMIN, role: 'admin' })).status).toBe(201);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  test('an invalid edit shows its line; a valid one applies; a file changed on disk is not overwritten', async () => {
    const base = `http://127.0.0.1:${h.engine.httpAddress()!.port}`;
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await page.getByLabel('User name').fill(ADMIN.username);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await page.goto(`${base}/#/admin/channels`);
    const row = page.locator(`table[aria-label="Channels in force"] tr[data-channel="${CHANNEL}"]`);
    await row.getByRole('button', { name: `Edit ${CHANNEL}` }).click();
    await page.getByRole('textbox', { name: 'Channel YAML' }).waitFor();
    const original = fs.readFileSync(file, 'utf8');

    // Invalid: a listening channel asks first; then the problem is listed at its line and marked in the editor.
    const bad = original.replace('maxConnections: 64', 'maxConnections: lots');
    const badLine = bad.split('\n').findIndex((l) => l.includes('maxConnections: lots')) + 1;
    await replaceText(page, bad);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('group', { name: `Save ${CHANNEL}?` }).waitFor();
    await page.getByRole('button', { name: 'Confirm save' }).click();
    const problems = page.getByRole('alert', { name: 'Channel file problems' });
    await problems.waitFor();
    const jump = problems.getByRole('button', { name: new RegExp(`^${badLine}:\\d+$`) });
    await jump.waitFor();
    await expect(problems.textContent()).resolves.toContain('maxConnections');
    // The problem's button takes the editor to its line (off screen in a long file), where it is marked.
    await jump.click();
    await page.locator('.cm-lintRange-error').first().waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'channel-edit-invalid.png'), fullPage: true });
    expect(fs.readFileSync(file, 'utf8')).toBe(original);
    expect(await tryConnect(h.mllpPort)).toBe('connected');

    // Valid: the channel disabled; the reload result says so and the engine applied it.
    const disabled = original.replace('enabled: true', 'enabled: false');
    await replaceText(page, disabled);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('button', { name: 'Confirm save' }).click();
    await page.getByRole('status').filter({ hasText: 'Reloaded: 1 disabled' }).waitFor();
    await row.locator('.badge').filter({ hasText: 'disabled' }).waitFor();
    expect(fs.readFileSync(file, 'utf8')).toBe(disabled);
    expect(await tryConnect(h.mllpPort)).toBe('ECONNREFUSED');
    expect(h.engine.channels.find((c) => c.name === CHANNEL)!.enabled).toBe(false);
    await page.screenshot({ path: path.join(SHOTS, 'channel-edit-saved.png'), fullPage: true });

    // Changed on disk since it was opened: not overwritten (a disabled channel saves without asking).
    fs.writeFileSync(file, disabled.replace('maxConnections: 64', 'maxConnections: 32'));
    await replaceText(page, disabled.replace('maxConnections: 64', 'maxConnections: 8'));
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'changed on disk' }).waitFor();
    expect(fs.readFileSync(file, 'utf8')).toContain('maxConnections: 32');
    await page.getByRole('button', { name: 'Load the file again' }).click();
    await page.getByRole('alert').filter({ hasText: 'changed on disk' }).waitFor({ state: 'detached' });
    // The editor shows only the lines in view: go to the top, where the source keys are.
    await page.getByRole('textbox', { name: 'Channel YAML' }).focus();
    await page.keyboard.press('Control+Home');
    await page.getByRole('textbox', { name: 'Channel YAML' }).filter({ hasText: 'maxConnections: 32' }).waitFor();
    await context.close();
  });
});
