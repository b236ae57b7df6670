/**
 * The command room's dispatch desk in a real Chromium (Chinese), against the real service
 * (issue 14, items 1, 2 and 4): incidents and aircraft alerts in two tabs whose counts agree with
 * the header's and the sidebar tab's; an incident card with its number, age and state clocks; the
 * next wave alerted from the card; red and one ring when nobody accepted in time (the page's clock
 * moved by Playwright, not waited for); the officer list sorted by ETA with duty and phone; cleared
 * aircraft alerts grouped per drone and acknowledged in one request.
 */

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stationDay } from '../../server/alerts/incident-number.ts';
import type { GroundAlertView } from '../../server/wire/types.ts';
import { strings } from '../../web/src/i18n.ts';
import { raiseAlert, type LevelRuleName } from '../helpers/aircraft-alerts.ts';
import { at, officerPhone, SCENE } from '../helpers/officers.ts';
import { ADMIN_PASSWORD, testService } from '../helpers/service.ts';
import { waitFor } from '../helpers/wait.ts';
import { assertFreshBuild, englishLeft, fill, launchBrowser, logIn, openPage, POLL, screenshot, text, unexpected, WEB_DIR } from './browser.ts';

const zh = strings['zh-CN'];
type TestService = Awaited<ReturnType<typeof testService>>;

describe('dispatch desk (Chinese)', () => {
  let t: TestService;
  let room: string;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let incident: GroundAlertView;
  const aircraftIds: Record<string, number> = {};
  const card = () => `.ground-card[data-alert-id="${incident.id}"]`;
  const rings = () => page.evaluate(() => (window as unknown as { tonesStarted: number }).tonesStarted / 2);

  /** Every count on screen: the header's two, the sidebar tab's two, the desk tabs' two, and what the lists hold. */
  const counts = () =>
    page.evaluate(() => {
      const n = (selector: string) => {
        const el = document.querySelector<HTMLElement>(selector);
        return el === null || el.hidden ? 0 : Number(el.textContent!.match(/\d+/)![0]);
      };
      return {
        header: [n('#desk-counts [data-count="incidents"]'), n('#desk-counts [data-count="aircraft"]')],
        sidebar: [n('#alerts-badges [data-count="incidents"]'), n('#alerts-badges [data-count="aircraft"]')],
        desk: [n('.desk-tab[data-desk="incidents"] [data-count]'), n('.desk-tab[data-desk="aircraft"] [data-count]')],
        lists: [
          document.querySelectorAll('.ground-card[data-state="open"], .ground-card[data-state="dispatched"]').length,
          [...document.querySelectorAll('.aircraft-alert')].filter((c) => !c.querySelector('.alert-card__ack')).length,
        ],
      };
    });
  const countsAre = async (incidents: number, aircraft: number) => {
    await expect.poll(counts, POLL).toEqual({
      header: [incidents, aircraft],
      sidebar: [incidents, aircraft],
      desk: [incidents, aircraft],
      lists: [incidents, aircraft],
    });
  };

  beforeAll(async () => {
    assertFreshBuild();
    t = await testService({
      sim: 0,
      webDir: WEB_DIR,
      station: { ...SCENE, radiusKm: 30 },
      incidentNumbers: { code: 'HF', timeZone: 'Asia/Shanghai' },
      dispatch: { waveSize: 1, escalateAfterMs: 60_000, phoneOfflineGraceMs: 3_600_000 },
    });
    room = await t.user('room', ['command']);
    // chen 100 m and zhao 2 km report through the REST API (reachable, no phone connected); wang
    // 600 m has his phone page open; li never came on duty.
    for (const [name, metres] of [['chen', 100], ['zhao', 2000]] as const) {
      const token = await t.user(name, ['officer']);
      expect((await t.api('POST', '/api/officer/duty', token, { onDuty: true })).status).toBe(200);
      expect((await t.api('POST', '/api/officer/location', token, { ...at(metres), accuracyM: 5 })).status).toBe(200);
    }
    await officerPhone(t, 'wang', 600);
    await t.user('li', ['officer']);
    // li works for another station (wl): the desk offers every station's officers, each shown with theirs
    expect((await t.api('PATCH', '/api/users/li', await t.login('admin', ADMIN_PASSWORD), { scope: 'wl' })).status).toBe(200);
    // Aircraft alerts as the monitor leaves them: drone sim-1's failsafe still holds, three of its
    // alerts are over; sim-2's link came back. Five want acknowledging, four of them are over.
    // One after another, as a drone's conditions come (the desk puts the newest of a kind first).
    const raise = async (vehicle: string, rule: LevelRuleName, cleared: boolean) => {
      const before = Date.now();
      await waitFor('the next millisecond', () => Date.now() > before, 1000, 1);
      aircraftIds[`${vehicle}/${rule}`] = raiseAlert(t.svc.aircraft, vehicle, rule, cleared);
    };
    await raise('sim-1', 'battery_low', true);
    await raise('sim-1', 'failsafe', false);
    await raise('sim-1', 'battery_critical', true);
    await raise('sim-1', 'gps_degraded', true);
    await raise('sim-2', 'link_lost', true);

    browser = await launchBrowser();
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1600, height: 900 } });
    // Count the bell's tones (two per ring) where the page makes them.
    await context.addInitScript(() => {
      const w = window as unknown as { tonesStarted: number };
      w.tonesStarted = 0;
      const start = OscillatorNode.prototype.start;
      OscillatorNode.prototype.start = function(...args: Parameters<typeof start>) {
        w.tonesStarted++;
        return start.apply(this, args);
      };
    });
    // The page's clock, to move it past an incident's time without waiting for it.
    await context.clock.install();
    ({ page, errors } = await openPage(context, t.base));
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('raises an incident that is named by its own number on its card, with its age and time in state, and every count agrees', async () => {
    await logIn(page, 'room', 'room-password');
    await expect.poll(() => text(page, '#connection'), POLL).toBe(zh.connConnected);
    await page.click('[data-tab="alerts"]');
    await countsAre(0, 5);
    incident = (await t.api('POST', '/api/alerts', room, { category: 'fight', priority: 1, ...SCENE, note: '夜市门口有人打架' })).body as GroundAlertView;
    const day = stationDay(Date.now(), 'Asia/Shanghai');
    expect(incident.number).toBe(`HF-${day}-001`);
    await expect.poll(() => page.isVisible(card()), POLL).toBe(true);
    expect(await text(page, `${card()} .ground-card__number`)).toBe(`HF-${day}-001`);
    expect(await page.getAttribute(card(), 'data-state')).toBe('dispatched');
    expect(await text(page, `${card()} .ground-card__in-state`)).toMatch(new RegExp(`^${zh.ground_dispatched} 0:\\d\\d$`));
    expect(await text(page, `${card()} .ground-card__age`)).toMatch(/^已发生 0:\d\d$/);
    await countsAre(1, 5);
    expect(await text(page, '#desk-counts [data-count="incidents"]')).toBe(fill(zh.countIncidents, { n: 1 }));
  });

  it('alerts the next wave from the card, at once', async () => {
    expect(incident.dispatch.map((d) => d.officer)).toEqual(['chen']);
    await page.click(`${card()} .ground-card__next-wave`);
    await expect.poll(() => page.$$eval(`${card()} .dispatch__row`, (rows) => rows.map((r) => (r as HTMLElement).dataset.officer)), POLL).toEqual([
      'chen',
      'wang',
    ]);
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const audit = (await t.api('GET', '/api/audit?action=alert.next_wave', admin)).body as { user: string; result: string; detail: { number: string } }[];
    expect(audit.map((e) => [e.user, e.result, e.detail.number])).toEqual([['room', 'ok', incident.number]]);
    // Nobody left who is on duty and free but zhao: one more wave, then the desk says none is left, in Chinese.
    await page.click(`${card()} .ground-card__next-wave`);
    await expect.poll(() => page.$$eval(`${card()} .dispatch__row`, (rows) => rows.length), POLL).toBe(3);
    await page.click(`${card()} .ground-card__next-wave`);
    await expect.poll(() => page.textContent('#notices'), POLL).toContain(fill(zh.refusedWaveNobodyLeft, { number: incident.number }));
    incident = (await t.api('GET', `/api/alerts/${incident.id}`, room)).body as GroundAlertView;
  });

  it('turns red and rings once when nobody has accepted it in time', async () => {
    expect(await page.getAttribute(card(), 'data-overdue')).toBe('false');
    const background = () => page.$eval(card(), (el) => getComputedStyle(el).backgroundColor);
    const calm = await background();
    const ringsBefore = await rings();
    // The page's clock jumps to a second past the incident's time (the service's own clock is not moved).
    await page.clock.setSystemTime(incident.overdueAt! + 1000);
    await expect.poll(() => page.getAttribute(card(), 'data-overdue'), POLL).toBe('true');
    // The header says so too, whatever tab is open.
    expect(await page.getAttribute('#desk-counts [data-count="incidents"]', 'data-overdue')).toBe('true');
    expect(await text(page, `${card()} .ground-card__overdue`)).toBe(zh.incidentOverdue);
    expect(await background()).not.toBe(calm);
    await expect.poll(rings, POLL).toBe(ringsBefore + 1);
    await screenshot(page, 'dispatch-desk-overdue-zh');
    await page.clock.setSystemTime(incident.overdueAt! + 20_000);
    // A ring that was to come again would come within the next tick or two.
    await page.waitForTimeout(2500);
    expect(await rings()).toBe(ringsBefore + 1);
    // The page's clock goes back with the service's, for what follows.
    await page.clock.setSystemTime(Date.now());
  });

  it('lists every officer by ETA with duty and phone, and gives the job to the one chosen', async () => {
    await page.click(`${card()} .ground-card__assign`);
    await expect.poll(() => page.$$eval(`${card()} .assign__officer`, (rows) => rows.map((r) => (r as HTMLElement).dataset.officer)), POLL)
      .toEqual(['chen', 'wang', 'zhao', 'li']);
    const row = (name: string) => text(page, `${card()} .assign__officer[data-officer="${name}"] .assign__state`);
    expect(await row('wang')).toBe([zh.candOnDuty, zh.candPhoneOnline, zh.candAlerted].join(' · '));
    expect(await row('chen')).toBe([zh.candOnDuty, zh.phoneOffline, zh.candAlerted].join(' · '));
    expect(await row('li')).toBe([zh.candOffDuty, zh.phoneOffline].join(' · '));
    expect(await text(page, `${card()} .assign__officer[data-officer="li"] .assign__where`)).toBe(zh.noLocation);
    expect(await text(page, `${card()} .assign__officer[data-officer="chen"] .assign__where`)).toMatch(/^\d+ m · /);
    expect(await text(page, `${card()} .assign__officer[data-officer="li"] .assign__station`)).toBe(zh.officerStation.replace('{station}', 'wl'));
    expect(await page.$$(`${card()} .assign__officer[data-officer="chen"] .assign__station`)).toHaveLength(0);
    await screenshot(page, 'dispatch-desk-assign-zh');
    // The open list follows the officers: zhao walks to 50 m from the scene and comes first.
    const zhao = await t.login('zhao', 'zhao-password');
    expect((await t.api('POST', '/api/officer/location', zhao, { ...at(50), accuracyM: 5 })).status).toBe(200);
    await expect.poll(() => page.$$eval(`${card()} .assign__officer`, (rows) => rows.map((r) => (r as HTMLElement).dataset.officer)), POLL)
      .toEqual(['zhao', 'chen', 'wang', 'li']);
    expect(
      await englishLeft(page, '#alerts-panel', {
        skip: ['.alert-card__message'],
        data: ['chen', 'wang', 'zhao', 'li', 'room', 'sim-1', 'sim-2', 'wl', incident.number],
      }),
    ).toEqual([]);
    await page.click(`${card()} .assign__officer[data-officer="li"] .assign__pick`);
    await expect.poll(() => page.isVisible(`${card()} .assign`), POLL).toBe(false);
    const after = (await t.api('GET', `/api/alerts/${incident.id}`, room)).body as GroundAlertView;
    expect(after.dispatch.find((d) => d.officer === 'li')).toMatchObject({ withdrawn: null });
    expect(after.dispatch.filter((d) => d.officer !== 'li').every((d) => d.withdrawn?.to === 'li')).toBe(true);
    expect(await page.getAttribute(card(), 'data-overdue')).toBe('false');
    expect(await page.getAttribute('#desk-counts [data-count="incidents"]', 'data-overdue')).toBe('false');
    expect(await text(page, `${card()} .ground-card__assign`)).toBe(zh.reassignOfficer);
  });

  it("groups aircraft alerts per drone, worst first, and acknowledges a drone's cleared ones in one request; the counts follow", async () => {
    await page.click('#desk-counts [data-count="aircraft"]');
    await expect.poll(() => page.isVisible('[data-desk-pane="aircraft"]'), POLL).toBe(true);
    expect(await page.isVisible('[data-desk-pane="incidents"]')).toBe(false);
    expect(await page.$$eval('.drone-alerts', (g) => g.map((e) => (e as HTMLElement).dataset.vehicleId))).toEqual(['sim-1', 'sim-2']);
    const order = await page.$$eval('.drone-alerts[data-vehicle-id="sim-1"] .aircraft-alert', (c) => c.map((e) => Number((e as HTMLElement).dataset.alertId)));
    expect(order).toEqual(['failsafe', 'battery_critical', 'gps_degraded', 'battery_low'].map((r) => aircraftIds[`sim-1/${r}`]));
    expect(await text(page, '.drone-alerts[data-vehicle-id="sim-1"] .drone-alerts__ack-cleared')).toBe(fill(zh.ackClearedDrone, { n: 3 }));
    await screenshot(page, 'dispatch-desk-aircraft-zh');

    const acks: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/aircraft-alerts/')) acks.push(`${r.method()} ${new URL(r.url()).pathname} ${r.postData() ?? ''}`);
    });
    await page.click('.drone-alerts[data-vehicle-id="sim-1"] .drone-alerts__ack-cleared');
    // The cleared ones are over and acknowledged: they leave; the failsafe still holds and stays.
    await expect.poll(() => page.$$eval('.drone-alerts[data-vehicle-id="sim-1"] .aircraft-alert', (c) => c.length), POLL).toBe(1);
    const cleared = ['battery_critical', 'gps_degraded', 'battery_low'].map((r) => aircraftIds[`sim-1/${r}`]!);
    expect(acks).toEqual([`POST /api/aircraft-alerts/ack ${JSON.stringify({ ids: cleared })}`]);
    expect((await Promise.all(cleared.map((id) => t.svc.aircraft.get(id)))).map((a) => a!.acknowledgedBy)).toEqual(['room', 'room', 'room']);
    // The incident, given to li, still waits for him to accept: it still counts.
    await countsAre(1, 2);

    await page.click('[data-desk-pane="aircraft"] .aircraft-alerts__ack-cleared');
    await expect.poll(() => page.$$eval('.drone-alerts', (g) => g.map((e) => (e as HTMLElement).dataset.vehicleId)), POLL).toEqual(['sim-1']);
    await countsAre(1, 1);
    expect(acks).toHaveLength(2);
    expect(unexpected(errors, [409])).toEqual([]);
  });
});
