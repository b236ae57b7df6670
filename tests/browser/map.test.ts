/**
 * The command-room map in a real Chromium against the real service with three simulated drones
 * talking MAVLink over loopback UDP. The web app is built by tests/browser/global-setup.ts.
 */

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSquadron, type Squadron } from '../../server/sim/squadron.ts';
import type { VehicleView } from '../../server/wire/types.ts';
import { strings } from '../../web/src/i18n.ts';
import { ADMIN_PASSWORD, testService } from '../helpers/service.ts';
import { assertFreshBuild, launchBrowser as launch, logIn as logInAs, openPage, POLL, screenshot, text, unexpected, WEB_DIR } from './browser.ts';

type TestService = Awaited<ReturnType<typeof testService>>;

interface MarkerState {
  id: string;
  lat: number;
  lon: number;
  /** where the marker is drawn on screen */
  x: number;
  y: number;
  rotation: string;
  heading: string;
}

/**
 * The service with its three simulated drones flying loops, plus a fourth simulated ArduCopter
 * on its own TCP link that never gets a GPS fix (it reports 0,0, i.e. no position).
 */
async function serve(tileUrl?: string): Promise<{ service: TestService; noFix: Squadron }> {
  assertFreshBuild();
  const noFix = await startSquadron({ count: 1, link: 'tcpin://127.0.0.1:0', sysidBase: 42, bootDelayS: 3600, gpsFixDelayS: 3600 });
  // Four times real time: the demo pilot's third drone takes off 30 s (simulated) after the first,
  // and then climbs before it moves; at real time a loaded machine saw it still climbing after 45 s.
  const service = await testService({ sim: 3, simOptions: { speedup: 4 }, webDir: WEB_DIR, tileUrl, links: [`tcpout://127.0.0.1:${noFix.drones[0]!.port}`] });
  return { service, noFix };
}

const logIn = (page: Page, password = ADMIN_PASSWORD) => logInAs(page, 'admin', password);

/** The mode as the panel says it: what it does in the page's language, then the firmware's own name ("Guided · GUIDED"). */
const modeLine = (locale: 'en' | 'zh-CN') => {
  const said = Object.entries(strings[locale]).filter(([key]) => key.startsWith('flightMode_')).map(([, text]) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^(${said.join('|')}) · [A-Z][A-Z_0-9()]+$`);
};

function markers(page: Page): Promise<MarkerState[]> {
  return page.$$eval('.drone[data-lat]', (elements) =>
    elements.map((el) => {
      const box = el.getBoundingClientRect();
      const root = el as HTMLElement;
      return {
        id: root.dataset.droneId!,
        lat: Number(root.dataset.lat),
        lon: Number(root.dataset.lon),
        x: box.x,
        y: box.y,
        rotation: el.querySelector('.drone__arrow')!.getAttribute('transform') ?? '',
        heading: root.dataset.heading!,
      };
    }));
}

/** A drone whose marker is not under another one (neighbours' loops overlap), to click as an operator would. */
function uncoveredMarker(page: Page): Promise<string | null> {
  return page.$$eval('.drone[data-lat]', (elements) => {
    for (const el of elements as HTMLElement[]) {
      const box = el.querySelector('.drone__glyph')!.getBoundingClientRect();
      const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
      if (hit && el.contains(hit)) return el.dataset.droneId!;
    }
    return null;
  });
}

describe('live map (English)', () => {
  let service: TestService | undefined;
  let noFix: Squadron;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    ({ service, noFix } = await serve());
    browser = await launch();
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1600, height: 900 } });
    ({ page, errors } = await openPage(context, service.base));
  });

  afterAll(async () => {
    await browser?.close();
    await service?.close();
    await noFix?.close();
  });

  it('asks for a login and says plainly when it is wrong', async () => {
    await logIn(page, 'not-the-password');
    await expect.poll(() => text(page, '#login .login__error'), POLL).toBe(strings.en.loginWrong);
    expect(await page.isVisible('#login')).toBe(true);
    await logIn(page);
    await expect.poll(() => page.isVisible('#login'), POLL).toBe(false);
    expect(await text(page, '#user')).toBe('admin');
  });

  it('draws the three flying drones, turned to their headings, and moves them', async () => {
    await expect.poll(() => page.getAttribute('#connection', 'data-state'), POLL).toBe('connected');
    await expect.poll(async () => (await markers(page)).length, POLL).toBe(3);

    const first = await markers(page);
    for (const marker of first) {
      expect(marker.lat).toBeCloseTo(28.37, 1);
      expect(marker.lon).toBeCloseTo(121.38, 1);
      if (marker.heading !== '') expect(marker.rotation).toBe(`rotate(${marker.heading})`);
    }
    // Every drone moves (after its take-off climb): both its reported position and where its marker is drawn.
    await expect
      .poll(async () => {
        const now = await markers(page);
        return first.filter((before) => {
          const after = now.find((m) => m.id === before.id);
          return after && (after.lat !== before.lat || after.lon !== before.lon) && (after.x !== before.x || after.y !== before.y);
        }).length;
      }, { ...POLL, timeout: 45_000 })
      .toBe(3);
    await screenshot(page, 'map-en');
  });

  it('lists the drone without a GPS fix as having no position, and draws no marker for it', async () => {
    const row = '.row[data-drone-id="l1-42"]';
    await expect.poll(() => page.isVisible(row), POLL).toBe(true);
    expect(await page.$$eval('.row', (rows) => rows.length)).toBe(4);
    await expect.poll(() => text(page, `${row} .row__detail`), POLL).toContain(strings.en.noPosition);
    expect(await page.$('.drone[data-drone-id="l1-42"]')).toBeNull();
    // Its telemetry is still there to read.
    await page.click(row);
    await expect.poll(() => text(page, '[data-field="position"]'), POLL).toBe(strings.en.noPosition);
    expect(await page.$$eval('.drone', (drones) => drones.length)).toBe(3);
  });

  it('shows the telemetry of a drone picked on the map or from the list', async () => {
    await expect.poll(() => uncoveredMarker(page), POLL).not.toBeNull();
    const picked = (await uncoveredMarker(page))!;
    await page.click(`.drone[data-drone-id="${picked}"] .drone__glyph`);
    await expect.poll(() => page.getAttribute('#panel', 'data-drone-id'), POLL).toBe(picked);
    expect(await page.isVisible('#panel')).toBe(true);
    expect(await page.getAttribute(`.row[data-drone-id="${picked}"]`, 'aria-pressed')).toBe('true');

    // The panel shows what the service reports for this drone.
    const token = await service!.login('admin', ADMIN_PASSWORD);
    const reported = (await service!.api('GET', `/api/vehicles/${picked}`, token)).body as VehicleView;
    await expect.poll(() => text(page, '#panel .panel__callsign'), POLL).toBe(reported.callsign);
    await expect.poll(() => text(page, '[data-field="mode"]'), POLL).toMatch(modeLine('en'));
    await expect.poll(() => text(page, '[data-field="altRel"]'), POLL).toMatch(/^-?\d+\.\d m$/);
    await expect.poll(() => text(page, '[data-field="batteryPercent"]'), POLL).toMatch(/^\d+ %$/);
    await expect.poll(() => text(page, '[data-field="gpsSatellites"]'), POLL).toMatch(/^\d+$/);
    const packets = Number(await text(page, '[data-field="packets"]'));
    await expect.poll(async () => Number(await text(page, '[data-field="packets"]')), POLL).toBeGreaterThan(packets);
    expect(await text(page, '[data-field="linkState"]')).toBe(strings.en.linkUp);
    await expect.poll(() => page.$$eval('#panel .messages__text', (els) => els.length), POLL).toBeGreaterThan(0);
    await screenshot(page, 'map-panel-en');

    // Picking from the list selects that drone instead.
    const other = (await markers(page)).find((m) => m.id !== picked)!.id;
    await page.click(`.row[data-drone-id="${other}"]`);
    await expect.poll(() => page.getAttribute('#panel', 'data-drone-id'), POLL).toBe(other);
    expect(await page.getAttribute(`.row[data-drone-id="${picked}"]`, 'aria-pressed')).toBe('false');
    expect(await page.getAttribute(`.drone[data-drone-id="${other}"]`, 'class')).toContain('drone--selected');

    await page.click('.panel__close');
    expect(await page.isVisible('#panel')).toBe(false);
  });

  it('ran without a page error', () => {
    // The one expected failure is the wrong password above (a 401 the browser logs).
    expect(unexpected(errors)).toEqual([]);
  });

  it('says plainly when the live connection is lost', async () => {
    await service!.close();
    service = undefined;
    await expect.poll(() => page.getAttribute('#connection', 'data-state'), POLL).toBe('reconnecting');
    expect(await text(page, '#connection')).toBe(strings.en.connReconnecting);
    expect(await page.evaluate(() => document.body.classList.contains('is-offline'))).toBe(true);
  });
});

describe('live map (Chinese) with an unreachable tile server', () => {
  let service: TestService;
  let noFix: Squadron;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    // Nothing listens on the discard port: every tile fails, as on an isolated police network.
    ({ service, noFix } = await serve('http://127.0.0.1:9/tiles/{z}/{x}/{y}.png'));
    browser = await launch();
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1600, height: 900 } });
    ({ page } = await openPage(context, service.base));
  });

  afterAll(async () => {
    await browser?.close();
    await service?.close();
    await noFix?.close();
  });

  it('speaks Chinese when the browser prefers it, and switches to English on request', async () => {
    const zh = strings['zh-CN'];
    expect(zh.appTitle).not.toBe(strings.en.appTitle);
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(await text(page, '.top__title')).toBe(zh.appTitle);
    expect(await text(page, '.sidebar__title')).toBe(zh.drones);
    expect(await text(page, '#login .login__title')).toBe(zh.loginTitle);
    await logIn(page);
    await expect.poll(() => text(page, '#connection'), POLL).toBe(zh.connConnected);

    await expect.poll(async () => (await markers(page)).length, POLL).toBe(3);
    await expect.poll(() => text(page, '.row[data-drone-id="l1-42"] .row__detail'), POLL).toContain(zh.noPosition);
    await page.click(`.row[data-drone-id="${(await markers(page))[0]!.id}"]`);
    await expect.poll(() => text(page, '[data-field="mode"]'), POLL).toMatch(modeLine('zh-CN'));
    const labels = await page.$$eval('#panel .panel__label', (els) => els.map((el) => el.textContent));
    expect(labels).toContain(zh.mode);
    expect(labels).toContain(zh.altRel);
    expect(await text(page, '[data-field="linkState"]')).toBe(zh.linkUp);
    await screenshot(page, 'map-zh');

    await page.click('#language');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await text(page, '.top__title')).toBe(strings.en.appTitle);
    await expect.poll(() => page.$$eval('#panel .panel__label', (els) => els.map((el) => el.textContent)), POLL).toContain(strings.en.mode);
  });

  it('hides the failed tiles and says the background is plain', async () => {
    await expect.poll(() => page.isVisible('#tiles-note'), POLL).toBe(true);
    // Every tile was tried, none loaded, and none is left showing as a broken image.
    const tiles = () =>
      page.$$eval(
        'img.leaflet-tile',
        (imgs) => imgs.map((img) => ({ loaded: (img as HTMLImageElement).naturalWidth > 0, hidden: getComputedStyle(img).visibility === 'hidden' })),
      );
    await expect.poll(async () => (await tiles()).filter((tile) => !tile.hidden).length, POLL).toBe(0);
    expect((await tiles()).length).toBeGreaterThan(0);
    expect((await tiles()).filter((tile) => tile.loaded)).toEqual([]);
    expect(await page.$$eval('.plain-tile', (grid) => grid.length)).toBeGreaterThan(0);
    expect(await page.isVisible('.leaflet-control-scale')).toBe(true);
  });
});
