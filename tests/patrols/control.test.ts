import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../server/store/index.ts';
import { testService } from '../helpers/service.ts';
import { waitFor } from '../helpers/wait.ts';
import { patrolRig } from './rig.ts';

/** Control of drones: who may take and release, and which ids can be taken at all. */

type Rig = Awaited<ReturnType<typeof patrolRig>>;
let r: Rig;
let auditor: string;
let admin: string;
beforeAll(async () => {
  r = await patrolRig();
  auditor = await r.t.user('auditor', ['admin']);
  admin = await r.t.login('admin', 'admin-test-password');
}, 60_000);
afterAll(async () => {
  await r?.close();
});

const control = (id: string, action: string, token = r.pilot) => r.t.api('POST', `/api/vehicles/${encodeURIComponent(id)}/control`, token, { action });
const auditOf = async (action: string) =>
  (await r.t.api('GET', `/api/audit?action=${action}`, admin)).body as { user: string; target: string; result: string; detail: any }[];

describe('control of drones', () => {
  it('an admin-only account releases a drone a pilot holds (audited), and may not take one', async () => {
    expect((await r.take()).status).toBe(200);
    const released = await control(r.vid, 'release', auditor);
    expect(released).toMatchObject({ status: 200, body: { vehicleId: 'sim-1', pilot: null } });
    expect((await auditOf('control.release'))[0]).toMatchObject({ user: 'auditor', target: 'sim-1', result: 'ok', detail: { from: 'pilot1', asAdmin: true } });

    const take = await control(r.vid, 'take', auditor);
    expect(take.status).toBe(403);
    expect(take.body.error).toBe('taking control needs the role pilot; auditor has admin');
    expect((await auditOf('control.take'))[0]).toMatchObject({ user: 'auditor', target: 'sim-1', result: 'refused' });
    expect((await r.t.api('GET', '/api/control', admin)).body).toEqual({});
    // A pilot who does not hold it still may not release it.
    expect((await r.take()).status).toBe(200);
    const other = await r.t.user('pilot2', ['pilot']);
    expect((await control(r.vid, 'release', other)).status).toBe(403);
    expect((await control(r.vid, 'release')).status).toBe(200);
  });

  it('an id SkyBeat never heard of cannot be taken: 404, nothing stored or broadcast; a drone seen before can', async () => {
    const socket = r.t.socket(r.pilot);
    const seen: Record<string, string>[] = [];
    socket.on('control', (c) => seen.push(c));
    await waitFor('the first control snapshot', () => seen.length === 1);

    const res = await control('sim-99', 'take');
    expect(res.status).toBe(404);
    expect(res.body.error).toMatch(/^no vehicle "sim-99"/);
    expect((await control('sim-99', 'release')).status).toBe(404);

    // Not connected now, but in the table of drones seen: it may be taken (before it is heard again).
    r.t.svc.store.tracks.record([], [{ id: 'l1-7', sysid: 7, linkUri: 'udpin://0.0.0.0:14550', autopilot: 'ardupilot', type: 'quadrotor' }], Date.now());
    expect((await control('l1-7', 'take')).body).toEqual({ vehicleId: 'l1-7', pilot: 'pilot1' });
    await waitFor('the broadcast of l1-7', () => seen.length === 2);
    // Socket.io keeps order: had sim-99 been broadcast, it would have come first.
    expect(seen[1]).toEqual({ 'l1-7': 'pilot1' });
    expect((await r.t.svc.store.control.all()).map((c) => c.vehicleId)).toEqual(['l1-7']);
    expect((await control('l1-7', 'release')).status).toBe(200);
  });

  it('an overlong or malformed vehicle id is refused 400 on every vehicle route, before any write', async () => {
    const long = 'x'.repeat(3000);
    const auditBefore = (await r.t.api('GET', '/api/audit?limit=5000', admin)).body.length as number;
    for (const id of [long, 'sim-1<b>', 'sim 1']) {
      const path = `/api/vehicles/${encodeURIComponent(id)}`;
      const calls = [
        await control(id, 'take'),
        await control(id, 'release'),
        await r.t.api('GET', `${path}/preflight?routeId=short`, r.pilot),
        await r.t.api('POST', `${path}/patrol`, r.pilot, { routeId: 'short', confirm: true }),
        await r.t.api('POST', `${path}/command`, r.pilot, { action: 'rtl', confirm: true }),
        await r.t.api('POST', `${path}/control`, undefined, { action: 'take' }), // not even signed in
      ];
      for (const c of calls) {
        expect(c.status, JSON.stringify(c.body)).toBe(400);
        expect(c.body.error).toMatch(id === long ? /^vehicle id: 3000 characters, at most 64/ : /^vehicle id ".+": letters, digits/);
      }
    }
    expect(await r.t.svc.store.control.all()).toEqual([]);
    expect((await r.t.api('GET', '/api/audit?limit=5000', admin)).body.length).toBe(auditBefore);
  });
});

describe('an id stored before ids were checked', () => {
  it('can still be released, so the control table can be cleaned', async () => {
    const t1 = await testService();
    const dataDir = t1.dataDir;
    await t1.close();
    const long = 'y'.repeat(3000);
    const store = await openStore(dataDir);
    await store.control.take({ vehicleId: long, pilot: 'admin', since: Date.now() });
    await store.close();
    const t2 = await testService({ dataDir });
    try {
      const token = await t2.login('admin', 'admin-test-password');
      expect(Object.keys((await t2.api('GET', '/api/control', token)).body)).toEqual([long]);
      const res = await t2.api('POST', `/api/vehicles/${long}/control`, token, { action: 'release' });
      expect(res.status).toBe(200);
      expect(await t2.svc.store.control.all()).toEqual([]);
    } finally {
      await t2.close();
    }
  });
});
