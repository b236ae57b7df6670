/**
 * Routes in a real Chromium against the real service and a real missions folder: the list, a
 * preview on the map, files dropped on the page (.waypoints on the tab, .geojson on the map, a
 * broken .plan refused with its reason), and editing on the map — add, delete, move, altitude —
 * saved back through the service; a route over the ceiling is flagged as it is edited and not sent.
 */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { strings } from '../../web/src/i18n.ts';
import type { RouteDetail } from '../../web/src/routes/catalog.ts';
import { testService } from '../helpers/service.ts';
import { shortPlan, WP1, WP2 } from '../patrols/rig.ts';
import {
  assertFreshBuild,
  centre,
  englishLeft,
  fill,
  launchBrowser,
  logIn,
  openPage,
  POLL,
  screenshot,
  settled,
  text,
  unexpected,
  WEB_DIR,
} from './browser.ts';

const { en, 'zh-CN': zh } = strings;

const WAYPOINTS = [
  'QGC WPL 110',
  '0\t1\t0\t16\t0\t0\t0\t0\t28.370000\t121.380000\t10.000000\t1',
  '1\t0\t3\t22\t0\t0\t0\t0\t0\t0\t25\t1',
  '2\t0\t3\t16\t0\t0\t0\t0\t28.371500\t121.381000\t25\t1',
  '3\t0\t3\t16\t0\t0\t0\t0\t28.371500\t121.382000\t25\t1',
  '4\t0\t3\t20\t0\t0\t0\t0\t0\t0\t0\t1',
  '',
].join('\n');
const GEOJSON = JSON.stringify({
  type: 'Feature',
  properties: { name: 'Canal walk' },
  geometry: { type: 'LineString', coordinates: [[121.379, 28.369], [121.3795, 28.3688], [121.380, 28.3686]] },
});

type TestService = Awaited<ReturnType<typeof testService>>;

describe('routes: list, preview, import and editing (English)', () => {
  let t: TestService;
  let missionsDir: string;
  let token: string;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  const route = async (id: string) => (await t.api('GET', `/api/routes/${id}`, token)).body as RouteDetail;
  /** Drops a file on an element as the browser does when one is dragged from the desktop. */
  const drop = (selector: string, name: string, content: string) =>
    page.$eval(selector, (el, file) => {
      const data = new DataTransfer();
      data.items.add(new File([file.content], file.name, { type: 'text/plain' }));
      el.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
      el.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    }, { name, content });
  const outcome = () => page.getAttribute('#routes-panel .outcome', 'data-outcome');
  const editMarkers = () => page.$$eval('.route-wp--edit', (els) => els.length);
  async function drag(selector: string, dx: number, dy: number): Promise<void> {
    const from = await centre(page, selector);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    for (let i = 1; i <= 5; i++) await page.mouse.move(from.x + (dx * i) / 5, from.y + (dy * i) / 5);
    await page.mouse.up();
  }

  beforeAll(async () => {
    assertFreshBuild();
    missionsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-routes-'));
    fs.writeFileSync(path.join(missionsDir, 'short.plan'), JSON.stringify(shortPlan()));
    t = await testService({ webDir: WEB_DIR, missionsDir });
    token = await t.user('pilot1', ['pilot']);
    browser = await launchBrowser();
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1600, height: 900 } });
    ({ page, errors } = await openPage(context, t.base));
    await logIn(page, 'pilot1', 'pilot1-password');
    await page.click('[data-tab="routes"]');
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('lists the routes and previews one on the map with its numbered waypoints', async () => {
    await expect.poll(() => page.$$eval('.route-row', (rows) => rows.length), POLL).toBe(1);
    expect(await text(page, '.route-row[data-route-id="short"] .route-row__name')).toBe('Test loop');
    expect(await text(page, '.route-row[data-route-id="short"] .route-row__facts')).toMatch(/^4 items · \d+ m · \d+:\d\d$/);
    await page.click('.route-row[data-route-id="short"]');
    // Take-off and return have no place of their own: two waypoints are drawn, numbered as the route lists them.
    await expect.poll(() => page.$$eval('.route-wp', (els) => els.map((el) => el.textContent)), POLL).toEqual(['2', '3']);
    expect(await page.$$eval('path.route-preview__path', (p) => p.length)).toBe(1);
    expect(await text(page, '.route-detail__file')).toBe('short.plan');
    await screenshot(page, 'routes-preview-en');
  });

  it('imports a .waypoints file dropped on the tab and a .geojson dropped on the map', async () => {
    // An import is shown first (map, waypoints, problems) and written when the pilot saves it.
    await drop('.route-drop', 'bridge.waypoints', WAYPOINTS);
    await expect.poll(() => page.isVisible('.route-preview-box__save'), POLL).toBe(true);
    expect(fs.existsSync(path.join(missionsDir, 'bridge.waypoints'))).toBe(false);
    await page.click('.route-preview-box__save');
    await expect.poll(outcome, POLL).toBe('accepted');
    expect(await text(page, '#routes-panel .outcome')).toBe(fill(en.imported, { file: 'bridge.waypoints', name: 'bridge' }));
    expect((await route('bridge')).itemCount).toBe(4);
    expect(fs.readFileSync(path.join(missionsDir, 'bridge.waypoints'), 'utf8')).toBe(WAYPOINTS);

    await drop('#map-area', 'canal.geojson', GEOJSON);
    await expect.poll(() => page.isVisible('.route-preview-box__save'), POLL).toBe(true);
    await page.click('.route-preview-box__save');
    await expect.poll(() => text(page, '#routes-panel .outcome'), POLL).toBe(fill(en.imported, { file: 'canal.geojson', name: 'Canal walk' }));
    // A GIS line becomes take-off, the line, return — kept as a .plan.
    expect((await route('canal')).file).toBe('canal.plan');
    await expect.poll(() => page.$$eval('.route-row', (rows) => rows.length), POLL).toBe(3);
  });

  it('refuses a broken file and says what is wrong, writing nothing', async () => {
    await drop('.route-drop', 'broken.plan', '{"fileType": "Plan", "mission": ');
    await expect.poll(outcome, POLL).toBe('refused');
    expect(await text(page, '#routes-panel .outcome')).toBe('broken.plan not imported: 1 problem in the file (listed below)');
    expect(await text(page, '.route-import__problems')).toMatch(/^broken\.plan: not valid JSON/);
    expect(fs.existsSync(path.join(missionsDir, 'broken.plan'))).toBe(false);
  });

  it('edits a route on the map: adds, deletes and moves waypoints, sets an altitude, saves it back', async () => {
    await page.click('.route-row[data-route-id="short"]');
    await page.click('.route-detail__edit');
    await expect.poll(() => page.isVisible('#route-editor'), POLL).toBe(true);
    await expect.poll(editMarkers, POLL).toBe(2);
    expect(await page.$$eval('.route-wp:not(.route-wp--edit)', (els) => els.length)).toBe(0);
    await settled(page);

    // Nothing selected: a click east of the last waypoint adds one before the final return (item 4).
    const wp2 = await centre(page, '.route-wp--edit[data-index="2"]');
    await page.mouse.click(wp2.x + 120, wp2.y);
    await expect.poll(editMarkers, POLL).toBe(3);
    expect(await page.getAttribute('.route-wp--selected', 'data-index')).toBe('3');
    // With it selected, the next click adds one after it; then that one is deleted again.
    await page.mouse.click(wp2.x + 120, wp2.y + 100);
    await expect.poll(editMarkers, POLL).toBe(4);
    expect(await page.getAttribute('.route-wp--selected', 'data-index')).toBe('4');
    await page.click('.editor__delete');
    await expect.poll(editMarkers, POLL).toBe(3);
    // The altitude of the new waypoint.
    await page.click('.route-wp--edit[data-index="3"] > span');
    await page.fill('.editor__alt', '45');
    await page.locator('.editor__alt').dispatchEvent('change');
    expect(await text(page, '.editor__selection')).toBe(fill(en.editSelected, { n: 4, alt: 45 }));
    // The first waypoint dragged west.
    await drag('.route-wp--edit[data-index="1"]', -80, 0);
    await screenshot(page, 'routes-editing-en');

    await page.click('.editor__save');
    await expect.poll(() => page.isVisible('#route-editor'), POLL).toBe(false);
    expect(await text(page, '#routes-panel .outcome')).toBe(fill(en.routeSaved, { file: 'short.plan' }));
    const saved = (await route('short')).route!;
    expect(saved.items.map((i) => i.command)).toEqual([22, 16, 16, 16, 20]);
    const [, first, second, added] = saved.items;
    expect(first!.lon!).toBeLessThan(WP1.lon - 0.0002);
    expect(first!.lat!).toBeCloseTo(WP1.lat, 5);
    expect(second).toMatchObject({ lat: WP2.lat, lon: WP2.lon });
    expect(added).toMatchObject({ frame: 3, alt: 45 });
    expect(added!.lon!).toBeGreaterThan(WP2.lon + 0.0003);
    expect(added!.lat!).toBeCloseTo(WP2.lat, 4);
    // Written as a .plan QGroundControl reads: the file itself holds the new waypoint.
    const file = JSON.parse(fs.readFileSync(path.join(missionsDir, 'short.plan'), 'utf8'));
    expect(file.mission.items).toHaveLength(5);
    expect(file.mission.items[3].params[6]).toBe(45);
    // The preview is back, numbered as the route now is.
    await expect.poll(() => page.$$eval('.route-wp', (els) => els.map((el) => el.textContent)), POLL).toEqual(['2', '3', '4']);
  });

  it('flags a route over the altitude ceiling as it is edited, keeps the edit, sends and writes nothing', async () => {
    const before = fs.readFileSync(path.join(missionsDir, 'short.plan'), 'utf8');
    await page.click('.route-detail__edit');
    await expect.poll(editMarkers, POLL).toBe(3);
    await settled(page);
    await page.click('.route-wp--edit[data-index="2"] > span');
    await page.fill('.editor__alt', '500');
    await page.locator('.editor__alt').dispatchEvent('change');
    // Said at once, with the service's own rule (the station's 120 m): the save is held back.
    await expect.poll(() => text(page, '#route-editor .editor__flags'), POLL).toBe(fill(en.flagAboveCeiling, { n: 3, alt: 500, ceiling: 120 }));
    expect(await page.isDisabled('.editor__save')).toBe(true);
    expect(await page.isVisible('#route-editor')).toBe(true);
    expect(fs.readFileSync(path.join(missionsDir, 'short.plan'), 'utf8')).toBe(before);
    await screenshot(page, 'routes-refused-en');

    // In Chinese, every word of the tab and the editor is said again, the flag included; names
    // and files stay as they are.
    await page.click('#language');
    expect(await text(page, '#route-editor .editor__flags')).toBe(fill(zh.flagAboveCeiling, { n: 3, alt: 500, ceiling: 120 }));
    const data = ['Test loop', 'Canal walk', 'bridge', 'short.plan', 'canal.plan', 'broken.plan', '.waypoints'];
    // The service's reasons too: they come as codes, said in Chinese.
    expect(await englishLeft(page, '#route-editor', { data })).toEqual([]);
    expect(await englishLeft(page, '#routes-panel', { data })).toEqual([]);
    await page.click('#language');
    await page.click('.editor__cancel');
    expect(await page.isVisible('#route-editor')).toBe(false);
    // The refusal above (the broken file) is the only failed request.
    expect(unexpected(errors, [422])).toEqual([]);
  });
});
