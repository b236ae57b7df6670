import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, testService } from '../helpers/service.ts';
import { HOME, shortPlan, WP1 } from '../patrols/rig.ts';

/**
 * Routes against the station's own rules, over real HTTP to the real service and a real missions
 * folder: a route across a no-fly zone, with a waypoint in one or out of the geofence is refused
 * on save naming the leg or waypoint and the zone, never kept as an OK route; the battery reserve
 * is the station's; an import can be previewed without writing anything; routes are renamed,
 * their names, schedule and default drone edited and deleted from the API, each change audited.
 */

const box = (s: number, w: number, n: number, e: number) => [{ lat: s, lon: w }, { lat: s, lon: e }, { lat: n, lon: e }, { lat: n, lon: w }];
/** Between the short loop's two waypoints (the patrol tests' hospital). */
const HOSPITAL = { name: 'hospital', polygon: box(28.3705, 121.3804, 28.3712, 121.3806) };
const GEOFENCE = { name: 'station geofence', polygon: box(28.368, 121.378, 28.373, 121.383) };

/** The short loop through given waypoints: take off, the waypoints, return. */
function planVia(...wps: { lat: number; lon: number }[]) {
  const plan = shortPlan();
  const [takeoff, , , rtl] = plan.mission.items;
  const items = wps.map((wp, i) => ({ ...plan.mission.items[1]!, doJumpId: i + 2, params: [0, 0, 0, null, wp.lat, wp.lon, 20] }));
  plan.mission.items = [takeoff!, ...items, { ...rtl!, doJumpId: wps.length + 2 }];
  return plan;
}
const file = (name: string, plan: object) => ({ fileName: name, content: JSON.stringify(plan) });
/** West of home and back: clear of the hospital, inside the fence. */
const WEST = { lat: 28.3709, lon: 121.3795 };

describe("routes held to the station's rules, over HTTP", () => {
  let t: Awaited<ReturnType<typeof testService>>;
  let dir: string;
  let pilot: string;
  let admin: string;
  const audit = async (action: string) =>
    (await t.api('GET', `/api/audit?action=${action}`, admin)).body as { user: string; target: string; result: string; detail: any }[];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-station-rules-'));
    // Copied in by hand: it crosses the hospital.
    fs.writeFileSync(path.join(dir, 'by-hand.plan'), JSON.stringify(shortPlan()));
    t = await testService({ missionsDir: dir, rules: { noFly: [HOSPITAL], geofence: GEOFENCE, reservePercent: 30, enduranceS: 60, ceilingM: 100 } });
    pilot = await t.user('pilot1', ['pilot']);
    admin = await t.login('admin', ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses a route across a no-fly zone, naming the leg and the zone, and writes nothing', async () => {
    const res = await t.api('POST', '/api/routes', pilot, file('across.plan', shortPlan()));
    expect(res.status).toBe(422);
    const errors = res.body.issues.filter((i: { level: string }) => i.level === 'error');
    expect(errors.map((i: { where: string; message: string }) => `${i.where}: ${i.message}`)).toEqual([
      'mission.items[2]: the leg from item 2 to item 3 crosses the no-fly zone "hospital" near 28.37090, 121.38040',
      'mission.items[3]: the leg from item 3 to item 4 crosses the no-fly zone "hospital" near 28.37054, 121.38060',
    ]);
    expect(fs.existsSync(path.join(dir, 'across.plan'))).toBe(false);
  });

  it("refuses a waypoint inside a no-fly zone or outside the geofence, and a height over the station's ceiling", async () => {
    const inZone = await t.api('POST', '/api/routes', pilot, file('in-zone.plan', planVia({ lat: 28.3709, lon: 121.3805 })));
    expect(inZone.status).toBe(422);
    expect(inZone.body.issues.map((i: { message: string }) => i.message)).toContain('item 2 is inside the no-fly zone "hospital"');
    const out = await t.api('POST', '/api/routes', pilot, file('out.plan', planVia({ lat: 28.38, lon: HOME.lon })));
    expect(out.body.issues.map((i: { message: string }) => i.message)).toContain('item 2 is outside the geofence "station geofence"');
    const high = await t.api(
      'POST',
      '/api/routes',
      pilot,
      file('high.plan', {
        ...planVia(WEST),
        mission: { ...planVia(WEST).mission, items: planVia(WEST).mission.items.map((it) => ({ ...it, params: [...it.params.slice(0, 6), 110] })) },
      }),
    );
    expect(high.body.issues.map((i: { message: string }) => i.message)).toContain('altitude 110 m above home is over the legal ceiling of 100 m');
    expect(fs.readdirSync(dir).filter((f) => !f.startsWith('.'))).toEqual(['by-hand.plan']);
  });

  it("a file copied in by hand across a zone is listed as invalid, not OK; a clean route is saved with the station's reserve", async () => {
    const list = (await t.api('GET', '/api/routes', pilot)).body as { id: string; status: string; errors: number }[];
    expect(list.find((r) => r.id === 'by-hand')).toMatchObject({ status: 'invalid', errors: 2 });

    const res = await t.api('POST', '/api/routes', pilot, file('west.plan', planVia(WEST, WP1)));
    expect(res.status).toBe(201);
    expect(res.body.issues.filter((i: { level: string }) => i.level === 'error')).toEqual([]);
    // A minute of endurance less the station's 30 % (not a reserve of the route check's own).
    expect(res.body.issues.map((i: { message: string }) => i.message).join('\n')).toMatch(/against 0\.7 min usable \(1 min endurance less 30% reserve\)/);
    // What the route editor is told to check against: the station's figures.
    expect(res.body.rules).toEqual({ geofence: GEOFENCE, noFly: [HOSPITAL], ceilingM: 100, enduranceS: 60, reservePercent: 30, speedMs: 5 });
  });

  it('previews an import with its map, waypoints and problems, writing and auditing nothing', async () => {
    const before = fs.readdirSync(dir);
    const auditedBefore = (await audit('route.create')).length;
    const res = await t.api('POST', '/api/routes/preview', pilot, file('across.plan', shortPlan()));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 'across', file: 'across.plan', exists: false, status: 'invalid', itemCount: 4 });
    expect(res.body.route.items.map((i: { command: number }) => i.command)).toEqual([22, 16, 16, 20]);
    expect(res.body.geojson.features[0].properties.kind).toBe('path');
    expect(res.body.issues.map((i: { text: string }) => i.text)).toContain(
      'across.plan: mission.items[2]: the leg from item 2 to item 3 crosses the no-fly zone "hospital" near 28.37090, 121.38040',
    );
    expect((await t.api('POST', '/api/routes/preview', pilot, file('west.plan', planVia(WEST)))).body).toMatchObject({ exists: true, status: 'warnings' });
    const broken = await t.api('POST', '/api/routes/preview', pilot, { fileName: 'broken.plan', content: '{"fileType": ' });
    expect(broken.status).toBe(422);
    expect(broken.body.error).toBe('broken.plan cannot be read');
    expect(fs.readdirSync(dir)).toEqual(before);
    expect((await audit('route.create')).length).toBe(auditedBefore);
  });

  it('renames a route, edits its names, schedule and default drone, and deletes it: each audited; a bad schedule is refused naming it', async () => {
    const renamed = await t.api('POST', '/api/routes/west/rename', pilot, { to: 'west-loop' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: 'west-loop', file: 'west-loop.plan' });
    expect(fs.existsSync(path.join(dir, 'west.plan'))).toBe(false);
    expect((await t.api('GET', '/api/routes/west', pilot)).status).toBe(404);
    expect((await t.api('POST', '/api/routes/west-loop/rename', pilot, { to: 'by-hand' })).body.error).toBe(
      'route "by-hand" already exists (by-hand.plan): choose another name',
    );
    expect((await t.api('POST', '/api/routes/west-loop/rename', pilot, { to: '../etc' })).status).toBe(400);

    const edited = await t.api('PATCH', '/api/routes/west-loop', pilot, { nameZh: '西线巡逻', schedule: '每晚 21:30', defaultDrone: 'sim-2' });
    expect(edited.status).toBe(200);
    expect(edited.body.meta).toMatchObject({ nameZh: '西线巡逻', nameEn: 'Test loop', schedule: '每晚 21:30', defaultDrone: 'sim-2' });
    const written = JSON.parse(fs.readFileSync(path.join(dir, 'west-loop.plan'), 'utf8'));
    expect(written.skybeat).toMatchObject({ nameZh: '西线巡逻', schedule: '每晚 21:30', defaultDrone: 'sim-2' });
    expect(written.mission.items).toHaveLength(4);
    const bad = await t.api('PATCH', '/api/routes/west-loop', pilot, { schedule: 'whenever' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid request body: schedule: schedule "whenever": no time of day found (write e.g. "21:30" or "19:00-02:00 every 2h")');
    expect((await t.api('PATCH', '/api/routes/west-loop', pilot, { defaultDrone: 'a drone!' })).body.error).toMatch(/defaultDrone: a drone id/);

    expect((await t.api('DELETE', '/api/routes/west-loop', pilot)).status).toBe(204);
    expect(fs.existsSync(path.join(dir, 'west-loop.plan'))).toBe(false);

    // (two entries of one millisecond may come in either order)
    expect((await audit('route.rename')).map((e) => [e.user, e.target, e.result, e.detail.to]).sort()).toEqual([
      ['pilot1', 'west', 'ok', 'west-loop'],
      ['pilot1', 'west-loop', 'refused', '../etc'],
      ['pilot1', 'west-loop', 'refused', 'by-hand'],
    ]);
    // Refused edits are audited too, with the reason.
    expect((await audit('route.edit')).map((e) => [e.target, e.result, e.detail.meta ?? e.detail.reason.split(':')[1]!.trim()]).reverse()).toEqual([
      ['west-loop', 'ok', { nameZh: '西线巡逻', schedule: '每晚 21:30', defaultDrone: 'sim-2' }],
      ['west-loop', 'refused', 'schedule'],
      ['west-loop', 'refused', 'defaultDrone'],
    ]);
    expect((await audit('route.delete')).map((e) => [e.user, e.target, e.result])).toEqual([['pilot1', 'west-loop', 'ok']]);
    expect((await audit('route.create')).map((e) => [e.target, e.result]).sort()).toEqual([
      ['across.plan', 'refused'],
      ['high.plan', 'refused'],
      ['in-zone.plan', 'refused'],
      ['out.plan', 'refused'],
      ['west.plan', 'ok'],
    ]);
  });

  it('only pilots and admins change routes', async () => {
    const command = await t.user('desk1', ['command']);
    expect((await t.api('POST', '/api/routes/preview', command, file('x.plan', planVia(WEST)))).status).toBe(403);
    expect((await t.api('PATCH', '/api/routes/by-hand', command, { nameZh: '改' })).status).toBe(403);
    expect((await t.api('POST', '/api/routes/by-hand/rename', command, { to: 'x' })).status).toBe(403);
    expect((await t.api('DELETE', '/api/routes/by-hand', command)).status).toBe(403);
    expect(fs.existsSync(path.join(dir, 'by-hand.plan'))).toBe(true);
  });
});
