import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { patrolRig, shortPlan, WP1 } from './rig.ts';
import { waitFor } from '../helpers/wait.ts';

type Rig = Awaited<ReturnType<typeof patrolRig>>;
let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('a patrol against the simulated copter', () => {
  it('flies end to end: arm refused until ready, climb, every waypoint, RTL, landed; the record is complete', async () => {
    rig = await patrolRig();
    const r = rig;
    expect((await r.take()).status).toBe(200);
    await r.ready();
    // The autopilot is not ready to arm yet (as ArduPilot before "EKF3 IMU0 is using GPS").
    r.drone.refuseArm('Need Position Estimate');
    setTimeout(() => r.drone.allowArm(), 2500);

    const launched = await r.launch();
    expect(launched.status).toBe(201);
    const id = launched.body.id as number;
    expect(launched.body.preflight.every((i: { pass: boolean }) => i.pass)).toBe(true);

    const flying = await r.until(id, 'flying', (x) => x.state === 'flying', 60_000);
    expect(flying.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['preflight', 'upload', 'arm_refused', 'armed']));
    expect(flying.events.find((e) => e.kind === 'arm_refused')!.message).toMatch(/COMPONENT_ARM_DISARM FAILED: Arm: Need Position Estimate/);
    expect(flying.events.find((e) => e.kind === 'upload')!.message).toMatch(/uploaded and read back identical/);
    expect(r.drone.status().mode).toBe('AUTO');

    // The route file is edited while the drone flies it: the run's route stays the copy uploaded.
    fs.writeFileSync(path.join(r.missionsDir, 'short.plan'), JSON.stringify(shortPlan(35)));
    await waitFor('the edited file read', () => r.t.svc.routes.get('short')?.route?.items[0]?.alt === 35);
    const flown = await r.t.api('GET', `/api/runs/${id}/route`, r.pilot);
    expect(flown.status).toBe(200);
    expect(flown.body.route.items.map((i: { alt: number }) => i.alt)).toEqual([20, 20, 20, 0]);
    expect(flown.body.geojson.features.some((f: { properties: { kind: string } }) => f.properties.kind === 'item')).toBe(true);
    expect((await r.t.api('GET', '/api/runs/999999/route', r.pilot)).status).toBe(404);

    const mid = await r.until(id, 'progress on the legs', (x) => (x.leg?.seq ?? 0) >= 2 && x.distanceLeftM !== null, 60_000);
    expect(mid.leg!.total).toBe(5); // home + 4 items
    expect(mid.leg).toMatchObject({ item: mid.leg!.seq, of: 4 }); // ArduPilot's seq 2 is the route's second item
    expect(mid.etaS).toBeGreaterThan(0);
    expect(mid.timeAloftS).toBeGreaterThanOrEqual(0);

    const done = await r.until(id, 'landed', (x) => x.state === 'landed', 120_000);
    expect(done.result).toBe('completed');
    expect(done.outcome).toEqual({ kind: 'completed' });
    expect(done.endedAt).toBeGreaterThan(done.startedAt);
    expect(done.maxAltM).toBeGreaterThan(18);
    expect(done.maxAltM).toBeLessThan(25);
    // Out 100 m, across 100 m, back ~140 m: about 340 m flown.
    expect(done.distanceFlownM).toBeGreaterThan(300);
    expect(done.distanceFlownM).toBeLessThan(450);
    expect(done.minBattery).toBeLessThan(100);
    expect(r.drone.status()).toMatchObject({ armed: false, landed: true });

    const gpx = await fetch(`${r.t.base}/api/runs/${id}/track.gpx`, { headers: { authorization: `Bearer ${r.pilot}` } });
    const text = await gpx.text();
    expect(gpx.headers.get('content-type')).toMatch(/gpx/);
    const points = [...text.matchAll(/<trkpt lat="([\d.]+)" lon="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(points.length).toBeGreaterThan(10);
    expect(Math.max(...points.map((p) => p[0]!))).toBeGreaterThan(WP1.lat - 0.0002);
    const kml = await (await fetch(`${r.t.base}/api/runs/${id}/track.kml`, { headers: { authorization: `Bearer ${r.pilot}` } })).text();
    expect(kml).toMatch(/<LineString><altitudeMode>absolute<\/altitudeMode><coordinates>121\.38/);

    const admin = await r.t.login('admin', 'admin-test-password');
    const audit = (await r.t.api('GET', '/api/audit?action=patrol.launch', admin)).body;
    expect(audit[0]).toMatchObject({ user: 'pilot1', target: 'sim-1', result: 'ok', detail: { runId: id, routeId: 'short' } });
  });

  it("pauses, resumes, and returns home mid-route on the pilot's command", async () => {
    rig = await patrolRig();
    const r = rig;
    const id = await r.onFirstLeg();

    const pause = await r.command('pause');
    expect(pause.body).toMatchObject({ result: 'accepted' });
    expect(r.drone.status().mode).toBe('BRAKE');
    expect((await r.run(id)).state).toBe('paused');
    const at = r.drone.status();
    await new Promise((res) => setTimeout(res, 1500));
    const still = r.drone.status();
    expect(Math.abs(still.lat - at.lat) * 111_320).toBeLessThan(5); // holding position

    expect((await r.command('resume')).body.result).toBe('accepted');
    expect(r.drone.status().mode).toBe('AUTO');
    expect((await r.run(id)).state).toBe('flying');

    expect((await r.command('rtl')).body.result).toBe('accepted');
    expect(r.drone.status().mode).toBe('RTL');
    const done = await r.until(id, 'landed', (x) => x.state === 'landed', 120_000);
    expect(done.result).toMatch(/^returned early after item [1-3] of 4 \(by the pilot\)$/);
    // Called back on the first leg or later: the takeoff at least is behind it, whatever
    // ArduCopter's MISSION_CURRENT says once it has landed (0).
    expect(done.outcome).toMatchObject({ kind: 'returned_early', of: 4, by: 'pilot' });
    expect((done.outcome as { afterItem: number }).afterItem).toBeGreaterThanOrEqual(1);
    expect(done.events.filter((e) => e.kind === 'command').map((e) => e.message)).toEqual(['pause: accepted', 'resume: accepted', 'rtl: accepted']);
  });

  it('a low-battery failsafe mid-route: the autopilot returns, the run says why, an alert is raised', async () => {
    rig = await patrolRig();
    const r = rig;
    const id = await r.onFirstLeg();
    r.drone.lowBatteryNow(0.2);
    const back = await r.until(id, 'returning', (x) => x.state === 'returning');
    expect(back.events.at(-1)!.message).toMatch(/returning: mode RTL \(not commanded from here/);
    const alerts = (await r.t.api('GET', '/api/alerts/open', r.pilot)).body.aircraft as { rule: string; severity: string; message: string }[];
    expect(alerts).toEqual(expect.arrayContaining([
      expect.objectContaining({ rule: 'mode_change', severity: 'warning', message: 'mode changed on its own: AUTO → RTL' }),
      expect.objectContaining({ rule: 'autopilot_message', message: 'autopilot: Battery Failsafe' }),
    ]));
    const done = await r.until(id, 'landed', (x) => x.state === 'landed', 120_000);
    expect(done.result).toMatch(/^returned early after item [1-3] of 4 \(a failsafe\)$/);
    expect(done.outcome).toMatchObject({ kind: 'returned_early', of: 4, by: 'failsafe' });
  });

  it('a link lost mid-route and regained: the run carries on and records both', async () => {
    rig = await patrolRig();
    const r = rig;
    await r.take();
    await r.ready();
    const id = (await r.launch()).body.id as number;
    await r.until(id, 'flying', (x) => x.state === 'flying');
    r.drone.dropLink();
    await waitFor('vehicle lost', () => r.t.svc.fleet.get(r.vid)!.lost, 8000);
    r.drone.restoreLink();
    await waitFor('vehicle back', () => !r.t.svc.fleet.get(r.vid)!.lost, 8000);
    const done = await r.until(id, 'landed', (x) => x.state === 'landed', 120_000);
    expect(done.result).toBe('completed');
    expect(done.events.filter((e) => e.kind === 'link').map((e) => e.message)).toEqual(['link lost', 'link regained']);
  });
});

describe('a patrol over a bad radio', () => {
  it('under 30% packet loss both ways it still uploads, verifies, flies and lands — or fails saying why', async () => {
    rig = await patrolRig();
    const r = rig;
    await r.take();
    await r.ready();
    r.drone.setLinkFaults({ loss: 0.3 });
    const launched = await r.launch();
    expect(launched.status).toBe(201);
    const done = await r.until(launched.body.id, 'ended', (x) => ['landed', 'failed'].includes(x.state), 150_000);
    if (done.state === 'failed') {
      // Allowed only with a precise reason, never a hang; a copter armed on the ground by then
      // disarms itself (ArduPilot's DISARM_DELAY), as nothing more is sent to it.
      expect(done.result).toMatch(/^failed: .+: .+/);
      await waitFor('the autopilot to disarm by itself', () => !r.drone.status().armed, 20_000);
    } else {
      expect(done.result).toBe('completed');
      expect(done.events.find((e) => e.kind === 'upload')!.message).toMatch(/read back identical/);
      expect(r.drone.status().armed).toBe(false);
    }
  });
});

describe('launch refusals and control', () => {
  it('refuses a launch for each failed preflight check, with the reason; overrides only the overridable', async () => {
    rig = await patrolRig({
      rules: {
        noFly: [{
          name: 'hospital',
          polygon: [{ lat: 28.3712, lon: 121.3804 }, { lat: 28.3712, lon: 121.3806 }, { lat: 28.3705, lon: 121.3806 }, { lat: 28.3705, lon: 121.3804 }],
        }],
      },
    });
    const r = rig;
    // Not in control.
    let res = await r.launch();
    expect(res.status).toBe(409);
    expect(res.body.error).toMatch(/take control of sim-1 first/);
    await r.take();
    await waitFor('position', () => r.t.svc.fleet.get(r.vid)!.position, 15_000);
    const fails = async (routeId = 'short') => (await r.preflight(routeId)).filter((i) => !i.pass).map((i) => i.id);

    // The no-fly zone lies across the leg from WP1 to WP2.
    expect(await fails()).toContain('geofence');
    expect((await r.preflight()).find((i) => i.id === 'geofence')!.value).toBe('crosses the no-fly zone "hospital"');
    res = await r.launch();
    expect(res.status).toBe(409);
    expect(res.body.error).toMatch(/preflight failed: .*geofence \(crosses the no-fly zone "hospital"\)/);
    res = await r.launch('short', ['geofence']);
    expect(res).toMatchObject({ status: 400 });
    expect(res.body.error).toMatch(/cannot override geofence/);

    // Above the 120 m ceiling.
    const high = await r.preflight('high');
    expect(high.find((i) => i.id === 'ceiling')).toMatchObject({ pass: false, value: 'highest point 150 m (ceiling 120 m)' });
    expect(high.find((i) => i.id === 'route')!.pass).toBe(false);

    // GPS lost: no fix.
    r.drone.loseGps();
    await waitFor('no fix', async () => (await fails()).includes('gps'), 10_000);
    r.drone.restoreGps();

    // Battery too low for the route: the level check blocks; a nearly-full battery short of the
    // route's need with reserve can be overridden.
    r.drone.lowBatteryNow(0.3);
    await waitFor('battery low', async () => (await fails()).includes('battery'), 10_000);
    expect((await r.preflight()).find((i) => i.id === 'battery')!.overridable).toBe(false);

    // An unknown route.
    res = await r.launch('nowhere');
    expect(res).toMatchObject({ status: 404, body: { error: 'no route "nowhere"' } });
    // Not confirmed by the pilot.
    res = await r.t.api('POST', `/api/vehicles/${r.vid}/patrol`, r.pilot, { routeId: 'short' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/confirm: must be true/);

    const admin = await r.t.login('admin', 'admin-test-password');
    const refused = (await r.t.api('GET', '/api/audit?action=patrol.launch', admin)).body.filter((e: { result: string }) => e.result === 'refused');
    expect(refused.length).toBeGreaterThanOrEqual(3);
  });

  it('two pilots contend for one drone: one holds it, the other is refused until it is released', async () => {
    rig = await patrolRig();
    const r = rig;
    const other = await r.t.user('pilot2', ['pilot']);
    const command = await r.t.user('room', ['command']);
    expect((await r.take()).status).toBe(200);
    const second = await r.take(other);
    expect(second).toMatchObject({ status: 409, body: { error: 'sim-1 is under the control of pilot1; they must release it first' } });
    expect((await r.command('rtl', other)).body.error).toBe('sim-1 is under the control of pilot1, not pilot2');
    expect((await r.launch('short', [], other)).status).toBe(409);
    // The command room sees who holds it, and may not fly it.
    expect((await r.t.api('GET', '/api/control', command)).body).toEqual({ 'sim-1': 'pilot1' });
    expect((await r.take(command)).status).toBe(403);
    // Released: the other pilot may take it.
    expect((await r.t.api('POST', `/api/vehicles/${r.vid}/control`, r.pilot, { action: 'release' })).status).toBe(200);
    expect((await r.take(other)).body).toEqual({ vehicleId: 'sim-1', pilot: 'pilot2' });
  });
});
