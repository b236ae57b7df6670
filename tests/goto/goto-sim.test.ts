import { afterEach, describe, expect, it } from 'vitest';
import type { GotoView, PreflightItem, RunView } from '../../server/wire/types.ts';
import { patrolRig } from '../patrols/rig.ts';
import { waitFor } from '../helpers/wait.ts';

type Rig = Awaited<ReturnType<typeof patrolRig>>;
let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** ~200 m east and 100 m north of the simulator's home. */
const SCENE = { lat: 28.3709, lon: 121.382 };
/** A no-fly zone across the way from home to a point 400 m west. */
const WEST = { lat: 28.37, lon: 121.376 };
const ZONE = {
  name: 'school',
  polygon: [{ lat: 28.369, lon: 121.3785 }, { lat: 28.371, lon: 121.3785 }, { lat: 28.371, lon: 121.3775 }, { lat: 28.369, lon: 121.3775 }],
};

const gotoOf = async (r: Rig) => (await r.t.api('GET', `/api/vehicles/${r.vid}/goto`, r.pilot)).body as GotoView;
const until = async (r: Rig, what: string, check: (g: GotoView) => boolean, timeoutMs = 60_000) => {
  let last: GotoView | undefined;
  try {
    return await waitFor(
      `goto: ${what}`,
      async () => {
        last = await gotoOf(r);
        return check(last) && last;
      },
      timeoutMs,
      200,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; it is ${last?.state}, ${last?.distanceM} m; events: ${last?.events.map((e) => e.message).join(' | ')}`);
  }
};
/** Water the station declares ~500 m south-east of home (with a pier in it, which is land). */
const BAY = {
  name: '隘顽湾',
  polygon: [{ lat: 28.364, lon: 121.383 }, { lat: 28.367, lon: 121.383 }, { lat: 28.367, lon: 121.387 }, { lat: 28.364, lon: 121.387 }],
  holes: [[{ lat: 28.3652, lon: 121.3845 }, { lat: 28.3658, lon: 121.3845 }, { lat: 28.3658, lon: 121.3855 }, { lat: 28.3652, lon: 121.3855 }]],
};
const failed = (checks: PreflightItem[]) => checks.filter((c) => !c.pass).map((c) => c.id);

describe('drone to the scene against the simulated ArduCopter, over real sockets', () => {
  it(
    'refuses what it must, then arms a grounded drone, climbs, flies there in GUIDED, reports it overhead with the nose on the point, and brings it home',
    async () => {
      rig = await patrolRig({ rules: { noFly: [ZONE] }, goto: { transitAltM: 30 }, station: { lat: 28.37, lon: 121.38, radiusKm: 50, water: [BAY] } });
      const r = rig;
      const goto = (body: Record<string, unknown>, token = r.pilot) => r.t.api('POST', `/api/vehicles/${r.vid}/goto`, token, body);

      // Not in control yet; another pilot holds it.
      const other = await r.t.user('pilot2', ['pilot']);
      expect((await r.take(other)).status).toBe(200);
      const held = await goto({ ...SCENE, confirm: true });
      expect(held.status).toBe(409);
      expect(held.body.error).toMatch(/under the control of pilot2/);
      await r.t.api('POST', `/api/vehicles/${r.vid}/control`, other, { action: 'release' });
      expect((await r.take()).status).toBe(200);
      await r.ready();

      expect((await goto({ ...SCENE })).status).toBe(400); // no confirm
      const dry = await r.t.api('GET', `/api/vehicles/${r.vid}/goto/checks?lat=29.5&lon=121.38`, r.pilot);
      expect(dry.status).toBe(200);
      expect(failed(dry.body)).toEqual(['point', 'battery']);
      expect((await r.t.api('GET', `/api/vehicles/${r.vid}/goto/checks?lat=north`, r.pilot)).status).toBe(400);
      const far = await goto({ lat: 29.5, lon: 121.38, confirm: true });
      expect(far.status).toBe(409);
      expect(failed(far.body.checks)).toContain('point');
      expect(far.body.error).toMatch(/beyond its 50 km area/);
      const crossing = await goto({ ...WEST, confirm: true });
      expect(crossing.status).toBe(409);
      expect(crossing.body.error).toMatch(/crosses the no-fly zone "school"/);
      const sea = await goto({ lat: 28.3655, lon: 121.3835, confirm: true });
      expect(sea.status).toBe(409);
      expect(failed(sea.body.checks)).toEqual(['water']);
      expect(sea.body.error).toMatch(/water \(point is over water: 隘顽湾\)/);
      const pier = await r.t.api('GET', `/api/vehicles/${r.vid}/goto/checks?lat=28.3655&lon=121.385`, r.pilot);
      expect(pier.body.find((c: PreflightItem) => c.id === 'water')).toMatchObject({ pass: true, value: 'not over the water the station declares' });
      const high = await goto({ ...SCENE, altM: 150, confirm: true });
      expect(high.status).toBe(409);
      expect(failed(high.body.checks)).toEqual(['ceiling']);
      const unknown = await goto({ ...SCENE, alertId: 4242, confirm: true });
      expect(unknown.status).toBe(404);
      expect(unknown.body.error).toMatch(/no incident 4242/);
      expect(r.drone.status()).toMatchObject({ armed: false, landed: true });

      const sent = await goto({ ...SCENE, confirm: true });
      expect(sent.status).toBe(201);
      expect(sent.body.state).toBe('arming');
      expect(sent.body.checks.map((c: PreflightItem) => c.id)).toEqual([
        'control',
        'link',
        'gps',
        'position',
        'idle',
        'point',
        'water',
        'path',
        'ceiling',
        'battery',
      ]);

      const there = await until(r, 'overhead', (g) => g.overhead, 90_000);
      expect(there.state).toBe('on_scene');
      expect(there.distanceM).toBeLessThan(30);
      expect(there.hold).toBe('position');
      expect(there.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['sent', 'armed', 'climbing', 'moving', 'overhead']));
      expect(r.drone.status().mode).toBe('GUIDED');
      // The camera on the point, and the nose follows it (the simulator turns as ArduCopter did).
      const roi = await until(r, 'ROI sent', (g) => g.events.some((e) => e.kind === 'roi'));
      expect(roi.events.find((e) => e.kind === 'roi')!.message).toMatch(/accepted/);
      expect(roi.turnHomeInS).toBeGreaterThan(120);
      expect(roi.batteryPercent).toBeGreaterThan(0);
      const pos = r.t.svc.fleet.get(r.vid)!.position!;
      expect(pos.altRel).toBeGreaterThan(27);
      await until(r, 'some time held', (g) => g.heldS >= 1);
      const keep = await r.t.api('POST', `/api/vehicles/${r.vid}/goto/keep-holding`, r.pilot, { keep: true, confirm: true });
      expect(keep.status).toBe(200);
      expect(keep.body.keepHolding).toBe(true);
      expect((await r.t.api('POST', `/api/vehicles/${r.vid}/goto/keep-holding`, r.pilot, { keep: true })).status).toBe(400);

      // The link goes silent over the scene: never overhead on stale telemetry; the loss is recorded.
      r.drone.link.setSilent(true);
      const blind = await until(r, 'link lost', (g) => g.events.some((e) => e.kind === 'link'), 20_000);
      expect(blind).toMatchObject({ overhead: false, stale: true, distanceM: null, state: 'on_scene' });
      expect(blind.events.find((e) => e.kind === 'link')!.message).toMatch(/link lost: the autopilot's failsafe decides; not shown as overhead/);
      r.drone.link.setSilent(false);
      await until(r, 'overhead again', (g) => g.overhead && g.events.some((e) => e.message === 'link regained'), 20_000);

      const back = await r.t.api('POST', `/api/vehicles/${r.vid}/goto/return`, r.pilot, { confirm: true });
      expect(back.status).toBe(200);
      expect(back.body.result).toBe('accepted');
      expect(back.body.goto.state).toBe('returning');
      expect(r.drone.status().mode).toBe('RTL');
      const audit = await r.t.svc.store.audit.query({ action: 'goto.send' });
      expect(audit.map((a) => a.result)).toEqual(expect.arrayContaining(['ok', 'refused']));
      expect(await r.t.svc.store.audit.query({ action: 'goto.keep_holding' })).toHaveLength(1);
      expect((await r.t.svc.store.audit.query({ action: 'goto.return' }))[0]!.result).toBe('accepted');
    },
    180_000,
  );

  it('takes a drone off its patrol, records where it left, and "resume patrol" flies the leg it left', async () => {
    rig = await patrolRig({ goto: { transitAltM: 30 } });
    const r = rig;
    const room = await r.t.user('desk1', ['command']);
    const incident = (await r.t.api('POST', '/api/alerts', room, { category: 'fight', priority: 1, note: 'fight by the pier', ...SCENE })).body;
    const runId = await r.onFirstLeg();
    const sent = await r.t.api('POST', `/api/vehicles/${r.vid}/goto`, r.pilot, { ...SCENE, alertId: incident.id, confirm: true });
    expect(sent.status).toBe(201);
    expect(sent.body.state).toBe('transit');
    expect(sent.body.leftPatrol).toMatchObject({ runId });
    const left = sent.body.leftPatrol.item as number;

    await until(r, 'overhead', (g) => g.overhead, 90_000);
    expect(r.drone.status().mode).toBe('GUIDED');
    const run = (await r.t.api('GET', `/api/runs/${runId}`, r.pilot)).body as RunView;
    expect(run.state).toBe('flying');
    // The run's record: where it left, for which incident (by its number), when it was over the scene.
    expect(incident.number).toMatch(/^JQ-\d{8}-\d{3}$/);
    const detour = () => r.run(runId).then((x) => x.events.filter((e) => e.kind === 'detour'));
    expect((await detour())[0]!.message).toMatch(new RegExp(`^left the route at item ${left} for a point \\d+ m away \\(incident ${incident.number}\\)$`));
    await r.until(runId, 'over the scene in the record', (x) => x.events.some((e) => e.message === `over the scene (incident ${incident.number})`));

    const resumed = await r.t.api('POST', `/api/vehicles/${r.vid}/goto/resume`, r.pilot, { confirm: true });
    expect(resumed.status).toBe(200);
    expect(resumed.body.result).toBe('accepted');
    expect(resumed.body.goto.state).toBe('resumed');
    expect(r.drone.status().mode).toBe('AUTO');
    const after = await r.until(runId, 'back on its route', (x) => x.events.some((e) => e.message.startsWith(`back to the route at item ${left} after`)));
    expect(after.state).toBe('flying');
    const [away, there, back] = await detour();
    expect(back!.message).toMatch(new RegExp(`^back to the route at item ${left} after \\d+ min \\d+ s over the scene$`));
    expect(away!.time).toBeLessThanOrEqual(there!.time);
    expect(there!.time).toBeLessThanOrEqual(back!.time);
    expect(away!.said).toMatchObject({ code: 'run_detour', params: { incident: { term: 'gotoIncidentRef', params: { number: incident.number } } } });
    expect((await r.t.api('POST', `/api/vehicles/${r.vid}/goto/resume`, r.pilot, { confirm: true })).status).toBe(409);

    // A second detour, to a point on the map, ended by bringing it home: the record closes it so.
    const again = await r.t.api('POST', `/api/vehicles/${r.vid}/goto`, r.pilot, { ...SCENE, confirm: true });
    expect(again.status).toBe(201);
    await until(r, 'moving again', (g) => g.id === again.body.id && g.events.some((e) => e.kind === 'moving'));
    expect((await r.t.api('POST', `/api/vehicles/${r.vid}/goto/return`, r.pilot, { confirm: true })).body.result).toBe('accepted');
    const closed = (await detour()).slice(3).map((e) => e.message);
    expect(closed[0]).toMatch(new RegExp(`for a point \\d+ m away \\(task ${again.body.id} \\(a point on the map\\)\\)$`));
    expect(closed.at(-1)).toMatch(/^the detour ended \(returning\) after 0 min 0 s over the scene$/);
  }, 180_000);

  it('the command room requests a drone for an incident; a pilot sees it with the drones that could go and accepts it with one confirmed goto', async () => {
    rig = await patrolRig({ goto: { transitAltM: 30 } });
    const r = rig;
    const room = await r.t.user('desk1', ['command']);
    const incident = await r.t.api('POST', '/api/alerts', room, { category: 'fight', priority: 1, note: 'fight outside the night market', ...SCENE });
    expect(incident.status).toBe(201);
    const alertId = incident.body.id as number;

    expect((await r.t.api('POST', '/api/alerts/987654/drone-request', room, {})).status).toBe(404);
    const asked = await r.t.api('POST', `/api/alerts/${alertId}/drone-request`, room, { note: 'eyes on it please' });
    expect(asked.status).toBe(201);
    expect((await r.t.api('POST', `/api/alerts/${alertId}/drone-request`, room, {})).status).toBe(409); // one open request per incident
    // The command room may ask, not fly.
    expect((await r.t.api('POST', `/api/drone-requests/${asked.body.id}/accept`, room, { vehicleId: r.vid, confirm: true })).status).toBe(403);

    // The drones that could go are those with a position: under load the first one may come after the request.
    const seen = await waitFor(
      'a drone that could go',
      async () => {
        const list = (await r.t.api('GET', '/api/drone-requests', r.pilot)).body;
        return list[0]?.candidates.length > 0 && list;
      },
      15_000,
      100,
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ alertId, state: 'open', requestedBy: 'desk1', note: 'eyes on it please', target: SCENE });
    expect(seen[0].candidates[0]).toMatchObject({ vehicleId: r.vid, pilot: null, airborne: false });
    expect(seen[0].candidates[0].distanceM).toBeGreaterThan(150);

    await r.take();
    await r.ready();
    expect((await r.t.api('POST', `/api/drone-requests/${asked.body.id}/accept`, r.pilot, { vehicleId: r.vid })).status).toBe(400); // no confirm
    const accepted = await r.t.api('POST', `/api/drone-requests/${asked.body.id}/accept`, r.pilot, { vehicleId: r.vid, confirm: true });
    expect(accepted.status).toBe(201);
    expect(accepted.body.request).toMatchObject({ state: 'accepted', acceptedBy: 'pilot1', vehicleId: r.vid, gotoId: accepted.body.goto.id });
    expect(accepted.body.goto).toMatchObject({ alertId, target: SCENE, state: 'arming' });
    expect(accepted.body.goto.checks.find((c: PreflightItem) => c.id === 'incident').value).toBe(`incident ${incident.body.number}`);
    expect((await r.t.api('POST', `/api/drone-requests/${asked.body.id}/accept`, r.pilot, { vehicleId: r.vid, confirm: true })).status).toBe(409);
    expect((await r.t.api('GET', '/api/drone-requests', r.pilot)).body).toEqual([]);
    await until(r, 'on its way', (g) => g.state === 'transit' || g.state === 'on_scene', 90_000);
    const audit = (await r.t.svc.store.audit.query({})).map((a) => `${a.action}:${a.result}`);
    expect(audit).toEqual(
      expect.arrayContaining(['goto.request:ok', 'goto.request:refused', 'goto.request_accept:ok', 'goto.send:ok', 'goto.request_accept:refused']),
    );
  }, 180_000);
});
