/**
 * Only the service's own pages, and configured origins, may open the live stream or change
 * anything over REST (issue 13, item 6): a page on another port of the same host is "same site",
 * so the SameSite cookie does not stop it. Real service, real socket.io clients sending the Origin
 * a browser would send; tests/browser/foreign-origin.test.ts does the same from a real page.
 */

import { io as connectSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { ADMIN_PASSWORD, testService } from '../helpers/service.ts';

type T = Awaited<ReturnType<typeof testService>>;
const CONSOLE = 'https://console.station.example';

let t: T;
let admin: string;
beforeAll(async () => {
  t = await testService({ allowedOrigins: [CONSOLE] });
  admin = await t.login('admin', ADMIN_PASSWORD);
});
afterAll(() => t?.close());

/** A live connection as a browser page at `origin` would open it (undefined: no Origin, as scripts). */
function connectFrom(origin: string | undefined, transport: 'websocket' | 'polling'): Promise<string> {
  return new Promise((resolve) => {
    const s = connectSocket(t.base, {
      auth: { token: admin },
      transports: [transport],
      reconnection: false,
      extraHeaders: origin ? { origin } : {},
    });
    s.on('vehicles:snapshot', () => {
      resolve('read the fleet');
      s.close();
    });
    s.on('connect_error', (err) => {
      const context = (err as { context?: { responseText?: string } }).context;
      resolve(`refused: ${context?.responseText ?? err.message}`);
      s.close();
    });
  });
}

describe('socket.io', () => {
  const port = () => new URL(t.base).port;

  it.each(['websocket', 'polling'] as const)('refuses a page on another port of the same host (%s)', async (transport) => {
    expect(await connectFrom(`http://127.0.0.1:${Number(port()) + 1}`, transport)).toMatch(/^refused/);
  });

  it('says why, over polling where the answer can be read', async () => {
    expect(await connectFrom('http://evil.example', 'polling')).toContain('pages from http://evil.example may not use this service');
  });

  it.each([
    ['its own origin', () => `http://127.0.0.1:${port()}`],
    ['its own host over https (a TLS front)', () => `https://127.0.0.1:${port()}`],
    ['a configured origin', () => CONSOLE],
    ['no Origin at all (a script, a phone app)', () => undefined],
  ])('accepts %s', async (_what, origin) => {
    expect(await connectFrom(origin(), 'websocket')).toBe('read the fleet');
  });

  it('refuses the "null" origin of sandboxed pages and files', async () => {
    expect(await connectFrom('null', 'websocket')).toMatch(/^refused/);
  });
});

describe('REST', () => {
  const cleanup = cleanupAfterEach();
  const foreign = { origin: 'http://127.0.0.1:1' };

  it('a state-changing request from a foreign page is 403 with the reason, and changes nothing', async () => {
    const token = await t.user('ma.lin', ['pilot']);
    const r = await t.api('POST', '/api/logout', token, undefined, foreign);
    expect(r.status).toBe(403);
    expect(r.body.error).toMatch(
      /refused: pages from http:\/\/127\.0\.0\.1:1 may not use this service; only its own pages and https:\/\/console\.station\.example/,
    );
    expect((await t.api('GET', '/api/me', token)).status).toBe(200); // still logged in
    expect((await t.api('POST', '/api/login', undefined, { username: 'ma.lin', password: 'ma.lin-password' }, foreign)).status).toBe(403);
  });

  it('reading is left to the browser (no CORS headers, so a foreign page cannot read the answer)', async () => {
    const r = await t.api('GET', '/api/me', admin, undefined, foreign);
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('its own pages and configured origins change things as before', async () => {
    const own = await t.api('POST', '/api/login', undefined, { username: 'admin', password: ADMIN_PASSWORD }, { origin: t.base });
    expect(own.status).toBe(200);
    expect((await t.api('POST', '/api/logout', own.body.token, undefined, { origin: CONSOLE })).status).toBe(200);
  });

  it('refusals are audited, counted per address', async () => {
    const fresh = await testService();
    cleanup.push(() => fresh.close());
    const token = await fresh.login('admin', ADMIN_PASSWORD);
    type Row = { result: string; target: string; detail: { count: number; targets?: string[] } };
    const refusals = async () => ((await fresh.api('GET', '/api/audit?action=access.denied', token)).body as Row[]).filter((e) => e.result === 'origin');
    const refuse = () => fresh.api('DELETE', '/api/users/ma.lin', token, undefined, { origin: 'http://evil.example' });
    await refuse();
    const before = await refusals();
    expect(before.length).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) await refuse();
    const after = await refusals();
    expect(after.length).toBe(before.length); // the same row, counting
    const counted = (rows: Row[]) => rows.reduce((n, e) => n + e.detail.count, 0);
    expect(counted(after) - counted(before)).toBe(3);
    expect(after.flatMap((e) => e.detail.targets ?? [e.target])).toContain('DELETE /api/users/ma.lin from http://evil.example');
  });
});

describe('configuration', () => {
  it('allowedOrigins from the file or SKYBEAT_ALLOWED_ORIGINS, normalised; a path or another scheme is refused', () => {
    const c = loadConfig([], { SKYBEAT_ALLOWED_ORIGINS: 'https://Console.Station.example:443, http://10.0.0.5:8080' });
    expect(c !== 'help' && c.allowedOrigins).toEqual(['https://console.station.example', 'http://10.0.0.5:8080']);
    expect(() => loadConfig([], { SKYBEAT_ALLOWED_ORIGINS: 'https://x.example/app' })).toThrow(/SKYBEAT_ALLOWED_ORIGINS.*without a path/);
    expect(() => loadConfig([], { SKYBEAT_ALLOWED_ORIGINS: 'ftp://x.example' })).toThrow(/not an http or https origin/);
  });
});
