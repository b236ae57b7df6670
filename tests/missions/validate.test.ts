import { describe, expect, it } from 'vitest';
import { issueText } from '../../server/missions/issues.ts';
import { EMPTY_META, emptyFence, item, type MissionItem, type Route } from '../../server/missions/model.ts';
import { validateRoute, type ValidateOptions } from '../../server/missions/validate.ts';

const HOME = { lat: 28.37, lon: 121.38, alt: 10 };
const takeoff = (alt = 30) => item(22, 3, 0, 0, alt);
const wp = (lat: number, lon: number, alt = 40, frame = 3) => item(16, frame, lat, lon, alt);
const rtl = () => item(20, 2);

function route(items: MissionItem[], extra: Partial<Route> = {}): Route {
  return {
    id: 'test',
    meta: { ...EMPTY_META },
    vehicleType: 2,
    plannedHome: HOME,
    items,
    fence: emptyFence(),
    rally: [],
    plan: null,
    source: { file: 'test.plan', format: 'plan', locations: items.map((_, i) => `mission.items[${i}]`) },
    ...extra,
  };
}

const errors = (r: Route, opts?: ValidateOptions) => validateRoute(r, opts).filter((i) => i.level === 'error').map(issueText);
const warnings = (r: Route, opts?: ValidateOptions) => validateRoute(r, opts).filter((i) => i.level === 'warning').map(issueText);

describe('route validation', () => {
  it('a plain patrol passes without a word', () => {
    expect(validateRoute(route([takeoff(), wp(28.371, 121.38), wp(28.371, 121.381), rtl()]))).toEqual([]);
  });

  it('unknown commands and frames', () => {
    expect(errors(route([takeoff(), item(31337, 3, 28.371, 121.38, 30), item(16, 99, 28.371, 121.38, 30), item(16, 1, 10, 20, 30), rtl()]))).toEqual([
      'test.plan: mission.items[1]: unknown command 31337: not a MAV_CMD in any MAVLink dialect',
      'test.plan: mission.items[2]: frame 99 is not a MAV_FRAME',
      'test.plan: mission.items[3]: NAV_WAYPOINT in frame 1 LOCAL_NED: mission positions need a global frame (0 GLOBAL, 3 GLOBAL_RELATIVE_ALT or 10 GLOBAL_TERRAIN_ALT)',
    ]);
    expect(errors(route([takeoff(), item(5001, 0, 28.371, 121.38), rtl()])))
      .toEqual(['test.plan: mission.items[1]: NAV_FENCE_POLYGON_VERTEX_INCLUSION belongs to the geofence or rally points, not to the mission']);
  });

  it('coordinates out of range, and swapped ones even when both numbers are in range', () => {
    expect(errors(route([takeoff(), wp(121.38, 28.37), wp(28.37, 190), rtl()]))).toEqual([
      'test.plan: mission.items[1]: latitude 121.38 out of range (-90..90) — lat/lon swapped?',
      'test.plan: mission.items[2]: longitude 190 out of range (-180..180)',
    ]);
    const zurich = { lat: 47.3977, lon: 8.5456, alt: 488 };
    expect(errors(route([takeoff(), wp(8.5466, 47.3978), rtl()], { plannedHome: zurich }))).toEqual([
      'test.plan: mission.items[1]: 5666.1 km from the planned home, but only 0.1 km with latitude and longitude exchanged — lat/lon swapped?',
    ]);
  });

  it('the legal ceiling above home or terrain (default 120 m, configurable), AMSL altitudes measured from the planned home', () => {
    expect(errors(route([takeoff(), wp(28.371, 121.38, 130), item(16, 0, 28.371, 121.381, 140), item(16, 10, 28.372, 121.381, 121), rtl()]))).toEqual([
      'test.plan: mission.items[1]: altitude 130 m above home is over the legal ceiling of 120 m',
      'test.plan: mission.items[2]: altitude 130 m above home is over the legal ceiling of 120 m',
      'test.plan: mission.items[3]: altitude 121 m above terrain is over the legal ceiling of 120 m',
    ]);
    expect(errors(route([takeoff(), wp(28.371, 121.38, 130), rtl()]), { ceilingM: 150 })).toEqual([]);
    expect(warnings(route([takeoff(), item(16, 0, 28.371, 121.38, 140), rtl()], { plannedHome: null }))).toEqual([
      'test.plan: mission.items[1]: altitude 140 m is above sea level (GLOBAL) and the route has no planned home: the 120 m ceiling cannot be checked',
    ]);
  });

  it('a copter takes off first; a takeoff goes up', () => {
    expect(errors(route([item(178, 2, 0, 0, 0, [1, 5, -1, 0]), wp(28.371, 121.38), rtl()]))).toEqual([
      'test.plan: mission.items[1]: the first navigation command is NAV_WAYPOINT: a copter must take off first (put NAV_TAKEOFF before it)',
    ]);
    expect(errors(route([wp(28.371, 121.38), rtl()], { vehicleType: 1 }))).toEqual([]); // a plane may launch otherwise
    expect(errors(route([takeoff(0), rtl()]))).toEqual(['test.plan: mission.items[0]: takeoff altitude 0 m is not above home']);
    expect(errors(route([]))).toEqual(['test.plan: no navigation command: the route has nothing to fly']);
  });

  it('DO_JUMP targets are sequence numbers that must exist (home = 0)', () => {
    const jump = (target: number, repeat = 1) => item(177, 2, 0, 0, 0, [target, repeat, 0, 0]);
    expect(errors(route([takeoff(), wp(28.371, 121.38), jump(9), jump(4), jump(2, -3), rtl()]))).toEqual([
      'test.plan: mission.items[2]: DO_JUMP target 9 does not exist (items are numbered 1..6, home being 0)',
      'test.plan: mission.items[3]: DO_JUMP jumps to itself',
      'test.plan: mission.items[4]: DO_JUMP repeat count -3 is invalid (-1 = forever, or 0 and up)',
    ]);
    expect(warnings(route([takeoff(), wp(28.371, 121.38), jump(2, -1), rtl()])))
      .toEqual(['test.plan: a DO_JUMP repeats forever: the patrol only ends by RTL from the ground station or a battery failsafe']);
  });

  it('fence polygons must close an area; circles need a radius; rally points obey the ceiling', () => {
    const fence = emptyFence();
    fence.polygons.push({ inclusion: true, vertices: [{ lat: 28.37, lon: 121.37 }, { lat: 28.38, lon: 121.37 }] });
    fence.circles.push({ inclusion: false, lat: 28.37, lon: 121.38, radius: 0 });
    expect(errors(route([takeoff(), wp(28.371, 121.38), rtl()], { fence, rally: [{ lat: 28.371, lon: 121.381, alt: 150 }] }))).toEqual([
      'test.plan: fence polygon 1: 2 vertices: not a closed area (a polygon needs at least 3)',
      'test.plan: fence circle 1: radius 0 m: must be more than 0',
      'test.plan: rally point 1: altitude 150 m above home is over the legal ceiling of 120 m',
    ]);
  });

  it('warnings a pilot should read: battery, 0,0 and altitude 0, no way home, truncated params', () => {
    // 8 laps of a 2 km square at 5 m/s: 16 km, 54 min against 15 usable (the station's default 25 % reserve, as the
    // preflight's); the reserve is hit on the third lap.
    const lap = [wp(28.3745, 121.38), wp(28.3745, 121.3851), wp(28.37, 121.3851), wp(28.37, 121.38)];
    const long = route([takeoff(), ...lap, item(177, 2, 0, 0, 0, [2, 7, 0, 0]), rtl()]);
    expect(errors(long)).toEqual([]);
    expect(warnings(long)).toEqual([
      'test.plan: mission.items[1]: the battery reserve is reached on this leg: about 53.8 min of flying (16 km) against 15 min usable (20 min endurance less 25% reserve)',
    ]);
    // The station's own figure where it sets one.
    expect(warnings(long, { reservePercent: 10 })[0]).toMatch(/against 18 min usable \(20 min endurance less 10% reserve\)$/);
    expect(warnings(long, { enduranceS: 90 * 60 })).toEqual([]);

    expect(warnings(route([takeoff(), wp(0, 0, 40), wp(28.371, 121.38, 0), item(203, 2, 0.5, 0, 0, [1, 0, 0, 0])]))).toEqual([
      'test.plan: mission.items[1]: NAV_WAYPOINT at 0,0: ArduPilot stays where it is, other autopilots fly to 0°N 0°E',
      'test.plan: mission.items[2]: NAV_WAYPOINT at altitude 0: ArduPilot keeps its current altitude, other autopilots descend to home level',
      'test.plan: mission.items[3]: param5/param6 (0.5, 0) go as whole numbers in MISSION_ITEM_INT: they will be truncated',
      'test.plan: mission.items[2]: the route ends with NAV_WAYPOINT, not RETURN_TO_LAUNCH or LAND: the drone will wait there',
    ]);
  });
});
