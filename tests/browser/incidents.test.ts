/**
 * Closing an incident with its outcome, and the history's incident log, in a real Chromium
 * against the real service (issue 14, items 3 and 5): the close dialog asks how it ended, waits for
 * a choice, keeps it through a refusal, and says it all in Chinese; the log lists the incidents of
 * the period with their timelines, filters by category, outcome and officer, downloads the same
 * selection as a CSV Excel opens, and the heat map follows the filters and has a legend.
 */

import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroundAlertView, IncidentLogEntry } from '../../server/wire/types.ts';
import { strings } from '../../web/src/i18n.ts';
import { SCENE, at } from '../helpers/officers.ts';
import { testService } from '../helpers/service.ts';
import { assertFreshBuild, englishLeft, fill, launchBrowser, logIn, openPage, POLL, screenshot, text, unexpected, WEB_DIR } from './browser.ts';

const { en, 'zh-CN': zh } = strings;
type TestService = Awaited<ReturnType<typeof testService>>;

describe('incident outcome and log (English, then Chinese)', () => {
  let t: TestService;
  let room: string;
  const officers: Record<string, string> = {};
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const ids: Record<'fight' | 'theft' | 'fire' | 'traffic' | 'gone', number> = { fight: 0, theft: 0, fire: 0, traffic: 0, gone: 0 };

  const alert = async (id: number) => (await t.api('GET', `/api/alerts/${id}`, room)).body as GroundAlertView;
  const card = (id: number) => `.ground-card[data-alert-id="${id}"]`;
  const raise = async (category: string, note = '') => {
    const r = await t.api('POST', '/api/alerts', room, { category, ...SCENE, note });
    expect(r.status).toBe(201);
    return r.body.id as number;
  };
  /** The command room gives the job to `name`, who answers up to `last`. */
  const work = async (id: number, name: string, answers: Record<string, unknown>[]) => {
    expect((await t.api('POST', `/api/alerts/${id}/reassign`, room, { officer: name })).status).toBe(200);
    // The phone fetches its jobs: the alert is delivered.
    expect((await t.api('GET', '/api/officer/alerts', officers[name])).body.map((a: GroundAlertView) => a.id)).toContain(id);
    for (const body of answers) expect((await t.api('POST', `/api/alerts/${id}/answer`, officers[name], body)).status).toBe(200);
  };
  const steps = (...names: string[]) => names.map((answer) => ({ answer }));
  const rows = () => page.$$eval('.incident-row', (list) => list.map((r) => Number((r as HTMLElement).dataset.incidentId)));
  const pick = async (filter: string, value: string) => {
    await page.selectOption(`.incident-filter--${filter}`, value);
  };

  beforeAll(async () => {
    assertFreshBuild();
    t = await testService({ webDir: WEB_DIR, station: { ...SCENE, radiusKm: 30 }, dispatch: { waveSize: 1, phoneOfflineGraceMs: 3_600_000 } });
    room = await t.user('room', ['command']);
    for (const [name, metres] of [['chen', 200], ['wang', 500]] as const) {
      officers[name] = await t.user(name, ['officer']);
      expect((await t.api('POST', '/api/officer/duty', officers[name], { onDuty: true })).status).toBe(200);
      expect((await t.api('POST', '/api/officer/location', officers[name], { ...at(metres), accuracyM: 5 })).status).toBe(200);
    }
    // A fight chen settled with a warning; a theft wang handed over; a traffic accident wang
    // resolved from an old phone page (no outcome); a fire nobody has taken; a report that turned out empty.
    ids.fight = await raise('fight', '夜市门口有人打架');
    await work(ids.fight, 'chen', [...steps('accept', 'en_route', 'on_scene'), { answer: 'resolved', outcome: 'warned', note: '双方已调解' }]);
    expect((await t.api('POST', `/api/alerts/${ids.fight}/close`, room, {})).status).toBe(200);
    ids.theft = await raise('theft');
    await work(ids.theft, 'wang', [...steps('accept', 'on_scene'), { answer: 'resolved', outcome: 'handed_over' }]);
    ids.traffic = await raise('traffic');
    await work(ids.traffic, 'wang', steps('accept', 'on_scene', 'resolved'));
    ids.gone = await raise('other');
    ids.fire = await raise('fire', '=cmd|/c calc');
    browser = await launchBrowser();
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1600, height: 900 }, acceptDownloads: true });
    ({ page, errors } = await openPage(context, t.base));
    await logIn(page, 'room', 'room-password');
    await page.click('[data-tab="alerts"]');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('closing asks for the outcome: Close waits for a choice, Cancel is focused and closes nothing', async () => {
    await page.click(`${card(ids.fire)} .ground-card__close`);
    await page.waitForSelector('#close-outcome[open]');
    expect(await text(page, '#close-outcome .dialog__title')).toBe(fill(en.closeIncidentTitle, { id: (await alert(ids.fire)).number, category: en.cat_fire }));
    expect(await page.$$eval('#close-outcome input[name="outcome"]', (r) => r.map((i) => (i as HTMLInputElement).value)))
      .toEqual(['handled', 'warned', 'handed_over', 'unfounded', 'other']);
    expect(await page.$$eval('#close-outcome .close-outcome__choice', (r) => r.map((l) => l.textContent)))
      .toEqual([en.outcome_handled, en.outcome_warned, en.outcome_handed_over, en.outcome_unfounded, en.outcome_other]);
    expect(await page.isDisabled('#close-outcome .close-outcome__close')).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.classList.contains('close-outcome__cancel'))).toBe(true);
    // Enter on the focused Cancel closes the dialog, not the incident.
    await page.keyboard.press('Enter');
    await expect.poll(() => page.isVisible('#close-outcome'), POLL).toBe(false);
    expect((await alert(ids.fire)).state).not.toBe('closed');
  });

  it('closes with the outcome and note chosen; the incident leaves the desk with both recorded', async () => {
    await page.click(`${card(ids.fire)} .ground-card__close`);
    await page.waitForSelector('#close-outcome[open]');
    await page.check('#close-outcome input[value="unfounded"]');
    await page.fill('#close-outcome textarea[name="note"]', '到场无火情，系烧烤烟雾');
    await screenshot(page, 'incident-close-dialog-en');
    await page.click('#close-outcome .close-outcome__close');
    await expect.poll(() => page.isVisible('#close-outcome'), POLL).toBe(false);
    await expect.poll(() => page.isVisible(card(ids.fire)), POLL).toBe(false);
    expect(await alert(ids.fire)).toMatchObject({ state: 'closed', outcome: { code: 'unfounded', note: '到场无火情，系烧烤烟雾', by: 'room' } });
  });

  it('an incident resolved without an outcome says so; a refusal keeps the dialog open with the choice and note as they were', async () => {
    // Resolved from an old phone page: still on the desk, waiting for its outcome.
    await expect.poll(() => page.getAttribute(card(ids.traffic), 'data-state'), POLL).toBe('resolved');
    await page.click(`${card(ids.gone)} .ground-card__close`);
    await page.waitForSelector('#close-outcome[open]');
    expect(await page.isVisible('#close-outcome .close-outcome__missing')).toBe(false);
    await page.check('#close-outcome input[value="other"]');
    await page.fill('#close-outcome textarea[name="note"]', '报警人已离开');
    // Someone else closes it meanwhile: the service refuses this close (409).
    expect((await t.api('POST', `/api/alerts/${ids.gone}/close`, room, { outcome: 'unfounded' })).status).toBe(200);
    await page.click('#close-outcome .close-outcome__close');
    await expect.poll(() => text(page, '#close-outcome .close-outcome__error'), POLL)
      // said by the page from the refusal's code: the incident by its number, as everywhere on the desk
      .toBe(fill(en.closeRefused, { reason: `ground alert ${(await alert(ids.gone)).number} is already closed` }));
    expect(await page.isVisible('#close-outcome')).toBe(true);
    expect(await page.isChecked('#close-outcome input[value="other"]')).toBe(true);
    expect(await page.inputValue('#close-outcome textarea[name="note"]')).toBe('报警人已离开');
    await page.click('#close-outcome .close-outcome__cancel');

    await page.click(`${card(ids.traffic)} .ground-card__close`);
    await page.waitForSelector('#close-outcome[open]');
    expect(await text(page, '#close-outcome .close-outcome__missing')).toBe(en.outcomeMissing);
    // In Chinese, all of it (the dialog is modal: the language is switched with it closed).
    await page.keyboard.press('Escape');
    await expect.poll(() => page.isVisible('#close-outcome'), POLL).toBe(false);
    await page.click('#language');
    await page.click(`${card(ids.traffic)} .ground-card__close`);
    await page.waitForSelector('#close-outcome[open]');
    expect(await text(page, '#close-outcome .close-outcome__missing')).toBe(zh.outcomeMissing);
    expect(await text(page, '#close-outcome .dialog__title')).toBe(
      fill(zh.closeIncidentTitle, { id: (await alert(ids.traffic)).number, category: zh.cat_traffic }),
    );
    expect(await englishLeft(page, '#close-outcome')).toEqual([]);
    await screenshot(page, 'incident-close-dialog-zh');
    await page.check('#close-outcome input[value="handled"]');
    await page.click('#close-outcome .close-outcome__close');
    await expect.poll(() => page.isVisible(card(ids.traffic)), POLL).toBe(false);
    expect((await alert(ids.traffic)).outcome).toMatchObject({ code: 'handled', by: 'room' });
    await page.click('#language');
  });

  it('the history lists every incident of the period with its timeline, as recorded', async () => {
    await page.click('[data-tab="history"]');
    await expect.poll(rows, POLL).toEqual([ids.fire, ids.gone, ids.traffic, ids.theft, ids.fight]);
    expect(await text(page, '.incident-log__count')).toBe(fill(en.incidentCount, { n: 5 }));
    const log = (await t.api('GET', '/api/alerts/log', room)).body as IncidentLogEntry[];
    const fight = log.find((e) => e.id === ids.fight)!;
    const row = `.incident-row[data-incident-id="${ids.fight}"]`;
    expect(await text(page, `${row} .incident-row__outcome`)).toBe(en.outcome_warned);
    expect(await text(page, `${row} .incident-row__officer`)).toBe(fill(en.incidentOfficer, { officer: 'chen' }));
    await page.click(`${row} summary`);
    const timeline = await page.$$eval(
      `${row} .incident-timeline__step`,
      (list) => list.map((s) => [(s as HTMLElement).dataset.step, Number((s as HTMLElement).dataset.time)]),
    );
    expect(timeline.map(([step]) => step)).toEqual(['raised', 'offered', 'delivered', 'accepted', 'en_route', 'on_scene', 'resolved', 'closed']);
    expect(timeline).toEqual(Object.entries(fight.timeline));
    expect(await text(page, `${row} .incident-timeline__step[data-step="on_scene"] .incident-timeline__name`)).toBe(en.step_on_scene);
    expect(await text(page, `${row} .incident-row__result`)).toBe(`${fill(en.outcomeByOfficer, { officer: 'chen', outcome: en.outcome_warned })}双方已调解`);
    // The fire nobody took: raised and closed, no officer steps.
    await page.click(`.incident-row[data-incident-id="${ids.fire}"] summary`);
    expect(
      await page.$$eval(`.incident-row[data-incident-id="${ids.fire}"] .incident-timeline__step`, (list) => list.map((s) => (s as HTMLElement).dataset.step)),
    )
      .toEqual(['raised', 'offered', 'closed']);
    await screenshot(page, 'history-incidents-en');
  });

  it('filters by category, outcome and officer; the heat map follows the filters and has a legend', async () => {
    await page.click('.history__heat');
    await expect.poll(() => page.getAttribute('canvas.heat-layer', 'data-points'), POLL).toBe('5');
    expect(await page.isVisible('.heat-legend__bar')).toBe(true);
    expect(await text(page, '.heat-legend')).toBe(`${en.heatLegendFew}${en.heatLegendMany}`);

    await pick('category', 'theft');
    await expect.poll(rows, POLL).toEqual([ids.theft]);
    await expect.poll(() => page.getAttribute('canvas.heat-layer', 'data-points'), POLL).toBe('1');
    await pick('category', '');
    await pick('outcome', 'unfounded');
    await expect.poll(rows, POLL).toEqual([ids.fire, ids.gone]);
    await pick('outcome', '');
    await pick('officer', 'wang');
    await expect.poll(rows, POLL).toEqual([ids.traffic, ids.theft]);
    await pick('outcome', 'handed_over');
    await expect.poll(rows, POLL).toEqual([ids.theft]);
    await expect.poll(() => page.getAttribute('canvas.heat-layer', 'data-points'), POLL).toBe('1');
    await pick('category', 'fight');
    await expect.poll(() => text(page, '.incident-list'), POLL).toBe(en.noIncidents);
    await pick('category', '');
    await pick('outcome', '');
    await pick('officer', '');
    await expect.poll(rows, POLL).toHaveLength(5);
  });

  it("downloads the selection as CSV: BOM, the page's language, the filters applied, no formula", async () => {
    await page.click('#language');
    await pick('officer', 'wang');
    await expect.poll(rows, POLL).toEqual([ids.traffic, ids.theft]);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('.incident-log__csv')]);
    expect(download.suggestedFilename()).toMatch(/^incidents-\d{4}-\d\d-\d\d\.csv$/);
    const bytes = fs.readFileSync((await download.path())!);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.toString('utf8').slice(1).split('\r\n');
    expect(lines[0]!.startsWith('警情编号,记录号,报警时间,警情类别,')).toBe(true);
    expect(lines.slice(1, -1).map((l) => Number(l.split(',')[1]))).toEqual([ids.traffic, ids.theft]);
    expect(lines[2]).toContain(',盗窃,');
    expect(lines[2]).toContain(',移交,');
    await pick('officer', '');
    await expect.poll(rows, POLL).toHaveLength(5);
    const [all] = await Promise.all([page.waitForEvent('download'), page.click('.incident-log__csv')]);
    const text2 = fs.readFileSync((await all.path())!, 'utf8');
    expect(text2).toContain(`"'=cmd|/c calc"`);
    expect(text2.split('\r\n')).toHaveLength(7);

    // The whole history tab in Chinese.
    expect(await text(page, '.incident-log__count')).toBe(fill(zh.incidentCount, { n: 5 }));
    expect(await englishLeft(page, '#history-panel', { data: ['chen', 'wang', 'room', '=cmd|/c calc'] })).toEqual([]);
    await screenshot(page, 'history-incidents-zh');
    await page.click('#language');
    expect(unexpected(errors, [409])).toEqual([]);
  });
});
