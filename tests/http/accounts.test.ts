/**
 * Accounts (issue 13, item 11): a login's time does not tell which accounts exist, names are
 * one account in any case, and the station always keeps an enabled admin. Real service and
 * database; the login's password check is counted, not timed.
 */

import fs from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../server/auth/passwords.ts';
import { createAuthRouter } from '../../server/http/auth.ts';
import { openStore, type Store } from '../../server/store/index.ts';
import { ADMIN_PASSWORD, testService } from '../helpers/service.ts';

describe('login timing: every attempt spends one scrypt with the real parameters', () => {
  let store: Store;
  let server: http.Server;
  let base: string;
  /** the stored hashes the login checked a password against, in order */
  const checked: string[] = [];

  beforeAll(async () => {
    store = await openStore(fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-login-')));
    await store.users.add('li.wei', await hashPassword('li.wei-password'), ['pilot']);
    await store.users.add('gone.away', await hashPassword('gone.away-password'), ['pilot']);
    await store.users.update('gone.away', { disabled: true });
    const app = express();
    app.use(
      '/api',
      createAuthRouter({
        users: store.users,
        audit: store.audit,
        verifyPassword: (password, stored) => {
          checked.push(stored);
          return verifyPassword(password, stored);
        },
      }),
    );
    await new Promise<void>((resolve) => {
      server = app.listen(0, '127.0.0.1', () => resolve());
    });
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await store?.close();
  });

  const login = async (username: string, password: string) => {
    checked.length = 0;
    const r = await fetch(`${base}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    return { status: r.status, hashes: [...checked] };
  };
  /** "scrypt$N$r$p": what decides how long a check takes */
  const cost = (stored: string) => stored.split('$').slice(0, 4).join('$');

  it.each([
    ['a known account, wrong password', 'li.wei', 'not-the-password', 401],
    ['an unknown account', 'nobody.here', 'not-the-password', 401],
    ['a disabled account, right password', 'gone.away', 'gone.away-password', 401],
    ['a known account, right password', 'li.wei', 'li.wei-password', 200],
  ])('%s', async (_what, username, password, status) => {
    const r = await login(username, password);
    expect(r.status).toBe(status);
    expect(r.hashes).toHaveLength(1);
    expect(cost(r.hashes[0]!)).toBe(cost((await store.users.byName('li.wei'))!.passwordHash));
  });
});

describe('accounts over the API', () => {
  type T = Awaited<ReturnType<typeof testService>>;
  let t: T;
  let admin: string;
  beforeAll(async () => {
    t = await testService();
    admin = await t.login('admin', ADMIN_PASSWORD);
  });
  afterAll(() => t?.close());

  it('an admin cannot delete their own account by writing its name in another case', async () => {
    for (const name of ['ADMIN', 'Admin', 'admin']) {
      const r = await t.api('DELETE', `/api/users/${name}`, admin);
      expect(r).toMatchObject({ status: 400, body: { error: 'you cannot delete your own account', said: { code: 'user_delete_self' } } });
    }
    expect((await t.api('GET', '/api/me', admin)).status).toBe(200);
  });

  it('names are one account in any case, for every letter, not only a–z', async () => {
    expect((await t.api('POST', '/api/users', admin, { name: 'émile', password: 'emile-password', roles: ['pilot'] })).status).toBe(201);
    const twin = await t.api('POST', '/api/users', admin, { name: 'ÉMILE', password: 'emile-password', roles: ['pilot'] });
    expect(twin).toMatchObject({ status: 409, body: { error: 'user "ÉMILE" already exists', said: { code: 'user_exists', params: { user: 'ÉMILE' } } } });
    expect((await t.api('POST', '/api/login', undefined, { username: 'Émile', password: 'emile-password' })).body.user.name).toBe('émile');
    expect((await t.api('PATCH', '/api/users/ÉMILE', admin, { displayName: 'Émile Dupont' })).body.displayName).toBe('Émile Dupont');
  });

  it('an account that is not there is 404, said as a message too', async () => {
    const missing = { status: 404, body: { error: 'no user "nobody.here"', said: { code: 'user_unknown', params: { user: 'nobody.here' } } } };
    expect(await t.api('PATCH', '/api/users/nobody.here', admin, { displayName: 'Nobody' })).toMatchObject(missing);
    expect(await t.api('DELETE', '/api/users/nobody.here', admin)).toMatchObject(missing);
  });

  it('the last enabled admin cannot be disabled or lose the role; with another admin, it can', async () => {
    // The English for API users, and the message the admin tab says in the admin's language.
    const lastRefused = (name: string, code: string, r: { status: number; body: { error: string; said?: unknown } }) => {
      expect(r.status).toBe(409);
      expect(r.body.error).toMatch(new RegExp(`^${name} is the last enabled admin: .* would leave nobody to manage accounts; make another admin first$`));
      expect(r.body.said).toEqual({ code, params: { user: name } });
    };
    lastRefused('admin', 'user_last_admin_disable', await t.api('PATCH', '/api/users/admin', admin, { disabled: true }));
    lastRefused('admin', 'user_last_admin_role', await t.api('PATCH', '/api/users/Admin', admin, { roles: ['pilot', 'command'] }));
    expect((await t.api('GET', '/api/me', admin)).status).toBe(200); // nothing changed, session kept
    const refusals = (await t.api('GET', '/api/audit?action=user.change', admin)).body as { result: string }[];
    expect(refusals.filter((e) => e.result === 'refused')).toHaveLength(2);

    // With a second admin the first may step down; then the second is the last.
    expect((await t.api('POST', '/api/users', admin, { name: 'deputy', password: 'deputy-password', roles: ['admin'] })).status).toBe(201);
    expect((await t.api('PATCH', '/api/users/admin', admin, { roles: ['pilot', 'command'] })).status).toBe(200);
    const deputy = await t.login('deputy', 'deputy-password');
    lastRefused('deputy', 'user_last_admin_disable', await t.api('PATCH', '/api/users/deputy', deputy, { disabled: true }));
    lastRefused('deputy', 'user_last_admin_role', await t.api('PATCH', '/api/users/DEPUTY', deputy, { roles: ['officer'] }));
  });
});
