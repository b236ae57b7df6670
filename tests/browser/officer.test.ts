/**
 * The officers' phone page (/officer) in real headless Chromium against the real service:
 * several officers, each a browser context with its own faked geolocation, dispatched to a
 * ground alert raised by the command room over the REST API. The web app is built by
 * tests/browser/global-setup.ts.
 */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page, type WebSocketRoute } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GroundAlertView, OfficerView } from '../../server/wire/types.ts';
import { strings, translate, type Locale } from '../../web/src/i18n.ts';
import { RETIRED } from '../../web/src/strings/police-terms.ts';
import { ADMIN_PASSWORD, testService } from '../helpers/service.ts';
import { englishLeft } from './browser.ts';

const WEB_DIR = 'web/dist';
const ARTIFACTS = 'test-artifacts';
const POLL = { timeout: 15_000, interval: 100 };
const LAUNCH = { executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'], headless: true };
const ESCALATE_AFTER_MS = 1500;
/** Node timers may fire a millisecond before Date.now() says the delay is over */
const TIMER_SLACK_MS = 2;

// Wenling: the incident, and officers at known distances north of it.
const SCENE = { lat: 28.37, lon: 121.38 };
const north = (metres: number) => ({ latitude: SCENE.lat + metres / 111_320, longitude: SCENE.lon, accuracy: 5 });

type TestService = Awaited<ReturnType<typeof testService>>;

interface Phone {
  name: string;
  context: BrowserContext;
  page: Page;
  /** page errors and console errors, to assert the page ran cleanly */
  errors: string[];
}

let browser: Browser;
let t: TestService;
let command: string;
/** what the command room's live socket has seen, by alert id */
let room: Map<number, GroundAlertView>;

beforeAll(async () => {
  if (!fs.existsSync(path.join(WEB_DIR, 'officer.html')))
    throw new Error(`${WEB_DIR}/officer.html is missing: tests/browser/global-setup.ts builds it; or run npx vite build`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch(LAUNCH);
});
afterAll(async () => {
  await browser?.close();
});

beforeEach(async () => {
  t = await testService({ webDir: WEB_DIR, dispatch: { waveSize: 1, escalateAfterMs: ESCALATE_AFTER_MS }, station: { ...SCENE, radiusKm: 30 } });
  command = await t.user('room', ['command']);
  room = new Map();
  t.socket(command).on('alerts:ground', (list) => {
    for (const a of list) room.set(a.id, a);
  });
});
afterEach(async () => {
  for (const context of browser.contexts()) await context.close();
  await t.close();
});

interface PhoneOptions {
  locale: Locale;
  colorScheme?: 'dark' | 'light';
  /** what a browser closed earlier kept: session cookie and saved choices */
  storageState?: Awaited<ReturnType<BrowserContext['storageState']>>;
  /** set up before the page loads (e.g. its network) */
  beforeOpen?: (page: Page) => Promise<unknown>;
}

async function newPhone(name: string, at: ReturnType<typeof north>, o: PhoneOptions): Promise<Phone> {
  const context = await browser.newContext({
    locale: o.locale,
    colorScheme: o.colorScheme ?? 'dark',
    // A common phone's screen (CSS pixels).
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    geolocation: at,
    permissions: ['geolocation'],
    storageState: o.storageState,
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  await o.beforeOpen?.(page);
  await page.goto(`${t.base}/officer`);
  return { name, context, page, errors };
}

/** Log in through the page's own form, as the officer would. */
async function logIn({ page, name }: Phone): Promise<void> {
  await page.waitForSelector('#login[open]');
  await page.fill('#login input[name="username"]', name);
  await page.fill('#login input[name="password"]', `${name}-password`);
  await page.click('#login button[type="submit"]');
  await expect.poll(() => page.isVisible('#login'), POLL).toBe(false);
}

async function officerView(name: string): Promise<OfficerView | undefined> {
  return ((await t.api('GET', '/api/officers', command)).body as OfficerView[]).find((o) => o.name === name);
}

/** A logged-in officer's phone, on duty, whose position the service has. */
async function onDuty(name: string, metresNorth: number, o: PhoneOptions): Promise<Phone> {
  await t.user(name, ['officer']);
  const phone = await newPhone(name, north(metresNorth), o);
  await logIn(phone);
  expect(await phone.page.getAttribute('#duty', 'aria-pressed')).toBe('false');
  await phone.page.click('#duty');
  await expect.poll(() => phone.page.getAttribute('#duty', 'aria-pressed'), POLL).toBe('true');
  await expect.poll(async () => (await officerView(name))?.lat, POLL).toBeCloseTo(north(metresNorth).latitude, 6);
  expect(await officerView(name)).toMatchObject({ onDuty: true, lon: SCENE.lon, accuracyM: 5 });
  return phone;
}

async function raise(body: Record<string, unknown>): Promise<number> {
  const created = await t.api('POST', '/api/alerts', command, { ...SCENE, ...body });
  expect(created.status).toBe(201);
  return created.body.id as number;
}

const card = (id: number) => `.job[data-alert-id="${id}"]`;
const text = (page: Page, selector: string) => page.$eval(selector, (el) => el.textContent ?? '');
/** what the page says its ring really did (ring.ts publishes it on <html>) */
const ring = (page: Page) => page.evaluate(() => ({ ...document.documentElement.dataset }));
const shot = (phone: Phone, name: string, fullPage = false) => phone.page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage });
const dispatchOf = (id: number, officer: string) => room.get(id)?.dispatch.find((d) => d.officer === officer);

/** The phone shows the offer and is ringing for it. */
async function expectOffered(phone: Phone, id: number): Promise<void> {
  await expect.poll(() => phone.page.isVisible(card(id)), POLL).toBe(true);
  await expect.poll(async () => Number((await ring(phone.page)).rings), POLL).toBeGreaterThanOrEqual(1);
  expect(await ring(phone.page)).toMatchObject({ ringing: 'true' });
  expect(await phone.page.isVisible('#ringing')).toBe(true);
  expect(await phone.page.getAttribute(card(id), 'class')).toContain('job--offer');
}

/** The ring is really heard and felt: a tone measured at the output of a running audio graph, and vibration. */
async function expectAudible(phone: Phone): Promise<void> {
  await expect.poll(async () => Number((await ring(phone.page)).ringLevel), POLL).toBeGreaterThan(0.05);
  expect(await ring(phone.page)).toMatchObject({ ringSound: 'running', ringVibrated: 'true' });
}

async function expectRinging(phone: Phone, id: number): Promise<void> {
  await expectOffered(phone, id);
  await expectAudible(phone);
}

/**
 * Answer as the officer would: a step is one tap; declining asks why and resolving asks how it
 * ended, each then confirmed with a button of its own.
 */
async function answer(phone: Phone, id: number, answer: string, choice?: { reason?: string; outcome?: string; note?: string }): Promise<void> {
  const job = card(id);
  if (answer === 'decline' || answer === 'resolved') {
    await phone.page.click(`${job} .answer--${answer === 'decline' ? 'decline-open' : 'resolve-open'}`);
    await phone.page.click(`${job} .choice[data-choice="${choice?.reason ?? choice?.outcome ?? (answer === 'decline' ? 'busy' : 'handled')}"]`);
    if (choice?.note) await phone.page.fill(`${job} .panel__note textarea`, choice.note);
  }
  await phone.page.click(`${job} .answer--${answer}`);
}

/** The only console errors allowed: the expected 401 of /api/me before login, and the refusals a test provokes. */
function expectClean(phone: Phone, ...allowedStatus: number[]): void {
  const allowed = [401, ...allowedStatus].map((s) => `status of ${s}`);
  expect(phone.errors.filter((e) => !allowed.some((a) => e.includes(a)))).toEqual([]);
}

/**
 * A phone on a slow mobile link: what the service pushes over the live socket can be held back,
 * then delivered in order. The service and the page are real; only the delivery is delayed.
 */
async function slowLink(page: Page) {
  let held: Array<[WebSocketRoute, string | Buffer]> | null = null;
  await page.routeWebSocket(/\/socket\.io\//, (ws) => {
    const service = ws.connectToServer();
    ws.onMessage((m) => service.send(m));
    service.onMessage((m) => (held ? held.push([ws, m]) : ws.send(m)));
  });
  return {
    hold: () => (held = []),
    release: () => {
      for (const [ws, m] of held ?? []) ws.send(m);
      held = null;
    },
  };
}

describe('officer phone page', () => {
  it('rings the nearest officer, who accepts; the command room watches her close in, then she resolves it', async () => {
    const chen = await onDuty('chen', 150, { locale: 'zh-CN' });
    const wang = await onDuty('wang', 900, { locale: 'en' });
    const zh = strings['zh-CN'];
    expect(await chen.page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(await text(chen.page, '#duty .duty__state')).toBe(zh.dutyOn);
    expect(await ring(chen.page)).toMatchObject({ rings: '0', ringing: 'false' });

    const id = await raise({ category: 'fight', note: 'two men fighting by the noodle stall', priority: 1 });
    await expectRinging(chen, id);
    // The nearest officer was alerted first; anyone else only after the escalation delay.
    await expect.poll(() => dispatchOf(id, 'chen')?.deliveredAt, POLL).toBeTypeOf('number');
    expect(room.get(id)!.dispatch[0]).toMatchObject({ officer: 'chen', distanceM: 150, answer: null });
    const chenAt = dispatchOf(id, 'chen')!.notifiedAt;
    if (dispatchOf(id, 'wang')) expect(dispatchOf(id, 'wang')!.notifiedAt - chenAt).toBeGreaterThanOrEqual(ESCALATE_AFTER_MS - TIMER_SLACK_MS);

    // What she reads: category, priority, note, how far and which way, when.
    const job = card(id);
    expect(await text(chen.page, `${job} .job__category`)).toBe(zh.cat_fight);
    // In Chinese, the category once, in Chinese (no English line under it).
    expect(await chen.page.$(`${job} .job__category-other`)).toBeNull();
    expect(await text(chen.page, `${job} .job__priority`)).toBe(translate('zh-CN', 'jobPriority', { n: 1 }));
    expect(await text(chen.page, `${job} .job__state`)).toBe(zh.job_dispatched);
    expect(await text(chen.page, `${job} .job__note`)).toBe('two men fighting by the noodle stall');
    expect(Number(await chen.page.getAttribute(`${job} .job__distance`, 'data-distance-m'))).toBeCloseTo(150, -1);
    expect(await chen.page.getAttribute(`${job} .job__distance`, 'data-bearing')).toBe('180');
    expect(await text(chen.page, `${job} .job__distance`)).toBe(`${zh.dir_S} 150 米`);
    expect(await text(chen.page, `${job} .job__age`)).toMatch(/^\d+ 秒前由 room 发起$/);
    // Navigation: a geo: URI for any maps app, and AMap told that these are GPS (WGS-84) coordinates.
    expect(await chen.page.getAttribute(`${job} .nav--geo`, 'href')).toMatch(/^geo:28\.37,121\.38\?q=28\.37,121\.38\(/);
    const amap = new URL((await chen.page.getAttribute(`${job} .nav--amap`, 'href'))!);
    expect(amap.origin + amap.pathname).toBe('https://uri.amap.com/marker');
    expect(Object.fromEntries(amap.searchParams)).toMatchObject({ position: '121.38,28.37', coordinate: 'wgs84' });
    // The map in her card shows this job.
    expect(await chen.page.getAttribute(`${job} #job-map`, 'data-job-id')).toBe(String(id));
    await shot(chen, 'officer-offer-zh');

    await answer(chen, id, 'accept');
    await expect.poll(() => chen.page.getAttribute(job, 'data-state'), POLL).toBe('accepted');
    await expect.poll(() => room.get(id)?.assignee?.officer, POLL).toBe('chen');
    expect(await ring(chen.page)).toMatchObject({ ringing: 'false' });
    expect(await chen.page.isVisible('#ringing')).toBe(false);

    // She walks towards it: her phone's position reaches the command room.
    await chen.context.setGeolocation(north(40));
    await expect.poll(() => room.get(id)?.assignee?.distanceM, POLL).toBe(40);
    expect(room.get(id)!.assignee!.etaS).toBeGreaterThan(0);
    await expect.poll(() => text(chen.page, `${job} .job__distance`), POLL).toBe(`${zh.dir_S} 40 米`);
    await shot(chen, 'officer-accepted-zh');
    await shot(chen, 'officer-accepted-zh-full', true);
    // To English and back: every word of the page is said again but what people wrote (the note)
    // and the names; the category is also shown in the other language on purpose.
    await chen.page.click('#language');
    expect(await text(chen.page, `${job} .job__state`)).toBe(strings.en.job_accepted);
    await chen.page.click('#language');
    expect(
      await englishLeft(chen.page, 'body', { skip: ['.job__note', '.job__category-other', '#login', '.leaflet-control-attribution'], data: ['room', 'chen'] }),
    ).toEqual([]);

    for (const [step, state] of [['en_route', zh.job_en_route], ['on_scene', zh.job_on_scene]] as const) {
      await answer(chen, id, step);
      await expect.poll(() => text(chen.page, `${job} .job__state`), POLL).toBe(state);
      await expect.poll(() => room.get(id)?.state, POLL).toBe(step);
    }
    await answer(chen, id, 'resolved');
    await expect.poll(() => room.get(id)?.state, POLL).toBe('resolved');
    await expect.poll(() => chen.page.isVisible(job), POLL).toBe(false);
    expect(await chen.page.isVisible('#no-jobs')).toBe(true);
    await chen.page.click('#language');
    expect(await chen.page.getAttribute('html', 'lang')).toBe('en');
    expect(await text(chen.page, '#no-jobs')).toBe(strings.en.noJobs);
    expect(await text(chen.page, '#duty .duty__state')).toBe(strings.en.dutyOn);

    // Wang may have been alerted once the delay passed, but the job is chen's: not on his phone.
    await expect.poll(() => wang.page.isVisible(job), POLL).toBe(false);
    // Going off duty stops sharing his position.
    await wang.page.click('#duty');
    await expect.poll(async () => (await officerView('wang'))?.onDuty, POLL).toBe(false);
    expect(await text(wang.page, '#location')).toBe(strings.en.locOff);
    expectClean(chen);
    expectClean(wang);
  });

  it('escalates to the next officer when the first ignores it; a decline passes it on at once; a late accept shows the refusal', async () => {
    let link!: Awaited<ReturnType<typeof slowLink>>;
    const li = await onDuty('li', 100, { locale: 'en', colorScheme: 'light', beforeOpen: async (page) => (link = await slowLink(page)) });
    const zhao = await onDuty('zhao', 300, { locale: 'zh-CN' });
    const sun = await onDuty('sun', 500, { locale: 'en' });

    const id = await raise({ category: 'gambling', note: 'card game, back room of the tea house', priority: 2 });
    await expectRinging(li, id);
    expect(await li.page.getAttribute('html', 'data-theme')).toBe('light');
    expect(await text(li.page, `${card(id)} .job__distance`)).toBe('100 m south');
    await shot(li, 'officer-offer-en-sunlight');
    // li does not answer: after the delay zhao's phone rings.
    await expectRinging(zhao, id);
    expect(dispatchOf(id, 'zhao')!.notifiedAt - dispatchOf(id, 'li')!.notifiedAt).toBeGreaterThanOrEqual(ESCALATE_AFTER_MS - TIMER_SLACK_MS);
    expect(await sun.page.isVisible(card(id))).toBe(false);

    // zhao declines on the page: the job leaves her phone, which stops ringing, and sun is alerted without waiting.
    await answer(zhao, id, 'decline');
    await expect.poll(() => zhao.page.isVisible(card(id)), POLL).toBe(false);
    expect(await ring(zhao.page)).toMatchObject({ ringing: 'false' });
    await expectRinging(sun, id);
    expect(dispatchOf(id, 'zhao')).toMatchObject({ answer: 'decline' });
    expect(dispatchOf(id, 'sun')!.notifiedAt).toBeGreaterThanOrEqual(dispatchOf(id, 'zhao')!.answeredAt!);

    // li's link stalls; meanwhile sun takes the job. li's screen still offers it, she taps accept:
    // the service refuses, and the page shows its reason.
    link.hold();
    await answer(sun, id, 'accept');
    await expect.poll(() => room.get(id)?.assignee?.officer, POLL).toBe('sun');
    expect(await li.page.isVisible(card(id))).toBe(true);
    await answer(li, id, 'accept');
    const refusal = translate('en', 'answerRefused', { detail: translate('en', 'late_taken', { by: 'sun' }) });
    await expect.poll(() => text(li.page, `${card(id)} .job__error`), POLL).toBe(refusal);
    await shot(li, 'officer-refused-en-sunlight');
    // The refusal is said again in Chinese (the service sent a code for it).
    await li.page.click('#language');
    expect(await text(li.page, `${card(id)} .job__error`)).toBe(
      translate('zh-CN', 'answerRefused', { detail: translate('zh-CN', 'late_taken', { by: 'sun' }) }),
    );
    await li.page.click('#language');
    // The link recovers: the update arrives and the job leaves li's phone with a note why.
    link.release();
    await expect.poll(() => li.page.isVisible(card(id)), POLL).toBe(false);
    expect(await text(li.page, '#notice')).toBe(translate('en', 'takenBy', { id: room.get(id)!.number, who: 'sun' }));
    expect(await ring(li.page)).toMatchObject({ ringing: 'false' });
    expectClean(li, 409);
    for (const phone of [zhao, sun]) expectClean(phone);
  });

  it('a job the command room gives to another officer leaves the phone at once, with a note saying to whom', async () => {
    const chen = await onDuty('chen', 150, { locale: 'en' });
    const wang = await onDuty('wang', 900, { locale: 'zh-CN' });
    const id = await raise({ category: 'theft', note: 'bicycle, blue', priority: 2 });
    await expectRinging(chen, id);
    await answer(chen, id, 'accept');
    await expect.poll(() => chen.page.getAttribute(card(id), 'data-state'), POLL).toBe('accepted');

    expect((await t.api('POST', `/api/alerts/${id}/reassign`, command, { officer: 'wang' })).status).toBe(200);
    await expect.poll(() => chen.page.isVisible(card(id)), POLL).toBe(false);
    expect(await text(chen.page, '#notice')).toBe(
      translate('en', 'reassignedTo', { id: (await t.api('GET', `/api/alerts/${id}`, command)).body.number, who: 'wang' }),
    );
    expect(await chen.page.isVisible('#no-jobs')).toBe(true);
    await expectOffered(wang, id);
    await shot(chen, 'officer-reassigned-away-en');
    expectClean(chen);
    expectClean(wang);
  });

  it('a phone that was closed gets the still-open job when it is opened again (catch-up)', async () => {
    const zhou = await onDuty('zhou', 200, { locale: 'zh-CN' });
    // The browser is closed: its session cookie and saved choices (on duty) stay on the phone.
    const saved = await zhou.context.storageState();
    await zhou.context.close();

    const id = await raise({ category: 'missing_person', note: 'child, red coat', priority: 1 });
    await expect.poll(() => dispatchOf(id, 'zhou'), POLL).toMatchObject({ officer: 'zhou', deliveredAt: null });

    const again = await newPhone('zhou', north(180), { locale: 'zh-CN', storageState: saved });
    await expectOffered(again, id);
    expect(await again.page.isVisible('#login')).toBe(false);
    // Untouched since it opened, the page may not sound or vibrate yet (the browser's rule): it asks
    // for a tap, and the ring, which repeats, is heard and felt from then on.
    expect(await ring(again.page)).toMatchObject({ ringSound: 'none' });
    expect(await text(again.page, '#sound-locked')).toBe(strings['zh-CN'].soundLocked);
    await again.page.click('#sound-locked');
    await expectAudible(again);
    expect(await again.page.isVisible('#sound-locked')).toBe(false);
    expect(await text(again.page, `${card(id)} .job__category`)).toBe(strings['zh-CN'].cat_missing_person);
    expect(await text(again.page, `${card(id)} .job__note`)).toBe('child, red coat');
    await expect.poll(() => dispatchOf(id, 'zhou')?.deliveredAt, POLL).toBeTypeOf('number');
    // Still on duty, and sharing where the reopened phone is now.
    expect(await again.page.getAttribute('#duty', 'aria-pressed')).toBe('true');
    await expect.poll(async () => (await officerView('zhou'))?.lat, POLL).toBeCloseTo(north(180).latitude, 6);
    await shot(again, 'officer-catch-up-zh');

    await answer(again, id, 'accept');
    await expect.poll(() => room.get(id)?.assignee, POLL).toMatchObject({ officer: 'zhou', distanceM: 180 });
    expectClean(again);
  });

  it('a new phone shows the duty the service has instead of overwriting it; a change on one phone shows on the other', async () => {
    const first = await onDuty('ma', 100, { locale: 'en' });
    // A phone never used before: nothing saved on it, so only the service knows she is on duty.
    const second = await newPhone('ma', north(300), { locale: 'en' });
    await logIn(second);
    await expect.poll(() => second.page.getAttribute('#duty', 'aria-pressed'), POLL).toBe('true');
    expect(await text(second.page, '#duty .duty__state')).toBe(strings.en.dutyOn);
    // Still on duty at the service, which now has where the new phone is.
    await expect.poll(async () => (await officerView('ma'))?.lat, POLL).toBeCloseTo(north(300).latitude, 6);
    expect(await officerView('ma')).toMatchObject({ onDuty: true });
    await shot(second, 'officer-second-phone-en');

    await second.page.click('#duty');
    await expect.poll(async () => (await officerView('ma'))?.onDuty, POLL).toBe(false);
    await expect.poll(() => first.page.getAttribute('#duty', 'aria-pressed'), POLL).toBe('false');
    expect(await text(first.page, '#location')).toBe(strings.en.locOff);
    expectClean(first);
    expectClean(second);
  });

  it('says plainly that the service is stopping, and why', async () => {
    const phone = await onDuty('gao', 100, { locale: 'zh-CN' });
    expect(await phone.page.isVisible('#shutdown')).toBe(false);
    await t.svc.close('update');
    await expect.poll(() => phone.page.isVisible('#shutdown'), POLL).toBe(true);
    expect(await text(phone.page, '#shutdown')).toBe(translate('zh-CN', 'officerStopping', { reason: 'update' }));
    await shot(phone, 'officer-shutdown-zh');
  });

  it('tells someone without the officer role plainly that no jobs come to this page', async () => {
    const phone = await newPhone('room', north(0), { locale: 'en' });
    await logIn(phone);
    await expect.poll(() => phone.page.isVisible('#not-officer'), POLL).toBe(true);
    expect(await text(phone.page, '#not-officer-text')).toBe(translate('en', 'notOfficer', { name: 'room', roles: 'command' }));
    expect(await phone.page.isVisible('#duty')).toBe(false);
    await shot(phone, 'officer-wrong-role-en');
    expectClean(phone);
  });
});

/** Two taps on one spot, as a hurried thumb makes them. */
async function doubleTap(phone: Phone, selector: string): Promise<void> {
  // A button takes taps a moment after its card changed (a new offer, a step taken): wait for that, as the thumb would.
  await phone.page.waitForSelector(`${selector}:not([disabled])`, POLL);
  await phone.page.locator(selector).scrollIntoViewIfNeeded();
  const box = await phone.page.locator(selector).boundingBox();
  if (!box) throw new Error(`${selector} is not on screen`);
  const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
  await phone.page.touchscreen.tap(x, y);
  await phone.page.waitForTimeout(120);
  await phone.page.touchscreen.tap(x, y);
}

/** The answers the page POSTs, in order. */
function answersSent(page: Page): string[] {
  const sent: string[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && /\/api\/alerts\/\d+\/answer$/.test(r.url())) sent.push((r.postDataJSON() as { answer: string }).answer);
  });
  return sent;
}

/** What the phone keeps to send later (web/src/officer/outbox.ts). */
const outbox = (page: Page, name: string) =>
  page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? '[]') as { id: number; answer: string; at: number }[], `skybeat.officer.outbox.${name}`);

/** Retired police words (web/src/strings/police-terms.ts) on the page as drawn now, with its title. */
const retiredShown = (page: Page) =>
  page.evaluate((words) => words.filter((w) => (document.title + document.body.innerText).includes(w)), Object.keys(RETIRED));

/** Offline, the browser logs each failed request and socket attempt: expected, nothing else is. */
const offlineNoise = (e: string) => /ERR_INTERNET_DISCONNECTED|WebSocket connection/.test(e);

describe('officer phone page, on the street', () => {
  it('a double tap takes one step at most: the next step is never under the finger; resolving asks for the outcome and a confirm, declining asks why', async () => {
    const chen = await onDuty('chen', 150, { locale: 'zh-CN' });
    const zh = strings['zh-CN'];
    const sent = answersSent(chen.page);
    const id = await raise({ category: 'fight', note: 'two men by the noodle stall', priority: 1 });
    await expectOffered(chen, id);
    const job = card(id);

    const steps = [['accept', 'accepted'], ['en_route', 'en_route'], ['on_scene', 'on_scene']] as const;
    for (const [i, [step, state]] of steps.entries()) {
      await doubleTap(chen, `${job} .answer--${step}`);
      await expect.poll(() => room.get(id)?.state, POLL).toBe(state);
      // The card takes taps again: a second answer, had the second tap made one, would have gone by now.
      await chen.page.waitForSelector(`${job} .answer--resolve-open:not([disabled])`, POLL);
      expect(sent).toEqual(steps.slice(0, i + 1).map(([s]) => s));
      expect(await text(chen.page, `${job} .job__state`)).toBe(zh[`job_${state}`]);
    }
    // Where the last tap landed, a step already done.
    expect(await text(chen.page, `${job} .step--on_scene`)).toMatch(/^✓ 已到场/);

    // Resolving: a double tap opens the outcome panel and sends nothing; its confirm is elsewhere and needs a choice.
    await doubleTap(chen, `${job} .answer--resolve-open`);
    await chen.page.waitForSelector(`${job} .panel--resolve`, POLL);
    expect(await chen.page.isEnabled(`${job} .answer--resolved`)).toBe(false);
    const opener = (await chen.page.locator(`${job} .answer--resolve-open`).boundingBox())!;
    const confirm = (await chen.page.locator(`${job} .answer--resolved`).boundingBox())!;
    expect(confirm.y).toBeGreaterThan(opener.y + opener.height);
    expect(await chen.page.$$eval(`${job} .choice`, (els) => els.map((e) => e.textContent))).toEqual(
      ['handled', 'warned', 'handed_over', 'unfounded', 'other'].map((o) => zh[`outcome_${o}` as keyof typeof zh]),
    );
    await shot(chen, 'officer-resolve-outcome-zh', true);
    expect(sent).toEqual(['accept', 'en_route', 'on_scene']);
    expect(room.get(id)?.state).toBe('on_scene');
    await chen.page.click(`${job} .choice[data-choice="warned"]`);
    await chen.page.fill(`${job} .panel__note textarea`, '口头警告，双方已离开');
    await chen.page.click(`${job} .answer--resolved`);
    await expect.poll(() => room.get(id)?.state, POLL).toBe('resolved');
    expect(room.get(id)!.outcome).toMatchObject({ code: 'warned', note: '口头警告，双方已离开', by: 'chen' });
    await expect.poll(() => chen.page.isVisible(job), POLL).toBe(false);

    // Declining: a double tap opens the reasons; only a chosen reason and the confirm decline it.
    const next = await raise({ category: 'theft', note: 'bicycle', priority: 2 });
    await expectOffered(chen, next);
    await doubleTap(chen, `${card(next)} .answer--decline-open`);
    await chen.page.waitForSelector(`${card(next)} .panel--decline`, POLL);
    expect(await chen.page.isEnabled(`${card(next)} .answer--decline`)).toBe(false);
    expect(sent).toEqual(['accept', 'en_route', 'on_scene', 'resolved']);
    await shot(chen, 'officer-decline-reason-zh', true);
    expect(await retiredShown(chen.page)).toEqual([]);
    await chen.page.click(`${card(next)} .choice[data-choice="too_far"]`);
    await chen.page.click(`${card(next)} .answer--decline`);
    await expect.poll(() => dispatchOf(next, 'chen')?.answer, POLL).toBe('decline');
    expect(dispatchOf(next, 'chen')!.declineReason).toBe('too_far');
    // The command room reads the reason beside the decline on the incident's card.
    const desk = await (await browser.newContext({ locale: 'zh-CN', viewport: { width: 1600, height: 900 } })).newPage();
    await desk.goto(`${t.base}/`);
    await desk.waitForSelector('#login[open]');
    await desk.fill('#login input[name="username"]', 'room');
    await desk.fill('#login input[name="password"]', 'room-password');
    await desk.click('#login button[type="submit"]');
    await desk.click('[data-tab="alerts"]');
    const row = `.ground-card[data-alert-id="${next}"] .dispatch__row[data-officer="chen"] .dispatch__answer`;
    await expect.poll(() => desk.isVisible(row), POLL).toBe(true);
    expect(await text(desk, row)).toMatch(new RegExp(` · ${zh.decline_too_far}$`));
    expect(
      await englishLeft(chen.page, 'body', { skip: ['.job__note', '.job__category-other', '#login', '.leaflet-control-attribution'], data: ['room', 'chen'] }),
    ).toEqual([]);
    expectClean(chen);
  });

  it('taps made offline wait on the phone, kept if it is closed, and go in order on reconnection with the time they were made; no error stays', async () => {
    const chen = await onDuty('chen', 150, { locale: 'zh-CN' });
    const zh = strings['zh-CN'];
    const id = await raise({ category: 'theft', note: 'scooter', priority: 2 });
    await expectOffered(chen, id);
    const job = card(id);

    await chen.context.setOffline(true);
    await expect.poll(() => chen.page.isVisible('#offline'), POLL).toBe(true);
    expect(await text(chen.page, '#offline')).toBe(zh.officerOffline);
    await answer(chen, id, 'accept');
    // The card goes on as if it went, and says the answers wait.
    await expect.poll(() => text(chen.page, `${job} .job__state`), POLL).toBe(zh.job_accepted);
    await expect.poll(() => chen.page.isVisible(`${job} .job__queued`), POLL).toBe(true);
    await answer(chen, id, 'en_route');
    await expect.poll(() => text(chen.page, `${job} .job__state`), POLL).toBe(zh.job_en_route);
    await expect.poll(() => text(chen.page, `${job} .job__queued`), POLL).toMatch(
      new RegExp(`^将在恢复网络后发送：${zh.reply_accept}（.+）${zh.listSeparator}${zh.reply_en_route}（.+）$`),
    );
    expect(await chen.page.isVisible(`${job} .job__error`)).toBe(false);
    const kept = await outbox(chen.page, 'chen');
    expect(kept.map((q) => [q.id, q.answer])).toEqual([[id, 'accept'], [id, 'en_route']]);
    expect(kept[1]!.at).toBeGreaterThan(kept[0]!.at);
    expect(room.get(id)?.state).toBe('dispatched');
    expect(await retiredShown(chen.page)).toEqual([]);
    await shot(chen, 'officer-offline-queued-zh', true);

    // The officer closes the browser while offline; later, with a network, opens the page again.
    await chen.page.close();
    await chen.context.setOffline(false);
    const page = await chen.context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`${t.base}/officer`);
    await expect.poll(() => room.get(id)?.state, POLL).toBe('en_route');
    // Applied in order, each at the time it was tapped.
    const steps = (await t.svc.store.groundAlerts.events(id)).filter((e) => e.kind === 'accept' || e.kind === 'en_route');
    expect(steps.map((e) => [e.kind, e.user, e.detail?.at])).toEqual([['accept', 'chen', kept[0]!.at], ['en_route', 'chen', kept[1]!.at]]);
    expect(dispatchOf(id, 'chen')).toMatchObject({ answer: 'en_route', answeredAt: kept[1]!.at });
    await expect.poll(() => outbox(page, 'chen'), POLL).toEqual([]);
    await expect.poll(() => text(page, `${job} .job__state`), POLL).toBe(zh.job_en_route);
    expect(await page.isVisible(`${job} .job__queued`)).toBe(false);
    expect(await page.isVisible(`${job} .job__error`)).toBe(false);
    expect(await page.isVisible('#offline')).toBe(false);
    expect(errors.filter((e) => !e.includes('status of 401'))).toEqual([]);
    expect(chen.errors.filter((e) => !offlineNoise(e) && !e.includes('status of 401 '))).toEqual([]);
  });

  it('an answer waiting while the session ended is kept, and goes once the officer has logged in again', async () => {
    const chen = await onDuty('chen', 150, { locale: 'zh-CN' });
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const id = await raise({ category: 'traffic', note: 'two cars, no injuries', priority: 2 });
    await expectOffered(chen, id);
    await chen.context.setOffline(true);
    await answer(chen, id, 'accept');
    await expect.poll(() => chen.page.isVisible(`${card(id)} .job__queued`), POLL).toBe(true);
    const [tapped] = await outbox(chen.page, 'chen');
    // Meanwhile an administrator changes her password: her sessions end.
    expect((await t.api('PATCH', '/api/users/chen', admin, { password: 'chen-new-password' })).status).toBe(200);

    await chen.context.setOffline(false);
    // The service says 401 to the waiting answer: it stays on the phone, which asks for a login.
    await chen.page.waitForSelector('#login[open]', POLL);
    expect((await outbox(chen.page, 'chen')).map((q) => [q.answer, q.at])).toEqual([['accept', tapped!.at]]);
    expect(room.get(id)?.state).toBe('dispatched');
    await chen.page.fill('#login input[name="username"]', 'chen');
    await chen.page.fill('#login input[name="password"]', 'chen-new-password');
    await chen.page.click('#login button[type="submit"]');
    await expect.poll(() => room.get(id)?.assignee?.officer, POLL).toBe('chen');
    expect((await t.svc.store.groundAlerts.events(id)).find((e) => e.kind === 'accept')?.detail).toMatchObject({ at: tapped!.at });
    await expect.poll(() => outbox(chen.page, 'chen'), POLL).toEqual([]);
  });

  it('a late "on scene" made offline after the command room reassigned the job is recorded, not applied, and the phone says so', async () => {
    const chen = await onDuty('chen', 150, { locale: 'zh-CN' });
    await t.user('wang', ['officer']);
    const id = await raise({ category: 'fight', note: 'by the bus stop', priority: 1 });
    await expectOffered(chen, id);
    await answer(chen, id, 'accept');
    await expect.poll(() => room.get(id)?.assignee?.officer, POLL).toBe('chen');

    await chen.context.setOffline(true);
    await answer(chen, id, 'on_scene');
    await expect.poll(() => chen.page.isVisible(`${card(id)} .job__queued`), POLL).toBe(true);
    const [tapped] = await outbox(chen.page, 'chen');
    expect((await t.api('POST', `/api/alerts/${id}/reassign`, command, { officer: 'wang' })).status).toBe(200);
    const reassigned = room.get(id)!;

    await chen.context.setOffline(false);
    await expect.poll(() => chen.page.isVisible('#late-answers'), POLL).toBe(true);
    const zh = strings['zh-CN'];
    expect(await text(chen.page, '#late-answers .late__text')).toMatch(
      new RegExp(`^任务 ${id}：离线时的“${zh.reply_on_scene}”（.+）未被采用：${translate('zh-CN', 'late_reassigned', { to: 'wang' })}$`),
    );
    // Recorded in the incident's story with the time it was tapped; not applied.
    const refused = (await t.svc.store.groundAlerts.events(id)).filter((e) => e.kind === 'refused');
    expect(refused.map((e) => ({ user: e.user, answer: e.detail?.answer, at: e.detail?.at }))).toEqual([{ user: 'chen', answer: 'on_scene', at: tapped!.at }]);
    expect((await t.svc.store.groundAlerts.events(id)).some((e) => e.kind === 'on_scene')).toBe(false);
    await expect.poll(() => room.get(id)?.state, POLL).toBe('dispatched');
    expect(room.get(id)!.dispatch.find((d) => d.officer === 'wang')).toMatchObject({ withdrawn: null });
    expect(room.get(id)!.assignee).toEqual(reassigned.assignee);
    // The job left chen's phone; nothing waits, no error stays, the note goes when read.
    await expect.poll(() => chen.page.isVisible(card(id)), POLL).toBe(false);
    expect(await outbox(chen.page, 'chen')).toEqual([]);
    expect(await chen.page.isVisible('#offline')).toBe(false);
    await shot(chen, 'officer-late-answer-zh', true);
    await chen.page.click('#late-answers .late__dismiss');
    expect(await chen.page.isVisible('#late-answers')).toBe(false);
    // The command room's history shows it in the incident's story, beside the steps.
    const desk = await (await browser.newContext({ locale: 'zh-CN', viewport: { width: 1600, height: 900 } })).newPage();
    await desk.goto(`${t.base}/`);
    await desk.waitForSelector('#login[open]');
    await desk.fill('#login input[name="username"]', 'room');
    await desk.fill('#login input[name="password"]', 'room-password');
    await desk.click('#login button[type="submit"]');
    await desk.click('[data-tab="history"]');
    const row = `.incident-row[data-incident-id="${id}"]`;
    await desk.click(`${row} summary`, POLL);
    const line = `${row} .incident-row__not-applied li[data-officer="chen"][data-answer="on_scene"]`;
    await expect.poll(() => desk.isVisible(line), POLL).toBe(true);
    expect(await desk.getAttribute(line, 'data-time')).toBe(String(tapped!.at));
    expect(await text(desk, line)).toMatch(
      new RegExp(`^chen：“${zh.reply_on_scene}”（.+ 离线时作出）未采用：${translate('zh-CN', 'late_reassigned', { to: 'wang' })}$`),
    );
    expect(chen.errors.filter((e) => !offlineNoise(e) && !/status of (401|409) /.test(e))).toEqual([]);
  });
});

describe('officer phone page, installed', () => {
  it('is installable: Chromium finds a valid manifest, icons and a service worker', async () => {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-officer-profile-'));
    // Installing needs a real profile: a throwaway (incognito-like) context never qualifies.
    const context = await chromium.launchPersistentContext(profile, { ...LAUNCH, viewport: { width: 360, height: 640 } });
    try {
      const page = await context.newPage();
      await page.goto(`${t.base}/officer`);
      await expect.poll(() => page.evaluate(async () => (await navigator.serviceWorker.getRegistration('/officer'))?.active?.scriptURL ?? null), POLL)
        .toBe(`${t.base}/officer-sw.js`);
      const cdp = await context.newCDPSession(page);
      const manifest = await cdp.send('Page.getAppManifest');
      expect(manifest.errors).toEqual([]);
      expect(JSON.parse(manifest.data!)).toMatchObject({ start_url: '/officer', display: 'standalone' });
      await expect.poll(async () => (await cdp.send('Page.getInstallabilityErrors')).installabilityErrors, POLL).toEqual([]);
    } finally {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    }
  });
});
