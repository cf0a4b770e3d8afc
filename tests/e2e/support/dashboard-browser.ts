// The dashboard in a real browser for the browser suites: Debian's chromium through
// playwright-core, the dashboard built into a temporary folder (never a stale build), the page's
// clock fixed at the server's, and `checkPage` — a screenshot at a laptop and a phone size into a
// temporary folder, each checked (a PNG, not blank; at phone width no horizontal overflow), and
// axe-core run at both sizes, failing on any serious or critical finding. Without chromium a
// developer's run skips, saying how to enable it; CI installs it (.ci/run), so there a missing one fails.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Clock } from 'tenantry';
import { startApiServer, type ApiServer, type ApiServerOptions } from './api-server.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ENABLE_BROWSER = 'apt-get install -y --no-install-recommends chromium';
export const browserMissing = !existsSync(CHROMIUM);
if (browserMissing && process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing (CI=true): ${ENABLE_BROWSER}`);
/** What a suite's beforeEach passes to context.skip when the browser is missing. */
export const BROWSER_SKIP_REASON = `browser suite: ${CHROMIUM} is missing; enable it with: ${ENABLE_BROWSER}`;
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const DESKTOP = { width: 1366, height: 768 };
export const PHONE = { width: 390, height: 844 };
// The page runs axe from the package's own build: evaluated over the DevTools protocol, which
// the page's Content-Security-Policy (own scripts only) rightly does not apply to.
const AXE_SOURCE = readFileSync(createRequire(join(ROOT, 'packages/dashboard/package.json')).resolve('axe-core/axe.min.js'), 'utf8');

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
  const page = await browser.newPage({ viewport: DESKTOP, acceptDownloads: true });
  // The page's "now" is the server's, or it would take the sessions the server issues for expired ones.
  await page.clock.setFixedTime(clock.now());
  // A step that cannot happen fails in seconds, well inside the suite's time budget.
  page.setDefaultTimeout(10_000);
  return { browser, page };
}

export interface DashboardBrowser {
  readonly api: ApiServer;
  readonly browser: Browser;
  readonly page: Page;
  /** Where checkPage writes its screenshots (removed by close unless KEEP_SCREENSHOTS=1). */
  readonly screenshots: string;
  /** Uncaught errors in the page: a crashed React tree leaves a blank page and fails nothing else. */
  readonly pageErrors: string[];
  close(): Promise<void>;
}

/** @example const d = await startDashboardBrowser(); await d.page.goto(`${d.api.url}/dashboard/`); */
export async function startDashboardBrowser(options: ApiServerOptions = {}): Promise<DashboardBrowser> {
  const build = await buildDashboard();
  const screenshots = await mkdtemp(join(tmpdir(), 'tenantry-dashboard-screens-'));
  const api = await startApiServer(0, { dashboardDir: build.dir, health: true, ...options });
  const { browser, page } = await openBrowser(api.clock);
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return {
    api, browser, page, screenshots, pageErrors,
    async close() {
      await browser.close();
      await api.close();
      await build.remove();
      if (process.env.KEEP_SCREENSHOTS !== '1') await rm(screenshots, { recursive: true, force: true });
    },
  };
}

interface AxeViolation { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }

/** axe-core's serious and critical findings on the page as it is now, one line each. */
async function axeFindings(page: Page): Promise<string[]> {
  if (!(await page.evaluate<boolean>("typeof window.axe === 'object'"))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate<AxeViolation[]>(
    "axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))",
  );
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')})`);
}

/** The widest element's overflow past the viewport at this size, in px (0: none). */
const horizontalOverflow = (page: Page) => page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');

export interface PageCheck {
  readonly axe: { readonly desktop: string[]; readonly phone: string[] };
  readonly phoneOverflowPx: number;
  readonly files: readonly string[];
}

/**
 * Screenshots of the page on a laptop and a phone, axe at both sizes; the caller asserts on
 * the result (so a failure names the page).
 *
 * @example expect(await checkPage(d, '04-tenant-list')).toEqual(CLEAN);
 */
export async function checkPage(d: Pick<DashboardBrowser, 'page' | 'screenshots'>, name: string): Promise<PageCheck> {
  const { page } = d;
  const desktopFile = join(d.screenshots, `${name}-desktop.png`);
  const phoneFile = join(d.screenshots, `${name}-phone.png`);
  await page.screenshot({ path: desktopFile, fullPage: true });
  const desktop = await axeFindings(page);
  await page.setViewportSize(PHONE);
  try {
    await page.screenshot({ path: phoneFile, fullPage: true });
    const phone = await axeFindings(page);
    const phoneOverflowPx = await horizontalOverflow(page);
    // A PNG that says something: the signature and more than a blank page's few hundred bytes.
    for (const file of [desktopFile, phoneFile]) {
      if ((await stat(file)).size < 2_000 || !readFileSync(file).subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
        throw new Error(`${file} is not a screenshot of a page`);
      }
    }
    return { axe: { desktop, phone }, phoneOverflowPx, files: [desktopFile, phoneFile] };
  } finally {
    await page.setViewportSize(DESKTOP);
  }
}

/** What checkPage returns for a page without findings (files aside). */
export const CLEAN = { axe: { desktop: [], phone: [] }, phoneOverflowPx: 0 };

/**
 * For afterEach: an uncaught error in the page fails the step (a crashed React tree leaves a
 * blank page and fails nothing else), and a failed step leaves a screenshot of the page as it was.
 *
 * @example afterEach(({ task }) => afterStep(d, task));
 */
export async function afterStep(d: DashboardBrowser | undefined, task: { name: string; result?: { state?: string } }): Promise<void> {
  if (!d) return;
  const errors = [...d.pageErrors];
  d.pageErrors.length = 0;
  if (task.result?.state === 'fail') await d.page.screenshot({ path: join(d.screenshots, `failed-${task.name.slice(0, 40).replace(/\W+/g, '-')}.png`), fullPage: true });
  if (errors.length > 0) throw new Error(`uncaught errors in the page: ${errors.join('; ')}`);
}
