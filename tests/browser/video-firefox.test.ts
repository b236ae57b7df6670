/**
 * Live video in Firefox (Debian's firefox-esr over WebDriver BiDi) as it runs on a police network:
 * the OpenH264 plug-in switched off and unable to download (media.gmp-gmpopenh264.enabled false,
 * media.gmp-manager.url empty), so Firefox has no H.264 for WebRTC — and the video wall still
 * plays, because Media Source Extensions decode H.264 through the system's libavcodec. Frames
 * really decode: presented frames counted (requestVideoFrameCallback and the playback quality),
 * the clock advancing, the picture's pixels read back. A camera switched off says so and comes back.
 * Real service, simulated drones in the air, real H.264 from ffmpeg over RTP/UDP.
 */
import fs from 'node:fs';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clockTime } from '../../web/src/format.ts';
import { strings } from '../../web/src/i18n.ts';
import { FFMPEG } from '../helpers/ffmpeg.ts';
import { freeUdpPorts, RtpClipSender } from '../helpers/rtp-feed.ts';
import { testService } from '../helpers/service.ts';
import { encodeClip } from '../helpers/video-feed.ts';
import { waitFor } from '../helpers/wait.ts';
import { ARTIFACTS, assertFreshBuild, fill, WEB_DIR } from './browser.ts';

const FIREFOX = '/usr/bin/firefox-esr';
const hasFirefox = fs.existsSync(FIREFOX);
const en = strings.en;
const runs = (hasFirefox && FFMPEG) || process.env.CI;
const suite = runs ? describe : describe.skip;
const why = runs ? '' : ` [skipped: needs ${FIREFOX} (apt-get install firefox-esr) and the optional ffmpeg]`;
const tile = (id: string) => `#video-wall .video[data-vehicle-id="${id}"]`;

suite(`live video in Firefox without its OpenH264 plug-in${why}`, () => {
  let t: Awaited<ReturnType<typeof testService>>;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const cameras: RtpClipSender[] = [];

  const state = (id: string) => page.$eval(tile(id), (el) => el.getAttribute('data-state')).catch(() => null);
  const badge = (id: string) => page.$eval(`${tile(id)} .video__badge`, (el) => el.textContent ?? '');
  /** Frames presented, the playback-quality count, the clock's advance and the pixels' spread over `ms`. */
  const decoding = (id: string, ms = 2000) =>
    page.$eval(
      `${tile(id)} video`,
      (video, ms) =>
        new Promise<{ frames: number; decoded: number; advancedS: number; spread: number; width: number }>((resolve) => {
          const v = video as HTMLVideoElement;
          let frames = 0;
          const count = () => {
            frames++;
            v.requestVideoFrameCallback(count);
          };
          v.requestVideoFrameCallback(count);
          const from = v.currentTime;
          const decodedFrom = v.getVideoPlaybackQuality().totalVideoFrames;
          setTimeout(() => {
            const canvas = document.createElement('canvas');
            canvas.width = 64;
            canvas.height = 36;
            const c = canvas.getContext('2d')!;
            c.drawImage(v, 0, 0, 64, 36);
            const px = c.getImageData(0, 0, 64, 36).data;
            let min = 255;
            let max = 0;
            for (let i = 0; i < px.length; i += 4) {
              const y = (px[i]! + px[i + 1]! + px[i + 2]!) / 3;
              min = Math.min(min, y);
              max = Math.max(max, y);
            }
            resolve({
              frames,
              decoded: v.getVideoPlaybackQuality().totalVideoFrames - decodedFrom,
              advancedS: v.currentTime - from,
              spread: max - min,
              width: v.videoWidth,
            });
          }, ms);
        }),
      ms,
    );

  beforeAll(async () => {
    expect(hasFirefox, `${FIREFOX} is missing: .ci/run installs firefox-esr`).toBe(true);
    assertFreshBuild();
    const ports = await freeUdpPorts(2);
    t = await testService({
      webDir: WEB_DIR,
      sim: 2,
      simOptions: { bootDelayS: 2, speedup: 4, demo: true, seed: 21 },
      video: { sources: { 'sim-1': `rtp://127.0.0.1:${ports[0]}`, 'sim-2': `rtp://127.0.0.1:${ports[1]}` } },
    });
    const clip = encodeClip({ width: 640, height: 360, seconds: 4, gop: 25, kbps: 800 });
    for (const port of ports) {
      const c = new RtpClipSender(clip, port);
      c.start();
      cameras.push(c);
    }
    await t.user('room', ['command']);
    await waitFor('both drones in the air', () => [1, 2].every((n) => (t.svc.fleet.get(`sim-${n}`)?.position?.altRel ?? 0) > 2), 90_000, 250);
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      headless: true,
      extraPrefsFirefox: {
        'intl.accept_languages': 'en-GB',
        'network.dns.disableIPv6': true,
        // A police network: the OpenH264 plug-in is off and cannot be fetched.
        'media.gmp-gmpopenh264.enabled': false,
        'media.gmp-gmpopenh264.autoupdate': false,
        'media.gmp-manager.url': '',
      },
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1600, height: 900 });
    page.on('pageerror', (error) => errors.push(`pageerror: ${(error as Error).message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().includes('401')) errors.push(`console: ${m.text()}`);
    });
    await page.goto(t.base);
    await page.waitForSelector('#login[open]');
    await page.type('#login input[name="username"]', 'room');
    await page.type('#login input[name="password"]', 'room-password');
    await page.click('#login button[type="submit"]');
    await page.waitForSelector('#video-wall-toggle:not([hidden])');
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    for (const c of cameras) c.close();
    await t?.close();
  });

  it('has no H.264 for WebRTC here, and H.264 in Media Source Extensions all the same', async () => {
    const codecs = await page.evaluate(() => ({
      webrtc: (RTCRtpSender.getCapabilities('video')?.codecs ?? []).map((c) => c.mimeType),
      mse: MediaSource.isTypeSupported('video/mp4; codecs="avc1.42c01e"'),
    }));
    console.log(`Firefox without OpenH264: WebRTC video codecs ${[...new Set(codecs.webrtc)].join(', ')}; MSE H.264 ${codecs.mse}`);
    expect(codecs.webrtc).not.toContain('video/H264');
    expect(codecs.mse).toBe(true);
  });

  it('the wall plays both drones: frames decoded and shown', async () => {
    await page.click('#video-wall-toggle');
    for (const id of ['sim-1', 'sim-2']) {
      await waitFor(`${id} live`, async () => (await state(id)) === 'live', 20_000, 200);
      expect(await badge(id)).toBe(en.videoLive);
      const d = await decoding(id);
      console.log(
        `Firefox wall ${id}: ${d.frames} frames presented, ${d.decoded} decoded in 2 s, clock +${d.advancedS.toFixed(2)} s, pixel spread ${d.spread}`,
      );
      expect(d.decoded).toBeGreaterThan(25);
      expect(d.frames).toBeGreaterThan(25);
      expect(d.advancedS).toBeGreaterThan(1);
      expect(d.width).toBe(640);
      expect(d.spread).toBeGreaterThan(50);
    }
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'firefox-video-wall.png') });
  });

  it('a camera switched off says since when; restarted, it plays again', async () => {
    const camera = cameras[1]!;
    let last = 0;
    camera.onPicture = (stamp) => (last = stamp);
    await waitFor('a picture sent', () => last > 0, 2000);
    camera.stop();
    await waitFor('stale', async () => (await state('sim-2')) === 'stale', 20_000, 200);
    expect([last, last + 1000].map((ms) => fill(en.videoNoneSince, { time: clockTime(ms) }))).toContain(await badge('sim-2'));
    camera.restart();
    camera.start();
    await waitFor('live again', async () => (await state('sim-2')) === 'live', 20_000, 200);
    expect((await decoding('sim-2')).decoded).toBeGreaterThan(25);
    expect(errors).toEqual([]);
  });
});
