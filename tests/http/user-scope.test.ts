/**
 * A user's scope over the accounts API and `npm run users` (issue 18, stations and scopes), on
 * SQLite and PostgreSQL: given and changed by an admin or the shell, refused with the field named
 * when not "city" or a station id, shown in the lists and /api/me, audited, and a change ends the
 * user's live connections with the reason said ("scope changed"). Real service, real sockets,
 * the tool as its own process.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REFUSAL_MESSAGES_EN } from '../../server/wire/refusal-messages.ts';
import { describeEachBackend } from '../helpers/backends.ts';
import { ADMIN_PASSWORD, testService } from '../helpers/service.ts';
import { REPO } from '../helpers/shared.ts';

type T = Awaited<ReturnType<typeof testService>>;

/** Longer than any test: a connection that ends in this process was ended by the change itself. */
const NO_POLL = { pollMs: 3_600_000 };

const SHAPE = 'is neither "city" nor a station id (a lower-case letter, then lower-case letters, digits or "-", 32 characters at most)';

/** The users tool on the service's store; resolves with its exit code and what it printed. */
function users(database: string, ...args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/auth/users-cli.ts', ...args, '--database', database], {
      cwd: REPO,
      env: { PATH: process.env.PATH },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

/** What a live connection is told as its session ends: the English, and the code the page says in its language. */
type Said = { english: string; code: string | null };

/** A live connection, and what it is told when it ends (in an object: an async function would wait for it). */
async function live(t: T, token: string) {
  const socket = t.socket(token);
  let said: Said | null = null;
  socket.on('session:ended', (english, message) => {
    said = { english, code: message?.code ?? null };
  });
  const ended = new Promise<Said | null>((resolve) => socket.on('disconnect', () => resolve(said)));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return { ended };
}

const SCOPE_CHANGED = { english: REFUSAL_MESSAGES_EN.session_scope_changed, code: 'session_scope_changed' };

describeEachBackend('user scope over the API and the users tool', (backend) => {
  let t: T;
  let admin: string;
  let database: string;
  beforeAll(async () => {
    database = backend.url();
    t = await testService({ database, liveSessions: NO_POLL });
    admin = await t.login('admin', ADMIN_PASSWORD);
  });
  afterAll(() => t?.close());

  it('an account is the city unless given a station; the list and /api/me say which; the audit too', async () => {
    expect((await t.api('GET', '/api/me', admin)).body).toMatchObject({ name: 'admin', scope: 'city' }); // the first admin: the whole city
    const hf = await t.api('POST', '/api/users', admin, { name: 'li.wei', password: 'li.wei-password', roles: ['pilot'], scope: 'hf' });
    expect(hf).toMatchObject({ status: 201, body: { name: 'li.wei', scope: 'hf' } });
    const city = await t.api('POST', '/api/users', admin, { name: 'zhao.lei', password: 'zhao.lei-password', roles: ['command'] });
    expect(city).toMatchObject({ status: 201, body: { scope: 'city' } });
    const listed = (await t.api('GET', '/api/users', admin)).body as { name: string; scope: string }[];
    expect(listed.map((u) => [u.name, u.scope])).toEqual([['admin', 'city'], ['li.wei', 'hf'], ['zhao.lei', 'city']]);
    const pilot = await t.login('li.wei', 'li.wei-password');
    expect((await t.api('GET', '/api/me', pilot)).body).toEqual({ name: 'li.wei', displayName: '', roles: ['pilot'], scope: 'hf' });
    const added = (await t.api('GET', '/api/audit?action=user.add', admin)).body as { target: string; detail: unknown }[];
    expect(added.find((e) => e.target === 'li.wei')?.detail).toEqual({ roles: ['pilot'], scope: 'hf' });
  });

  it('a scope of the wrong shape is refused 400 naming the field, and nothing changes', async () => {
    for (const scope of ['HF', '', 'hf east', 'h'.repeat(33)]) {
      const r = await t.api('POST', '/api/users', admin, { name: 'bad.one', password: 'bad.one-password', roles: ['pilot'], scope });
      expect(r).toMatchObject({ status: 400, body: { error: `invalid request body: scope: "${scope}" ${SHAPE}` } });
    }
    expect((await t.api('POST', '/api/users', admin, { name: 'bad.one', password: 'bad.one-password', roles: ['pilot'], scope: 7 })).body.error).toMatch(
      /^invalid request body: scope: .*string/,
    );
    expect((await t.api('GET', '/api/users', admin)).body.map((u: { name: string }) => u.name)).not.toContain('bad.one');

    await t.user('sun.hao', ['pilot']);
    const r = await t.api('PATCH', '/api/users/sun.hao', admin, { scope: 'City', roles: ['command'] });
    expect(r).toMatchObject({ status: 400, body: { error: `invalid request body: scope: "City" ${SHAPE}` } });
    expect((await t.api('GET', '/api/users', admin)).body.find((u: { name: string }) => u.name === 'sun.hao')).toMatchObject({
      scope: 'city',
      roles: ['pilot'],
    });
  });

  it("an admin's change of scope ends the user's connections, saying why; the new session has the new scope", async () => {
    const token = await t.user('chen.li', ['officer']);
    const { ended } = await live(t, token);
    const r = await t.api('PATCH', '/api/users/CHEN.LI', admin, { scope: 'wl-east' });
    expect(r).toMatchObject({ status: 200, body: { name: 'chen.li', scope: 'wl-east' } });
    expect(await ended).toEqual(SCOPE_CHANGED);
    expect((await t.api('GET', '/api/me', token)).status).toBe(401);
    const again = await t.login('chen.li', 'chen.li-password');
    expect((await t.api('GET', '/api/me', again)).body.scope).toBe('wl-east');
    const changes = (await t.api('GET', '/api/audit?action=user.change', admin)).body as { target: string; result: string; detail: unknown }[];
    expect(changes.find((e) => e.target === 'chen.li' && e.result === 'ok')?.detail).toEqual({ scope: 'wl-east' });
    // The same scope sent again (a form that sends every field) keeps the session.
    expect((await t.api('PATCH', '/api/users/chen.li', admin, { scope: 'wl-east', displayName: 'Chen Li' })).status).toBe(200);
    expect((await t.api('GET', '/api/me', again)).body).toMatchObject({ displayName: 'Chen Li', scope: 'wl-east' });
  });

  it('npm run users: add with --scope, list it, change it (ending live connections), refuse a bad one', async () => {
    const add = await users(database, 'add', 'zhou.jie', '--role', 'pilot', '--scope', 'hf', '--password', 'zhou.jie-password');
    expect(add).toEqual({ code: 0, out: 'added zhou.jie (pilot; scope hf)\n' });
    const list = (await users(database, 'list')).out;
    expect(list).toContain('zhou.jie\tpilot\thf\n');
    expect(list).toMatch(/^admin\t[a-z,]+\tcity$/m); // the first admin: the whole city

    // Another process changes it: the service's poll finds the session gone and says why.
    const t2 = await testService({ database, liveSessions: { pollMs: 50 } });
    try {
      const { ended } = await live(t2, await t2.login('zhou.jie', 'zhou.jie-password'));
      expect(await users(database, 'scope', 'ZHOU.JIE', '--scope', 'city')).toEqual({ code: 0, out: 'ZHOU.JIE: scope city\n' });
      expect(await ended).toEqual(SCOPE_CHANGED);
    } finally {
      await t2.close();
    }
    const scopeOf = async (name: string) =>
      ((await t.api('GET', '/api/users', admin)).body as { name: string; scope: string }[]).find((u) => u.name === name)?.scope;
    expect(await scopeOf('zhou.jie')).toBe('city');

    expect(await users(database, 'scope', 'zhou.jie', '--scope', 'HF')).toEqual({ code: 2, out: `users: --scope: "HF" ${SHAPE}\n` });
    expect(await users(database, 'scope', 'zhou.jie')).toEqual({ code: 2, out: 'users: scope needs --scope STATION or --scope city\n' });
    expect(await scopeOf('zhou.jie')).toBe('city');
    const shell = (await t.api('GET', '/api/audit?user=shell', admin)).body as { action: string; target: string; detail: unknown }[];
    expect(shell.filter((e) => e.target === 'zhou.jie' || e.target === 'ZHOU.JIE').map((e) => [e.action, e.detail])).toEqual(
      expect.arrayContaining([['user.add', { roles: ['pilot'], scope: 'hf' }], ['user.change', { scope: 'city' }]]),
    );
  }, 120_000); // five runs of the tool, each a Node process starting tsx: seconds apiece on a busy machine
});
