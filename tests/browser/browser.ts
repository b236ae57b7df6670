/**
 * What the map's browser tests share: a real Chromium, a page that records its own errors, the
 * login, and screenshots kept in test-artifacts/. The web app is built by global-setup.ts.
 */

import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const WEB_DIR = 'web/dist';
export const ARTIFACTS = 'test-artifacts';
export const POLL = { timeout: 20_000, interval: 200 };

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    headless: true,
  });
}

function newest(dir: string): string {
  let found = dir;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const candidate = entry.isDirectory() ? newest(full) : full;
    if (fs.statSync(candidate).mtimeMs > fs.statSync(found).mtimeMs) found = candidate;
  }
  return found;
}

/** The page under test must be the current source: a stale web/dist would test old code. */
export function assertFreshBuild(): void {
  const built = path.join(WEB_DIR, 'index.html');
  const fix = 'tests/browser/global-setup.ts builds it as vitest globalSetup; or run npx vite build';
  if (!fs.existsSync(built)) throw new Error(`${built} is missing: ${fix}`);
  const source = [newest('web/src'), 'web/index.html'].reduce((a, b) => (fs.statSync(a).mtimeMs >= fs.statSync(b).mtimeMs ? a : b));
  if (fs.statSync(source).mtimeMs > fs.statSync(built).mtimeMs) throw new Error(`${built} is older than ${source}: ${fix}`);
}

/** A page (the map, or pagePath) that records its own errors, so a test can assert the app ran cleanly; status: the HTTP answer's. */
export async function openPage(context: BrowserContext, base: string, pagePath = '/'): Promise<{ page: Page; errors: string[]; status: number | undefined }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  const response = await page.goto(`${base}${pagePath}`);
  return { page, errors, status: response?.status() };
}

/** The login dialog, filled in as a person would. */
export async function logIn(page: Page, username: string, password: string): Promise<void> {
  await page.waitForSelector('#login[open]');
  await page.fill('#login input[name="username"]', username);
  await page.fill('#login input[name="password"]', password);
  await page.click('#login button[type="submit"]');
}

/**
 * Errors other than the failed requests a test provoked on purpose (the browser logs each), and the
 * 401 a page gets while it checks for a session before the login.
 */
export function unexpected(errors: string[], expectedStatuses: number[] = []): string[] {
  const expected = [401, ...expectedStatuses].map((status) => `status of ${status} (`);
  return errors.filter((e) => !expected.some((x) => e.includes(x)));
}

/** A string table entry with its {name} placeholders filled, as the page fills them. */
export const fill = (template: string, params: Record<string, string | number>) => template.replace(/\{(\w+)\}/g, (_, k: string) => String(params[k]));

export function text(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (el) => el.textContent ?? '');
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // Clicks scroll the drone panel; the picture shows it from the top, as a person opens it.
  await page.$eval('#panel', (panel) => panel.scrollTo(0, 0)).catch(() => {});
  await settled(page);
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

/** The centre of an element on screen, to click there as a person would. */
export async function centre(page: Page, selector: string): Promise<{ x: number; y: number }> {
  const box = await page.locator(selector).first().boundingBox();
  if (!box) throw new Error(`${selector} is not on screen`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** The map is not in the middle of a zoom animation (positions on screen are final; layers hidden meanwhile show again). */
export async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => !document.querySelector('.leaflet-zoom-anim'));
  await page.waitForTimeout(300);
}

/**
 * Units, technical terms both languages write in Latin letters, the product's name and the autopilots' and their protocol's
 * (ArduPilot, PX4, MAVLink): not left-over English.
 * (GPS, HDOP and the like are read so by Chinese pilots too; m, km, s, V, A are units.)
 */
const LATIN_IN_CHINESE = new Set([
  'SkyBeat',
  'GPS',
  'EKF',
  'HDOP',
  'CRC',
  'RTK',
  'PPP',
  'DGPS',
  'AMSL',
  'GPX',
  'KML',
  'plan',
  'waypoints',
  'kml',
  'geojson',
  'km',
  'EN',
  'ArduPilot',
  'PX4',
  'MAVLink',
  'QGroundControl',
  'JSON',
  'XML',
  'GeoJSON',
]);

/**
 * Inside the service's messages (web/src/said.tsx): the autopilot's (or a file parser's) own words,
 * marked as theirs, and identifiers written as they are (a MAVLink command name, a place in a route
 * file). Never the page's English.
 */
const SAID_NOT_OURS = ['[data-said-by]', '.said__id'];

/**
 * The English words a person still sees under root after a switch to Chinese: visible text,
 * the choices of visible menus and the tooltips of buttons. skip: elements holding words that are
 * not the page's own (the autopilot's messages, the service's reasons, run events as the service
 * writes them); data: names and values shown as they are (callsigns, user names, route names).
 */
export async function englishLeft(page: Page, root: string, options: { skip?: string[]; data?: string[] } = {}): Promise<string[]> {
  // What is on screen once the page has drawn: it redraws in the next animation frame.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  const shown = await page.$$eval(root, (roots, skip) => {
    const texts: string[] = [];
    const skipped = (el: Element) => skip.some((selector) => el.closest(selector));
    for (const top of roots) {
      const walker = document.createTreeWalker(top, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement;
        if (!parent || skipped(parent)) continue;
        const select = parent.closest('select');
        if (select ? select.checkVisibility() : parent.checkVisibility()) texts.push(node.textContent ?? '');
      }
      for (const el of top.querySelectorAll<HTMLElement>('[title]')) if (!skipped(el) && el.checkVisibility()) texts.push(el.title);
    }
    return texts;
  }, [...SAID_NOT_OURS, ...(options.skip ?? [])]);
  // Incident numbers (HF-20261202-003) are ids: the station's code is not a word.
  let text = shown.join('\n').replace(/\b[A-Z][A-Z0-9]{0,7}-\d{8}-\d{3,}\b/g, ' ');
  // Longest first: a name inside a longer value must not break it up.
  for (const value of [...(options.data ?? [])].sort((a, b) => b.length - a.length)) text = text.split(value).join(' ');
  return [...new Set(text.match(/[A-Za-z]{2,}/g) ?? [])].filter((word) => !LATIN_IN_CHINESE.has(word));
}
