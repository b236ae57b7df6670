/**
 * The live video socket (GET /api/video/:id/live) on the real service: who may open it (pilot,
 * command room, admin; not an officer without the drone over their incident; not without a
 * session, nor from a foreign page), and that it ends with the session — logout, password change,
 * disabled account, expiry — as the live socket does (tests/http/sessions.test.ts). A real
 * WebSocket client, real H.264 from ffmpeg, a real database.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { VIDEO_CLOSE } from '../../server/wire/types.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { describeWithFfmpeg } from '../helpers/ffmpeg.ts';
import { ADMIN_PASSWORD, testService } from '../helpers/service.ts';
import { videoClient } from '../helpers/video-client.ts';
import { ClipSource, encodeClip } from '../helpers/video-feed.ts';
import { waitFor } from '../helpers/wait.ts';

type T = Awaited<ReturnType<typeof testService>>;
/** Longer than any test: what ends here was ended by the change itself, not by the poll. */
const NO_POLL = { pollMs: 3_600_000 };

describeWithFfmpeg('video socket: who may watch, and for how long', () => {
  let t: T;
  let camera: ClipSource;
  let admin: string;
  const clients: Array<{ close(): void }> = [];
  const watch = async (token?: string, origin?: string, vehicleId = 'cam-1') => {
    const c = await videoClient(t.base, vehicleId, { token, origin });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    t = await testService({ liveSessions: NO_POLL });
    camera = new ClipSource(encodeClip({ seconds: 2, gop: 10 }), 'cam-1');
    t.svc.video.attach('cam-1', camera);
    camera.start();
    admin = await t.login('admin', ADMIN_PASSWORD);
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    await camera?.close();
    await t?.close();
  });

  it.each([['pilot'], ['command'], ['admin']] as const)('%s: the feed, the init segment, then pictures from a key one', async (role) => {
    const c = await watch(await t.user(`watcher-${role}`, [role]));
    expect(c.refused).toBeNull();
    await waitFor('pictures', () => c.fragments().length >= 5, 5000);
    const [feed, init] = c.texts();
    expect(feed).toMatchObject({ type: 'feed', feed: { vehicleId: 'cam-1', state: 'live', codec: 'h264' } });
    expect(init).toMatchObject({ type: 'init', codec: 'h264', width: 320, height: 240 });
    expect(c.fragments()[0]!.key).toBe(true);
  });

  it('an officer without the drone over their incident: 403, saying so; nothing sent', async () => {
    const c = await watch(await t.user('officer-a', ['officer']));
    expect(c.refused).toMatchObject({ status: 403 });
    expect(JSON.parse(c.refused!.body).error).toMatch(/an officer sees only the drone sent over the incident they hold/);
    expect(c.got).toEqual([]);
  });

  it('no session: 401; a foreign page: 403; a drone without a camera: 404', async () => {
    expect((await watch()).refused).toMatchObject({ status: 401 });
    expect((await watch('not-a-token')).refused).toMatchObject({ status: 401 });
    const pilot = await t.user('pilot-origin', ['pilot']);
    const foreign = await watch(pilot, 'http://evil.example:8080');
    expect(foreign.refused).toMatchObject({ status: 403 });
    expect(JSON.parse(foreign.refused!.body).error).toMatch(/pages from http:\/\/evil\.example:8080 may not use this service/);
    expect((await watch(pilot, t.base)).refused).toBeNull(); // its own page is welcome
    const none = await watch(pilot, undefined, 'sim-9');
    expect(none.refused).toMatchObject({ status: 404 });
    expect(JSON.parse(none.refused!.body).error).toBe('drone sim-9 has no camera configured');
  });

  it('logout ends the video of that session at once, and only that session', async () => {
    const first = await t.user('li.wei', ['pilot']);
    const second = await t.login('li.wei', 'li.wei-password');
    const [a, other] = [await watch(first), await watch(second)];
    await t.api('POST', '/api/logout', first);
    expect(await a.closed).toEqual({ code: VIDEO_CLOSE.sessionEnded, reason: 'logged out' });
    await t.api('GET', '/api/me', second);
    expect(other.ws.readyState).toBe(other.ws.OPEN);
    expect((await watch(first)).refused).toMatchObject({ status: 401 });
  });

  it('a password change, a role change and a disabled account end it', async () => {
    const cases = [
      { name: 'zhou.jie', change: { password: 'a-new-password-1' }, reason: 'password changed' },
      { name: 'wang.fang', change: { roles: ['officer'] }, reason: 'roles changed' },
      { name: 'chen.li', change: { disabled: true }, reason: 'account disabled' },
    ];
    for (const c of cases) {
      const v = await watch(await t.user(c.name, ['command']));
      expect((await t.api('PATCH', `/api/users/${c.name}`, admin, c.change)).status).toBe(200);
      expect(await v.closed).toEqual({ code: VIDEO_CLOSE.sessionEnded, reason: c.reason });
    }
  });
});

describeWithFfmpeg('video socket: session expiry', () => {
  const cleanup = cleanupAfterEach();
  it('ends the video when the session expires (on a moved clock)', async () => {
    let shift = 0;
    const t = await testService({ liveSessions: { pollMs: 50, now: () => Date.now() + shift } });
    cleanup.push(() => t.close());
    const camera = new ClipSource(encodeClip({ seconds: 2, gop: 10 }), 'cam-2');
    cleanup.push(() => camera.close());
    t.svc.video.attach('cam-2', camera);
    camera.start();
    const c = await videoClient(t.base, 'cam-2', { token: await t.login('admin', ADMIN_PASSWORD) });
    cleanup.push(() => c.close());
    await waitFor('pictures', () => c.fragments().length > 0, 5000);
    shift = 12 * 3600_000 + 1;
    expect(await c.closed).toEqual({ code: VIDEO_CLOSE.sessionEnded, reason: 'expired' });
  });
});
