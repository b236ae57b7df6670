/**
 * The pilot's console in a real Chromium against the real service and one simulated ArduCopter
 * (MAVLink over loopback UDP, 4× time): take control, read the preflight checklist item by item,
 * launch a patrol with confirmation, watch it fly its route, pause, resume and recall it, each
 * command confirmed and its outcome shown as the service reports it. A second pilot sees who
 * holds the drone and gets no controls.
 */

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView, VehicleView } from '../../server/wire/types.ts';
import { strings } from '../../web/src/i18n.ts';
import { patrolRig } from '../patrols/rig.ts';
import { assertFreshBuild, fill, launchBrowser, logIn, openPage, POLL, screenshot, text, unexpected, WEB_DIR } from './browser.ts';

const en = strings.en;
const zh = strings['zh-CN'];
const FLIGHT = { timeout: 90_000, interval: 300 };

type Rig = Awaited<ReturnType<typeof patrolRig>>;

describe('pilot console (English)', () => {
  let rig: Rig;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let runId: number;

  const runs = async () => (await rig.t.api('GET', '/api/runs', rig.pilot)).body as RunView[];
  const panelField = (field: string) => text(page, `#panel [data-field="${field}"]`);
  /** Clicks a flight command, checks the dialog names the drone and the action, and answers it. */
  async function command(action: string, confirmText: string, answer: 'yes' | 'cancel'): Promise<void> {
    await page.click(`#panel .command[data-action="${action}"]`);
    await page.waitForSelector('#confirm[open]');
    expect(await text(page, '#confirm .confirm__yes')).toBe(confirmText);
    expect(await text(page, '#confirm .confirm__message')).toContain('Drone 1');
    await page.click(answer === 'yes' ? '#confirm .confirm__yes' : '#confirm .confirm__no');
  }

  beforeAll(async () => {
    assertFreshBuild();
    rig = await patrolRig({ webDir: WEB_DIR });
    browser = await launchBrowser();
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1600, height: 900 } });
    ({ page, errors } = await openPage(context, rig.t.base));
  });

  afterAll(async () => {
    await browser?.close();
    await rig?.close();
  });

  it('logs a pilot in and shows the fleet, with the drone free to take', async () => {
    await logIn(page, 'pilot1', 'pilot1-password');
    await expect.poll(() => page.getAttribute('#connection', 'data-state'), POLL).toBe('connected');
    expect(await text(page, '#role')).toBe(en.rolePilot);
    await expect.poll(() => page.isVisible('.drone[data-drone-id="sim-1"]'), POLL).toBe(true);
    await page.click('.row[data-drone-id="sim-1"]');
    await expect.poll(() => text(page, '#panel .console__holder'), POLL).toBe(en.controlFree);
    expect(await page.isVisible('#panel .console__take')).toBe(true);
    expect(await page.isVisible('#panel .console__not-in-command')).toBe(true);
    // No flight controls before the pilot holds the drone.
    expect(await page.isVisible('#panel .console-launch')).toBe(false);
    expect(await page.isVisible('#panel .console-commands')).toBe(false);
  });

  it('takes control, and shows the preflight checklist item by item until every check passes', async () => {
    await page.click('#panel .console__take');
    await expect.poll(() => text(page, '#panel .console__holder'), POLL).toBe(en.controlMine);
    expect((await rig.t.api('GET', '/api/control', rig.pilot)).body).toEqual({ 'sim-1': 'pilot1' });
    await expect.poll(() => page.isVisible('#panel .console-launch'), POLL).toBe(true);
    expect(await page.isDisabled('#panel .launch__go')).toBe(true);

    await expect.poll(() => page.$$eval('#panel .launch__route option', (os) => os.map((o) => (o as HTMLOptionElement).value)), POLL).toContain('short');
    // A route with errors (over the 120 m ceiling) cannot even be picked.
    expect(await page.$eval('#panel .launch__route option[value="high"]', (o) => (o as HTMLOptionElement).disabled)).toBe(true);
    await page.selectOption('#panel .launch__route', 'short');
    // No GPS fix: the check fails, cannot be overridden, and the launch stays locked.
    rig.drone.loseGps();
    const gps = '#panel .checklist__item[data-check="gps"]';
    await expect.poll(async () => {
      await page.click('#panel .launch__check');
      await page.waitForTimeout(300);
      return page.getAttribute(gps, 'data-pass');
    }, POLL).toBe('false');
    expect(await text(page, `${gps} .checklist__blocks`)).toBe(en.blocksLaunch);
    expect(await page.$(`${gps} .checklist__override`)).toBeNull();
    expect(await page.isDisabled('#panel .launch__go')).toBe(true);
    rig.drone.restoreGps();
    await page.selectOption('#panel .launch__route', '');
    await page.selectOption('#panel .launch__route', 'short');
    // Picked afresh: the old checks no longer count.
    expect(await page.$$eval('#panel .checklist__item', (items) => items.length)).toBe(0);
    // The picked route is drawn on the map before launch.
    await expect.poll(() => page.$$eval('path.route-preview__path', (p) => p.length), POLL).toBe(1);

    // The simulated EKF needs a few seconds for its position: check again until all pass.
    await expect.poll(async () => {
      await page.click('#panel .launch__check');
      await page.waitForTimeout(400);
      return page.$$eval('#panel .checklist__item', (items) => items.map((i) => (i as HTMLElement).dataset.pass));
    }, { timeout: 30_000, interval: 500 }).toSatisfy((passes: string[]) => passes.length > 5 && passes.every((p) => p === 'true'));
    const items = await page.$$eval('#panel .checklist__item', (els) =>
      els.map((el) => ({
        id: (el as HTMLElement).dataset.check,
        name: el.querySelector('.checklist__name')!.textContent,
        value: el.querySelector('.checklist__value')!.textContent,
      })));
    // Each check of the service, named and with what it measured.
    const served = await rig.preflight();
    expect(items.map((i) => i.id)).toEqual(served.map((i) => i.id));
    // What it measured, in the page's words (the service's English names the fix as the autopilot does: 3D_FIX).
    expect(served.find((i) => i.id === 'gps')!.value).toMatch(/^3D_FIX, \d+ satellites \(need 6\)$/);
    expect(items.find((i) => i.id === 'gps')).toMatchObject({ name: en.check_gps, value: expect.stringMatching(/^3D fix, \d+ satellites \(need 6\)$/) });
    expect(await page.isDisabled('#panel .launch__go')).toBe(false);
    await screenshot(page, 'pilot-preflight-en');
    // The console is drawn again for every telemetry update: the route menu keeps the keyboard's
    // focus (the same element, its choice kept) meanwhile.
    await page.focus('#panel .launch__route');
    await page.$eval('#panel .launch__route', (el) => Object.assign(el, { focusedHere: true }));
    const heard = await panelField('lastHeard');
    await expect.poll(() => panelField('lastHeard'), POLL).not.toBe(heard);
    expect(await page.evaluate(() => (document.activeElement as { focusedHere?: boolean } | null)?.focusedHere ?? false)).toBe(true);
    expect(await page.$eval('#panel .launch__route', (s) => (s as HTMLSelectElement).value)).toBe('short');
  });

  it('sends nothing when the pilot cancels the launch confirmation', async () => {
    await page.click('#panel .launch__go');
    await page.waitForSelector('#confirm[open]');
    expect(await text(page, '#confirm .confirm__message')).toBe(fill(en.confirmLaunch, { drone: 'Drone 1', route: 'Test loop' }));
    await page.click('#confirm .confirm__no');
    await expect.poll(() => page.getAttribute('#panel .console__outcome', 'data-outcome'), POLL).toBe('cancelled');
    expect(await runs()).toEqual([]);
  });

  it('launches the patrol once confirmed, and shows it flying its route', async () => {
    await page.click('#panel .launch__go');
    await page.waitForSelector('#confirm[open]');
    await page.click('#confirm .confirm__yes');
    await expect.poll(() => page.getAttribute('#panel .console__outcome', 'data-outcome'), POLL).toBe('accepted');
    const [run] = await runs();
    runId = run!.id;
    expect(await text(page, '#panel .console__outcome')).toBe(fill(en.launchAccepted, { drone: 'Drone 1', run: runId }));

    await expect.poll(() => panelField('runState'), FLIGHT).toBe(en.run_flying);
    expect(await panelField('runRoute')).toBe('Test loop');
    // Flying the second item: the map shows the legs flown, the leg being flown and those ahead.
    await rig.until(runId, 'on its way to the second waypoint', (r) => (r.leg?.seq ?? 0) >= 2, 60_000);
    await expect.poll(() => panelField('runLeg'), POLL).toMatch(/^[2-4] \/ 4$/);
    await expect.poll(() => panelField('runLeft'), POLL).toMatch(/^\d+ m$/);
    await expect.poll(() => page.$$eval('path.run-route--current', (p) => p.filter((x) => (x.getAttribute('d') ?? '').length > 5).length), POLL).toBe(1);
    expect(await page.$$eval('path.run-route--flown', (p) => p.length)).toBe(1);
    expect(await page.$$eval('path.run-route--ahead', (p) => p.length)).toBe(1);
    // The marker flies with the drone.
    const before = await page.getAttribute('.drone[data-drone-id="sim-1"]', 'data-lat');
    await expect.poll(() => page.getAttribute('.drone[data-drone-id="sim-1"]', 'data-lat'), POLL).not.toBe(before);
    await screenshot(page, 'pilot-flying-en');
  });

  it('does not land the drone when the pilot cancels the landing', async () => {
    await command('land', fill(en.doLand, { drone: 'Drone 1' }), 'cancel');
    await expect.poll(() => text(page, '#panel .console__outcome'), POLL).toBe(fill(en.commandNotSent, { action: en.actLand }));
    expect((await rig.run(runId)).events.filter((e) => e.kind === 'command')).toEqual([]);
    expect(rig.drone.status().mode).toBe('AUTO');
  });

  it('keeps the commands disabled while one is on its way, through every redraw, and frees them the moment it is answered', async () => {
    // The answer is held back (the service's answer itself is untouched): meanwhile telemetry keeps
    // redrawing the panel, as it does in flight.
    let release!: () => void;
    const answerHeld = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/vehicles/*/command', async (route) => {
      await answerHeld;
      await route.continue();
    });
    // Every state of the panel a person could have seen: read after each change of its DOM.
    await page.evaluate(() => {
      const seen: Array<{ outcome: string | null; disabled: boolean[] }> = [];
      Object.assign(window, { seenStates: seen });
      const panel = document.getElementById('panel')!;
      new MutationObserver(() => {
        const outcome = panel.querySelector<HTMLElement>('.console__outcome')!;
        const buttons = [...panel.querySelectorAll<HTMLButtonElement>('.command')].filter((b) => !b.hidden);
        seen.push({ outcome: outcome.hidden ? null : outcome.dataset.outcome ?? null, disabled: buttons.map((b) => b.disabled) });
      }).observe(panel, { subtree: true, childList: true, attributes: true, characterData: true });
    });
    const seen = () => page.evaluate(() => (window as unknown as { seenStates: Array<{ outcome: string | null; disabled: boolean[] }> }).seenStates);

    await command('pause', fill(en.doPause, { drone: 'Drone 1' }), 'yes');
    await expect.poll(() => page.getAttribute('#panel .console__outcome', 'data-outcome'), POLL).toBe('pending');
    const altitude = await panelField('altRel');
    const heard = await panelField('lastHeard');
    await expect.poll(async () => [await panelField('altRel'), await panelField('lastHeard')], POLL).not.toEqual([altitude, heard]);
    const pending = (await seen()).filter((s) => s.outcome === 'pending');
    expect(pending.length).toBeGreaterThan(2);
    for (const state of pending) expect(state.disabled.every(Boolean), JSON.stringify(state)).toBe(true);
    expect(await page.isDisabled('#panel .command[data-action="rtl"]')).toBe(true);

    release();
    await expect.poll(() => text(page, '#panel .console__outcome'), POLL).toBe(fill(en.outcomeAccepted, { action: en.actPause, drone: 'Drone 1' }));
    await page.unroute('**/api/vehicles/*/command');
    // Never "accepted" with the buttons still waiting (the drone is armed, its link up).
    const answered = (await seen()).filter((s) => s.outcome === 'accepted');
    expect(answered.length).toBeGreaterThan(0);
    for (const state of answered) expect(state.disabled.some(Boolean), JSON.stringify(state)).toBe(false);
  });

  it('pauses, resumes and recalls the patrol, each confirmed, each outcome as the service reports it', async () => {
    await expect.poll(() => text(page, '#panel .console__outcome'), POLL).toBe(fill(en.outcomeAccepted, { action: en.actPause, drone: 'Drone 1' }));
    expect(rig.drone.status().mode).toBe('BRAKE');
    await expect.poll(() => panelField('runState'), POLL).toBe(en.run_paused);
    await screenshot(page, 'pilot-paused-en');
    // The outcome is said again in the other language, drone and action included.
    await page.click('#language');
    expect(await text(page, '#panel .console__outcome')).toBe(fill(zh.outcomeAccepted, { action: zh.actPause, drone: 'Drone 1' }));
    await page.click('#language');
    expect(await text(page, '#panel .console__outcome')).toBe(fill(en.outcomeAccepted, { action: en.actPause, drone: 'Drone 1' }));

    // Out of radio range: the command goes unanswered, and the pilot is told so, not left guessing.
    rig.drone.dropLink();
    await command('resume', fill(en.doResume, { drone: 'Drone 1' }), 'yes');
    await expect.poll(() => page.getAttribute('#panel .console__outcome', 'data-outcome'), POLL).toBe('timeout');
    expect(await text(page, '#panel .console__outcome')).toMatch(/^Resume: NO ANSWER from Drone 1 — \w+: no answer from sim-1 after 5 attempts/);
    expect(rig.drone.status().mode).toBe('BRAKE');
    await screenshot(page, 'pilot-no-answer-en');
    rig.drone.restoreLink();
    await expect.poll(() => page.isEnabled('#panel .command[data-action="resume"]'), POLL).toBe(true);

    await command('resume', fill(en.doResume, { drone: 'Drone 1' }), 'yes');
    await expect.poll(() => text(page, '#panel .console__outcome'), POLL).toBe(fill(en.outcomeAccepted, { action: en.actResume, drone: 'Drone 1' }));
    await expect.poll(() => panelField('runState'), POLL).toBe(en.run_flying);
    expect(rig.drone.status().mode).toBe('AUTO');

    await command('rtl', fill(en.doRtl, { drone: 'Drone 1' }), 'yes');
    await expect.poll(() => text(page, '#panel .console__outcome'), POLL).toBe(fill(en.outcomeAccepted, { action: en.actRtl, drone: 'Drone 1' }));
    expect(rig.drone.status().mode).toBe('RTL');
    await expect.poll(() => panelField('runState'), POLL).toBe(en.run_returning);

    await rig.until(runId, 'landed', (r) => r.state === 'landed', 120_000);
    await expect.poll(() => panelField('runState'), POLL).toBe(en.run_landed);
    expect(await panelField('runResult')).toMatch(/^returned early/);
    // Exactly the commands the pilot confirmed were sent, each with its outcome.
    const sent = (await rig.run(runId)).events.filter((e) => e.kind === 'command').map((e) => e.message.replace(/ \(.*$/, ''));
    expect(sent).toEqual(['pause: accepted', 'resume: timeout', 'resume: accepted', 'rtl: accepted']);
    await screenshot(page, 'pilot-landed-en');
  });

  it('shows a second pilot who holds the drone, with no controls for them', async () => {
    await rig.t.user('pilot2', ['pilot']);
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1400, height: 850 } });
    const other = await openPage(context, rig.t.base);
    await logIn(other.page, 'pilot2', 'pilot2-password');
    await other.page.click('.row[data-drone-id="sim-1"]');
    const vehicle = (await rig.t.api('GET', '/api/vehicles/sim-1', rig.pilot)).body as VehicleView;
    await expect.poll(() => text(other.page, '#panel .console__holder'), POLL).toBe(fill(en.controlHeldBy, { pilot: 'pilot1', drone: vehicle.callsign }));
    for (const control of ['.console__take', '.console__release', '.console-launch', '.console-commands', '.console__not-in-command']) {
      expect(await other.page.isVisible(`#panel ${control}`), control).toBe(false);
    }
    await screenshot(other.page, 'pilot-other-pilot-en');
    expect(unexpected(other.errors)).toEqual([]);
    await context.close();
  });

  it('releases control', async () => {
    await page.click('#panel .console__release');
    await expect.poll(() => text(page, '#panel .console__holder'), POLL).toBe(en.controlFree);
    expect((await rig.t.api('GET', '/api/control', rig.pilot)).body).toEqual({});
    // The one failed request is the unanswered command above (502, as the service reports it).
    expect(unexpected(errors, [502])).toEqual([]);
  });
});
