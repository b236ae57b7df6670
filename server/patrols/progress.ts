import { getDistanceFromLine } from 'geolib';
import { CMD } from '../missions/commands.ts';
import { distanceM, placeOf } from '../missions/flight.ts';
import type { Route } from '../missions/model.ts';
import { profileOf } from '../vehicles/autopilots/index.ts';
import type { Autopilot } from '../wire/types.ts';

type LatLon = { lat: number; lon: number };

/** A place the route flies to, by the sequence number the autopilot reports in MISSION_CURRENT. */
export interface Waypoint extends LatLon {
  seq: number;
}

/**
 * The route as the autopilot numbers it: one that keeps home as item 0 (ArduPilot) has route
 * item i at sequence i + 1; an RTL item flies back to home.
 */
export function waypointsOf(route: Route, autopilot: Autopilot): { points: (Waypoint | { seq: number; home: true })[]; total: number } {
  const offset = profileOf(autopilot).homeItem ? 1 : 0;
  const points: (Waypoint | { seq: number; home: true })[] = [];
  route.items.forEach((it, i) => {
    const p = placeOf(it);
    if (p) points.push({ ...p, seq: i + offset });
    else if (it.command === CMD.RETURN_TO_LAUNCH) points.push({ seq: i + offset, home: true });
  });
  return { points, total: route.items.length + offset };
}

const resolve = (p: Waypoint | { seq: number; home: true }, home: LatLon | null): LatLon | null => ('home' in p ? home : p);

/** Distance still to fly from `pos` through every place from the current item on. */
export function distanceLeft(route: ReturnType<typeof waypointsOf>, seq: number, pos: LatLon, home: LatLon | null): number {
  let total = 0;
  let from = pos;
  for (const p of route.points) {
    if (p.seq < seq) continue;
    const to = resolve(p, home);
    if (!to) continue;
    total += distanceM(from, to);
    from = to;
  }
  return total;
}

/** How far the drone is off the leg it is flying (from the previous place to the current one). */
export function crossTrack(route: ReturnType<typeof waypointsOf>, seq: number, pos: LatLon, home: LatLon | null): number | null {
  const idx = route.points.findIndex((p) => p.seq >= seq);
  if (idx < 0) return null;
  const to = resolve(route.points[idx]!, home);
  const from = idx > 0 ? resolve(route.points[idx - 1]!, home) : home;
  if (!to || !from || distanceM(from, to) < 1) return null;
  return getDistanceFromLine({ latitude: pos.lat, longitude: pos.lon }, { latitude: from.lat, longitude: from.lon }, { latitude: to.lat, longitude: to.lon }, 0.1);
}

/** Battery change in percent per minute over the samples (negative while draining), or null. */
export function batteryTrend(samples: { t: number; pct: number }[]): number | null {
  if (samples.length < 2) return null;
  const first = samples[0]!;
  const last = samples.at(-1)!;
  const minutes = (last.t - first.t) / 60_000;
  return minutes < 0.25 ? null : Math.round(((last.pct - first.pct) / minutes) * 10) / 10;
}
