/**
 * The dashboard and the audit page as an operator reads them, in a real browser (Debian's chromium driven by
 * playwright-core) against a whole engine (engine-harness.ts, real Postgres, Redis, MLLP and HTTP):
 * - the work-queue cell names each of its counts;
 * - an active alert (a dead letter, with `deadLettersAbove: 0`) links to the messages it is about;
 * - the channel's last error shows its time, and once a later message was processed it is marked old;
 * - when the engine stops answering, the page says "Engine unreachable" and the channel's state is "unknown", never
 *   the last "listening"; when the engine is back, "listening" returns;
 * - the audit page at 1024 px wide has no horizontal page overflow, and a long value is cut with its whole text
 *   in its title;
 * - Admin → Channels pauses a channel after a confirmation (a sender's connection is then refused, the dashboard
 *   says "paused") and resumes it (the sender gets AA again).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startHarness, type Harness } from '../integration/engine-harness';
import { dftMessage, ROOT } from '../integration/support';

jest.setTimeout(300_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.join(ROOT, 'test-output', 'screenshots');
const ADMIN = { username: 'dora', password: 'dora-admin-password-1' };

async function login(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel('User name').fill(ADMIN.username);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

describe('dashboard and audit page', () => {
  let h: Harness;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    if (!fs.existsSync(path.join(ROOT, 'dist/console/app.js'))) throw new Error('the console is not built: npm run build');
    fs.mkdirSync(SHOTS, { recursive: true });
    const channelYaml = `${fs.readFileSync(path.join(ROOT, 'channels/pharmacy-inbound.yaml'), 'utf8')}
alerts:
  deadLettersAbove: 0
`;
    h = await startHarness({ store: 'postgres', channelYaml, env: { RXBRIDGE_ALERT_INTERVAL_MS: '200' } });
    base = `http://127.0.0.1:${h.engine.httpAddress()!.port}`;
    expect((await h.api('POST', '/api/users', { ...ADMIN, role: 'admin' })).status).toBe(201);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  test('queue labelled, alert linked, last error timed then old, engine down shown as unknown', async () => {
    const broken = dftMessage({ controlId: 'DASH-1', patientId: 'DASHPAT1', lines: [{ txn: 'DASH-1-1', code: '90471', amount: '' }] });
    expect(await h.send(broken)).toContain('MSA|AA|DASH-1');
    const row = await h.engine.store.db.selectFrom('messages').select('id').where('control_id', '=', 'DASH-1').executeTakeFirstOrThrow();
    await h.waitForStatus(String(row.id), ['error']);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await login(page, base);
    const channelRow = page.locator('table[aria-label="Channels"] tr[data-channel="pharmacy-inbound"]');
    await channelRow.waitFor();

    // The queue cell says what each number is.
    const queue = channelRow.locator('.queue-counts');
    await queue.waitFor();
    await expect(queue.textContent()).resolves.toMatch(/^\d+ waiting\d+ active\d+ delayed\d+ failed$/);
    await expect(page.locator('table[aria-label="Channels"] th').allTextContents()).resolves.toContain('Work queue (all channels)');

    // The alert links to the channel's dead letters.
    await page.getByRole('button', { name: 'Refresh now' }).click();
    const alert = page.locator('section[aria-label="Active alerts"] li[data-alert="dead-letters"]');
    await alert.waitFor({ timeout: 15_000 });
    const link = alert.getByRole('link', { name: 'Show the failed messages of pharmacy-inbound' });
    await expect(link.getAttribute('href')).resolves.toBe('#/messages?channel=pharmacy-inbound&status=error');

    // The last error, with its time, current.
    const lastError = channelRow.locator('td.last-error > span');
    await expect(lastError.getAttribute('data-old')).resolves.toBe('false');
    await expect(lastError.textContent()).resolves.toMatch(/^MAPPING_FIELD_MISSING .+ at \S.*\d{4}/);
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-error.png'), fullPage: true });

    // A good message later: the error is marked old.
    const good = dftMessage({ controlId: 'DASH-2', patientId: 'DASHPAT2', lines: [{ txn: 'DASH-2-1', code: '90471', amount: '5' }] });
    expect(await h.send(good)).toContain('MSA|AA|DASH-2');
    const row2 = await h.engine.store.db.selectFrom('messages').select('id').where('control_id', '=', 'DASH-2').executeTakeFirstOrThrow();
    await h.waitForStatus(String(row2.id), ['processed']);
    await page.getByRole('button', { name: 'Refresh now' }).click();
    await channelRow.locator('td.last-error > span[data-old="true"]').waitFor();
    await expect(lastError.textContent()).resolves.toContain('old: 1 message processed since');

    // The alert link opens the messages it names.
    await link.click();
    await page.waitForURL(/#\/messages\?channel=pharmacy-inbound&status=error$/);
    await page.goto(`${base}/#/dashboard`);
    await channelRow.locator('td[data-state="listening"]').waitFor();

    // The engine stops: the dashboard says so and shows no "listening".
    await h.engine.stop();
    await page.getByRole('button', { name: 'Refresh now' }).click();
    await page.locator('.engine-unreachable').getByText('Engine unreachable').waitFor({ timeout: 15_000 });
    await channelRow.locator('td[data-state="unknown"]').waitFor();
    await expect(page.locator('.status-listening').count()).resolves.toBe(0);
    await expect(page.locator('section[aria-label="Active alerts"] > strong').textContent()).resolves.toContain('last known');
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-unreachable.png'), fullPage: true });

    // Back (on a new HTTP port: the harness takes a free one): listening again; the stored session still holds.
    await h.restart();
    await page.goto(`http://127.0.0.1:${h.engine.httpAddress()!.port}/#/dashboard`);
    await channelRow.locator('td[data-state="listening"]').waitFor({ timeout: 15_000 });
    await expect(page.locator('.engine-unreachable').count()).resolves.toBe(0);
    await context.close();
  });

  test('the audit page fits 1024 px: no horizontal overflow, a long detail cut with its whole text in its title', async () => {
    const longName = `nightly-export-${'x'.repeat(84)}`; // 100 characters without a space: the widest a token name gets
    const adminToken = (await h.api('POST', '/api/login', ADMIN, null)).json.token as string; // the bootstrap token is retired
    expect((await h.api('POST', '/api/tokens', { username: ADMIN.username, name: longName }, adminToken)).status).toBe(201);
    const context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
    const page = await context.newPage();
    await login(page, `http://127.0.0.1:${h.engine.httpAddress()!.port}`);
    await page.goto(`http://127.0.0.1:${h.engine.httpAddress()!.port}/#/admin/audit`);
    const table = page.locator('table.audit-events');
    await table.waitFor();
    const cut = table.locator('td.detail .cut', { hasText: longName });
    await cut.waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'audit-1024.png'), fullPage: true });
    const widths = await page.evaluate<{ scroll: number; client: number; table: number }>(`({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
      table: document.querySelector('table.audit-events').getBoundingClientRect().right,
    })`);
    expect(widths.scroll).toBeLessThanOrEqual(widths.client);
    expect(widths.table).toBeLessThanOrEqual(widths.client);
    await expect(cut.getAttribute('title')).resolves.toContain(longName);
    // Cut, not wrapped: the cell shows one line narrower than the text.
    const fit = await cut.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    expect(fit.scroll).toBeGreaterThan(fit.client);
    await context.close();
  });

  test('Admin → Channels pauses a channel (senders refused, the dashboard says paused) and resumes it', async () => {
    const base2 = `http://127.0.0.1:${h.engine.httpAddress()!.port}`;
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await login(page, base2);
    await page.goto(`${base2}/#/admin/channels`);
    const row = page.locator('table[aria-label="Channels in force"] tr[data-channel="pharmacy-inbound"]');
    await row.getByRole('button', { name: 'Pause pharmacy-inbound' }).click();
    await row.getByRole('group', { name: 'Pause pharmacy-inbound?' }).waitFor();
    await row.getByRole('button', { name: 'Confirm pause' }).click();
    await row.getByRole('button', { name: 'Resume pharmacy-inbound' }).waitFor();
    await expect(row.locator('.badge').first().textContent()).resolves.toBe('paused');
    await expect(row.textContent()).resolves.toContain(`paused by ${ADMIN.username}`);
    expect(await tryConnect(h.mllpPort)).toBe('ECONNREFUSED');
    await page.screenshot({ path: path.join(SHOTS, 'channels-paused.png'), fullPage: true });

    await page.goto(`${base2}/#/dashboard`);
    await page.locator('table[aria-label="Channels"] tr[data-channel="pharmacy-inbound"] td[data-state="paused"]').waitFor();

    await page.goto(`${base2}/#/admin/channels`);
    await row.getByRole('button', { name: 'Resume pharmacy-inbound' }).click();
    await row.getByRole('button', { name: 'Pause pharmacy-inbound' }).waitFor();
    const client = await h.client(); // a new connection: the pause closed the listener and its connections
    client.sendFrame(dftMessage({ controlId: 'DASH-3', patientId: 'DASHPAT3', lines: [{ txn: 'DASH-3-1', code: '90471', amount: '5' }] }));
    expect(await client.nextReply(10_000)).toContain('MSA|AA|DASH-3');
    await client.close();
    await context.close();
  });
});

/** Connects to the port: 'connected' or the error code (ECONNREFUSED when nothing listens). */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}
