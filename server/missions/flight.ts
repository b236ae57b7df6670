import { getDistance } from 'geolib';
import { CMD, frameKind, isGlobal, isPositional } from './commands.ts';
import type { GeoPoint, MissionItem, Route } from './model.ts';

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
const DEFAULT_SPEED_MS = 5;

export const distanceM = (a: { lat: number; lon: number }, b: { lat: number; lon: number }) =>
  getDistance({ latitude: a.lat, longitude: a.lon }, { latitude: b.lat, longitude: b.lon }, 0.1);

/** The item's place, or null for "where the vehicle is" (0,0 or unset) or a non-global frame. */
export function placeOf(it: MissionItem): { lat: number; lon: number } | null {
  if (!isPositional(it.command) || !isGlobal(it.frame)) return null;
  if (!Number.isFinite(it.lat) || !Number.isFinite(it.lon) || (it.lat === 0 && it.lon === 0)) return null;
  if (Math.abs(it.lat) > 90 || Math.abs(it.lon) > 180) return null;
  return { lat: it.lat, lon: it.lon };
}

/** Height above home (or terrain, for terrain frames); null when it cannot be known. */
export function heightOf(it: MissionItem, home: GeoPoint | null): number | null {
  if (!Number.isFinite(it.alt)) return null;
  switch (frameKind(it.frame)) {
    case 'relative': case 'terrain': return it.alt;
    case 'amsl': return home ? it.alt - home.alt : null;
    default: return null;
  }
}

export function estimateFlight(route: Route, opts: FlightOptions = {}): FlightEstimate {
  let speed = opts.speedMs ?? route.plan?.hoverSpeed ?? DEFAULT_SPEED_MS;
  const climb = opts.climbMs ?? 2.5;
  const home = route.plannedHome ?? route.items.map(placeOf).find((p) => p) ?? null;
  let pos = home;
  let height = 0;
  let t = 0;
  let total = 0;
  let endless = false;
  const legs: Leg[] = [];
  const jumpsDone = new Map<number, number>();
  const fly = (index: number, to: { lat: number; lon: number } | null, toHeight: number | null) => {
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
    const [p1, p2] = it.params;
    switch (it.command) {
      case CMD.RETURN_TO_LAUNCH:
        fly(i, home, null);
        fly(i, null, 0);
        return { distanceM: total, durationS: t, legs, endless };
      case CMD.LAND:
        fly(i, placeOf(it), null);
        fly(i, null, 0);
        return { distanceM: total, durationS: t, legs, endless };
      case CMD.DO_CHANGE_SPEED:
        if (p2 > 0) speed = p2;
        break;
      case CMD.NAV_DELAY:
        if (p1 > 0) t += p1;
        break;
      case CMD.DO_JUMP: {
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
          if ((it.command === CMD.WAYPOINT || it.command === CMD.LOITER_TIME) && p1 > 0) t += p1;
        }
    }
    i++;
  }
  return { distanceM: total, durationS: t, legs, endless };
}
