/**
 * Live video in the pages, in a real Chromium against the real service, with simulated drones in
 * the air and their cameras on the network: real H.264 from ffmpeg sent over RTP/UDP to the
 * service's configured sources (video.sources, rtp://), as a drone's video radio sends it. The
 * command room's video wall (a named
 * tile per airborne drone, live, frames really decoded — counted with requestVideoFrameCallback,
 * the clock advancing, the picture's pixels read back), a camera switched off ("no video since
 * HH:MM:SS") and restarted (live again), the enlarged tile's overlays from telemetry and a
 * snapshot filed to an incident and shown in its card, the pilot's panel with the picked drone's
 * video, a stalled viewer beside the page, and H.265 said plainly where the browser cannot play it.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { GroundAlertView } from '../../server/wire/types.ts';
import { clockTime } from '../../web/src/format.ts';
import { strings } from '../../web/src/i18n.ts';
import { sayServer } from '../../web/src/said.tsx';
import { describeWithFfmpeg } from '../helpers/ffmpeg.ts';
import { testService } from '../helpers/service.ts';
import { videoClient } from '../helpers/video-client.ts';
import { freeUdpPorts, RtpClipSender } from '../helpers/rtp-feed.ts';
import { ClipSource, encodeClip } from '../helpers/video-feed.ts';
import { waitFor } from '../helpers/wait.ts';
import { decoding } from './video-page.ts';
import { assertFreshBuild, englishLeft, fill, launchBrowser, logIn, openPage, POLL, screenshot, text, unexpected, WEB_DIR } from './browser.ts';

const en = strings.en;
const zh = strings['zh-CN'];
type T = Awaited<ReturnType<typeof testService>>;

const tile = (id: string) => `#video-wall .video[data-vehicle-id="${id}"]`;

describeWithFfmpeg('live video in Chromium', () => {
  let t: T;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const cameras = new Map<string, RtpClipSender>();
  let roomToken: string;
  let hevc: ClipSource | undefined;

  beforeAll(async () => {
    assertFreshBuild();
    const ports = await freeUdpPorts(2);
    t = await testService({
      webDir: WEB_DIR,
      sim: 3,
      simOptions: { bootDelayS: 2, speedup: 4, demo: true, seed: 16 },
      video: { sources: { 'sim-1': `rtp://127.0.0.1:${ports[0]}`, 'sim-2': `rtp://127.0.0.1:${ports[1]}` } },
    });
    const clip = encodeClip({ width: 640, height: 360, seconds: 4, gop: 25, kbps: 800 });
    for (const [i, id] of ['sim-1', 'sim-2'].entries()) {
      const camera = new RtpClipSender(clip, ports[i]!);
      camera.start();
      cameras.set(id, camera);
    }
    roomToken = await t.user('room', ['command']);
    await t.user('pilot1', ['pilot']);
    // The simulator's training pilot takes them up; the wall shows drones in the air.
    await waitFor('three drones in the air', () => [1, 2, 3].every((n) => (t.svc.fleet.get(`sim-${n}`)?.position?.altRel ?? 0) > 2), 90_000, 250);
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1600, height: 900 }, locale: 'en-GB' });
    ({ page, errors } = await openPage(context, t.base));
    await logIn(page, 'room', 'room-password');
    await page.waitForSelector('#video-wall-toggle:not([hidden])');
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    for (const c of cameras.values()) c.close();
    await hevc?.close();
    await t?.close();
  });

  it('the wall: a named tile per drone in the air, live, decoding real H.264; a drone without a camera says so', async () => {
    await page.click('#video-wall-toggle');
    await expect.poll(() => page.locator(`${tile('sim-1')}[data-state="live"]`).count(), POLL).toBe(1);
    await expect.poll(() => page.locator(`${tile('sim-2')}[data-state="live"]`).count(), POLL).toBe(1);
    expect(await text(page, `${tile('sim-1')} .video__title`)).toBe('Drone 1');
    expect(await text(page, `${tile('sim-1')} .video__badge`)).toBe(en.videoLive);
    expect(await text(page, `${tile('sim-3')} .video__badge`)).toBe(en.videoNoCamera);
    for (const id of ['sim-1', 'sim-2']) {
      const d = await decoding(page, `${tile(id)} video`);
      console.log(`Chromium wall ${id}: ${d.frames} frames presented in 2 s, clock +${d.advancedS.toFixed(2)} s, ${d.width} px wide, pixel spread ${d.spread}`);
      // The camera sends 25 a second; headless Chromium's software compositor presents most of them.
      expect(d.frames).toBeGreaterThan(25);
      expect(d.advancedS).toBeGreaterThan(1);
      expect(d.width).toBe(640);
      expect(d.spread).toBeGreaterThan(50);
    }
    await screenshot(page, 'video-wall');
  });

  it('a camera switched off: its tile says since when there is no video; restarted, it is live again', async () => {
    const camera = cameras.get('sim-2')!;
    let last = 0;
    camera.onPicture = (stamp) => (last = stamp);
    await waitFor('a picture sent', () => last > 0, 2000);
    camera.stop();
    const stoppedAt = Date.now();
    await expect.poll(() => page.getAttribute(tile('sim-2'), 'data-state'), POLL).toBe('stale');
    console.log(
      `Chromium wall: the tile said stale ${
        Date.now() - stoppedAt
      } ms after the camera stopped (polled every 200 ms; the source says stale after 2 s, the page after 1.5 s without pictures)`,
    );
    const said = await text(page, `${tile('sim-2')} .video__badge`);
    // the time of the last picture, as the service saw it (or a moment later, as the page saw it)
    expect([last, last + 1000].map((ms) => fill(en.videoNoneSince, { time: clockTime(ms) }))).toContain(said);
    // Why, in the service's own words (UDP source: the pictures stopped on its port), in the page's
    // language: once the service says stale too (2 s; the page says it after 1.5 s by itself)
    await expect.poll(() => t.svc.video.feed('sim-2')!.said?.code, POLL).toMatch(/^video_udp_stopped/);
    await expect.poll(() => text(page, `${tile('sim-2')} .video__reason`), POLL).toBe(sayServer(t.svc.video.feed('sim-2')!.said!, 'en'));
    // The other drone plays on.
    expect((await decoding(page, `${tile('sim-1')} video`, 1000)).frames).toBeGreaterThan(10);

    camera.restart(); // a rebooted camera: a new SSRC, its clock elsewhere
    camera.start();
    await expect.poll(() => page.getAttribute(tile('sim-2'), 'data-state'), POLL).toBe('live');
    const d = await decoding(page, `${tile('sim-2')} video`);
    expect(d.frames).toBeGreaterThan(25);
    expect(d.spread).toBeGreaterThan(50);
  });

  it('a viewer that stops reading the same drone does not hold the page up', async () => {
    const stalled = await videoClient(t.base, 'sim-1', { token: roomToken });
    await waitFor('the stalled viewer has pictures', () => stalled.fragments().length > 0, 5000);
    stalled.pause();
    try {
      // Seconds of pictures pile up for the stalled one while the page plays every one of them.
      for (let i = 0; i < 3; i++) {
        const d = await decoding(page, `${tile('sim-1')} video`, 2000);
        const lag = await page.$eval(`${tile('sim-1')} video`, (v) => {
          const b = (v as HTMLVideoElement).buffered;
          return b.length ? b.end(b.length - 1) - (v as HTMLVideoElement).currentTime : NaN;
        });
        console.log(`Chromium with a stalled viewer beside it: ${d.frames} frames in 2 s, ${lag.toFixed(3)} s behind the newest picture received`);
        expect(d.frames).toBeGreaterThan(25);
        expect(lag).toBeLessThan(1);
      }
    } finally {
      stalled.close();
    }
  });

  it('enlarged: overlays from telemetry, and a snapshot filed to an incident shows in its card', async () => {
    const incident = await t.api('POST', '/api/alerts', roomToken, { lat: 28.3709, lon: 121.381, category: 'fight', priority: 1, note: 'video test' });
    expect(incident.status).toBe(201);
    const alert = incident.body as GroundAlertView;
    await page.click(`${tile('sim-1')} .video__frame`);
    const big = '#video-wall .video--large';
    await page.waitForSelector(`${big}[data-vehicle-id="sim-1"][data-state="live"]`);
    await expect.poll(() => text(page, `${big} [data-overlay="alt"]`), POLL).toMatch(/^ALT \d+ m$/);
    const alt = Number((await text(page, `${big} [data-overlay="alt"]`)).match(/\d+/)![0]);
    expect(Math.abs(alt - t.svc.fleet.get('sim-1')!.position!.altRel)).toBeLessThan(5);
    expect(await text(page, `${big} [data-overlay="heading"]`)).toMatch(/^HDG \d{3}°$/);
    expect(await text(page, `${big} [data-overlay="battery"]`)).toMatch(/^BAT \d+%$/);
    expect(await text(page, `${big} [data-overlay="time"]`)).toMatch(/^\d\d:\d\d:\d\d$/);

    await page.click(`${big} .snapshot__take`);
    await page.waitForSelector(`${big} .snapshot__done[data-snapshot-id]`);
    const snapshotId = await page.getAttribute(`${big} .snapshot__done`, 'data-snapshot-id');
    await page.selectOption(`${big} .snapshot__attach`, String(alert.id));
    await page.waitForSelector(`${big} .snapshot__done[data-alert-id="${alert.id}"]`);
    await screenshot(page, 'video-enlarged');
    // The still is the picture: its size, and the drone's place when it was taken.
    const list = (await t.api('GET', `/api/snapshots?alertId=${alert.id}`, roomToken)).body as Array<{ id: number; width: number; lat: number | null }>;
    expect(list).toMatchObject([{ id: Number(snapshotId), width: 640, lat: expect.any(Number) }]);

    // Back to the wall, away from it, and to the incident's card: the still is there.
    await page.click('#video-wall .video-wall__close');
    await page.click('.tab[data-tab="alerts"]');
    const card = `.ground-card[data-alert-id="${alert.id}"]`;
    await page.waitForSelector(`${card} .evidence__item[data-snapshot-id="${snapshotId}"] img`);
    await expect.poll(() => page.$eval(`${card} .evidence__image`, (img) => (img as HTMLImageElement).naturalWidth), POLL).toBe(640);
    await page.click('.tab[data-tab="drones"]');
  });

  it("the pilot's panel: the picked drone's video beside its telemetry", async () => {
    const context = await browser.newContext({ viewport: { width: 1600, height: 900 }, locale: 'en-GB' });
    const pilot = await openPage(context, t.base);
    await logIn(pilot.page, 'pilot1', 'pilot1-password');
    await pilot.page.click('.row[data-drone-id="sim-2"]');
    const inPanel = '#panel .console__video .video[data-vehicle-id="sim-2"]';
    await expect.poll(() => pilot.page.getAttribute(inPanel, 'data-state'), POLL).toBe('live');
    const d = await decoding(pilot.page, `${inPanel} video`);
    expect(d.frames).toBeGreaterThan(25);
    expect(d.spread).toBeGreaterThan(50);
    // Another drone picked: its own picture (sim-3 has no camera: none).
    await pilot.page.click('.row[data-drone-id="sim-3"]');
    await expect.poll(() => pilot.page.locator('#panel .console__video').count(), POLL).toBe(0);
    await screenshot(pilot.page, 'video-panel');
    expect(unexpected(pilot.errors)).toEqual([]);
    await context.close();
  });

  it('H.265: plays where the browser decodes it, else the tile says plainly that it cannot', async () => {
    // A source of whole pictures attached as the drone's camera (the test's RTP sender speaks H.264 only).
    hevc = new ClipSource(encodeClip({ codec: 'h265', seconds: 2, gop: 25 }), 'sim-3');
    t.svc.video.attach('sim-3', hevc);
    hevc.start();
    await page.click('#video-wall-toggle');
    await expect.poll(() => page.getAttribute(tile('sim-3'), 'data-state'), POLL).not.toMatch(/^(none|connecting)$/).catch(async (e) => {
      console.log(await page.evaluate(() => fetch('/api/video').then((r) => r.text())), await page.$eval('#video-wall', (w) => w.innerHTML.slice(0, 2000)));
      throw e;
    });
    const mime = t.svc.video.feed('sim-3')!.codecs!;
    const playable = await page.evaluate((codecs) => MediaSource.isTypeSupported(`video/mp4; codecs="${codecs}"`), mime);
    console.log(`Chromium: H.265 (${mime}) ${playable ? 'is' : 'is not'} playable in Media Source Extensions here`);
    if (playable) {
      await expect.poll(() => page.getAttribute(tile('sim-3'), 'data-state'), POLL).toBe('live');
    } else {
      expect(await page.getAttribute(tile('sim-3'), 'data-state')).toBe('unsupported');
      expect(await text(page, `${tile('sim-3')} .video__badge`)).toBe(en.videoH265Unsupported);
    }
  });

  it("in Chinese: the wall speaks it, a stopped camera's reason too, and no English is left on it", async () => {
    const camera = cameras.get('sim-2')!;
    camera.stop();
    await page.click('#language');
    await expect.poll(() => text(page, `${tile('sim-1')} .video__badge`), POLL).toBe(zh.videoLive);
    expect(await text(page, '#video-wall .video-wall__title')).toBe(zh.videoWall);
    await expect.poll(() => page.getAttribute(tile('sim-2'), 'data-state'), POLL).toBe('stale');
    await expect.poll(() => t.svc.video.feed('sim-2')!.said?.code, POLL).toMatch(/^video_udp_stopped/);
    await expect.poll(() => text(page, `${tile('sim-2')} .video__reason`), POLL).toBe(sayServer(t.svc.video.feed('sim-2')!.said!, 'zh-CN'));
    expect(await text(page, `${tile('sim-2')} .video__reason`)).toContain('画面中断');
    // UDP is the protocol's name, as police write it in Chinese too
    expect(await englishLeft(page, '#video-wall', { data: ['Drone 1', 'Drone 2', 'Drone 3', 'H.265', 'UDP'] })).toEqual([]);
    await screenshot(page, 'video-wall-zh');
    await page.click('#language');
    camera.start();
    expect(unexpected(errors)).toEqual([]);
  });
});
