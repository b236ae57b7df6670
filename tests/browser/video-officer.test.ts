/**
 * The officer's phone shows the video of the drone sent over the incident they hold (Chromium,
 * a phone-sized page in Chinese): nothing before a drone is sent, the picture in the job's card
 * once it is — decoded, named, live — a snapshot filed to that incident at once, and the picture
 * gone when the pilot brings the drone home. Real service, a simulated ArduCopter (4× time), its
 * camera real H.264 from ffmpeg over RTP/UDP.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { GroundAlertView } from '../../server/wire/types.ts';
import { strings } from '../../web/src/i18n.ts';
import { describeWithFfmpeg } from '../helpers/ffmpeg.ts';
import { freeUdpPorts, RtpClipSender } from '../helpers/rtp-feed.ts';
import { encodeClip } from '../helpers/video-feed.ts';
import { patrolRig } from '../patrols/rig.ts';
import { englishLeft, launchBrowser, logIn, openPage, POLL, screenshot, text, unexpected, WEB_DIR } from './browser.ts';
import { decoding } from './video-page.ts';

const zh = strings['zh-CN'];
const SCENE = { lat: 28.3709, lon: 121.38 };

describeWithFfmpeg("the drone's video on the officer's phone", () => {
  let rig: Awaited<ReturnType<typeof patrolRig>>;
  let camera: RtpClipSender;
  let browser: Browser;

  beforeAll(async () => {
    const [port] = await freeUdpPorts(1);
    rig = await patrolRig({
      webDir: WEB_DIR,
      goto: { transitAltM: 30 },
      dispatch: { waveSize: 1 },
      video: { sources: { 'sim-1': `rtp://127.0.0.1:${port}` } },
    });
    camera = new RtpClipSender(encodeClip({ width: 640, height: 360, seconds: 4, gop: 25, kbps: 800 }), port!);
    camera.start();
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    camera?.close();
    await rig?.close();
  });

  it('shows the picture in the job card while the drone serves the incident, and files a snapshot to it', async () => {
    const officer = await rig.t.user('wang', ['officer']);
    const room = await rig.t.user('room', ['command']);
    await rig.t.api('POST', '/api/officer/duty', officer, { onDuty: true });
    await rig.t.api('POST', '/api/officer/location', officer, { ...SCENE, accuracyM: 5 });
    const raised = await rig.t.api('POST', '/api/alerts', room, { ...SCENE, category: 'fight', priority: 1, note: '' });
    const alertId = (raised.body as GroundAlertView).id;
    await expect.poll(async () => ((await rig.t.api('GET', `/api/alerts/${alertId}`, room)).body as GroundAlertView).dispatch.length, POLL).toBeGreaterThan(0);
    expect((await rig.t.api('POST', `/api/alerts/${alertId}/answer`, officer, { answer: 'accept' })).status).toBe(200);

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
    await page.waitForSelector(job);
    expect(await page.locator(`${job} .job__video`).count()).toBe(0); // no drone yet

    expect((await rig.take()).status).toBe(200);
    await rig.ready();
    const sent = await rig.t.api('POST', `/api/vehicles/${rig.vid}/goto`, rig.pilot, { ...SCENE, alertId, confirm: true });
    expect(sent.status).toBe(201);
    const video = `${job} .job__video .video[data-vehicle-id="sim-1"]`;
    await expect.poll(() => page.getAttribute(video, 'data-state'), POLL).toBe('live');
    expect(await text(page, `${video} .video__title`)).toBe(zh.officerVideo);
    expect(await text(page, `${video} .video__badge`)).toBe(zh.videoLive);
    const d = await decoding(page, `${video} video`);
    console.log(`officer's phone: ${d.frames} frames presented in 2 s, ${d.width} px wide, pixel spread ${d.spread}`);
    expect(d.frames).toBeGreaterThan(25);
    expect(d.spread).toBeGreaterThan(50);

    await page.click(`${job} .snapshot__take`);
    await page.waitForSelector(`${job} .snapshot__done[data-alert-id="${alertId}"]`);
    expect(await text(page, `${job} .snapshot__done`)).toContain((raised.body as GroundAlertView).number);
    const filed = (await rig.t.api('GET', `/api/snapshots?alertId=${alertId}`, room)).body as Array<{ takenBy: string; vehicleId: string }>;
    expect(filed).toMatchObject([{ takenBy: 'wang', vehicleId: 'sim-1' }]);
    expect(await englishLeft(page, job, { skip: ['.leaflet-control-attribution'], data: ['wang', 'room', 'Drone 1', 'sim-1'] })).toEqual([]);
    await screenshot(page, 'video-officer-zh');

    // Brought home: the drone no longer serves the incident, and its picture leaves the card.
    expect((await rig.t.api('POST', `/api/vehicles/${rig.vid}/goto/return`, rig.pilot, { confirm: true })).status).toBe(200);
    await expect.poll(() => page.locator(`${job} .job__video`).count(), POLL).toBe(0);
    expect(unexpected(errors)).toEqual([]);
    await context.close();
  }, 150_000);
});
