/**
 * The console's Eligibility page in a real browser (Debian's chromium, playwright-core) against a whole engine
 * (Postgres, Redis; engine-harness.ts): a billing user asks payers (the 270 file is offered for download), posts a
 * 271 saying the coverage ended (the answer and the checks table say so, with the held charges), then releases the
 * held charges. Patient, coverage and charges are synthetic rows as the ADT and DFT mappings write them.
 */
import path from 'node:path';
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { importIcd10cmExtract, insertCharge, insertCoverage, insertMessage, insertPatient } from '../integration/claims-support';
import { startHarness, type Harness } from '../integration/engine-harness';
import { ROOT, waitFor } from '../integration/support';
import { subscriberLoop, x271 } from '../unit/x12-271-support';

jest.setTimeout(300_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.join(ROOT, 'test-output', 'screenshots');
const USER = { username: 'elle', password: 'elle-billing-password-1' };

describe('console eligibility page in a browser', () => {
  let h: Harness;
  let browser: Browser;
  const charges: string[] = [];

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    if (!fs.existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    if (!fs.existsSync(path.join(ROOT, 'dist/console/app.js'))) throw new Error('the console is not built: npm run build');
    h = await startHarness({ store: 'postgres' });
    await importIcd10cmExtract(h.engine.store.db, 2027);
    // The bootstrap token retires once an admin exists (and the console then shows its login): the admin comes last.
    expect((await h.api('POST', '/api/users', { ...USER, role: 'billing' })).status).toBe(201);
    expect((await h.api('POST', '/api/users', { username: 'ada', password: 'ada-admin-password-1', role: 'admin' })).status).toBe(201);
    const db = h.engine.store.db;
    const messageId = await insertMessage(db, 'ELIG-E2E');
    await insertPatient(db, 'EE1');
    await insertCoverage(db, 'EE1', 'SYNCOM01', 'CI');
    for (const date of ['2026-10-20', '2026-11-05']) {
      charges.push(await insertCharge(db, messageId, { patient: 'EE1', date, code: '99605', amount: '75.00', kind: 'mtm' }));
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  test('ask payers, post a 271 that ends the coverage, release the held charge', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    await page.goto(`http://127.0.0.1:${h.engine.httpAddress()!.port}/`);
    await page.getByLabel('User name').fill(USER.username);
    await page.getByLabel('Password').fill(USER.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Eligibility', exact: true }).click();
    await page.getByText(/No patient has been checked yet/).waitFor();

    await page.getByRole('button', { name: 'Ask payers' }).click();
    const file = page.getByRole('link', { name: /^270-SYNCOM01-\d{9}\.x12$/ });
    await file.waitFor();
    expect(await file.getAttribute('download')).toMatch(/^270-SYNCOM01-/);
    const checks = page.locator('table[aria-labelledby="checks-title"] tbody tr');
    await waitFor(async () => (await checks.count()) === 1, 10_000, 'one check in the table');
    await checks.first().getByText('no answer yet').waitFor();
    await checks.first().getByText('not uploaded (no clearinghouse)').waitFor(); // the shipped billing.yaml names none

    const { trace } = await h.engine.store.db.selectFrom('eligibility_checks').select('trace').executeTakeFirstOrThrow();
    const text = x271([...subscriberLoop(trace, 'MEM-EE1'), 'EB*6**30', 'DTP*357*D8*20261031'],
      { id: 'SYNCOM01', name: 'SYNTHETIC COMMERCIAL HEALTH PLAN' });
    await page.getByLabel('271 file').setInputFiles({ name: 'answer.271', mimeType: 'text/plain', buffer: Buffer.from(text) });
    await page.getByRole('button', { name: 'Post 271' }).click();
    const result = page.locator('.panel').filter({ hasText: 'answer.271' });
    await result.waitFor();
    await expect(result.textContent()).resolves.toMatch(/ended.*coverage ended 2026-10-31.*charges held: /s);
    await checks.first().locator('.badge', { hasText: 'ended' }).waitFor();
    await expect(checks.first().textContent()).resolves.toContain(charges[1]!);
    await page.screenshot({ path: path.join(SHOTS, 'e01-eligibility.png'), fullPage: true });

    await checks.first().getByRole('button', { name: 'Release' }).click();
    await checks.first().getByText(`released ${charges[1]}`).waitFor();
    const row = await h.engine.store.db.selectFrom('charges').select('status').where('id', '=', charges[1]! as never).executeTakeFirstOrThrow();
    expect(row.status).toBe('active');
  });
});
