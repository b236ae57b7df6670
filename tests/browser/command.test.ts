/**
 * The command room in a real Chromium (Chinese, as the browser prefers it) against the real
 * service with three simulated drones: watches the fleet with no flight controls, raises a ground
 * alert by clicking the map and watches an officer answer it step by step, raises one "here" from
 * a drone, acknowledges an aircraft alert and closes a ground alert.
 */

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroundAlertView, VehicleView } from '../../server/wire/types.ts';
import { strings } from '../../web/src/i18n.ts';
import { testService } from '../helpers/service.ts';
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

const zh = strings['zh-CN'];
const HOME = { lat: 28.37, lon: 121.38 };
/** The officer stands 100 m south of the drones' homes, clear of their 40 m loops. */
const OFFICER = { lat: HOME.lat - 100 / 111_320, lon: HOME.lon };
/** metres between two nearby points */
const metres = (a: { lat: number; lon: number }, b: { lat: number; lon: number }) =>
  Math.hypot((a.lat - b.lat) * 111_320, (a.lon - b.lon) * 111_320 * Math.cos((a.lat * Math.PI) / 180));

const square = (centre: { lat: number; lon: number }, halfM: number) =>
  [[-1, -1], [-1, 1], [1, 1], [1, -1]].map(([n, e]) => ({
    lat: centre.lat + (n! * halfM) / 111_320,
    lon: centre.lon + (e! * halfM) / 98_000,
  }));
const GEOFENCE = { name: 'station geofence', polygon: square(HOME, 400) };
const HOSPITAL = { name: 'Wenling hospital', polygon: square({ lat: HOME.lat + 0.002, lon: HOME.lon - 0.002 }, 60) };

type TestService = Awaited<ReturnType<typeof testService>>;

describe('command room (Chinese)', () => {
  let t: TestService;
  let room: string;
  let officer: string;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let alertId: number;

  const alert = async (id: number) => (await t.api('GET', `/api/alerts/${id}`, room)).body as GroundAlertView;
  const card = (id: number) => `.ground-card[data-alert-id="${id}"]`;

  beforeAll(async () => {
    assertFreshBuild();
    // Officer wang reports once through the REST API (no phone page): he counts as reachable
    // for phoneOfflineGraceMs after that, so the grace here spans the whole file.
    t = await testService({
      sim: 3,
      webDir: WEB_DIR,
      station: { ...HOME, radiusKm: 30 },
      rules: { geofence: GEOFENCE, noFly: [HOSPITAL] },
      dispatch: { phoneOfflineGraceMs: 3_600_000 },
    });
    room = await t.user('room', ['command']);
    officer = await t.user('wang', ['officer']);
    expect((await t.api('POST', '/api/officer/duty', officer, { onDuty: true })).status).toBe(200);
    expect((await t.api('POST', '/api/officer/location', officer, { ...OFFICER, accuracyM: 5 })).status).toBe(200);
    browser = await launchBrowser();
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1600, height: 900 } });
    ({ page, errors } = await openPage(context, t.base));
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('sees the whole fleet and who holds each drone, with no flight controls', async () => {
    await logIn(page, 'room', 'room-password');
    await expect.poll(() => text(page, '#connection'), POLL).toBe(zh.connConnected);
    expect(await text(page, '#role')).toBe(zh.roleCommand);
    await expect.poll(() => page.$$eval('.drone[data-lat]', (d) => d.length), POLL).toBe(3);
    await page.click('.row[data-drone-id="sim-1"]');
    await expect.poll(() => text(page, '#panel .console__holder'), POLL).toBe(zh.controlFree);
    for (const control of ['.console__take', '.console__release', '.console-launch', '.console-commands', '.console__not-in-command']) {
      expect(await page.isVisible(`#panel ${control}`), control).toBe(false);
    }
    // The officer on duty is on the map where the phone put them; so are the drones' home points,
    // the station's geofence and its no-fly zone.
    await expect.poll(() => page.isVisible('.officer[data-officer="wang"]'), POLL).toBe(true);
    await expect.poll(() => page.$$eval('.home-pad', (pads) => pads.map((p) => (p as HTMLElement).dataset.droneId).sort()), POLL).toEqual([
      'sim-1',
      'sim-2',
      'sim-3',
    ]);
    await expect.poll(() => page.$$eval('path.zone--fence', (p) => p.length), POLL).toBe(1);
    expect(await page.$$eval('path.zone--nofly', (p) => p.length)).toBe(1);
    await page.click('#panel .panel__close');
    await screenshot(page, 'command-fleet-zh');
  });

  it('raises a ground alert by clicking the map, and the nearest officer is alerted', async () => {
    await page.click('#new-alert');
    await expect.poll(() => text(page, '#mode-banner .mode-banner__text'), POLL).toBe(zh.pickAlertSpot);
    // Where the officer stands (their marker lets clicks through to the map).
    await settled(page);
    const at = await centre(page, '.officer[data-officer="wang"] .officer__badge');
    await page.mouse.click(at.x, at.y);
    await page.waitForSelector('#alert-form[open]');
    expect(await page.isVisible('#mode-banner')).toBe(false);
    await page.selectOption('#alert-form select[name="category"]', 'fight');
    await page.selectOption('#alert-form select[name="priority"]', '1');
    await page.fill('#alert-form textarea[name="note"]', '夜市门口有人打架');
    await screenshot(page, 'command-alert-form-zh');
    await page.click('#alert-form .alert-form__send');
    await expect.poll(() => page.isVisible('#alert-form'), POLL).toBe(false);

    await expect.poll(() => page.$$eval('.ground-card', (cards) => cards.length), POLL).toBe(1);
    alertId = Number(await page.getAttribute('.ground-card', 'data-alert-id'));
    const raised = await alert(alertId);
    expect(raised).toMatchObject({ category: 'fight', priority: 1, note: '夜市门口有人打架', createdBy: 'room' });
    // The click became the officer's own position, to the pixel (under a metre at this zoom).
    expect(metres(raised, OFFICER)).toBeLessThan(3);
    await expect.poll(() => page.getAttribute(card(alertId), 'data-state'), POLL).toBe('dispatched');
    expect(await text(page, `${card(alertId)} .state-badge`)).toBe(zh.ground_dispatched);
    expect(await text(page, `${card(alertId)} .dispatch__row[data-officer="wang"] .dispatch__officer`)).toBe('wang');
    expect(await page.getAttribute(`.ground-alert[data-alert-id="${alertId}"]`, 'data-state')).toBe('dispatched');
  });

  it('shows each answer of the officer as it comes in', async () => {
    for (const [answer, state] of [['accept', 'accepted'], ['en_route', 'en_route'], ['on_scene', 'on_scene']] as const) {
      expect((await t.api('POST', `/api/alerts/${alertId}/answer`, officer, { answer })).status).toBe(200);
      await expect.poll(() => page.getAttribute(card(alertId), 'data-state'), POLL).toBe(state);
      expect(await page.getAttribute(`.ground-alert[data-alert-id="${alertId}"]`, 'data-state')).toBe(state);
      expect(await text(page, `${card(alertId)} .dispatch__row[data-officer="wang"] .dispatch__answer`)).toContain(zh[`answer_${answer}`]);
    }
    expect(await text(page, `${card(alertId)} .ground-card__assignee`)).toContain(fill(zh.assignedTo, { officer: 'wang' }));
    expect(await text(page, '.officer-row[data-officer="wang"] .officer-row__state')).toBe(fill(zh.busyWith, { number: (await alert(alertId)).number }));
    await screenshot(page, 'command-alert-answered-zh');
  });

  it('redraws the alerts tab for live news without taking the keyboard focus, and says all of it again after a language switch', async () => {
    const close = `${card(alertId)} .ground-card__close`;
    await page.focus(close);
    await page.$eval(close, (el) => Object.assign(el, { focusedHere: true }));
    // The officer moves: his distance on the card is redrawn (and the officers list).
    const before = await text(page, `${card(alertId)} .ground-card__assignee`);
    expect((await t.api('POST', '/api/officer/location', officer, { lat: OFFICER.lat + 30 / 111_320, lon: OFFICER.lon, accuracyM: 5 })).status).toBe(200);
    await expect.poll(() => text(page, `${card(alertId)} .ground-card__assignee`), POLL).not.toBe(before);
    expect(await page.evaluate(() => (document.activeElement as { focusedHere?: boolean } | null)?.focusedHere ?? false)).toBe(true);

    await page.click('#language');
    expect(await text(page, '#alerts-panel .desk-tab[data-desk="incidents"]')).toContain(strings.en.groundAlerts);
    await page.click('#language');
    // Names and the incident's number are shown as they are; aircraft alerts are worded by the service.
    const data = ['wang', 'room', 'Drone 1', 'Drone 2', 'Drone 3', (await alert(alertId)).number];
    expect(await englishLeft(page, '#alerts-panel', { skip: ['.alert-card__message'], data })).toEqual([]);
    // The language button names the other language.
    expect(await englishLeft(page, '.top', { data: ['room', 'English'] })).toEqual([]);
  });

  it('raises a ground alert where a drone is', async () => {
    await page.click('[data-tab="drones"]');
    await page.click('.row[data-drone-id="sim-2"]');
    // The drone's panel and list speak Chinese but for what the autopilot says in its own words.
    await expect.poll(() => text(page, '#panel [data-field="linkState"]'), POLL).toBe(zh.linkUp);
    const autopilotWords = ['[data-field="mode"]', '[data-field="vehicleType"]', '[data-field="linkUri"]', '.messages__text', '.row__mode'];
    expect(await englishLeft(page, '#panel', { skip: autopilotWords, data: ['Drone 2'] })).toEqual([]);
    expect(await englishLeft(page, '#sidebar', { skip: autopilotWords, data: ['Drone 1', 'Drone 2', 'Drone 3'] })).toEqual([]);
    await page.click('#panel .console__here');
    await page.waitForSelector('#alert-form[open]');
    expect(await text(page, '#alert-form .alert-form__where')).toContain('Drone 2');
    await page.selectOption('#alert-form select[name="category"]', 'theft');
    const before = (await t.api('GET', '/api/vehicles/sim-2', room)).body as VehicleView;
    await page.click('#alert-form .alert-form__send');
    await expect.poll(() => page.$$eval('.ground-card', (cards) => cards.length), POLL).toBe(2);
    const ids = await page.$$eval('.ground-card', (cards) => cards.map((c) => Number((c as HTMLElement).dataset.alertId)));
    const here = await alert(ids.find((id) => id !== alertId)!);
    expect(here).toMatchObject({ category: 'theft', vehicleId: 'sim-2' });
    // Where the drone was when the service took it (it flies its loop at 5 m/s meanwhile).
    expect(metres(here, before.position!)).toBeLessThan(30);
  });

  it('acknowledges an aircraft alert', async () => {
    // An aircraft alert to acknowledge: drone 1's battery runs low (the demo's own take-offs in
    // GUIDED are the simulator's training pilot's, no longer "mode changed on its own" alerts).
    t.svc.squadron!.drone(1).lowBatteryNow(0.25);
    // They are in the desk's own tab. (The incident raised just before is highlighted, which shows
    // the incidents, when the service's answer to it arrives: on a loaded machine that can come
    // after this click, so the tab is picked until its buttons show.)
    await expect.poll(async () => {
      await page.click('#alerts-panel .desk-tab[data-desk="aircraft"]');
      return page.locator('.aircraft-alert .alert-card__ack-button:visible').count();
    }, POLL).toBeGreaterThan(0);
    const id = Number(await page.locator('.aircraft-alert:has(.alert-card__ack-button:visible)').first().getAttribute('data-alert-id'));
    const ack = `.aircraft-alert[data-alert-id="${id}"] .alert-card__ack-button`;
    // The service's answer is held back while the list is redrawn for other news: the button
    // waits for the answer all the same.
    let release!: () => void;
    const answerHeld = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/aircraft-alerts/*/ack', async (route) => {
      await answerHeld;
      await route.continue();
    });
    await page.click(ack);
    expect(await page.isDisabled(ack)).toBe(true);
    const before = await text(page, `${card(alertId)} .ground-card__assignee`);
    expect((await t.api('POST', '/api/officer/location', officer, { ...OFFICER, accuracyM: 5 })).status).toBe(200);
    await expect.poll(() => text(page, `${card(alertId)} .ground-card__assignee`), POLL).not.toBe(before);
    expect(await page.isDisabled(ack)).toBe(true);
    release();
    await expect.poll(async () => (await t.svc.aircraft.get(id))?.acknowledgedBy, POLL).toBe('room');
    await page.unroute('**/api/aircraft-alerts/*/ack');
    // A mode change is over once acknowledged and leaves the list; a condition that still holds stays, marked.
    const after = (await t.svc.aircraft.get(id))!;
    const item = `.aircraft-alert[data-alert-id="${id}"]`;
    if (after.clearedAt !== null) await expect.poll(() => page.isVisible(item), POLL).toBe(false);
    else await expect.poll(() => text(page, `${item} .alert-card__ack`), POLL).toBe(fill(zh.acknowledgedBy, { user: 'room' }));
    await screenshot(page, 'command-alerts-zh');
    await page.click('#alerts-panel .desk-tab[data-desk="incidents"]');
  });

  it('closes a ground alert with its outcome (处置结果)', async () => {
    await page.click(`${card(alertId)} .ground-card__close`);
    await page.waitForSelector('#close-outcome[open]');
    expect(await text(page, '#close-outcome .dialog__title')).toContain((await alert(alertId)).number);
    await page.check('#close-outcome input[value="handled"]');
    await page.click('#close-outcome .close-outcome__close');
    await expect.poll(() => page.isVisible(card(alertId)), POLL).toBe(false);
    expect(await alert(alertId)).toMatchObject({ state: 'closed', outcome: { code: 'handled', by: 'room' } });
    // The map's markers are drawn in the next animation frame.
    await expect.poll(() => page.$(`.ground-alert[data-alert-id="${alertId}"]`), POLL).toBeNull();
    expect(unexpected(errors)).toEqual([]);
  });
});
