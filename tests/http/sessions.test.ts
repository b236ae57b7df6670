/**
 * A live connection lasts only as long as its session (issue 13, item 5): logout, a password or
 * role change, a disabled or removed account, expiry, and the same changes made by `npm run users`
 * in another process while the service runs, each end every socket of that session — and only
 * those. Real service, real socket.io clients, real database.
 */

import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_POLL_MS } from '../../server/http/live-sessions.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { ADMIN_PASSWORD, testService } from '../helpers/service.ts';
import { REPO } from '../helpers/shared.ts';

type T = Awaited<ReturnType<typeof testService>>;
type LiveClient = ReturnType<T['socket']>;

/** Longer than any test: a connection that ends here was ended by the change itself, not by the poll. */
const NO_POLL = { pollMs: 3_600_000 };

/** Connected, with a record of how it ends: the reason the service said, and when the connection dropped. */
async function live(t: T, token: string) {
  const socket = t.socket(token);
  let said: string | null = null;
  // The same reason as a code, for the page to say in its language.
  let code: string | null = null;
  socket.on('session:ended', (reason, message) => {
    said = reason;
    code = message?.code ?? null;
  });
  const ended = new Promise<{ said: string | null; code: string | null; reason: string; at: number }>((resolve) => {
    socket.on('disconnect', (reason) => resolve({ said, code, reason, at: performance.now() }));
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return { socket, ended };
}

/** What a fresh connection with this token is told. */
function handshake(t: T, token: string): Promise<string> {
  return new Promise((resolve) => {
    const s = t.socket(token);
    s.once('connect', () => resolve('connected'));
    s.once('connect_error', (err) => resolve(`refused: ${err.message} (${(err as Error & { data?: { said?: { code: string } } }).data?.said?.code})`));
  });
}

/** Still connected after the service has answered a request that came later (the end is not just late). */
async function stillConnected(t: T, token: string, socket: LiveClient): Promise<boolean> {
  await t.api('GET', '/api/me', token);
  return socket.connected;
}

describe('in this process: the change itself ends the connections (the poll never runs here)', () => {
  let t: T;
  let admin: string;
  beforeAll(async () => {
    t = await testService({ liveSessions: NO_POLL });
    admin = await t.login('admin', ADMIN_PASSWORD);
  });
  afterAll(() => t?.close());

  it('logout ends every socket of that session, and no other session of the same user', async () => {
    const first = await t.user('li.wei', ['pilot']);
    const second = await t.login('li.wei', 'li.wei-password');
    const [a, b, other] = [await live(t, first), await live(t, first), await live(t, second)];
    await t.api('POST', '/api/logout', first);
    for (const s of [a, b]) {
      expect(await s.ended).toMatchObject({ said: 'session ended: logged out', code: 'session_logged_out', reason: 'io server disconnect' });
    }
    expect(await stillConnected(t, second, other.socket)).toBe(true);
    expect(await handshake(t, first)).toBe('refused: not logged in: session unknown or logged out (not_logged_in)');
  });

  it("a password changed by an admin ends the user's connections", async () => {
    const pilot = await t.user('zhou.jie', ['pilot']);
    const s = await live(t, pilot);
    expect((await t.api('PATCH', '/api/users/zhou.jie', admin, { password: 'a-new-password-1' })).status).toBe(200);
    expect((await s.ended).said).toBe('session ended: the password was changed; log in again');
    expect((await t.api('GET', '/api/vehicles', pilot)).status).toBe(401);
  });

  it('a command-room user demoted to officer loses the fleet feed at once, and logs in again with the new rights', async () => {
    const room = await t.user('wang.fang', ['command']);
    const s = await live(t, room);
    expect((await t.api('PATCH', '/api/users/wang.fang', admin, { roles: ['officer'] })).status).toBe(200);
    expect((await s.ended).said).toBe('session ended: the roles of this account were changed; log in again');
    // The new session has the new rights: no fleet for an officer.
    const again = await t.login('wang.fang', 'wang.fang-password');
    const snapshot = new Promise<boolean>((resolve) => {
      const n = t.socket(again);
      n.on('vehicles:snapshot', () => resolve(true));
      n.on('officer:status', () => resolve(false)); // what an officer's phone gets on connect instead
    });
    expect(await snapshot).toBe(false);
  });

  it("a disabled officer's phone is cut off, so it cannot go on duty and be dispatched", async () => {
    const phone = await t.user('chen.li', ['officer']);
    const s = await live(t, phone);
    expect((await t.api('PATCH', '/api/users/chen.li', admin, { disabled: true })).status).toBe(200);
    expect((await s.ended).said).toBe('session ended: this account was disabled');
    // What it sends now goes nowhere.
    s.socket.emit('officer:duty', true);
    await t.api('GET', '/api/me', admin);
    expect(t.svc.officers.get('chen.li')?.onDuty ?? false).toBe(false);
  });

  it("a removed account's connections end", async () => {
    const pilot = await t.user('sun.hao', ['pilot']);
    const s = await live(t, pilot);
    expect((await t.api('DELETE', '/api/users/SUN.HAO', admin)).status).toBe(200);
    expect((await s.ended).said).toBe('session ended: this account was removed');
  });
});

describe('session expiry', () => {
  it('ends the connection when the session expires (on a moved clock)', async () => {
    let shift = 0;
    const t = await testService({ liveSessions: { pollMs: 50, now: () => Date.now() + shift } });
    try {
      const s = await live(t, await t.login('admin', ADMIN_PASSWORD));
      expect(await stillConnected(t, await t.login('admin', ADMIN_PASSWORD), s.socket)).toBe(true);
      shift = 12 * 3600_000 + 1; // the session's 12 hours are over
      expect((await s.ended).said).toBe('session ended: it expired; log in again');
    } finally {
      await t.close();
    }
  });
});

describe('npm run users in another process while the service runs', () => {
  const cleanup = cleanupAfterEach();
  /** Runs the tool as its own process; resolves with its exit code and the moment it exited. */
  const users = (dataDir: string, ...args: string[]) =>
    new Promise<{ code: number | null; out: string; at: number }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'server/auth/users-cli.ts', ...args, '--data', dataDir], {
        cwd: REPO,
        env: { PATH: process.env.PATH },
      });
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      child.stderr.on('data', (d) => {
        out += d;
      });
      child.on('exit', (code) => resolve({ code, out, at: performance.now() }));
    });

  it.each([
    [['passwd', 'LIU.YANG'], 'session ended: logged out, or the password was changed; log in again'],
    [['disable', 'liu.yang'], 'session ended: this account was disabled'],
    [['roles', 'liu.yang', '--role', 'officer'], 'session ended: the roles of this account were changed; log in again'],
    [['remove', 'liu.yang'], 'session ended: this account was removed'],
  ])('users %j ends the connections', async (args, said) => {
    const t = await testService();
    cleanup.push(() => t.close());
    const s = await live(t, await t.user('liu.yang', ['command', 'officer']));
    const cli = await users(t.dataDir, ...args);
    expect(cli.code, cli.out).toBe(0);
    const end = await s.ended;
    expect(end.said).toBe(said);
    // Measured, not asserted (the machine's load decides it): the poll's interval bounds it.
    console.log(`users ${args[0]}: connection ended ${Math.max(0, end.at - cli.at).toFixed(0)} ms after the tool exited (poll every ${SESSION_POLL_MS} ms)`);
  });
});
