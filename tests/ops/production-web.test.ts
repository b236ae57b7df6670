/**
 * The production build serves the web app: `npm run build` in a copy of the repository (never the
 * repository's own dist/ and web/dist, which the browser tests read meanwhile), then the compiled
 * service started as `npm start` runs it and as the Docker image's CMD runs it, and its pages loaded
 * in a real Chromium.
 */

import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sourcePaths from '../../server/paths.ts';
import type { RouteSummary } from '../../server/wire/types.ts';
import { launchBrowser, logIn, openPage, POLL, screenshot, text, unexpected } from '../browser/browser.ts';
import { decoding } from '../browser/video-page.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { FFMPEG } from '../helpers/ffmpeg.ts';
import { spawnNode } from '../helpers/process.ts';
import { contextCopy, imageLayout, npmRun, scriptArgv } from '../helpers/production.ts';
import { freeUdpPorts } from '../helpers/rtp-feed.ts';
import { REPO } from '../helpers/shared.ts';

const cleanup = cleanupAfterEach();

const ADMIN_PASSWORD = 'production-admin-password';
const OFFICER = 'wang.fang';
const OFFICER_PASSWORD = 'wang.fang-password';
/** what every start here shares: no drones, no tile server on the internet, no telemetry logs */
const QUIET = { SKYBEAT_ADMIN_PASSWORD: ADMIN_PASSWORD, SKYBEAT_SIM: '0', SKYBEAT_TILES: 'none', PORT: '0', SKYBEAT_HOST: '127.0.0.1' };

/** a copy of the repository after `npm run build` */
let built: string;
/** the example route files it ships */
let exampleRoutes: string[];

beforeAll(async () => {
  built = contextCopy();
  await npmRun(built, 'build');
  exampleRoutes = fs.readdirSync(path.join(built, 'missions')).sort();
}, 180_000);
// rm leaves the linked node_modules alone: it removes links, never what they point to
afterAll(() => fs.rmSync(built, { recursive: true, force: true }));

/**
 * `npm run users -- add …` in dir, as an administrator makes an officer's account: after the first
 * start, which creates the admin account only in a database with no users.
 */
function addOfficer(dir: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...scriptArgv('users'), 'add', OFFICER, '--role', 'officer', '--password', OFFICER_PASSWORD], {
      cwd: dir,
      env: { ...process.env, ...env },
    }, (err, out, errOut) => (err ? reject(new Error(`npm run users: ${err.message}\n${out}${errOut}`)) : resolve()));
  });
}

/** Start node with argv in dir; its base URL once it listens, stopped after the test. */
async function serve(dir: string, argv: string[], env: Record<string, string>): Promise<string> {
  const service = spawnNode(dir, argv, { ...QUIET, ...env });
  cleanup.push(() => service.child.kill('SIGKILL'));
  return `http://127.0.0.1:${await service.port()}`;
}

const logInAndWait = async (page: Page, name: string, password: string) => {
  await logIn(page, name, password);
  await expect.poll(() => page.isVisible('#login'), POLL).toBe(false);
};

/** The map with the example routes, GET /api/routes asked by the logged-in page, and the officer's page, all rendered. */
async function expectWebApp(base: string, shot: string): Promise<void> {
  const browser = await launchBrowser();
  cleanup.push(() => browser.close());

  const room = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 800 } });
  const map = await openPage(room, base);
  expect(map.status).toBe(200);
  await logInAndWait(map.page, 'admin', ADMIN_PASSWORD);
  await expect.poll(() => text(map.page, '#user'), POLL).toContain('admin');
  expect(await map.page.$$eval('#map.leaflet-container .leaflet-map-pane', (panes) => panes.length)).toBe(1);
  const api = await map.page.evaluate(async () => {
    const res = await fetch('/api/routes');
    return { status: res.status, body: await res.json() as RouteSummary[] };
  });
  expect(api.status).toBe(200);
  expect(api.body.map((r) => r.file).sort()).toEqual(exampleRoutes);
  expect(api.body.filter((r) => r.status === 'invalid')).toEqual([]);
  await map.page.click('[data-tab="routes"]');
  await expect.poll(() => map.page.$$eval('.route-row', (rows) => rows.map((r) => (r as HTMLElement).dataset.routeId).sort()), POLL)
    .toEqual(api.body.map((r) => r.id).sort());
  await screenshot(map.page, `${shot}-map`);
  expect(unexpected(map.errors)).toEqual([]);

  const phone = await browser.newContext({ locale: 'en-GB', viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true });
  const officer = await openPage(phone, base, '/officer');
  expect(officer.status).toBe(200);
  await logInAndWait(officer.page, OFFICER, OFFICER_PASSWORD);
  await expect.poll(() => officer.page.isVisible('#duty-area'), POLL).toBe(true);
  expect(await text(officer.page, '#user')).toBe(OFFICER);
  await officer.page.screenshot({ path: path.join('test-artifacts', `${shot}-officer.png`) });
  expect(unexpected(officer.errors)).toEqual([]);
}

describe('the production build serves the web app', () => {
  it('finds the install folder, web app, example routes and migrations from its own location, sources or compiled, from any working directory', () => {
    expect(sourcePaths.INSTALL_ROOT).toBe(REPO);
    const compiledPaths = pathToFileURL(path.join(built, 'dist/server/paths.js')).href;
    const compiled = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', `console.log(JSON.stringify(await import(${JSON.stringify(compiledPaths)})))`], {
        cwd: os.tmpdir(),
        encoding: 'utf8',
      }),
    ) as typeof sourcePaths;
    expect(compiled).toEqual({
      CODE_DIR: path.join(built, 'dist/server'),
      INSTALL_ROOT: built,
      WEB_DIST_DIR: path.join(built, 'web/dist'),
      MISSIONS_DIR: path.join(built, 'missions'),
      MIGRATIONS_DIR: path.join(built, 'dist/server/store/migrations'),
    });
    for (const page of ['index.html', 'officer.html']) expect(fs.existsSync(path.join(compiled.WEB_DIST_DIR, page))).toBe(true);
    expect(fs.readdirSync(compiled.MIGRATIONS_DIR)).toEqual(fs.readdirSync(sourcePaths.MIGRATIONS_DIR));
  });

  it('npm start after npm run build: the map, the example routes and the officer page in Chromium', async () => {
    // Moved aside: were npm start to fall back to the sources (with tsx), it would fail here rather than pass on them.
    fs.renameSync(path.join(built, 'server/main.ts'), path.join(built, 'server/main.ts.aside'));
    cleanup.push(() => fs.renameSync(path.join(built, 'server/main.ts.aside'), path.join(built, 'server/main.ts')));
    const data = { SKYBEAT_DATA: fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-production-data-')) };
    const base = await serve(built, [...scriptArgv('start'), '--no-tlog'], data);
    await addOfficer(built, data);
    await expectWebApp(base, 'production-npm-start');
  });

  it('the Docker image (its runtime stage laid out as the Dockerfile says, run with its CMD): the same pages', async () => {
    const image = imageLayout(built, built, fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-image-data-')));
    cleanup.push(() => fs.rmSync(image.app, { recursive: true, force: true }));
    expect(fs.existsSync(path.join(image.app, 'server/main.ts'))).toBe(false); // nothing to fall back to
    const base = await serve(image.app, image.cmd.slice(1), image.env);
    await addOfficer(image.app, image.env);
    await expectWebApp(base, 'production-image');
  });

  // The compiled service finds the optional ffmpeg, starts the simulated drone's camera, and the
  // built web app opens the video socket on its own host: frames really decoded in the wall's tile.
  it.skipIf(!FFMPEG)(
    `npm start with a simulated drone and its camera on: the video wall's tile decodes H.264${
      FFMPEG ? '' : ' [skipped: needs the optional @ffmpeg-installer/ffmpeg, absent here]'
    }`,
    async () => {
      const [cameraPort] = await freeUdpPorts(1);
      const data = { SKYBEAT_DATA: fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-production-video-')) };
      const base = await serve(built, [...scriptArgv('start'), '--no-tlog'], { ...data, SKYBEAT_SIM: '1', SKYBEAT_SIM_CAMERA: String(cameraPort) });
      const browser = await launchBrowser();
      cleanup.push(() => browser.close());
      const room = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 800 } });
      const { page, errors } = await openPage(room, base);
      await logInAndWait(page, 'admin', ADMIN_PASSWORD);
      await page.waitForSelector('#video-wall-toggle:not([hidden])');
      await page.click('#video-wall-toggle');
      // the demo pilot takes the drone up (a tile appears only for a drone in the air), then the picture goes live
      const tile = '#video-wall .video[data-vehicle-id="sim-1"]';
      await expect.poll(() => page.locator(`${tile}[data-state="live"]`).count(), { timeout: 120_000, interval: 500 }).toBe(1);
      const seen = await decoding(page, `${tile} video`);
      expect(seen.frames).toBeGreaterThan(10);
      expect(seen.advancedS).toBeGreaterThan(0.5);
      expect(seen.spread).toBeGreaterThan(50);
      await screenshot(page, 'production-video-wall');
      expect(unexpected(errors)).toEqual([]);
    },
    180_000,
  );
});
