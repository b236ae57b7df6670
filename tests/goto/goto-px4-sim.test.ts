import { afterEach, describe, expect, it } from 'vitest';
import type { GotoView } from '../../server/wire/types.ts';
import { patrolRig } from '../patrols/rig.ts';
import { waitFor } from '../helpers/wait.ts';

let rig: Awaited<ReturnType<typeof patrolRig>> | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const SCENE = { lat: 28.3709, lon: 121.382 };

describe('drone to the scene against the simulated PX4, over real sockets', () => {
  it(
    'arms in Hold, takes off, repositions with the change-mode flag and orbits the point, every height AMSL as PX4 reads it, and no mode change is taken for an unexpected one',
    async () => {
      rig = await patrolRig({ simOptions: { bootDelayS: 4, speedup: 4, demo: false, seed: 11, autopilot: 'px4' }, goto: { transitAltM: 30 } });
      const r = rig;
      await r.take();
      await waitFor('a PX4 with a position', () => r.t.svc.fleet.get(r.vid)?.autopilot === 'px4' && r.t.svc.fleet.get(r.vid)?.position, 20_000);
      const sent = await waitFor(
        'the goto accepted',
        async () => {
          const res = await r.t.api('POST', `/api/vehicles/${r.vid}/goto`, r.pilot, { ...SCENE, confirm: true });
          return res.status === 201 && res;
        },
        30_000,
        500,
      );
      expect(sent.body.state).toBe('arming');
      expect(sent.body.hold).toBe('orbit');

      let last: GotoView | undefined;
      const until = (what: string, check: (g: GotoView) => boolean) =>
        waitFor(
          what,
          async () => {
            last = (await r.t.api('GET', `/api/vehicles/${r.vid}/goto`, r.pilot)).body as GotoView;
            return check(last) && last;
          },
          90_000,
          200,
        ).catch((err: Error) => {
          throw new Error(`${err.message}: ${last?.state}; ${last?.events.map((e) => e.message).join(' | ')}`);
        });
      const there = await until('overhead, the orbit answered', (g) => g.overhead && g.events.some((e) => e.kind === 'roi'));
      // PX4 reads every height as AMSL (home is 10 m AMSL here): 30 m above home, not 20.
      const v = r.t.svc.fleet.get(r.vid)!;
      expect(v.position!.altRel).toBeGreaterThan(27);
      expect(v.position!.altRel).toBeLessThan(33);
      expect(there.hold).toBe('orbit');
      expect(there.events.find((e) => e.kind === 'orbit')!.message).toBe('circling the point at 20 m, facing it');
      expect(r.drone.status().mode).toBe('ORBIT');
      expect(v.flightMode).toBe('orbit');
      // Round the point on the circle, at its height, still overhead.
      const bearings: number[] = [];
      await waitFor(
        'round the circle',
        () => {
          const p = v.position!;
          const dn = (p.lat - SCENE.lat) * 111_320;
          const de = (p.lon - SCENE.lon) * 111_320 * Math.cos((SCENE.lat * Math.PI) / 180);
          const from = Math.hypot(dn, de);
          if (from > 17 && from < 23) bearings.push(Math.atan2(de, dn));
          return bearings.length > 20 && new Set(bearings.map((b) => Math.round(b * 2))).size >= 4;
        },
        60_000,
        250,
      );
      expect(v.position!.altRel).toBeGreaterThan(27);
      const circling = await until('still overhead', (g) => g.overhead);
      expect(circling.state).toBe('on_scene');
      const open = (await r.t.api('GET', '/api/alerts/open', r.pilot)).body as { aircraft: { rule: string }[] };
      expect(open.aircraft.filter((a) => a.rule === 'mode_change')).toEqual([]);

      const back = await r.t.api('POST', `/api/vehicles/${r.vid}/goto/return`, r.pilot, { confirm: true });
      expect(back.body.result).toBe('accepted');
      expect(r.drone.status().mode).toBe('RETURN');
    },
    180_000,
  );

  it('takes a PX4 off its mission into Hold without an unexpected-mode alert, and resumes the mission', async () => {
    rig = await patrolRig({ simOptions: { bootDelayS: 4, speedup: 4, demo: false, seed: 11, autopilot: 'px4' }, goto: { transitAltM: 30 } });
    const r = rig;
    const runId = await r.onFirstLeg();
    expect(r.drone.status().mode).toBe('MISSION');
    const sent = await r.t.api('POST', `/api/vehicles/${r.vid}/goto`, r.pilot, { ...SCENE, confirm: true });
    expect(sent.status).toBe(201);
    await waitFor('in Hold, on its way', () => r.drone.status().mode === 'HOLD', 10_000);
    await waitFor('overhead', async () => ((await r.t.api('GET', `/api/vehicles/${r.vid}/goto`, r.pilot)).body as GotoView).overhead, 90_000, 200);
    const open = (await r.t.api('GET', '/api/alerts/open', r.pilot)).body as { aircraft: { rule: string; message: string }[] };
    expect(open.aircraft.filter((a) => a.rule === 'mode_change')).toEqual([]);
    const resumed = await r.t.api('POST', `/api/vehicles/${r.vid}/goto/resume`, r.pilot, { confirm: true });
    expect(resumed.body.result).toBe('accepted');
    expect(r.drone.status().mode).toBe('MISSION');
    expect((await r.run(runId)).state).toBe('flying');
  }, 180_000);
});
