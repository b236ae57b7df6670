import { common } from 'node-mavlink';
import { describe, expect, it } from 'vitest';
import { airspaceFindings, batteryNeedPercent, estimateFlight, frameKind, MAV_CMD, type RouteLike } from '../../server/wire/route-rules.ts';

/**
 * The station's route rules the service and the browser's route editor share (server/wire/route-rules.ts):
 * MAVLink's numbers as node-mavlink has them, the airspace checks leg by leg, one battery need.
 */

const HOME = { lat: 28.37, lon: 121.38, alt: 10 };
const at = (lat: number, lon: number, alt = 30) => ({ command: 16, frame: 3, params: [0, 0, 0, null], lat, lon, alt });
const takeoff = { command: 22, frame: 3, params: [0, 0, 0, null], lat: 0, lon: 0, alt: 30 };
const rtl = { command: 20, frame: 2, params: [0, 0, 0, 0], lat: 0, lon: 0, alt: 0 };
const route = (...items: RouteLike['items']): RouteLike => ({ plannedHome: HOME, items: [takeoff, ...items, rtl] });
const box = (name: string, s: number, w: number, n: number, e: number) => ({
  name,
  polygon: [{ lat: s, lon: w }, { lat: s, lon: e }, { lat: n, lon: e }, { lat: n, lon: w }],
});
/** The hospital of the patrol tests: between the two waypoints of the short loop. */
const HOSPITAL = box('hospital', 28.3705, 121.3804, 28.3712, 121.3806);
const open = { geofence: null, noFly: [HOSPITAL], ceilingM: 120 };

describe('route rules shared with the browser', () => {
  it("MAVLink command and frame numbers are node-mavlink's", () => {
    for (const [name, n] of Object.entries(MAV_CMD)) expect([name, (common.MavCmd as unknown as Record<string, number>)[name]]).toEqual([name, n]);
    const F = common.MavFrame;
    expect([F.GLOBAL, F.GLOBAL_INT].map(frameKind)).toEqual(['amsl', 'amsl']);
    expect([F.GLOBAL_RELATIVE_ALT, F.GLOBAL_RELATIVE_ALT_INT].map(frameKind)).toEqual(['relative', 'relative']);
    expect([F.GLOBAL_TERRAIN_ALT, F.GLOBAL_TERRAIN_ALT_INT].map(frameKind)).toEqual(['terrain', 'terrain']);
    expect(frameKind(F.MISSION)).toBe('mission');
    expect([F.LOCAL_NED, F.LOCAL_ENU, F.LOCAL_OFFSET_NED, F.BODY_NED, F.BODY_OFFSET_NED, F.BODY_FRD, F.LOCAL_FRD, F.LOCAL_FLU].map(frameKind))
      .toEqual(Array(8).fill('local'));
  });

  it('a leg across a no-fly zone is named by its two ends, though neither waypoint is in it; the way home is a leg too', () => {
    const findings = airspaceFindings(route(at(28.3709, 121.38), at(28.3709, 121.381)), open);
    expect(findings).toEqual([
      { kind: 'leg_crosses_no_fly', item: 2, from: 1, zone: 'hospital', at: { lat: 28.3709, lon: expect.closeTo(121.3804, 6) } },
      // The return to launch flies diagonally back home, through the hospital's south-east corner.
      { kind: 'leg_crosses_no_fly', item: 3, from: 2, zone: 'hospital', at: { lat: expect.closeTo(28.37054, 6), lon: expect.closeTo(121.3806, 6) } },
    ]);
  });

  it('a waypoint in a zone is said once, not again for its legs; the way home counts as a leg', () => {
    expect(airspaceFindings(route(at(28.3709, 121.3805)), open)).toEqual([{ kind: 'waypoint_in_no_fly', item: 1, zone: 'hospital' }]);
    // Out east and back home: the return to launch flies through a zone west of the last waypoint.
    const onTheWayHome = { ...open, noFly: [box('school', 28.3699, 121.3805, 28.3701, 121.3806)] };
    expect(airspaceFindings(route(at(28.3709, 121.38), at(28.37, 121.382)), onTheWayHome))
      .toEqual([{ kind: 'leg_crosses_no_fly', item: 3, from: 2, zone: 'school', at: expect.anything() }]);
  });

  it('the geofence: a waypoint outside it, and a leg that cuts a corner of a concave fence between two waypoints inside', () => {
    // An L: the square's north-east quarter is outside.
    const L = {
      name: 'station',
      polygon: [{ lat: 28.368, lon: 121.378 }, { lat: 28.368, lon: 121.384 }, { lat: 28.371, lon: 121.384 }, { lat: 28.371, lon: 121.381 }, {
        lat: 28.374,
        lon: 121.381,
      }, { lat: 28.374, lon: 121.378 }],
    };
    const fenced = { geofence: L, noFly: [], ceilingM: 120 };
    expect(airspaceFindings(route(at(28.373, 121.383)), fenced).map((f) => [f.kind, f.item]))
      .toEqual([['waypoint_outside_geofence', 1]]);
    const corner = airspaceFindings(route(at(28.3735, 121.3805), at(28.3705, 121.3835)), fenced);
    expect(corner).toEqual([{ kind: 'leg_leaves_geofence', item: 2, from: 1, zone: 'station', at: expect.anything() }]);
  });

  it('a height above the ceiling, above home or measured from the planned home for AMSL', () => {
    expect(airspaceFindings(route(at(28.3709, 121.38, 130), { ...at(28.371, 121.38, 125), frame: 0 }), { ...open, noFly: [] }))
      .toEqual([{ kind: 'above_ceiling', item: 1, heightM: 130, ceilingM: 120 }]);
  });

  it("the battery a route needs: its flight time over the endurance plus the station's reserve", () => {
    const est = estimateFlight(route(at(28.3709, 121.38), at(28.3709, 121.381)));
    expect(Math.round(est.distanceM)).toBe(338);
    expect(batteryNeedPercent(est.durationS, { enduranceS: 1200, reservePercent: 25 })).toBe(Math.ceil((est.durationS / 1200) * 100 + 25));
    expect(batteryNeedPercent(600, { enduranceS: 1200, reservePercent: 25 })).toBe(75);
    expect(batteryNeedPercent(600, { enduranceS: 1200, reservePercent: 30 })).toBe(80);
  });
});

describe('one battery reserve, one ceiling, one endurance', () => {
  it("the configuration's defaults, the preflight's and the route check's are the same figures", async () => {
    const { ConfigSchema } = await import('../../server/config.ts');
    const { DEFAULT_RULES } = await import('../../server/patrols/preflight.ts');
    const { checksOf } = await import('../../server/missions/validate.ts');
    const { DEFAULT_CEILING_M, DEFAULT_ENDURANCE_S, DEFAULT_RESERVE_PERCENT } = await import('../../server/wire/route-rules.ts');
    const c = ConfigSchema.parse({});
    expect([c.preflight.reservePercent, DEFAULT_RULES.reservePercent, checksOf().reservePercent]).toEqual(Array(3).fill(DEFAULT_RESERVE_PERCENT));
    expect([c.station.ceilingM, DEFAULT_RULES.ceilingM, checksOf().ceilingM]).toEqual(Array(3).fill(DEFAULT_CEILING_M));
    expect([c.preflight.enduranceMin * 60, DEFAULT_RULES.enduranceS, checksOf().enduranceS]).toEqual(Array(3).fill(DEFAULT_ENDURANCE_S));
  });
});
