// The dashboard in a real browser for a browser suite: Debian's chromium through playwright-core,
// the dashboard built into a temporary folder (never a stale build), and the page's clock fixed
// at the server's. Without chromium a developer's run skips, saying how to enable it; CI installs
// it (.ci/run), so there a missing one fails.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Clock } from 'tenantry';

export const CHROMIUM = '/usr/bin/chromium';
export const ENABLE_BROWSER = 'apt-get install -y --no-install-recommends chromium';
export const browserMissing = !existsSync(CHROMIUM);
if (browserMissing && process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing (CI=true): ${ENABLE_BROWSER}`);
/** What a suite's beforeEach passes to context.skip when the browser is missing. */
export const BROWSER_SKIP_REASON = `browser suite: ${CHROMIUM} is missing; enable it with: ${ENABLE_BROWSER}`;
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface DashboardBuild {
  readonly dir: string;
  remove(): Promise<void>;
}

/** @example const build = await buildDashboard(); startApiServer(1, { dashboardDir: build.dir }); */
export async function buildDashboard(): Promise<DashboardBuild> {
  const dir = await mkdtemp(join(tmpdir(), 'tenantry-dashboard-e2e-'));
  await promisify(execFile)(join(ROOT, 'node_modules/.bin/vite'), ['build', '--outDir', dir, '--emptyOutDir', '--logLevel', 'warn'], { cwd: join(ROOT, 'packages/dashboard') });
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** @example const { browser, page } = await openBrowser(api.clock); … await browser.close(); */
export async function openBrowser(clock: Clock): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 }, acceptDownloads: true });
  // The page's "now" is the server's, or it would take the sessions the server issues for expired ones.
  await page.clock.setFixedTime(clock.now());
  // A step that cannot happen fails in seconds, well inside the suite's time budget.
  page.setDefaultTimeout(10_000);
  return { browser, page };
}
