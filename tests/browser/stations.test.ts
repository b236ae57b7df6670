/**
 * Stations in the command-room map, in a real Chromium against the real service: one node whose
 * station is hf (城东派出所), flying simulated drones. Each drone's row and panel carry its station;
 * the city's people (scope "city") get the stations tab (各所概况) with the station's summary, read
 * again while it is open, and the station's area drawn on the map; a station's people get neither.
 * In English and in Chinese. The web app is built by tests/browser/global-setup.ts.
 */

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../server/auth/passwords.ts';
import type { StationSummary, VehicleView } from '../../server/wire/types.ts';
import { strings } from '../../web/src/i18n.ts';
import { ADMIN_PASSWORD, testService } from '../helpers/service.ts';
import { assertFreshBuild, englishLeft, fill, launchBrowser, logIn, openPage, POLL, screenshot, settled, text, unexpected, WEB_DIR } from './browser.ts';

type TestService = Awaited<ReturnType<typeof testService>>;

const STATION = { id: 'hf', name: '城东派出所', lat: 28.37, lon: 121.38, radiusKm: 20 };
const DRONES = 2;
const CARD = `.station-card[data-station-id="${STATION.id}"]`;
const { en, 'zh-CN': zh } = strings;

/** The drone list's rows: each drone's id, and its station tag (the id it carries, its text, its tooltip). */
function rows(page: Page): Promise<Array<{ id: string; station: string | undefined; text: string; title: string }>> {
  return page.$$eval('.row', (els) =>
    els.map((el) => {
      const tag = el.querySelector<HTMLElement>('.row__station')!;
      return { id: (el as HTMLElement).dataset.droneId!, station: tag.dataset.stationId, text: tag.textContent ?? '', title: tag.title };
    }));
}

/** The station's area on the map lies wholly inside the map's box (as after "show its area"). */
function areaInsideMap(page: Page): Promise<boolean> {
  return page.evaluate((id) => {
    const map = document.getElementById('map')!.getBoundingClientRect();
    const area = document.querySelector(`path.station-area[data-station-id="${id}"]`)!.getBoundingClientRect();
    return area.width > 0 && area.left >= map.left && area.right <= map.right && area.top >= map.top && area.bottom <= map.bottom;
  }, STATION.id);
}

describe('stations: each drone says its station; the city centre sees every station (各所概况)', () => {
  let service: TestService | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let errors: string[];
  let ids: string[];

  beforeAll(async () => {
    assertFreshBuild();
    service = await testService({ sim: DRONES, webDir: WEB_DIR, station: STATION });
    // A station's command room: its people see their own station only, and no stations tab.
    await service.svc.store.users.add('hfroom', await hashPassword('hfroom-password'), ['command'], '', STATION.id);
    browser = await launchBrowser();
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1600, height: 900 } });
    ({ page, errors } = await openPage(context, service.base));
    await logIn(page, 'admin', ADMIN_PASSWORD);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await service?.close();
  });

  it("tags each drone in the list and in its panel with its station's name", { timeout: 60_000 }, async () => {
    await expect.poll(() => page.getAttribute('#connection', 'data-state'), POLL).toBe('connected');
    const admin = await service!.login('admin', ADMIN_PASSWORD);
    const heard = async () => ((await service!.api('GET', '/api/vehicles', admin)).body as VehicleView[]).map((v) => v.id).sort();
    await expect.poll(async () => (await heard()).length, POLL).toBe(DRONES);
    ids = await heard();
    const tagged = { station: STATION.id, text: fill(en.listStation, { station: STATION.name }), title: fill(en.droneStation, { station: STATION.name }) };
    await expect.poll(async () => (await rows(page)).sort((a, b) => a.id.localeCompare(b.id)), POLL).toEqual(ids.map((id) => ({ id, ...tagged })));
    await page.click(`.row[data-drone-id="${ids[0]}"]`);
    await expect.poll(() => page.getAttribute('#panel', 'data-drone-id'), POLL).toBe(ids[0]);
    await expect.poll(() => text(page, '#panel .panel__station'), POLL).toBe(STATION.name);
    expect(await page.getAttribute('#panel .panel__station', 'data-station-id')).toBe(STATION.id);
    expect(await page.isVisible('#panel .panel__station')).toBe(true);
    await screenshot(page, 'stations-drone-panel-en');
    await page.click('#panel .panel__close');
  });

  it("shows the city's people the station's summary, read again while the tab is open, and its area on the map", { timeout: 60_000 }, async () => {
    const tab = '[data-tab="stations"]';
    expect(await page.isVisible(tab)).toBe(true);
    expect(await text(page, tab)).toBe(en.tabStations);
    await page.click(tab);
    await expect.poll(() => page.isVisible(CARD), POLL).toBe(true);
    expect(await text(page, `${CARD} .station-card__name`)).toBe(STATION.name);
    expect(await text(page, `${CARD} .station-card__id`)).toBe(STATION.id);
    // The count of drones the tab says is the service's, and the list's.
    const admin = await service!.login('admin', ADMIN_PASSWORD);
    const summary = ((await service!.api('GET', '/api/stations', admin)).body as StationSummary[]).find((s) => s.id === STATION.id);
    expect(summary?.drones).toBe(DRONES);
    await expect.poll(() => text(page, `${CARD} [data-field="stationDrones"]`), POLL).toBe(String(DRONES));
    expect(await page.$$eval('.row', (els) => els.length)).toBe(DRONES);
    const up = Number(await text(page, `${CARD} [data-field="stationDronesUp"]`));
    expect(up >= 0 && up <= DRONES).toBe(true);
    expect(await text(page, `${CARD} [data-field="stationPatrols"]`)).toBe('0');
    expect(await text(page, `${CARD} [data-field="stationIncidents"]`)).toBe('0');
    expect(await text(page, `${CARD} [data-field="stationOfficers"]`)).toBe('0');
    expect(await text(page, `${CARD} [data-field="stationNode"]`)).toBe(en.stationNodeAlone);
    // Read again by itself while the tab stays open.
    const readAt = Number(await page.getAttribute('.stations__read-at', 'data-read-at'));
    await expect.poll(async () => Number(await page.getAttribute('.stations__read-at', 'data-read-at')), POLL).toBeGreaterThan(readAt);
    // The station's area, faint, with its name; "show its area" brings all of it into view.
    expect(await page.$$eval('path.station-area', (els) => els.length)).toBe(1);
    expect(await text(page, `.station-area__label[data-station-id="${STATION.id}"]`)).toBe(STATION.name);
    expect(await areaInsideMap(page)).toBe(false); // the first view is the drones', at street level
    await page.click(`${CARD} .station-card__name`);
    await settled(page);
    await expect.poll(() => areaInsideMap(page), POLL).toBe(true);
    await screenshot(page, 'stations-en');
  });

  it('says all of it in Chinese', { timeout: 60_000 }, async () => {
    await page.click('#language');
    await expect.poll(() => text(page, '[data-tab="stations"]'), POLL).toBe(zh.tabStations);
    expect(await text(page, '#stations-panel .sidebar__title')).toBe(zh.stationsTitle);
    expect(await text(page, `${CARD} [data-field="stationNode"]`)).toBe(zh.stationNodeAlone);
    expect(await text(page, `${CARD} [data-field="stationDrones"]`)).toBe(String(DRONES));
    expect(await page.$$eval(`${CARD} .panel__label`, (els) => els.map((el) => el.textContent))).toEqual([
      zh.stationDrones,
      zh.stationDronesUp,
      zh.stationPatrols,
      zh.stationIncidents,
      zh.stationOfficers,
      zh.stationNode,
    ]);
    expect(await englishLeft(page, '#stations-panel', { data: [STATION.id] })).toEqual([]);
    await page.click('[data-tab="drones"]');
    const tagged = { station: STATION.id, text: fill(zh.listStation, { station: STATION.name }), title: fill(zh.droneStation, { station: STATION.name }) };
    await expect.poll(async () => (await rows(page)).sort((a, b) => a.id.localeCompare(b.id)), POLL).toEqual(ids.map((id) => ({ id, ...tagged })));
    expect(await englishLeft(page, '.row__station')).toEqual([]);
    await page.click('[data-tab="stations"]');
    await screenshot(page, 'stations-zh');
  });

  it("gives a station's own people their drones' tags but no stations tab and no station areas", { timeout: 60_000 }, async () => {
    const context = await browser!.newContext({ locale: 'zh-CN', viewport: { width: 1600, height: 900 } });
    const own = await openPage(context, service!.base);
    await logIn(own.page, 'hfroom', 'hfroom-password');
    await expect.poll(() => own.page.getAttribute('#connection', 'data-state'), POLL).toBe('connected');
    const tagged = { station: STATION.id, text: fill(zh.listStation, { station: STATION.name }), title: fill(zh.droneStation, { station: STATION.name }) };
    await expect.poll(async () => (await rows(own.page)).sort((a, b) => a.id.localeCompare(b.id)), POLL).toEqual(ids.map((id) => ({ id, ...tagged })));
    expect(await own.page.isHidden('[data-tab="stations"]')).toBe(true);
    expect(await own.page.$$eval('path.station-area, .station-area__label', (els) => els.length)).toBe(0);
    await screenshot(own.page, 'stations-station-scope');
    expect(unexpected(own.errors)).toEqual([]);
    await context.close();
  });

  it('ran without a page error', () => {
    expect(unexpected(errors)).toEqual([]);
  });
});
