/**
 * Drone to the scene (无人机先行) in the pages, in a real Chromium against the real service and one
 * simulated ArduCopter that flies it (4× time), on a GCJ-02 map: a pilot picks a point on the map
 * (converted back to WGS-84), reads the checks, confirms, and watches the drone climb, fly and
 * hold overhead; a point in a no-fly zone is refused with its reason; the command room requests a
 * drone from an incident card, in Chinese, and a pilot accepts it with one confirmed action; the
 * officer holding the job sees on the phone that a drone is over the scene. Each Chinese page has
 * no English left.
 */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GotoView, GroundAlertView } from '../../server/wire/types.ts';
import { strings } from '../../web/src/i18n.ts';
import { wgs84ToGcj02 } from '../../web/src/projection.ts';
import { ADMIN_PASSWORD } from '../helpers/service.ts';
import { patrolRig } from '../patrols/rig.ts';
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

const en = strings.en;
const zh = strings['zh-CN'];
const FLIGHT = { timeout: 150_000, interval: 500 };
type Rig = Awaited<ReturnType<typeof patrolRig>>;

/** ~200 m east and 100 m north of the simulator's home: where the officer stands, and the incident. */
const SCENE = { lat: 28.3709, lon: 121.382 };
/** A no-fly zone just west of home. */
const ZONE = {
  name: 'school',
  polygon: [{ lat: 28.369, lon: 121.3785 }, { lat: 28.371, lon: 121.3785 }, { lat: 28.371, lon: 121.3775 }, { lat: 28.369, lon: 121.3775 }],
};
const NAMES = ['English', 'EN', 'pilot1', 'room', 'wang', 'Drone 1', 'sim-1', 'school'];

const metres = (a: { lat: number; lon: number }, b: { lat: number; lon: number }) =>
  Math.hypot((a.lat - b.lat) * 111_320, (a.lon - b.lon) * 111_320 * Math.cos((a.lat * Math.PI) / 180));

/** A tile folder with zoom levels and no tiles: the map is GCJ-02, drawn on the plain grid. */
function emptyTiles(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-tiles-'));
  for (const z of [15, 16, 17, 18]) fs.mkdirSync(path.join(dir, String(z)));
  return dir;
}

describe('drone to the scene in the pages', () => {
  let rig: Rig;
  let browser: Browser;
  let pilot: Page;
  let pilotErrors: string[];
  let room: Page;
  let roomErrors: string[];
  let officer: string;
  let roomToken: string;
  let alertId: number;

  const gotoOf = async () => (await rig.t.api('GET', `/api/vehicles/${rig.vid}/goto`, rig.pilot)).body as GotoView;

  beforeAll(async () => {
    assertFreshBuild();
    rig = await patrolRig({
      webDir: WEB_DIR,
      rules: { noFly: [ZONE] },
      goto: { transitAltM: 30 },
      tiles: { localDir: emptyTiles(), gcj02: true },
      // The autopilot's own low-battery failsafe off: what is tested is SkyBeat's turn-home countdown and the pilot's choice.
      simOptions: { bootDelayS: 4, speedup: 4, demo: false, seed: 11, params: { BATT_FS_LOW_ACT: 0 } },
    });
    roomToken = await rig.t.user('room', ['command']);
    officer = await rig.t.user('wang', ['officer']);
    await rig.t.api('POST', '/api/officer/duty', officer, { onDuty: true });
    await rig.t.api('POST', '/api/officer/location', officer, { ...SCENE, accuracyM: 5 });
    browser = await launchBrowser();
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1600, height: 900 } });
    ({ page: pilot, errors: pilotErrors } = await openPage(context, rig.t.base));
    await logIn(pilot, 'pilot1', 'pilot1-password');
    const roomContext = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1600, height: 900 } });
    ({ page: room, errors: roomErrors } = await openPage(roomContext, rig.t.base));
    await logIn(room, 'room', 'room-password');
  });

  afterAll(async () => {
    await browser?.close();
    await rig?.close();
  });

  it('refuses a point in a no-fly zone before anything is sent, naming the zone', async () => {
    await expect.poll(() => pilot.isVisible('.row[data-drone-id="sim-1"]'), POLL).toBe(true);
    await pilot.click('.row[data-drone-id="sim-1"]');
    await pilot.click('#panel .console__take');
    await expect.poll(() => pilot.isVisible('#panel .console-goto'), POLL).toBe(true);
    await rig.ready();
    await pilot.click('#panel .goto__pick');
    expect(await text(pilot, '#panel .goto__picking')).toContain(en.gotoPickHint);
    await settled(pilot);
    const zone = await centre(pilot, 'path.zone--nofly');
    await pilot.mouse.click(zone.x, zone.y);
    const path = '#panel .goto__checks .checklist__item[data-check="path"]';
    await expect.poll(() => pilot.getAttribute(path, 'data-pass'), POLL).toBe('false');
    expect(await text(pilot, `${path} .checklist__value`)).toBe('the point is in the no-fly zone "school"');
    expect(await text(pilot, `${path} .checklist__name`)).toBe(en.gotoCheck_path);
    expect(await pilot.isDisabled('#panel .goto__send')).toBe(true);
    await screenshot(pilot, 'goto-refused-en');
    await pilot.click('#panel .goto__discard');
    expect((await rig.t.api('GET', `/api/vehicles/${rig.vid}/goto`, rig.pilot)).status).toBe(404);
    expect(rig.drone.status()).toMatchObject({ armed: false, landed: true });
  });

  it('sends the drone from a map click (GCJ-02 converted back) through the checks and a confirmation, and shows it overhead', async () => {
    // One click, one purpose: marking an incident's spot calls off picking a goto point, and the
    // other way round (both took the same click before).
    await pilot.click('#panel .goto__pick');
    await pilot.click('#new-alert');
    await expect.poll(() => pilot.isVisible('#panel .goto__picking'), POLL).toBe(false);
    expect(await pilot.isVisible('#mode-banner')).toBe(true);
    await pilot.click('#panel .goto__pick');
    expect(await pilot.isVisible('#mode-banner')).toBe(false);
    expect(await pilot.isVisible('#panel .goto__picking')).toBe(true);
    // Where the officer stands: the marker lets clicks through to the map.
    await expect.poll(() => pilot.isVisible('.officer[data-officer="wang"]'), POLL).toBe(true);
    await settled(pilot);
    const at = await centre(pilot, '.officer[data-officer="wang"] .officer__badge');
    await pilot.mouse.click(at.x, at.y);
    expect(await pilot.isVisible('#alert-form[open]')).toBe(false);
    await expect.poll(() => pilot.$$eval('#panel .goto__checks .checklist__item', (items) => items.map((i) => (i as HTMLElement).dataset.pass)), POLL)
      .toSatisfy((passes: string[]) => passes.length === 10 && passes.every((p) => p === 'true'));
    const names = await pilot.$$eval('#panel .goto__checks .checklist__name', (els) => els.map((e) => e.textContent));
    expect(names).toContain(en.gotoCheck_battery);

    await pilot.click('#panel .goto__send');
    await pilot.waitForSelector('#confirm[open]');
    expect(await text(pilot, '#confirm .confirm__yes')).toBe(fill(en.doGoto, { drone: 'Drone 1' }));
    expect(await text(pilot, '#confirm .confirm__message')).toContain('Drone 1');
    // Cancelled: nothing sent.
    await pilot.click('#confirm .confirm__no');
    await expect.poll(() => text(pilot, '#panel .goto__outcome'), POLL).toBe(en.gotoNotSent);
    expect((await rig.t.api('GET', `/api/vehicles/${rig.vid}/goto`, rig.pilot)).status).toBe(404);

    await pilot.click('#panel .goto__send');
    await pilot.waitForSelector('#confirm[open]');
    await pilot.click('#confirm .confirm__yes');
    await expect.poll(() => pilot.getAttribute('#panel .goto__outcome', 'data-outcome'), POLL).toBe('accepted');
    const sent = await gotoOf();
    // The click was where the officer stands in WGS-84, within a pixel or two of this zoom (the map draws it several hundred metres off).
    expect(metres(sent.target, SCENE)).toBeLessThan(10);
    expect(metres(wgs84ToGcj02(SCENE.lat, SCENE.lon), SCENE)).toBeGreaterThan(300);
    expect(sent.alertId).toBeNull();

    await expect.poll(() => pilot.getAttribute('#panel .goto-facts', 'data-state'), FLIGHT).toBe('transit');
    // The map: the point and the drone's line to it.
    expect(await pilot.isVisible(`.goto-target[data-goto-id="${sent.id}"] .goto-target__mark`)).toBe(true);
    await expect.poll(() => pilot.$$eval('path.goto-line', (p) => p.filter((x) => (x.getAttribute('d') ?? '').length > 5).length), POLL).toBe(1);
    expect(await pilot.getAttribute('#panel .goto-facts', 'data-overhead')).toBe('false');
    expect(await pilot.isVisible('#panel .goto-overhead')).toBe(false);

    await expect.poll(() => pilot.getAttribute('#panel .goto-facts', 'data-overhead'), FLIGHT).toBe('true');
    expect((await gotoOf()).overhead).toBe(true);
    expect(await text(pilot, '#panel .goto-facts__state')).toBe(`${en.goto_on_scene}${en.gotoOverhead}`);
    expect(await pilot.getAttribute(`.goto-target[data-goto-id="${sent.id}"]`, 'data-overhead')).toBe('true');
    // Held time counts up, the countdown to turning home is there, not amber with a full battery.
    await expect.poll(() => text(pilot, '#panel .goto-facts__held'), POLL).not.toBe('0:00');
    expect(Number(await pilot.getAttribute('#panel .goto-facts__turn-home', 'data-seconds'))).toBeGreaterThan(120);
    expect(await pilot.getAttribute('#panel .goto-facts', 'data-amber')).toBe('false');
    expect(await text(pilot, '#panel .goto-facts__battery')).toMatch(/^\d+%$/);
    await screenshot(pilot, 'goto-overhead-en');

    // Return home: confirmed, audited by the service.
    await pilot.click('#panel .goto__home');
    await pilot.waitForSelector('#confirm[open]');
    expect(await text(pilot, '#confirm .confirm__yes')).toBe(fill(en.doGotoHome, { drone: 'Drone 1' }));
    await pilot.click('#confirm .confirm__yes');
    await expect.poll(async () => (await gotoOf()).state, POLL).toBe('returning');
    await expect.poll(() => pilot.getAttribute('#panel .goto__ended', 'data-state'), POLL).toBe('returning');
    await expect.poll(() => pilot.$$eval('.goto-target', (t) => t.length), POLL).toBe(0);
    expect(unexpected(pilotErrors, [404])).toEqual([]);
  }, 300_000);

  it('a pilot sends the drone in command to an incident from its card, through the same checks and confirmation', async () => {
    const raised = await rig.t.api('POST', '/api/alerts', roomToken, { ...SCENE, category: 'fight', priority: 1, note: '' });
    expect(raised.status).toBe(201);
    alertId = (raised.body as GroundAlertView).id;
    await expect.poll(async () => ((await rig.t.api('GET', `/api/alerts/${alertId}`, roomToken)).body as GroundAlertView).dispatch.length, POLL)
      .toBeGreaterThan(0);
    expect((await rig.t.api('POST', `/api/alerts/${alertId}/answer`, officer, { answer: 'accept' })).status).toBe(200);

    await pilot.click('[data-tab="alerts"]');
    const send = `.ground-card[data-alert-id="${alertId}"] .incident-drone__send[data-send-drone="sim-1"]`;
    await expect.poll(() => pilot.isVisible(send), POLL).toBe(true);
    expect(await text(pilot, send)).toBe(fill(en.sendDroneHere, { drone: 'Drone 1' }));
    await pilot.click(send);
    // The same checks the send runs, the incident's among them.
    await expect.poll(() => pilot.$$eval('#panel .goto__checks .checklist__item', (items) => items.map((i) => (i as HTMLElement).dataset.check)), POLL)
      .toEqual(['control', 'link', 'gps', 'position', 'idle', 'incident', 'point', 'water', 'path', 'ceiling', 'battery']);
    expect(await pilot.$$eval('#panel .goto__checks .checklist__item', (items) => items.every((i) => (i as HTMLElement).dataset.pass === 'true'))).toBe(true);
    expect(await text(pilot, '#panel .goto__point')).toMatch(/^Incident [A-Z]+-\d{8}-\d{3} at 28\.3709\d*, 121\.382\d*$/);
    await pilot.click('#panel .goto__send');
    await pilot.waitForSelector('#confirm[open]');
    expect(await text(pilot, '#confirm .confirm__yes')).toBe(fill(en.doGoto, { drone: 'Drone 1' }));
    await pilot.click('#confirm .confirm__yes');
    await expect.poll(async () => {
      const g = await gotoOf();
      return g.state !== 'returning' && g.alertId;
    }, POLL).toBe(alertId);
    await expect.poll(() => pilot.getAttribute('#panel .goto-facts', 'data-state'), POLL).toMatch(/^(transit|on_scene)$/);
    // Brought back before it gets there: the command room will ask for one.
    await pilot.click('#panel .goto__home');
    await pilot.waitForSelector('#confirm[open]');
    await pilot.click('#confirm .confirm__yes');
    await expect.poll(async () => (await gotoOf()).state, POLL).toBe('returning');
    expect(unexpected(pilotErrors, [404])).toEqual([]);
  }, 300_000);

  it('the command room requests a drone from an incident card (in Chinese), and a pilot accepts it with one confirmed action', async () => {
    await room.click('[data-tab="alerts"]');
    const card = `.ground-card[data-alert-id="${alertId}"]`;
    await expect.poll(() => room.isVisible(`${card} .incident-drone__request`), POLL).toBe(true);
    expect(await text(room, `${card} .incident-drone__request`)).toBe(zh.requestDrone);
    await room.click(`${card} .incident-drone__request`);
    await expect.poll(() => room.isVisible(`${card} .incident-drone__requested`), POLL).toBe(true);
    expect(await text(room, `${card} .incident-drone__requested`)).toMatch(/^room \d\d:\d\d:\d\d 已请求无人机先行$/);
    expect(await englishLeft(room, card, { data: NAMES })).toEqual([]);
    // Cancelled and asked again: one open request for the incident, as the pilots see it.
    expect(await text(room, `${card} .incident-drone__cancel`)).toBe(zh.cancelDroneRequest);
    await room.click(`${card} .incident-drone__cancel`);
    await expect.poll(() => room.isVisible(`${card} .incident-drone__request`), POLL).toBe(true);
    expect(((await rig.t.api('GET', '/api/drone-requests', rig.pilot)).body as unknown[]).length).toBe(0);
    await room.click(`${card} .incident-drone__request`);
    await expect.poll(async () => ((await rig.t.api('GET', '/api/drone-requests', rig.pilot)).body as unknown[]).length, POLL).toBe(1);

    // The pilot, now in Chinese, sees the request with the drone that could go.
    await pilot.click('#language');
    await pilot.click('[data-tab="drones"]');
    const request = '#drone-requests .drone-request';
    await expect.poll(() => pilot.isVisible(request), POLL).toBe(true);
    expect(await pilot.getAttribute(request, 'data-alert-id')).toBe(String(alertId));
    expect(await text(pilot, `${request} .drone-request__candidate[data-vehicle-id="sim-1"]`)).toMatch(
      /^Drone 1 · \d+ m · \d+% · 在(空中|地面) · 由 pilot1 接管/,
    );
    expect(await englishLeft(pilot, '#drone-requests', { data: NAMES })).toEqual([]);
    await screenshot(pilot, 'goto-request-zh');

    // The checks first, line by line as before a launch, in Chinese; nothing is asked before they are read.
    expect(await text(pilot, `${request} .drone-request__accept[data-accept="sim-1"]`)).toBe(fill(zh.droneRequestCheck, { drone: 'Drone 1' }));
    await pilot.click(`${request} .drone-request__accept[data-accept="sim-1"]`);
    expect(await pilot.isVisible('#confirm[open]')).toBe(false);
    const checks = `${request} .drone-request__checks .checklist__item`;
    await expect.poll(() => pilot.$$eval(checks, (items) => items.map((i) => (i as HTMLElement).dataset.check)), POLL)
      .toEqual(['control', 'link', 'gps', 'position', 'idle', 'incident', 'point', 'water', 'path', 'ceiling', 'battery']);
    expect(await pilot.$$eval(checks, (items) => items.every((i) => (i as HTMLElement).dataset.pass === 'true'))).toBe(true);
    expect(await text(pilot, `${request} .checklist__item[data-check="water"] .checklist__name`)).toBe(zh.gotoCheck_water);
    expect(await englishLeft(pilot, '#drone-requests', { data: NAMES })).toEqual([]);
    await screenshot(pilot, 'goto-request-checks-zh');
    await pilot.click(`${request} .drone-request__send[data-send="sim-1"]`);
    await pilot.waitForSelector('#confirm[open]');
    expect(await text(pilot, '#confirm .confirm__yes')).toBe(fill(zh.droneRequestAccept, { drone: 'Drone 1' }));
    // The confirmation repeats the checks it passed.
    expect(await pilot.$$eval('#confirm .confirm__details li', (li) => li.length)).toBe(11);
    expect(await text(pilot, '#confirm .confirm__details')).toContain(zh.gotoCheck_battery);
    await pilot.click('#confirm .confirm__yes');
    await expect.poll(async () => (await gotoOf()).alertId, POLL).toBe(alertId);
    await expect.poll(() => pilot.isVisible(request), POLL).toBe(false);

    // The command room's card follows the drone: on its way, then overhead, time held and the countdown.
    await expect.poll(() => room.getAttribute(`${card} .incident-drone`, 'data-goto-state'), FLIGHT).toMatch(/^(transit|on_scene)$/);
    await expect.poll(() => room.getAttribute(`${card} .incident-drone`, 'data-overhead'), FLIGHT).toBe('true');
    expect(await text(room, `${card} .incident-drone__state`)).toBe(fill(zh.incidentDrone, { drone: 'Drone 1', state: zh.goto_on_scene }));
    expect(await text(room, `${card} .goto-overhead`)).toBe(zh.gotoOverhead);
    expect(await text(room, `${card} .incident-drone__turn-home`)).toMatch(/\d+:\d\d 后须返航/);
    expect(await englishLeft(room, card, { data: NAMES })).toEqual([]);
    await screenshot(room, 'goto-incident-zh');
    // On the map the drone over the incident: its glyph, its label, the incident's label and the goto point's label do not cover one another.
    await settled(room);
    const drone = '.drone[data-drone-id="sim-1"]';
    const parts = {
      glyph: `${drone} .drone__glyph`,
      droneLabel: `${drone} .drone__label`,
      incidentLabel: `.ground-alert[data-alert-id="${alertId}"] .ground-alert__text`,
      gotoLabel: '.goto-target .goto-target__label',
    };
    await expect.poll(() => room.isVisible(parts.gotoLabel), POLL).toBe(true);
    await room.waitForTimeout(1200); // the labels are placed again once a second
    const box: Record<string, { x: number; y: number; width: number; height: number }> = {};
    for (const [name, selector] of Object.entries(parts)) {
      const b = await room.locator(selector).first().boundingBox();
      if (!b) throw new Error(`${name} (${selector}) is not on screen`);
      box[name] = b;
    }
    const apart = (a: string, b: string) => {
      const [p, q] = [box[a]!, box[b]!];
      return p.x + p.width <= q.x || q.x + q.width <= p.x || p.y + p.height <= q.y || q.y + q.height <= p.y;
    };
    const names = Object.keys(parts);
    for (const [i, a] of names.entries()) for (const b of names.slice(i + 1)) expect(apart(a, b), `${a} and ${b} overlap: ${JSON.stringify(box)}`).toBe(true);

    // The pilot's console in Chinese, with its three choices.
    await expect.poll(() => pilot.getAttribute('#panel .goto-facts', 'data-overhead'), POLL).toBe('true');
    expect(await text(pilot, '#panel .goto__keep')).toBe(zh.gotoKeep);
    expect(await englishLeft(pilot, '#panel .console-goto', { data: NAMES })).toEqual([]);
    expect(unexpected(roomErrors, [404])).toEqual([]);
  }, 300_000);

  it('the officer holding the job sees on the phone that a drone is over the scene', async () => {
    const context = await browser.newContext({
      locale: 'zh-CN',
      viewport: { width: 360, height: 640 },
      isMobile: true,
      hasTouch: true,
      geolocation: { latitude: SCENE.lat, longitude: SCENE.lon, accuracy: 5 },
      permissions: ['geolocation'],
    });
    const { page, errors } = await openPage(context, rig.t.base, '/officer');
    await logIn(page, 'wang', 'wang-password');
    const job = `.job[data-alert-id="${alertId}"]`;
    await expect.poll(() => page.getAttribute(`${job} .job__drone`, 'data-overhead'), FLIGHT).toBe('true');
    expect(await text(page, `${job} .job__drone`)).toBe(zh.jobDroneOverhead);
    expect(await englishLeft(page, job, { skip: ['.leaflet-control-attribution'], data: NAMES })).toEqual([]);
    await screenshot(page, 'goto-officer-zh');

    // The pilot keeps it there past the battery limit (confirmed, audited); the battery runs low:
    // the countdown turns amber in the console and on the incident card, and it stays.
    await pilot.click('#panel .goto__keep');
    await pilot.waitForSelector('#confirm[open]');
    expect(await text(pilot, '#confirm .confirm__yes')).toBe(fill(zh.doGotoKeep, { drone: 'Drone 1' }));
    await pilot.click('#confirm .confirm__yes');
    await expect.poll(async () => (await gotoOf()).keepHolding, POLL).toBe(true);
    const audit = (await rig.t.api('GET', '/api/audit?action=goto.keep_holding', await rig.t.login('admin', ADMIN_PASSWORD))).body as {
      entries?: { action: string; user: string }[];
    } | { action: string; user: string }[];
    const entries = Array.isArray(audit) ? audit : audit.entries ?? [];
    expect(entries.some((e) => e.action === 'goto.keep_holding' && e.user === 'pilot1')).toBe(true);
    await expect.poll(() => text(pilot, '#panel .goto-facts__kept'), POLL).toBe(zh.gotoKeptPast);
    expect(await text(pilot, '#panel .goto__keep')).toBe(zh.gotoKeepOff);
    rig.drone.lowBatteryNow(0.33);
    await expect.poll(() => pilot.getAttribute('#panel .goto-facts', 'data-amber'), POLL).toBe('true');
    await expect.poll(
      () => room.$eval(`.ground-card[data-alert-id="${alertId}"] .incident-drone`, (el) => el.classList.contains('incident-drone--amber')),
      POLL,
    ).toBe(true);
    await screenshot(pilot, 'goto-amber-zh');
    await expect.poll(async () => (await gotoOf()).events.some((e) => e.kind === 'limit'), FLIGHT).toBe(true);
    expect((await gotoOf()).state).toBe('on_scene');

    // The pilot brings it home: the phone no longer says a drone is there.
    await pilot.click('#panel .goto__home');
    await pilot.waitForSelector('#confirm[open]');
    await pilot.click('#confirm .confirm__yes');
    await expect.poll(() => page.isVisible(`${job} .job__drone`), POLL).toBe(false);
    expect(unexpected(errors, [404])).toEqual([]);
  }, 300_000);

  it('refuses to send it again with too little battery, saying why, in Chinese', async () => {
    await pilot.click('[data-tab="alerts"]');
    const send = `.ground-card[data-alert-id="${alertId}"] .incident-drone__send[data-send-drone="sim-1"]`;
    await expect.poll(() => pilot.isVisible(send), POLL).toBe(true);
    await pilot.click(send);
    const battery = '#panel .goto__checks .checklist__item[data-check="battery"]';
    await expect.poll(() => pilot.getAttribute(battery, 'data-pass'), POLL).toBe('false');
    expect(await text(pilot, `${battery} .checklist__name`)).toBe(zh.gotoCheck_battery);
    expect(await text(pilot, `${battery} .checklist__value`)).toMatch(/^去程 \d+\.\d 公里、悬停 5 分钟并返航：约 \d+ 分钟，需 \d+%（含 25% 备用），现有 \d+%$/);
    expect(await pilot.isDisabled('#panel .goto__send')).toBe(true);
    expect(await englishLeft(pilot, '#panel .console-goto', { data: NAMES })).toEqual([]);
    expect(unexpected(pilotErrors, [404])).toEqual([]);
  }, 300_000);
});
