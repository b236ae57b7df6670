/**
 * Chinese as police and pilots read it, in a real Chromium against the real service and one
 * simulated ArduCopter (4× time). Each page starts in English and is switched to Chinese with its
 * own button, then walked: the pilot's map (every tab, the preflight checklist, a patrol flown and
 * recalled with its event log, a launch refused by its checks, a battery alert raised by the
 * simulator, a route imported with a warning, the run history), the command room's, an admin's,
 * and the officer's phone; then the service's refusals as people meet them (a launch whose route
 * is gone, control taken or handed over meanwhile, a command from a pilot no longer in command, a
 * refused or simplified route file, a bad schedule in the route details form, a rename to a name
 * taken, a route deleted meanwhile, a next wave with nobody left), the officer picker, the incident
 * log with its timeline, drone to the scene and the drone requests, a session ended elsewhere and
 * the service stopping. Any English word left fails, but for units, GPS/EKF/HDOP and the like, ids,
 * names people typed, and what the autopilot says in its own words (marked as its own).
 */

import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView } from '../../server/wire/types.ts';
import { strings } from '../../web/src/i18n.ts';
import { denseLoop, lineKml } from '../missions/dense-line.ts';
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
  'pilot2',
  'spare.plan',
  'spare',
  'hostile.kml',
  'dense.kml',
  'dense',
  'high.plan',
  'high',
  'short.plan',
];

/**
 * Live events the service has sent but the page has not received yet: held back on their way, as
 * a message still in flight is (another pilot took the drone a moment before this pilot's click
 * arrived). Installed before the page opens; holds only while `on`.
 */
async function holdBack(context: BrowserContext, events: string[]): Promise<{ on: boolean }> {
  const hold = { on: false };
  await context.routeWebSocket(/\/socket\.io\//, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((m) => server.send(m));
    server.onMessage((m) => {
      // socket.io's event packets: 42["name",…]
      if (hold.on && typeof m === 'string' && events.some((e) => m.startsWith(`42["${e}"`))) return;
      ws.send(m);
    });
  });
  return hold;
}

/** The words of a refusal line under a control, and the English left in it. */
/** The refusal the line shows; after `previous`, a new one (the line keeps the last until the next answer comes). */
async function refusal(page: Page, selector: string, previous?: string): Promise<{ text: string; english: string[] }> {
  await expect.poll(() => page.getAttribute(selector, 'data-outcome'), POLL).toBe('refused');
  if (previous !== undefined) await expect.poll(() => text(page, selector), POLL).not.toBe(previous);
  return { text: await text(page, selector), english: await englishLeft(page, selector, { data: NAMES }) };
}

/** Drops a file on the routes tab's drop zone, as a person drags one from the desktop. */
const dropper = (page: Page) => (name: string, content: string) =>
  page.$eval('.route-drop', (el, file) => {
    const data = new DataTransfer();
    data.items.add(new File([file.content], file.name, { type: 'text/plain' }));
    el.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
    el.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  }, { name, content });

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
  /** the control changes the pilot's page has not been told yet, while on */
  let pilotHold: { on: boolean };
  let runId: number;
  let room: Page;
  let roomErrors: string[];
  let missing: number;
  let pilot2: string;
  let admin: string;

  const panelField = (page: Page, field: string) => text(page, `#panel [data-field="${field}"]`);
  const newPage = async (locale = 'en-GB', hold: string[] = []) => {
    const context = await browser.newContext({ locale, viewport: { width: 1600, height: 900 } });
    contexts.push(context);
    const held = await holdBack(context, hold);
    return { ...(await openPage(context, rig.t.base)), held };
  };
  const control = (action: 'take' | 'release', token: string) => rig.t.api('POST', `/api/vehicles/${rig.vid}/control`, token, { action });

  beforeAll(async () => {
    assertFreshBuild();
    rig = await patrolRig({ webDir: WEB_DIR });
    browser = await launchBrowser();
    contexts = [];
    ({ page: pilot, errors: pilotErrors, held: pilotHold } = await newPage('en-GB', ['control']));
    pilot2 = await rig.t.user('pilot2', ['pilot']);
    admin = await rig.t.login('admin', ADMIN_PASSWORD);
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

  it("pilot: the service's own refusals in Chinese — a launch whose route was deleted meanwhile, control taken or handed over meanwhile", async () => {
    const drop = dropper(pilot);
    // A second route, imported on the page and saved.
    await pilot.click('[data-tab="routes"]');
    await drop('spare.plan', JSON.stringify(shortPlan()));
    await pilot.click('.route-preview-box__save');
    await expect.poll(() => pilot.getAttribute('#routes-panel .outcome', 'data-outcome'), POLL).toBe('accepted');

    // Checked, then deleted by someone else before the launch goes.
    await pilot.click('[data-tab="drones"]');
    await pilot.selectOption('#panel .launch__route', 'spare');
    await expect.poll(async () => {
      await pilot.click('#panel .launch__check');
      await pilot.waitForTimeout(400);
      return pilot.isDisabled('#panel .launch__go');
    }, { timeout: 30_000, interval: 500 }).toBe(false);
    expect((await rig.t.api('DELETE', '/api/routes/spare', pilot2)).status).toBe(204);
    await pilot.click('#panel .launch__go');
    await pilot.waitForSelector('#confirm[open]');
    await pilot.click('#confirm .confirm__yes');
    const launch = await refusal(pilot, '#panel .console__outcome');
    expect(launch.text).toContain('无此航线“spare”');
    expect.soft(launch.english).toEqual([]);
    await pilot.selectOption('#panel .launch__route', 'short');
    // The network gone as the launch is sent: said in the page's words, not the browser's ("Failed to fetch").
    await expect.poll(async () => {
      await pilot.click('#panel .launch__check');
      await pilot.waitForTimeout(400);
      return pilot.isDisabled('#panel .launch__go');
    }, { timeout: 30_000, interval: 500 }).toBe(false);
    await pilot.route('**/api/vehicles/*/patrol', (route) => route.abort('internetdisconnected'));
    await pilot.click('#panel .launch__go');
    await pilot.waitForSelector('#confirm[open]');
    await pilot.click('#confirm .confirm__yes');
    const offline = await refusal(pilot, '#panel .console__outcome');
    expect(offline.text).toContain('无法连接 SkyBeat（网络中断或服务未运行）');
    expect.soft(offline.english).toEqual([]);
    await pilot.unroute('**/api/vehicles/*/patrol');
    // The browser logs the request it could not send: provoked here, not an error of the page.
    pilotErrors.splice(0, pilotErrors.length, ...pilotErrors.filter((e) => !e.includes('net::ERR_INTERNET_DISCONNECTED')));

    // Handed over and taken by another pilot before this page heard of it: handing over is refused, saying who holds it.
    const controlLine = '#panel .console-control .outcome';
    pilotHold.on = true;
    expect((await control('release', rig.pilot)).status).toBe(200);
    expect((await control('take', pilot2)).status).toBe(200);
    expect(await text(pilot, '#panel .console__holder')).toBe(zh.controlMine);
    await pilot.click('#panel .console__release');
    const release = await refusal(pilot, controlLine);
    expect(release.text).toContain('sim-1 由 pilot2 接管，不是 pilot1');
    expect.soft(release.english).toEqual([]);
    // Free again as far as the page knows, then taken a moment before the click: taking is refused.
    pilotHold.on = false;
    expect((await control('release', pilot2)).status).toBe(200);
    await expect.poll(() => pilot.isVisible('#panel .console__take'), POLL).toBe(true);
    pilotHold.on = true;
    expect((await control('take', pilot2)).status).toBe(200);
    await pilot.click('#panel .console__take');
    const take = await refusal(pilot, controlLine);
    expect(take.text).toContain('sim-1 已由 pilot2 接管；需对方先交出控制权');
    expect.soft(take.english).toEqual([]);
    expect.soft(await englishLeft(pilot, '#panel', { skip: AUTOPILOT_WORDS, data: NAMES })).toEqual([]);
    await screenshot(pilot, 'chinese-pilot-control-refused');
    pilotHold.on = false;
    expect((await control('release', pilot2)).status).toBe(200);
    await pilot.click('#panel .console__take');
    await expect.poll(() => text(pilot, '#panel .console__holder'), POLL).toBe(zh.controlMine);
  }, 90_000);

  it('pilot: a patrol flown and recalled, its event log and result in Chinese', async () => {
    await expect.poll(async () => {
      await pilot.click('#panel .launch__check');
      await pilot.waitForTimeout(400);
      return pilot.isDisabled('#panel .launch__go');
    }, { timeout: 30_000, interval: 500 }).toBe(false);
    // The autopilot refuses to arm at first (its safety switch): the refusal is ours in Chinese, its own words inside as its.
    rig.drone.refuseArm();
    await pilot.click('#panel .launch__go');
    await pilot.waitForSelector('#confirm[open]');
    await pilot.click('#confirm .confirm__yes');
    await expect.poll(() => pilot.getAttribute('#panel .console__outcome', 'data-outcome'), POLL).toBe('accepted');
    runId = ((await rig.t.api('GET', '/api/runs', rig.pilot)).body as RunView[])[0]!.id;
    await rig.until(runId, 'an arming refused', (r) => r.events.some((e) => e.kind === 'arm_refused'));
    rig.drone.allowArm();
    await expect.poll(() => panelField(pilot, 'runState'), FLIGHT).toBe(zh.run_flying);
    // The event log so far: preflight, upload, arming (refusals in the autopilot's words), climb.
    await expect.poll(() => pilot.$$eval('#panel .run-events__item', (items) => items.length), POLL).toBeGreaterThan(4);
    expect.soft(await englishLeft(pilot, '#panel', { skip: AUTOPILOT_WORDS, data: NAMES })).toEqual([]);
    expect(await text(pilot, '#panel .run-events')).toContain('已升空');
    // Only the autopilot's own words are marked as its (before, the whole English refusal was: "COMPONENT_ARM_DISARM FAILED: PreArm: …").
    const quoted = await pilot.$$eval('#panel .run-events [data-said-by]', (q) => q.map((x) => x.textContent ?? ''));
    expect(quoted.length).toBeGreaterThan(0);
    for (const words of quoted) expect(words).toMatch(/^(PreArm|Arm): /);

    // Control handed to nobody by an admin a moment before the pilot's click: the command is refused, saying so.
    pilotHold.on = true;
    expect((await control('release', admin)).status).toBe(200);
    await pilot.click('#panel .command[data-action="pause"]');
    await pilot.waitForSelector('#confirm[open]');
    await pilot.click('#confirm .confirm__yes');
    const command = await refusal(pilot, '#panel .console__outcome');
    expect(command.text).toContain('请先接管 sim-1');
    expect.soft(command.english).toEqual([]);
    await screenshot(pilot, 'chinese-pilot-command-refused');
    pilotHold.on = false;
    expect((await control('take', rig.pilot)).status).toBe(200);
    await expect.poll(() => text(pilot, '#panel .console__holder'), POLL).toBe(zh.controlMine);

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
    const drop = dropper(pilot);
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

    // A file refused for what it is (a DOCTYPE), and a drawn line too dense for a mission, simplified: said in Chinese.
    await drop('hostile.kml', '<?xml version="1.0"?>\n<!DOCTYPE kml [<!ENTITY x "y">]><kml><Document></Document></kml>');
    await expect.poll(() => pilot.getAttribute('#routes-panel .outcome', 'data-outcome'), POLL).toBe('refused');
    await expect.poll(() => text(pilot, '.route-import__problems'), POLL).toContain('文件含 DOCTYPE（实体声明），已拒绝');
    expect.soft(await englishLeft(pilot, '#routes-panel', { data: NAMES }), 'hostile.kml').toEqual([]);
    await drop('dense.kml', lineKml(denseLoop(2000), '密集巡线'));
    await expect.poll(() => text(pilot, '.route-preview-box'), POLL).toMatch(/所画的线有 2,000 个点，超出一次任务可容纳的 697 个点/);
    expect.soft(await englishLeft(pilot, '#routes-panel', { data: NAMES }), 'dense.kml').toEqual([]);
    await screenshot(pilot, 'chinese-pilot-import-simplified');
    await pilot.click('.route-preview-box__discard');

    // The route details form, in Chinese; a schedule the scheduler cannot read is refused saying why.
    const routeLine = '#routes-panel .outcome';
    await pilot.click('.route-row[data-route-id="short"]');
    await pilot.click('.route-detail__details');
    await pilot.fill('.route-meta input[name="schedule"]', '天天巡逻');
    expect.soft(await englishLeft(pilot, '#routes-panel', { data: NAMES }), 'details form').toEqual([]);
    await pilot.click('.route-meta__save');
    const schedule = await refusal(pilot, routeLine);
    expect(schedule.text).toContain('巡逻时间无法识别：“天天巡逻”：没有找到时刻');
    expect.soft(schedule.english).toEqual([]);
    // Renamed to a name another route has: refused, naming it.
    await pilot.click('.route-row[data-route-id="high"]');
    await pilot.click('.route-detail__rename');
    await pilot.fill('.route-rename__to', 'short');
    await pilot.click('.route-rename__save');
    const rename = await refusal(pilot, routeLine, schedule.text);
    expect(rename.text).toContain('航线“short”已存在（short.plan）：请换一个名称');
    expect.soft(rename.english).toEqual([]);
    // Deleted by someone else meanwhile: this delete is refused, saying there is no such route.
    expect((await rig.t.api('DELETE', '/api/routes/high', pilot2)).status).toBe(204);
    await pilot.click('.route-detail__delete');
    await pilot.waitForSelector('#confirm[open]');
    await pilot.click('#confirm .confirm__yes');
    const gone = await refusal(pilot, routeLine, rename.text);
    expect(gone.text).toContain('无此航线“high”');
    expect.soft(gone.english).toEqual([]);
    expect.soft(await englishLeft(pilot, 'body', { skip: AUTOPILOT_WORDS, data: NAMES })).toEqual([]);
    await screenshot(pilot, 'chinese-pilot-route-refusals');

    // The route's waypoints on the map, drawn in English, are named again in Chinese after a switch (their tooltips).
    await pilot.click('#language');
    await pilot.click('.route-row[data-route-id="short"]');
    await expect.poll(() => pilot.$$eval('.route-wp', (wps) => wps.map((w) => w.getAttribute('title') ?? '')), POLL)
      .toContainEqual(expect.stringMatching(/^2 · waypoint · 20 m$/));
    await toChinese(pilot);
    expect.soft(await englishLeft(pilot, '.leaflet-marker-pane', { data: NAMES }), 'route tooltips').toEqual([]);

    await pilot.click('[data-tab="history"]');
    await pilot.click('#history-panel .history__load');
    await expect.poll(() => pilot.$$eval('#history-panel .run-row', (rows) => rows.length), POLL).toBeGreaterThan(0);
    await pilot.click(`#history-panel .run-row[data-run-id="${runId}"]`);
    await pilot.waitForTimeout(500);
    expect.soft(await englishLeft(pilot, 'body', { skip: AUTOPILOT_WORDS, data: NAMES })).toEqual([]);
    await screenshot(pilot, 'chinese-pilot-history');
    expect(unexpected(pilotErrors, [400, 403, 404, 409, 422])).toEqual([]);
  }, 90_000);

  it('the command room: every tab, the battery alert among the aircraft alerts, in Chinese', async () => {
    await rig.t.user('room', ['command']);
    ({ page: room, errors: roomErrors } = await newPage());
    await logIn(room, 'room', 'room-password');
    await expect.poll(() => room.getAttribute('#connection', 'data-state'), POLL).toBe('connected');
    await toChinese(room);
    await room.click('[data-tab="alerts"]');
    await expect.poll(() => room.$$eval('.aircraft-alert', (a) => a.length), POLL).toBeGreaterThan(0);
    expect.soft(await walkTabs(room, 'room')).toEqual({ drones: [], alerts: [], routes: [], history: [] });
    expect(unexpected(roomErrors)).toEqual([]);
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
    missing = raised.body.id;
    await expect.poll(() => page.isVisible(`.job[data-alert-id="${raised.body.id}"]`), POLL).toBe(true);
    expect(await text(page, `.job[data-alert-id="${raised.body.id}"] .job__category`)).toBe(zh.cat_missing_person);
    expect.soft(await englishLeft(page, 'body', { skip: ['.leaflet-control-attribution'], data: NAMES })).toEqual([]);
    await page.screenshot({ path: path.join('test-artifacts', 'chinese-officer.png') });
    expect(unexpected(errors)).toEqual([]);
  });

  it('the command room: the officer picker (派警), a next wave with nobody left, a drone requested, the incident log with its timeline, in Chinese', async () => {
    const card = `.ground-card[data-alert-id="${missing}"]`;
    await room.click('[data-tab="alerts"]');
    await expect.poll(() => room.isVisible(`${card} .ground-card__assign`), POLL).toBe(true);
    await room.click(`${card} .ground-card__assign`);
    await expect.poll(() => room.$$eval(`${card} .assign__officer`, (rows) => rows.map((r) => (r as HTMLElement).dataset.officer)), POLL).toContain('wang');
    expect.soft(await englishLeft(room, card, { data: NAMES }), 'officer picker').toEqual([]);
    await screenshot(room, 'chinese-room-picker');
    await room.click(`${card} .assign__cancel`);
    // Everyone reachable was alerted already: the next wave is refused, in Chinese, naming the incident by its number.
    await room.click(`${card} .ground-card__next-wave`);
    await expect.poll(() => text(room, '#notices'), POLL).toContain('没有可加派的民警');
    expect.soft(await englishLeft(room, '#notices', { data: NAMES })).toEqual([]);

    // A drone asked for over it: the card says so; the pilot sees the request, and the drone panel's checks to send it there.
    await room.click(`${card} .incident-drone__request`);
    await expect.poll(() => room.isVisible(`${card} .incident-drone__requested`), POLL).toBe(true);
    expect.soft(await englishLeft(room, card, { data: NAMES }), 'drone requested').toEqual([]);
    await pilot.click('[data-tab="drones"]');
    await expect.poll(() => pilot.isVisible('#drone-requests .drone-request'), POLL).toBe(true);
    expect.soft(await englishLeft(pilot, '#drone-requests', { data: NAMES }), 'drone requests').toEqual([]);
    await pilot.click('[data-tab="alerts"]');
    const send = `.ground-card[data-alert-id="${missing}"] .incident-drone__send[data-send-drone="sim-1"]`;
    await expect.poll(() => pilot.isVisible(send), POLL).toBe(true);
    await pilot.click(send);
    await expect.poll(() => pilot.$$eval('#panel .goto__checks .checklist__item', (items) => items.length), POLL).toBeGreaterThan(5);
    expect.soft(await englishLeft(pilot, '#panel', { skip: AUTOPILOT_WORDS, data: NAMES }), 'drone to the scene').toEqual([]);
    await screenshot(pilot, 'chinese-pilot-goto');
    await pilot.click('#panel .goto__discard');

    // The incident log with this incident in it, its timeline open.
    await room.click('[data-tab="history"]');
    await room.click('#history-panel .history__load');
    const row = `.incident-row[data-incident-id="${missing}"]`;
    await expect.poll(() => room.isVisible(row), POLL).toBe(true);
    await room.click(`${row} summary`);
    await expect.poll(() => room.$$eval(`${row} .incident-timeline__step`, (steps) => steps.length), POLL).toBeGreaterThan(1);
    expect.soft(await englishLeft(room, 'body', { data: NAMES }), 'incident log').toEqual([]);
    await screenshot(room, 'chinese-room-incident-log');
    expect(unexpected(roomErrors, [409])).toEqual([]);
  });

  it('a session ended elsewhere and the service stopping are said in Chinese', async () => {
    // The command room's password changed by an admin: its page is told why, in Chinese, and asks for a login.
    expect((await rig.t.api('PATCH', '/api/users/room', admin, { password: 'a-new-password-1' })).status).toBe(200);
    await expect.poll(() => room.getAttribute('#connection', 'data-state'), POLL).toBe('refused');
    expect(await text(room, '#connection')).toBe('未连接：会话已结束：密码已修改，请重新登录');
    expect.soft(await englishLeft(room, '#connection')).toEqual([]);
    // Stopped without a reason given: the pages say so in their words.
    await rig.t.svc.close();
    await expect.poll(() => pilot.isVisible('#shutdown'), POLL).toBe(true);
    expect(await text(pilot, '#shutdown')).toContain('SkyBeat 服务即将停止：服务停止。');
    expect.soft(await englishLeft(pilot, '#shutdown', { data: NAMES })).toEqual([]);
  });
});
