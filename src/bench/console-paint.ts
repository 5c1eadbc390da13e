/**
 * First paint of the console's dashboard in a real browser, for the `console` scenario:
 * Debian's chromium (CHROMIUM_PATH, default /usr/bin/chromium) driven by playwright-core, headless. An admin user
 * is created through the API (so call this after everything that needs the bootstrap token), logged in with a
 * cookie session, and the dashboard is loaded `loads` times in fresh pages: each load reports the browser's
 * first-contentful-paint and the `rxb:channels-rendered` mark the dashboard sets once its channel table shows
 * data (both from navigation start). Without chromium the measurement is skipped, with the reason.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';

export interface DashboardPaint {
  loads: number;
  /** first-contentful-paint, ms from navigation start. */
  firstContentfulPaint: { p50: number; max: number };
  /** Channel table rendered with data (the dashboard's `rxb:channels-rendered` mark). */
  channelTable: { p50: number; max: number };
}

export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/** `executable`: the browser's (run.ts reads CHROMIUM_PATH). */
export async function measureDashboardPaint(
  base: string,
  bootstrapToken: string,
  executable: string,
  loads = 5,
): Promise<DashboardPaint | { skipped: string }> {
  if (!fs.existsSync(executable)) return { skipped: `no chromium at ${executable} (apt-get install -y chromium, or set CHROMIUM_PATH)` };
  const username = 'bench-admin';
  const password = crypto.randomBytes(18).toString('base64url');
  const created = await fetch(`${base}/api/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bootstrapToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ username, password, role: 'admin' }),
  });
  if (created.status !== 201) throw new Error(`creating the bench user answered ${created.status}`);

  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: executable, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const login = await context.request.post(`${base}/api/login`, { data: { username, password, cookie: true } });
    if (!login.ok()) throw new Error(`console login answered ${login.status()}`);
    const fcp: number[] = [];
    const table: number[] = [];
    for (let i = 0; i < loads; i++) {
      const page = await context.newPage();
      await page.goto(`${base}/#/dashboard`);
      await page.waitForFunction(() => performance.getEntriesByName('rxb:channels-rendered').length > 0, undefined, { timeout: 30_000 });
      const t = await page.evaluate(() => ({
        fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1,
        table: performance.getEntriesByName('rxb:channels-rendered')[0]?.startTime ?? -1,
      }));
      fcp.push(t.fcp);
      table.push(t.table);
      await page.close();
    }
    return { loads, firstContentfulPaint: summary(fcp), channelTable: summary(table) };
  } finally {
    await browser.close();
  }
}

function summary(values: number[]): { p50: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: Math.round(sorted[Math.floor((sorted.length - 1) / 2)] ?? -1), max: Math.round(sorted[sorted.length - 1] ?? -1) };
}
