/**
 * The pilot's whole flight in Firefox (Debian's firefox-esr, driven over WebDriver BiDi by
 * puppeteer-core, as playwright-core cannot drive a stock Firefox): log in, take the drone, check,
 * launch, pause, recall, landed; the language switch; no page errors. Chromium covers every
 * screen in detail (the other files here); this one shows the same app works in the other engine.
 */
import fs from 'node:fs';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView } from '../../server/wire/types.ts';
import { strings } from '../../web/src/i18n.ts';
import { waitFor } from '../helpers/wait.ts';
import { patrolRig } from '../patrols/rig.ts';
import { ARTIFACTS, assertFreshBuild, fill, WEB_DIR } from './browser.ts';

const FIREFOX = '/usr/bin/firefox-esr';
const hasFirefox = fs.existsSync(FIREFOX);
const en = strings.en;
const zh = strings['zh-CN'];

// A user's machine may not have it; CI installs it (.ci/run), so there it must run.
const suite = hasFirefox || process.env.CI ? describe : describe.skip;

suite(`pilot console in Firefox${hasFirefox || process.env.CI ? '' : ` [skipped: ${FIREFOX} is not installed here (apt-get install firefox-esr)]`}`, () => {
  let rig: Awaited<ReturnType<typeof patrolRig>>;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  const text = (selector: string) => page.$eval(selector, (el) => el.textContent ?? '');
  const attr = (selector: string, name: string) => page.$eval(selector, (el, n) => el.getAttribute(n), name);
  const visible = (selector: string) => page.$eval(selector, (el) => (el as HTMLElement).offsetParent !== null).catch(() => false);
  const panelField = (field: string) => text(`#panel [data-field="${field}"]`);
  const runs = async () => (await rig.t.api('GET', '/api/runs', rig.pilot)).body as RunView[];
  /** Clicks a control that asks for confirmation, and confirms. */
  async function confirmed(selector: string): Promise<void> {
    await page.click(selector);
    await page.waitForSelector('#confirm[open]');
    await page.click('#confirm .confirm__yes');
  }
  const outcome = (kind: string) => waitFor(`outcome ${kind}`, async () => (await attr('#panel .console__outcome', 'data-outcome')) === kind, 20_000, 200);

  beforeAll(async () => {
    expect(hasFirefox, `${FIREFOX} is missing: .ci/run installs firefox-esr`).toBe(true);
    assertFreshBuild();
    rig = await patrolRig({ webDir: WEB_DIR });
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      headless: true,
      // English first, as a browser set to it would ask; no network beyond the test's own server.
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

  it('logs the pilot in and shows the drone on the map and in the list', async () => {
    await page.waitForSelector('#login[open]');
    await page.type('#login input[name="username"]', 'pilot1');
    await page.type('#login input[name="password"]', 'pilot1-password');
    await page.click('#login button[type="submit"]');
    await waitFor('connected', async () => (await attr('#connection', 'data-state')) === 'connected', 20_000, 200);
    await page.waitForSelector('.drone[data-drone-id="sim-1"][data-lat]');
    await page.click('.row[data-drone-id="sim-1"]');
    await waitFor('the console says the drone is free', async () => (await text('#panel .console__holder')) === en.controlFree, 20_000, 200);
  });

  it('takes the drone, checks until every check passes, and launches once confirmed', async () => {
    await page.click('#panel .console__take');
    await waitFor('in command', async () => (await text('#panel .console__holder')) === en.controlMine, 20_000, 200);
    await waitFor('routes listed', async () => (await page.$$('#panel .launch__route option[value="short"]')).length === 1, 20_000, 200);
    await page.select('#panel .launch__route', 'short');
    await waitFor(
      'every check passes',
      async () => {
        await page.click('#panel .launch__check');
        await new Promise((r) => setTimeout(r, 400));
        const passes = await page.$$eval('#panel .checklist__item', (items) => items.map((i) => (i as HTMLElement).dataset.pass));
        return passes.length > 5 && passes.every((p) => p === 'true');
      },
      40_000,
      200,
    );
    await confirmed('#panel .launch__go');
    await outcome('accepted');
    const [run] = await runs();
    expect(await text('#panel .console__outcome')).toBe(fill(en.launchAccepted, { drone: 'Drone 1', run: run!.id }));
    await waitFor('flying', async () => (await panelField('runState')) === en.run_flying, 90_000, 300);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'firefox-flying-en.png') });
  });

  it('pauses and recalls the patrol, each confirmed, and the drone lands home', async () => {
    await confirmed('#panel .command[data-action="pause"]');
    await waitFor(
      'pause accepted',
      async () => (await text('#panel .console__outcome')) === fill(en.outcomeAccepted, { action: en.actPause, drone: 'Drone 1' }),
      20_000,
      200,
    );
    expect(rig.drone.status().mode).toBe('BRAKE');
    await confirmed('#panel .command[data-action="rtl"]');
    await waitFor(
      'return accepted',
      async () => (await text('#panel .console__outcome')) === fill(en.outcomeAccepted, { action: en.actRtl, drone: 'Drone 1' }),
      20_000,
      200,
    );
    const [run] = await runs();
    const done = await rig.until(run!.id, 'landed', (r) => r.state === 'landed', 120_000);
    expect(done.events.filter((e) => e.kind === 'command').map((e) => e.message)).toEqual([expect.stringMatching(/^pause/), expect.stringMatching(/^rtl/)]);
    await waitFor('shown landed', async () => (await panelField('runState')) === en.run_landed, 20_000, 200);
  });

  it('switches to Chinese and back, and ran without a page error', async () => {
    await page.click('#language');
    expect(await text('.top__title')).toBe(zh.appTitle);
    expect(await visible('#panel')).toBe(true);
    await page.click('#language');
    expect(await text('.top__title')).toBe(en.appTitle);
    // The page asks for a session before the login, and is told 401 once.
    expect(errors.filter((e) => !e.includes('401'))).toEqual([]);
  });
});
