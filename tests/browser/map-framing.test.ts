/**
 * What the command-room map shows, in a real Chromium against the real service: three simulated
 * drones on the ground at their homes 29 m apart (a pile at any zoom that shows the district), an
 * officer on duty 600 m south, the station's geofence and a no-fly zone. The first view takes in
 * all of it; a drone picked is fitted into the part of the map the panel leaves visible; "show
 * everything" brings it all back; the drones' labels do not pile up; the legend says what each
 * mark is, in both languages; the list says who flies each drone and from which station.
 */

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { strings } from '../../web/src/i18n.ts';
import { ADMIN_PASSWORD, testService } from '../helpers/service.ts';
import { assertFreshBuild, englishLeft, fill, launchBrowser, logIn, openPage, POLL, screenshot, settled, text, unexpected, WEB_DIR } from './browser.ts';

const { en, 'zh-CN': zh } = strings;
const HOME = { lat: 28.37, lon: 121.38 };
const OFFICER = { lat: HOME.lat - 600 / 111_320, lon: HOME.lon };
const square = (centre: { lat: number; lon: number }, halfM: number) =>
  [[-1, -1], [-1, 1], [1, 1], [1, -1]].map(([n, e]) => ({
    lat: centre.lat + (n! * halfM) / 111_320,
    lon: centre.lon + (e! * halfM) / 98_000,
  }));
const GEOFENCE = { name: 'station geofence', polygon: square(HOME, 800) };
const SCHOOL = { name: 'Wenling school', polygon: square({ lat: HOME.lat + 0.003, lon: HOME.lon - 0.003 }, 80) };
const STATION = '温岭城东派出所';

type TestService = Awaited<ReturnType<typeof testService>>;
interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** The part of the map nothing floats over: the map's box less the drone panel, when it is open. */
async function visibleRect(page: Page): Promise<Rect> {
  return page.evaluate(() => {
    const map = document.getElementById('map')!.getBoundingClientRect();
    const panel = document.getElementById('panel')!;
    const right = panel.hidden ? map.right : panel.getBoundingClientRect().left;
    return { left: map.left, top: map.top, right, bottom: map.bottom };
  });
}

/** Boxes on screen of every element matching selector that is shown. */
function boxes(page: Page, selector: string): Promise<Rect[]> {
  return page.$$eval(selector, (els) =>
    els.filter((el) => el.checkVisibility()).map((el) => {
      const r = el.getBoundingClientRect();
      return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
    }));
}

const inside = (box: Rect, area: Rect) => box.left >= area.left && box.right <= area.right && box.top >= area.top && box.bottom <= area.bottom;
const centreOf = (box: Rect) => ({ x: (box.left + box.right) / 2, y: (box.top + box.bottom) / 2 });
const overlap = (a: Rect, b: Rect) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

/** Everything the first view and "show everything" must take in: drones, the officer, the geofence. */
async function everything(page: Page): Promise<Record<string, Rect[]>> {
  return {
    drones: await boxes(page, '.drone[data-lat] .drone__glyph'),
    officer: await boxes(page, '.officer[data-officer="li"] .officer__badge'),
    geofence: await boxes(page, 'path.zone--station.zone--fence'),
  };
}

/** Drags the map by (dx, dy) px as a person would. */
async function drag(page: Page, dx: number, dy: number): Promise<void> {
  const map = (await page.locator('#map').boundingBox())!;
  const from = { x: map.x + map.width * 0.3, y: map.y + map.height * 0.5 };
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(from.x + dx / 2, from.y + dy / 2, { steps: 5 });
  await page.mouse.move(from.x + dx, from.y + dy, { steps: 5 });
  // Held still before letting go, as a person placing the map: no inertia carries it further.
  await page.waitForTimeout(200);
  await page.mouse.up();
  await settled(page);
}

describe('map framing, labels, legend and the drone list (English)', () => {
  let t: TestService;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    assertFreshBuild();
    t = await testService({
      sim: 3,
      simOptions: { demo: false, bootDelayS: 2 },
      webDir: WEB_DIR,
      station: { ...HOME, radiusKm: 30, name: STATION },
      rules: { geofence: GEOFENCE, noFly: [SCHOOL] },
      dispatch: { phoneOfflineGraceMs: 3_600_000 },
    });
    const officer = await t.user('li', ['officer']);
    expect((await t.api('POST', '/api/officer/duty', officer, { onDuty: true })).status).toBe(200);
    expect((await t.api('POST', '/api/officer/location', officer, { ...OFFICER, accuracyM: 5 })).status).toBe(200);
    browser = await launchBrowser();
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1600, height: 900 } });
    ({ page, errors } = await openPage(context, t.base));
    await logIn(page, 'admin', ADMIN_PASSWORD);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('first shows the drones, the officer on duty and the whole station geofence', async () => {
    await expect.poll(async () => (await boxes(page, '.drone[data-lat]')).length, POLL).toBe(3);
    await expect.poll(async () => (await boxes(page, '.officer[data-officer="li"]')).length, POLL).toBe(1);
    await expect.poll(async () => (await boxes(page, 'path.zone--station.zone--fence')).length, POLL).toBe(1);
    await settled(page);
    const area = await visibleRect(page);
    await expect.poll(
      async () => Object.entries(await everything(page)).filter(([, shown]) => !shown.every((box) => inside(box, area))).map(([name]) => name),
      POLL,
    ).toEqual([]);
    await screenshot(page, 'framing-first-view-en');
  });

  it('draws the labels of drones at one home point apart, not in a pile', async () => {
    const labels = async () => {
      const shown = await boxes(page, '.drone__label');
      const counted = await page.$$eval(
        '.drone__label[data-more]',
        (els) => els.filter((el) => el.checkVisibility()).map((el) => Number((el as HTMLElement).dataset.more)),
      );
      return { shown, counted };
    };
    // At this zoom the three homes are a few pixels apart: their glyphs overlap, their labels must not.
    const glyphs = await boxes(page, '.drone[data-lat] .drone__glyph');
    expect(overlap(glyphs[0]!, glyphs[1]!) || overlap(glyphs[1]!, glyphs[2]!)).toBe(true);
    await expect.poll(async () => {
      const { shown, counted } = await labels();
      const piled = shown.flatMap((a, i) => shown.slice(i + 1).filter((b) => overlap(a, b)));
      return { piled: piled.length, drones: shown.length + counted.reduce((n, more) => n + more, 0) };
    }, POLL).toEqual({ piled: 0, drones: 3 });
    expect(await page.$$eval('.drone__label--stacked', (els) => els.length)).toBeGreaterThan(0);
  });

  it('puts a drone picked on the map where the panel does not cover it', async () => {
    // The drones dragged to the map's right edge, where the panel opens.
    const map = (await page.locator('#map').boundingBox())!;
    const glyph = centreOf((await boxes(page, '.drone[data-lat] .drone__glyph'))[0]!);
    await drag(page, map.x + map.width - 120 - glyph.x, 0);
    const picked = await page.$$eval('.drone[data-lat]', (els) => {
      for (const el of els as HTMLElement[]) {
        const box = el.querySelector('.drone__glyph')!.getBoundingClientRect();
        const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
        if (hit && el.contains(hit)) return el.dataset.droneId!;
      }
      return null;
    });
    expect(picked).not.toBeNull();
    await page.click(`.drone[data-drone-id="${picked}"] .drone__glyph`);
    await expect.poll(() => page.getAttribute('#panel', 'data-drone-id'), POLL).toBe(picked);
    await settled(page);
    const area = await visibleRect(page);
    expect(area.right).toBeLessThan(map.x + map.width - 200); // the panel is open
    const [drone] = await boxes(page, `.drone[data-drone-id="${picked}"] .drone__glyph`);
    expect(inside(drone!, area), JSON.stringify({ drone, area })).toBe(true);
    await screenshot(page, 'framing-picked-on-map-en');
  });

  it('picked from the list, the drone is centred in the visible part of the map, beside the panel', async () => {
    await page.click('.row[data-drone-id="sim-3"]');
    await expect.poll(() => page.getAttribute('#panel', 'data-drone-id'), POLL).toBe('sim-3');
    await settled(page);
    const area = await visibleRect(page);
    const [drone] = await boxes(page, '.drone[data-drone-id="sim-3"] .drone__glyph');
    const at = centreOf(drone!);
    expect(Math.abs(at.x - (area.left + area.right) / 2)).toBeLessThan(40);
    expect(Math.abs(at.y - (area.top + area.bottom) / 2)).toBeLessThan(40);
  });

  it('"show everything" brings back every drone, the officer and the geofence, beside the open panel', async () => {
    await drag(page, -900, -500);
    const area = await visibleRect(page);
    expect(Object.values(await everything(page)).some((shown) => !shown.every((box) => inside(box, area)))).toBe(true);
    expect(await page.getAttribute('.map-fit__all', 'title')).toBe(en.fitAll);
    await page.click('.map-fit__all');
    await settled(page);
    await expect.poll(
      async () =>
        Object.entries(await everything(page)).filter(([, shown]) => shown.length === 0 || !shown.every((box) => inside(box, area))).map(([name]) => name),
      POLL,
    ).toEqual([]);
    await screenshot(page, 'framing-fit-all-en');
  });

  it("has a legend, each mark drawn as on the map; the station's geofence and a route's own fence look different", async () => {
    expect(await page.isVisible('.legend__list')).toBe(false);
    await page.click('.legend__title');
    expect(await text(page, '.legend__title')).toBe(en.legendTitle);
    const entries = await page.$$eval('.legend__item', (els) => els.map((el) => (el as HTMLElement).dataset.legend));
    expect(entries).toEqual([
      'legendDroneOk',
      'legendDroneWarning',
      'legendDroneLost',
      'legendHome',
      'legendOfficer',
      'legendIncident',
      'legendRunRoute',
      'legendStationFence',
      'legendNoFly',
      'legendRouteFence',
    ]);
    expect(await text(page, '[data-legend="legendStationFence"] .legend__label')).toBe(en.legendStationFence);
    const look = (selector: string) =>
      page.$eval(selector, (el) => {
        const s = getComputedStyle(el);
        return { stroke: s.stroke, dash: s.strokeDasharray, width: s.strokeWidth, fill: s.fill, fillOpacity: s.fillOpacity };
      });
    const stationFence = await look('path.zone--station.zone--fence');
    expect(await look('[data-legend="legendStationFence"] path')).toEqual(stationFence);
    expect(await look('[data-legend="legendNoFly"] path')).toEqual(await look('#map path.zone--station.zone--nofly'));
    const routeFence = await look('[data-legend="legendRouteFence"] path');
    expect(routeFence.stroke).not.toBe(stationFence.stroke);
    expect(routeFence.dash).not.toBe(stationFence.dash);
    await screenshot(page, 'framing-legend-en');

    await page.click('#language');
    expect(await text(page, '.legend__title')).toBe(zh.legendTitle);
    expect(await englishLeft(page, '.legend')).toEqual([]);
    expect(await page.getAttribute('.map-fit__all', 'title')).toBe(zh.fitAll);
    await page.click('#language');
  });

  it('names the station on the page, and says in the list who flies each drone and from where', async () => {
    expect(await text(page, '#station-name')).toBe(STATION);
    expect(await page.isVisible('#station-name')).toBe(true);
    await expect.poll(() => text(page, '.row[data-drone-id="sim-1"] .row__pilot'), POLL).toBe(en.listNoPilot);
    expect(await text(page, '.row[data-drone-id="sim-1"] .row__station')).toBe(fill(en.listStation, { station: STATION }));
    const pilot = await t.user('zhao', ['pilot']);
    expect((await t.api('POST', '/api/vehicles/sim-1/control', pilot, { action: 'take' })).status).toBe(200);
    await expect.poll(() => text(page, '.row[data-drone-id="sim-1"] .row__pilot'), POLL).toBe(fill(en.listPilot, { pilot: 'zhao' }));
    expect(await text(page, '.row[data-drone-id="sim-2"] .row__pilot')).toBe(en.listNoPilot);
    // No patrol: nothing said of one.
    expect(await page.isVisible('.row[data-drone-id="sim-1"] .row__patrol')).toBe(false);
    await page.click('#language');
    await expect.poll(() => text(page, '.row[data-drone-id="sim-2"] .row__pilot'), POLL).toBe(zh.listNoPilot);
    expect(await text(page, '.row[data-drone-id="sim-1"] .row__pilot')).toBe(fill(zh.listPilot, { pilot: 'zhao' }));
    expect(await text(page, '.row[data-drone-id="sim-1"] .row__station')).toBe(fill(zh.listStation, { station: STATION }));
    await page.click('#language');
    expect(unexpected(errors)).toEqual([]);
  });
});
