/**
 * The station's rules for a route, as pure functions both ends run: the service when it
 * validates a route and in the preflight, the route editor in the browser while a pilot drags
 * waypoints. One copy, so the editor flags exactly what the service would refuse.
 *
 * Nothing here imports anything (this folder is what the browser may take from server/): MAVLink
 * numbers are the spec's own (tests/missions/route-rules.test.ts holds them to node-mavlink's).
 */

import type { LatLon, ZoneView } from './types.ts';

/** The MAV_CMDs the estimate and the airspace checks act on. */
export const MAV_CMD = {
  NAV_WAYPOINT: 16,
  NAV_LOITER_UNLIM: 17,
  NAV_LOITER_TURNS: 18,
  NAV_LOITER_TIME: 19,
  NAV_RETURN_TO_LAUNCH: 20,
  NAV_LAND: 21,
  NAV_TAKEOFF: 22,
  NAV_LOITER_TO_ALT: 31,
  NAV_SPLINE_WAYPOINT: 82,
  NAV_VTOL_TAKEOFF: 84,
  NAV_VTOL_LAND: 85,
  NAV_DELAY: 93,
  NAV_PAYLOAD_PLACE: 94,
  DO_SET_HOME: 179,
  DO_JUMP: 177,
  DO_CHANGE_SPEED: 178,
  DO_LAND_START: 189,
  DO_REPOSITION: 192,
  DO_SET_ROI_LOCATION: 195,
  DO_SET_ROI: 201,
  NAV_FENCE_RETURN_POINT: 5000,
  NAV_FENCE_POLYGON_VERTEX_INCLUSION: 5001,
  NAV_FENCE_POLYGON_VERTEX_EXCLUSION: 5002,
  NAV_FENCE_CIRCLE_INCLUSION: 5003,
  NAV_FENCE_CIRCLE_EXCLUSION: 5004,
  NAV_RALLY_POINT: 5100,
} as const;

/** Commands whose params 5-7 are a place. */
const POSITIONAL = new Set<number>([
  MAV_CMD.NAV_WAYPOINT,
  MAV_CMD.NAV_LOITER_UNLIM,
  MAV_CMD.NAV_LOITER_TURNS,
  MAV_CMD.NAV_LOITER_TIME,
  MAV_CMD.NAV_LAND,
  MAV_CMD.NAV_TAKEOFF,
  MAV_CMD.NAV_LOITER_TO_ALT,
  MAV_CMD.NAV_SPLINE_WAYPOINT,
  MAV_CMD.NAV_VTOL_TAKEOFF,
  MAV_CMD.NAV_VTOL_LAND,
  MAV_CMD.NAV_PAYLOAD_PLACE,
  MAV_CMD.DO_SET_HOME,
  MAV_CMD.DO_LAND_START,
  MAV_CMD.DO_REPOSITION,
  MAV_CMD.DO_SET_ROI_LOCATION,
  MAV_CMD.DO_SET_ROI,
  MAV_CMD.NAV_FENCE_RETURN_POINT,
  MAV_CMD.NAV_FENCE_POLYGON_VERTEX_INCLUSION,
  MAV_CMD.NAV_FENCE_POLYGON_VERTEX_EXCLUSION,
  MAV_CMD.NAV_FENCE_CIRCLE_INCLUSION,
  MAV_CMD.NAV_FENCE_CIRCLE_EXCLUSION,
  MAV_CMD.NAV_RALLY_POINT,
]);
export const isPositional = (cmd: number) => POSITIONAL.has(cmd);

export type FrameKind = 'amsl' | 'relative' | 'terrain' | 'mission' | 'local' | 'unknown';

/** How a frame's params 5-7 are meant (MAV_FRAME numbers). The *_INT frames are deprecated aliases of the ones without. */
export function frameKind(frame: number): FrameKind {
  switch (frame) {
    case 0:
    case 5:
      return 'amsl'; // GLOBAL, GLOBAL_INT
    case 3:
    case 6:
      return 'relative'; // GLOBAL_RELATIVE_ALT(_INT)
    case 10:
    case 11:
      return 'terrain'; // GLOBAL_TERRAIN_ALT(_INT)
    case 2:
      return 'mission';
    case 1:
    case 4:
    case 7:
    case 8:
    case 9:
    case 12:
    case 20:
    case 21:
      return 'local'; // LOCAL_NED … LOCAL_FLU
    default:
      return 'unknown';
  }
}

export const isGlobal = (frame: number) => ['amsl', 'relative', 'terrain'].includes(frameKind(frame));

/** What the rules read of a mission item: the service's (NaN for unset) and the browser's JSON (null) alike. */
export interface RouteItemLike {
  command: number;
  frame: number;
  params: readonly (number | null)[];
  lat: number | null;
  lon: number | null;
  alt: number | null;
}

export interface RouteLike {
  plannedHome: { lat: number; lon: number; alt: number } | null;
  items: readonly RouteItemLike[];
}

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

const EARTH_RADIUS_M = 6378137;
const rad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle distance in metres, to 0.1 m (as geolib's getDistance, which the service used before). */
export function distanceM(a: LatLon, b: LatLon): number {
  const cos = Math.sin(rad(a.lat)) * Math.sin(rad(b.lat)) + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.cos(rad(a.lon - b.lon));
  return Math.round((Math.acos(Math.min(1, Math.max(-1, cos))) * EARTH_RADIUS_M) / 0.1) * 0.1;
}

/** The item's place, or null for "where the vehicle is" (0,0 or unset) or a non-global frame. */
export function placeOf(it: RouteItemLike): LatLon | null {
  if (!isPositional(it.command) || !isGlobal(it.frame)) return null;
  if (!finite(it.lat) || !finite(it.lon) || (it.lat === 0 && it.lon === 0)) return null;
  if (Math.abs(it.lat) > 90 || Math.abs(it.lon) > 180) return null;
  return { lat: it.lat, lon: it.lon };
}

/** Height above home (or terrain, for terrain frames); null when it cannot be known. */
export function heightOf(it: RouteItemLike, home: { alt: number } | null): number | null {
  if (!finite(it.alt)) return null;
  switch (frameKind(it.frame)) {
    case 'relative':
    case 'terrain':
      return it.alt;
    case 'amsl':
      return home ? it.alt - home.alt : null;
    default:
      return null;
  }
}

// ---- flight estimate -------------------------------------------------------------------------

/**
 * A rough walk through a route as a copter would fly it, to tell pilots how long it takes and
 * where the battery would run out. Not a flight model: straight legs at one speed, vertical
 * moves at a fixed rate, loops followed as DO_JUMP says.
 */
export interface FlightOptions {
  /** horizontal speed when the route does not set one (m/s) */
  speedMs?: number;
  climbMs?: number;
}

export interface Leg {
  /** index into route.items of the item this leg flies to */
  index: number;
  distanceM: number;
  /** seconds since takeoff at the end of this leg */
  endS: number;
}

export interface FlightEstimate {
  distanceM: number;
  durationS: number;
  legs: Leg[];
  /** a DO_JUMP repeats forever: the estimate covers one pass */
  endless: boolean;
}

const MAX_STEPS = 100_000;
export const DEFAULT_SPEED_MS = 5;
const num = (v: number | null | undefined) => (finite(v) ? v : NaN);

/** route.plan.hoverSpeed: the speed a QGroundControl plan sets, used when opts give none. */
export function estimateFlight(route: RouteLike & { plan?: { hoverSpeed: number | null } | null }, opts: FlightOptions = {}): FlightEstimate {
  let speed = opts.speedMs ?? route.plan?.hoverSpeed ?? DEFAULT_SPEED_MS;
  const climb = opts.climbMs ?? 2.5;
  const home = route.plannedHome ?? route.items.map(placeOf).find((p) => p) ?? null;
  let pos: LatLon | null = home;
  let height = 0;
  let t = 0;
  let total = 0;
  let endless = false;
  const legs: Leg[] = [];
  const jumpsDone = new Map<number, number>();
  const fly = (index: number, to: LatLon | null, toHeight: number | null) => {
    const d = pos && to ? distanceM(pos, to) : 0;
    const dz = toHeight === null ? 0 : Math.abs(toHeight - height);
    t += Math.max(d / speed, dz / climb);
    total += d;
    if (to) pos = to;
    if (toHeight !== null) height = toHeight;
    legs.push({ index, distanceM: d, endS: t });
  };

  for (let i = 0, steps = 0; i < route.items.length && steps < MAX_STEPS; steps++) {
    const it = route.items[i]!;
    const p1 = num(it.params[0]);
    const p2 = num(it.params[1]);
    switch (it.command) {
      case MAV_CMD.NAV_RETURN_TO_LAUNCH:
        fly(i, home, null);
        fly(i, null, 0);
        return { distanceM: total, durationS: t, legs, endless };
      case MAV_CMD.NAV_LAND:
        fly(i, placeOf(it), null);
        fly(i, null, 0);
        return { distanceM: total, durationS: t, legs, endless };
      case MAV_CMD.DO_CHANGE_SPEED:
        if (p2 > 0) speed = p2;
        break;
      case MAV_CMD.NAV_DELAY:
        if (p1 > 0) t += p1;
        break;
      case MAV_CMD.DO_JUMP: {
        const done = jumpsDone.get(i) ?? 0;
        if (p2 === -1) endless = true;
        else if (done < p2 && p1 >= 1 && p1 <= route.items.length) {
          jumpsDone.set(i, done + 1);
          i = p1 - 1; // DO_JUMP targets are sequence numbers, home being 0
          continue;
        }
        break;
      }
      default:
        if (isPositional(it.command)) {
          fly(i, placeOf(it), heightOf(it, route.plannedHome));
          if ((it.command === MAV_CMD.NAV_WAYPOINT || it.command === MAV_CMD.NAV_LOITER_TIME) && p1 > 0) t += p1;
        }
    }
    i++;
  }
  return { distanceM: total, durationS: t, legs, endless };
}

// ---- battery -----------------------------------------------------------------------------------

/** The station's battery figures. The reserve is the station's one figure (preflight.reservePercent). */
export interface BatteryRules {
  /** flight time a full battery gives, seconds */
  enduranceS: number;
  /** charge to be left on landing, percent */
  reservePercent: number;
}

/** Defaults of the station configuration (server/config.ts), in one place. */
export const DEFAULT_RESERVE_PERCENT = 25;
export const DEFAULT_ENDURANCE_S = 20 * 60;
export const DEFAULT_CEILING_M = 120;

/** Charge a flight of this length takes, reserve included, in whole percent (what a launch needs). */
export function batteryNeedPercent(durationS: number, rules: BatteryRules): number {
  return Math.ceil((durationS / rules.enduranceS) * 100 + rules.reservePercent);
}

/** Seconds of flight a full battery gives before the reserve. */
export const usableS = (rules: BatteryRules) => rules.enduranceS * (1 - rules.reservePercent / 100);

// ---- airspace ----------------------------------------------------------------------------------

/** Where drones may fly (GET /api/station): the geofence to stay in, the zones to stay out of, the ceiling. */
export interface Airspace {
  geofence: ZoneView | null;
  noFly: readonly ZoneView[];
  ceilingM: number;
}

/**
 * What a route is held to, sent with it (GET /api/routes/:id `rules`) so the route editor checks
 * as the service does: the station's airspace and battery figures, and the speed the route flies at.
 */
export interface RouteRules extends Airspace, BatteryRules {
  speedMs: number;
}

/** A point the route flies through: a placed item (its index in items), or home (item null at the start, the RTL's index on the way back). */
export interface PathPoint extends LatLon {
  item: number | null;
  home: boolean;
}

/**
 * The line the drone flies over the ground: home (when planned), each placed item in order, home
 * again at a return to launch. Take-off and landing without a place happen where the drone is.
 */
export function flownPath(route: RouteLike): PathPoint[] {
  const home = route.plannedHome;
  const out: PathPoint[] = home ? [{ lat: home.lat, lon: home.lon, item: null, home: true }] : [];
  route.items.forEach((it, index) => {
    const place = placeOf(it);
    if (place) out.push({ ...place, item: index, home: false });
    if (it.command === MAV_CMD.NAV_RETURN_TO_LAUNCH && home) out.push({ lat: home.lat, lon: home.lon, item: index, home: true });
  });
  return out;
}

/** Inside the polygon (closing edge implied), by ray casting on lat/lon: zones are a few km across at most. */
export function insideZone(p: LatLon, zone: ZoneView): boolean {
  const v = zone.polygon;
  let inside = false;
  for (let i = 0, j = v.length - 1; i < v.length; j = i++) {
    const a = v[i]!;
    const b = v[j]!;
    if (a.lat > p.lat !== b.lat > p.lat && p.lon < ((b.lon - a.lon) * (p.lat - a.lat)) / (b.lat - a.lat) + a.lon) inside = !inside;
  }
  return inside;
}

/** Where segment ab crosses segment cd, as a share along ab (0..1), or null. */
function crossingAt(a: LatLon, b: LatLon, c: LatLon, d: LatLon): number | null {
  const rx = b.lon - a.lon;
  const ry = b.lat - a.lat;
  const sx = d.lon - c.lon;
  const sy = d.lat - c.lat;
  const denom = rx * sy - ry * sx;
  if (denom === 0) return null;
  const t = ((c.lon - a.lon) * sy - (c.lat - a.lat) * sx) / denom;
  const u = ((c.lon - a.lon) * ry - (c.lat - a.lat) * rx) / denom;
  return t >= 0 && t <= 1 && u >= 0 && u <= 1 ? t : null;
}

/** The first place where leg ab is inside the zone (its start, or where it first crosses an edge), or null. */
function firstInside(a: LatLon, b: LatLon, zone: ZoneView): LatLon | null {
  if (insideZone(a, zone)) return a;
  const at = firstEdgeCrossing(a, b, zone);
  return at ?? (insideZone(b, zone) ? b : null);
}

function firstEdgeCrossing(a: LatLon, b: LatLon, zone: ZoneView): LatLon | null {
  const v = zone.polygon;
  let best: number | null = null;
  for (let i = 0, j = v.length - 1; i < v.length; j = i++) {
    const t = crossingAt(a, b, v[j]!, v[i]!);
    if (t !== null && (best === null || t < best)) best = t;
  }
  return best === null ? null : { lat: a.lat + (b.lat - a.lat) * best, lon: a.lon + (b.lon - a.lon) * best };
}

/** The first place where leg ab is outside the geofence, or null when it stays inside. */
function firstOutside(a: LatLon, b: LatLon, fence: ZoneView): LatLon | null {
  if (!insideZone(a, fence)) return a;
  // From inside, the leg leaves where it first crosses an edge (a concave fence can be left and re-entered).
  return firstEdgeCrossing(a, b, fence) ?? (insideZone(b, fence) ? null : b);
}

/**
 * What breaks the station's airspace, each naming the item (index into items) and the zone:
 * a waypoint inside a no-fly zone or outside the geofence, a leg that crosses a no-fly zone or
 * leaves the geofence (from: the item it starts at, null for home), a height above the ceiling.
 */
export type AirspaceFinding =
  | { kind: 'waypoint_in_no_fly'; item: number; zone: string }
  | { kind: 'leg_crosses_no_fly'; item: number; from: number | null; zone: string; at: LatLon }
  | { kind: 'waypoint_outside_geofence'; item: number; zone: string }
  | { kind: 'leg_leaves_geofence'; item: number; from: number | null; zone: string; at: LatLon }
  | { kind: 'above_ceiling'; item: number; heightM: number; ceilingM: number };

export function airspaceFindings(route: RouteLike, airspace: Airspace): AirspaceFinding[] {
  const out: AirspaceFinding[] = [];
  route.items.forEach((it, item) => {
    const h = heightOf(it, route.plannedHome);
    if (h !== null && h > airspace.ceilingM) out.push({ kind: 'above_ceiling', item, heightM: h, ceilingM: airspace.ceilingM });
  });
  const path = flownPath(route);
  for (const p of path) {
    if (p.home || p.item === null) continue;
    const zone = airspace.noFly.find((z) => insideZone(p, z));
    if (zone) out.push({ kind: 'waypoint_in_no_fly', item: p.item, zone: zone.name });
    if (airspace.geofence && !insideZone(p, airspace.geofence)) out.push({ kind: 'waypoint_outside_geofence', item: p.item, zone: airspace.geofence.name });
  }
  for (let k = 1; k < path.length; k++) {
    const a = path[k - 1]!;
    const b = path[k]!;
    const item = b.item!;
    const from = a.home ? null : a.item;
    // A waypoint already named as inside a zone, or outside the fence, is not said again for the legs to and from it.
    const waypointIn = (z: ZoneView) => (!a.home && insideZone(a, z)) || (!b.home && insideZone(b, z));
    for (const zone of airspace.noFly) {
      if (waypointIn(zone)) continue;
      const at = firstInside(a, b, zone);
      if (at) out.push({ kind: 'leg_crosses_no_fly', item, from, zone: zone.name, at });
    }
    const fence = airspace.geofence;
    if (fence && !(!a.home && !insideZone(a, fence)) && !(!b.home && !insideZone(b, fence))) {
      const at = firstOutside(a, b, fence);
      if (at) out.push({ kind: 'leg_leaves_geofence', item, from, zone: fence.name, at });
    }
  }
  return out;
}
