import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../server/store/users.ts';
import { ADMIN_PASSWORD, testService } from '../helpers/service.ts';

type T = Awaited<ReturnType<typeof testService>>;
let t: T;
const tokens: Record<string, string> = {};
const ROLES: Role[] = ['pilot', 'command', 'officer', 'admin'];

beforeAll(async () => {
  t = await testService();
  for (const r of ROLES) tokens[r] = await t.user(`${r}1`, [r]);
});
afterAll(() => t.close());

/** Every API route with the roles allowed to use it. */
const ROUTES: [method: string, url: string, allowed: Role[], body?: unknown][] = [
  ['GET', '/api/vehicles', ['pilot', 'command', 'admin']],
  ['GET', '/api/vehicles/l1-1', ['pilot', 'command', 'admin']],
  ['GET', '/api/links', ['pilot', 'command', 'admin']],
  ['GET', '/api/me', ['pilot', 'command', 'officer', 'admin']],
  ['GET', '/api/audit', ['admin']],
  ['GET', '/api/users', ['admin']],
  ['POST', '/api/users', ['admin'], { name: 'x', password: 'short', roles: [] }],
  ['PATCH', '/api/users/nobody', ['admin'], { disabled: true }],
  ['DELETE', '/api/users/nobody', ['admin']],
];

describe('role matrix over every route', () => {
  for (const [method, url, allowed, body] of ROUTES) {
    for (const role of ROLES) {
      const ok = allowed.includes(role);
      it(`${method} ${url} as ${role}: ${ok ? 'allowed' : '403'}`, async () => {
        const r = await t.api(method, url, tokens[role], body);
        if (ok) expect([200, 201, 400, 404]).toContain(r.status);
        else {
          expect(r.status).toBe(403);
          expect(r.body.error).toContain(`needs the role ${allowed.join(' or ')}`);
        }
      });
    }
    it(`${method} ${url} without a session: 401`, async () => {
      const r = await t.api(method, url, undefined, body);
      expect(r.status).toBe(401);
      expect(r.body.error).toMatch(/not logged in: no session/);
    });
    it(`${method} ${url} with a forged token: 401`, async () => {
      const r = await t.api(method, url, 'forged-token-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', body);
      expect(r.status).toBe(401);
      expect(r.body.error).toMatch(/session unknown/);
    });
  }
});

describe('socket.io live updates by role', () => {
  const snapshotFor = (token?: string) =>
    new Promise<string>((resolve) => {
      const s = t.socket(token);
      s.on('vehicles:snapshot', () => resolve('snapshot'));
      s.on('connect_error', (err) => resolve(`refused: ${err.message}`));
      s.on('connect', () => setTimeout(() => resolve('connected, nothing sent'), 1500));
    });

  it.each(['pilot', 'command', 'admin'] as const)('%s receives the fleet', async (role) => {
    expect(await snapshotFor(tokens[role])).toBe('snapshot');
  });
  it('an officer connects but receives no fleet data', async () => {
    expect(await snapshotFor(tokens.officer)).toBe('connected, nothing sent');
  });
  it('no session or a forged one is refused', async () => {
    expect(await snapshotFor()).toMatch(/refused: not logged in: no session/);
    expect(await snapshotFor('forged')).toMatch(/refused: not logged in: session unknown/);
  });
});

describe('login, logout and their audit', () => {
  it('a wrong password is 401 and audited; the first admin can log in and read the audit', async () => {
    const bad = await t.api('POST', '/api/login', undefined, { username: 'admin', password: 'guess' });
    expect(bad).toMatchObject({ status: 401, body: { error: 'wrong user name or password' } });
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const audit = await t.api('GET', '/api/audit?action=login', admin);
    expect(audit.status).toBe(200);
    const entries = audit.body as { user: string; result: string; detail: { reason?: string } | null }[];
    expect(entries.find((e) => e.user === 'admin' && e.result === 'denied')?.detail?.reason).toBe('wrong password');
    expect(entries.some((e) => e.user === 'admin' && e.result === 'ok')).toBe(true);
    const denied = await t.api('GET', '/api/audit?action=access.denied', admin);
    expect(denied.body.some((e: { result: string; target: string }) => e.result === '403' && e.target === 'GET /api/audit')).toBe(true);
  });

  it('the login sets an HTTP-only cookie that works, and logout ends the session', async () => {
    const res = await fetch(`${t.base}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'pilot1', password: 'pilot1-password' }),
    });
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/skybeat_session=.+; .*HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const pair = cookie.split(';')[0]!;
    expect((await t.api('GET', '/api/me', undefined, undefined, { cookie: pair })).body.name).toBe('pilot1');
    await t.api('POST', '/api/logout', undefined, undefined, { cookie: pair });
    expect((await t.api('GET', '/api/me', undefined, undefined, { cookie: pair })).status).toBe(401);
  });

  it('malformed bodies get 400 naming the field', async () => {
    const r1 = await t.api('POST', '/api/login', undefined, '{"username": ');
    expect(r1.status).toBe(400);
    expect(r1.body.error).toMatch(/not valid JSON/);
    const r2 = await t.api('POST', '/api/login', undefined, { username: 'x' });
    expect(r2).toMatchObject({ status: 400 });
    expect(r2.body.error).toMatch(/^invalid request body: password: /);
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const r3 = await t.api('POST', '/api/users', admin, { name: 'bad name!', password: 'long-enough-pw', roles: ['pilot', 'captain'] });
    expect(r3.status).toBe(400);
    expect(r3.body.error).toMatch(/name: letters, digits/);
    expect(r3.body.error).toMatch(/roles\.1: /);
  });

  it('security headers are set', async () => {
    const r = await t.api('GET', '/api/health');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(r.headers.get('x-powered-by')).toBeNull();
  });

  it('login attempts are rate-limited per account', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await t.api('POST', '/api/login', undefined, { username: 'command1', password: 'nope' })).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429]);
  });
});
