/**
 * The route editor and the routes tab against the station's rules, in a real Chromium against the
 * real service and a real missions folder: while a route is edited the station's geofence, no-fly
 * zone and ceiling are shown, a waypoint dragged into the zone, a leg across it or a height over
 * the ceiling is flagged at once (no request made, the save held back), and the route's length,
 * flight time and battery need follow each move with the station's reserve, as the service
 * counts them. An admin releases a pilot's drone at a shift change from the drone panel. Routes
 * are renamed, their names, schedule and default drone edited, and deleted from the tab; an
 * import is previewed (map, waypoints, problems) and written only when saved. All audited.
 */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batteryNeedPercent, estimateFlight } from '../../server/wire/route-rules.ts';
import { distance, duration } from '../../web/src/format.ts';
import { strings } from '../../web/src/i18n.ts';
import type { RouteDetail } from '../../web/src/routes/catalog.ts';
import { ADMIN_PASSWORD, testService } from '../helpers/service.ts';
import { shortPlan, WP1 } from '../patrols/rig.ts';
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

const { en } = strings;

const box = (s: number, w: number, n: number, e: number) => [{ lat: s, lon: w }, { lat: s, lon: e }, { lat: n, lon: e }, { lat: n, lon: w }];
/** Just east of WP1: the short loop's second leg crosses it. */
const HOSPITAL = { name: 'hospital', polygon: box(28.3705, 121.3804, 28.3712, 121.3806) };
const GEOFENCE = { name: 'station geofence', polygon: box(28.368, 121.378, 28.373, 121.383) };
const RULES = { noFly: [HOSPITAL], geofence: GEOFENCE, ceilingM: 100, reservePercent: 30 };
const WEST = { lat: 28.3709, lon: 121.3795 };

/** The short loop through given waypoints: take off, the waypoints, return. */
function planVia(...wps: { lat: number; lon: number }[]) {
  const plan = shortPlan();
  const [takeoff, , , rtl] = plan.mission.items;
  const items = wps.map((wp, i) => ({ ...plan.mission.items[1]!, doJumpId: i + 2, params: [0, 0, 0, null, wp.lat, wp.lon, 20] }));
  plan.mission.items = [takeoff!, ...items, { ...rtl!, doJumpId: wps.length + 2 }];
  return plan;
}

type TestService = Awaited<ReturnType<typeof testService>>;

describe("routes under the station's rules, and admin actions (English)", () => {
  let t: TestService;
  let dir: string;
  let pilot: string;
  let admin: string;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  /** PUT and POST requests the page makes to /api/routes: flagging must make none */
  const changes: string[] = [];

  const route = async (id: string) => (await t.api('GET', `/api/routes/${id}`, pilot)).body as RouteDetail;
  const audit = async (action: string) =>
    (await t.api('GET', `/api/audit?action=${action}`, admin)).body as { user: string; target: string; result: string; detail: any }[];
  const outcome = () => text(page, '#routes-panel .outcome');
  const flags = () => page.$$eval('#route-editor .editor__flag', (els) => els.map((el) => el.textContent));
  const drop = (selector: string, name: string, content: string) =>
    page.$eval(selector, (el, file) => {
      const data = new DataTransfer();
      data.items.add(new File([file.content], file.name, { type: 'text/plain' }));
      el.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
      el.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    }, { name, content });
  async function dragTo(selector: string, to: { x: number; y: number }): Promise<void> {
    const from = await centre(page, selector);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    for (let i = 1; i <= 6; i++) await page.mouse.move(from.x + ((to.x - from.x) * i) / 6, from.y + ((to.y - from.y) * i) / 6);
    await page.mouse.up();
  }

  beforeAll(async () => {
    assertFreshBuild();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-route-rules-'));
    fs.writeFileSync(path.join(dir, 'west.plan'), JSON.stringify(planVia(WEST, WP1)));
    t = await testService({ webDir: WEB_DIR, missionsDir: dir, rules: RULES, sim: 1, simOptions: { demo: false, bootDelayS: 1 } });
    pilot = await t.user('pilot1', ['pilot']);
    admin = await t.login('admin', ADMIN_PASSWORD);
    browser = await launchBrowser();
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1600, height: 900 } });
    ({ page, errors } = await openPage(context, t.base));
    page.on('request', (r) => {
      if (r.url().includes('/api/routes') && ['PUT', 'POST', 'PATCH', 'DELETE'].includes(r.method()))
        changes.push(`${r.method()} ${new URL(r.url()).pathname}`);
    });
    await logIn(page, 'pilot1', 'pilot1-password');
    await page.click('[data-tab="routes"]');
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it("shows the station's rules and the route's figures with the station's reserve while editing", async () => {
    await page.click('.route-row[data-route-id="west"]');
    await page.click('.route-detail__edit');
    await expect.poll(() => page.isVisible('#route-editor'), POLL).toBe(true);
    expect(await text(page, '.editor__rules')).toBe(fill(en.editRules, { ceiling: 100, fence: 'station geofence', zones: 'hospital' }));
    // The station's geofence and no-fly zone, drawn for the editor.
    expect(await page.$$eval('path.zone--editing.zone--nofly', (p) => p.length)).toBe(1);
    expect(await page.$$eval('path.zone--editing.zone--fence', (p) => p.length)).toBe(1);
    // The figures as the service counts the route: its own estimate, the station's 30 % reserve.
    const saved = await route('west');
    const flight = estimateFlight(saved.route!, { speedMs: saved.rules.speedMs });
    const battery = batteryNeedPercent(flight.durationS, { enduranceS: 1200, reservePercent: 30 });
    expect(await text(page, '.editor__figures')).toBe(
      fill(en.editFigures, { distance: distance(flight.distanceM), duration: duration(flight.durationS), battery, reserve: 30 }),
    );
    expect(await flags()).toEqual([]);
    expect(await page.isDisabled('.editor__save')).toBe(false);
  });

  it('flags a waypoint dragged into the no-fly zone at once, holds back the save, and clears when it is moved out', async () => {
    await settled(page);
    const before = await text(page, '.editor__figures');
    // WP1 (item 3) dropped in the middle of the hospital.
    await dragTo('.route-wp--edit[data-index="2"]', await centre(page, 'path.zone--editing.zone--nofly'));
    await expect.poll(flags, POLL).toEqual([fill(en.flagWaypointInNoFly, { n: 3, zone: 'hospital' })]);
    expect(await page.getAttribute('.route-wp--edit[data-index="2"]', 'class')).toContain('route-wp--flagged');
    expect(await page.isDisabled('.editor__save')).toBe(true);
    expect(await text(page, '.editor__fix-first')).toBe(en.editFixFirst);
    // The figures followed the move: the waypoint is farther from home now.
    expect(await text(page, '.editor__figures')).not.toBe(before);
    await screenshot(page, 'route-rules-flagged-en');
    expect(changes).toEqual([]);

    // Moved west of the zone: the leg from it to the next item is clear; a waypoint east of it makes a leg across it.
    const zone = await page.locator('path.zone--editing.zone--nofly').boundingBox();
    await dragTo('.route-wp--edit[data-index="2"]', { x: zone!.x - 40, y: zone!.y + zone!.height / 2 });
    await expect.poll(flags, POLL).toEqual([]);
    expect(await page.isDisabled('.editor__save')).toBe(false);
    // Selected (the drag picked it), a click east of the zone adds item 4 after it: the leg 3 → 4 crosses the hospital.
    await page.mouse.click(zone!.x + zone!.width + 40, zone!.y + zone!.height / 2);
    await expect.poll(flags, POLL).toEqual([
      fill(en.flagLegCrossesNoFly, { from: 3, n: 4, zone: 'hospital' }),
      fill(en.flagLegCrossesNoFly, { from: 4, n: 5, zone: 'hospital' }),
    ]);
    expect(await page.$$eval('path.route-edit__leg--bad', (p) => p.length)).toBe(2);
    await page.click('.editor__delete');
    await expect.poll(flags, POLL).toEqual([]);
    expect(changes).toEqual([]);
  });

  it("flags a height over the station's ceiling as it is typed", async () => {
    await page.click('.route-wp--edit[data-index="1"] > span');
    await page.fill('.editor__alt', '130');
    await page.locator('.editor__alt').dispatchEvent('change');
    await expect.poll(flags, POLL).toEqual([fill(en.flagAboveCeiling, { n: 2, alt: 130, ceiling: 100 })]);
    await page.fill('.editor__alt', '40');
    await page.locator('.editor__alt').dispatchEvent('change');
    await expect.poll(flags, POLL).toEqual([]);
  });

  it('the figures shown are those of the route the service saves', async () => {
    const shown = await page.getAttribute('.editor__figures', 'data-battery');
    const distanceShown = (await text(page, '.editor__figures')).match(/^Length (\d+ m)/)![1];
    await page.click('.editor__save');
    await expect.poll(() => page.isVisible('#route-editor'), POLL).toBe(false);
    const saved = await route('west');
    expect(saved.status).not.toBe('invalid');
    const flight = estimateFlight(saved.route!, { speedMs: saved.rules.speedMs });
    expect(Number(shown)).toBe(batteryNeedPercent(flight.durationS, { enduranceS: 1200, reservePercent: 30 }));
    expect(distanceShown).toBe(distance(flight.distanceM));
    expect(changes).toEqual(['PUT /api/routes/west']);
  });

  it("says the editor's rules, figures and flags in Chinese", async () => {
    await page.click('.route-detail__edit');
    await expect.poll(() => page.isVisible('#route-editor'), POLL).toBe(true);
    await settled(page);
    await page.click('.route-wp--edit[data-index="1"] > span');
    await page.fill('.editor__alt', '130');
    await page.locator('.editor__alt').dispatchEvent('change');
    await page.click('#language');
    await expect.poll(flags, POLL).toEqual([fill(strings['zh-CN'].flagAboveCeiling, { n: 2, alt: 130, ceiling: 100 })]);
    expect(await englishLeft(page, '#route-editor', { data: ['hospital', 'station geofence', 'Test loop'] })).toEqual([]);
    await page.click('#language');
    await page.click('.editor__cancel');
  });

  it('renames a route, edits its Chinese name, schedule and default drone, and deletes it from the tab', async () => {
    await page.click('.route-row[data-route-id="west"]');
    await page.click('.route-detail__rename');
    await page.fill('.route-rename__to', 'west-2');
    await page.click('.route-rename__save');
    await expect.poll(outcome, POLL).toBe(fill(en.routeRenamed, { id: 'west-2' }));
    expect(fs.existsSync(path.join(dir, 'west-2.plan'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'west.plan'))).toBe(false);
    await expect.poll(() => page.$$eval('.route-row', (rows) => rows.map((r) => r.getAttribute('data-route-id'))), POLL).toEqual(['west-2']);

    await page.click('.route-detail__details');
    await page.click('#language');
    expect(await englishLeft(page, '#routes-panel', { data: ['Test loop', 'west-2.plan', 'west-2', '(none)'] })).toEqual([]);
    await page.click('#language');
    await page.fill('.route-meta input[name="nameZh"]', '西线夜巡');
    await page.fill('.route-meta input[name="schedule"]', 'whenever');
    await page.click('.route-meta__save');
    await expect.poll(outcome, POLL).toMatch(/^Details not saved: invalid request body: schedule: schedule "whenever": no time of day found/);
    // The drones the service knows are offered for the default drone.
    await expect.poll(() => page.$$eval('#route-meta-drones option', (os) => os.map((o) => (o as HTMLOptionElement).value)), POLL).toEqual(['sim-1']);
    await page.fill('.route-meta input[name="schedule"]', 'nightly 21:30');
    await page.fill('.route-meta input[name="defaultDrone"]', 'sim-1');
    await page.click('.route-meta__save');
    await expect.poll(outcome, POLL).toBe(fill(en.detailsSaved, { file: 'west-2.plan' }));
    expect(await text(page, '.route-detail__schedule')).toBe(fill(en.routeSchedule, { schedule: 'nightly 21:30' }));
    expect(await text(page, '.route-detail__drone')).toBe(fill(en.routeDefaultDrone, { drone: 'sim-1' }));
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'west-2.plan'), 'utf8')).skybeat).toMatchObject({
      nameZh: '西线夜巡',
      nameEn: 'Test loop',
      schedule: 'nightly 21:30',
      defaultDrone: 'sim-1',
    });

    await page.click('.route-detail__delete');
    await page.waitForSelector('#confirm[open]');
    expect(await text(page, '#confirm .confirm__message')).toBe(fill(en.deleteRouteConfirm, { name: 'Test loop', file: 'west-2.plan' }));
    await page.click('#confirm .confirm__yes');
    await expect.poll(outcome, POLL).toBe(fill(en.routeDeleted, { file: 'west-2.plan' }));
    expect(fs.existsSync(path.join(dir, 'west-2.plan'))).toBe(false);
    await expect.poll(() => page.$$eval('.route-row', (rows) => rows.length), POLL).toBe(0);

    expect((await audit('route.rename')).map((e) => [e.user, e.target, e.result, e.detail.to])).toEqual([['pilot1', 'west', 'ok', 'west-2']]);
    expect((await audit('route.edit')).map((e) => [e.target, e.result])).toEqual([['west-2', 'ok'], ['west-2', 'refused']]);
    expect((await audit('route.delete')).map((e) => [e.user, e.target, e.result])).toEqual([['pilot1', 'west-2', 'ok']]);
  });

  it('previews an import on the map with its waypoints and problems, and writes it only when saved', async () => {
    const before = changes.length;
    await drop('.route-drop', 'bridge.plan', JSON.stringify(planVia(WEST, WP1)));
    await expect.poll(() => page.isVisible('.route-preview-box'), POLL).toBe(true);
    expect(await text(page, '.route-preview-box__title')).toBe(fill(en.previewTitle, { file: 'bridge.plan' }));
    expect(await page.$$eval('.route-preview-box__waypoints li', (els) => els.map((el) => el.textContent))).toEqual([
      '1 · take off · 20 m',
      '2 · waypoint · 20 m',
      '3 · waypoint · 20 m',
      '4 · return to launch',
    ]);
    // On the map: the two waypoints, numbered as the route lists them.
    await expect.poll(() => page.$$eval('.route-wp', (els) => els.map((el) => el.textContent)), POLL).toEqual(['2', '3']);
    expect(fs.existsSync(path.join(dir, 'bridge.plan'))).toBe(false);
    await screenshot(page, 'route-import-preview-en');
    // In Chinese, the preview is said again: its title, waypoints and buttons.
    await page.click('#language');
    expect(await page.$$eval('.route-preview-box__waypoints li', (els) => els.map((el) => el.textContent))).toEqual([
      '1 · 起飞 · 20 m',
      '2 · 航点 · 20 m',
      '3 · 航点 · 20 m',
      '4 · 返航',
    ]);
    expect(await englishLeft(page, '#routes-panel', { skip: ['.route-detail__issues'], data: ['bridge.plan', 'Test loop'] })).toEqual([]);
    await page.click('#language');
    await page.click('.route-preview-box__save');
    await expect.poll(outcome, POLL).toBe(fill(en.imported, { file: 'bridge.plan', name: 'Test loop' }));
    expect(fs.existsSync(path.join(dir, 'bridge.plan'))).toBe(true);
    expect(changes.slice(before)).toEqual(['POST /api/routes/preview', 'POST /api/routes']);

    // Across the hospital: the problems are shown, it cannot be saved, and a discard writes nothing.
    await drop('.route-drop', 'across.plan', JSON.stringify(shortPlan()));
    await expect.poll(() => page.isVisible('.route-preview-box'), POLL).toBe(true);
    expect(await page.$$eval('.route-preview-box .route-issue--error', (els) => els.map((el) => el.textContent))).toEqual([
      'across.plan: mission.items[2]: the leg from item 2 to item 3 crosses the no-fly zone "hospital" near 28.37090, 121.38040',
      'across.plan: mission.items[3]: the leg from item 3 to item 4 crosses the no-fly zone "hospital" near 28.37054, 121.38060',
    ]);
    expect(await page.isDisabled('.route-preview-box__save')).toBe(true);
    await page.click('.route-preview-box__discard');
    await expect.poll(outcome, POLL).toBe(fill(en.previewDiscarded, { file: 'across.plan' }));
    expect(await page.isVisible('.route-preview-box')).toBe(false);
    expect(fs.readdirSync(dir).filter((f) => !f.startsWith('.'))).toEqual(['bridge.plan']);
    expect((await audit('route.create')).map((e) => [e.target, e.result])).toEqual([['bridge.plan', 'ok']]);
    expect(unexpected(errors, [400])).toEqual([]);
  });

  it('lets an admin release a drone another pilot holds, at a shift change, once confirmed: audited', async () => {
    await expect.poll(async () => (await t.api('POST', '/api/vehicles/sim-1/control', pilot, { action: 'take' })).status, POLL).toBe(200);
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1600, height: 900 } });
    const { page: desk, errors: deskErrors } = await openPage(context, t.base);
    await logIn(desk, 'admin', ADMIN_PASSWORD);
    await expect.poll(() => desk.isVisible('.row[data-drone-id="sim-1"]'), POLL).toBe(true);
    await desk.click('.row[data-drone-id="sim-1"]');
    const release = '#panel .console__release-admin';
    await expect.poll(() => desk.isVisible(release), POLL).toBe(true);
    expect(await text(desk, release)).toBe(fill(en.releaseAsAdmin, { pilot: 'pilot1' }));
    // Asked first; "no" leaves the pilot in command.
    await desk.click(release);
    await desk.waitForSelector('#confirm[open]');
    expect(await text(desk, '#confirm .confirm__message')).toContain('pilot1 is in command of');
    await desk.click('#confirm .confirm__no');
    expect((await t.api('GET', '/api/control', pilot)).body).toEqual({ 'sim-1': 'pilot1' });
    await desk.click(release);
    await desk.waitForSelector('#confirm[open]');
    await desk.click('#confirm .confirm__yes');
    await expect.poll(async () => (await t.api('GET', '/api/control', pilot)).body, POLL).toEqual({});
    await expect.poll(() => desk.isVisible(release), POLL).toBe(false);
    await expect.poll(() => text(desk, '#panel .console__holder'), POLL).toBe(en.controlFree);
    expect((await audit('control.release')).map((e) => [e.user, e.target, e.result, e.detail])).toEqual([['admin', 'sim-1', 'ok', {
      from: 'pilot1',
      asAdmin: true,
    }]]);
    expect(unexpected(deskErrors)).toEqual([]);
  });
});
