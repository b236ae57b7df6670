/**
 * A run's recorded video replayed in the history tab in Firefox (Debian's firefox-esr over WebDriver
 * BiDi, its OpenH264 plug-in off as on a police network; Media Source Extensions decode H.264
 * through the system's libavcodec): a patrol flown by the simulated copter with its real camera,
 * landed, then replayed. The picture at a moment of the slider is the camera's picture of that
 * moment (compared with ffmpeg's own decoding of the recorded file), and played, the video's
 * clock runs with the replay's.
 */
import fs from 'node:fs';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordingSegmentView, RunView, RunVideoView } from '../../server/wire/types.ts';
import { FFMPEG } from '../helpers/ffmpeg.ts';
import { freeUdpPort } from '../helpers/recording.ts';
import { nearest } from '../helpers/video-frames.ts';
import { waitFor } from '../helpers/wait.ts';
import { patrolRig } from '../patrols/rig.ts';
import { ARTIFACTS, assertFreshBuild, WEB_DIR } from './browser.ts';

const FIREFOX = '/usr/bin/firefox-esr';
const hasFirefox = fs.existsSync(FIREFOX);
const runs = (hasFirefox && FFMPEG) || process.env.CI;
const suite = runs ? describe : describe.skip;
const why = runs ? '' : ` [skipped: needs ${FIREFOX} (apt-get install firefox-esr) and the optional ffmpeg]`;
const W = 320;
const H = 180;

suite(`a run's recorded video replayed in Firefox${why}`, () => {
  let rig: Awaited<ReturnType<typeof patrolRig>>;
  let browser: Browser;
  let page: Page;
  let run: RunView;
  let segments: RecordingSegmentView[];
  const errors: string[] = [];

  const slide = (to: number) =>
    page.$eval('.replay__slider', (el, value) => {
      const slider = el as HTMLInputElement;
      slider.value = String(value);
      slider.dispatchEvent(new Event('input', { bubbles: true }));
    }, to);
  const picture = () =>
    page.$eval('.replay-video__picture', (el) => {
      const v = el as HTMLVideoElement;
      return { time: v.currentTime, ready: v.readyState >= 2 && !v.seeking, width: v.videoWidth, visible: getComputedStyle(v).visibility === 'visible' };
    });
  const grab = () =>
    page.$eval('.replay-video__picture', (el) => {
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
  const attr = (selector: string, name: string) => page.$eval(selector, (el, name) => el.getAttribute(name), name).catch(() => null);

  beforeAll(async () => {
    expect(hasFirefox, `${FIREFOX} is missing: .ci/run installs firefox-esr`).toBe(true);
    assertFreshBuild();
    const cameraPort = await freeUdpPort();
    rig = await patrolRig({
      webDir: WEB_DIR,
      simOptions: { bootDelayS: 4, speedup: 4, demo: false, seed: 11, camera: { basePort: cameraPort, width: W, height: H } },
    });
    await rig.t.user('room', ['command']);
    await rig.take();
    await rig.ready();
    const id = (await rig.launch()).body.id as number;
    run = await rig.until(id, 'landed', (r) => r.state === 'landed', 150_000);
    segments = ((await rig.t.api('GET', `/api/runs/${id}/video`, rig.pilot)).body as RunVideoView).segments;
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      headless: true,
      extraPrefsFirefox: {
        'intl.accept_languages': 'en-GB',
        'network.dns.disableIPv6': true,
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
    await page.goto(rig.t.base);
    await page.waitForSelector('#login[open]');
    await page.type('#login input[name="username"]', 'room');
    await page.type('#login input[name="password"]', 'room-password');
    await page.click('#login button[type="submit"]');
    await page.waitForSelector('[data-tab="history"]:not([hidden])');
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await rig?.close();
  });

  // Bounds for a busy 2-core machine (Firefox beside the rest of the suite), not for speed.
  const SLOW = { timeout: 90_000 };

  it('shows the camera’s picture of the moment on the slider, and plays on with the replay', { timeout: 240_000 }, async () => {
    expect(segments.length).toBeGreaterThan(0);
    const first = segments[0]!;
    expect(first.endedAt - first.startedAt).toBeGreaterThan(4000);
    await page.click('[data-tab="history"]');
    await page.waitForSelector(`.run-row[data-run-id="${run.id}"]`, SLOW);
    await page.click(`.run-row[data-run-id="${run.id}"]`);
    await page.waitForSelector('.replay-video', SLOW);

    const at = first.startedAt + 3520; // a picture's own time (25 a second)
    await slide(at);
    await waitFor('the replay showing', async () => (await attr('.replay-video', 'data-state')) === 'showing', 20_000, 100);
    await waitFor('a decoded picture', async () => (await picture()).ready, 20_000, 100);
    const shown = await picture();
    expect(shown).toMatchObject({ width: W, visible: true });
    expect(shown.time).toBeCloseTo((at - run.startedAt) / 1000, 2);
    // That moment's picture, of ffmpeg's pictures around it, and far from the one 2 s before.
    const file = path.join(rig.t.dataDir, 'recordings', (await rig.t.svc.store.recordings.get(first.id))!.file);
    const frame = await grab();
    const { same, before, after, earlier } = nearest(frame, file, 3.52, W, H);
    console.log(`Firefox replay: picture at ${shown.time.toFixed(3)} s, mean difference from ffmpeg's ${same.toFixed(2)}`);
    expect(same).toBeLessThan(Math.min(before, after));
    expect(earlier).toBeGreaterThan(2 * same);
    await page.screenshot({ path: path.join(ARTIFACTS, 'replay-video-firefox.png') });

    // Played, the video runs with the replay's clock.
    await page.click('.replay__play');
    await waitFor('the video playing on', async () => (await picture()).time > (at - run.startedAt) / 1000 + 2, 20_000, 100);
    await page.click('.replay__play');
    expect(errors).toEqual([]);
  });
});
