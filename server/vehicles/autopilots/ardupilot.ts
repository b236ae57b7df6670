import { ardupilotmega, common, minimal } from 'node-mavlink';
import { id, said } from '../../wire/messages.ts';
import type { FlightMode } from '../../wire/types.ts';
import { failed, type AutopilotProfile, type GotoPlan } from './profile.ts';

const { MavType } = minimal;

/** ArduPilot's flight-mode tables by vehicle family; custom_mode of HEARTBEAT indexes them. */
function table(e: object): Map<number, string> {
  return new Map(Object.entries(e).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v as number, k]));
}
const COPTER = table(ardupilotmega.CopterMode);
const PLANE = table(ardupilotmega.PlaneMode);
const ROVER = table(ardupilotmega.RoverMode);
const SUB = table(ardupilotmega.SubMode);

function modesFor(type: number): Map<number, string> {
  switch (type) {
    case MavType.FIXED_WING:
    case MavType.VTOL_TAILSITTER_DUOROTOR:
    case MavType.VTOL_TAILSITTER_QUADROTOR:
    case MavType.VTOL_TILTROTOR:
    case MavType.VTOL_FIXEDROTOR:
    case MavType.VTOL_TAILSITTER:
    case MavType.VTOL_TILTWING:
      return PLANE;
    case MavType.GROUND_ROVER:
    case MavType.SURFACE_BOAT:
      return ROVER;
    case MavType.SUBMARINE:
      return SUB;
    default:
      return COPTER;
  }
}

/**
 * What each ArduPilot mode does, by name (one name means the same in copter, plane, rover and
 * sub). Mostly as MAVSDK maps them; BRAKE, SMART_RTL and AUTO_RTL also, as SkyBeat uses or meets them.
 * Names not listed (FLIP, AUTOTUNE, THROW, ZIGZAG, …) are 'other'.
 */
const MEANING: Record<string, FlightMode> = {
  MANUAL: 'manual',
  ACRO: 'manual',
  QACRO: 'manual',
  DRIFT: 'manual',
  SPORT: 'manual',
  STEERING: 'manual',
  SIMPLE: 'manual',
  STABILIZE: 'stabilized',
  QSTABILIZE: 'stabilized',
  TRAINING: 'stabilized',
  FLY_BY_WIRE_A: 'stabilized',
  ALT_HOLD: 'altitude',
  FLY_BY_WIRE_B: 'altitude',
  CRUISE: 'altitude',
  QHOVER: 'altitude',
  SURFTRAK: 'altitude',
  POSHOLD: 'position',
  FLOWHOLD: 'position',
  LOITER: 'hold',
  QLOITER: 'hold',
  BRAKE: 'hold',
  HOLD: 'hold',
  GUIDED: 'guided',
  GUIDED_NOGPS: 'guided',
  TAKEOFF: 'takeoff',
  AUTO: 'mission',
  RTL: 'return',
  QRTL: 'return',
  SMART_RTL: 'return',
  AUTO_RTL: 'return',
  LAND: 'land',
  QLAND: 'land',
  LOITER_ALT_QLAND: 'land',
  AUTOLAND: 'land',
  FOLLOW: 'follow',
  CIRCLE: 'orbit',
};

const { MavCmd, MavFrame } = common;
const RELATIVE = MavFrame.GLOBAL_RELATIVE_ALT_INT;

/**
 * Sending ArduCopter to a point, as the live capture showed (fixtures/ardupilot/goto-circle-roi):
 * DO_REPOSITION in GUIDED, and only as COMMAND_INT (as COMMAND_LONG it answers UNSUPPORTED).
 * It holds there in GUIDED: the one hold that keeps both point and height without a pilot on the
 * sticks. Not CIRCLE: it circles a centre one radius ahead of the nose (not the point), takes its
 * radius in centimetres, and follows the RC throttle for height (with the stick low it sank 13 m
 * in 5 s). Not LOITER: same throttle, and NAV_LOITER_UNLIM ignores its coordinates. DO_ORBIT is
 * UNSUPPORTED. DO_SET_ROI_LOCATION turns the nose to the point and holds it.
 */
const arduCopterGoto: GotoPlan = {
  modeFirst: 'guided',
  armIn: 'guided',
  // It reads COMMAND_INT's frame: heights above home throughout.
  heights: 'home',
  // NAV_TAKEOFF reads only param7, metres above home.
  takeoff: (alt) => ({ command: MavCmd.NAV_TAKEOFF, params: [0, 0, 0, NaN, 0, 0, alt] }),
  // param1 -1: its own speed; param2 0: it is in GUIDED already; param4 NaN: its own yaw.
  reposition: (to, alt) => ({ command: MavCmd.DO_REPOSITION, params: [-1, 0, 0, NaN], int: { frame: RELATIVE, lat: to.lat, lon: to.lon, alt } }),
  modes: ['guided'],
  orbit: null,
  roi: (at, ground) => ({ command: MavCmd.DO_SET_ROI_LOCATION, params: [0, 0, 0, 0], int: { frame: RELATIVE, lat: at.lat, lon: at.lon, alt: ground } }),
  switchesTo: { reposition: null, orbit: null },
  holdWhy: "position hold in GUIDED (ArduCopter's CIRCLE centres ahead of the nose and sinks with the throttle low; DO_ORBIT unsupported)",
};

/** EKF_STATUS_REPORT flags: an absolute horizontal position, not the constant-position fallback. */
const { POS_HORIZ_ABS, CONST_POS_MODE } = ardupilotmega.EkfStatusFlags;

const modeNumber = (type: number, name: string): number | undefined => {
  for (const [n, v] of modesFor(type)) if (v === name) return n;
  return undefined;
};

/** ArduPilot (Copter, Plane, Rover, Sub), as seen on ArduCopter 4.7 SITL and in the captures. */
export const ardupilotProfile: AutopilotProfile = {
  modeName: (type, customMode) => modesFor(type).get(customMode) ?? `UNKNOWN(${customMode})`,
  flightMode: (_type, name) => MEANING[name] ?? (name.startsWith('UNKNOWN') ? 'unknown' : 'other'),
  /** Which mode does what (copter names; planes and rovers hold with LOITER/HOLD). */
  roles(type) {
    const family = modesFor(type);
    return {
      guided: 'GUIDED',
      mission: 'AUTO',
      hold: family === COPTER ? 'BRAKE' : family === ROVER ? 'HOLD' : 'LOITER',
      rtl: 'RTL',
      land: family === PLANE ? 'QLAND' : 'LAND',
    };
  },
  setMode(type, name) {
    const n = modeNumber(type, name);
    return n === undefined ? undefined : { command: common.MavCmd.DO_SET_MODE, params: [minimal.MavModeFlag.CUSTOM_MODE_ENABLED, n] };
  },
  /** GUIDED, arm, then MISSION_START: AUTO is refused on the ground without it. */
  async startMission(type, s) {
    const guided = this.roles(type).guided!;
    const mode = await s.setMode(guided);
    if (failed(mode)) return { started: false, said: said('start_mode_failed', { mode: id(guided), reason: mode.said }) };
    if (!(await s.arm())) return { started: false };
    s.starting();
    const start = await s.missionStart();
    if (s.ended()) return { started: false };
    if (failed(start)) return { started: false, said: said('start_refused', { reason: start.said }) };
    return { started: true };
  },
  homeItem: true,
  // Places come back in centimetres, rally points in whole metres; autocontinue always as 1.
  readBack: { altToleranceM: { mission: 0.01, fence: 0.01, rally: 0.5 }, autocontinueKept: false },
  /** Its EKF says whether it has an absolute position; until its first report, a reported position will do. */
  position(v) {
    if (v.position === null) return { ok: false, said: said('check_position_none') };
    const f = v.ekfFlags;
    const ok = f === null || (f & POS_HORIZ_ABS) !== 0 && (f & CONST_POS_MODE) === 0;
    return { ok, said: said(ok ? 'check_position_good' : 'check_position_waiting') };
  },
  // An RTL mission item keeps AUTO until landing: no mode change of its own.
  ownModeChanges: [],
  // It sends almost nothing until asked, and understands REQUEST_DATA_STREAM (as MAVProxy and Mission Planner ask).
  telemetry: { dataStreamsHz: 4, intervals: [], off: [] },
  goto: arduCopterGoto,
};
