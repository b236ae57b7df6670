import { CMD, commandName, frameKind, frameName, isCopter, isGlobal, isNav, isPositional, isTakeoff, label } from './commands.ts';
import { airspaceFindings, DEFAULT_CEILING_M, DEFAULT_ENDURANCE_S, DEFAULT_RESERVE_PERCENT, usableS, type AirspaceFinding } from '../wire/route-rules.ts';
import { english, id, said, type ServerMessage } from '../wire/messages.ts';
import type { ZoneView } from '../wire/types.ts';
import { distanceM, estimateFlight, heightOf, type FlightOptions } from './flight.ts';
import { placeSaid, type Issue } from './issues.ts';
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
  ceilingM: DEFAULT_CEILING_M,
  enduranceS: DEFAULT_ENDURANCE_S,
  reservePercent: DEFAULT_RESERVE_PERCENT,
  geofence: null as ZoneView | null,
  noFly: [] as ZoneView[],
};

/** The checks with the defaults filled in: what a route is held to, and what the route editor is told. */
export function checksOf(options: ValidateOptions = {}): typeof DEFAULTS & FlightOptions {
  return { ...DEFAULTS, ...options };
}

const fmt = (n: number) => String(Math.round(n * 10) / 10);

function inRange(lat: number, lon: number): ServerMessage | null {
  if (Math.abs(lat) > 90) return said(Math.abs(lon) <= 90 ? 'route_latitude_range_swapped' : 'route_latitude_range', { lat });
  if (Math.abs(lon) > 180) return said('route_longitude_range', { lon });
  return null;
}

/** What reading the route's file changed (a line simplified), as warnings. */
export function importWarnings(route: Route): Issue[] {
  return (route.source.notes ?? []).map((note) => ({ level: 'warning', file: route.source.file, item: null, where: '', message: english(note), said: note }));
}

/** Errors stop a route from being stored or flown; warnings are for the pilot to read. */
export function validateRoute(route: Route, options: ValidateOptions = {}): Issue[] {
  const opts = checksOf(options);
  const file = route.source.file;
  const issues: Issue[] = [];
  // Each problem in English (API, logs) and as a code with its figures, for the pages to say in their language; so is where it is.
  const add = (level: Issue['level'], index: number | null, where: string | ServerMessage, what: ServerMessage) =>
    issues.push({
      level,
      file,
      item: index,
      where: typeof where === 'string' ? where : english(where),
      message: english(what),
      said: what,
      ...(where === '' ? {} : { whereSaid: typeof where === 'string' ? placeSaid(where) : where }),
    });
  const at = (i: number) => route.source.locations[i] ?? `items[${i}]`;
  const home = route.plannedHome;
  const n = route.items.length;

  if (home) {
    const bad = inRange(home.lat, home.lon);
    if (bad) add('error', null, said('route_where_planned_home'), bad);
  }

  const checkPlace = (it: MissionItem, i: number, name: string) => {
    if (!Number.isFinite(it.lat) || !Number.isFinite(it.lon) || (it.lat === 0 && it.lon === 0)) {
      if (it.command === CMD.WAYPOINT || it.command === CMD.SPLINE_WAYPOINT) {
        add('warning', i, at(i), said('route_at_zero', { name: id(name) }));
      }
      return;
    }
    const bad = inRange(it.lat, it.lon);
    if (bad) return add('error', i, at(i), bad);
    // Swapped but both in range (e.g. 8.5, 47.4 for 47.4, 8.5): only the home can tell.
    if (home && distanceM(home, it) > 100_000 && Math.abs(it.lon) <= 90 && distanceM(home, { lat: it.lon, lon: it.lat }) < 20_000) {
      add('error', i, at(i), said('route_swapped', { far: fmt(distanceM(home, it) / 1000), near: fmt(distanceM(home, { lat: it.lon, lon: it.lat }) / 1000) }));
    }
  };

  const checkHeight = (it: MissionItem, i: number, name: string) => {
    const h = heightOf(it, home);
    if (h === null) {
      if (frameKind(it.frame) === 'amsl' && Number.isFinite(it.alt)) {
        add('warning', i, at(i), said('route_amsl_unchecked', { alt: fmt(it.alt), frame: id(frameName(it.frame)), ceiling: opts.ceilingM }));
      }
      return;
    }
    const ref = frameKind(it.frame) === 'terrain' ? 'terrain' : 'home';
    if (h > opts.ceilingM)
      add('error', i, at(i), said(ref === 'home' ? 'route_over_ceiling_home' : 'route_over_ceiling_terrain', { alt: fmt(h), ceiling: opts.ceilingM }));
    else if (isTakeoff(it.command) && h <= 0) add('error', i, at(i), said('route_takeoff_not_above_home', { alt: fmt(h) }));
    else if (isNav(it.command) && it.command !== CMD.LAND && h === 0 && ref === 'home') {
      add('warning', i, at(i), said('route_altitude_zero', { name: id(name) }));
    } else if (isNav(it.command) && it.command !== CMD.LAND && h < 0) {
      add('warning', i, at(i), said('route_below_home', { alt: fmt(h) }));
    }
  };

  route.items.forEach((it, i) => {
    const name = commandName(it.command);
    if (!name) return add('error', i, at(i), said('route_unknown_command', { command: it.command }));
    const kind = frameKind(it.frame);
    if (kind === 'unknown') return add('error', i, at(i), said('route_unknown_frame', { frame: it.frame }));
    if (it.command >= CMD.FENCE_RETURN_POINT && it.command <= CMD.RALLY_POINT) {
      return add('error', i, at(i), said('route_fence_item', { name: id(name) }));
    }
    if (isPositional(it.command)) {
      if (!isGlobal(it.frame)) {
        return add('error', i, at(i), said('route_frame_not_global', { name: id(name), frame: it.frame, frameName: id(frameName(it.frame)) }));
      }
      checkPlace(it, i, name);
      checkHeight(it, i, name);
    } else if (kind === 'mission' && [it.lat, it.lon].some((v) => Number.isFinite(v) && !Number.isInteger(v))) {
      add('warning', i, at(i), said('route_params_truncated', { lat: it.lat, lon: it.lon }));
    }
    if (it.command === CMD.DO_JUMP) {
      const [target, repeat] = it.params;
      if (!Number.isInteger(target) || target < 1 || target > n) add('error', i, at(i), said('route_jump_target', { target: String(target), n }));
      else if (target === i + 1) add('error', i, at(i), said('route_jump_itself'));
      if (!Number.isInteger(repeat) || repeat < -1) add('error', i, at(i), said('route_jump_repeat', { repeat: String(repeat) }));
    }
  });

  const navs = route.items.map((it, i) => [it, i] as const).filter(([it]) => isNav(it.command));
  if (!navs.length) add('error', null, '', said('route_nothing_to_fly'));
  else {
    const [first, fi] = navs[0]!;
    if (isCopter(route.vehicleType) && !isTakeoff(first.command)) {
      add('error', fi, at(fi), said('route_takeoff_first', { name: id(label(first.command)) }));
    }
    const [last, li] = navs.at(-1)!;
    if (last.command !== CMD.RETURN_TO_LAUNCH && last.command !== CMD.LAND) {
      add('warning', li, at(li), said('route_open_end', { name: id(label(last.command)) }));
    }
  }

  route.fence.polygons.forEach((poly, k) => {
    const where = said('route_where_fence_polygon', { n: k + 1 });
    if (poly.vertices.length < 3) add('error', null, where, said('route_polygon_vertices', { n: poly.vertices.length }));
    poly.vertices.forEach((v, j) => {
      const bad = inRange(v.lat, v.lon);
      if (bad) add('error', null, said('route_where_fence_vertex', { n: k + 1, vertex: j + 1 }), bad);
    });
  });
  route.fence.circles.forEach((c, k) => {
    const where = said('route_where_fence_circle', { n: k + 1 });
    const bad = inRange(c.lat, c.lon);
    if (bad) add('error', null, where, bad);
    if (!(c.radius > 0)) add('error', null, where, said('route_circle_radius', { radius: String(c.radius) }));
  });
  const rp = route.fence.returnPoint;
  const rpBad = rp && inRange(rp.lat, rp.lon);
  if (rpBad) add('error', null, said('route_where_fence_return'), rpBad);
  route.rally.forEach((r, k) => {
    const where = said('route_where_rally', { n: k + 1 });
    const bad = inRange(r.lat, r.lon);
    if (bad) add('error', null, where, bad);
    if (r.alt > opts.ceilingM) add('error', null, where, said('route_rally_over_ceiling', { alt: fmt(r.alt), ceiling: opts.ceilingM }));
  });

  // The station's airspace: what the preflight's geofence check would refuse, said now (the ceiling is checked above).
  for (const f of airspaceFindings(route, opts)) {
    if (f.kind !== 'above_ceiling') add('error', f.item, at(f.item), airspaceMessage(f));
  }

  checkBattery(route, opts, (i, what) => add('warning', i, i === null ? '' : at(i), what));
  return [...importWarnings(route), ...issues];
}

/** Items as the page numbers them, from 1; a leg from home says so. */
const itemNo = (i: number | null) => (i === null ? said('route_home') : said('route_item', { n: i + 1 }));
const near = (p: { lat: number; lon: number }) => `${p.lat.toFixed(5)}, ${p.lon.toFixed(5)}`;

function airspaceMessage(f: Exclude<AirspaceFinding, { kind: 'above_ceiling' }>): ServerMessage {
  switch (f.kind) {
    case 'waypoint_in_no_fly':
      return said('route_in_no_fly', { item: itemNo(f.item), zone: f.zone });
    case 'leg_crosses_no_fly':
      return said('route_leg_crosses_no_fly', { from: itemNo(f.from), to: itemNo(f.item), zone: f.zone, near: near(f.at) });
    case 'waypoint_outside_geofence':
      return said('route_outside_geofence', { item: itemNo(f.item), zone: f.zone });
    case 'leg_leaves_geofence':
      return said('route_leg_leaves_geofence', { from: itemNo(f.from), to: itemNo(f.item), zone: f.zone, near: near(f.at) });
  }
}

function checkBattery(route: Route, opts: typeof DEFAULTS & FlightOptions, warn: (i: number | null, what: ServerMessage) => void): void {
  const est = estimateFlight(route, opts);
  if (est.endless) warn(null, said('route_jump_forever'));
  const usable = usableS(opts);
  const out = est.legs.find((l) => l.endS > usable);
  if (out) {
    warn(
      out.index,
      said('route_battery_reserve', {
        minutes: fmt(est.durationS / 60),
        km: fmt(est.distanceM / 1000),
        usable: fmt(usable / 60),
        endurance: fmt(opts.enduranceS / 60),
        reserve: opts.reservePercent,
      }),
    );
  }
}
