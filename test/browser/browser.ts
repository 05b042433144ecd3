/**
 * The browser the tests drive: the system's Chromium through playwright-core (never a download).
 * `DPSKEW_CHROMIUM` names it; else the first of the usual Debian paths that exists. Without one the
 * tests are skipped with the reason printed, unless `DPSKEW_REQUIRE_BROWSER=1` (set by .ci/run),
 * where a missing browser fails them instead of passing silently.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { ROOT } from '../cli/run-cli.ts';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-headless-shell', '/usr/bin/chromium-browser'];

export type Found = { readonly path: string; readonly reason: null } | { readonly path: null; readonly reason: string };

export function findChromium(env: NodeJS.ProcessEnv = process.env): Found {
  const named = env['DPSKEW_CHROMIUM'];
  if (named !== undefined && named !== '') {
    return existsSync(named) ? { path: named, reason: null } : { path: null, reason: `DPSKEW_CHROMIUM=${named} does not exist` };
  }
  const path = CANDIDATES.find((p) => existsSync(p));
  return path === undefined ? { path: null, reason: `no Chromium at ${CANDIDATES.join(', ')} and DPSKEW_CHROMIUM is not set (Debian: apt-get install chromium)` } : { path, reason: null };
}

export const FOUND = findChromium();
/** Skip (with the reason printed) only where a browser is not required. */
export const SKIP = FOUND.reason !== null && process.env['DPSKEW_REQUIRE_BROWSER'] !== '1';
if (SKIP) console.warn(`\n[test/browser] skipped: ${FOUND.reason}\n`);

export async function launch(): Promise<Browser> {
  if (FOUND.path === null) throw new Error(`browser tests need Chromium: ${FOUND.reason}`);
  return chromium.launch({ executablePath: FOUND.path, headless: true });
}

/** What a page did while it was open: errors on its console and every request it made. */
export interface Opened {
  readonly page: Page;
  readonly errors: string[];
  readonly requests: string[];
  /** ms from the start of navigation to the page marking itself rendered (charts drawn) */
  readonly renderedMs: number;
}

export async function openFile(browser: Browser, file: string, options: { width?: number; dark?: boolean } = {}): Promise<Opened> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: 900 }, colorScheme: options.dark === true ? 'dark' : 'light' });
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`file://${file}`);
  await page.waitForSelector('html[data-rendered-ms]', { timeout: 20_000 });
  const renderedMs = Number(await page.locator('html').getAttribute('data-rendered-ms'));
  return { page, errors, requests, renderedMs };
}

/** Full-page screenshots go to test-artifacts/screenshots/ (gitignored; CI keeps the folder). */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = join(ROOT, 'test-artifacts', 'screenshots');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * docs/img/report-page.png (committed): the top of a page down to its first heat map, at 0.7 scale
 * to stay small. Written only when DPSKEW_UPDATE_DOCS_IMAGE=1, so a test run never changes the tree.
 */
export async function writeDocsImage(browser: Browser, file: string): Promise<void> {
  if (process.env['DPSKEW_UPDATE_DOCS_IMAGE'] !== '1') return;
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 }, deviceScaleFactor: 0.7, colorScheme: 'light' });
  const page = await context.newPage();
  await page.goto(`file://${file}`);
  await page.waitForSelector('html[data-rendered-ms]');
  const box = await page.locator('figure.chart[data-chart$=":heatmap"]').first().boundingBox();
  mkdirSync(join(ROOT, 'docs', 'img'), { recursive: true });
  await page.screenshot({ path: join(ROOT, 'docs', 'img', 'report-page.png'), fullPage: true, clip: { x: 0, y: 0, width: 1000, height: (box?.y ?? 900) + (box?.height ?? 0) + 40 } });
  await context.close();
}
