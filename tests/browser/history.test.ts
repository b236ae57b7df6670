/**
 * History in a real Chromium: a patrol flown by the simulated copter (through the API, as the
 * pilot test flies one through the page) is listed and replayed on the time slider, the drone
 * drawn where its recorded track says; ground alerts of the period show as a heat map.
 */

import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HeatPoint, TrackPoint } from '../../server/wire/types.ts';
import { strings } from '../../web/src/i18n.ts';
import { patrolRig } from '../patrols/rig.ts';
import { assertFreshBuild, englishLeft, launchBrowser, logIn, openPage, POLL, screenshot, text, unexpected, WEB_DIR } from './browser.ts';

const { en, 'zh-CN': zh } = strings;
type Rig = Awaited<ReturnType<typeof patrolRig>>;

/** Alerts around three streets of Wenling: a busy corner and two quieter ones. */
const INCIDENTS = [
  ...Array.from({ length: 6 }, (_, i) => ({ lat: 28.3712 + i * 1e-5, lon: 121.3811 })),
  { lat: 28.3685, lon: 121.3775 },
  { lat: 28.3694, lon: 121.3830 },
];

describe('history: replay and heat map (English)', () => {
  let rig: Rig;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let runId: number;
  let track: TrackPoint[];

  /** Sets the replay slider as a person dragging it would. */
  const slide = (to: 'min' | 'max' | number) =>
    page.$eval('.replay__slider', (el, value) => {
      const slider = el as HTMLInputElement;
      slider.value = value === 'min' ? slider.min : value === 'max' ? slider.max : String(value);
      slider.dispatchEvent(new Event('input', { bubbles: true }));
    }, to);
  const replayed = () =>
    page.$eval(
      '.replay-drone',
      (el) => ({ lat: Number((el as HTMLElement).dataset.lat), lon: Number((el as HTMLElement).dataset.lon), time: Number((el as HTMLElement).dataset.time) }),
    );

  beforeAll(async () => {
    assertFreshBuild();
    rig = await patrolRig({ webDir: WEB_DIR });
    await rig.take();
    await rig.ready();
    runId = (await rig.launch()).body.id;
    await rig.until(runId, 'landed', (r) => r.state === 'landed', 150_000);
    track = (await rig.t.api('GET', `/api/runs/${runId}/track`, rig.pilot)).body;
    const room = await rig.t.user('room', ['command']);
    for (const at of INCIDENTS) expect((await rig.t.api('POST', '/api/alerts', room, { category: 'fight', ...at })).status).toBe(201);
    browser = await launchBrowser();
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1600, height: 900 } });
    ({ page, errors } = await openPage(context, rig.t.base));
    await logIn(page, 'pilot1', 'pilot1-password');
  }, 200_000);

  afterAll(async () => {
    await browser?.close();
    await rig?.close();
  });

  it('lists the past run with its route, drone, pilot and result', async () => {
    await page.click('[data-tab="history"]');
    await expect.poll(() => page.$$eval('.run-row', (rows) => rows.length), POLL).toBe(1);
    const row = `.run-row[data-run-id="${runId}"]`;
    expect(await text(page, `${row} .run-row__name`)).toBe('Test loop');
    expect(await text(page, `${row} .run-row__when`)).toContain('Drone 1');
    expect(await text(page, `${row} .run-row__facts`)).toMatch(/^pilot1 · \d+ m · \d+:\d\d$/);
    expect(await text(page, `${row} .run-row__result`)).toBe('completed');
  });

  it('replays the track on the time slider: the drone where the record says, at each moment', async () => {
    expect(track.length).toBeGreaterThan(10);
    await page.click(`.run-row[data-run-id="${runId}"]`);
    await expect.poll(() => page.isVisible('#replay'), POLL).toBe(true);
    expect(await text(page, '.replay__title')).toContain('Test loop');

    await slide('max');
    const end = track.at(-1)!;
    await expect.poll(replayed, POLL).toEqual({ lat: end.lat, lon: end.lon, time: end.time });
    // Halfway between two recorded points, the drone is halfway between them.
    const [a, b] = [track[8]!, track[9]!];
    await slide((a.time + b.time) / 2);
    const mid = await replayed();
    expect(mid.lat).toBeCloseTo((a.lat + b.lat) / 2, 9);
    expect(mid.lon).toBeCloseTo((a.lon + b.lon) / 2, 9);
    // The flown part of the track reaches the drone; the whole track is drawn beneath.
    expect(await page.$$eval('path.replay__track', (p) => p.length)).toBe(1);
    expect(await page.$$eval('path.replay__flown', (p) => p.length)).toBe(1);
    await screenshot(page, 'history-replay-en');

    await slide('min');
    expect((await replayed()).time).toBe(track[0]!.time);
    await page.click('.replay__play');
    await expect.poll(async () => (await replayed()).time, POLL).toBeGreaterThan(track[0]!.time + 2000);
    expect(await text(page, '.replay__play')).toBe(en.pause);
    await page.click('.replay__play');

    // Said again in Chinese, the replay's bar included: the route's Chinese name, the drone and
    // pilot as named, the result in the service's words.
    await page.click('#language');
    expect(await text(page, '.replay__title')).toContain('测试航线');
    expect(await text(page, '.replay__play')).toBe(zh.play);
    // The picked run's events name its route and drone by their ids ("short → sim-1: …").
    const data = ['Drone 1', 'pilot1', 'short', 'sim-1'];
    expect(await englishLeft(page, '#replay', { data })).toEqual([]);
    expect(await englishLeft(page, '#history-panel', { skip: ['.run-row__result'], data })).toEqual([]);
    await page.click('#language');

    const gpx = await page.getAttribute('.replay__gpx', 'href');
    expect(gpx).toBe(`/api/runs/${runId}/track.gpx`);
    await page.click('.replay__close');
    expect(await page.isVisible('#replay')).toBe(false);
  });

  it('shows the ground alerts of the period as a heat map, hottest where most were raised', async () => {
    // The map asks for the positions alone (GET /api/alerts/heat, with the log's filters), not the log with every event.
    const asked: string[] = [];
    const onRequest = (r: Request) => {
      const url = new URL(r.url());
      if (url.pathname.startsWith('/api/alerts')) asked.push(url.pathname);
    };
    page.on('request', onRequest);
    const [answer] = await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname === '/api/alerts/heat'), page.click('.history__heat')]);
    await expect.poll(() => page.getAttribute('canvas.heat-layer', 'data-points'), POLL).toBe(String(INCIDENTS.length));
    page.off('request', onRequest);
    expect(asked).toEqual(['/api/alerts/heat']);
    const points = (await answer.json()) as HeatPoint[];
    expect(points.map((p) => Object.keys(p).sort())).toEqual(INCIDENTS.map(() => ['lat', 'lon']));
    expect(points.map((p) => `${p.lat},${p.lon}`).sort()).toEqual(INCIDENTS.map((p) => `${p.lat},${p.lon}`).sort());
    expect(await text(page, '.history__heat-count')).toMatch(new RegExp(`^${INCIDENTS.length} ground alerts`));
    // The busy corner is red-hot, a lone incident stays cool: read the canvas where each is drawn.
    const colour = await page.$eval('canvas.heat-layer', (el) => {
      const canvas = el as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let hottest = { red: 0, blue: 0, alpha: 0 };
      let painted = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3]! > 0) painted++;
        if (data[i + 3]! > hottest.alpha) hottest = { red: data[i]!, blue: data[i + 2]!, alpha: data[i + 3]! };
      }
      return { hottest, painted };
    });
    expect(colour.painted).toBeGreaterThan(1000);
    expect(colour.hottest.red).toBeGreaterThan(200);
    expect(colour.hottest.blue).toBeLessThan(120);
    await screenshot(page, 'history-heat-en');
    await page.click('#language');
    expect(await text(page, '.history__heat-count')).toMatch(new RegExp(`共 ${INCIDENTS.length} 起`));
    expect(await englishLeft(page, '#history-panel', { skip: ['.run-row__result'], data: ['Drone 1', 'pilot1', 'short', 'sim-1'] })).toEqual([]);
    await page.click('#language');
    await page.click('.history__heat');
    expect(await page.$('canvas.heat-layer')).toBeNull();
    expect(unexpected(errors)).toEqual([]);
  });
});
