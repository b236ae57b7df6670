/**
 * Drone to the scene in Firefox (Debian's firefox-esr over WebDriver BiDi, as firefox.test.ts):
 * the pilot picks a point on the map, reads the checks, confirms, watches the drone climb, fly and
 * hold overhead with its point and line on the map, and brings it home; no page errors.
 * Chromium covers every goto screen in detail (goto.test.ts, goto-resume.test.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GotoView } from '../../server/wire/types.ts';
import { strings } from '../../web/src/i18n.ts';
import { waitFor } from '../helpers/wait.ts';
import { patrolRig } from '../patrols/rig.ts';
import { ARTIFACTS, assertFreshBuild, fill, WEB_DIR } from './browser.ts';

const FIREFOX = '/usr/bin/firefox-esr';
const hasFirefox = fs.existsSync(FIREFOX);
const en = strings.en;

// A user's machine may not have it; CI installs it (.ci/run), so there it must run.
const suite = hasFirefox || process.env.CI ? describe : describe.skip;

suite(
  `drone to the scene in Firefox${hasFirefox || process.env.CI ? '' : ` [skipped: ${FIREFOX} is not installed here (apt-get install firefox-esr)]`}`,
  () => {
    let rig: Awaited<ReturnType<typeof patrolRig>>;
    let browser: Browser;
    let page: Page;
    const errors: string[] = [];

    const text = (selector: string) => page.$eval(selector, (el) => el.textContent ?? '');
    const attr = (selector: string, name: string) => page.$eval(selector, (el, n) => el.getAttribute(n), name).catch(() => null);
    const gotoOf = async () => (await rig.t.api('GET', `/api/vehicles/${rig.vid}/goto`, rig.pilot)).body as GotoView;

    beforeAll(async () => {
      expect(hasFirefox, `${FIREFOX} is missing: .ci/run installs firefox-esr`).toBe(true);
      assertFreshBuild();
      rig = await patrolRig({ webDir: WEB_DIR, goto: { transitAltM: 30 } });
      browser = await puppeteer.launch({
        browser: 'firefox',
        executablePath: FIREFOX,
        headless: true,
        extraPrefsFirefox: { 'intl.accept_languages': 'en-GB', 'network.dns.disableIPv6': true },
      });
      page = await browser.newPage();
      await page.setViewport({ width: 1600, height: 900 });
      page.on('pageerror', (error) => errors.push(`pageerror: ${(error as Error).message}`));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console: ${m.text()}`);
      });
      await page.goto(rig.t.base);
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await rig?.close();
    });

    it('sends the drone to a point picked on the map, through the checks and a confirmation, and shows it overhead', async () => {
      await page.waitForSelector('#login[open]').catch(async (err: Error) => {
        fs.mkdirSync(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: path.join(ARTIFACTS, 'firefox-goto-login.png') });
        throw new Error(`${err.message}; page errors: ${errors.join(' | ')}`);
      });
      await page.type('#login input[name="username"]', 'pilot1');
      await page.type('#login input[name="password"]', 'pilot1-password');
      await page.click('#login button[type="submit"]');
      await waitFor('connected', async () => (await attr('#connection', 'data-state')) === 'connected', 20_000, 200);
      await page.waitForSelector('.drone[data-drone-id="sim-1"][data-lat]');
      await page.click('.row[data-drone-id="sim-1"]');
      await page.waitForSelector('#panel .console__take');
      await page.click('#panel .console__take');
      await waitFor('in command', async () => (await text('#panel .console__holder')) === en.controlMine, 20_000, 200);

      // A point ~100 px north-east of the drone standing at home.
      await page.click('#panel .goto__pick');
      expect(await text('#panel .goto__picking')).toContain(en.gotoPickHint);
      await new Promise((r) => setTimeout(r, 500)); // the map's framing animation
      const glyph = (await (await page.$('.drone[data-drone-id="sim-1"] .drone__glyph'))!.boundingBox())!;
      await page.mouse.click(glyph.x + glyph.width / 2 + 90, glyph.y + glyph.height / 2 - 60);
      await waitFor(
        'every check passes',
        async () => {
          const passes = await page.$$eval('#panel .goto__checks .checklist__item', (items) => items.map((i) => (i as HTMLElement).dataset.pass));
          if (passes.length === 10 && passes.every((p) => p === 'true')) return true;
          // The simulated EKF settles first: ask again, as a pilot would.
          if (!(await page.$eval('#panel .goto__check', (b) => (b as HTMLButtonElement).disabled))) await page.click('#panel .goto__check');
          await new Promise((r) => setTimeout(r, 400));
          return false;
        },
        40_000,
        200,
      );
      expect(await page.$eval('#panel .goto__send', (b) => (b as HTMLButtonElement).disabled)).toBe(false);
      await page.click('#panel .goto__send');
      await page.waitForSelector('#confirm[open]');
      expect(await text('#confirm .confirm__yes')).toBe(fill(en.doGoto, { drone: 'Drone 1' }));
      expect((await page.$$('#confirm .confirm__details li')).length).toBe(10);
      await page.click('#confirm .confirm__yes');
      await waitFor('sent', async () => (await attr('#panel .goto__outcome', 'data-outcome')) === 'accepted', 20_000, 200);
      const sent = await gotoOf();
      expect(sent.state).toBe('arming');
      expect(sent.alertId).toBeNull();

      await waitFor('overhead', async () => (await attr('#panel .goto-facts', 'data-overhead')) === 'true', 120_000, 300);
      expect((await gotoOf()).overhead).toBe(true);
      expect(await text('#panel .goto-facts__state')).toBe(`${en.goto_on_scene}${en.gotoOverhead}`);
      expect(await attr(`.goto-target[data-goto-id="${sent.id}"]`, 'data-overhead')).toBe('true');
      await waitFor('time held counts', async () => (await text('#panel .goto-facts__held')) !== '0:00', 20_000, 300);
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'firefox-goto-overhead-en.png') });

      await page.click('#panel .goto__home');
      await page.waitForSelector('#confirm[open]');
      await page.click('#confirm .confirm__yes');
      await waitFor('returning', async () => (await gotoOf()).state === 'returning', 20_000, 200);
      await waitFor('shown returning', async () => (await attr('#panel .goto__ended', 'data-state')) === 'returning', 20_000, 200);
      expect(rig.drone.status().mode).toBe('RTL');
      // The page asks for a session before the login, and is told 401 once.
      expect(errors.filter((e) => !e.includes('401'))).toEqual([]);
    }, 240_000);
  },
);
