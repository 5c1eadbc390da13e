/**
 * The web console in a real browser: Debian's chromium driven by playwright-core,
 * against a whole engine (real Postgres database, Redis, MLLP and HTTP ports; engine-harness.ts).
 *
 * Admin flow: log in → the dashboard shows the channel → a DFT^P03 sent over MLLP raises its processed count →
 * the message is found with the search and opens as a field tree ("Patient Name") with its timeline and charges →
 * the DFT mapping is broken through the API (wrong charge code path) → two more DFTs dead-letter and show up
 * grouped by reason → the mapping is fixed in the mapping editor page (type, see the preview, save) → one dead
 * letter is replayed from the group with "Replay selected", the other is edited in the HL7 editor (validation as
 * you type) and replayed edited → both produce their charges, shown on the message's timeline.
 * Viewer: the same pages without any message body and without replay buttons.
 * Channel files and application ACKs: the admin edits the channel file on disk (a new accepted type and an
 * `applicationAcks` destination, a test MLLP listener), reloads it from Administration → Channels and sees the
 * channel `updated` and its new type listed; an invalid file is refused with its file:line:col; an operator sees no
 * reload button, and sees an enhanced-mode DFT's application ACK as sent AA on the message; a viewer sees it in the
 * timeline only.
 * Screenshots of each main screen go to test-output/screenshots (gitignored); the dashboard's first paint and
 * the time until its channel table is rendered are printed as one JSON line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startAckReceiver, type AckReceiver } from '../integration/ack-receiver';
import { startHarness, type Harness } from '../integration/engine-harness';
import { dftMessage, ROOT, waitFor } from '../integration/support';

jest.setTimeout(300_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.join(ROOT, 'test-output', 'screenshots');
const CHANNEL = 'pharmacy-inbound';
const USERS = {
  admin: { username: 'ada', password: 'ada-admin-password-1' },
  operator: { username: 'otto', password: 'otto-operator-password-1' },
  viewer: { username: 'vera', password: 'vera-viewer-password-1' },
} as const;
/** Synthetic patient data: none of it may ever appear in a page URL. */
const PATIENT_ID = 'E2EPAT0001';
const PATIENT_FAMILY = 'TESTPATIENT';
const SHIPPED_DFT = fs.readFileSync(path.join(ROOT, 'mappings/dft-p03.yaml'), 'utf8');
const GOOD_CODE_PATH = 'sentCode: FT1-25.1 | FT1-7.1 | PR1-3.1';
const BROKEN_DFT = SHIPPED_DFT.replace(GOOD_CODE_PATH, 'sentCode: FT1-99.1');

describe('web console in a browser', () => {
  let h: Harness;
  let base: string;
  let browser: Browser;
  let adminToken: string;
  let receiver: AckReceiver | undefined;
  const visited: string[] = [];
  const ids: Record<string, string> = {};

  async function bearer(method: string, url: string, body?: unknown) {
    return h.api(method, url, body, adminToken);
  }

  async function messageId(controlId: string): Promise<string> {
    let id: string | undefined;
    await waitFor(async () => {
      const row = await h.engine.store.db.selectFrom('messages').select('id').where('control_id', '=', controlId).executeTakeFirst();
      id = row?.id === undefined ? undefined : String(row.id);
      return id !== undefined;
    }, 15_000, `message ${controlId} to be stored`);
    return id!;
  }

  async function send(controlId: string, amount: string) {
    const ack = await h.send(dftMessage({ controlId, patientId: PATIENT_ID, lines: [{ txn: `TX-${controlId}`, code: '99605', amount }] }));
    expect(ack).toContain('MSA|AA');
    return messageId(controlId);
  }

  async function newPage(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) visited.push(f.url()); });
    return page;
  }

  async function login(page: Page, who: keyof typeof USERS) {
    await page.goto(`${base}/`);
    await page.getByLabel('User name').fill(USERS[who].username);
    await page.getByLabel('Password').fill(USERS[who].password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
  }

  async function shot(page: Page, name: string) {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  }

  /** The processed count of the channel on the dashboard (0 when the status has no messages yet). */
  async function processedCount(page: Page): Promise<number> {
    const cell = page.locator(`tr[data-channel="${CHANNEL}"] [data-status="processed"] .n`);
    return (await cell.count()) === 0 ? 0 : Number(await cell.textContent());
  }

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    if (!fs.existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    if (!fs.existsSync(path.join(ROOT, 'dist/console/app.js'))) throw new Error('the console is not built: npm run build');
    // The sample channel with an alert on dead letters, evaluated every half second (shown on the dashboard).
    const channelYaml = `${fs.readFileSync(path.join(ROOT, 'channels/pharmacy-inbound.yaml'), 'utf8')}\nalerts:\n  deadLettersAbove: 1\n`;
    h = await startHarness({ store: 'postgres', channelYaml, env: { RXBRIDGE_ALERT_INTERVAL_MS: '500' } });
    base = `http://127.0.0.1:${h.engine.httpAddress()!.port}`;
    // The bootstrap token retires once an admin exists: the admin comes last.
    for (const [who, role] of [['operator', 'operator'], ['viewer', 'viewer'], ['admin', 'admin']] as const) {
      const res = await h.api('POST', '/api/users', { ...USERS[who], role });
      expect(res.status).toBe(201);
    }
    const login = await h.api('POST', '/api/login', USERS.admin, null);
    adminToken = login.json.token;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
    await receiver?.close();
  });

  test('admin: dashboard → message → dead letters → fix the mapping → replay → the charge appears', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await newPage(context);

    await page.goto(`${base}/`);
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    await shot(page, '01-login');
    await login(page, 'admin');

    // The dashboard is the home page and lists the channel.
    const channelRow = page.locator(`table[aria-label="Channels"] tr[data-channel="${CHANNEL}"]`);
    await channelRow.waitFor();
    await expect(channelRow.locator('.badge').first().textContent()).resolves.toBe('listening');

    // First paint of the dashboard on a fresh load (the session cookie is set).
    await page.reload();
    await page.waitForFunction(() => performance.getEntriesByName('rxb:channels-rendered').length > 0);
    const paint = await page.evaluate(() => ({
      firstContentfulPaintMs: Math.round(performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1),
      channelTableMs: Math.round(performance.getEntriesByName('rxb:channels-rendered')[0]?.startTime ?? -1),
    }));
    const stored = await h.engine.store.db.selectFrom('messages').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst();
    process.stdout.write(`${JSON.stringify({ metric: 'console-dashboard-first-paint', ...paint, storedMessages: Number(stored?.n ?? 0) })}\n`);
    expect(paint.channelTableMs).toBeGreaterThan(0);

    // A DFT over MLLP: the dashboard's processed count rises by itself (5 s refresh).
    const before = await processedCount(page);
    ids.ok = await send('E2E-OK-1', '75.00');
    await h.waitForStatus(ids.ok, ['processed']);
    await waitFor(async () => (await processedCount(page)) === before + 1, 20_000, 'the dashboard to show the processed message');
    await page.locator('.minute-chart svg rect.received').first().waitFor();
    await shot(page, '02-dashboard');

    // Find it: `/` focuses the search; the control id finds the row; the row opens the message.
    await page.getByRole('link', { name: 'Messages', exact: true }).click();
    await page.locator('table[aria-label="Messages"]').waitFor();
    await page.keyboard.press('/');
    await expect(page.evaluate('document.activeElement && document.activeElement.getAttribute("name")')).resolves.toBe('controlId');
    await page.keyboard.type('E2E-OK-1');
    await page.keyboard.press('Enter');
    await page.waitForURL(/controlId=E2E-OK-1/);
    const resultRows = page.locator('table[aria-label="Messages"] tbody tr');
    await waitFor(async () => (await resultRows.count()) === 1 && (await resultRows.first().getAttribute('data-message')) === ids.ok,
      10_000, 'the search to show exactly the message sent');
    await shot(page, '03-messages');

    // Patient search (operator+): by family name, kept out of the URL.
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByLabel('Patient id or family name').fill('NOSUCHFAMILY');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText('No message matches this search').waitFor();
    await page.getByLabel('Patient id or family name').fill(PATIENT_FAMILY.toLowerCase().slice(0, 6));
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.locator(`tr[data-message="${ids.ok}"]`).waitFor();
    expect(decodeURIComponent(page.url())).not.toMatch(/NOSUCH|TESTPA|E2EPAT/i);

    await page.locator(`tr[data-message="${ids.ok}"] a`).first().press('Enter');
    await page.waitForURL(new RegExp(`#/messages/${ids.ok}$`));
    const tree = page.locator('.field-tree');
    await tree.getByText('Patient Name').first().waitFor();
    await expect(tree.locator('[data-field="PID-5"]').textContent()).resolves.toContain(PATIENT_FAMILY);
    await expect(page.locator('pre.hl7-raw').textContent()).resolves.toContain('MSH|^~\\&|RXSYS');
    await page.locator('table[aria-label="Charges"] tbody tr').first().waitFor();
    await expect(page.locator('table[aria-label="Charges"]').textContent()).resolves.toContain('99605');
    await shot(page, '04-message');

    // Break the mapping (the charge code path points at an empty field): new DFTs dead-letter.
    const broken = await bearer('PUT', '/api/mappings/dft-p03', { content: BROKEN_DFT });
    expect(broken.status).toBe(200);
    ids.bulk = await send('E2E-BROKEN-1', '80.00');
    ids.edit = await send('E2E-BROKEN-2', '90.00');
    await h.waitForStatus(ids.bulk, ['error']);
    await h.waitForStatus(ids.edit, ['error']);
    const deadCode = (await bearer('GET', `/api/messages/${ids.bulk}/timeline`)).json.message.errorCode as string;
    expect(deadCode).toMatch(/^MAPPING_/);

    // The dashboard names the last error (code and rule, no field values).
    await page.getByRole('link', { name: 'Dashboard' }).click();
    const lastError = page.locator(`tr[data-channel="${CHANNEL}"] .last-error`);
    await waitFor(async () => ((await lastError.textContent()) ?? '').includes(deadCode), 20_000, 'the dashboard to show the last error');
    expect(await lastError.textContent()).not.toMatch(new RegExp(`${PATIENT_ID}|${PATIENT_FAMILY}`));
    // Two dead letters are over the channel's alert limit of 1: the dashboard shows the alert.
    const alerts = page.locator('section[aria-label="Active alerts"]');
    await waitFor(async () => ((await alerts.textContent().catch(() => '')) ?? '').includes(CHANNEL), 20_000, 'the dashboard to show the alert');
    expect(await alerts.textContent()).not.toMatch(new RegExp(`${PATIENT_ID}|${PATIENT_FAMILY}`));

    await page.getByRole('link', { name: 'Dead letters' }).click();
    const group = page.locator(`table[aria-label="Dead-letter groups"] tr[data-group="${deadCode}"]`);
    await group.waitFor();
    await expect(group.locator('td').nth(2).textContent()).resolves.toBe('2');
    await group.getByRole('button', { name: 'Show messages' }).click();
    await page.locator(`tr[data-message="${ids.bulk}"]`).waitFor();
    await page.locator(`tr[data-message="${ids.edit}"]`).waitFor();
    await shot(page, '05-dead-letters');

    // Fix the mapping in the mapping editor: type the right path, see the preview, save.
    await page.goto(`${base}/#/mappings/dft-p03`);
    const yaml = page.getByRole('textbox', { name: 'Mapping YAML' });
    await yaml.waitFor();
    await yaml.click();
    await page.keyboard.press('Control+a');
    await page.keyboard.insertText(SHIPPED_DFT);
    await page.locator('.validation').getByText('Valid', { exact: true }).waitFor({ timeout: 20_000 });
    await page.getByRole('heading', { name: 'Output records' }).waitFor();
    await page.locator('section[aria-labelledby="output-title"]').getByText('99605').first().waitFor({ timeout: 20_000 });
    await shot(page, '06-mapping-editor');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText(/Saved as version \d+/).waitFor();
    const live = await bearer('GET', '/api/mappings/dft-p03');
    expect(live.json.content).toBe(SHIPPED_DFT);

    // Replay one dead letter from its group ("Replay selected", per-message results).
    await page.getByRole('link', { name: 'Dead letters' }).click();
    await group.getByRole('button', { name: 'Show messages' }).click();
    await page.getByLabel(`Select message ${ids.bulk}`).check();
    await page.getByRole('button', { name: 'Replay selected (1)' }).click();
    await page.locator(`.replay-results li[data-result="${ids.bulk}"]`).getByText('replay 1 queued').waitFor();
    await h.waitForStatus(ids.bulk, ['processed']);

    // Edit the other one in the HL7 editor: validation as you type, then "Replay edited".
    await page.goto(`${base}/#/dead-letters/${ids.edit}`);
    const editor = page.getByRole('textbox', { name: `HL7 message ${ids.edit}` });
    await editor.waitFor();
    await page.locator('p.valid').waitFor();
    await editor.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.insertText('\nnot a segment');
    await page.locator('ul.issues').getByText(/does not start with a segment id/).waitFor();
    await expect(page.getByRole('button', { name: 'Replay edited' }).isDisabled()).resolves.toBe(true);
    await page.locator('.cm-lintRange-error').first().waitFor();
    await shot(page, '07-dead-letter-editor');
    for (let i = 0; i < 'not a segment'.length; i++) await page.keyboard.press('Backspace');
    await page.keyboard.insertText('NTE|1||corrected in the console');
    await page.locator('p.valid').waitFor();
    await page.getByRole('button', { name: 'Replay edited' }).click();
    await page.getByText(/Replay 1 queued with the edited message/).waitFor();
    await h.waitForStatus(ids.edit, ['processed']);
    const contents = await h.engine.store.db.selectFrom('message_contents').select(['version', 'kind'])
      .where('message_id', '=', ids.edit as never).orderBy('version').execute();
    expect(contents.map((c) => c.kind)).toEqual(['raw', 'edited']); // the original stays
    const edited = (await bearer('GET', `/api/messages/${ids.edit}`)).json;
    expect(edited.contents[0].content).not.toContain('corrected in the console');
    expect(edited.contents[1].content).toBe(`${edited.contents[0].content}\rNTE|1||corrected in the console`);

    // The replayed messages' timelines show their charges.
    for (const [id, amount] of [[ids.bulk, '80.00'], [ids.edit, '90.00']] as const) {
      await page.goto(`${base}/#/messages/${id}`);
      await page.locator('table[aria-label="Charges"] tbody tr').first().waitFor();
      await expect(page.locator('table[aria-label="Charges"]').textContent()).resolves.toContain(amount);
      await expect(page.locator('ol.timeline').textContent()).resolves.toMatch(/replay/i);
    }
    await page.locator('.field-tree').waitFor();
    await page.getByLabel('Content version').selectOption('1');
    await expect(page.locator('pre.hl7-raw').textContent()).resolves.not.toContain('corrected in the console');
    await shot(page, '08-message-replayed');

    // The processed count includes the replays.
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await waitFor(async () => (await processedCount(page)) === before + 3, 20_000, 'the dashboard to count the replayed messages');
    await context.close();
  });

  test('viewer: metadata, timeline and charges, but no raw body and no replay button anywhere', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await newPage(context);
    const bodyRequests: string[] = [];
    page.on('request', (r) => { if (/\/api\/messages\/\d+$/.test(new URL(r.url()).pathname)) bodyRequests.push(r.url()); });
    await login(page, 'viewer');
    await page.locator(`table[aria-label="Channels"] tr[data-channel="${CHANNEL}"]`).waitFor();

    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link', { name: 'Dead letters' }).count()).resolves.toBe(0);

    await nav.getByRole('link', { name: 'Messages', exact: true }).click();
    await page.locator(`tr[data-message="${ids.ok}"]`).waitFor();
    await expect(page.getByLabel('Patient id or family name').count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: /replay/i }).count()).resolves.toBe(0);

    // Keyset paging: two at a time, newest first; "Older" appends the next page.
    await page.goto(`${base}/#/messages?channel=${CHANNEL}&limit=2`);
    const rows = page.locator('table[aria-label="Messages"] tbody tr');
    await page.locator(`tr[data-message="${ids.edit}"]`).waitFor();
    await expect(rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-message')))).resolves.toEqual([ids.edit, ids.bulk]);
    await page.getByRole('button', { name: 'Older' }).click();
    await page.locator(`tr[data-message="${ids.ok}"]`).waitFor();
    await expect(rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-message')))).resolves.toEqual([ids.edit, ids.bulk, ids.ok]);
    await page.getByText('no older messages').waitFor();

    for (const id of [ids.ok!, ids.edit!]) {
      await page.goto(`${base}/#/messages/${id}`);
      await page.locator('table[aria-label="Charges"] tbody tr').first().waitFor();
      await page.getByText('Message bodies are shown to operators and above').waitFor();
      await expect(page.locator('.field-tree').count()).resolves.toBe(0);
      await expect(page.locator('pre.hl7-raw').count()).resolves.toBe(0);
      await expect(page.getByRole('button', { name: /replay/i }).count()).resolves.toBe(0);
      await expect(page.getByRole('link', { name: /replay/i }).count()).resolves.toBe(0);
      await expect(page.content()).resolves.not.toContain('MSH|');
    }
    await shot(page, '09-viewer-message');

    // The dead-letter page is not open to a viewer: its hash falls back to the dashboard.
    await page.goto(`${base}/#/dead-letters/${ids.edit}`);
    await page.locator('table[aria-label="Channels"]').waitFor();
    await expect(page.getByRole('button', { name: /replay/i }).count()).resolves.toBe(0);
    expect(bodyRequests).toEqual([]);

    // Log out: the cookie session ends and the login form is back.
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    const me = await page.evaluate(async () => (await fetch('/api/me')).status);
    expect(me).toBe(401);
    await context.close();
  });

  test('channel files reloaded from the console (admin only); the application ACK on the message and its timeline', async () => {
    receiver = await startAckReceiver();
    const channelFile = path.join(h.project.channelsDir, `${CHANNEL}.yaml`);
    const original = fs.readFileSync(channelFile, 'utf8');
    const oruLine = original.split('\n').find((l) => l.includes('- ORU^R01'))!;
    expect(oruLine).toBeDefined();
    const edited = `${original.replace(oruLine, `${oruLine}\n  - ADT^A03`)}\napplicationAcks:\n  host: 127.0.0.1\n  port: ${receiver.port}\n  timeoutMs: 1000\n  backoffMs: 200\n`;

    const admin = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await newPage(admin);
    await login(page, 'admin');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Channels' }).click();
    const accepts = page.locator(`table[aria-label="Channels in force"] tr[data-channel="${CHANNEL}"] .accept`);
    await accepts.waitFor();
    expect(await accepts.textContent()).not.toContain('ADT^A03');

    // A valid edit: the channel is updated in place and the list shows the new type.
    fs.writeFileSync(channelFile, edited);
    const reloadButton = page.getByRole('button', { name: 'Reload channel files' });
    await reloadButton.click();
    const row = page.locator(`table[aria-label="Reload result"] tr[data-channel="${CHANNEL}"]`);
    await row.waitFor();
    await expect(row.getAttribute('data-outcome')).resolves.toBe('updated');
    // An applicationAcks destination also puts the channel under the standard answer policy: `acks` changed too.
    await expect(row.locator('td').nth(2).textContent()).resolves.toBe('accept, acks, applicationAcks');
    await page.getByRole('status').getByText('Reloaded: 1 updated.').waitFor();
    await waitFor(async () => ((await accepts.textContent()) ?? '').includes('ADT^A03'), 10_000, 'the channel list to show the new type');
    const answers = page.locator(`table[aria-label="Channels in force"] tr[data-channel="${CHANNEL}"] .acks`);
    await expect(answers.textContent()).resolves.toBe('standard');
    await expect(reloadButton.isEnabled()).resolves.toBe(true);
    await shot(page, '10-channels-reloaded');

    // An invalid file: refused with the file, line and column; nothing changes.
    const invalid = edited.replace('enabled: true', 'enabled: maybe');
    const badLine = invalid.split('\n').findIndex((l) => l.startsWith('enabled: maybe')) + 1;
    fs.writeFileSync(channelFile, invalid);
    await reloadButton.click();
    const problems = page.locator('[aria-label="Channel file problems"]');
    await problems.waitFor();
    const issue = (await problems.locator('li').first().textContent()) ?? '';
    expect(issue).toContain(`${channelFile}:${badLine}:10`);
    expect(issue).toMatch(/enabled/);
    await expect(page.locator('table[aria-label="Reload result"]').count()).resolves.toBe(0);
    expect([...(h.engine.channels.find((c) => c.name === CHANNEL)?.accept ?? [])]).toContain('ADT^A03');
    await shot(page, '11-channels-invalid');

    // Fixed again: the same settings as in force, so nothing changes.
    fs.writeFileSync(channelFile, edited);
    await reloadButton.click();
    await expect(row.waitFor().then(() => row.getAttribute('data-outcome'))).resolves.toBe('unchanged');
    await expect(problems.count()).resolves.toBe(0);
    await admin.close();

    // An enhanced-mode DFT (MSH-15/16 AL): CA on the connection, then AA at the sender's listener.
    const [msh, ...rest] = dftMessage({ controlId: 'E2E-APPACK-1', patientId: PATIENT_ID, lines: [{ txn: 'TX-APPACK-1', code: '99605', amount: '15.00' }] }).split('\r');
    expect(await h.send([`${msh}|||AL|AL`, ...rest].join('\r'))).toContain('MSA|CA|E2E-APPACK-1');
    ids.appAck = await messageId('E2E-APPACK-1');
    await h.waitForStatus(ids.appAck, ['processed']);
    await waitFor(async () => {
      const ack = await h.engine.store.db.selectFrom('application_acks').select('state').where('message_id', '=', ids.appAck as never).executeTakeFirst();
      return ack?.state === 'sent';
    }, 20_000, 'the application ACK to be delivered');
    expect(receiver.acksFor('E2E-APPACK-1')).toHaveLength(1);
    const ackControlId = (await bearer('GET', `/api/messages/${ids.appAck}`)).json.applicationAck.ack_control_id as string;

    // An operator: no reload button anywhere (the admin pages are not open to the role); the ACK line on the message.
    const operator = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const opPage = await newPage(operator);
    await login(opPage, 'operator');
    await expect(opPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).count()).resolves.toBe(0);
    await opPage.goto(`${base}/#/admin/channels`);
    await opPage.locator('table[aria-label="Channels"]').waitFor();
    await expect(opPage.getByRole('button', { name: /reload/i }).count()).resolves.toBe(0);
    await opPage.goto(`${base}/#/messages/${ids.appAck}`);
    const ackLine = opPage.locator('dd.application-ack');
    await ackLine.waitFor();
    await expect(ackLine.getAttribute('data-state')).resolves.toBe('sent');
    const text = (await ackLine.textContent()) ?? '';
    expect(text.startsWith(`sent AA (MSH-10 ${ackControlId}) at `)).toBe(true);
    expect(text.endsWith('(MSH-16 AL)')).toBe(true);
    const ackEvent = opPage.locator('ol.timeline li[data-stage="application_ack"]');
    await expect(ackEvent.textContent()).resolves.toContain(`application ACK AA delivered (MSH-10 ${ackControlId})`);
    await shot(opPage, '12-message-application-ack');
    await operator.close();

    // A viewer: the ACK's outcome in the timeline, no ACK line (it comes with the body's answer).
    const viewer = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const viewerPage = await newPage(viewer);
    await login(viewerPage, 'viewer');
    await viewerPage.goto(`${base}/#/messages/${ids.appAck}`);
    await viewerPage.locator('table[aria-label="Charges"] tbody tr').first().waitFor();
    const viewerEvent = viewerPage.locator('ol.timeline li[data-stage="application_ack"]');
    await expect(viewerEvent.locator('.badge').textContent()).resolves.toBe('application ACK');
    await expect(viewerEvent.locator('.detail').textContent()).resolves.toBe(`AA delivered (MSH-10 ${ackControlId})`);
    await expect(viewerPage.locator('dd.application-ack').count()).resolves.toBe(0);
    await viewer.close();
  });

  test('no page URL carried patient data', () => {
    expect(visited.length).toBeGreaterThan(5);
    for (const url of visited) expect(decodeURIComponent(url)).not.toMatch(new RegExp(`${PATIENT_ID}|${PATIENT_FAMILY}|ALEX|NOSUCHFAMILY`, 'i'));
  });
});
