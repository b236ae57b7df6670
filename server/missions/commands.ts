import { common, ardupilotmega, asluav, development, minimal, storm32 } from 'node-mavlink';

const { MavCmd } = common;
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
  WAYPOINT: MavCmd.NAV_WAYPOINT,
  LOITER_UNLIM: MavCmd.NAV_LOITER_UNLIM,
  LOITER_TURNS: MavCmd.NAV_LOITER_TURNS,
  LOITER_TIME: MavCmd.NAV_LOITER_TIME,
  RETURN_TO_LAUNCH: MavCmd.NAV_RETURN_TO_LAUNCH,
  LAND: MavCmd.NAV_LAND,
  TAKEOFF: MavCmd.NAV_TAKEOFF,
  SPLINE_WAYPOINT: MavCmd.NAV_SPLINE_WAYPOINT,
  VTOL_TAKEOFF: MavCmd.NAV_VTOL_TAKEOFF,
  NAV_DELAY: MavCmd.NAV_DELAY,
  DO_JUMP: MavCmd.DO_JUMP,
  DO_CHANGE_SPEED: MavCmd.DO_CHANGE_SPEED,
  FENCE_RETURN_POINT: MavCmd.NAV_FENCE_RETURN_POINT,
  FENCE_POLYGON_INCLUSION: MavCmd.NAV_FENCE_POLYGON_VERTEX_INCLUSION,
  FENCE_POLYGON_EXCLUSION: MavCmd.NAV_FENCE_POLYGON_VERTEX_EXCLUSION,
  FENCE_CIRCLE_INCLUSION: MavCmd.NAV_FENCE_CIRCLE_INCLUSION,
  FENCE_CIRCLE_EXCLUSION: MavCmd.NAV_FENCE_CIRCLE_EXCLUSION,
  RALLY_POINT: MavCmd.NAV_RALLY_POINT,
} as const;

// Which commands name a place and how frames are meant: shared with the browser's route editor.
export { frameKind, isGlobal, isPositional, type FrameKind } from '../wire/route-rules.ts';
/** Navigation commands (MAV_CMD_NAV_* from NAV_WAYPOINT up to NAV_LAST) move the vehicle; DO/CONDITION commands do not. */
export const isNav = (cmd: number) => cmd >= MavCmd.NAV_WAYPOINT && cmd <= MavCmd.NAV_LAST;
export const isTakeoff = (cmd: number) => cmd === CMD.TAKEOFF || cmd === CMD.VTOL_TAKEOFF;

export function frameName(frame: number): string {
  return (common.MavFrame as unknown as Record<number, string>)[frame] ?? `frame ${frame}`;
}

/** MAV_TYPEs that hover and must take off first. */
const COPTERS = new Set<number>([
  MavType.QUADROTOR,
  MavType.COAXIAL,
  MavType.HELICOPTER,
  MavType.HEXAROTOR,
  MavType.OCTOROTOR,
  MavType.TRICOPTER,
  MavType.DODECAROTOR,
  MavType.DECAROTOR,
  MavType.GENERIC_MULTIROTOR,
]);
export const isCopter = (vehicleType: number) => COPTERS.has(vehicleType);
