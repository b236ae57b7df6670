import { common, ardupilotmega, asluav, development, minimal, storm32 } from 'node-mavlink';

const { MavCmd, MavFrame } = common;
const { MavType } = minimal;

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

/** The commands routes use most, by short names. */
export const CMD = {
  WAYPOINT: MavCmd.NAV_WAYPOINT, LOITER_UNLIM: MavCmd.NAV_LOITER_UNLIM, LOITER_TURNS: MavCmd.NAV_LOITER_TURNS,
  LOITER_TIME: MavCmd.NAV_LOITER_TIME, RETURN_TO_LAUNCH: MavCmd.NAV_RETURN_TO_LAUNCH, LAND: MavCmd.NAV_LAND,
  TAKEOFF: MavCmd.NAV_TAKEOFF, SPLINE_WAYPOINT: MavCmd.NAV_SPLINE_WAYPOINT, VTOL_TAKEOFF: MavCmd.NAV_VTOL_TAKEOFF,
  NAV_DELAY: MavCmd.NAV_DELAY, DO_JUMP: MavCmd.DO_JUMP, DO_CHANGE_SPEED: MavCmd.DO_CHANGE_SPEED,
  FENCE_RETURN_POINT: MavCmd.NAV_FENCE_RETURN_POINT, FENCE_POLYGON_INCLUSION: MavCmd.NAV_FENCE_POLYGON_VERTEX_INCLUSION,
  FENCE_POLYGON_EXCLUSION: MavCmd.NAV_FENCE_POLYGON_VERTEX_EXCLUSION, FENCE_CIRCLE_INCLUSION: MavCmd.NAV_FENCE_CIRCLE_INCLUSION,
  FENCE_CIRCLE_EXCLUSION: MavCmd.NAV_FENCE_CIRCLE_EXCLUSION, RALLY_POINT: MavCmd.NAV_RALLY_POINT,
} as const;

/** Commands whose params 5-7 are a place. */
const POSITIONAL = new Set<number>([
  MavCmd.NAV_WAYPOINT, MavCmd.NAV_LOITER_UNLIM, MavCmd.NAV_LOITER_TURNS, MavCmd.NAV_LOITER_TIME, MavCmd.NAV_LAND,
  MavCmd.NAV_TAKEOFF, MavCmd.NAV_LOITER_TO_ALT, MavCmd.NAV_SPLINE_WAYPOINT, MavCmd.NAV_VTOL_TAKEOFF, MavCmd.NAV_VTOL_LAND,
  MavCmd.NAV_PAYLOAD_PLACE, MavCmd.DO_SET_HOME, MavCmd.DO_LAND_START, MavCmd.DO_REPOSITION, MavCmd.DO_SET_ROI_LOCATION,
  MavCmd.DO_SET_ROI, MavCmd.NAV_FENCE_RETURN_POINT, MavCmd.NAV_FENCE_POLYGON_VERTEX_INCLUSION,
  MavCmd.NAV_FENCE_POLYGON_VERTEX_EXCLUSION, MavCmd.NAV_FENCE_CIRCLE_INCLUSION, MavCmd.NAV_FENCE_CIRCLE_EXCLUSION,
  MavCmd.NAV_RALLY_POINT,
]);
export const isPositional = (cmd: number) => POSITIONAL.has(cmd);
/** Navigation commands (MAV_CMD_NAV_* from NAV_WAYPOINT up to NAV_LAST) move the vehicle; DO/CONDITION commands do not. */
export const isNav = (cmd: number) => cmd >= MavCmd.NAV_WAYPOINT && cmd <= MavCmd.NAV_LAST;
export const isTakeoff = (cmd: number) => cmd === CMD.TAKEOFF || cmd === CMD.VTOL_TAKEOFF;

export type FrameKind = 'amsl' | 'relative' | 'terrain' | 'mission' | 'local' | 'unknown';

/** How a frame's params 5-7 are meant. The *_INT frames are deprecated aliases of the ones without. */
export function frameKind(frame: number): FrameKind {
  switch (frame) {
    case MavFrame.GLOBAL: case MavFrame.GLOBAL_INT: return 'amsl';
    case MavFrame.GLOBAL_RELATIVE_ALT: case MavFrame.GLOBAL_RELATIVE_ALT_INT: return 'relative';
    case MavFrame.GLOBAL_TERRAIN_ALT: case MavFrame.GLOBAL_TERRAIN_ALT_INT: return 'terrain';
    case MavFrame.MISSION: return 'mission';
    case MavFrame.LOCAL_NED: case MavFrame.LOCAL_ENU: case MavFrame.LOCAL_OFFSET_NED: case MavFrame.BODY_NED:
    case MavFrame.BODY_OFFSET_NED: case MavFrame.BODY_FRD: case MavFrame.LOCAL_FRD: case MavFrame.LOCAL_FLU:
      return 'local';
    default: return 'unknown';
  }
}

export const isGlobal = (frame: number) => ['amsl', 'relative', 'terrain'].includes(frameKind(frame));

export function frameName(frame: number): string {
  return (common.MavFrame as unknown as Record<number, string>)[frame] ?? `frame ${frame}`;
}

/** MAV_TYPEs that hover and must take off first. */
const COPTERS = new Set<number>([
  MavType.QUADROTOR, MavType.COAXIAL, MavType.HELICOPTER, MavType.HEXAROTOR, MavType.OCTOROTOR, MavType.TRICOPTER,
  MavType.DODECAROTOR, MavType.DECAROTOR, MavType.GENERIC_MULTIROTOR,
]);
export const isCopter = (vehicleType: number) => COPTERS.has(vehicleType);
