/**
 * Billing setup and mapping edits in a real browser (Debian's chromium, playwright-core, a whole engine:
 * engine-harness.ts), with billing.yaml and the mapping test file in temp copies.
 * - Admin → Payers: a broken billing.yaml is refused on "Reload billing.yaml" with its line and key; the unknown
 *   payer id of an incoming coverage is listed with its counts; "Add this payer" writes billing.yaml (the feed's id
 *   kept as a crosswalk) and the waiting charge is then claimed by a build, with no message sent again.
 * - Mappings → adt: a save that breaks a case of adt.test.yaml is refused and the failing field shows expected vs
 *   actual; "Update the expected output" saves it and rewrites the test file's expected value.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { importIcd10cmExtract } from '../integration/claims-support';
import { startHarness, type Harness } from '../integration/engine-harness';
import { dftMessage, hl7Segment, ROOT, waitFor } from '../integration/support';

jest.setTimeout(300_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.join(ROOT, 'test-output', 'screenshots');
const ADMIN = { username: 'ada', password: 'ada-admin-password-1' };

const ADT = [
  'MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|BILLING|20261101090000||ADT^A04^ADT_A01|CFG-ADT-1|P|2.5.1',
  'EVN|A04|20261101090000',
  'PID|1||CFG100^^^PHARM01^MR||TESTPATIENT^CORA||19800101|F|||1 ELM ST^^ANYTOWN^NY^10001',
  'PV1|1|O',
  hl7Segment('IN1', {
    1: '1', 2: 'BLUE-PLAN^BLUE PLAN', 3: 'XYZ-BLUE', 4: 'SOME BLUE PLAN', 8: 'GRP-9', 12: '20250101', 15: 'BCBS',
    16: 'TESTPATIENT^CORA', 17: 'SEL^Self^HL70063', 18: '19800101', 22: '1', 36: 'BLUE-M-1',
  }),
].join('\r');
const DFT = dftMessage({ controlId: 'CFG-DFT-1', patientId: 'CFG100', lines: [{ txn: 'C-1', code: 'MTM-INIT', amount: '75.00', date: '20261103' }] });

const TESTS = `# A copy of one adt case for this test.
cases:
  - name: commercial coverage crosswalked
    hl7: |
      MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|HOSP|20240301093000||ADT^A04^ADT_A01|T-1|P|2.5.1
      EVN|A04|20240301092955
      PID|1||MRN7^^^PHARM01^MR||TESTPATIENT^ALEX||19800115|F
      PV1|1|O
      IN1|1|COM-PLAN^PLAN|SYN-COMMERCIAL|SOME PAYER||||||||20240101|||CI|TESTPATIENT^ALEX|SEL^Self^HL70063|19800115||||1||||||||||||||COM-7
    expect:
      coverages:
        - payerId: SYNCOM01   # through payerIds
`;

describe('billing setup and mapping tests in the console', () => {
  let h: Harness;
  let base: string;
  let browser: Browser;
  let billingFile: string;
  let testFile: string;

  async function login(page: Page) {
    await page.goto(`${base}/`);
    await page.getByLabel('User name').fill(ADMIN.username);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
  }

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    if (!fs.existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    if (!fs.existsSync(path.join(ROOT, 'dist/console/app.js'))) throw new Error('the console is not built: npm run build');
    billingFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-billing-')), 'billing.yaml');
    fs.copyFileSync(path.join(ROOT, 'billing/billing.yaml'), billingFile);
    h = await startHarness({ store: 'postgres', config: { billingFile, billingWatchIntervalMs: 0 } });
    testFile = path.join(h.project.mappingsDir, 'adt.test.yaml');
    fs.writeFileSync(testFile, TESTS);
    await importIcd10cmExtract(h.engine.store.db, 2027);
    base = `http://127.0.0.1:${h.engine.httpAddress()!.port}`;
    expect((await h.api('POST', '/api/users', { ...ADMIN, role: 'admin' })).status).toBe(201);
    for (const [message, controlId] of [[ADT, 'CFG-ADT-1'], [DFT, 'CFG-DFT-1']] as const) {
      expect(await h.send(message)).toMatch(/\rMSA\|AA\|/);
      await waitFor(async () => {
        const row = await h.engine.store.db.selectFrom('messages').select('status').where('control_id', '=', controlId).executeTakeFirst();
        return row?.status === 'processed';
      }, 20_000, `${controlId} to be processed`);
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  test('Admin → Payers: a broken billing.yaml is refused with its line and key; an unknown payer is added and then claimed', async () => {
    const page = await (await browser.newContext()).newPage();
    await login(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin', exact: true }).click();
    await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Payers' }).click();

    const shipped = fs.readFileSync(billingFile, 'utf8');
    const broken = shipped.replace('    name: SYNTHETIC STATE MEDICAID\n    filingIndicator: MC', '    name: SYNTHETIC STATE MEDICAID\n    filingIndicator: MX');
    fs.writeFileSync(billingFile, broken);
    const line = broken.split('\n').indexOf('    filingIndicator: MX') + 1;
    await page.getByRole('button', { name: 'Reload billing.yaml' }).click();
    const issue = page.locator('.issues li').first();
    await issue.waitFor();
    await expect(issue.textContent()).resolves.toBe(
      `${billingFile}:${line}:22: key "payers.SYNMCD01.filingIndicator" must be an SBR09 claim filing indicator code (CI, MB, MC, …)`,
    );
    await page.screenshot({ path: path.join(SHOTS, 'p01-billing-reload-refused.png'), fullPage: true });
    fs.writeFileSync(billingFile, shipped);
    await page.getByRole('button', { name: 'Reload billing.yaml' }).click();
    await page.getByText(/^Reloaded .*billing\.yaml: 4 payers, no payer added or removed\.$/).waitFor();

    const table = page.getByRole('table', { name: 'Unknown payer ids' });
    const row = table.getByRole('row', { name: /XYZ-BLUE/ });
    await row.waitFor();
    await expect(row.locator('td').allTextContents()).resolves.toEqual(expect.arrayContaining(['XYZ-BLUE', '1', '1']));
    await row.getByRole('button', { name: 'Add this payer' }).click();
    const form = page.getByRole('form', { name: 'Add payer XYZ-BLUE' });
    await form.getByLabel(/Payer id/).fill('SYNBLUE01');
    await form.getByLabel('Name').fill('SYNTHETIC BLUE PLAN');
    await form.getByLabel(/Plan type/).selectOption('BL');
    await form.getByText(/The feed's id XYZ-BLUE is kept as this payer's feedIds/).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'p02-add-payer.png'), fullPage: true });
    await form.getByRole('button', { name: 'Add to billing.yaml' }).click();
    await page.getByText(/Payer SYNBLUE01 added to .*billing\.yaml \(coverages with XYZ-BLUE bill it\)/).waitFor();
    await page.getByText(/Every payer id of the incoming coverages is in/).waitFor();

    const written = fs.readFileSync(billingFile, 'utf8');
    expect(written).toContain('  SYNBLUE01:\n    name: SYNTHETIC BLUE PLAN\n    filingIndicator: BL\n    route: 837P\n    feedIds: [XYZ-BLUE]\n');
    expect(written.replace(/\n  SYNBLUE01:\n(    .*\n)+/, '\n')).toBe(shipped);
    const token = (await h.api('POST', '/api/login', ADMIN, null)).json.token;
    const built = await h.api('POST', '/api/claims/build', undefined, token);
    expect(built.json.created.map((c: any) => c.payerId)).toEqual(['SYNBLUE01']);
  });

  test('Mappings → adt: a save that breaks a test case is refused with expected vs actual, then saved with the expected output updated', async () => {
    const page = await (await browser.newContext()).newPage();
    await login(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Mappings', exact: true }).click();
    await page.getByRole('link', { name: 'adt', exact: true }).click();
    const yaml = page.getByRole('textbox', { name: 'Mapping YAML' });
    await yaml.waitFor();
    const token = (await h.api('POST', '/api/login', ADMIN, null)).json.token;
    const before = (await h.api('GET', '/api/mappings/adt', undefined, token)).json.content as string;
    const edited = before.replace('SYN-COMMERCIAL: SYNCOM01', 'SYN-COMMERCIAL: SYNCOM02');
    await yaml.click();
    await page.keyboard.press('Control+a');
    await page.keyboard.insertText(edited);
    await page.getByRole('button', { name: 'Save', exact: true }).click();

    const failures = page.locator('section.test-failures');
    await failures.getByText('Not saved: 1 test case fails with this version').waitFor();
    await expect(failures.locator('tbody tr').first().locator('td').allTextContents()).resolves.toEqual([
      'coverages[1].payerId', '"SYNCOM01"', '"SYNCOM02"',
    ]);
    await failures.getByText('commercial coverage crosswalked').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'm01-mapping-tests-fail.png'), fullPage: true });
    expect(fs.readFileSync(testFile, 'utf8')).toBe(TESTS);
    expect((await h.api('GET', '/api/mappings/adt', undefined, token)).json.content).toBe(before);

    // Keep editing hides the failures; saving again shows them again; then the expected output is updated.
    await failures.getByRole('button', { name: 'Keep editing' }).click();
    await failures.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await failures.getByRole('button', { name: 'Update the expected output' }).click();
    await page.getByText(/Saved as version \d+\. .*Expected output updated in adt\.test\.yaml \(1 case\)\./).waitFor();
    expect(fs.readFileSync(testFile, 'utf8')).toBe(TESTS.replace('payerId: SYNCOM01   # through payerIds', 'payerId: SYNCOM02   # through payerIds'));
    expect((await h.api('GET', '/api/mappings/adt', undefined, token)).json.content).toBe(edited);
  });
});
