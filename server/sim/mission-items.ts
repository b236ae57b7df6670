import { common } from 'node-mavlink';

const { MavCmd, MavFrame, MavMissionResult, MavMissionType } = common;

/**
 * One stored mission, fence or rally item as the autopilot holds it, in MISSION_ITEM_INT's units
 * (lat/lon degE7, z metres): the simulator's own, kept apart from the ground side's MissionItem
 * (server/missions/model.ts, degrees) so a conversion bug in one cannot hide in the other.
 */
export interface RawMissionItem {
  command: number;
  frame: number;
  param1: number;
  param2: number;
  param3: number;
  param4: number;
  x: number;
  y: number;
  z: number;
  autocontinue: number;
}

/** Commands whose x/y/z are a location (AP_Mission::stored_in_location). */
const LOCATION_COMMANDS = new Set<number>([
  MavCmd.NAV_WAYPOINT,
  MavCmd.NAV_LOITER_UNLIM,
  MavCmd.NAV_LOITER_TURNS,
  MavCmd.NAV_LOITER_TIME,
  MavCmd.NAV_LAND,
  MavCmd.NAV_TAKEOFF,
  MavCmd.NAV_SPLINE_WAYPOINT,
  MavCmd.NAV_LOITER_TO_ALT,
  MavCmd.NAV_PAYLOAD_PLACE,
  MavCmd.DO_SET_ROI,
  MavCmd.DO_SET_HOME,
]);

/** Commands an ArduCopter mission accepts; anything else is answered MAV_MISSION_UNSUPPORTED. */
const MISSION_COMMANDS = new Set<number>([
  ...LOCATION_COMMANDS,
  MavCmd.NAV_RETURN_TO_LAUNCH,
  MavCmd.NAV_DELAY,
  MavCmd.NAV_GUIDED_ENABLE,
  MavCmd.CONDITION_DELAY,
  MavCmd.CONDITION_DISTANCE,
  MavCmd.CONDITION_YAW,
  MavCmd.DO_JUMP,
  MavCmd.DO_CHANGE_SPEED,
  MavCmd.DO_SET_RELAY,
  MavCmd.DO_REPEAT_RELAY,
  MavCmd.DO_SET_SERVO,
  MavCmd.DO_REPEAT_SERVO,
  MavCmd.DO_LAND_START,
  MavCmd.DO_DIGICAM_CONFIGURE,
  MavCmd.DO_DIGICAM_CONTROL,
  MavCmd.DO_MOUNT_CONTROL,
  MavCmd.DO_SET_CAM_TRIGG_DIST,
  MavCmd.DO_GRIPPER,
  MavCmd.DO_GUIDED_LIMITS,
  MavCmd.DO_PAUSE_CONTINUE,
  MavCmd.DO_GIMBAL_MANAGER_PITCHYAW,
  MavCmd.DO_SET_ROI_LOCATION,
  MavCmd.DO_SET_ROI_NONE,
]);

const FENCE_COMMANDS = new Set<number>([
  MavCmd.NAV_FENCE_RETURN_POINT,
  MavCmd.NAV_FENCE_POLYGON_VERTEX_INCLUSION,
  MavCmd.NAV_FENCE_POLYGON_VERTEX_EXCLUSION,
  MavCmd.NAV_FENCE_CIRCLE_INCLUSION,
  MavCmd.NAV_FENCE_CIRCLE_EXCLUSION,
]);

const RALLY_COMMANDS = new Set<number>([MavCmd.NAV_RALLY_POINT]);

/** Frames a location may be given in, and the one ArduPilot reports it back in (it stores flags, not frames). */
const FRAME_READ_BACK = new Map<number, number>([
  [MavFrame.GLOBAL, MavFrame.GLOBAL],
  [MavFrame.GLOBAL_INT, MavFrame.GLOBAL],
  [MavFrame.GLOBAL_RELATIVE_ALT, MavFrame.GLOBAL_RELATIVE_ALT],
  [MavFrame.GLOBAL_RELATIVE_ALT_INT, MavFrame.GLOBAL_RELATIVE_ALT],
  [MavFrame.GLOBAL_TERRAIN_ALT, MavFrame.GLOBAL_TERRAIN_ALT],
  [MavFrame.GLOBAL_TERRAIN_ALT_INT, MavFrame.GLOBAL_TERRAIN_ALT],
]);

const LOCATION_ALT_MAX_M = 83000;

const isLocationCommand = (command: number): boolean => LOCATION_COMMANDS.has(command);

const CM_TO_M = Math.fround(0.01);

/** ArduPilot keeps a location's altitude in whole centimetres and reads it back as alt_cm * 0.01f. */
export function storedAltitude(metres: number): number {
  return Math.fround(Math.round(metres * 100) * CM_TO_M);
}

export function fromItemInt(m: common.MissionItemInt): RawMissionItem {
  return {
    command: m.command,
    frame: m.frame,
    param1: m.param1,
    param2: m.param2,
    param3: m.param3,
    param4: m.param4,
    x: m.x,
    y: m.y,
    z: m.z,
    autocontinue: m.autocontinue,
  };
}

/** MISSION_ITEM carries degrees as float32; ArduPilot converts to degE7 on arrival. */
export function fromItemFloat(m: common.MissionItem): RawMissionItem {
  const loc = isLocationCommand(m.command);
  return {
    command: m.command,
    frame: m.frame,
    param1: m.param1,
    param2: m.param2,
    param3: m.param3,
    param4: m.param4,
    x: loc ? Math.round(m.x * 1e7) : m.x,
    y: loc ? Math.round(m.y * 1e7) : m.y,
    z: m.z,
    autocontinue: m.autocontinue,
  };
}

/** ACCEPTED, or the MAV_MISSION_RESULT ArduPilot would refuse this item with. */
export function validateItem(item: RawMissionItem, missionType: number): number {
  const allowed = missionType === MavMissionType.FENCE ?
    FENCE_COMMANDS
    : missionType === MavMissionType.RALLY
    ? RALLY_COMMANDS
    : MISSION_COMMANDS;
  if (!allowed.has(item.command)) return MavMissionResult.UNSUPPORTED;
  if (missionType === MavMissionType.MISSION && !isLocationCommand(item.command)) return MavMissionResult.ACCEPTED;
  if (missionType === MavMissionType.MISSION && !FRAME_READ_BACK.has(item.frame)) return MavMissionResult.UNSUPPORTED_FRAME;
  if (Math.abs(item.x) > 900_000_000) return MavMissionResult.INVALID_PARAM5_X;
  if (Math.abs(item.y) > 1_800_000_000) return MavMissionResult.INVALID_PARAM6_Y;
  if (Math.abs(item.z) >= LOCATION_ALT_MAX_M) return MavMissionResult.INVALID_PARAM7;
  return MavMissionResult.ACCEPTED;
}

/**
 * The item as a download returns it: ArduPilot keeps a location's altitude kind, not the frame
 * it was sent in, and nothing at all for commands without a location (they come back frame 0;
 * the capture's NAV_RETURN_TO_LAUNCH went up with frame 2 and came back with 0).
 */
export function readBack(item: RawMissionItem, missionType: number): RawMissionItem {
  if (missionType !== MavMissionType.MISSION) return { ...item };
  if (!isLocationCommand(item.command)) return { ...item, frame: MavFrame.GLOBAL, autocontinue: 1 };
  const frame = FRAME_READ_BACK.get(item.frame) ?? MavFrame.GLOBAL;
  return { ...item, frame, z: storedAltitude(item.z), autocontinue: 1 };
}

export function toItemInt(item: RawMissionItem, seq: number, missionType: number, target: { sysid: number; compid: number }): common.MissionItemInt {
  const m = new common.MissionItemInt();
  Object.assign(m, item);
  m.seq = seq;
  m.current = 0;
  m.missionType = missionType;
  m.targetSystem = target.sysid;
  m.targetComponent = target.compid;
  return m;
}

export function toItemFloat(item: RawMissionItem, seq: number, missionType: number, target: { sysid: number; compid: number }): common.MissionItem {
  const m = new common.MissionItem();
  const loc = isLocationCommand(item.command) || missionType !== MavMissionType.MISSION;
  Object.assign(m, item);
  m.x = loc ? item.x / 1e7 : item.x;
  m.y = loc ? item.y / 1e7 : item.y;
  m.seq = seq;
  m.current = 0;
  m.missionType = missionType;
  m.targetSystem = target.sysid;
  m.targetComponent = target.compid;
  return m;
}
