/**
 * The console's billing, administration and mapping-editor pages in a real browser: Debian's chromium
 * driven by playwright-core against a whole engine (real Postgres database, Redis, MLLP and HTTP ports;
 * engine-harness.ts).
 *
 * Billing user: an ADT (coverage) and two DFT^P03 go in over MLLP — one with a rendering NPI that fails its
 * check digit → "Build claims" in the Claims page makes one ready and one held claim → the held claim opens with
 * its finding in words, is overridden with a reason, then voided → "Build batches" makes one 837P, downloaded
 * from the page (Blob, no PHI in the URL) → an unbalanced 835 is refused with the reason, the balanced one pays
 * the claim → the reports draw revenue and payer charts.
 * Admin: adds a user in the page (who then logs in), changes its role, creates an API token (shown once, works,
 * is revoked and stops working), searches the audit trail and exports it as CSV; in the mapping editor an
 * invalid edit is marked with line:col, a valid one previews its charge changes, is saved, shows in the history
 * with its diff, and is rolled back.
 * Screenshots of each page go to test-output/screenshots (gitignored).
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { importIcd10cmExtract, write835 } from '../integration/claims-support';
import { startHarness, type Harness } from '../integration/engine-harness';
import { dftMessage, ROOT, waitFor } from '../integration/support';

jest.setTimeout(300_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.join(ROOT, 'test-output', 'screenshots');
const USERS = {
  billing: { username: 'bea', password: 'bea-billing-password-1' },
  admin: { username: 'alma', password: 'alma-admin-password-1' },
} as const;
const NEW_USER = { username: 'newbie', password: 'newbie-viewer-password-1' };
const SHIPPED_DFT = fs.readFileSync(path.join(ROOT, 'mappings/dft-p03.yaml'), 'utf8');
const PATIENT = 'E2EBILL01';

/** An HL7 segment with the given fields by number (1-based). */
function seg(name: string, fields: Record<number, string>): string {
  const max = Math.max(...Object.keys(fields).map(Number));
  return [name, ...Array.from({ length: max }, (_, i) => fields[i + 1] ?? '')].join('|');
}

const ADT = [
  'MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|BILLING|20261101090000||ADT^A04^ADT_A01|BILL-ADT-1|P|2.5.1',
  'EVN|A04|20261101090000',
  `PID|1||${PATIENT}^^^PHARM01^MR||TESTPATIENT^BILLIE||19800101|F|||1 ELM ST^^ANYTOWN^NY^10001`,
  'PV1|1|O',
  seg('IN1', {
    1: '1', 2: 'COM-PLAN^COMMERCIAL PLAN', 3: 'SYN-COMMERCIAL', 4: 'SYNTHETIC COMMERCIAL', 8: 'GRP-9', 12: '20250101', 15: 'CI',
    16: 'TESTPATIENT^BILLIE', 17: 'SEL^Self^HL70063', 18: '19800101', 22: '1', 36: 'COM-M-200',
  }),
].join('\r');
const GOOD_DFT = dftMessage({ controlId: 'BILL-DFT-1', patientId: PATIENT, lines: [{ txn: 'B-1', code: '99605', amount: '75.00', date: '20261103' }] });
/** A rendering NPI that fails its check digit: the claim is held by the scrubber. */
const BAD_NPI_DFT = dftMessage({ controlId: 'BILL-DFT-2', patientId: PATIENT, lines: [{ txn: 'B-2', code: '99605', amount: '60.00', date: '20261104' }] })
  .replace('1234567893^PHARMACIST', '1234567890^PHARMACIST');

describe('console billing, admin and mapping pages in a browser', () => {
  let h: Harness;
  let base: string;
  let browser: Browser;
  let billingToken: string;
  const visited: string[] = [];

  async function processed(controlId: string): Promise<void> {
    await waitFor(async () => {
      const row = await h.engine.store.db.selectFrom('messages').select('status').where('control_id', '=', controlId).executeTakeFirst();
      return row?.status === 'processed';
    }, 20_000, `${controlId} to be processed`);
  }

  async function newPage(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) visited.push(f.url()); });
    return page;
  }

  async function login(page: Page, user: { username: string; password: string }) {
    await page.goto(`${base}/`);
    await page.getByLabel('User name').fill(user.username);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
  }

  async function shot(page: Page, name: string) {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  }

  async function open(page: Page, title: string) {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: title, exact: true }).click();
  }

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    if (!fs.existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    if (!fs.existsSync(path.join(ROOT, 'dist/console/app.js'))) throw new Error('the console is not built: npm run build');
    h = await startHarness({ store: 'postgres' });
    // The shipped billing.yaml requires ICD-10-CM for every payer: the FY2027 release covers November 2026.
    await importIcd10cmExtract(h.engine.store.db, 2027);
    base = `http://127.0.0.1:${h.engine.httpAddress()!.port}`;
    // The bootstrap token retires once an admin exists: the admin comes last.
    for (const [who, role] of [['billing', 'billing'], ['admin', 'admin']] as const) {
      expect((await h.api('POST', '/api/users', { ...USERS[who], role })).status).toBe(201);
    }
    billingToken = (await h.api('POST', '/api/login', USERS.billing, null)).json.token;
    for (const [message, controlId] of [[ADT, 'BILL-ADT-1'], [GOOD_DFT, 'BILL-DFT-1'], [BAD_NPI_DFT, 'BILL-DFT-2']] as const) {
      expect(await h.send(message)).toMatch(/\rMSA\|AA\|/);
      await processed(controlId);
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  afterAll(() => {
    // No page URL ever carried patient data.
    for (const url of visited) expect(url).not.toMatch(new RegExp(`${PATIENT}|TESTPATIENT|BILLIE`, 'i'));
  });

  test('billing: build claims, review a held claim, batch and download, record an 835, read the reports', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    const page = await newPage(context);
    await login(page, USERS.billing);

    // Claims: empty, then built from the two DFTs: one ready, one held.
    await open(page, 'Claims');
    await page.getByText(/No claim yet/).waitFor();
    await page.getByRole('button', { name: 'Build claims' }).click();
    await page.getByText(/2 claims built \(1 held, 1 ready\)/).waitFor();
    const rows = page.locator('section[aria-labelledby="claims-title"] > table tbody tr');
    await waitFor(async () => (await rows.count()) === 2, 10_000, 'two claims in the list');
    const claims = (await h.api('GET', '/api/claims', undefined, billingToken)).json.claims as Array<{ id: string; status: string; controlNumber: string; totalCharge: string }>;
    const held = claims.find((c) => c.status === 'held')!;
    const ready = claims.find((c) => c.status === 'ready')!;
    expect([held.totalCharge, ready.totalCharge]).toEqual(['60.00', '75.00']);
    await page.getByLabel('Status').selectOption('held');
    await page.waitForURL(/#\/claims\?status=held$/);
    await waitFor(async () => (await rows.count()) === 1, 10_000, 'the held claim alone');
    await shot(page, 'b01-claims');

    // The held claim: its finding in words; override with a reason, then void it.
    await page.getByRole('link', { name: `#${held.id}` }).click();
    await page.waitForURL(new RegExp(`#/claims/${held.id}$`));
    await page.locator('ul.findings li.error').getByText(/NPI 1234567890 fails its check digit/).waitFor();
    await page.locator('table').first().getByText('99605').waitFor();
    await shot(page, 'b02-claim-held');
    await expect(page.getByRole('button', { name: 'Override and make ready' }).isDisabled()).resolves.toBe(true); // no reason yet
    await page.getByLabel('Reason', { exact: true }).fill('NPI confirmed with the pharmacist by phone');
    await page.getByRole('button', { name: 'Override and make ready' }).click();
    await page.getByText('Overridden: the claim is now ready.').waitFor();
    await page.getByText(/Overridden by bea/).waitFor();
    await page.getByLabel('Reason', { exact: true }).fill('duplicate of a paper claim');
    // Voiding asks first, naming the claim and the reason; Cancel leaves it as it was.
    await page.getByRole('button', { name: 'Void', exact: true }).click();
    await page.getByRole('group', { name: new RegExp(`^Void claim #${held.id}\\? .*Reason: duplicate of a paper claim$`) }).waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByRole('button', { name: 'Confirm void' }).count()).resolves.toBe(0);
    await expect(page.locator('section[aria-labelledby="history-title"] table').textContent()).resolves.not.toMatch(/void/);
    await page.getByRole('button', { name: 'Void', exact: true }).click();
    await page.getByRole('button', { name: 'Confirm void' }).click();
    await page.getByText('Voided: the claim is now voided.').waitFor();
    const claimHistory = page.locator('section[aria-labelledby="history-title"] table');
    await claimHistory.getByRole('cell', { name: 'void', exact: true }).waitFor();
    await expect(claimHistory.textContent()).resolves.toMatch(/override.*void/s);

    // Batches: one 837P for the ready claim, downloaded from the page.
    await open(page, 'Batches');
    await page.getByText(/No batch yet/).waitFor();
    await page.getByRole('button', { name: 'Build batches' }).click();
    await page.getByText(/1 batch made: 837P-SYNCOM01-/).waitFor();
    const download = page.getByRole('button', { name: /^Download 837P-SYNCOM01-/ });
    const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
    expect(file.suggestedFilename()).toMatch(/^837P-SYNCOM01-\d+\.x12$/);
    const x12 = fs.readFileSync((await file.path())!, 'utf8');
    expect(x12).toMatch(/^ISA\*/);
    expect(x12).toContain(`CLM*${ready.controlNumber}*75***`);
    expect(x12).not.toContain(`CLM*${held.controlNumber}*`);
    await shot(page, 'b03-batches');

    // Remittances: an unbalanced 835 is refused with the reason; the balanced one pays the claim.
    const remit = (paymentAmount?: string) => write835({
      trace: 'BILL-EFT-1', payerName: 'SYNTHETIC COMMERCIAL HEALTH PLAN', payerId: 'SYNCOM01', paymentDate: '2026-11-20', paymentAmount,
      claims: [{
        controlNumber: ready.controlNumber, status: '1', charge: '75.00', paid: '70.00', payerClaimNumber: 'BILL-PCN-1',
        services: [{ code: '99605', charge: '75.00', paid: '70.00', date: '2026-11-03', adjustments: [{ group: 'CO', reason: '45', amount: '5.00' }] }],
      }],
    });
    await open(page, 'Remittances');
    const input = page.getByLabel('835 file');
    await input.setInputFiles({ name: 'unbalanced.835', mimeType: 'text/plain', buffer: Buffer.from(remit('99.00')) });
    await page.getByRole('button', { name: 'Record 835' }).click();
    await page.getByRole('alert').getByText(/does not balance/).waitFor();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('REMITTANCE_UNBALANCED');
    await input.setInputFiles({ name: 'remit.835', mimeType: 'text/plain', buffer: Buffer.from(remit()) });
    await page.getByRole('button', { name: 'Record 835' }).click();
    const result = page.locator('.panel').filter({ hasText: 'trace BILL-EFT-1' });
    await result.waitFor();
    await expect(result.textContent()).resolves.toMatch(/payment \$70\.00.*paid.*\$70\.00.*paid/s);
    await shot(page, 'b04-remittances');

    // Reports: revenue and payer charts with their tables.
    await open(page, 'Reports');
    await page.locator('svg[aria-label="Charged and paid by service"] rect.bar').first().waitFor();
    await expect(page.locator('section[aria-labelledby="revenue-title"] table').textContent()).resolves.toMatch(/mtm.*\$75\.00.*\$70\.00/s);
    await page.getByRole('tab', { name: 'payer' }).click();
    await page.waitForURL(/#\/reports\?by=payer$/);
    await page.locator('svg[aria-label="Charged and paid by payer"]').waitFor();
    await page.locator('svg[aria-label="Denial rate by payer"]').waitFor();
    await expect(page.locator('section[aria-labelledby="payers-title"] table').textContent()).resolves.toMatch(/SYNCOM01.*\$75\.00.*\$70\.00.*0\.0 %/s);
    await page.locator('section[aria-labelledby="missed-title"]').getByText(/No billable message ended without a charge/).waitFor();
    await shot(page, 'b05-reports');

    // Mappings are read-only below admin: the text and history, no Preview, no Save, no rollback.
    await open(page, 'Mappings');
    await page.getByRole('link', { name: 'dft-p03' }).click();
    const yaml = page.getByRole('textbox', { name: 'Mapping YAML' });
    await yaml.waitFor();
    await expect(yaml.getAttribute('aria-readonly')).resolves.toBe('true');
    await page.getByText('Read-only: your role is billing.', { exact: false }).waitFor();
    await page.locator('section[aria-labelledby="history-title"]').getByText(/No saved version yet/).waitFor();
    for (const name of ['Preview', 'Save']) await expect(page.getByRole('button', { name, exact: true }).count()).resolves.toBe(0);

    // No admin page for a billing user.
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).count()).resolves.toBe(0);
    await context.close();
  });

  test('admin: users, tokens and the audit trail; the mapping editor validates, saves, diffs and rolls back', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    const page = await newPage(context);
    await login(page, USERS.admin);

    // Users: add one; it can log in.
    await open(page, 'Admin');
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByLabel('User name').fill(NEW_USER.username);
    await page.getByLabel(/^Password/).fill(NEW_USER.password);
    await page.locator('select[name="new-role"]').selectOption('viewer');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByText(`User ${NEW_USER.username} added.`).waitFor();
    await page.getByLabel(`Role of ${NEW_USER.username}`).waitFor();
    await shot(page, 'a01-users');

    const other = await browser.newContext();
    const newbie = await newPage(other);
    await login(newbie, NEW_USER);
    await expect(newbie.locator('header .who').textContent()).resolves.toMatch(new RegExp(`${NEW_USER.username}\\s*viewer`));
    await expect(newbie.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).count()).resolves.toBe(0);
    await other.close();

    await page.getByLabel(`Role of ${NEW_USER.username}`).selectOption('operator');
    await page.getByText(`${NEW_USER.username} is now operator.`).waitFor();

    // Tokens: made for the new user, shown once, works; revoked, it stops working.
    await page.getByRole('link', { name: 'Tokens' }).click();
    await page.getByLabel('For user').selectOption(NEW_USER.username);
    await page.getByLabel('Name').fill('e2e-robot');
    await page.getByRole('button', { name: 'Create token' }).click();
    const tokenField = page.getByLabel('New token');
    await tokenField.waitFor();
    const token = await tokenField.inputValue();
    expect(token).toMatch(/^rxb_\d+_/);
    await shot(page, 'a02-tokens');
    const me = await h.api('GET', '/api/me', undefined, token);
    expect(me).toMatchObject({ status: 200, json: { username: NEW_USER.username, role: 'operator' } });
    const tokenId = /^rxb_(\d+)_/.exec(token)![1]!;
    await page.getByRole('button', { name: 'Done' }).click();
    await expect(tokenField.count()).resolves.toBe(0); // never shown again
    await page.getByRole('button', { name: `Revoke ${tokenId}`, exact: true }).click();
    await page.getByRole('button', { name: 'Confirm revoke' }).click();
    await page.getByText(`Token ${tokenId} revoked.`).waitFor();
    expect((await h.api('GET', '/api/me', undefined, token)).status).toBe(401);

    // Audit: search by action, export the same as CSV.
    await page.getByRole('link', { name: 'Audit trail' }).click();
    await page.getByLabel('Action').fill('user.create');
    await page.getByRole('button', { name: 'Search' }).click();
    const events = page.locator('section[aria-labelledby="admin-title"] table tbody tr');
    await waitFor(async () => (await events.filter({ hasNotText: 'user.create' }).count()) === 0, 10_000, 'only user.create events');
    await expect(events.filter({ hasText: `user ${NEW_USER.username}` }).count()).resolves.toBe(1);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(csv.suggestedFilename()).toBe('rxbridge-audit.csv');
    const csvText = fs.readFileSync((await csv.path())!, 'utf8');
    expect(csvText.split('\r\n')[0]).toBe('id,at,actor,role,action,target_type,target_id,source_ip,detail,prev_hash,hash');
    expect(csvText).toContain(`user.create,user,${NEW_USER.username}`);
    await shot(page, 'a03-audit');

    // Mapping editor: an invalid edit is marked with line:col.
    await open(page, 'Mappings');
    await page.getByRole('link', { name: 'dft-p03' }).click();
    const yaml = page.getByRole('textbox', { name: 'Mapping YAML' });
    await yaml.waitFor();
    await yaml.click();
    await page.keyboard.press('Control+a');
    await page.keyboard.insertText(SHIPPED_DFT.replace('output: charge', 'output: charg'));
    await page.locator('.validation').getByText('Not valid', { exact: true }).waitFor({ timeout: 20_000 });
    const issue = page.locator('.issues li').first();
    await expect(issue.textContent()).resolves.toMatch(/^\d+:\d+ .*charg/);
    await page.locator('.cm-lintRange-error').first().waitFor();
    await shot(page, 'a04-mapping-invalid');

    // A valid edit: 99605 becomes service kind "other"; the preview shows the charge changes of the last messages.
    const EDITED = SHIPPED_DFT.replace('"99605": mtm', '"99605": other');
    await yaml.click();
    await page.keyboard.press('Control+a');
    await page.keyboard.insertText(EDITED);
    await page.locator('.validation').getByText('Valid', { exact: true }).waitFor({ timeout: 20_000 });
    const diff = page.locator('section[aria-labelledby="diff-title"]');
    await diff.getByText('2 of 2 messages would bill differently.').waitFor();
    await expect(diff.locator('table').textContent()).resolves.toMatch(/BILL-DFT-2.*serviceKind.*mtm.*other/s);
    await page.locator('section[aria-labelledby="output-title"] td.changed').first().waitFor();
    await shot(page, 'a05-mapping-preview');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText(/Saved as version 2\./).waitFor();
    expect((await h.api('GET', '/api/mappings/dft-p03', undefined, (await h.api('POST', '/api/login', USERS.admin, null)).json.token)).json.content).toBe(EDITED);

    // History: v1 (the shipped text, recorded by the first save) and v2; v1's diff to the current text; roll back.
    const history = page.locator('section[aria-labelledby="history-title"]');
    await history.getByText('v2').first().waitFor();
    await history.getByRole('button', { name: 'Show v1' }).click();
    const lineDiff = history.locator('table.line-diff');
    await expect(lineDiff.locator('tr.removed').textContent()).resolves.toContain('"99605": mtm');
    await expect(lineDiff.locator('tr.added').textContent()).resolves.toContain('"99605": other');
    await shot(page, 'a06-mapping-history');
    await history.getByRole('button', { name: 'Roll back to v1' }).click();
    await history.getByRole('button', { name: 'Confirm roll back' }).click();
    await page.getByText("Rolled back: version 1's text is now live as version 3.").waitFor();
    await waitFor(async () => (await yaml.textContent())?.includes('"99605": mtm') ?? false, 10_000, 'the editor to show the rolled-back text');
    const live = await h.api('GET', '/api/mappings/dft-p03', undefined, (await h.api('POST', '/api/login', USERS.admin, null)).json.token);
    expect(live.json).toMatchObject({ content: SHIPPED_DFT, version: 3 });
    await history.getByText('v3').first().waitFor();
    await context.close();
  });
});
