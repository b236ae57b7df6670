import { common, minimal, type MavLinkData } from 'node-mavlink';
import type { Autopilot, FlightMode } from '../../wire/types.ts';
import { ardupilotProfile } from './ardupilot.ts';
import { missionModeThenArm, positionReported, type AutopilotProfile } from './profile.ts';
import { px4Profile } from './px4.ts';

export type { AutopilotProfile, GotoPlan, MissionItemKind, ModeRoles, OwnModeChange, StartResult, StartSteps } from './profile.ts';

const { MavAutopilot } = minimal;

export function autopilotOf(code: number): Autopilot {
  if (code === MavAutopilot.ARDUPILOTMEGA) return 'ardupilot';
  if (code === MavAutopilot.PX4) return 'px4';
  return 'other';
}

/** An autopilot we know nothing particular of: standard MAVLink, nothing more. */
const otherProfile: AutopilotProfile = {
  modeName: (_type, customMode) => `CUSTOM(${customMode})`,
  flightMode: () => 'unknown',
  roles: () => ({ guided: null, mission: 'AUTO', hold: 'HOLD', rtl: 'RTL', land: 'LAND' }),
  setMode: () => undefined,
  startMission: missionModeThenArm,
  homeItem: false,
  readBack: { altToleranceM: { mission: 0, fence: 0, rally: 0 }, autocontinueKept: true },
  position: positionReported,
  ownModeChanges: [],
  telemetry: {
    dataStreamsHz: null,
    intervals: [
      [common.GlobalPositionInt.MSG_ID, 4],
      [common.SysStatus.MSG_ID, 1],
      [common.GpsRawInt.MSG_ID, 1],
      [common.Attitude.MSG_ID, 4],
      [common.VfrHud.MSG_ID, 2],
      [common.MissionCurrent.MSG_ID, 1],
      [common.BatteryStatus.MSG_ID, 1],
    ],
    off: [],
  },
  // Standard MAVLink: DO_REPOSITION with the mode change flag, position hold, ROI.
  goto: {
    ...px4Profile.goto,
    orbit: null,
    switchesTo: { reposition: null, orbit: null },
    modes: ['hold', 'guided'],
    holdWhy: 'position hold (an autopilot SkyBeat knows nothing particular of)',
  },
};

const PROFILES: Record<Autopilot, AutopilotProfile> = { ardupilot: ardupilotProfile, px4: px4Profile, other: otherProfile };

export function profileOf(autopilot: Autopilot): AutopilotProfile {
  return PROFILES[autopilot];
}

export function modeName(autopilot: Autopilot, type: number, baseMode: number, customMode: number): string {
  // Without MAV_MODE_FLAG_CUSTOM_MODE_ENABLED the custom mode means nothing.
  if (!(baseMode & minimal.MavModeFlag.CUSTOM_MODE_ENABLED)) return 'UNKNOWN';
  return PROFILES[autopilot].modeName(type, customMode);
}

/** The firmware-neutral meaning of a HEARTBEAT's mode. */
export function flightModeOf(autopilot: Autopilot, type: number, baseMode: number, customMode: number): FlightMode {
  if (!(baseMode & minimal.MavModeFlag.CUSTOM_MODE_ENABLED)) return 'unknown';
  const p = PROFILES[autopilot];
  return p.flightMode(type, p.modeName(type, customMode));
}

/**
 * What the fleet sends a newly found (or regained) vehicle so that it streams telemetry:
 * REQUEST_DATA_STREAM to an autopilot that takes it (ArduPilot sends almost nothing until
 * asked, as MAVProxy and Mission Planner know). Per-message intervals (PX4, others) go one at a
 * time with each answer read: vehicles/telemetry-rates.ts.
 */
export function streamRequests(autopilot: Autopilot, sysid: number, compid: number): MavLinkData[] {
  const hz = PROFILES[autopilot].telemetry.dataStreamsHz;
  if (hz === null) return [];
  const req = new common.RequestDataStream();
  req.targetSystem = sysid;
  req.targetComponent = compid;
  req.reqStreamId = common.MavDataStream.ALL;
  req.reqMessageRate = hz;
  req.startStop = 1;
  return [req];
}
