import { getDistanceFromLine } from 'geolib';
import { common } from 'node-mavlink';
import { CMD } from '../missions/commands.ts';
import { distanceM, placeOf } from '../missions/flight.ts';
import type { Route } from '../missions/model.ts';
import { profileOf, type MissionItemKind } from '../vehicles/autopilots/index.ts';
import type { Autopilot, LatLon } from '../wire/types.ts';

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

/** What a route item makes the aircraft do, as far as its flight mode goes. */
function kindOf(command: number): MissionItemKind {
  switch (command) {
    case CMD.TAKEOFF:
    case CMD.VTOL_TAKEOFF:
      return 'takeoff';
    case CMD.RETURN_TO_LAUNCH:
      return 'return';
    case CMD.LAND:
    case common.MavCmd.NAV_VTOL_LAND:
      return 'land';
    case CMD.WAYPOINT:
    case CMD.SPLINE_WAYPOINT:
    case CMD.LOITER_UNLIM:
    case CMD.LOITER_TURNS:
    case CMD.LOITER_TIME:
      return 'waypoint';
    default:
      return 'other';
  }
}

/**
 * Where a run is in its own mission, told by the autopilot's MISSION_CURRENT (the item it flies
 * now) and MISSION_ITEM_REACHED (one it got to): only those that arrive after the run has
 * uploaded and started its mission count. Until then the autopilot may still be reporting the
 * mission it flew before (PX4 showed the last item of the previous one during upload and arming).
 */
export class MissionProgress {
  /** the item it flies now, by the autopilot's numbering (null: not told since the start) */
  current: number | null = null;
  /** the furthest item it has flown to or reached */
  private furthest = -1;
  /** the furthest item it has finished: reached, or left behind for a later one */
  private done = -1;
  private following = false;
  private readonly offset: number;
  /** what each item does, by the autopilot's numbering (its home item, if any, is 'other') */
  private readonly kinds: MissionItemKind[];

  constructor(route: Route, autopilot: Autopilot) {
    this.offset = profileOf(autopilot).homeItem ? 1 : 0;
    this.kinds = [...Array<MissionItemKind>(this.offset).fill('other'), ...route.items.map((it) => kindOf(it.command))];
  }

  /** The run's mission is on the aircraft and started: from now on its reports are this run's. */
  follow(): void {
    this.following = true;
  }

  /** MISSION_CURRENT; true if the current item changed. */
  flying(seq: number): boolean {
    if (!this.following || seq === this.current) return false;
    this.current = seq;
    // A seq going back (ArduPilot reports 0 after landing) takes nothing back.
    this.done = Math.max(this.done, seq - 1);
    this.furthest = Math.max(this.furthest, seq);
    return true;
  }

  /** MISSION_ITEM_REACHED (PX4 repeats each ten times, a second apart). */
  reached(seq: number): void {
    if (!this.following) return;
    this.done = Math.max(this.done, seq);
    this.furthest = Math.max(this.furthest, seq);
  }

  /** The last item was reached or is being flown (an RTL or LAND item ends where it flies). */
  get atEnd(): boolean {
    return this.furthest >= this.kinds.length - 1;
  }

  /** Route items finished (0 to the route's length), whatever the autopilot's numbering. */
  get itemsDone(): number {
    return Math.max(0, Math.min(this.kinds.length - this.offset, this.done - this.offset + 1));
  }

  /** The autopilot's item `seq` as the route counts it: item 1 of the route's length, whatever the firmware. */
  item(seq: number): { item: number; of: number } {
    return { item: Math.max(0, seq - this.offset + 1), of: this.kinds.length - this.offset };
  }

  /** What the item it flies now does, or null before the start. */
  get currentKind(): MissionItemKind | null {
    return this.current === null ? null : this.kinds[this.current] ?? 'other';
  }

  /** What the furthest item flown to or reached does, or null before the start. */
  get kind(): MissionItemKind | null {
    return this.furthest < 0 ? null : this.kinds[this.furthest] ?? 'other';
  }
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
  return getDistanceFromLine(
    { latitude: pos.lat, longitude: pos.lon },
    { latitude: from.lat, longitude: from.lon },
    { latitude: to.lat, longitude: to.lon },
    0.1,
  );
}

/** Battery change in percent per minute over the samples (negative while draining), or null. */
export function batteryTrend(samples: { t: number; pct: number }[]): number | null {
  if (samples.length < 2) return null;
  const first = samples[0]!;
  const last = samples.at(-1)!;
  const minutes = (last.t - first.t) / 60_000;
  return minutes < 0.25 ? null : Math.round(((last.pct - first.pct) / minutes) * 10) / 10;
}
