/**
 * The admin tab's accounts (账号管理) in a real Chromium against the real service, in Chinese: one
 * node whose station is hf (城东派出所). An admin adds a pilot for station hf with a password made
 * in the page; that password, shown once, logs the pilot in over the API, whose /api/me says the
 * station. The admin moves the pilot to the whole city (the pilot's session ends: 401), disables the
 * account (its login is refused), and removes it after a confirmation. Disabling the last enabled
 * admin, or taking its admin role, is refused, and the page says why in Chinese. The web app is
 * built by tests/browser/global-setup.ts; the picture is test-artifacts/admin-accounts-zh.png.
 */

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../server/auth/passwords.ts';
import type { AccountView } from '../../server/wire/types.ts';
import { strings } from '../../web/src/i18n.ts';
import { SERVER_MESSAGES_ZH } from '../../web/src/strings/server-messages-zh-CN.ts';
import { ADMIN_PASSWORD, testService } from '../helpers/service.ts';
import { assertFreshBuild, englishLeft, fill, launchBrowser, logIn, openPage, POLL, screenshot, text, unexpected, WEB_DIR } from './browser.ts';

type TestService = Awaited<ReturnType<typeof testService>>;

const STATION = { id: 'hf', name: '城东派出所', lat: 28.37, lon: 121.38, radiusKm: 20 };
const PILOT = { name: 'wang.fang', displayName: '王芳' };
const ROW = `.account[data-name="${PILOT.name}"]`;
const ADMIN_ROW = '.account[data-name="admin"]';
const NEW = '.account-form--new';
const zh = strings['zh-CN'];

describe('accounts in the admin tab (账号管理), in Chinese', () => {
  let service: TestService;
  let browser: Browser | undefined;
  let page: Page;
  let errors: string[];
  let admin: string;
  let password: string;
  let pilotToken: string;

  const accounts = async () => (await service.api('GET', '/api/users', admin)).body as AccountView[];
  const outcome = () => text(page, '.accounts__outcome');

  beforeAll(async () => {
    assertFreshBuild();
    service = await testService({ webDir: WEB_DIR, station: STATION });
    admin = await service.login('admin', ADMIN_PASSWORD);
    // The station's command room: a station's account made by the users command, listed with its station's name.
    await service.svc.store.users.add('hf.room', await hashPassword('hf.room-password'), ['command'], '城东指挥室', STATION.id);
    browser = await launchBrowser();
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1600, height: 900 } });
    ({ page, errors } = await openPage(context, service.base));
    await logIn(page, 'admin', ADMIN_PASSWORD);
    await page.waitForSelector('#connection[data-state="connected"]', { timeout: POLL.timeout });
    await page.click('[data-tab="admin"]');
    await page.waitForSelector(ADMIN_ROW, { timeout: POLL.timeout });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await service?.close();
  });

  it('lists the accounts with their roles and stations, in Chinese', async () => {
    expect(await text(page, '.accounts .sidebar__title')).toBe(zh.accountsTitle);
    expect(await page.$$eval('.account', (rows) => rows.map((r) => (r as HTMLElement).dataset.name))).toEqual(['admin', 'hf.room']);
    expect(await page.$$eval(`${ADMIN_ROW} .account__role`, (roles) => roles.map((r) => r.textContent))).toEqual([zh.rolePilot, zh.roleCommand, zh.roleAdmin]);
    expect(await text(page, `${ADMIN_ROW} .account__scope`)).toBe(zh.accountScopeCity);
    expect(await text(page, `${ADMIN_ROW} .account__you`)).toBe(zh.accountYou);
    expect(await page.isDisabled(`${ADMIN_ROW} .account__remove`)).toBe(true); // nobody removes their own account
    const room = '.account[data-name="hf.room"]';
    expect(await text(page, `${room} .account__display`)).toBe('城东指挥室');
    await expect.poll(() => text(page, `${room} .account__scope`), POLL).toBe(`${STATION.name}${STATION.id}`);
    expect(await text(page, `${room} .account__state`)).toBe(zh.accountState_enabled);
  });

  it("adds a station's pilot with a password made in the page, shown once, which logs the pilot in", async () => {
    await page.click('.accounts__add');
    await page.fill(`${NEW} .account-form__name`, PILOT.name);
    await page.fill(`${NEW} .account-form__display`, PILOT.displayName);
    // No role ticked: the page says so in Chinese and sends nothing.
    await page.click(`${NEW} .account-form__submit`);
    expect(await text(page, `${NEW} .account-form__problem`)).toBe(zh.accountProblemRoles);
    expect((await accounts()).map((u) => u.name)).toEqual(['admin', 'hf.room']);

    await page.check(`${NEW} input[name="role"][value="pilot"]`);
    const hf = `${NEW} .account-scope__select option[value="${STATION.id}"]`;
    await expect.poll(() => page.$(hf).then((o) => o?.textContent()), POLL).toBe(fill(zh.accountStationOption, { name: STATION.name, id: STATION.id }));
    await page.selectOption(`${NEW} .account-scope__select`, STATION.id);
    expect(await page.isChecked(`${NEW} input[name="password"][value="generate"]`)).toBe(true);
    await screenshot(page, 'admin-accounts-zh-form');
    await page.click(`${NEW} .account-form__submit`);

    await expect.poll(() => page.isVisible('.account-handover'), POLL).toBe(true);
    expect(await text(page, '.account-handover__title')).toBe(fill(zh.accountHandoverTitle, { name: PILOT.name }));
    password = await text(page, '.account-handover__password');
    expect(password).toMatch(/^[A-Za-z2-9]{16}$/);
    expect(await outcome()).toBe(fill(zh.accountAdded, { name: PILOT.name }));
    expect(await page.isVisible(NEW)).toBe(false);
    expect(await page.getAttribute(ROW, 'data-scope')).toBe(STATION.id);
    expect(await text(page, `${ROW} .account__display`)).toBe(PILOT.displayName);
    expect(await page.$$eval(`${ROW} .account__role`, (roles) => roles.map((r) => r.textContent))).toEqual([zh.rolePilot]);
    expect(await text(page, `${ROW} .account__scope`)).toBe(`${STATION.name}${STATION.id}`);
    await screenshot(page, 'admin-accounts-zh-added');

    // The password shown is the one the service took: the pilot logs in with it, for station hf.
    pilotToken = await service.login(PILOT.name, password);
    expect((await service.api('GET', '/api/me', pilotToken)).body).toMatchObject({
      name: PILOT.name,
      displayName: PILOT.displayName,
      roles: ['pilot'],
      scope: STATION.id,
    });

    await page.click('.account-handover__done');
    expect(await page.isVisible('.account-handover')).toBe(false); // shown once: nothing can show it again
  });

  it("moves the pilot to the whole city: the pilot's session ends", async () => {
    await page.click(`${ROW} .account__edit`);
    const editor = `${ROW} .account-form`;
    expect(await page.isDisabled(`${editor} .account-form__save`)).toBe(true); // nothing changed yet
    await page.selectOption(`${editor} .account-scope__select`, 'city');
    expect(await text(page, `${editor} .account-form__note`)).toBe(fill(zh.accountEndsSessions, { name: PILOT.name }));
    await page.click(`${editor} .account-form__save`);
    await expect.poll(() => page.getAttribute(ROW, 'data-scope'), POLL).toBe('city');
    expect(await text(page, `${ROW} .account__scope`)).toBe(zh.accountScopeCity);
    expect(await outcome()).toBe(fill(zh.accountSaved, { name: PILOT.name }));
    expect(await page.isVisible(editor)).toBe(false);

    expect((await service.api('GET', '/api/me', pilotToken)).status).toBe(401);
    pilotToken = await service.login(PILOT.name, password);
    expect((await service.api('GET', '/api/me', pilotToken)).body).toMatchObject({ name: PILOT.name, scope: 'city' });
  });

  it('disables the account, then removes it after a confirmation', async () => {
    await page.click(`${ROW} .account__toggle`);
    await expect.poll(() => page.getAttribute(ROW, 'data-disabled'), POLL).toBe('true');
    expect(await text(page, `${ROW} .account__state`)).toBe(zh.accountState_disabled);
    expect(await text(page, `${ROW} .account__toggle`)).toBe(zh.accountEnable);
    expect(await outcome()).toBe(fill(zh.accountDisabledDone, { name: PILOT.name }));
    expect((await service.api('GET', '/api/me', pilotToken)).status).toBe(401);
    const login = await service.api('POST', '/api/login', undefined, { username: PILOT.name, password });
    expect(login.status).toBe(401);

    // Asked first; cancelled, nothing is removed.
    await page.click(`${ROW} .account__remove`);
    await expect.poll(() => page.isVisible('#confirm'), POLL).toBe(true);
    expect(await text(page, '#confirm .dialog__title')).toBe(zh.confirmAccountRemoveTitle);
    expect(await text(page, '#confirm .confirm__message')).toBe(fill(zh.confirmAccountRemove, { name: PILOT.name }));
    expect(await text(page, '#confirm .confirm__yes')).toBe(fill(zh.accountRemoveConfirm, { name: PILOT.name }));
    await page.click('#confirm .confirm__no');
    expect(await page.isVisible('#confirm')).toBe(false);
    expect((await accounts()).some((u) => u.name === PILOT.name)).toBe(true);

    await page.click(`${ROW} .account__remove`);
    await expect.poll(() => page.isVisible('#confirm'), POLL).toBe(true);
    await page.click('#confirm .confirm__yes');
    await expect.poll(() => page.$$(ROW).then((rows) => rows.length), POLL).toBe(0);
    expect(await outcome()).toBe(fill(zh.accountRemovedDone, { name: PILOT.name }));
    expect((await accounts()).map((u) => u.name)).toEqual(['admin', 'hf.room']);
  });

  it('refuses to disable the last enabled admin or take its role, saying why in Chinese', async () => {
    const refusal = (code: 'user_last_admin_disable' | 'user_last_admin_role') =>
      fill(zh.accountFailed, { name: 'admin', reason: fill(SERVER_MESSAGES_ZH[code], { user: 'admin' }) });
    await page.click(`${ADMIN_ROW} .account__toggle`);
    await expect.poll(outcome, POLL).toBe(refusal('user_last_admin_disable'));
    expect(await page.getAttribute('.accounts__outcome', 'data-outcome')).toBe('refused');
    expect(await page.getAttribute(ADMIN_ROW, 'data-disabled')).toBe('false');

    await page.click(`${ADMIN_ROW} .account__edit`);
    await page.uncheck(`${ADMIN_ROW} .account-form input[name="role"][value="admin"]`);
    await page.click(`${ADMIN_ROW} .account-form__save`);
    await expect.poll(outcome, POLL).toBe(refusal('user_last_admin_role'));
    // Nothing changed: still an enabled admin, still logged in.
    expect((await service.api('GET', '/api/me', admin)).body).toMatchObject({ name: 'admin', roles: ['admin', 'command', 'pilot'] });
    expect(await page.$$eval(`${ADMIN_ROW} .account__role`, (roles) => roles.map((r) => r.textContent))).toEqual([zh.rolePilot, zh.roleCommand, zh.roleAdmin]);

    expect(await englishLeft(page, '#admin-panel', { data: ['admin', 'hf.room', STATION.id] })).toEqual([]);
    await screenshot(page, 'admin-accounts-zh');
    expect(unexpected(errors, [409])).toEqual([]);
  });
});
