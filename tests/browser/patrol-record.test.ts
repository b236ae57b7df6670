/**
 * A patrol's record as the page shows it, in a real Chromium against the real service and the
 * simulated copter (4x): while it flies, the drone list says who flies it, on which route, how far
 * along and from which station, and picked it is framed with its route beside the panel; on the
 * route's own RTL the panel says it is returning home and counts the way home; in the history each
 * run is coloured by how it ended (completed green, returned early amber, aborted red), shows its highest altitude, lowest battery and every event, and its
 * replay shows the incidents of that time, each from the moment it was raised.
 */

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView } from '../../server/wire/types.ts';
import { strings } from '../../web/src/i18n.ts';
import { HOME, patrolRig } from '../patrols/rig.ts';
import { assertFreshBuild, englishLeft, fill, launchBrowser, logIn, openPage, POLL, screenshot, text, unexpected, WEB_DIR } from './browser.ts';

const { en, 'zh-CN': zh } = strings;
type Rig = Awaited<ReturnType<typeof patrolRig>>;
/** metres between two nearby points */
const metres = (a: { lat: number; lon: number }, b: { lat: number; lon: number }) =>
  Math.hypot((a.lat - b.lat) * 111_320, (a.lon - b.lon) * 111_320 * Math.cos((a.lat * Math.PI) / 180));

describe("a patrol's record in the page (English)", () => {
  let rig: Rig;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let room: string;
  let completed: RunView;
  let early: RunView;
  /** raised before the first run, during it, and after both */
  const incidents: Record<'before' | 'during' | 'after', number> = { before: 0, during: 0, after: 0 };

  const panelField = (field: string) => text(page, `#panel [data-field="${field}"]`);
  const row = '.row[data-drone-id="sim-1"]';
  const raise = async (at: { lat: number; lon: number }) => {
    const res = await rig.t.api('POST', '/api/alerts', room, { category: 'theft', ...at });
    expect(res.status).toBe(201);
    return res.body.id as number;
  };

  beforeAll(async () => {
    assertFreshBuild();
    rig = await patrolRig({ webDir: WEB_DIR, station: { ...HOME, radiusKm: 30, name: '温岭城东派出所' } });
    room = await rig.t.user('room', ['command']);
    browser = await launchBrowser();
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1600, height: 900 } });
    ({ page, errors } = await openPage(context, rig.t.base));
    await logIn(page, 'pilot1', 'pilot1-password');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await rig?.close();
  });

  it('says in the drone list who flies the drone, on which route, how far along, and from which station', async () => {
    await expect.poll(() => text(page, `${row} .row__pilot`), POLL).toBe(en.listNoPilot);
    // No patrol: the station the service is configured as.
    expect(await text(page, `${row} .row__station`)).toBe(fill(en.listStation, { station: '温岭城东派出所' }));
    incidents.before = await raise({ lat: HOME.lat + 0.0004, lon: HOME.lon - 0.0004 });
    await rig.take();
    await rig.ready();
    const id = (await rig.launch()).body.id as number;
    await rig.until(id, 'on its second leg', (r) => r.state === 'flying' && (r.leg?.item ?? 0) >= 2, 90_000);
    incidents.during = await raise({ lat: HOME.lat + 0.0008, lon: HOME.lon + 0.0005 });
    await expect.poll(() => text(page, `${row} .row__pilot`), POLL).toBe(fill(en.listPilot, { pilot: 'pilot1' }));
    // The route's own station now, as the route names it.
    expect(await text(page, `${row} .row__station`)).toBe(fill(en.listStation, { station: 'Wenling' }));
    await expect.poll(() => text(page, `${row} .row__patrol`), POLL).toMatch(new RegExp(`^Test loop · waypoint [2-4] of 4 · \\d+ m to go$`));
    await page.click('#language');
    await expect.poll(() => text(page, `${row} .row__patrol`), POLL).toMatch(/^测试航线 · 第 [2-4]\/4 航点 · 剩余 \d+ m$/);
    expect(await englishLeft(page, row, { data: ['Drone 1', 'pilot1', 'Wenling'] })).toEqual([]);
    await page.click('#language');
    await screenshot(page, 'record-list-flying-en');
  }, 150_000);

  it("on the route's own RTL says the drone is returning home, and counts the way home", async () => {
    await page.click(row);
    await expect.poll(() => page.getAttribute('#panel', 'data-drone-id'), POLL).toBe('sim-1');
    // The drone and every stop of its route, in the part of the map the panel leaves visible.
    await page.waitForFunction(() => !document.querySelector('.leaflet-zoom-anim'));
    const framed = await page.evaluate(() => {
      const map = document.getElementById('map')!.getBoundingClientRect();
      const right = document.getElementById('panel')!.getBoundingClientRect().left;
      const marks = [...document.querySelectorAll('path.run-route__stop'), document.querySelector('.drone[data-drone-id="sim-1"] .drone__glyph')!];
      return marks.map((m) => {
        const r = m.getBoundingClientRect();
        return r.left >= map.left && r.right <= right && r.top >= map.top && r.bottom <= map.bottom;
      });
    });
    expect(framed.length).toBeGreaterThanOrEqual(3);
    expect(framed.every(Boolean), JSON.stringify(framed)).toBe(true);
    const [run] = (await rig.t.api('GET', '/api/runs', rig.pilot)).body as RunView[];
    // ArduCopter flies the RTL item in AUTO: the mode stays, the state must not say "flying the route".
    const back = await rig.until(run!.id, 'on the RTL item', (r) => r.leg?.item === 4, 90_000);
    expect(rig.drone.status().mode).toBe('AUTO');
    await expect.poll(() => panelField('runState'), POLL).toBe(en.run_returning);
    await expect.poll(() => text(page, `${row} .row__patrol`), POLL).toMatch(new RegExp(`^Test loop · ${en.run_returning} · \\d+ m to go$`));
    // The distance left is the way home from where it is.
    const here = rig.t.svc.fleet.get('sim-1')!.position!;
    const left = Number((await panelField('runLeft')).replace(/ m$/, ''));
    expect(Math.abs(left - metres(here, HOME))).toBeLessThan(40);
    expect(back.distanceLeftM).toBeLessThan(160);
    await screenshot(page, 'record-returning-en');
    completed = await rig.until(run!.id, 'landed', (r) => r.state === 'landed', 120_000);
    expect(completed.outcome).toEqual({ kind: 'completed' });
    await expect.poll(() => page.getAttribute('#panel .console-progress', 'data-ending'), POLL).toBe('completed');
  }, 250_000);

  it('colours each run by how it ended: completed green, returned early amber, aborted red', async () => {
    // A second patrol, called back on its first leg.
    await rig.ready();
    const id = (await rig.launch()).body.id as number;
    await rig.until(id, 'on its first leg', (r) => r.state === 'flying' && (r.leg?.seq ?? 0) >= 2, 90_000);
    expect((await rig.command('rtl')).body.result).toBe('accepted');
    early = await rig.until(id, 'landed', (r) => r.state === 'landed', 120_000);
    expect(early.outcome).toMatchObject({ kind: 'returned_early', by: 'pilot' });
    incidents.after = await raise({ lat: HOME.lat - 0.0008, lon: HOME.lon });
    // A third, aborted before it took off.
    await rig.ready();
    const third = (await rig.launch()).body.id as number;
    expect((await rig.command('abort')).body.result).toBe('accepted');
    const aborted = await rig.until(third, 'aborted', (r) => r.state === 'aborted', 30_000);

    await page.click('[data-tab="history"]');
    await page.click('.history__load');
    await expect.poll(() => page.$$eval('.run-row', (rows) => rows.length), POLL).toBe(3);
    const look = (id: number) =>
      page.$eval(`.run-row[data-run-id="${id}"]`, (el) => ({ ending: (el as HTMLElement).dataset.ending, border: getComputedStyle(el).borderLeftColor }));
    const colour = (name: string) =>
      page.evaluate((v) => {
        const probe = document.createElement('span');
        probe.style.color = `var(${v})`;
        document.body.append(probe);
        const c = getComputedStyle(probe).color;
        probe.remove();
        return c;
      }, name);
    expect(await look(completed.id)).toEqual({ ending: 'completed', border: await colour('--ok') });
    expect(await look(early.id)).toEqual({ ending: 'returned_early', border: await colour('--warning') });
    expect(await look(aborted.id)).toEqual({ ending: 'aborted', border: await colour('--danger') });
    expect(new Set([await colour('--ok'), await colour('--warning'), await colour('--danger')]).size).toBe(3);
    expect(await text(page, `.run-row[data-run-id="${early.id}"] .run-row__result`)).toMatch(/^returned early after item [1-3] of 4 \(by the pilot\)$/);
  }, 250_000);

  it("shows a run's highest altitude, lowest battery and every event; its replay shows the incidents of that time", async () => {
    await page.click(`.run-row[data-run-id="${completed.id}"]`);
    await expect.poll(() => page.isVisible('#replay'), POLL).toBe(true);
    const details = `.run-details[data-run-id="${completed.id}"]`;
    await expect.poll(() => page.isVisible(details), POLL).toBe(true);
    expect(await text(page, `${details} .run-details__max-alt`)).toBe(`${completed.maxAltM.toFixed(1)} m`);
    expect(completed.maxAltM).toBeGreaterThan(18);
    expect(await text(page, `${details} .run-details__min-battery`)).toBe(`${completed.minBattery!.toFixed(0)} %`);
    expect(await page.$$eval(`${details} .run-events__item`, (items) => items.length)).toBe(completed.events.length);
    expect(await page.$$eval(`${details} .run-events__item`, (items) => items.map((i) => i.className))).toContain('run-events__item run-events__item--state');

    // The incident raised before the run and the one raised during it; not the one after.
    const shown = () =>
      page.$$eval('.replay-incident', (els) => Object.fromEntries(els.map((el) => [(el as HTMLElement).dataset.alertId, (el as HTMLElement).dataset.state])));
    const slide = (to: 'min' | 'max') =>
      page.$eval('.replay__slider', (el, value) => {
        const slider = el as HTMLInputElement;
        slider.value = value === 'min' ? slider.min : slider.max;
        slider.dispatchEvent(new Event('input', { bubbles: true }));
      }, to);
    await expect.poll(async () => Object.keys(await shown()).sort(), POLL).toEqual([String(incidents.before), String(incidents.during)].sort());
    expect(await text(page, '.replay__incidents')).toBe('2 incidents during this run');
    await slide('min');
    expect(await shown()).toEqual({ [incidents.before]: 'open', [incidents.during]: 'later' });
    expect(await page.isVisible(`.replay-incident[data-alert-id="${incidents.during}"]`)).toBe(false);
    await slide('max');
    expect(await shown()).toEqual({ [incidents.before]: 'open', [incidents.during]: 'open' });
    expect(await page.isVisible(`.replay-incident[data-alert-id="${incidents.during}"]`)).toBe(true);
    // Fitted beside the panel and above the replay's bar, not under them.
    await page.waitForFunction(() => !document.querySelector('.leaflet-zoom-anim'));
    const uncovered = await page.evaluate(() => {
      const map = document.getElementById('map')!.getBoundingClientRect();
      const panel = document.getElementById('panel')!;
      const bar = document.getElementById('replay')!.getBoundingClientRect();
      const area = { left: map.left, top: map.top, right: panel.hidden ? map.right : panel.getBoundingClientRect().left, bottom: bar.top };
      return [...document.querySelectorAll('.replay-incident .ground-alert__pin')].map((pin) => {
        const r = pin.getBoundingClientRect();
        return r.left >= area.left && r.right <= area.right && r.top >= area.top && r.bottom <= area.bottom;
      });
    });
    expect(await page.isVisible('#panel')).toBe(true);
    expect(uncovered).toEqual([true, true]);
    expect(await text(page, `.replay-incident[data-alert-id="${incidents.during}"] .replay-incident__text`)).toMatch(
      new RegExp(`^${en.cat_theft} · \\d\\d:\\d\\d`),
    );
    await screenshot(page, 'record-history-replay-en');

    await page.click('#language');
    expect(await text(page, `${details} dt`)).toBe(zh.runMaxAlt);
    expect(await text(page, '.replay__incidents')).toBe(fill(zh.replayIncidents, { n: 2 }));
    expect(await text(page, `.replay-incident[data-alert-id="${incidents.during}"] .replay-incident__text`)).toMatch(new RegExp(`^${zh.cat_theft} · `));
    // The events' own words are said by the service's codes (web/src/said.tsx): here the labels around them.
    expect(await englishLeft(page, details, { skip: ['.run-events__text'], data: ['Drone 1', 'pilot1'] })).toEqual([]);
    await page.click('#language');
    await page.click('.replay__close');
    expect(await page.$$eval('.replay-incident', (els) => els.length)).toBe(0);
    expect(unexpected(errors)).toEqual([]);
  });
});
