/**
 * The ops person's message list and dead-letter editor in a real browser (Debian's chromium, playwright-core)
 * against a whole engine on Postgres (engine-harness.ts):
 * - the list fits 25 rows or more on a 1440×900 screen and has no sideways page scroll at 1024 px; a date never wraps;
 * - a column header sorts on the server (the address says so);
 * - a search by a word of the content finds the message, a part of the word does not, the words stay out of the URL;
 * - the dead-letter editor marks the position the error names (FT1-11.1.1), shows the path under the cursor, its
 *   field tree follows the cursor and jumps on a click, and "Replay as is" asks first while an edit is pending;
 * - ids are links: message → charge row; a charge id opens its message with the row marked.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startHarness, type Harness } from '../integration/engine-harness';
import { dftMessage, ROOT, waitFor } from '../integration/support';

jest.setTimeout(300_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.join(ROOT, 'test-output', 'screenshots');
const OPERATOR = { username: 'opal', password: 'opal-operator-password-1' };
const ADMIN = { username: 'adam', password: 'adam-admin-password-1' };
const NO_AMOUNT = fs.readFileSync(path.join(ROOT, 'samples/dft-p03-no-amount.hl7'), 'utf8').replace(/\r?\n/g, '\r').trim();

describe('message list and dead-letter editor in a browser', () => {
  let h: Harness;
  let base: string;
  let browser: Browser;
  const ids: Record<string, string> = {};

  async function idOf(controlId: string): Promise<string> {
    const row = await h.engine.store.db.selectFrom('messages').select('id').where('control_id', '=', controlId).executeTakeFirstOrThrow();
    return String(row.id);
  }

  async function login(page: Page) {
    await page.goto(`${base}/`);
    await page.getByLabel('User name').fill(OPERATOR.username);
    await page.getByLabel('Password').fill(OPERATOR.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
  }

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    if (!fs.existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}`);
    if (!fs.existsSync(path.join(ROOT, 'dist/console/app.js'))) throw new Error('the console is not built: npm run build');
    h = await startHarness({ store: 'postgres' });
    base = `http://127.0.0.1:${h.engine.httpAddress()!.port}`;
    expect((await h.api('POST', '/api/users', { ...OPERATOR, role: 'operator' })).status).toBe(201);
    expect((await h.api('POST', '/api/users', { ...ADMIN, role: 'admin' })).status).toBe(201);
    // 40 charges with long control ids and senders (the widest cells), one with a distinctive family name.
    for (let i = 1; i <= 40; i++) {
      const controlId = `E2E-LIST-${String(i).padStart(4, '0')}-WITH-A-RATHER-LONG-CONTROL-ID`;
      let text = dftMessage({ controlId, patientId: `LISTPAT${i}`, lines: [{ txn: `TX-L${i}`, code: '99605', amount: '75.00' }] });
      if (i === 7) text = text.replace('TESTPATIENT^ALEX', 'WINTERBOTTOM^ALEX');
      expect(await h.send(text)).toContain('MSA|AA');
    }
    ids.word = await idOf('E2E-LIST-0007-WITH-A-RATHER-LONG-CONTROL-ID');
    expect(await h.send(NO_AMOUNT)).toContain('MSA|AA');
    ids.dead = await idOf('SAMPLE-DFT-0002');
    await h.waitForStatus(ids.dead, ['error']);
    await h.waitForStatus(ids.word, ['processed']);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  test('the list: ≥ 25 rows at 1440×900, no sideways scroll at 1024 px, dates on one line, sorting on the server', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await login(page);
    await page.goto(`${base}/#/messages`);
    const rows = page.locator('table[aria-label="Messages"] tbody tr');
    await waitFor(async () => (await rows.count()) >= 40, 15_000, 'the list to show the messages');
    // In the page (a string: the test files are compiled without the DOM types).
    const fit = (await page.evaluate(`(() => {
      const trs = [...document.querySelectorAll('table[aria-label="Messages"] tbody tr')];
      const inView = trs.filter((tr) => tr.getBoundingClientRect().bottom <= window.innerHeight).length;
      const times = [...document.querySelectorAll('table[aria-label="Messages"] tbody tr td:nth-child(2)')];
      const wrapped = times.filter((td) => td.getBoundingClientRect().height > 26).length;
      return { inView, wrapped, rowHeight: trs[0].getBoundingClientRect().height };
    })()`)) as { inView: number; wrapped: number; rowHeight: number };
    process.stdout.write(`${JSON.stringify({ metric: 'message-list-rows-1440x900', ...fit })}\n`);
    expect(fit.inView).toBeGreaterThanOrEqual(25);
    expect(fit.wrapped).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'messages-1440.png') });

    // Sort by type then by status: the address carries the order, the server answers it.
    await page.getByRole('button', { name: /^Status/ }).click();
    await page.waitForURL(/sort=status&dir=desc/);
    await waitFor(async () => (await rows.last().getAttribute('data-message')) === ids.dead, 10_000, 'the dead letter (status error) last when descending');
    await page.getByRole('button', { name: /^Status/ }).click();
    await page.waitForURL(/sort=status&dir=asc/);
    await waitFor(async () => (await rows.first().getAttribute('data-message')) === ids.dead, 10_000, 'error sorts before processed');
    await expect(page.locator('th[aria-sort="ascending"]').textContent()).resolves.toContain('Status');

    await page.setViewportSize({ width: 1024, height: 768 });
    await page.goto(`${base}/#/messages`);
    await waitFor(async () => (await rows.count()) >= 40, 15_000, 'the list at 1024 px');
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
    await page.screenshot({ path: path.join(SHOTS, 'messages-1024.png') });
    expect(overflow).toBeLessThanOrEqual(0);
    await context.close();
  });

  test('search by a word of the content: whole words only, kept out of the address', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await login(page);
    await page.goto(`${base}/#/messages`);
    const rows = page.locator('table[aria-label="Messages"] tbody tr');
    await page.getByLabel('Words in the message').fill('winterbottom');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await waitFor(async () => (await rows.count()) === 1 && (await rows.first().getAttribute('data-message')) === ids.word, 10_000, 'the word to find its message');
    expect(decodeURIComponent(page.url())).not.toMatch(/winter/i);

    // The result exported as CSV (no body), and replayed after naming a reason and confirming the count.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const csv = fs.readFileSync((await download.path())!, 'utf8');
    expect(csv.split('\r\n')[1]?.split(',')[0]).toBe(ids.word);
    expect(csv.toLowerCase()).not.toContain('winterbottom');
    const replay = page.getByRole('button', { name: 'Replay this message' });
    await expect(replay.isDisabled()).resolves.toBe(true); // no reason yet
    await page.getByLabel('Reason').fill('fee schedule fixed');
    await replay.click();
    await page.getByRole('group', { name: /Replay all 1 message of this search/ }).getByRole('button', { name: 'Replay 1 message' }).click();
    await page.getByText('1 of 1 replays queued').waitFor();
    await h.waitForStatus(ids.word!, ['processed']);
    const charges = await h.engine.store.db.selectFrom('charges').select('id').where('message_id', '=', ids.word!).execute();
    expect(charges).toHaveLength(1);
    await page.getByLabel('Words in the message').fill('winterbot');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText('No message matches this search').waitFor();
    await context.close();
  });

  test('dead-letter editor: the failing field marked, the path at the cursor, the tree follows and jumps; Replay as is asks first', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await login(page);
    const detail = await h.api('GET', `/api/dead-letters?limit=5`, undefined, (await h.api('POST', '/api/login', OPERATOR, null)).json.token);
    const errorText = (detail.json.deadLetters as Array<{ id: string; error_text: string }>).find((m) => m.id === ids.dead)!.error_text;
    expect(errorText).toContain('FT1-11.1.1');

    await page.goto(`${base}/#/dead-letters/${ids.dead}`);
    const editor = page.getByRole('textbox', { name: `HL7 message ${ids.dead}` });
    await editor.waitFor();
    // The error names FT1-11.1.1, an empty value: its separator is marked in the FT1 line.
    const marked = page.locator('.hl7-failing');
    await marked.first().waitFor();
    await expect(page.locator('.failing-positions').textContent()).resolves.toContain('FT1-11.1.1');

    // Jump to it from the error line: the cursor path names it.
    await page.locator('.failing-positions button', { hasText: 'FT1-11.1.1' }).click();
    await waitFor(async () => (await page.locator('[data-cursor-path]').getAttribute('data-cursor-path')) === 'FT1-11', 5_000, 'the cursor at FT1-11');

    // The tree follows the cursor: the PID line → its fields are listed, PID-5 is a node; a click jumps there.
    await page.locator('.editor-tree button[data-path="PID"]').click();
    await page.locator('.editor-tree button[data-path="PID-5"]').click();
    await waitFor(async () => ((await page.locator('[data-cursor-path]').getAttribute('data-cursor-path')) ?? '').startsWith('PID-5'), 5_000, 'the cursor in PID-5');
    await expect(page.locator('.editor-tree [aria-current="location"]').getAttribute('data-path')).resolves.toMatch(/^PID-5/);
    await expect(page.locator('.cursor-path').textContent()).resolves.toContain('Patient Name');
    await page.screenshot({ path: path.join(SHOTS, 'dead-letter-editor.png') });

    // An edit pending: "Replay as is" asks before dropping it; Cancel keeps the page as it was.
    await page.keyboard.type('X');
    await page.getByRole('button', { name: 'Replay as is' }).click();
    const question = page.getByRole('group', { name: /Your edit is not sent/ });
    await question.waitFor();
    await question.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByRole('button', { name: 'Replay as is' }).isVisible()).resolves.toBe(true);
    const replays = await h.engine.store.db.selectFrom('messages').select('replays').where('id', '=', ids.dead!).executeTakeFirstOrThrow();
    expect(replays.replays).toBe(0);
    await page.getByRole('button', { name: 'Replay as is' }).click();
    await page.getByRole('button', { name: 'Replay without my edit' }).click();
    await page.getByText(/Replay 1 queued/).waitFor();
    await context.close();
  });

  test('ids are links: a message and its charge, the charge opening its message with the row marked', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await login(page);
    await page.goto(`${base}/#/messages`);
    const link = page.locator(`tr[data-message="${ids.word}"] a[data-id-kind="message"]`);
    await link.click();
    await page.waitForURL(new RegExp(`#/messages/${ids.word}$`));
    const chargeLink = page.locator('table[aria-label="Charges"] a[data-id-kind="charge"]').first();
    await chargeLink.waitFor();
    const chargeId = (await chargeLink.textContent())!;
    await chargeLink.click();
    await page.waitForURL(new RegExp(`#/messages/${ids.word}\\?charge=${chargeId}$`));
    await page.locator(`tr[data-charge="${chargeId}"].marked`).waitFor();
    await context.close();
  });
});
