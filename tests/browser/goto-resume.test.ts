/**
 * A drone taken off its patrol to an incident and sent back to it, in a real Chromium against the
 * real service and one simulated ArduCopter (4× time): an incident over the station's declared
 * water is refused in the checks list, naming the water; one ashore is flown to from its card; over
 * it, "Resume patrol" (confirmed) sends the drone back to the leg it left and the run goes on to its
 * end; the history shows the detour in the run's record, with its times and the incident's number,
 * in English and in Chinese.
 */

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GotoView, GroundAlertView, RunView } from '../../server/wire/types.ts';
import { strings } from '../../web/src/i18n.ts';
import { HOME, patrolRig } from '../patrols/rig.ts';
import { assertFreshBuild, englishLeft, fill, launchBrowser, logIn, openPage, POLL, screenshot, text, unexpected, WEB_DIR } from './browser.ts';

const { en } = strings;
const FLIGHT = { timeout: 150_000, interval: 500 };
type Rig = Awaited<ReturnType<typeof patrolRig>>;

/** ~200 m east and 100 m north of home: a fight ashore. */
const SCENE = { lat: 28.3709, lon: 121.382 };
/** A bay the station declares, ~500 m south-east of home, and a report of something in it. */
const BAY = {
  name: '隘顽湾',
  polygon: [{ lat: 28.364, lon: 121.383 }, { lat: 28.367, lon: 121.383 }, { lat: 28.367, lon: 121.387 }, { lat: 28.364, lon: 121.387 }],
  holes: [],
};
const AT_SEA = { lat: 28.3655, lon: 121.3845 };
const NAMES = ['Drone 1', 'sim-1', 'pilot1', 'room', 'short', BAY.name];

describe('drone to the scene from a patrol, and back to it, in the pages', () => {
  let rig: Rig;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let room: string;
  let runId: number;
  let left: number;
  let incident: GroundAlertView;

  const gotoOf = async () => (await rig.t.api('GET', `/api/vehicles/${rig.vid}/goto`, rig.pilot)).body as GotoView;
  const raise = async (at: { lat: number; lon: number }, note: string) => {
    const res = await rig.t.api('POST', '/api/alerts', room, { category: 'fight', priority: 1, note, ...at });
    expect(res.status).toBe(201);
    return res.body as GroundAlertView;
  };

  beforeAll(async () => {
    assertFreshBuild();
    rig = await patrolRig({ webDir: WEB_DIR, goto: { transitAltM: 30 }, station: { ...HOME, radiusKm: 30, water: [BAY] } });
    room = await rig.t.user('room', ['command']);
    browser = await launchBrowser();
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1600, height: 900 } });
    ({ page, errors } = await openPage(context, rig.t.base));
    await logIn(page, 'pilot1', 'pilot1-password');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await rig?.close();
  });

  it('refuses an incident over the declared water in the checks list, naming the water', async () => {
    runId = await rig.onFirstLeg();
    const sea = await raise(AT_SEA, 'a boat adrift');
    await page.click('[data-tab="alerts"]');
    const send = `.ground-card[data-alert-id="${sea.id}"] .incident-drone__send[data-send-drone="sim-1"]`;
    await expect.poll(() => page.isVisible(send), POLL).toBe(true);
    await page.click(send);
    const water = '#panel .goto__checks .checklist__item[data-check="water"]';
    await expect.poll(() => page.getAttribute(water, 'data-pass'), POLL).toBe('false');
    expect(await text(page, `${water} .checklist__name`)).toBe(en.gotoCheck_water);
    expect(await text(page, `${water} .checklist__value`)).toBe(`point is over water: ${BAY.name}`);
    // The only check that fails: the drone flies its patrol, the point is near, the path clear.
    expect(await page.$$eval('#panel .goto__checks .checklist__item[data-pass="false"]', (l) => l.map((i) => (i as HTMLElement).dataset.check))).toEqual([
      'water',
    ]);
    expect(await page.isDisabled('#panel .goto__send')).toBe(true);
    await screenshot(page, 'goto-water-refused-en');
    await page.click('#panel .goto__discard');
    expect((await rig.t.api('GET', `/api/vehicles/${rig.vid}/goto`, rig.pilot)).status).toBe(404);
  }, 200_000);

  it('sends the drone off its patrol to an incident from its card; over it, "Resume patrol" returns it to the leg it left and the run goes on', async () => {
    incident = await raise(SCENE, 'fight outside the night market');
    const send = `.ground-card[data-alert-id="${incident.id}"] .incident-drone__send[data-send-drone="sim-1"]`;
    await expect.poll(() => page.isVisible(send), POLL).toBe(true);
    await page.click(send);
    await expect.poll(() => page.$$eval('#panel .goto__checks .checklist__item', (l) => l.map((i) => (i as HTMLElement).dataset.pass)), POLL)
      .toSatisfy((passes: string[]) => passes.length === 11 && passes.every((p) => p === 'true'));
    expect(await text(page, '#panel .goto__checks .checklist__item[data-check="idle"] .checklist__value')).toBe(
      `flying patrol run ${runId}: it leaves its route`,
    );
    await page.click('#panel .goto__send');
    await page.waitForSelector('#confirm[open]');
    await page.click('#confirm .confirm__yes');
    await expect.poll(() => page.getAttribute('#panel .goto__outcome', 'data-outcome'), POLL).toBe('accepted');
    const sent = await gotoOf();
    expect(sent.leftPatrol).toMatchObject({ runId });
    left = sent.leftPatrol!.item!;

    await expect.poll(() => page.getAttribute('#panel .goto-facts', 'data-overhead'), FLIGHT).toBe('true');
    expect(rig.drone.status().mode).toBe('GUIDED');
    expect(await text(page, '#panel .goto__resume')).toBe(en.gotoResume);
    // Cancelled first: nothing sent, still over the scene.
    await page.click('#panel .goto__resume');
    await page.waitForSelector('#confirm[open]');
    expect(await text(page, '#confirm .confirm__message')).toBe(fill(en.confirmGotoResume, { drone: 'Drone 1' }));
    expect(await text(page, '#confirm .confirm__yes')).toBe(fill(en.doGotoResume, { drone: 'Drone 1' }));
    await page.click('#confirm .confirm__no');
    await expect.poll(() => page.getAttribute('#panel .goto__outcome', 'data-outcome'), POLL).toBe('cancelled');
    expect((await gotoOf()).state).toBe('on_scene');

    await page.click('#panel .goto__resume');
    await page.waitForSelector('#confirm[open]');
    await page.click('#confirm .confirm__yes');
    await expect.poll(() => page.getAttribute('#panel .goto__outcome', 'data-outcome'), POLL).toBe('accepted');
    await expect.poll(() => page.getAttribute('#panel .goto__ended', 'data-state'), POLL).toBe('resumed');
    expect(rig.drone.status().mode).toBe('AUTO');
    // Back on the leg it left, then on to the end of its route: the run completes.
    const beyond = await rig.until(runId, 'on a later leg', (r) => (r.leg?.seq ?? 0) > left || r.state !== 'flying', 150_000);
    expect(beyond.state).toBe('flying');
    const done = await rig.until(runId, 'completed after the detour', (r) => r.state === 'landed', 150_000);
    expect(done.outcome).toMatchObject({ kind: 'completed' });
    await screenshot(page, 'goto-resumed-en');
    expect(unexpected(errors, [404])).toEqual([]);
  }, 300_000);

  it("shows the detour in the run's record in the history, with its times and the incident's number, in English and in Chinese", async () => {
    const run = (await rig.t.api('GET', `/api/runs/${runId}`, rig.pilot)).body as RunView;
    const detour = run.events.filter((e) => e.kind === 'detour');
    expect(detour).toHaveLength(3);
    await page.click('[data-tab="history"]');
    await page.click('.history__load');
    await expect.poll(() => page.isVisible(`.run-row[data-run-id="${runId}"]`), POLL).toBe(true);
    await page.click(`.run-row[data-run-id="${runId}"]`);
    const lines = `.run-details[data-run-id="${runId}"] .run-events__item--detour`;
    await expect.poll(() => page.$$eval(lines, (l) => l.length), POLL).toBe(3);
    const shown = await page.$$eval(lines, (l) => l.map((i) => i.textContent));
    // Each with its time, in order: left, over the scene, back.
    expect(detour[0]!.time).toBeLessThanOrEqual(detour[1]!.time);
    expect(detour[1]!.time).toBeLessThanOrEqual(detour[2]!.time);
    const times = await page.$$eval(`${lines} .run-events__time`, (l) => l.map((i) => i.textContent!));
    for (const time of times) expect(time).toMatch(/^\d\d:\d\d:\d\d$/);
    expect(shown[0]).toMatch(new RegExp(`^${times[0]}left the route at item ${left} for a point \\d+ m away \\(incident ${incident.number}\\)$`));
    expect(shown[1]).toBe(`${times[1]}over the scene (incident ${incident.number})`);
    expect(shown[2]).toMatch(new RegExp(`^${times[2]}back to the route at item ${left} after \\d+ min \\d+ s over the scene$`));
    await screenshot(page, 'goto-detour-history-en');

    await page.click('#language');
    await expect.poll(() => page.$eval(lines, (l) => l.textContent), POLL).toContain('离开航线');
    const zhShown = await page.$$eval(lines, (l) => l.map((i) => i.querySelector('.run-events__text')!.textContent));
    expect(zhShown[0]).toMatch(new RegExp(`^在第 ${left} 项离开航线，前往 \\d+ 米外的地点（警情 ${incident.number}）$`));
    expect(zhShown[1]).toBe(`到达现场上空（警情 ${incident.number}）`);
    expect(zhShown[2]).toMatch(new RegExp(`^在现场上空 \\d+ 分 \\d+ 秒后回到航线第 ${left} 项$`));
    expect(await englishLeft(page, `.run-details[data-run-id="${runId}"] .run-details__events`, { data: [...NAMES, incident.number] })).toEqual([]);
    await screenshot(page, 'goto-detour-history-zh');
  }, 120_000);
});
