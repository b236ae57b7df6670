/**
 * Issue 13 (items 5 and 6) in a real Chromium: a page served from another port of the station's
 * host — same site, so the SameSite=Strict cookie rides along — can neither read the live stream
 * nor change anything; and the map page whose account is disabled is told why and asked to log
 * in, instead of going on receiving the fleet.
 */

import http from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { strings } from '../../web/src/i18n.ts';
import { ADMIN_PASSWORD, testService } from '../helpers/service.ts';
import { assertFreshBuild, fill, launchBrowser, logIn, openPage, POLL, text, unexpected, WEB_DIR } from './browser.ts';

type T = Awaited<ReturnType<typeof testService>>;

/** The attacker's page: opens the live stream as socket.io's own client would, and posts a logout. */
const foreignPage = (service: string) =>
  `<!doctype html><meta charset="utf-8"><title>elsewhere</title><script>
  const got = (window.got = []);
  const ws = new WebSocket('ws://${service}/socket.io/?EIO=4&transport=websocket');
  ws.onopen = () => got.push('open');
  ws.onmessage = (m) => {
    const data = String(m.data);
    got.push(data.slice(0, 40));
    if (data.startsWith('0')) ws.send('40'); // engine.io open: join the main namespace
    if (data === '2') ws.send('3');
  };
  ws.onerror = () => got.push('error');
  ws.onclose = () => got.push('closed');
  fetch('http://${service}/api/logout', { method: 'POST', mode: 'no-cors', credentials: 'include' })
    .then(() => got.push('posted'), () => got.push('post failed'));
</script>`;

describe('pages and sessions in a real browser', () => {
  let t: T;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let elsewhere: http.Server;
  let elsewhereBase: string;

  beforeAll(async () => {
    assertFreshBuild();
    t = await testService({ webDir: WEB_DIR });
    await t.user('pilot1', ['pilot']);
    const service = new URL(t.base).host;
    elsewhere = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(foreignPage(service)));
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    elsewhereBase = `http://127.0.0.1:${(elsewhere.address() as { port: number }).port}`;
    browser = await launchBrowser();
    context = await browser.newContext({ locale: 'en-GB' });
    ({ page, errors } = await openPage(context, t.base));
    await logIn(page, 'pilot1', 'pilot1-password');
    await page.waitForSelector('#connection[data-state="connected"]');
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => elsewhere?.close(resolve));
    await t?.close();
  });

  it('a page on another port of the same host can neither read the live stream nor log the pilot out', async () => {
    const foreign = await context.newPage();
    await foreign.goto(elsewhereBase);
    const seen = () => foreign.evaluate(() => (window as unknown as { got: string[] }).got);
    // The logout's answer is unreadable either way (helmet's Cross-Origin-Resource-Policy makes the
    // fetch fail), but it settles only after the service has handled the request.
    await expect.poll(async () => {
      const g = await seen();
      return g.includes('closed') && (g.includes('posted') || g.includes('post failed'));
    }, POLL).toBe(true);
    const got = await seen();
    expect(got).not.toContain('open');
    expect(got.some((m) => m.startsWith('42'))).toBe(false); // no event of any kind reached it
    // The pilot's session is untouched: the page's own request still works.
    expect(await page.evaluate(async () => (await fetch('/api/me')).status)).toBe(200);
    expect(await page.getAttribute('#connection', 'data-state')).toBe('connected');
    await foreign.close();
  });

  it('the map page of an account being disabled says why at once and asks for a login', async () => {
    const admin = await t.login('admin', ADMIN_PASSWORD);
    expect((await t.api('PATCH', '/api/users/pilot1', admin, { disabled: true })).status).toBe(200);
    await expect.poll(() => page.getAttribute('#connection', 'data-state'), POLL).toBe('refused');
    expect(await text(page, '#connection')).toBe(fill(strings.en.connRefused, { detail: 'session ended: this account was disabled' }));
    await page.waitForSelector('#login[open]');
    expect(unexpected(errors)).toEqual([]);
  });
});
