/**
 * A user's scope (issue 18, stations and scopes) in the store, the same on SQLite and PostgreSQL:
 * every account from before migration 014 sees the whole city, a new one too unless given a
 * station, every User read carries it (a session's too), a change of scope ends the user's
 * sessions, and a scope of the wrong shape is refused with nothing written.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { expect, it } from 'vitest';
import { OfficerAccounts } from '../../server/auth/officer-accounts.ts';
import { migrations } from '../../server/store/db.ts';
import { openStore, type Store } from '../../server/store/index.ts';
import { POSTGRES_MIGRATIONS_DIR } from '../../server/store/postgres-migrate.ts';
import { tokenHash, UserRuleError, type SessionsEnded } from '../../server/store/users.ts';
import { CITY_SCOPE } from '../../server/wire/types.ts';
import { describeEachBackend, POSTGRES_URL, type Backend } from '../helpers/backends.ts';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-scope-'));

/** The schema as SkyBeat left it before migration 014. */
const BEFORE_SCOPE = 13;

/** A store URL holding a database at version 13 with one account, as a station's from before scopes. */
async function databaseBeforeScopes(backend: Backend): Promise<string> {
  const url = backend.url();
  const addUser = `INSERT INTO users (name, password_hash, created_at) VALUES ('old.hand', 'scrypt$x', 1)`;
  if (backend.name === 'SQLite') {
    const db = new Database(url.slice('sqlite:'.length));
    for (const m of migrations().filter((m) => m.version <= BEFORE_SCOPE)) db.exec(fs.readFileSync(m.file, 'utf8'));
    db.pragma(`user_version = ${BEFORE_SCOPE}`);
    db.exec(addUser);
    db.close();
    return url;
  }
  const schema = new URL(url).searchParams.get('schema')!;
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}; SET search_path = ${schema}`);
    for (const m of migrations(POSTGRES_MIGRATIONS_DIR).filter((m) => m.version <= BEFORE_SCOPE)) await client.query(fs.readFileSync(m.file, 'utf8'));
    // What migratePostgres keeps the version in.
    await client.query(`CREATE TABLE skybeat_schema (version INTEGER NOT NULL); INSERT INTO skybeat_schema (version) VALUES (${BEFORE_SCOPE})`);
    await client.query(addUser);
  } finally {
    await client.end();
  }
  return url;
}

/** The user behind a token, failing the test with what the store said instead. */
async function sessionOf(store: Store, token: string) {
  const s = await store.users.sessionUser(token);
  if (typeof s === 'string') throw new Error(`session of the token: ${s}`);
  return s.user;
}

describeEachBackend('user scope', (backend) => {
  it('an account from before migration 014 sees the whole city, and can be given a station', async () => {
    const url = await databaseBeforeScopes(backend);
    const store = await openStore(tmp(), url);
    try {
      expect(await store.users.byName('old.hand')).toMatchObject({ name: 'old.hand', scope: CITY_SCOPE });
      expect((await store.users.update('old.hand', { scope: 'hf' }))?.scope).toBe('hf');
    } finally {
      await store.close();
    }
  });

  it('a new account is the city unless given a station; every read of a user carries the scope', async () => {
    const store = await backend.open();
    const centre = await store.users.add('zhao.lei', 'scrypt$x', ['command']);
    const pilot = await store.users.add('li.wei', 'scrypt$x', ['pilot'], 'Li Wei', 'hf');
    expect(centre.scope).toBe('city');
    expect(pilot).toMatchObject({ displayName: 'Li Wei', scope: 'hf' });
    expect((await store.users.list()).map((u) => [u.name, u.scope])).toEqual([['li.wei', 'hf'], ['zhao.lei', 'city']]);
    expect((await store.users.byName('LI.WEI'))?.scope).toBe('hf');
    expect((await store.users.byId(pilot.id))?.scope).toBe('hf');
    // A session's user, as every request and socket gets it (resolveSession), one by one and many at once.
    const { token } = await store.users.createSession(pilot.id, 60_000, null);
    expect((await sessionOf(store, token)).scope).toBe('hf');
    const many = await store.users.sessionsByHash([tokenHash(token)]);
    expect(many.get(tokenHash(token))).toMatchObject({ user: { name: 'li.wei', scope: 'hf' } });
  });

  it('a change of scope ends the sessions ("scope changed"); the same scope written again ends nothing', async () => {
    const store = await backend.open();
    const u = await store.users.add('chen.li', 'scrypt$x', ['officer'], '', 'hf');
    const ended: SessionsEnded[] = [];
    store.users.on('sessions-ended', (e) => ended.push(e));

    const kept = (await store.users.createSession(u.id, 60_000, null)).token;
    expect((await store.users.update('CHEN.LI', { scope: 'hf', displayName: 'Chen Li' }))?.scope).toBe('hf');
    expect((await sessionOf(store, kept)).displayName).toBe('Chen Li');
    expect(ended).toEqual([]);

    expect((await store.users.update('chen.li', { scope: 'wl-east' }))?.scope).toBe('wl-east');
    expect(await store.users.sessionUser(kept)).toBe('unknown');
    expect(ended).toEqual([{ userId: u.id, reason: 'scope changed' }]);

    // Back to the whole city, with a new password: the scope is the reason given.
    const again = (await store.users.createSession(u.id, 60_000, null)).token;
    expect((await store.users.update('chen.li', { scope: 'city', passwordHash: 'scrypt$y' }))?.scope).toBe('city');
    expect(await store.users.sessionUser(again)).toBe('unknown');
    expect(ended.at(-1)).toEqual({ userId: u.id, reason: 'scope changed' });
    // Roles and scope at once: the roles are named, as they were before scopes.
    await store.users.update('chen.li', { scope: 'hf', roles: ['pilot'] });
    expect(ended.at(-1)).toEqual({ userId: u.id, reason: 'roles changed' });
  });

  it('a scope of the wrong shape is refused, saying what a scope is, and nothing is written', async () => {
    const store = await backend.open();
    const shape = '" is neither "city" nor a station id (a lower-case letter, then lower-case letters, digits or "-", 32 characters at most)';
    for (const bad of ['HF', '', '1st', 'hf east', 'h'.repeat(33), 'hf_east']) {
      await expect(store.users.add('wang.fang', 'scrypt$x', ['pilot'], '', bad)).rejects.toThrow(new UserRuleError(`scope "${bad}${shape}`));
    }
    expect(await store.users.count()).toBe(0);

    const u = await store.users.add('wang.fang', 'scrypt$x', ['pilot'], '', 'hf');
    const { token } = await store.users.createSession(u.id, 60_000, null);
    await expect(store.users.update('wang.fang', { scope: 'Wl-East', roles: ['command'] })).rejects.toThrow(new UserRuleError(`scope "Wl-East${shape}`));
    expect(await store.users.byName('wang.fang')).toMatchObject({ scope: 'hf', roles: ['pilot'] });
    expect((await sessionOf(store, token)).name).toBe('wang.fang'); // the session kept
    // The longest station id there is, 32 characters, is a scope.
    expect((await store.users.update('wang.fang', { scope: `h${'1'.repeat(31)}` }))?.scope).toHaveLength(32);
  });

  it("the officers dispatch may choose keep each one's scope, read again when it changes", async () => {
    const store = await backend.open();
    await store.users.add('chen.li', 'scrypt$x', ['officer'], '', 'hf');
    await store.users.add('zhou.jie', 'scrypt$x', ['officer']);
    await store.users.add('sun.hao', 'scrypt$x', ['pilot'], '', 'hf');
    const errors: Error[] = [];
    const officers = await OfficerAccounts.open(store.users, (err) => errors.push(err), 3_600_000);
    try {
      expect(officers.scopeOf('Chen.Li')).toBe('hf');
      expect(officers.scopeOf('zhou.jie')).toBe(CITY_SCOPE);
      expect(officers.scopeOf('sun.hao')).toBeUndefined(); // not an officer: no jobs, no scope here
      expect(officers.scopeOf('nobody')).toBeUndefined();

      await store.users.update('chen.li', { scope: 'wl-east' });
      await store.users.update('zhou.jie', { disabled: true });
      await officers.current();
      expect(officers.scopeOf('chen.li')).toBe('wl-east');
      expect(officers.scopeOf('zhou.jie')).toBeUndefined();
      expect(errors).toEqual([]);
    } finally {
      officers.close();
    }
  });
});
