import { common } from 'node-mavlink';
import { estimateFlight, heightOf } from '../missions/flight.ts';
import type { Issue } from '../missions/issues.ts';
import type { Route } from '../missions/model.ts';
import { validateRoute } from '../missions/validate.ts';
import { profileOf } from '../vehicles/autopilots/index.ts';
import type { Vehicle } from '../vehicles/vehicle.ts';
import { english, said, term, type MessageParam, type ServerMessage } from '../wire/messages.ts';
import { airspaceFindings, batteryNeedPercent, DEFAULT_CEILING_M, DEFAULT_ENDURANCE_S, DEFAULT_RESERVE_PERCENT } from '../wire/route-rules.ts';
import type { PreflightItem } from '../wire/types.ts';
import { routeChecksOf } from './route-checks.ts';

export interface Zone {
  name: string;
  /** polygon vertices, closing edge implied */
  polygon: { lat: number; lon: number }[];
}

/** What the station allows: where drones may fly and the checks' limits. */
export interface StationRules {
  /** drones stay inside this polygon when given */
  geofence: Zone | null;
  noFly: Zone[];
  ceilingM: number;
  minSatellites: number;
  /** no launch below this charge */
  minBatteryPercent: number;
  /** charge to be left on landing */
  reservePercent: number;
  /** flight time a full battery gives, seconds */
  enduranceS: number;
  /** a link losing more than this share of packets is not healthy */
  maxLinkLossPercent: number;
}

export const DEFAULT_RULES: StationRules = {
  geofence: null,
  noFly: [],
  ceilingM: DEFAULT_CEILING_M,
  minSatellites: 6,
  minBatteryPercent: 50,
  reservePercent: DEFAULT_RESERVE_PERCENT,
  enduranceS: DEFAULT_ENDURANCE_S,
  maxLinkLossPercent: 20,
};

const FIX_3D = common.GpsFixType.GPS_FIX_TYPE_3D_FIX;

/** A route problem as the pages say it: its code when it has one, else its English. */
const issueSaid = (i: Issue): MessageParam => i.said ?? i.message;

export interface PreflightInput {
  vehicle: Vehicle;
  route: Route;
  rules: StationRules;
  pilot: string;
  /** who holds control of the drone, if anyone */
  controller: string | null;
  /** the run this drone is already flying, if any */
  activeRun: number | null;
}

/**
 * Every check before a launch, each with what it measured. A failed check blocks the launch
 * unless it is marked overridable and the pilot overrides it (which is audited).
 */
export function preflight({ vehicle: v, route, rules, pilot, controller, activeRun }: PreflightInput): PreflightItem[] {
  const items: PreflightItem[] = [];
  // What each check measured goes as a code and its figures (the pages say it in their language) and in English (API, audit).
  const add = (id: string, pass: boolean, what: ServerMessage, overridable = false) => items.push({ id, pass, value: english(what), said: what, overridable });

  add(
    'control',
    controller === pilot,
    controller === pilot ?
      said('check_control_yours', { pilot })
      : controller
      ? said('check_control_held', { holder: controller })
      : said('check_control_nobody'),
  );
  add(
    'idle',
    activeRun === null && !v.armed,
    activeRun !== null ? said('check_idle_flying', { run: activeRun }) : said(v.armed ? 'check_idle_armed' : 'check_idle_ready'),
  );

  const loss = v.sequence.lossPercent;
  if (v.lost) add('link', false, said('check_link_lost'));
  else add('link', loss <= rules.maxLinkLossPercent, said('check_link_loss', { loss: loss.toFixed(0) }), true);

  const gps = v.gps;
  const fix = gps && term(`gpsFix${gps.fix}`, gps.fixName);
  if (!gps || !fix || gps.fix < FIX_3D) add('gps', false, fix ? said('check_gps_fix', { fix }) : said('check_gps_none'));
  else add(
      'gps',
      (gps.satellites ?? 0) >= rules.minSatellites,
      said('check_gps_satellites', { fix, satellites: gps.satellites ?? '?', need: rules.minSatellites }),
      true,
    );

  // How an autopilot tells it knows where it is is its own (ArduPilot: its EKF's flags).
  const position = profileOf(v.autopilot).position(v);
  add('position', position.ok, position.said);

  const pct = v.battery?.percent ?? null;
  add(
    'battery',
    pct !== null && pct >= rules.minBatteryPercent,
    pct === null ? said('check_battery_none') : said('check_battery_level', { percent: pct, need: rules.minBatteryPercent }),
  );
  const flight = estimateFlight(route);
  const needed = batteryNeedPercent(flight.durationS, rules);
  add(
    'battery_route',
    pct !== null && pct >= needed,
    said('check_battery_route', {
      km: (flight.distanceM / 1000).toFixed(1),
      minutes: Math.ceil(flight.durationS / 60),
      need: needed,
      reserve: rules.reservePercent,
      has: pct ?? '?',
    }),
    true,
  );

  // The route held to the station's rules, as the route folder and the route editor hold it.
  const problems = validateRoute(route, routeChecksOf(rules));
  const listed = (level: 'error' | 'warning'): MessageParam[] => problems.filter((p) => p.level === level).map(issueSaid);
  const errors = listed('error');
  const warnings = listed('warning');
  add(
    'route',
    errors.length === 0,
    errors.length ?
      said('check_route_errors', { errors })
      : warnings.length
      ? said('check_route_warnings', { warnings })
      : said('check_route_valid'),
  );

  const heights = route.items.map((it) => heightOf(it, route.plannedHome)).filter((h): h is number => h !== null);
  const top = heights.length ? Math.max(...heights) : 0;
  add('ceiling', top <= rules.ceilingM, said('check_ceiling', { top: top.toFixed(0), ceiling: rules.ceilingM }));

  // Every leg from home to home, exactly where it crosses (server/wire/route-rules.ts): the first place it leaves the fence, the first zone it enters.
  const findings = airspaceFindings(route, rules);
  const outside = findings.flatMap((f) =>
    f.kind === 'leg_leaves_geofence' ?
      [f.at]
      : f.kind === 'waypoint_outside_geofence'
      ? [route.items[f.item]!].map((it) => ({ lat: it.lat, lon: it.lon }))
      : []
  )[0];
  const zone = findings.flatMap((f) => (f.kind === 'waypoint_in_no_fly' || f.kind === 'leg_crosses_no_fly' ? [{ name: f.zone }] : []))[0];
  add(
    'geofence',
    !outside && !zone,
    outside ?
      said('check_geofence_leaves', { lat: outside.lat.toFixed(5), lon: outside.lon.toFixed(5) })
      : zone ?
      said('check_geofence_no_fly', { zone: zone.name })
      : said(rules.geofence || rules.noFly.length ? 'check_geofence_clear' : 'check_geofence_none'),
  );
  return items;
}

/**
 * The checks that concern a mission sent to a drone without a launch: who sends it, that the drone
 * is on the ground and free, and the route itself. Link, GPS, position and battery are about
 * taking off: a launch checks them again, and the autopilot's own arming checks guard a mission
 * flown from the radio.
 */
export const MISSION_CHECKS = ['control', 'idle', 'route', 'ceiling', 'geofence'];

/** Failed checks that block a launch after the pilot's overrides. */
export function blocking(items: PreflightItem[], overrides: string[]): PreflightItem[] {
  for (const i of items) if (!i.pass && i.overridable && overrides.includes(i.id)) i.overridden = true;
  return items.filter((i) => !i.pass && !i.overridden);
}
