import { common, ardupilotmega, asluav, development, storm32 } from 'node-mavlink';

/**
 * What we know about MAV_CMD numbers and MAV_FRAMEs. Names come from every dialect's enum,
 * looked up one by one: spreading the enums into one object would let ardupilotmega's short
 * MavCmd replace common's.
 */
const CMD_ENUMS = [common.MavCmd, ardupilotmega.MavCmd, development.MavCmd, asluav.MavCmd, storm32.MavCmd] as object[];

export function commandName(cmd: number): string | undefined {
  for (const e of CMD_ENUMS) {
    const name = (e as Record<number, string>)[cmd];
    if (name !== undefined) return name;
  }
  return undefined;
}

export const label = (cmd: number) => commandName(cmd) ?? `command ${cmd}`;

export const CMD = {
  WAYPOINT: 16, LOITER_UNLIM: 17, LOITER_TURNS: 18, LOITER_TIME: 19, RETURN_TO_LAUNCH: 20, LAND: 21, TAKEOFF: 22,
  SPLINE_WAYPOINT: 82, VTOL_TAKEOFF: 84, NAV_DELAY: 93, DO_JUMP: 177, DO_CHANGE_SPEED: 178,
  FENCE_RETURN_POINT: 5000, FENCE_POLYGON_INCLUSION: 5001, FENCE_POLYGON_EXCLUSION: 5002,
  FENCE_CIRCLE_INCLUSION: 5003, FENCE_CIRCLE_EXCLUSION: 5004, RALLY_POINT: 5100,
} as const;

/** Commands whose params 5-7 are a place. */
const POSITIONAL = new Set([16, 17, 18, 19, 21, 22, 31, 82, 84, 85, 94, 179, 189, 192, 195, 201, 5000, 5001, 5002, 5003, 5004, 5100]);
export const isPositional = (cmd: number) => POSITIONAL.has(cmd);
/** Navigation commands (MAV_CMD_NAV_* up to NAV_LAST = 95) move the vehicle; DO/CONDITION commands do not. */
export const isNav = (cmd: number) => cmd >= 16 && cmd <= 95;
export const isTakeoff = (cmd: number) => cmd === CMD.TAKEOFF || cmd === CMD.VTOL_TAKEOFF;

export type FrameKind = 'amsl' | 'relative' | 'terrain' | 'mission' | 'local' | 'unknown';

/** How a frame's params 5-7 are meant. The *_INT frames (5, 6, 11) are deprecated aliases of 0, 3, 10. */
export function frameKind(frame: number): FrameKind {
  switch (frame) {
    case 0: case 5: return 'amsl';
    case 3: case 6: return 'relative';
    case 10: case 11: return 'terrain';
    case 2: return 'mission';
    case 1: case 4: case 7: case 8: case 9: case 12: case 20: case 21: return 'local';
    default: return 'unknown';
  }
}

export const isGlobal = (frame: number) => ['amsl', 'relative', 'terrain'].includes(frameKind(frame));

export function frameName(frame: number): string {
  return (common.MavFrame as unknown as Record<number, string>)[frame] ?? `frame ${frame}`;
}

/** MAV_TYPEs that hover and must take off first. */
const COPTERS = new Set([2, 3, 4, 13, 14, 15, 29, 35, 43]);
export const isCopter = (vehicleType: number) => COPTERS.has(vehicleType);
