/**
 * Chinese as police and pilots read it, in a real Chromium against the real service and one
 * simulated ArduCopter (4× time). Each page starts in English and is switched to Chinese with its
 * own button, then walked: the pilot's map (every tab, the preflight checklist, a patrol flown and
 * recalled with its event log, a launch refused by its checks, a battery alert raised by the
 * simulator, a route imported with a warning, the run history), the command room's, an admin's,
 * and the officer's phone. Any English word left fails, but for units, GPS/EKF/HDOP and the like,
 * ids, names people typed, and what the autopilot says in its own words (marked as its own).
 */

import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView } from '../../server/wire/types.ts';
import { strings } from '../../web/src/i18n.ts';
import { HOME, patrolRig, shortPlan } from '../patrols/rig.ts';
import { ADMIN_PASSWORD } from '../helpers/service.ts';
import { assertFreshBuild, englishLeft, launchBrowser, logIn, openPage, POLL, screenshot, text, unexpected, WEB_DIR } from './browser.ts';

const zh = strings['zh-CN'];
const FLIGHT = { timeout: 120_000, interval: 300 };
type Rig = Awaited<ReturnType<typeof patrolRig>>;

/**
 * Words that are not the page's own: what the autopilot says in the telemetry panel (its
 * STATUSTEXT), the firmware's names of its mode and type, the link's address. (Inside the
 * service's messages, englishLeft itself lets the autopilot's words and identifiers through.)
 */
const AUTOPILOT_WORDS = [
  '.messages__text',
  '[data-field="mode"]',
  '[data-field="vehicleType"]',
  '[data-field="linkUri"]',
  '.row__mode',
  '.leaflet-control-attribution',
];
/** Names people gave: users, the drone, the station, the routes' files and ids; the language button names the other language in it. */
const NAMES = [
  'English',
  'EN',
  'pilot1',
  'room',
  'admin',
  'wang',
  'Drone 1',
  'sim-1',
  'Wenling',
  'short.plan',
  'short',
  'open-end.plan',
  'open-end',
  'Test loop',
  'Open end',
  'broken.plan',
  'bad.waypoints',
];

/** Switches the page to Chinese with its own language button (it names the other language). */
async function toChinese(page: Page): Promise<void> {
  await expect.poll(() => page.isVisible('#language'), POLL).toBe(true);
  const english = await text(page, '#language');
  await page.click('#language');
  await expect.poll(() => text(page, '#language'), POLL).not.toBe(english);
}

/** Each tab of the map's sidebar in turn: the English left on the whole page. */
async function walkTabs(page: Page, name: string): Promise<Record<string, string[]>> {
  const left: Record<string, string[]> = {};
  for (const tab of ['drones', 'alerts', 'routes', 'history']) {
    await page.click(`[data-tab="${tab}"]`);
    await page.waitForTimeout(300);
    left[tab] = await englishLeft(page, 'body', { skip: AUTOPILOT_WORDS, data: NAMES });
    await screenshot(page, `chinese-${name}-${tab}`);
  }
  return left;
}

describe('every page in Chinese, as police and pilots read it', () => {
  let rig: Rig;
  let browser: Browser;
  let contexts: BrowserContext[];
  let pilot: Page;
  let pilotErrors: string[];
  let runId: number;

  const panelField = (page: Page, field: string) => text(page, `#panel [data-field="${field}"]`);
  const newPage = async (locale = 'en-GB') => {
    const context = await browser.newContext({ locale, viewport: { width: 1600, height: 900 } });
    contexts.push(context);
    return openPage(context, rig.t.base);
  };

  beforeAll(async () => {
    assertFreshBuild();
    rig = await patrolRig({ webDir: WEB_DIR });
    browser = await launchBrowser();
    contexts = [];
    ({ page: pilot, errors: pilotErrors } = await newPage());
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await rig?.close();
  });

  it('pilot: every tab, and the preflight checklist line by line, in Chinese', async () => {
    await logIn(pilot, 'pilot1', 'pilot1-password');
    await expect.poll(() => pilot.getAttribute('#connection', 'data-state'), POLL).toBe('connected');
    await toChinese(pilot);
    await expect.poll(() => pilot.isVisible('.drone[data-drone-id="sim-1"]'), POLL).toBe(true);
    expect.soft(await walkTabs(pilot, 'pilot')).toEqual({ drones: [], alerts: [], routes: [], history: [] });
    await pilot.click('[data-tab="drones"]');
    await pilot.click('.row[data-drone-id="sim-1"]');
    await pilot.click('#panel .console__take');
    await expect.poll(() => text(pilot, '#panel .console__holder'), POLL).toBe(zh.controlMine);
    await expect.poll(() => pilot.$$eval('#panel .launch__route option', (os) => os.map((o) => (o as HTMLOptionElement).value)), POLL).toContain('short');
    await pilot.selectOption('#panel .launch__route', 'short');
    // Until every check passes (the simulated EKF needs a few seconds for its position): each line in Chinese on the way.
    await expect.poll(async () => {
      await pilot.click('#panel .launch__check');
      await pilot.waitForTimeout(400);
      expect.soft(await englishLeft(pilot, '#panel .checklist', { data: NAMES })).toEqual([]);
      return pilot.$$eval('#panel .checklist__item', (items) => items.map((i) => (i as HTMLElement).dataset.pass));
    }, { timeout: 30_000, interval: 500 }).toSatisfy((passes: string[]) => passes.length > 5 && passes.every((p) => p === 'true'));
    expect(await text(pilot, '#panel .checklist__item[data-check="battery"] .checklist__value')).toMatch(/^\d+%（至少 50%）$/);
    expect.soft(await englishLeft(pilot, '#panel', { skip: AUTOPILOT_WORDS, data: NAMES })).toEqual([]);
    await screenshot(pilot, 'chinese-pilot-preflight');
  });

  it('pilot: a patrol flown and recalled, its event log and result in Chinese', async () => {
    await pilot.click('#panel .launch__go');
    await pilot.waitForSelector('#confirm[open]');
    await pilot.click('#confirm .confirm__yes');
    await expect.poll(() => pilot.getAttribute('#panel .console__outcome', 'data-outcome'), POLL).toBe('accepted');
    runId = ((await rig.t.api('GET', '/api/runs', rig.pilot)).body as RunView[])[0]!.id;
    await expect.poll(() => panelField(pilot, 'runState'), FLIGHT).toBe(zh.run_flying);
    // The event log so far: preflight, upload, arming (refusals in the autopilot's words), climb.
    await expect.poll(() => pilot.$$eval('#panel .run-events__item', (items) => items.length), POLL).toBeGreaterThan(4);
    expect.soft(await englishLeft(pilot, '#panel', { skip: AUTOPILOT_WORDS, data: NAMES })).toEqual([]);
    expect(await text(pilot, '#panel .run-events')).toContain('已升空');

    // Recalled on its way: it returns early, and says so.
    await pilot.click('#panel .command[data-action="rtl"]');
    await pilot.waitForSelector('#confirm[open]');
    await pilot.click('#confirm .confirm__yes');
    await rig.until(runId, 'landed', (r) => r.state === 'landed', 120_000);
    await expect.poll(() => panelField(pilot, 'runResult'), FLIGHT).toMatch(/^提前返回/);
    expect.soft(await englishLeft(pilot, '#panel', { skip: AUTOPILOT_WORDS, data: NAMES })).toEqual([]);
    await screenshot(pilot, 'chinese-pilot-returned');
  }, 240_000);

  it('pilot: a battery alert raised by the simulator, and the launch it then refuses, in Chinese', async () => {
    // The checks pass now; the battery then falls before the pilot launches.
    await pilot.selectOption('#panel .launch__route', 'short');
    await expect.poll(async () => {
      await pilot.click('#panel .launch__check');
      await pilot.waitForTimeout(400);
      return pilot.isDisabled('#panel .launch__go');
    }, { timeout: 30_000, interval: 500 }).toBe(false);
    rig.drone.lowBatteryNow(0.25);
    await expect.poll(() => (rig.t.svc.aircraft.open()).some((a) => a.rule === 'battery_low' || a.rule === 'battery_critical'), POLL).toBe(true);
    await pilot.click('#panel .launch__go');
    await pilot.waitForSelector('#confirm[open]');
    await pilot.click('#confirm .confirm__yes');
    await expect.poll(() => pilot.getAttribute('#panel .console__outcome', 'data-outcome'), POLL).toBe('refused');
    expect(await text(pilot, '#panel .console__outcome')).toContain(zh.check_battery);
    expect(await pilot.getAttribute('#panel .checklist__item[data-check="battery"]', 'data-pass')).toBe('false');
    expect.soft(await englishLeft(pilot, '#panel', { skip: AUTOPILOT_WORDS, data: NAMES })).toEqual([]);
    await screenshot(pilot, 'chinese-pilot-refused');

    await pilot.click('[data-tab="alerts"]');
    await expect.poll(() => pilot.$$eval('.aircraft-alert .alert-card__message', (m) => m.map((x) => x.textContent ?? '')), POLL)
      .toContainEqual(expect.stringMatching(/^电量低：\d+%$/));
    expect.soft(await englishLeft(pilot, '#alerts-panel', { skip: AUTOPILOT_WORDS, data: NAMES })).toEqual([]);
    await screenshot(pilot, 'chinese-pilot-alerts');
  }, 120_000);

  it('pilot: a route imported with a warning, and the run history, in Chinese', async () => {
    await pilot.click('[data-tab="routes"]');
    const drop = (name: string, content: string) =>
      pilot.$eval('.route-drop', (el, file) => {
        const data = new DataTransfer();
        data.items.add(new File([file.content], file.name, { type: 'text/plain' }));
        el.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
        el.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
      }, { name, content });
    // Files that cannot be read: what is wrong and where, in Chinese (the JSON parser's own words marked as its).
    for (const [name, content] of [['broken.plan', '{"fileType": "Plan", "mission": '], ['bad.waypoints', 'QGC WPL 110\n0\t1\t0\t16\n']]) {
      await drop(name!, content!);
      await expect.poll(() => pilot.getAttribute('#routes-panel .outcome', 'data-outcome'), POLL).toBe('refused');
      expect(await text(pilot, '#routes-panel .outcome')).toContain(`${name} 未导入`);
      await expect.poll(() => pilot.$$eval('.route-import__problems .route-issue', (items) => items.length), POLL).toBeGreaterThan(0);
      expect.soft(await englishLeft(pilot, '#routes-panel', { data: NAMES }), name).toEqual([]);
    }
    expect(await text(pilot, '.route-import__problems')).toContain('第 2 行');
    // A route that ends at its last waypoint: imported, it carries a warning.
    const plan = shortPlan(20, { nameZh: '开放航线', nameEn: 'Open end' });
    plan.mission.items = plan.mission.items.slice(0, 3);
    const content = JSON.stringify(plan);
    await drop('open-end.plan', content);
    await expect.poll(() => pilot.$$eval('.route-issue--warning', (w) => w.length), POLL).toBeGreaterThan(0);
    expect.soft(await englishLeft(pilot, 'body', { skip: AUTOPILOT_WORDS, data: NAMES })).toEqual([]);
    await screenshot(pilot, 'chinese-pilot-import');

    await pilot.click('[data-tab="history"]');
    await pilot.click('#history-panel .history__load');
    await expect.poll(() => pilot.$$eval('#history-panel .run-row', (rows) => rows.length), POLL).toBeGreaterThan(0);
    await pilot.click(`#history-panel .run-row[data-run-id="${runId}"]`);
    await pilot.waitForTimeout(500);
    expect.soft(await englishLeft(pilot, 'body', { skip: AUTOPILOT_WORDS, data: NAMES })).toEqual([]);
    await screenshot(pilot, 'chinese-pilot-history');
    expect(unexpected(pilotErrors, [409, 422])).toEqual([]);
  }, 60_000);

  it('the command room: every tab, the battery alert among the aircraft alerts, in Chinese', async () => {
    await rig.t.user('room', ['command']);
    const { page, errors } = await newPage();
    await logIn(page, 'room', 'room-password');
    await expect.poll(() => page.getAttribute('#connection', 'data-state'), POLL).toBe('connected');
    await toChinese(page);
    await page.click('[data-tab="alerts"]');
    await expect.poll(() => page.$$eval('.aircraft-alert', (a) => a.length), POLL).toBeGreaterThan(0);
    expect.soft(await walkTabs(page, 'room')).toEqual({ drones: [], alerts: [], routes: [], history: [] });
    expect(unexpected(errors)).toEqual([]);
  });

  it('an admin: every tab, in Chinese', async () => {
    const { page, errors } = await newPage();
    await logIn(page, 'admin', ADMIN_PASSWORD);
    await expect.poll(() => page.getAttribute('#connection', 'data-state'), POLL).toBe('connected');
    await toChinese(page);
    expect.soft(await walkTabs(page, 'admin')).toEqual({ drones: [], alerts: [], routes: [], history: [] });
    expect(unexpected(errors)).toEqual([]);
  });

  it("the officer's phone, on duty, with a job offered, in Chinese", async () => {
    await rig.t.user('wang', ['officer']);
    const room = await rig.t.login('room', 'room-password');
    const context = await browser.newContext({
      locale: 'en-GB',
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      geolocation: { latitude: HOME.lat, longitude: HOME.lon, accuracy: 5 },
      permissions: ['geolocation'],
    });
    contexts.push(context);
    const { page, errors } = await openPage(context, rig.t.base, '/officer');
    await logIn(page, 'wang', 'wang-password');
    await expect.poll(() => page.isVisible('#login'), POLL).toBe(false);
    await toChinese(page);
    expect.soft(await englishLeft(page, 'body', { skip: ['.leaflet-control-attribution'], data: NAMES })).toEqual([]);
    await page.click('#duty');
    await expect.poll(() => page.getAttribute('#duty', 'aria-pressed'), POLL).toBe('true');
    expect.soft(await englishLeft(page, 'body', { skip: ['.leaflet-control-attribution'], data: NAMES })).toEqual([]);
    // A missing person reported near him: the job rings on his phone, its category in Chinese only (no "Missing person" under it).
    await expect.poll(async () =>
      ((await rig.t.api('GET', '/api/officers', room)).body as { name: string; lat: number | null }[])
        .find((o) => o.name === 'wang')?.lat ?? null, POLL).not.toBeNull();
    const raised = await rig.t.api('POST', '/api/alerts', room, {
      category: 'missing_person',
      lat: HOME.lat + 0.0005,
      lon: HOME.lon,
      note: '老人走失，穿灰色外套',
    });
    expect(raised.status).toBe(201);
    await expect.poll(() => page.isVisible(`.job[data-alert-id="${raised.body.id}"]`), POLL).toBe(true);
    expect(await text(page, `.job[data-alert-id="${raised.body.id}"] .job__category`)).toBe(zh.cat_missing_person);
    expect.soft(await englishLeft(page, 'body', { skip: ['.leaflet-control-attribution'], data: NAMES })).toEqual([]);
    await page.screenshot({ path: path.join('test-artifacts', 'chinese-officer.png') });
    expect(unexpected(errors)).toEqual([]);
  });
});
