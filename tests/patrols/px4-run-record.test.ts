import { common, minimal } from 'node-mavlink';
import { describe, expect, it } from 'vitest';
import type { RunView } from '../../server/wire/types.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { PX4_MODE, scriptedPx4 } from './scripted-px4.ts';
import { patrolStation, px4CapturePlan } from './station.ts';

/**
 * A patrol on a PX4 scripted after the live capture (tests/patrols/scripted-px4.ts), in simulated
 * time: the run's progress comes only from its own mission after it started it, its record says
 * how it ended and who brought it back, and only a mode change nobody here commanded and its
 * mission does not explain is an alert.
 */

const cleanup = cleanupAfterEach();
/** the run's event saying it is returning, and why */
const returning = (r: RunView) => r.events.find((e) => e.kind === 'state' && e.message.startsWith('returning'))?.message;

async function setup() {
  const fc = fakeClock();
  // PX4 still reports the last item (4 of 5) of the mission it flew before, until it has the new one.
  const px4 = await scriptedPx4(fc, { current: 4 });
  cleanup.push(() => px4.close());
  const st = await patrolStation(px4.fleet, { clock: fc.clock, plans: { square: px4CapturePlan() } });
  cleanup.push(() => st.close());
  const v = px4.vehicle;
  await st.control.take(v.id, 'pilot1');
  await fc.advance(2000); // position, GPS and battery reports
  const run = await st.patrols.launch(v.id, 'square', 'pilot1');
  const view = () => st.patrols.live(run.id)!;
  await fc.advance(3000); // upload, read back, Mission mode, arm
  expect(view().state).toBe('climbing');
  px4.pos.altRel = 20;
  await fc.advance(1000);
  expect(view().state).toBe('flying');
  /** fly the route: MISSION_CURRENT and MISSION_ITEM_REACHED as PX4 sends them, up to and with `last` reached */
  const flyTo = async (last: number) => {
    for (let seq = 0; seq <= last; seq++) {
      px4.current = seq;
      await fc.advance(1000);
      px4.reach(seq);
      await fc.advance(100);
    }
  };
  /** land and disarm; PX4 switches to HOLD by itself as it disarms */
  const land = async () => {
    px4.pos.altRel = 0;
    Object.assign(px4.state, { armed: false, customMode: PX4_MODE.HOLD, systemStatus: null });
    await fc.advance(2000);
  };
  return { fc, px4, st, v, run, view, flyTo, land };
}

describe("a PX4 patrol's record and alerts (scripted PX4, simulated time)", () => {
  it("the previous mission's last item, still reported during upload and arming, is not this run's progress", async () => {
    const { st, view, run } = await setup();
    const launching = st.views.filter((r) => r.id === run.id && ['uploading', 'arming', 'starting'].includes(r.state));
    expect(launching.length).toBeGreaterThan(0);
    // It was "leg 4 of 5, 0 m left" here: PX4 was still at the end of its previous mission.
    expect(launching.map((r) => [r.leg, r.distanceLeftM])).toEqual(launching.map(() => [null, null]));
    // PX4 numbers the takeoff 0: it is the route's first item of five.
    expect(view().leg).toEqual({ seq: 0, total: 5, item: 1, of: 5 });
    // From home through the three waypoints (home itself is not reported here, so the RTL leg is not counted).
    expect(view().distanceLeftM).toBe(300);
  });

  it('a failsafe RTL after the second waypoint: returned early after item 3 of 5, by a failsafe; the change is a red alert, the HOLD after landing none', async () => {
    const { fc, px4, st, view, flyTo, land } = await setup();
    await flyTo(2); // takeoff, WP1, WP2 reached
    px4.current = 3;
    Object.assign(px4.state, { customMode: PX4_MODE.RETURN, systemStatus: minimal.MavState.CRITICAL });
    await fc.advance(2000);
    expect(view().state).toBe('returning');
    expect(returning(view())).toBe('returning: mode RETURN (not commanded from here: a failsafe: the autopilot reports CRITICAL)');
    await land();
    const done = view();
    expect(done.outcome).toEqual({ kind: 'returned_early', afterItem: 3, of: 5, by: 'failsafe' });
    expect(done.result).toBe('returned early after item 3 of 5 (a failsafe)');
    // The record, written behind the flight, says the same.
    await st.patrols.saved();
    expect((await st.store.runs.get(done.id))!.outcome).toEqual(done.outcome);
    expect(st.alerts('mode_change')).toEqual([['warning', 'mode changed on its own: MISSION → RETURN']]);
  });

  it("the mission's own RTL item: PX4 switches to RETURN by itself, no alert; landed, it is completed, and the HOLD at disarm is no alert either", async () => {
    const { fc, px4, st, view, flyTo, land } = await setup();
    // Arriving at WP3, PX4 reports the RTL item (4) reached, never WP3 (3), and switches to Return.
    await flyTo(2);
    px4.current = 3;
    await fc.advance(1000);
    px4.reach(4);
    px4.state.customMode = PX4_MODE.RETURN;
    await fc.advance(1500);
    px4.current = 4;
    await fc.advance(1000);
    expect(returning(view())).toBe("returning: mode RETURN (PX4 switches to Return by itself at the mission's RTL item)");
    await land();
    expect(view()).toMatchObject({ state: 'landed', result: 'completed', outcome: { kind: 'completed' } });
    expect(st.alerts('mode_change')).toEqual([]);
  });

  it("the pilot's return from here after the first waypoint: returned early after item 2 of 5, by the pilot, no alert", async () => {
    const { fc, px4, st, view, flyTo, land, v } = await setup();
    await flyTo(1);
    px4.current = 2;
    const out = fc.run(st.patrols.command(v.id, 'rtl'));
    expect(await out).toEqual({ result: 'accepted' });
    expect(view().events.filter((e) => e.kind === 'command').map((e) => e.message)).toEqual(['rtl: accepted']);
    expect(returning(view())).toBe('returning: mode RETURN');
    await land();
    expect(view().outcome).toEqual({ kind: 'returned_early', afterItem: 2, of: 5, by: 'pilot' });
    expect(st.alerts('mode_change')).toEqual([]);
  });
});

describe('a patrol on its way home (scripted PX4, simulated time)', () => {
  /** HOME_POSITION where the scripted PX4 took off, as PX4 reports it */
  const reportHome = (px4: Awaited<ReturnType<typeof setup>>['px4']) =>
    px4.send(Object.assign(new common.HomePosition(), {
      latitude: Math.round(28.37 * 1e7),
      longitude: Math.round(121.3815 * 1e7),
      altitude: 10_000,
    }));

  it('recalled at the first waypoint: the distance left is the way home (~100 m), not the rest of the route', async () => {
    const { fc, px4, st, view, flyTo, v } = await setup();
    reportHome(px4);
    await flyTo(1);
    Object.assign(px4.pos, { lat: 28.3709, lon: 121.3815 }); // at WP1, 100 m north of home
    px4.current = 2;
    await fc.advance(1500);
    // Still on the route: WP2, WP3 and home are ahead (100 + 100 + 100 m).
    expect(view().distanceLeftM).toBeGreaterThan(290);
    expect(await fc.run(st.patrols.command(v.id, 'rtl'))).toEqual({ result: 'accepted' });
    await fc.advance(1500);
    expect(view().state).toBe('returning');
    expect(view().distanceLeftM).toBeGreaterThan(95);
    expect(view().distanceLeftM).toBeLessThan(105);
    expect(view().etaS).toBe(Math.round(view().distanceLeftM! / 5));
  });

  it("the route's own RTL item flown in the mission mode (as ArduPilot does in AUTO): the state says returning home", async () => {
    const { fc, px4, view, flyTo, land } = await setup();
    reportHome(px4);
    await flyTo(3);
    Object.assign(px4.pos, { lat: 28.37, lon: 121.38252 }); // at WP3, ~100 m east of home
    px4.current = 4; // the RTL item, flown without a change of mode
    await fc.advance(1500);
    expect(view().state).toBe('returning');
    expect(view().events.at(-1)!.message).toBe("returning: the route's last item (return to launch)");
    expect(view().distanceLeftM).toBeGreaterThan(95);
    expect(view().distanceLeftM).toBeLessThan(105);
    await land();
    expect(view()).toMatchObject({ state: 'landed', outcome: { kind: 'completed' } });
  });

  it("says the route's station", async () => {
    const { view } = await setup();
    expect(view().station).toBe('Wenling');
  });
});
