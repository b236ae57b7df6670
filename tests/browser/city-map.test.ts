/**
 * The command-room map in a real Chromium on the centre node of a city, showing a drone that
 * another node flies: node hf's simulated drone (sim-hf-1), whose views reach the centre over the
 * city's Redis bus. Two real SkyBeat processes on this machine's PostgreSQL and Redis; the web app
 * is built by tests/browser/global-setup.ts. Last, hf is killed: the stations tab keeps it, silent.
 */

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VehicleView } from '../../server/wire/types.ts';
import { strings } from '../../web/src/i18n.ts';
import { ADMIN_PASSWORD, type City, startCity, citySkipReason } from '../helpers/cluster.ts';
import { REDIS_URL } from '../helpers/redis-server.ts';
import { assertFreshBuild, launchBrowser, logIn, openPage, POLL, screenshot, text, unexpected } from './browser.ts';

const skip = citySkipReason;

const DRONE = 'sim-hf-1';
const MARKER = `.drone[data-drone-id="${DRONE}"]`;
const ROW = `.row[data-drone-id="${DRONE}"]`;

/** Where the page draws the drone: the position it was given and the marker's place on screen. */
async function marker(page: Page): Promise<{ lat: number; lon: number; x: number; y: number } | null> {
  const el = await page.$(`${MARKER}[data-lat]`);
  if (!el) return null;
  return el.evaluate((node) => {
    const root = node as HTMLElement;
    const box = root.getBoundingClientRect();
    return { lat: Number(root.dataset.lat), lon: Number(root.dataset.lon), x: box.x, y: box.y };
  });
}

describe.skipIf(skip !== '')(`the map on the centre node of a city shows a drone flown by another node ${skip}`, () => {
  let city: City | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    assertFreshBuild();
    // hf flies one simulated drone (the simulator's training pilot takes it round a loop); the centre has none.
    // A plain background: this machine reaches no tile server (the default, osm, would fill the page's log with failures).
    city = await startCity({
      nodes: [{ name: 'hf', sim: 1, config: { station: { id: 'hf' } } }, { name: 'centre', config: { station: { id: 'centre' } } }],
      redis: REDIS_URL,
      config: { tiles: 'none' },
    });
    browser = await launchBrowser();
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1600, height: 900 } });
    ({ page, errors } = await openPage(context, city.node('centre').url));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await city?.close();
  });

  it("lists hf's drone and draws it on the map, and its marker moves as the drone flies", { timeout: 120_000 }, async () => {
    await logIn(page, 'admin', ADMIN_PASSWORD);
    await expect.poll(() => page.getAttribute('#connection', 'data-state'), POLL).toBe('connected');
    await expect.poll(() => page.isVisible(ROW), { ...POLL, timeout: 45_000 }).toBe(true);
    await expect.poll(() => marker(page), { ...POLL, timeout: 45_000 }).not.toBeNull();
    // The centre's own fleet is empty: the row and the marker come from hf over the bus.
    expect(await page.$$eval('.row', (rows) => rows.map((r) => (r as HTMLElement).dataset.droneId))).toEqual([DRONE]);
    const before = (await marker(page))!;
    expect(before.lat).toBeCloseTo(28.37, 1); // the station's home, where the simulator starts it
    expect(before.lon).toBeCloseTo(121.38, 1);
    // Both the position it was sent and where the marker is drawn change (after its take-off climb).
    await expect
      .poll(async () => {
        const now = await marker(page);
        return now !== null && (now.lat !== before.lat || now.lon !== before.lon) && (now.x !== before.x || now.y !== before.y);
      }, { ...POLL, timeout: 60_000 })
      .toBe(true);
    await screenshot(page, 'city-map');
  });

  it("opens the drone's panel with what hf reports for it", { timeout: 60_000 }, async () => {
    await page.click(ROW);
    await expect.poll(() => page.getAttribute('#panel', 'data-drone-id'), POLL).toBe(DRONE);
    expect(await page.isVisible('#panel')).toBe(true);
    const admin = await city!.login('hf');
    const reported = (await city!.api('hf', 'GET', `/api/vehicles/${DRONE}`, admin)).body as VehicleView;
    await expect.poll(() => text(page, '#panel .panel__callsign'), POLL).toBe(reported.callsign);
    await expect.poll(() => text(page, '[data-field="altRel"]'), POLL).toMatch(/^-?\d+\.\d m$/);
    await expect.poll(() => text(page, '[data-field="batteryPercent"]'), POLL).toMatch(/^\d+ %$/);
    // Live: the packet count hf heard goes on rising in the centre's panel.
    const packets = Number(await text(page, '[data-field="packets"]'));
    await expect.poll(async () => Number(await text(page, '[data-field="packets"]')), POLL).toBeGreaterThan(packets);
    expect(await text(page, '[data-field="linkState"]')).toBe(strings.en.linkUp);
    expect(await page.getAttribute(MARKER, 'class')).toContain('drone--selected');
    await screenshot(page, 'city-map-panel');
  });

  it('keeps hf in the stations tab when its node dies, marked silent, and shows its drone lost', { timeout: 90_000 }, async () => {
    await page.click('[data-tab="stations"]');
    const card = '.station-card[data-station-id="hf"]';
    await expect.poll(() => page.getAttribute(card, 'data-silent'), POLL).toBe('false');
    await city!.node('hf').kill9();
    await expect.poll(() => page.getAttribute(card, 'data-silent'), { ...POLL, timeout: 30_000 }).toBe('true');
    expect(await text(page, `${card} [data-field="stationNode"]`)).toBe(strings.en.stationNodeSilent.replace('{node}', 'hf'));
    await expect.poll(() => page.getAttribute(ROW, 'class'), { ...POLL, timeout: 30_000 }).toMatch(/row--lost/);
    await screenshot(page, 'city-stations-silent');
  });

  it('ran without a page error', () => {
    expect(unexpected(errors)).toEqual([]);
  });
});
