import { CMD, commandName, frameKind, frameName, isCopter, isGlobal, isNav, isPositional, isTakeoff, label } from './commands.ts';
import {
  airspaceFindings, DEFAULT_CEILING_M, DEFAULT_ENDURANCE_S, DEFAULT_RESERVE_PERCENT, usableS, type AirspaceFinding,
} from '../wire/route-rules.ts';
import type { ZoneView } from '../wire/types.ts';
import { distanceM, estimateFlight, heightOf, type FlightOptions } from './flight.ts';
import type { Issue } from './issues.ts';
import type { MissionItem, Route } from './model.ts';

/** The station's rules a route is checked against (server/config.ts: station and preflight). */
export interface ValidateOptions extends FlightOptions {
  /** legal ceiling above ground (metres); China's light-UAV rules and most others: 120 */
  ceilingM?: number;
  /** flight time of a full battery (seconds) */
  enduranceS?: number;
  /** charge kept for landing and surprises, percent: the station's one figure (preflight.reservePercent) */
  reservePercent?: number;
  /** the station's geofence: every waypoint and leg inside it */
  geofence?: ZoneView | null;
  /** the station's no-fly zones: no waypoint in them, no leg across them */
  noFly?: ZoneView[];
}

const DEFAULTS = {
  ceilingM: DEFAULT_CEILING_M, enduranceS: DEFAULT_ENDURANCE_S, reservePercent: DEFAULT_RESERVE_PERCENT,
  geofence: null as ZoneView | null, noFly: [] as ZoneView[],
};

/** The checks with the defaults filled in: what a route is held to, and what the route editor is told. */
export function checksOf(options: ValidateOptions = {}): typeof DEFAULTS & FlightOptions {
  return { ...DEFAULTS, ...options };
}

const fmt = (n: number) => String(Math.round(n * 10) / 10);
const minutes = (s: number) => `${fmt(s / 60)} min`;

function inRange(lat: number, lon: number): string | null {
  if (Math.abs(lat) > 90) return `latitude ${lat} out of range (-90..90)${Math.abs(lon) <= 90 ? ' — lat/lon swapped?' : ''}`;
  if (Math.abs(lon) > 180) return `longitude ${lon} out of range (-180..180)`;
  return null;
}

/** What reading the route's file changed (a line simplified), as warnings. */
export function importWarnings(route: Route): Issue[] {
  return (route.source.notes ?? []).map((message) => ({ level: 'warning', file: route.source.file, item: null, where: '', message }));
}

/** Errors stop a route from being stored or flown; warnings are for the pilot to read. */
export function validateRoute(route: Route, options: ValidateOptions = {}): Issue[] {
  const opts = checksOf(options);
  const file = route.source.file;
  const issues: Issue[] = [];
  const add = (level: Issue['level'], index: number | null, where: string, message: string) =>
    issues.push({ level, file, item: index, where, message });
  const at = (i: number) => route.source.locations[i] ?? `items[${i}]`;
  const home = route.plannedHome;
  const n = route.items.length;

  if (home) {
    const bad = inRange(home.lat, home.lon);
    if (bad) add('error', null, 'planned home', bad);
  }

  const checkPlace = (it: MissionItem, i: number, name: string) => {
    if (!Number.isFinite(it.lat) || !Number.isFinite(it.lon) || (it.lat === 0 && it.lon === 0)) {
      if (it.command === CMD.WAYPOINT || it.command === CMD.SPLINE_WAYPOINT) {
        add('warning', i, at(i), `${name} at 0,0: ArduPilot stays where it is, other autopilots fly to 0°N 0°E`);
      }
      return;
    }
    const bad = inRange(it.lat, it.lon);
    if (bad) return add('error', i, at(i), bad);
    // Swapped but both in range (e.g. 8.5, 47.4 for 47.4, 8.5): only the home can tell.
    if (home && distanceM(home, it) > 100_000 && Math.abs(it.lon) <= 90 && distanceM(home, { lat: it.lon, lon: it.lat }) < 20_000) {
      add('error', i, at(i), `${fmt(distanceM(home, it) / 1000)} km from the planned home, but only ${fmt(distanceM(home, { lat: it.lon, lon: it.lat }) / 1000)} km with latitude and longitude exchanged — lat/lon swapped?`);
    }
  };

  const checkHeight = (it: MissionItem, i: number, name: string) => {
    const h = heightOf(it, home);
    if (h === null) {
      if (frameKind(it.frame) === 'amsl' && Number.isFinite(it.alt)) {
        add('warning', i, at(i), `altitude ${fmt(it.alt)} m is above sea level (${frameName(it.frame)}) and the route has no planned home: the ${opts.ceilingM} m ceiling cannot be checked`);
      }
      return;
    }
    const ref = frameKind(it.frame) === 'terrain' ? 'terrain' : 'home';
    if (h > opts.ceilingM) add('error', i, at(i), `altitude ${fmt(h)} m above ${ref} is over the legal ceiling of ${opts.ceilingM} m`);
    else if (isTakeoff(it.command) && h <= 0) add('error', i, at(i), `takeoff altitude ${fmt(h)} m is not above home`);
    else if (isNav(it.command) && it.command !== CMD.LAND && h === 0 && ref === 'home') {
      add('warning', i, at(i), `${name} at altitude 0: ArduPilot keeps its current altitude, other autopilots descend to home level`);
    } else if (isNav(it.command) && it.command !== CMD.LAND && h < 0) {
      add('warning', i, at(i), `altitude ${fmt(h)} m is below home`);
    }
  };

  route.items.forEach((it, i) => {
    const name = commandName(it.command);
    if (!name) return add('error', i, at(i), `unknown command ${it.command}: not a MAV_CMD in any MAVLink dialect`);
    const kind = frameKind(it.frame);
    if (kind === 'unknown') return add('error', i, at(i), `frame ${it.frame} is not a MAV_FRAME`);
    if (it.command >= CMD.FENCE_RETURN_POINT && it.command <= CMD.RALLY_POINT) {
      return add('error', i, at(i), `${name} belongs to the geofence or rally points, not to the mission`);
    }
    if (isPositional(it.command)) {
      if (!isGlobal(it.frame)) {
        return add('error', i, at(i), `${name} in frame ${it.frame} ${frameName(it.frame)}: mission positions need a global frame (0 GLOBAL, 3 GLOBAL_RELATIVE_ALT or 10 GLOBAL_TERRAIN_ALT)`);
      }
      checkPlace(it, i, name);
      checkHeight(it, i, name);
    } else if (kind === 'mission' && [it.lat, it.lon].some((v) => Number.isFinite(v) && !Number.isInteger(v))) {
      add('warning', i, at(i), `param5/param6 (${it.lat}, ${it.lon}) go as whole numbers in MISSION_ITEM_INT: they will be truncated`);
    }
    if (it.command === CMD.DO_JUMP) {
      const [target, repeat] = it.params;
      if (!Number.isInteger(target) || target < 1 || target > n) add('error', i, at(i), `DO_JUMP target ${target} does not exist (items are numbered 1..${n}, home being 0)`);
      else if (target === i + 1) add('error', i, at(i), 'DO_JUMP jumps to itself');
      if (!Number.isInteger(repeat) || repeat < -1) add('error', i, at(i), `DO_JUMP repeat count ${repeat} is invalid (-1 = forever, or 0 and up)`);
    }
  });

  const navs = route.items.map((it, i) => [it, i] as const).filter(([it]) => isNav(it.command));
  if (!navs.length) add('error', null, '', 'no navigation command: the route has nothing to fly');
  else {
    const [first, fi] = navs[0]!;
    if (isCopter(route.vehicleType) && !isTakeoff(first.command)) {
      add('error', fi, at(fi), `the first navigation command is ${label(first.command)}: a copter must take off first (put NAV_TAKEOFF before it)`);
    }
    const [last, li] = navs.at(-1)!;
    if (last.command !== CMD.RETURN_TO_LAUNCH && last.command !== CMD.LAND) {
      add('warning', li, at(li), `the route ends with ${label(last.command)}, not RETURN_TO_LAUNCH or LAND: the drone will wait there`);
    }
  }

  route.fence.polygons.forEach((poly, k) => {
    const where = `fence polygon ${k + 1}`;
    if (poly.vertices.length < 3) add('error', null, where, `${poly.vertices.length} vertices: not a closed area (a polygon needs at least 3)`);
    poly.vertices.forEach((v, j) => {
      const bad = inRange(v.lat, v.lon);
      if (bad) add('error', null, `${where} vertex ${j + 1}`, bad);
    });
  });
  route.fence.circles.forEach((c, k) => {
    const where = `fence circle ${k + 1}`;
    const bad = inRange(c.lat, c.lon);
    if (bad) add('error', null, where, bad);
    if (!(c.radius > 0)) add('error', null, where, `radius ${c.radius} m: must be more than 0`);
  });
  const rp = route.fence.returnPoint;
  const rpBad = rp && inRange(rp.lat, rp.lon);
  if (rpBad) add('error', null, 'fence return point', rpBad);
  route.rally.forEach((r, k) => {
    const where = `rally point ${k + 1}`;
    const bad = inRange(r.lat, r.lon);
    if (bad) add('error', null, where, bad);
    if (r.alt > opts.ceilingM) add('error', null, where, `altitude ${fmt(r.alt)} m above home is over the legal ceiling of ${opts.ceilingM} m`);
  });

  // The station's airspace: what the preflight's geofence check would refuse, said now (the ceiling is checked above).
  for (const f of airspaceFindings(route, opts)) {
    if (f.kind !== 'above_ceiling') add('error', f.item, at(f.item), airspaceMessage(f));
  }

  checkBattery(route, opts, (i, message) => add('warning', i, i === null ? '' : at(i), message));
  return [...importWarnings(route), ...issues];
}

/** Items as the page numbers them, from 1; a leg from home says so. */
const itemNo = (i: number | null) => (i === null ? 'home' : `item ${i + 1}`);
const near = (p: { lat: number; lon: number }) => `${p.lat.toFixed(5)}, ${p.lon.toFixed(5)}`;

function airspaceMessage(f: Exclude<AirspaceFinding, { kind: 'above_ceiling' }>): string {
  switch (f.kind) {
    case 'waypoint_in_no_fly': return `${itemNo(f.item)} is inside the no-fly zone "${f.zone}"`;
    case 'leg_crosses_no_fly': return `the leg from ${itemNo(f.from)} to ${itemNo(f.item)} crosses the no-fly zone "${f.zone}" near ${near(f.at)}`;
    case 'waypoint_outside_geofence': return `${itemNo(f.item)} is outside the geofence "${f.zone}"`;
    case 'leg_leaves_geofence': return `the leg from ${itemNo(f.from)} to ${itemNo(f.item)} leaves the geofence "${f.zone}" near ${near(f.at)}`;
  }
}

function checkBattery(route: Route, opts: typeof DEFAULTS & FlightOptions, warn: (i: number | null, message: string) => void): void {
  const est = estimateFlight(route, opts);
  if (est.endless) warn(null, 'a DO_JUMP repeats forever: the patrol only ends by RTL from the ground station or a battery failsafe');
  const usable = usableS(opts);
  const out = est.legs.find((l) => l.endS > usable);
  if (out) {
    warn(out.index, `the battery reserve is reached on this leg: about ${minutes(est.durationS)} of flying (${fmt(est.distanceM / 1000)} km) ` +
      `against ${minutes(usable)} usable (${minutes(opts.enduranceS)} endurance less ${opts.reservePercent}% reserve)`);
  }
}
