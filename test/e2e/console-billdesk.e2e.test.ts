/**
 * The billing desk in a real browser (Debian's chromium, playwright-core, a whole engine on real Postgres;
 * engine-harness.ts): a billing user lists the recorded remittances, opens one (its claims link to the claim page),
 * withdraws it with a reason through the confirm step (the claim is back to accepted), views the A/R aging as of a
 * day and exports it as CSV, then, once an 835 denies the other claim (its line CO-50 with remark N130, the claim's
 * MOA with MA130), reads the denials by CARC and, under them, by remark (RARC). Claims, batch and 835s are made
 * through the API; all data synthetic.
 * Screenshots go to test-output/screenshots (gitignored).
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { importIcd10cmExtract, insertCharge, insertCoverage, insertMessage, insertPatient, write277CA, write835 } from '../integration/claims-support';
import { startHarness, type Harness } from '../integration/engine-harness';
import { ROOT } from '../integration/support';
import { synthetic835 } from '../unit/x12-835-writer';

jest.setTimeout(300_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.join(ROOT, 'test-output', 'screenshots');
const BILLER = { username: 'bill', password: 'bill-billing-password-1' };

describe('the billing desk in a browser', () => {
  let h: Harness;
  let browser: Browser;
  let base: string;
  let token: string;
  const claims: Array<{ id: string; controlNumber: string }> = [];

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    if (!fs.existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    if (!fs.existsSync(path.join(ROOT, 'dist/console/app.js'))) throw new Error('the console is not built: npm run build');
    h = await startHarness({ store: 'postgres' });
    base = `http://127.0.0.1:${h.engine.httpAddress()!.port}`;
    const db = h.engine.store.db;
    await importIcd10cmExtract(db, 2027);
    expect((await h.api('POST', '/api/users', { ...BILLER, role: 'billing' })).status).toBe(201);
    token = (await h.api('POST', '/api/login', BILLER, null)).json.token;
    // An admin exists, so the console shows the login page rather than the first-run form.
    expect((await h.api('POST', '/api/users', { username: 'adele', password: 'adele-admin-password-1', role: 'admin' })).status).toBe(201);
    const messageId = await insertMessage(db, 'DESK-E2E-1');
    for (const p of ['E1', 'E2']) {
      await insertPatient(db, p);
      await insertCoverage(db, p, 'SYNCOM01', 'CI');
      await insertCharge(db, messageId, { patient: p, date: '2026-11-02', code: '99605', amount: '40.00', kind: 'mtm', dx: ['E11.9'] });
    }
    const built = await h.api('POST', '/api/claims/build', undefined, token);
    claims.push(...built.json.created);
    expect((await h.api('POST', '/api/claims/batches', {}, token)).status).toBe(201);
    expect((await h.api('POST', '/api/acknowledgments', {
      x12: write277CA(claims.map((c) => ({ controlNumber: c.controlNumber, category: 'A2' as const, status: '20', charge: '40.00' }))),
    }, token)).status).toBe(200);
    const posted = await h.api('POST', '/api/remittances', {
      x12: write835({
        trace: 'DESK-E2E-EFT', payerName: 'SYNTHETIC COMMERCIAL HEALTH PLAN', payerId: 'SYNCOM01', paymentDate: '2026-11-20',
        claims: [{ controlNumber: claims[0]!.controlNumber, status: '1', charge: '40.00', paid: '35.00',
          adjustments: [{ group: 'CO', reason: '45', amount: '5.00' }] }],
      }),
    }, token);
    expect(posted.status).toBe(201);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  test('lists remittances, opens one, withdraws it with a reason, views the aging and exports it', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await page.getByLabel('User name').fill(BILLER.username);
    await page.getByLabel('Password').fill(BILLER.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Remittances', exact: true }).click();

    // The list: the 835 with its totals; a trace filter that matches nothing empties it.
    const list = page.locator('table[aria-labelledby="remit-list-title"]');
    const row = list.locator('tbody tr').filter({ hasText: 'DESK-E2E-EFT' });
    await row.waitFor();
    await expect(row.textContent()).resolves.toMatch(/SYNTHETIC COMMERCIAL HEALTH PLAN.*\$35\.00.*\$35\.00.*\$5\.00/s);
    await page.getByLabel('Trace').fill('NOPE');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No remittance matches these filters.').waitFor();
    await page.getByRole('link', { name: 'Clear filters' }).click();
    await row.waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'd01-remittance-list.png'), fullPage: true });

    // The detail: its claim links to the claim page.
    await row.getByRole('link', { name: /^#\d+$/ }).click();
    await page.waitForURL(/#\/remittances\/\d+$/);
    const claimLink = page.locator('table[aria-labelledby="remittance-claims"]').getByRole('link', { name: `#${claims[0]!.id}` });
    await claimLink.waitFor();
    await expect(claimLink.getAttribute('href')).resolves.toBe(`#/claims/${claims[0]!.id}`);
    await page.locator('table[aria-labelledby="remittance-unmatched"]').count().then((n) => expect(n).toBe(0));
    await page.getByText('Every CLP matched a claim.').waitFor();

    // Withdraw: needs a reason, asks first naming the remittance, then restores the claim.
    const withdraw = page.getByRole('button', { name: 'Withdraw remittance' });
    await expect(withdraw.isDisabled()).resolves.toBe(true);
    await page.getByLabel('Reason').fill('posted the wrong day file');
    await withdraw.click();
    await page.getByRole('group', { name: /^Withdraw remittance #\d+ \(trace DESK-E2E-EFT\)\? Reason: posted the wrong day file$/ }).waitFor();
    await page.getByRole('button', { name: 'Confirm withdraw' }).click();
    await page.getByText(/Withdrawn .* by bill: posted the wrong day file/).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'd02-remittance-withdrawn.png'), fullPage: true });
    const claim = (await h.api('GET', `/api/claims/${claims[0]!.id}`, undefined, token)).json;
    expect([claim.status, claim.paidAmount]).toEqual(['accepted', '0.00']);

    // The aging as of 45 days after the batch: both claims open, 31–60 days; exported as CSV.
    const sent = (await h.engine.store.db.selectFrom('claim_batches').select('created_at').executeTakeFirstOrThrow()).created_at;
    const asOf = new Date(new Date(sent).getTime() + 45 * 86_400_000).toISOString().slice(0, 10);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reports', exact: true }).click();
    await page.getByRole('textbox', { name: 'Aging as of' }).fill(asOf);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(new RegExp(`asOf=${asOf}`));
    const aging = page.locator('section[aria-labelledby="aging-title"]');
    await aging.getByRole('heading', { name: `A/R aging as of ${asOf}` }).waitFor();
    await aging.locator('svg[aria-label="Open balance by payer and age"] rect.bar').first().waitFor();
    await expect(aging.locator('table tbody tr').textContent()).resolves.toMatch(/SYNTHETIC COMMERCIAL HEALTH PLAN.*\$80\.00 \(2\)/s);
    const svgWidth = Number(await aging.locator('svg').first().getAttribute('width'));
    expect(svgWidth).toBeGreaterThan(700); // the panel's width, not a fixed 640
    await page.screenshot({ path: path.join(SHOTS, 'd03-aging.png'), fullPage: true });
    const [download] = await Promise.all([page.waitForEvent('download'), aging.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toBe(`rxbridge-aging-${asOf}.csv`);
    const csv = fs.readFileSync((await download.path())!, 'utf8').split('\r\n');
    expect(csv[0]).toMatch(/^payer_id,payer_name,claims_0-30,balance_0-30,claims_31-60,balance_31-60,/);
    expect(csv[1]).toBe('SYNCOM01,SYNTHETIC COMMERCIAL HEALTH PLAN,0,0.00,2,80.00,0,0.00,0,0.00,0,0.00,2,80.00');

    // An 835 denies the other claim: the denials show CO-50 and, in the table under it, N130 and MA130 with meanings.
    expect((await h.api('POST', '/api/remittances', {
      x12: synthetic835({
        trace: 'DESK-E2E-DENY', payerName: 'SYNTHETIC COMMERCIAL HEALTH PLAN', payerId: 'SYNCOM01', paymentDate: '2026-11-27',
        claims: [{ controlNumber: claims[1]!.controlNumber, status: '4', charge: '40.00', paid: '0.00', moa: ['MA130'],
          services: [{ code: '99605', charge: '40.00', paid: '0.00', date: '2026-11-02',
            adjustments: [{ group: 'CO', reason: '50', amount: '40.00' }], remarks: ['N130'] }] }],
      }),
    }, token)).status).toBe(201);
    await page.reload();
    const denials = page.locator('section[aria-labelledby="denials-title"]');
    await expect(denials.locator('table[aria-labelledby="denials-title"] tbody tr').textContent())
      .resolves.toMatch(/SYNTHETIC COMMERCIAL HEALTH PLAN.*CO-50.*not deemed a medical necessity.*1.*\$40\.00/s);
    await denials.getByRole('heading', { name: 'Denials by remark (RARC)' }).waitFor();
    const remarks = denials.locator('table[aria-labelledby="denial-remarks-title"] tbody tr');
    await expect(remarks.allTextContents()).resolves.toEqual([
      expect.stringMatching(/SYNTHETIC COMMERCIAL HEALTH PLAN.*MA130.*incomplete or invalid information.*1.*\$40\.00/),
      expect.stringMatching(/SYNTHETIC COMMERCIAL HEALTH PLAN.*N130.*plan's benefit rules.*1.*\$40\.00/),
    ]);
    await page.screenshot({ path: path.join(SHOTS, 'd04-denials-rarc.png'), fullPage: true });
    await context.close();
  });
});
