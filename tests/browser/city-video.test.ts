/**
 * The city centre's page plays a station's drone's camera (实时回传情指中心), in a real Chromium: node
 * hf receives the drone's real H.264 over RTP/UDP (its configured source) and the centre, which has
 * no drone and no camera, relays it to its page (server/http/video-across.ts). Two real SkyBeat
 * processes on this machine's PostgreSQL and Redis; the web app is built by tests/browser/global-setup.ts.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, type City, citySkipReason, startCity } from '../helpers/cluster.ts';
import { FFMPEG } from '../helpers/ffmpeg.ts';
import { REDIS_URL } from '../helpers/redis-server.ts';
import { freeUdpPorts, RtpClipSender } from '../helpers/rtp-feed.ts';
import { encodeClip } from '../helpers/video-feed.ts';
import { assertFreshBuild, launchBrowser, logIn, openPage, POLL, screenshot, unexpected } from './browser.ts';
import { decoding } from './video-page.ts';

const skip = citySkipReason || (FFMPEG ? '' : '(skipped: needs the optional @ffmpeg-installer/ffmpeg, absent here)');

const DRONE = 'sim-hf-1';

describe.skipIf(skip !== '')(`the centre's page plays a camera received by another node ${skip}`, () => {
  let city: City | undefined;
  let camera: RtpClipSender | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    assertFreshBuild();
    const [port] = await freeUdpPorts(1);
    camera = new RtpClipSender(encodeClip({ width: 640, height: 360, seconds: 4, gop: 25, kbps: 800 }), port!);
    camera.start();
    city = await startCity({
      nodes: [
        {
          name: 'hf',
          sim: 1,
          config: { video: { simCameraPort: null, recordings: { enabled: false }, sources: { [DRONE]: `rtp://127.0.0.1:${port}` } } },
        },
        { name: 'centre' },
      ],
      redis: REDIS_URL,
      // a plain background: this machine reaches no tile server
      config: { tiles: 'none' },
    });
    browser = await launchBrowser();
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1600, height: 900 } });
    ({ page, errors } = await openPage(context, city.node('centre').url));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    camera?.close();
    await city?.close();
  });

  it("shows hf's drone's camera in its panel on the centre, decoding real H.264", { timeout: 120_000 }, async () => {
    await logIn(page, 'admin', ADMIN_PASSWORD);
    const row = `.row[data-drone-id="${DRONE}"]`;
    await expect.poll(() => page.isVisible(row), { ...POLL, timeout: 45_000 }).toBe(true);
    await page.click(row);
    const inPanel = `#panel .console__video .video[data-vehicle-id="${DRONE}"]`;
    await expect.poll(() => page.getAttribute(inPanel, 'data-state'), { ...POLL, timeout: 30_000 }).toBe('live');
    const d = await decoding(page, `${inPanel} video`);
    console.log(
      `Chromium on the centre, hf's camera: ${d.frames} frames presented in 2 s, clock +${
        d.advancedS.toFixed(2)
      } s, ${d.width} px wide, pixel spread ${d.spread}`,
    );
    // The camera sends 25 a second; headless Chromium's software compositor presents most of them.
    expect(d.frames).toBeGreaterThan(25);
    expect(d.advancedS).toBeGreaterThan(1);
    expect(d.width).toBe(640);
    expect(d.spread).toBeGreaterThan(50);
    await screenshot(page, 'city-video-panel');
  });

  it('ran without a page error', () => {
    expect(unexpected(errors)).toEqual([]);
  });
});
