/**
 * The first run in a real browser (Debian's chromium driven by playwright-core, a whole engine: engine-harness.ts):
 * a fresh engine with only the bootstrap token shows "Create the first administrator" instead of the login form; a
 * wrong token is shown plainly, as are two passwords that differ; the right token creates the admin and the console
 * opens on the dashboard as that user. After logging out, the login form is back with its one-line hint on how to
 * get an account, and the admin logs in with the password.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startHarness, TOKEN, type Harness } from '../integration/engine-harness';
import { ROOT } from '../integration/support';

jest.setTimeout(300_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.join(ROOT, 'test-output', 'screenshots');
const ADMIN = { username: 'ada', password: 'ada-admin-password-1' };

describe('first run in the console', () => {
  let h: Harness;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    if (!fs.existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    if (!fs.existsSync(path.join(ROOT, 'dist/console/app.js'))) throw new Error('the console is not built: npm run build');
    h = await startHarness({ store: 'postgres' });
    base = `http://127.0.0.1:${h.engine.httpAddress()!.port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  test('the first-run screen creates the first admin and opens the dashboard as them', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${base}/`);

    const form = page.getByRole('form', { name: 'Create the first administrator' });
    await form.waitFor();
    await expect(page.getByRole('button', { name: 'Log in' }).count()).resolves.toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'first-run.png'), fullPage: true });

    // Two passwords that differ: said before anything is sent.
    await page.getByLabel('Bootstrap token').fill(TOKEN);
    await page.getByLabel('User name').fill(ADMIN.username);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByLabel('Password again').fill(`${ADMIN.password}-typo`);
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('the two passwords differ');

    // A wrong token: the API's reason, plainly.
    await page.getByLabel('Bootstrap token').fill('not-the-bootstrap-token');
    await page.getByLabel('Password again').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await page.getByRole('alert').filter({ hasText: 'wrong bootstrap token' }).waitFor();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('UNAUTHORIZED');

    // The right token: the console opens on the dashboard as the new admin.
    await page.getByLabel('Bootstrap token').fill(TOKEN);
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await page.locator('table[aria-label="Channels"]').waitFor();
    await expect(page.locator('header .who').textContent()).resolves.toContain('ada');
    await expect(page.locator('header .who .badge').textContent()).resolves.toBe('admin');
    await expect(page.locator('nav[aria-label="Main"] a[aria-current="page"]').textContent()).resolves.toBe('Dashboard');
    // The token is kept nowhere in the page.
    const stored = await page.evaluate<string>('JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie');
    expect(stored).not.toContain(TOKEN);

    // Log out: the login form is back, with its hint, and the admin logs in with the password.
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    await expect(page.locator('.login .hint').textContent()).resolves
      .toBe('No account? Ask an administrator; the first one is created on this page with RXBRIDGE_ADMIN_TOKEN.');
    await page.getByLabel('User name').fill(ADMIN.username);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await context.close();
  });
});
