/**
 * Channel destinations in the console, in a real browser against a whole engine with a real MLLP receiver: the
 * dashboard's Destinations table shows a dead letter and its error; the message page shows the delivery failed
 * (receiver answered AR) and its Replay button sends it again, after which the page shows it delivered; an operator
 * sends another dead letter again from the dashboard's Destinations table.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startMllpReceiver, type MllpReceiver } from '../integration/destination-receivers';
import { startHarness, type Harness } from '../integration/engine-harness';
import { dftMessage, ROOT, sampleChannelWithoutDestinations, waitFor } from '../integration/support';

jest.setTimeout(300_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.join(ROOT, 'test-output', 'screenshots');
const ADMIN = { username: 'dina', password: 'dina-admin-password-1' };

describe('destinations in the console', () => {
  let h: Harness;
  let base: string;
  let browser: Browser;
  let receiver: MllpReceiver;

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    if (!fs.existsSync(path.join(ROOT, 'dist/console/app.js'))) throw new Error('the console is not built: npm run build');
    fs.mkdirSync(SHOTS, { recursive: true });
    receiver = await startMllpReceiver(0, 'AR');
    const channelYaml = `${sampleChannelWithoutDestinations()}
destinations:
  - name: dispensing-copy
    transform: { hl7: { set: { MSH-5: '"DISPENSE"' } } }
    connector: { type: mllp, host: 127.0.0.1, port: ${receiver.port} }
`;
    h = await startHarness({ store: 'postgres', channelYaml, config: { deliveryPollMs: 100 } });
    base = `http://127.0.0.1:${h.engine.httpAddress()!.port}`;
    expect((await h.api('POST', '/api/users', { ...ADMIN, role: 'admin' })).status).toBe(201);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
    await receiver?.close();
  });

  test('a dead letter on the dashboard; replayed from the message page, then delivered', async () => {
    expect(await h.send(dftMessage({ controlId: 'DST-1', patientId: 'DSTPAT1', lines: [{ txn: 'DST-1-1', code: '90471', amount: '25' }] }))).toContain(
      'MSA|AA|DST-1',
    );
    const row = await h.engine.store.db.selectFrom('messages').select('id').where('control_id', '=', 'DST-1').executeTakeFirstOrThrow();
    const id = String(row.id);
    // (The bootstrap token is retired once an admin user exists: the store is read directly.)
    const state = async () => (await h.engine.store.db.selectFrom('deliveries').select('state').where('message_id', '=', id).executeTakeFirst())?.state;
    await waitFor(async () => (await state()) === 'failed', 15_000, 'a dead letter');

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await page.getByLabel('User name').fill(ADMIN.username);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    const destRow = page.locator('section[aria-label="Destinations"] tr[data-destination="dispensing-copy"]');
    await destRow.waitFor({ timeout: 15_000 });
    await expect(destRow.locator('td[data-count="failed"] .badge').textContent()).resolves.toBe('1');
    await expect(destRow.locator('td.last-error').textContent()).resolves.toMatch(/DESTINATION_REJECTED: receiver answered AR/);
    await page.screenshot({ path: path.join(SHOTS, 'destinations-dashboard.png'), fullPage: true });

    receiver.mode = 'AA';
    await page.goto(`${base}/#/messages/${id}`);
    const delivery = page.locator('section[aria-label="Destinations"] tr[data-destination="dispensing-copy"]');
    await delivery.waitFor();
    await expect(delivery.getAttribute('data-state')).resolves.toBe('failed');
    await page.screenshot({ path: path.join(SHOTS, 'destinations-message-failed.png'), fullPage: true });
    await delivery.getByRole('button', { name: 'Replay' }).click();
    await waitFor(() => receiver.unique.length === 1, 15_000, 'the replayed delivery at the receiver');
    await page.waitForTimeout(300);
    await page.reload();
    await expect(delivery.getAttribute('data-state')).resolves.toBe('delivered');
    await page.screenshot({ path: path.join(SHOTS, 'destinations-message-delivered.png'), fullPage: true });

    // Another dead letter, sent again from the dashboard's Destinations table (after a confirmation).
    receiver.mode = 'AR';
    await h.send(dftMessage({ controlId: 'DST-2', patientId: 'DSTPAT2', lines: [{ txn: 'DST-2-1', code: '90471', amount: '25' }] }));
    const row2 = await h.engine.store.db.selectFrom('messages').select('id').where('control_id', '=', 'DST-2').executeTakeFirstOrThrow();
    const state2 = async () =>
      (await h.engine.store.db.selectFrom('deliveries').select('state').where('message_id', '=', String(row2.id)).executeTakeFirst())?.state;
    await waitFor(async () => (await state2()) === 'failed', 15_000, 'the second dead letter');
    receiver.mode = 'AA';
    await page.goto(`${base}/#/dashboard`);
    await destRow.locator('td[data-count="failed"] button', { hasText: 'Replay' }).waitFor({ timeout: 15_000 });
    page.once('dialog', (d) => void d.accept());
    await destRow.locator('td[data-count="failed"] button', { hasText: 'Replay' }).click();
    await page.getByRole('status').filter({ hasText: '1 deliveries of pharmacy-inbound/dispensing-copy queued again.' }).waitFor();
    await waitFor(() => receiver.unique.length === 2, 15_000, 'the second delivery at the receiver');
    await context.close();
  });
});
