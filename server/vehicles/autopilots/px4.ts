import { common, minimal } from 'node-mavlink';
import type { FlightMode } from '../../wire/types.ts';
import { missionModeThenArm, positionReported, type AutopilotProfile, type GotoPlan } from './profile.ts';

/**
 * PX4 packs its mode into custom_mode as main mode (bits 16-23) and sub mode (bits 24-31);
 * node-mavlink has no table for it. Names follow QGroundControl's.
 */
const MAIN: Record<number, string> = {
  1: 'MANUAL',
  2: 'ALTCTL',
  3: 'POSCTL',
  4: 'AUTO',
  5: 'ACRO',
  6: 'OFFBOARD',
  7: 'STABILIZED',
  8: 'RATTITUDE',
};
const AUTO_MAIN = 4;
const POSCTL_MAIN = 3;
const AUTO_SUB: Record<number, string> = {
  1: 'READY',
  2: 'TAKEOFF',
  3: 'HOLD',
  4: 'MISSION',
  5: 'RETURN',
  6: 'LAND',
  8: 'FOLLOW',
  9: 'PRECLAND',
  10: 'VTOL_TAKEOFF',
};
const POSCTL_SUB: Record<number, string> = { 1: 'ORBIT' };

/** What each PX4 mode does (as MAVSDK maps them; READY, "ready for takeoff", is 'other'). */
const MEANING: Record<string, FlightMode> = {
  MANUAL: 'manual',
  ACRO: 'manual',
  RATTITUDE: 'manual',
  STABILIZED: 'stabilized',
  ALTCTL: 'altitude',
  POSCTL: 'position',
  OFFBOARD: 'guided',
  TAKEOFF: 'takeoff',
  VTOL_TAKEOFF: 'takeoff',
  HOLD: 'hold',
  MISSION: 'mission',
  RETURN: 'return',
  LAND: 'land',
  PRECLAND: 'land',
  FOLLOW: 'follow',
  ORBIT: 'orbit',
};

const main = (customMode: number) => (customMode >>> 16) & 0xff;
const sub = (customMode: number) => (customMode >>> 24) & 0xff;

function modeNumber(name: string): number | undefined {
  for (const [s, n] of Object.entries(AUTO_SUB)) if (n === name) return (AUTO_MAIN << 16) | (Number(s) << 24);
  for (const [m, n] of Object.entries(MAIN)) if (n === name) return Number(m) << 16;
  return undefined;
}

/** Telemetry ids, named (the message classes carry them). */
const ID = {
  GLOBAL_POSITION_INT: common.GlobalPositionInt.MSG_ID,
  VFR_HUD: common.VfrHud.MSG_ID,
  SYS_STATUS: common.SysStatus.MSG_ID,
  GPS_RAW_INT: common.GpsRawInt.MSG_ID,
  ATTITUDE: common.Attitude.MSG_ID,
  ATTITUDE_QUATERNION: common.AttitudeQuaternion.MSG_ID,
  SERVO_OUTPUT_RAW: common.ServoOutputRaw.MSG_ID,
  ATTITUDE_TARGET: common.AttitudeTarget.MSG_ID,
  LOCAL_POSITION_NED: common.LocalPositionNed.MSG_ID,
  POSITION_TARGET_LOCAL_NED: common.PositionTargetLocalNed.MSG_ID,
};

/** PX4 reads every height below as metres above sea level; the frame says so too (QGroundControl sends these). */
const AMSL = common.MavFrame.GLOBAL_INT;
/** Orbit speed, m/s: given, not left to its default (1 m/s in its docs, 0 in newer sources until a command sets it). */
const ORBIT_SPEED_MS = 2;

/**
 * Sending PX4 to a point, as its sources and docs say (no live PX4 goto was captured here, see
 * README "Drone to the scene"). Every height is AMSL: the mavlink receiver copies COMMAND_INT's z
 * into param7 whatever the frame, and the navigator (DO_REPOSITION, NAV_TAKEOFF) and the Orbit
 * flight task read param7 as AMSL; a height above home given as such would put the drone that much
 * lower than asked. DO_REPOSITION with MAV_DO_REPOSITION_FLAGS_CHANGE_MODE switches to Hold and the
 * navigator flies there and holds. DO_ORBIT (multicopters): the commander switches to Orbit and
 * ACKs ACCEPTED, or TEMPORARILY_REJECTED with "Orbit command rejected" when the switch is refused
 * (no local position, a VTOL in transition), staying in the mode it was in (Hold, over the point);
 * the Orbit task then flies to the circle and round it facing the centre, the height locked
 * without a pilot on the sticks.
 */
const px4Goto: GotoPlan = {
  modeFirst: null,
  armIn: 'hold',
  heights: 'amsl',
  takeoff: (alt) => ({ command: common.MavCmd.NAV_TAKEOFF, params: [-1, 0, 0, NaN, NaN, NaN, alt] }),
  reposition: (to, alt) => ({
    command: common.MavCmd.DO_REPOSITION,
    params: [-1, common.MavDoRepositionFlags.CHANGE_MODE, 0, NaN],
    int: { frame: AMSL, lat: to.lat, lon: to.lon, alt },
  }),
  modes: ['hold', 'orbit'],
  // radius (positive: clockwise), speed, yaw behaviour 0: front to the centre, orbits NaN (forever).
  orbit: (centre, alt, radiusM) => ({
    command: common.MavCmd.DO_ORBIT,
    params: [radiusM, ORBIT_SPEED_MS, 0, NaN],
    int: { frame: AMSL, lat: centre.lat, lon: centre.lon, alt },
  }),
  roi: (at, ground) => ({ command: common.MavCmd.DO_SET_ROI_LOCATION, params: [0, 0, 0, 0], int: { frame: AMSL, lat: at.lat, lon: at.lon, alt: ground } }),
  holdWhy: 'Orbit around the point (DO_ORBIT), Hold over it if refused',
  switchesTo: { reposition: 'HOLD', orbit: 'ORBIT' },
};

/** PX4, as seen live on PX4 1.17 SITL (../shared/fixtures/px4/README.md) and in its sources. */
export const px4Profile: AutopilotProfile = {
  modeName(_type, customMode) {
    if (main(customMode) === AUTO_MAIN) return AUTO_SUB[sub(customMode)] ?? `AUTO(${sub(customMode)})`;
    if (main(customMode) === POSCTL_MAIN && POSCTL_SUB[sub(customMode)]) return POSCTL_SUB[sub(customMode)]!;
    return MAIN[main(customMode)] ?? `UNKNOWN(${customMode})`;
  },
  flightMode: (_type, name) => MEANING[name] ?? (name === 'READY' ? 'other' : 'unknown'),
  roles: () => ({ guided: null, mission: 'MISSION', hold: 'HOLD', rtl: 'RETURN', land: 'LAND' }),
  setMode(_type, name) {
    const n = modeNumber(name);
    // PX4 reads main and sub mode from param2 and param3.
    return n === undefined ? undefined : { command: common.MavCmd.DO_SET_MODE, params: [minimal.MavModeFlag.CUSTOM_MODE_ENABLED, main(n), sub(n)] };
  },
  startMission: missionModeThenArm,
  // seq 0 is the first item: no home item.
  homeItem: false,
  // Frame 3 comes back as 6 (the same kind); everything else as sent.
  readBack: { altToleranceM: { mission: 0, fence: 0, rally: 0 }, autocontinueKept: true },
  // PX4 reports no position until its estimator has one (no 0,0 phase, no EKF_STATUS_REPORT).
  position: positionReported,
  ownModeChanges: [
    // Seen live: at the RTL item it reports MISSION_ITEM_REACHED of that item, then switches to Return.
    { from: 'mission', to: 'return', at: 'return', why: "PX4 switches to Return by itself at the mission's RTL item" },
  ],
  telemetry: {
    dataStreamsHz: null,
    // What the map and the alert rules read; HOME_POSITION (0.5 Hz) and MISSION_CURRENT (1 Hz) come
    // unasked, and MISSION_CURRENT's rate cannot be set (PX4 answers FAILED: its mission manager sends it, not a stream).
    intervals: [[ID.GLOBAL_POSITION_INT, 4], [ID.VFR_HUD, 2], [ID.SYS_STATUS, 1], [ID.GPS_RAW_INT, 1], [ID.ATTITUDE, 1]],
    // Streamed at ~50 Hz each by default on a fast link, read by nothing here (~250 messages/s).
    off: [ID.ATTITUDE_QUATERNION, ID.SERVO_OUTPUT_RAW, ID.ATTITUDE_TARGET, ID.LOCAL_POSITION_NED, ID.POSITION_TARGET_LOCAL_NED],
  },
  goto: px4Goto,
};
