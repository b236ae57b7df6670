/**
 * Recorded video in a real Chromium: a patrol flown by the simulated copter with its real camera
 * (its source switched away for a few seconds mid-flight, so the recording has a gap) is replayed
 * in the history tab, and the picture at a moment of the slider is the camera's picture of that
 * moment: compared with ffmpeg's own decoding of the recorded file at that time, and against
 * another moment. In the gap the replay says there is no video. Then the admin's camera form.
 */
import net from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RecordingSegmentView, RunView, RunVideoView } from '../../server/wire/types.ts';
import { strings } from '../../web/src/i18n.ts';
import { patrolRig } from '../patrols/rig.ts';
import { describeWithFfmpeg } from '../helpers/ffmpeg.ts';
import { freeUdpPort } from '../helpers/recording.ts';
import { nearest as nearestFrame } from '../helpers/video-frames.ts';
import { assertFreshBuild, launchBrowser, logIn, openPage, POLL, screenshot, text, unexpected, WEB_DIR } from './browser.ts';

const { en } = strings;
type Rig = Awaited<ReturnType<typeof patrolRig>>;
const W = 320;
const H = 180;

/** ffmpeg's pictures of the recorded file, this test's size */
const nearest = (frame: number[], file: string, s: number) => nearestFrame(frame, file, s, W, H);

describeWithFfmpeg('recorded video: replay in step with the track, and the cameras form', () => {
  let rig: Rig;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let run: RunView;
  let segments: RecordingSegmentView[];
  let cameraPort: number;

  const slide = (to: number) =>
    page.$eval('.replay__slider', (el, value) => {
      const slider = el as HTMLInputElement;
      slider.value = String(value);
      slider.dispatchEvent(new Event('input', { bubbles: true }));
    }, to);
  /** the video element's state: where it is, whether a decoded picture is there to show */
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
  const fileOf = async (s: RecordingSegmentView) => path.join(rig.t.dataDir, 'recordings', (await rig.t.svc.store.recordings.get(s.id))!.file);

  beforeAll(async () => {
    assertFreshBuild();
    cameraPort = await freeUdpPort();
    rig = await patrolRig({
      webDir: WEB_DIR,
      simOptions: { bootDelayS: 4, speedup: 4, demo: false, seed: 11, camera: { basePort: cameraPort, width: W, height: H } },
    });
    const admin = await rig.t.login('admin', 'admin-test-password');
    await rig.t.user('room', ['command']);
    await rig.take();
    await rig.ready();
    const id = (await rig.launch()).body.id as number;
    await rig.until(id, 'flying', (r) => r.state === 'flying');
    // Mid-flight the drone's camera is switched to a port nothing sends to, and back: a gap of about 4 s.
    await new Promise((r) => setTimeout(r, 6000));
    const dead = await freeUdpPort();
    expect((await rig.t.api('PUT', '/api/video-sources/sim-1', admin, { uri: `rtp://127.0.0.1:${dead}` })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 4000));
    expect((await rig.t.api('PUT', '/api/video-sources/sim-1', admin, { uri: null })).status).toBe(200);
    run = await rig.until(id, 'landed', (r) => r.state === 'landed', 150_000);
    segments = ((await rig.t.api('GET', `/api/runs/${id}/video`, admin)).body as RunVideoView).segments;
    browser = await launchBrowser();
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1600, height: 900 } });
    ({ page, errors } = await openPage(context, rig.t.base));
    await logIn(page, 'room', 'room-password');
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await rig?.close();
  });

  it('the recording has the gap: two files, nothing between them', () => {
    expect(segments.length).toBe(2);
    expect(segments[1]!.startedAt - segments[0]!.endedAt).toBeGreaterThan(3000);
  });

  it('the replay shows the camera’s picture of the moment on the slider, and says when there is none', async () => {
    await page.click('[data-tab="history"]');
    await page.click(`.run-row[data-run-id="${run.id}"]`);
    await expect.poll(() => page.isVisible('.replay-video'), POLL).toBe(true);
    expect(await page.getAttribute('.replay__video-export', 'href')).toBe(`/api/runs/${run.id}/video.mp4`);

    // A moment 3.5 s into the first file (between two pictures), and one 2 s before it to tell them apart.
    const [first, second] = segments as [RecordingSegmentView, RecordingSegmentView];
    expect(first.endedAt - first.startedAt).toBeGreaterThan(4000);
    const at = first.startedAt + 3520; // a picture's own time (25 a second)
    await slide(at);
    await expect.poll(() => page.getAttribute('.replay-video', 'data-state'), POLL).toBe('showing');
    await expect.poll(async () => (await picture()).ready, POLL).toBe(true);
    const shown = await picture();
    expect(shown).toMatchObject({ width: W, visible: true });
    expect(shown.time).toBeCloseTo((at - run.startedAt) / 1000, 2);
    // Of ffmpeg's pictures around that moment, the one shown is that moment's (two browsers' colour
    // conversions differ a little: a few levels even for the same picture), and far from one 2 s before.
    const near = nearest(await grab(), await fileOf(first), 3.52);
    expect(near.same).toBeLessThan(Math.min(near.before, near.after));
    expect(near.earlier).toBeGreaterThan(2 * near.same);
    await screenshot(page, 'replay-video-en');

    // In the gap: no picture, and said so with the moment the video comes back.
    await slide(first.endedAt + 1500);
    await expect.poll(() => page.getAttribute('.replay-video', 'data-state'), POLL).toBe('gap');
    expect(await text(page, '.replay-video__note')).toMatch(/^No video at this moment; video again from \d\d:\d\d:\d\d\.$/);
    expect((await picture()).visible).toBe(false);

    // The second file, after the gap: its picture again, on the run's clock.
    const later = second.startedAt + 2000;
    await slide(later);
    await expect.poll(() => page.getAttribute('.replay-video', 'data-state'), POLL).toBe('showing');
    await expect.poll(async () => (await picture()).ready && Math.abs((await picture()).time - (later - run.startedAt) / 1000) < 0.01, POLL).toBe(true);
    const again = nearest(await grab(), await fileOf(second), 2);
    expect(again.same).toBeLessThan(Math.min(again.before, again.after));
    expect(again.earlier).toBeGreaterThan(2 * again.same);

    // Played, the video runs with the replay's clock.
    await page.click('.replay__play');
    await expect.poll(async () => (await picture()).time, POLL).toBeGreaterThan((later - run.startedAt) / 1000 + 2);
    await page.click('.replay__play');
    expect(unexpected(errors)).toEqual([]);
  });

  it('an admin sees each drone’s camera in the admin tab, sets one, is told what is wrong, clears it, and approves an announced camera with one click', async () => {
    expect(await page.isVisible('[data-tab="admin"]')).toBe(false); // the command room has no admin tab
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1400, height: 900 } });
    const opened = await openPage(context, rig.t.base);
    const admin = opened.page;
    await logIn(admin, 'admin', 'admin-test-password');
    await admin.click('[data-tab="admin"]');
    const row = '.camera-row[data-drone="sim-1"]';
    await expect.poll(() => admin.getAttribute(row, 'data-from'), POLL).toBe('announced');
    expect(await text(admin, `${row} .camera-row__from`)).toBe(en.cameraFrom_announced);
    expect(await text(admin, `${row} .camera-row__uri`)).toBe(`rtp://127.0.0.1:${cameraPort}`);
    expect(await admin.isDisabled(`${row} .camera-row__clear`)).toBe(true);

    await admin.fill(`${row} .camera-row__input`, 'http://camera/stream');
    await admin.click(`${row} .camera-row__set`);
    await expect.poll(() => text(admin, '.cameras__outcome'), POLL).toMatch(/^sim-1: uri: .*unknown scheme http:/);

    const other = await freeUdpPort();
    await admin.fill(`${row} .camera-row__input`, `rtp://127.0.0.1:${other}`);
    await admin.click(`${row} .camera-row__set`);
    await expect.poll(() => text(admin, `${row} .camera-row__from`), POLL).toBe('set here by admin');
    expect(await text(admin, '.cameras__outcome')).toBe(`sim-1: camera set to rtp://127.0.0.1:${other}`);
    expect(await admin.inputValue(`${row} .camera-row__input`)).toBe('');
    expect(await text(admin, `${row} .camera-row__announced`)).toBe(`The drone announces rtp://127.0.0.1:${cameraPort}`);
    expect(await rig.t.svc.store.videoSources.all()).toMatchObject([{ drone: 'sim-1', uri: `rtp://127.0.0.1:${other}`, setBy: 'admin' }]);
    await screenshot(admin, 'cameras-admin-en');

    await admin.click(`${row} .camera-row__clear`);
    await expect.poll(() => admin.getAttribute(row, 'data-from'), POLL).toBe('announced');
    expect(await text(admin, '.cameras__outcome')).toBe('sim-1: the setting made here is removed');
    expect(await rig.t.svc.store.videoSources.all()).toEqual([]);

    // A camera announced on another host over an unsigned link is never dialled until one click.
    let dialled = 0;
    const elsewhere = net.createServer((s) => {
      dialled++;
      s.destroy();
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.2', resolve));
    const announced = `rtsp://127.0.0.2:${(elsewhere.address() as net.AddressInfo).port}/cam`;
    rig.t.svc.videoSources.announce({ id: 'l9-9', sysid: 9 }, [{ type: 'rtsp', uri: announced, encoding: 'h264', running: true }], {
      signed: false,
      peerHost: '127.0.0.1',
    });
    const waiting = '.camera-row[data-drone="l9-9"]';
    await expect.poll(() => text(admin, `${waiting} .camera-row__awaiting`), POLL).toBe(
      `The drone announces ${announced}: not opened until an admin approves it ${en.cameraApprove}`,
    );
    expect(dialled).toBe(0);
    await admin.click(`${waiting} .camera-row__approve`);
    await expect.poll(() => text(admin, '.cameras__outcome'), POLL).toBe(`l9-9: the announced camera ${announced} is approved and set`);
    expect(await admin.getAttribute(waiting, 'data-from')).toBe('configured');
    await expect.poll(() => dialled, POLL).toBeGreaterThan(0);
    await new Promise<void>((resolve) => elsewhere.close(() => resolve()));
    await admin.click(`${waiting} .camera-row__clear`);
    await expect.poll(() => text(admin, '.cameras__outcome'), POLL).toBe('l9-9: the setting made here is removed');

    // Said in Chinese too.
    await admin.click('#language');
    expect(await text(admin, `${row} .camera-row__from`)).toBe(strings['zh-CN'].cameraFrom_announced);
    expect(await text(admin, '[data-tab="admin"]')).toBe(strings['zh-CN'].tabAdmin);
    expect(unexpected(opened.errors, [400])).toEqual([]);
  });
});
