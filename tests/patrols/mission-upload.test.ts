import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { HOME, patrolRig, shortPlan, WP1 } from './rig.ts';

/**
 * POST /api/routes/:id/upload replaces the mission on a drone: a flight command like any other.
 * The real service with the simulated copter; what the drone holds is read from the simulator.
 */

const box = (s: number, w: number, n: number, e: number) => [{ lat: s, lon: w }, { lat: s, lon: e }, { lat: n, lon: e }, { lat: n, lon: w }];
/** A geofence round home and the test loops; a school south of home that no route may cross. */
const RULES = {
  geofence: { name: 'station', polygon: box(28.368, 121.378, 28.373, 121.383) },
  noFly: [{ name: 'school', polygon: box(28.3685, 121.3795, 28.369, 121.3805) }],
};

/** The rig's short loop with its two waypoints moved. */
function planVia(a: { lat: number; lon: number }, b: { lat: number; lon: number }, alt = 20) {
  const plan = shortPlan(alt);
  for (const [i, p] of [[1, a], [2, b]] as const) {
    plan.mission.items[i]!.params[4] = p.lat;
    plan.mission.items[i]!.params[5] = p.lon;
  }
  return plan;
}
const WEST = { lat: WP1.lat, lon: 121.379 };

type Rig = Awaited<ReturnType<typeof patrolRig>>;
let r: Rig;
let other: string;
let room: string;
let adminOnly: string;
let admin: string;

beforeAll(async () => {
  r = await patrolRig({ rules: RULES });
  const files = {
    west: planVia(WP1, WEST), // inside the geofence, clear of the school
    south: planVia({ lat: 28.3687, lon: HOME.lon }, { lat: 28.3687, lon: 121.381 }), // across the school
    far: planVia({ lat: 28.38, lon: HOME.lon }, WP1), // 1.1 km north: outside the geofence
  };
  for (const [id, plan] of Object.entries(files)) fs.writeFileSync(path.join(r.missionsDir, `${id}.plan`), JSON.stringify(plan));
  await waitFor('the new routes read', () => ['west', 'south', 'far'].every((id) => r.t.svc.routes.get(id)?.route));
  other = await r.t.user('pilot2', ['pilot']);
  room = await r.t.user('room', ['command']);
  adminOnly = await r.t.user('auditor', ['admin']);
  admin = await r.t.login('admin', 'admin-test-password');
  await waitFor("the drone's home (item 0 of a read-back)", () => r.t.svc.fleet.get(r.vid)?.home, 20_000);
}, 60_000);
afterAll(async () => {
  await r?.close();
});

const upload = (routeId: string, body: Record<string, unknown> = {}, token = r.pilot) =>
  r.t.api('POST', `/api/routes/${routeId}/upload`, token, { vehicleId: r.vid, confirm: true, ...body });
/** The mission items the simulated drone holds, as [command, lat, lon, alt]. */
const onDrone = () => r.drone.storedItems(0).slice(1).map((i) => [i.command, i.x, i.y, i.z]);
const itemsOf = (id: string) => r.t.svc.routes.get(id)!.route!.items.map((i) => [i.command, Math.round(i.lat * 1e7), Math.round(i.lon * 1e7), i.alt]);
const audit = async (result: string) =>
  ((await r.t.api('GET', '/api/audit?action=mission.upload', admin)).body as { result: string; user: string; target: string; detail: any }[])
    .filter((e) => e.result === result);

describe('a mission upload is a flight command', () => {
  it('the pilot in control uploads a route that passes the mission checks: read back identical, audited', async () => {
    expect((await r.take()).status).toBe(200);
    const res = await upload('west');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ kind: 'success', verified: ['mission'] });
    expect(res.body.message).toMatch(/^west → sim-1: mission uploaded and read back identical$/);
    expect(res.body.preflight.map((i: { id: string }) => i.id).sort()).toEqual(['ceiling', 'control', 'geofence', 'idle', 'route']);
    expect(onDrone()).toEqual(itemsOf('west'));
    const [entry] = await audit('accepted');
    expect(entry).toMatchObject({ user: 'pilot1', target: 'sim-1', detail: { routeId: 'west', kind: 'success', verified: ['mission'] } });
  });

  it("every refusal leaves the drone's mission as it was, and is audited", async () => {
    const before = onDrone();
    expect(before).toEqual(itemsOf('west'));
    const refusals: [string, Awaited<ReturnType<typeof upload>>, number, RegExp][] = [
      ['command room (no pilot role)', await upload('short', {}, room), 403, /needs the role pilot/],
      ['admin-only account', await upload('short', {}, adminOnly), 403, /needs the role pilot/],
      ['a pilot not in control', await upload('short', {}, other), 409, /^sim-1 is under the control of pilot1, not pilot2$/],
      ['no confirm', await upload('short', { confirm: undefined }), 400, /confirm: must be true/],
      ['confirm false', await upload('short', { confirm: false }), 400, /confirm: must be true/],
      ['across a no-fly zone', await upload('south'), 409, /geofence \(crosses the no-fly zone "school"\)/],
      ['outside the geofence', await upload('far'), 409, /geofence \(leaves the station geofence near 28\.3/],
      ['above the ceiling', await upload('high'), 409, /ceiling \(highest point 150 m \(ceiling 120 m\)\)/],
      ['an unknown route', await upload('nowhere'), 404, /no route "nowhere"/],
      ['an unknown drone', await upload('short', { vehicleId: 'sim-9' }), 404, /no vehicle "sim-9"/],
    ];
    for (const [what, res, status, error] of refusals) {
      expect([what, res.status], JSON.stringify(res.body)).toEqual([what, status]);
      expect(res.body.error, what).toMatch(error);
    }
    expect(onDrone()).toEqual(before);
    expect(r.drone.status().missionItems).toBe(before.length + 1);

    const refused = await audit('refused');
    const reasons = refused.map((e) => e.detail.reason as string);
    for (
      const re of [
        /under the control of pilot1, not pilot2/,
        /confirm: must be true/,
        /no-fly zone "school"/,
        /leaves the station geofence/,
        /highest point 150 m/,
        /no route "nowhere"/,
      ]
    ) {
      expect(reasons.some((x) => re.test(x)), String(re)).toBe(true);
    }
    expect(refused.find((e) => /no-fly/.test(e.detail.reason))).toMatchObject({ user: 'pilot1', target: 'sim-1', detail: { routeId: 'south' } });
    // Missing roles are refused by the role guard, which writes its own audit entry.
    const denied = (await r.t.api('GET', '/api/audit?action=access.denied', admin)).body as { user: string; target: string }[];
    expect(denied.filter((e) => e.target === 'POST /api/routes/short/upload').map((e) => e.user).sort()).toEqual(['auditor', 'room']);
  });

  it('an overlong or malformed vehicle id is refused before anything is stored', async () => {
    const long = 'x'.repeat(3000);
    const res = await upload('short', { vehicleId: long });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/vehicleId: .*64/);
    expect((await upload('short', { vehicleId: 'sim 1<script>' })).status).toBe(400);
    expect((await r.t.api('POST', '/api/routes/short/upload', r.pilot, { confirm: true })).body)
      .toEqual({ error: 'invalid request body: vehicleId: expected a vehicle id from GET /api/vehicles' });
    expect((await r.t.api('POST', '/api/routes/short/upload', undefined, { vehicleId: r.vid, confirm: true })).status).toBe(401);
    const all = JSON.stringify((await r.t.api('GET', '/api/audit?limit=5000', admin)).body);
    expect(all).not.toContain('xxxxxxxxxx');
    expect(all).not.toContain('<script>');
  });

  it("a transfer the drone refuses is audited as failed with the transfer's outcome", async () => {
    r.drone.addMissionFault({ kind: 'upload-error-ack', seq: 2, result: 5 }, { times: 1 });
    const res = await upload('short');
    expect(res.status).toBe(502);
    expect(res.body.error).toMatch(/^short → sim-1: mission upload failed at mission item \d .*INVALID/);
    expect(res.body.warning).toMatch(/may now hold part of this route mixed with its old mission/);
    const [entry] = await audit('failed');
    expect(entry).toMatchObject({ user: 'pilot1', target: 'sim-1', detail: { routeId: 'short', kind: 'error' } });
    expect(entry!.detail.message).toBe(res.body.error);
    // The next upload goes through and replaces what the refused one left.
    expect((await upload('west')).status).toBe(200);
    expect(onDrone()).toEqual(itemsOf('west'));
  });

  it('is refused while the drone flies a patrol, naming the run; accepted once that patrol has ended', async () => {
    await r.ready();
    const launched = await r.launch();
    expect(launched.status, JSON.stringify(launched.body)).toBe(201);
    const id = launched.body.id as number;
    await r.until(id, 'flying', (x) => x.state === 'flying');
    const during = await upload('west');
    expect(during.status).toBe(409);
    expect(during.body.error).toMatch(new RegExp(`^sim-1 is flying patrol run ${id} \\(route "short", flying\\): end it first`));
    expect(onDrone()).toEqual(itemsOf('short'));
    expect(r.drone.status().mode).toBe('AUTO');
    expect((await audit('refused'))[0]).toMatchObject({ detail: { routeId: 'west', runId: id } });

    expect((await r.command('land')).body.result).toBe('accepted');
    await r.until(id, 'landed', (x) => x.state === 'landed', 60_000);
    const after = await upload('west');
    expect(after.status, JSON.stringify(after.body)).toBe(200);
    expect(onDrone()).toEqual(itemsOf('west'));
  }, 120_000);
});
