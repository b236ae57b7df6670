import { profileOf } from '../../vehicles/autopilots/index.ts';
import type { Autopilot } from '../../wire/types.ts';
import { CMD, frameKind, frameName, isPositional, label } from '../commands.ts';
import type { MissionTypeName, WireItem } from './wire.ts';

/**
 * Is the copy read back from the vehicle the mission we sent? Not byte for byte: a command
 * without a place may come back with frame 0 whatever it was sent with, the deprecated *_INT
 * frames as their plain twins (PX4: 3 sent, 6 back), and the autopilot's own differences are in
 * its profile's `readBack` (ArduPilot: item 0 is its real home, autocontinue always 1, altitudes
 * in centimetres, rally altitudes in whole metres). What matters is compared per command.
 */

export interface Mismatch {
  seq: number;
  field: string;
  expected: string;
  got: string;
}

/** params (1-based) that change what the vehicle does, per command; others: all four. */
const PARAMS_THAT_MATTER: Record<number, number[]> = {
  [CMD.WAYPOINT]: [1],
  [CMD.LOITER_UNLIM]: [],
  [CMD.LOITER_TURNS]: [1],
  [CMD.LOITER_TIME]: [1],
  [CMD.RETURN_TO_LAUNCH]: [],
  [CMD.LAND]: [],
  [CMD.TAKEOFF]: [],
  [CMD.SPLINE_WAYPOINT]: [1],
  [CMD.DO_JUMP]: [1, 2],
  [CMD.DO_CHANGE_SPEED]: [1, 2, 3],
  [CMD.FENCE_POLYGON_INCLUSION]: [1],
  [CMD.FENCE_POLYGON_EXCLUSION]: [1],
  [CMD.FENCE_CIRCLE_INCLUSION]: [1],
  [CMD.FENCE_CIRCLE_EXCLUSION]: [1],
  [CMD.FENCE_RETURN_POINT]: [],
  [CMD.RALLY_POINT]: [],
};

const sameFloat = (sent: number, got: number) => (Number.isNaN(sent) ? Number.isNaN(got) : Math.fround(sent) === got);
const show = (v: number) => (Number.isNaN(v) ? 'NaN' : String(Math.round(v * 1e7) / 1e7));

export function compareRows(sent: WireItem[], got: WireItem[], type: MissionTypeName, autopilot: Autopilot): Mismatch | null {
  if (got.length !== sent.length) {
    return { seq: Math.min(sent.length, got.length), field: 'count', expected: String(sent.length), got: String(got.length) };
  }
  const profile = profileOf(autopilot);
  const altTolerance = profile.readBack.altToleranceM[type];
  for (const [seq, s] of sent.entries()) {
    if (type === 'mission' && seq === 0 && profile.homeItem) continue;
    const g = got[seq]!;
    const diff = (field: string, expected: string, actual: string): Mismatch => ({ seq, field, expected, got: actual });
    if (g.command !== s.command) return diff('command', label(s.command), label(g.command));
    const placed = isPositional(s.command);
    if (placed && frameKind(g.frame) !== frameKind(s.frame)) return diff('frame', `${s.frame} ${frameName(s.frame)}`, `${g.frame} ${frameName(g.frame)}`);
    for (const p of PARAMS_THAT_MATTER[s.command] ?? [1, 2, 3, 4]) {
      const key = `param${p}` as 'param1';
      if (!sameFloat(s[key], g[key])) return diff(key, show(s[key]), show(g[key]));
    }
    const deg = placed && frameKind(s.frame) !== 'local' ? 1e7 : 1;
    if (g.x !== s.x) return diff(placed ? 'latitude' : 'param5', show(s.x / deg), show(g.x / deg));
    if (g.y !== s.y) return diff(placed ? 'longitude' : 'param6', show(s.y / deg), show(g.y / deg));
    const z = Math.fround(s.z);
    const zSame = Number.isNaN(z) ? Number.isNaN(g.z) : Math.abs(z - g.z) <= altTolerance;
    if (!zSame) return diff(placed ? 'altitude' : 'param7', show(s.z), show(g.z));
    if (profile.readBack.autocontinueKept && g.autocontinue !== s.autocontinue) return diff('autocontinue', String(s.autocontinue), String(g.autocontinue));
  }
  return null;
}
