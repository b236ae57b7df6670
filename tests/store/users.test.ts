/**
 * Users, sessions and control of drones in the store, the same on SQLite and PostgreSQL: names are
 * one account in any case, only a token's hash is kept, and what two requests (or two servers
 * sharing one database) do at once ends as if one came after the other.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { OfficerAccounts } from '../../server/auth/officer-accounts.ts';
import { ControlError, ControlRegistry } from '../../server/patrols/control.ts';
import { openStore, type Store } from '../../server/store/index.ts';
import { tokenHash, UserRuleError, type SessionsEnded } from '../../server/store/users.ts';
import { said } from '../../server/wire/messages.ts';
import { describeEachBackend, type Backend } from '../helpers/backends.ts';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-users-'));

/** Two stores on one database, as two servers have; closed by the caller. */
async function twoStores(backend: Backend): Promise<[Store, Store]> {
  const url = backend.url();
  return [await openStore(tmp(), url), await openStore(tmp(), url)];
}

describeEachBackend('users and sessions', (backend) => {
  it('stores users with roles, hashed session tokens, and an audit trail', async () => {
    const store = await backend.open();
    const u = await store.users.add('li.wei', 'scrypt$x', ['pilot', 'command']);
    expect(u.roles).toEqual(['command', 'pilot']);
    // What the users API sends: never a password's hash.
    expect(await store.users.list()).toEqual([u]);
    expect(u).not.toHaveProperty('passwordHash');
    const { token } = await store.users.createSession(u.id, 60_000, '127.0.0.1');
    const s = await store.users.sessionUser(token);
    expect(s !== 'unknown' && s !== 'expired' && s.user).toEqual(u);
    // The token itself is nowhere in the tables, only its hash.
    const rows = await store.db.k.selectFrom('sessions').select('token_hash').execute();
    expect(rows.map((r) => r.token_hash)).toEqual([tokenHash(token)]);
    // Changing roles ends the sessions of that user.
    await store.users.update('li.wei', { roles: ['pilot'] });
    expect(await store.users.sessionUser(token)).toBe('unknown');
    store.audit.record({ user: 'li.wei', action: 'login', result: 'ok', detail: { via: 'test' } });
    expect((await store.audit.query({ user: 'li.wei' }))[0]).toMatchObject({ action: 'login', result: 'ok', detail: { via: 'test' } });
  });

  it('a name differing only in case is one user, for every letter', async () => {
    const store = await backend.open();
    const emile = await store.users.add('Émile', 'scrypt$x', ['officer']);
    await store.users.add('li.wei', 'scrypt$x', ['pilot']);
    for (const twin of ['émile', 'ÉMILE', 'Émile']) {
      // Its English, and its message for the admin tab (said), which the comparison holds too.
      const refused = new UserRuleError(said('user_exists', { user: twin }));
      expect(refused.message).toBe(`user "${twin}" already exists`);
      await expect(store.users.add(twin, 'scrypt$y', ['pilot'])).rejects.toThrow(refused);
    }
    await expect(store.users.add('LI.WEI', 'scrypt$y', ['pilot'])).rejects.toThrow(UserRuleError);
    expect((await store.users.byName('ÉMILE'))?.id).toBe(emile.id);
    // The same letters decomposed (E + combining accent) are the same name.
    expect((await store.users.byName('E\u0301MILE'))?.id).toBe(emile.id);
    expect(await store.users.byName('emile')).toBeUndefined(); // E is not É
    expect((await store.users.update('éMILE', { displayName: 'Émile Dupont' }))?.displayName).toBe('Émile Dupont');
    // In the order of their letters without case, as on both databases: é after l.
    expect((await store.users.list()).map((u) => u.name)).toEqual(['li.wei', 'Émile']);
    expect(await store.users.remove('ÉMILE')).toBe(true);
    expect(await store.users.count()).toBe(1);
  });

  // Requests at once (on PostgreSQL over several connections; SQLite has one, taken in turn).
  it('two adds of one name at once (in two cases): one account, the other refused', async () => {
    const store = await backend.open();
    for (let i = 0; i < 10; i++) {
      const results = await Promise.allSettled([store.users.add(`twin${i}`, 'scrypt$x', ['pilot']), store.users.add(`TWIN${i}`, 'scrypt$x', ['pilot'])]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(UserRuleError);
    }
    expect(await store.users.count()).toBe(10);
  });

  it('two admins demoting each other at once: one is refused, an enabled admin remains', async () => {
    const store = await backend.open();
    for (let i = 0; i < 5; i++) {
      await store.users.add(`chief${i}`, 'scrypt$x', ['admin']);
      await store.users.add(`deputy${i}`, 'scrypt$x', ['admin']);
      const results = await Promise.allSettled([
        store.users.update(`chief${i}`, { roles: ['pilot'] }),
        store.users.update(`deputy${i}`, { disabled: true }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason.message).toMatch(/is the last enabled admin/);
      expect((await store.users.list()).filter((u) => u.roles.includes('admin') && !u.disabled)).toHaveLength(1);
      await store.db.k.deleteFrom('users').execute(); // the next round starts with no admin
    }
  });

  it('a session is unknown, expired, or its user; a disabled account has none; many are looked up at once', async () => {
    const store = await backend.open();
    const u = await store.users.add('chen', 'scrypt$x', ['officer']);
    const live = await store.users.createSession(u.id, 60_000, null);
    const short = await store.users.createSession(u.id, 1, null);
    const later = Date.now() + 10;
    expect(await store.users.sessionByHash(tokenHash(short.token), later)).toBe('expired');
    expect(await store.users.sessionUser('no-such-token')).toBe('unknown');
    const all = await store.users.sessionsByHash([tokenHash(live.token), tokenHash(short.token), tokenHash('nope')], later);
    expect([...all.values()].map((s) => (typeof s === 'string' ? s : s.user.name))).toEqual(['chen', 'expired', 'unknown']);
    // A new login clears sessions long expired.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await store.users.createSession(u.id, 60_000, null);
    expect(await store.users.sessionByHash(tokenHash(short.token))).toBe('unknown');

    const ended: SessionsEnded[] = [];
    store.users.on('sessions-ended', (e) => ended.push(e));
    await store.users.update('chen', { displayName: 'Chen Li' }); // not a reason to end sessions
    expect(await store.users.sessionUser(live.token)).not.toBe('unknown');
    await store.users.endSession(live.token);
    await store.users.endSession(live.token); // already ended: said once
    expect(ended).toEqual([{ tokenHash: tokenHash(live.token), reason: 'logged out' }]);
    await store.users.update('chen', { disabled: true });
    expect(ended.at(-1)).toEqual({ userId: u.id, reason: 'account disabled' });
  });
});

describeEachBackend('officer accounts kept in memory for dispatch', (backend) => {
  it('follow changes made here at once, and changes made elsewhere when asked for the current list', async () => {
    const [here, elsewhere] = await twoStores(backend);
    const errors: Error[] = [];
    const accounts = await OfficerAccounts.open(here.users, (err) => errors.push(err), 3_600_000); // no poll during the test
    try {
      await here.users.add('Chen', 'scrypt$x', ['officer']);
      await accounts.current();
      expect(accounts.mayServe('chen')).toBe(true);
      await here.users.update('chen', { disabled: true });
      await accounts.current();
      expect(accounts.mayServe('Chen')).toBe(false);
      // The users tool, or another server: only the database changes.
      await elsewhere.users.update('chen', { disabled: false });
      await elsewhere.users.add('wang', 'scrypt$x', ['pilot']);
      await accounts.current();
      expect([accounts.mayServe('chen'), accounts.mayServe('wang')]).toEqual([true, false]);
      await elsewhere.users.update('chen', { roles: ['pilot'] });
      await accounts.current();
      expect(accounts.mayServe('chen')).toBe(false);
      expect(errors).toEqual([]);
    } finally {
      accounts.close();
      await here.close();
      await elsewhere.close();
    }
  });
});

describeEachBackend('control of drones in the store', (backend) => {
  it('two pilots taking one drone at once: exactly one holds it', async () => {
    const store = await backend.open();
    for (let i = 0; i < 20; i++) {
      const drone = `sim-${i}`;
      const since = Date.now();
      const [x, y] = await Promise.all([
        store.control.take({ vehicleId: drone, pilot: 'pilot1', since }),
        store.control.take({ vehicleId: drone, pilot: 'pilot2', since }),
      ]);
      expect(x).toEqual(y); // both told the same holder
      expect((await store.control.holder(drone))?.pilot).toBe(x.pilot);
    }
    expect(await store.control.release('sim-0', 'nobody')).toBe(false);
    const holder = (await store.control.holder('sim-0'))!.pilot;
    expect(await store.control.release('sim-0', holder)).toBe(true);
    expect(await store.control.holder('sim-0')).toBeUndefined();
  });

  it('two servers on one database: of two takes at once, one wins and the other is refused and told who holds it', async () => {
    const [a, b] = await twoStores(backend);
    try {
      const here = await ControlRegistry.load(() => true, a.control);
      const there = await ControlRegistry.load(() => true, b.control);
      for (let i = 0; i < 20; i++) {
        const drone = `sim-${i}`;
        const results = await Promise.allSettled([here.take(drone, 'pilot1'), there.take(drone, 'pilot2')]);
        const won = results.findIndex((r) => r.status === 'fulfilled');
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const winner = won === 0 ? 'pilot1' : 'pilot2';
        const lost = results[1 - won] as PromiseRejectedResult;
        expect(lost.reason).toBeInstanceOf(ControlError);
        expect(lost.reason.message).toContain(winner);
        // Both servers now check flight commands against the winner, without asking the database.
        expect([here.holder(drone), there.holder(drone)]).toEqual([winner, winner]);
      }
      // Released on one server: the other's next take goes through the store, which says it is free.
      await here.release('sim-0', here.holder('sim-0')!, true);
      await there.take('sim-0', 'pilot3');
      expect((await a.control.holder('sim-0'))?.pilot).toBe('pilot3');
      // What the store keeps is what a server loads after a restart.
      expect((await ControlRegistry.load(() => true, a.control)).all()).toEqual(there.all());
    } finally {
      await a.close();
      await b.close();
    }
  });
});
