import { common } from 'node-mavlink';
import { profileOf } from '../../vehicles/autopilots/index.ts';
import type { Autopilot } from '../../wire/types.ts';
import { CMD, frameKind } from '../commands.ts';
import type { MissionItem, Route } from '../model.ts';

/**
 * Routes as MISSION_ITEM_INT rows, per mission type. An autopilot that keeps its home as mission
 * item 0 (ArduPilot: what we write there is ignored; its profile's `homeItem`) gets its missions
 * with a placeholder at 0 and real items from 1; others start at 0 and their DO_JUMP targets
 * move down by one.
 */

const { MavMissionType } = common;
export const MISSION_TYPES = { mission: MavMissionType.MISSION, fence: MavMissionType.FENCE, rally: MavMissionType.RALLY } as const;
export type MissionTypeName = keyof typeof MISSION_TYPES;

/** One MISSION_ITEM_INT as sent or received, without addressing. */
export interface WireItem {
  seq: number;
  frame: number;
  command: number;
  current: number;
  autocontinue: number;
  param1: number;
  param2: number;
  param3: number;
  param4: number;
  x: number;
  y: number;
  z: number;
}

const GLOBAL = 0;
const RELATIVE = 3;
const INT32 = 2 ** 31;

/** param5/6 on the wire: degrees*1e7 in global frames, metres*1e4 in local ones, whole numbers otherwise (spec of MISSION_ITEM_INT). */
function scaled(v: number, frame: number, what: string): number {
  if (!Number.isFinite(v)) return 0; // unset (null in a .plan) goes as 0, as QGroundControl and MAVSDK send it
  const kind = frameKind(frame);
  const out = kind === 'amsl' || kind === 'relative' || kind === 'terrain' ?
    Math.round(v * 1e7)
    : kind === 'local'
    ? Math.round(v * 1e4)
    : Math.trunc(v);
  if (out < -INT32 || out >= INT32) throw new RangeError(`${what} ${v} does not fit MISSION_ITEM_INT`);
  return out;
}

/** The autopilot's missions begin with its home as item 0. */
export const sendsHome = (autopilot: Autopilot) => profileOf(autopilot).homeItem;

function row(it: MissionItem, seq: number, jumpShift: number): WireItem {
  const [p1, p2, p3, p4] = it.params;
  return {
    seq,
    frame: it.frame,
    command: it.command,
    current: 0,
    autocontinue: it.autocontinue ? 1 : 0,
    param1: it.command === CMD.DO_JUMP ? p1 - jumpShift : p1,
    param2: p2,
    param3: p3,
    param4: p4,
    x: scaled(it.lat, it.frame, `item ${seq} latitude/param5`),
    y: scaled(it.lon, it.frame, `item ${seq} longitude/param6`),
    z: it.alt,
  };
}

function point(command: number, frame: number, lat: number, lon: number, alt = 0, param1 = 0): MissionItem {
  return { command, frame, params: [param1, 0, 0, 0], lat, lon, alt, autocontinue: true };
}

/** The rows to upload for one mission type; row.seq is its index. */
export function routeToWire(route: Route, type: MissionTypeName, autopilot: Autopilot): WireItem[] {
  if (type === 'mission') {
    const home = sendsHome(autopilot);
    const h = route.plannedHome ?? { lat: 0, lon: 0, alt: 0 };
    const items = home ? [point(CMD.WAYPOINT, GLOBAL, h.lat, h.lon, h.alt), ...route.items] : route.items;
    const rows = items.map((it, seq) => row(it, seq, home ? 0 : 1));
    // The first real item is current, as MAVSDK sends it; ArduPilot's home placeholder is not.
    const first = rows[home ? 1 : 0];
    if (first) first.current = 1;
    return rows;
  }
  const items: MissionItem[] = [];
  if (type === 'fence') {
    const f = route.fence;
    for (const poly of f.polygons) {
      const cmd = poly.inclusion ? CMD.FENCE_POLYGON_INCLUSION : CMD.FENCE_POLYGON_EXCLUSION;
      for (const v of poly.vertices) items.push(point(cmd, GLOBAL, v.lat, v.lon, 0, poly.vertices.length));
    }
    for (const c of f.circles) {
      items.push(point(c.inclusion ? CMD.FENCE_CIRCLE_INCLUSION : CMD.FENCE_CIRCLE_EXCLUSION, GLOBAL, c.lat, c.lon, 0, c.radius));
    }
    if (f.returnPoint) items.push(point(CMD.FENCE_RETURN_POINT, RELATIVE, f.returnPoint.lat, f.returnPoint.lon, f.returnPoint.alt));
  } else {
    for (const r of route.rally) items.push(point(CMD.RALLY_POINT, RELATIVE, r.lat, r.lon, r.alt));
  }
  return items.map((it, seq) => row(it, seq, 0));
}

/** Where a row came from in the route, for messages: "night-market.plan mission.items[3]". */
export function rowPlace(route: Route, type: MissionTypeName, seq: number, autopilot: Autopilot): string {
  if (type !== 'mission') return `${type} item ${seq}`;
  const index = sendsHome(autopilot) ? seq - 1 : seq;
  if (index < 0) return 'mission item 0 (home)';
  return `mission item ${seq} (${route.source.file} ${route.source.locations[index] ?? `items[${index}]`})`;
}

/** The row as a MISSION_ITEM_INT; the Exchange fills in target and mission type. */
export function itemMessage(it: WireItem): common.MissionItemInt {
  const m = new common.MissionItemInt();
  Object.assign(m, it);
  return m;
}

export function wireOf(m: common.MissionItemInt): WireItem {
  const { seq, frame, command, current, autocontinue, param1, param2, param3, param4, x, y, z } = m;
  return { seq, frame, command, current, autocontinue, param1, param2, param3, param4, x, y, z };
}
