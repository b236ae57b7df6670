/**
 * Scheduled patrols in the pilot's browser, and the service saying it stops: a real Chromium
 * against the real service and one simulated ArduCopter (MAVLink over loopback UDP). Routes with
 * schedules a few minutes ahead are written into the missions folder; the pilot sees them before
 * their time, opens the launch form from one and still goes through the checks and confirmation.
 */

import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuePatrol, RunView } from '../../server/wire/types.ts';
import { strings } from '../../web/src/i18n.ts';
import { waitFor } from '../helpers/wait.ts';
import { patrolRig, shortPlan } from '../patrols/rig.ts';
import { assertFreshBuild, englishLeft, fill, launchBrowser, logIn, openPage, POLL, screenshot, text, unexpected, WEB_DIR } from './browser.ts';

const { en, 'zh-CN': zh } = strings;
/** a time of day, minutes from now, as a schedule writes it */
const timeOfDay = (minutesFromNow: number) => {
  const d = new Date(Date.now() + minutesFromNow * 60_000);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
};

type Rig = Awaited<ReturnType<typeof patrolRig>>;

describe('due patrols for pilots, and the service stopping (English)', () => {
  let rig: Rig;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  /** when the evening patrol is due, a few minutes after the test starts */
  let evening: string;
  const row = (routeId: string) => `.due-item[data-route-id="${routeId}"]`;
  const runs = async () => (await rig.t.api('GET', '/api/runs', rig.pilot)).body as RunView[];
  const due = async () => (await rig.t.api('GET', '/api/patrols/due', rig.pilot)).body as DuePatrol[];

  beforeAll(async () => {
    assertFreshBuild();
    // sim-1 stands in a dock and may launch by itself; the pilot holds it, so that launch is refused.
    rig = await patrolRig({ webDir: WEB_DIR, scheduler: { autoLaunch: ['sim-1'] } });
    expect((await rig.take()).status).toBe(200);
    evening = timeOfDay(4);
    const plans: Array<[string, Record<string, unknown>]> = [
      ['evening', { schedule: `nightly ${evening}`, defaultDrone: 'Drone 1', nameEn: 'Evening market', nameZh: '夜市巡逻' }],
      ['dock', { schedule: timeOfDay(0), defaultDrone: 'sim-1', nameEn: 'Dock sweep', nameZh: '机库巡查' }],
      ['north', { schedule: timeOfDay(6), defaultDrone: 'Drone 7', nameEn: 'North gate', nameZh: '北门' }],
    ];
    for (const [id, skybeat] of plans) fs.writeFileSync(path.join(rig.missionsDir, `${id}.plan`), JSON.stringify(shortPlan(20, skybeat)));
    await waitFor('routes read', () => plans.every(([id]) => rig.t.svc.routes.get(id)), 5000);
    rig.t.svc.scheduler.tick();
    browser = await launchBrowser();
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1600, height: 900 } });
    ({ page, errors } = await openPage(context, rig.t.base));
  });

  afterAll(async () => {
    await browser?.close();
    await rig?.close();
  });

  it('shows the patrols due before their time: route, time, drone and whether it is connected, and why one did not launch by itself', async () => {
    await logIn(page, 'pilot1', 'pilot1-password');
    await expect.poll(() => page.$$eval('.due-item', (items) => items.map((i) => (i as HTMLElement).dataset.routeId)), POLL).toEqual([
      'dock',
      'evening',
      'north',
    ]);
    const listed = await due();
    const eveningDue = listed.find((d) => d.routeId === 'evening')!;
    // Ahead of its time.
    expect(eveningDue.dueAt).toBeGreaterThan(Date.now());

    expect(await text(page, `${row('evening')} .due-item__time`)).toBe(evening);
    expect(await text(page, `${row('evening')} .due-item__name`)).toBe('Evening market');
    expect(await text(page, `${row('evening')} .due-item__when`)).toMatch(/^in [2-4] min$/);
    expect(await text(page, `${row('evening')} .due-item__drone`)).toBe(fill(en.dueDroneConnected, { drone: 'Drone 1' }));
    expect(await page.isEnabled(`${row('evening')} .due-item__launch`)).toBe(true);

    const dockProblem = listed.find((d) => d.routeId === 'dock')!.autoLaunchProblem!;
    expect(dockProblem).toMatch(/pilot1/);
    expect(await page.getAttribute(row('dock'), 'class')).toContain('due-item--problem');
    expect(await text(page, `${row('dock')} .due-item__problem`)).toBe(fill(en.dueAutoProblem, { reason: dockProblem }));

    expect(await text(page, `${row('north')} .due-item__drone`)).toBe(fill(en.dueDroneOffline, { drone: 'Drone 7' }));
    expect(await page.isDisabled(`${row('north')} .due-item__launch`)).toBe(true);

    // Counted where the pilot looks first, on whichever tab.
    expect(await text(page, '.due__count')).toBe('3');
    expect(await text(page, '#drones-badge')).toBe('3');
    await screenshot(page, 'due-patrols-en');
  });

  it("opens the launch form of its drone with the route picked; it launches only after the checks and the pilot's confirmation", async () => {
    await page.click(`${row('evening')} .due-item__launch`);
    await expect.poll(() => page.isVisible('#panel .console-launch'), POLL).toBe(true);
    expect(await page.$eval('#panel .launch__route', (s) => (s as HTMLSelectElement).value)).toBe('evening');
    await expect.poll(() => page.$$eval('path.route-preview__path', (p) => p.length), POLL).toBe(1);
    // Nothing sent: no checks shown yet, launch locked, no run.
    expect(await page.$$eval('#panel .checklist__item', (items) => items.length)).toBe(0);
    expect(await page.isDisabled('#panel .launch__go')).toBe(true);
    expect(await runs()).toEqual([]);

    await expect.poll(async () => {
      await page.click('#panel .launch__check');
      await page.waitForTimeout(400);
      return page.$$eval('#panel .checklist__item', (items) => items.map((i) => (i as HTMLElement).dataset.pass));
    }, { timeout: 30_000, interval: 500 }).toSatisfy((passes: string[]) => passes.length > 5 && passes.every((p) => p === 'true'));
    await screenshot(page, 'due-launch-form-en');

    await page.click('#panel .launch__go');
    await page.waitForSelector('#confirm[open]');
    expect(await text(page, '#confirm .confirm__message')).toBe(fill(en.confirmLaunch, { drone: 'Drone 1', route: 'Evening market' }));
    await page.click('#confirm .confirm__yes');
    await expect.poll(() => page.getAttribute('#panel .console__outcome', 'data-outcome'), POLL).toBe('accepted');
    const [run] = await runs();
    expect(run).toMatchObject({ routeId: 'evening', vehicleId: 'sim-1', pilot: 'pilot1' });

    // The list shows it flying, and no longer offers to launch it.
    await expect.poll(() => text(page, `${row('evening')} .due-item__status`), POLL).toBe(fill(en.dueLaunched, { run: run!.id }));
    expect(await page.$(`${row('evening')} .due-item__launch`)).toBeNull();
    expect(await text(page, '#drones-badge')).toBe('2');
    expect(unexpected(errors)).toEqual([]);
  });

  it('says plainly, in English and Chinese, that the service is stopping and why', async () => {
    expect(await page.isVisible('#shutdown')).toBe(false);
    // As systemd or docker stop would: the signal name is said in words in each language.
    await rig.t.svc.close('SIGTERM');
    await expect.poll(() => page.isVisible('#shutdown'), POLL).toBe(true);
    expect(await text(page, '#shutdown')).toBe(fill(en.serviceStopping, { reason: fill(en.stopSignal, { signal: 'SIGTERM' }) }));
    await expect.poll(() => page.getAttribute('#connection', 'data-state'), POLL).toBe('reconnecting');
    await page.click('#language');
    expect(await text(page, '#shutdown')).toBe(fill(zh.serviceStopping, { reason: fill(zh.stopSignal, { signal: 'SIGTERM' }) }));
    // Every word of the page is said again, the launch's outcome included; the autopilot's and
    // the service's own words (modes, messages, run events, why a patrol did not launch) stay theirs.
    const theirs = ['[data-field="mode"]', '[data-field="vehicleType"]', '[data-field="linkUri"]', '.messages__text', '.run-events__text', '.row__mode'];
    const problem = await text(page, `${row('dock')} .due-item__problem`);
    const lead = fill(zh.dueAutoProblem, { reason: '' });
    expect(problem.startsWith(lead)).toBe(true);
    // 'Wenling': the station the patrol's route names, shown in the drone list as the route writes it.
    const data = ['Drone 1', 'Drone 7', 'pilot1', 'SIGTERM', 'English', 'Wenling', problem.slice(lead.length)];
    for (const part of ['.top', '#shutdown', '#sidebar', '#panel']) expect(await englishLeft(page, part, { skip: theirs, data }), part).toEqual([]);
    await screenshot(page, 'shutdown-banner-zh');
  });
});
