/**
 * A drone sent to a scene, replayed in the history in a real Chromium: the simulated copter with
 * its real camera flies to an incident and home; the history lists the goto by the incident's
 * number, draws its track, and at a moment of the slider shows the camera's picture of that
 * moment (compared with ffmpeg's decoding of the recorded file). An officer is refused all of it.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { GotoHistoryView, GotoView, GroundAlertView, RunVideoView, TrackPoint } from '../../server/wire/types.ts';
import { strings } from '../../web/src/i18n.ts';
import { patrolRig } from '../patrols/rig.ts';
import { describeWithFfmpeg } from '../helpers/ffmpeg.ts';
import { freeUdpPort } from '../helpers/recording.ts';
import { nearest } from '../helpers/video-frames.ts';
import { waitFor } from '../helpers/wait.ts';
import { assertFreshBuild, fill, launchBrowser, logIn, openPage, POLL, screenshot, text, unexpected, WEB_DIR } from './browser.ts';

type Rig = Awaited<ReturnType<typeof patrolRig>>;
const W = 320;
const H = 180;
/** 150 m north of the simulated copter's home */
const SCENE = { lat: 28.37 + 150 / 111_320, lon: 121.38 };

describeWithFfmpeg('a drone to the scene in the history: listed by its incident, replayed with its track and video', () => {
  let rig: Rig;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let room: string;
  let incident: GroundAlertView;
  let goto: GotoView;

  beforeAll(async () => {
    assertFreshBuild();
    const cameraPort = await freeUdpPort();
    rig = await patrolRig({
      webDir: WEB_DIR,
      simOptions: { bootDelayS: 4, speedup: 4, demo: false, seed: 11, camera: { basePort: cameraPort, width: W, height: H } },
      goto: { transitAltM: 30 },
    });
    const { t } = rig;
    room = await t.user('room', ['command']);
    await waitFor('the camera live', () => t.svc.videoSources.list()[0]?.health?.state === 'live', 30_000);
    incident = (await t.api('POST', '/api/alerts', room, { ...SCENE, category: 'fight', priority: 1, note: '' })).body as GroundAlertView;
    await rig.take();
    await rig.ready();
    const sent = await t.api('POST', `/api/vehicles/${rig.vid}/goto`, rig.pilot, { ...SCENE, alertId: incident.id, confirm: true });
    expect(sent.status).toBe(201);
    const id = sent.body.id as number;
    const view = async () => ((await t.api('GET', '/api/gotos', rig.pilot)).body as GotoView[]).find((g) => g.id === id)!;
    await waitFor('overhead', async () => (await view()).overhead, 120_000, 250);
    await new Promise((r) => setTimeout(r, 3000)); // a few seconds over the scene, on camera
    expect((await t.api('POST', `/api/vehicles/${rig.vid}/goto/return`, rig.pilot, { confirm: true })).body.result).toBe('accepted');
    goto = await waitFor(
      'returning',
      async () => {
        const g = await view();
        return g.state === 'returning' && g;
      },
      30_000,
      250,
    );
    await waitFor('home: landed and disarmed', () => t.svc.fleet.get(rig.vid)?.armed === false, 180_000, 250);
    await waitFor('its file closed', async () => (await t.svc.store.recordings.unfinished()).length === 0, 5000);
    browser = await launchBrowser();
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1600, height: 900 } });
    ({ page, errors } = await openPage(context, t.base));
    await logIn(page, 'room', 'room-password');
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await rig?.close();
  });

  it('lists the goto with its incident number, for the roles that see runs; an officer is refused', async () => {
    const { t } = rig;
    const day = `from=${goto.startedAt - 3600_000}&to=${Date.now()}`;
    const listed = (await t.api('GET', `/api/gotos/history?${day}`, room)).body as GotoHistoryView[];
    expect(listed).toEqual([
      expect.objectContaining({ id: goto.id, vehicleId: 'sim-1', alertId: incident.id, incidentNumber: incident.number, state: 'returning' }),
    ]);
    // a period that ended before it: not listed
    expect((await t.api('GET', `/api/gotos/history?from=0&to=${goto.startedAt - 1}`, room)).body).toEqual([]);
    expect((await t.api('GET', '/api/gotos/history?from=x', room)).status).toBe(400);
    expect((await t.api('GET', '/api/gotos/999999/track', room)).status).toBe(404);
    const officer = await t.user('chen', ['officer']);
    for (const url of [`/api/gotos/history?${day}`, `/api/gotos/${goto.id}/track`, `/api/gotos/${goto.id}/video`]) {
      expect((await t.api('GET', url, officer)).status, url).toBe(403);
    }
  });

  it('replays its track and, at a moment of the slider, the camera’s picture of that moment', async () => {
    const { t } = rig;
    const track = (await t.api('GET', `/api/gotos/${goto.id}/track`, room)).body as TrackPoint[];
    const segments = ((await t.api('GET', `/api/gotos/${goto.id}/video`, room)).body as RunVideoView).segments;
    expect(track.length).toBeGreaterThan(3); // a line, not a dot: one point a second, about 10 s here (fewer under load); its extent is checked below
    expect(segments.length).toBeGreaterThan(0);

    await page.click('[data-tab="history"]');
    const row = `.goto-row[data-goto-id="${goto.id}"]`;
    await page.waitForSelector(row);
    expect(await text(page, `${row} .goto-row__name`)).toBe(fill(strings.en.gotoForIncident, { number: incident.number }));
    await page.click(row);
    await expect.poll(() => page.isVisible('.replay-video'), POLL).toBe(true);
    expect(await page.getAttribute('.replay__video-export', 'href')).toBe(`/api/gotos/${goto.id}/video.mp4`);
    expect(await text(page, '.replay__title')).toContain(`(${track.length} points)`);
    // The track is drawn: a line on the map, framed, as long as the 150 m flight north and back.
    const drawn = () =>
      page.$eval('path.replay__track', (el) => {
        const box = (el as SVGPathElement).getBBox();
        return { points: (el.getAttribute('d') ?? '').match(/[ML]/g)?.length ?? 0, height: box.height, width: box.width };
      });
    await expect.poll(async () => (await drawn()).height, POLL).toBeGreaterThan(100);
    expect((await drawn()).points).toBeGreaterThan(1);
    expect((await drawn()).height).toBeGreaterThan(5 * (await drawn()).width); // north and back: tall, narrow

    // 2.52 s into the first file: a picture's own time (25 a second), and one 2 s before it to tell them apart.
    const first = segments[0]!;
    const at = first.startedAt + 2520;
    await page.$eval('.replay__slider', (el, value) => {
      const slider = el as HTMLInputElement;
      slider.value = String(value);
      slider.dispatchEvent(new Event('input', { bubbles: true }));
    }, at);
    await expect.poll(() => page.getAttribute('.replay-video', 'data-state'), POLL).toBe('showing');
    const picture = () =>
      page.$eval('.replay-video__picture', (el) => {
        const v = el as HTMLVideoElement;
        return { time: v.currentTime, ready: v.readyState >= 2 && !v.seeking, width: v.videoWidth };
      });
    await expect.poll(async () => (await picture()).ready, POLL).toBe(true);
    const shown = await picture();
    expect(shown.width).toBe(W);
    expect(shown.time).toBeCloseTo((at - goto.startedAt) / 1000, 2);
    // the drone on the map is where the track says at that moment
    expect(Number(await page.getAttribute('.replay-drone', 'data-time'))).toBe(Math.round(at));
    const frame = await page.$eval('.replay-video__picture', (el) => {
      const v = el as HTMLVideoElement;
      const canvas = document.createElement('canvas');
      canvas.width = v.videoWidth;
      canvas.height = v.videoHeight;
      const g = canvas.getContext('2d')!;
      g.drawImage(v, 0, 0);
      const rgba = g.getImageData(0, 0, canvas.width, canvas.height).data;
      const rgb: number[] = [];
      for (let i = 0; i < rgba.length; i += 4) rgb.push(rgba[i]!, rgba[i + 1]!, rgba[i + 2]!);
      return rgb;
    });
    const file = path.join(t.dataDir, 'recordings', (await t.svc.store.recordings.get(first.id))!.file);
    const near = nearest(frame, file, 2.52, W, H);
    expect(near.same).toBeLessThan(Math.min(near.before, near.after));
    expect(near.earlier).toBeGreaterThan(2 * near.same);
    await screenshot(page, 'replay-goto-en');

    // Said in Chinese too.
    await page.click('#language');
    expect(await text(page, `${row} .goto-row__name`)).toBe(fill(strings['zh-CN'].gotoForIncident, { number: incident.number }));
    expect(unexpected(errors)).toEqual([]);
  });
});
