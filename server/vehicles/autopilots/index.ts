import { common, minimal, type MavLinkData } from 'node-mavlink';
import type { Autopilot } from '../../wire/types.ts';
import type { Command } from '../commands.ts';
import { ardupilot } from './ardupilot.ts';
import { px4 } from './px4.ts';

const { MavAutopilot } = minimal;

export function autopilotOf(code: number): Autopilot {
  if (code === MavAutopilot.ARDUPILOTMEGA) return 'ardupilot';
  if (code === MavAutopilot.PX4) return 'px4';
  return 'other';
}

export function modeName(autopilot: Autopilot, type: number, baseMode: number, customMode: number): string {
  // Without MAV_MODE_FLAG_CUSTOM_MODE_ENABLED the custom mode means nothing.
  if (!(baseMode & minimal.MavModeFlag.CUSTOM_MODE_ENABLED)) return 'UNKNOWN';
  if (autopilot === 'ardupilot') return ardupilot.modeName(type, customMode);
  if (autopilot === 'px4') return px4.modeName(customMode);
  return `CUSTOM(${customMode})`;
}

/** The modes a patrol needs, by what they do, in this autopilot's names. */
export interface ModeRoles {
  /** commanded by the ground station (ArduPilot GUIDED); PX4 has none we use */
  guided: string | null;
  mission: string;
  /** stop and hold position */
  hold: string;
  rtl: string;
  land: string;
}

/**
 * Everything that differs between autopilots for flying a patrol, in one place:
 * mode names, how to ask for a mode, and how a mission is started.
 */
export interface AutopilotProfile {
  roles(type: number): ModeRoles;
  /** DO_SET_MODE for a mode name, or undefined if this autopilot has no such mode */
  setMode(type: number, name: string): Command | undefined;
  /**
   * ArduPilot: GUIDED, arm, then MISSION_START (AUTO is refused on the ground without it).
   * PX4 (as QGroundControl does it): switch to Mission mode, then arm: it takes off by itself.
   */
  start: 'guided-arm-mission-start' | 'mission-mode-arm';
}

const DO_SET_MODE = common.MavCmd.DO_SET_MODE;
const CUSTOM = minimal.MavModeFlag.CUSTOM_MODE_ENABLED;

const PROFILES: Record<Autopilot, AutopilotProfile> = {
  ardupilot: {
    roles: (type) => ardupilot.roles(type),
    setMode(type, name) {
      const n = ardupilot.modeNumber(type, name);
      return n === undefined ? undefined : { command: DO_SET_MODE, params: [CUSTOM, n] };
    },
    start: 'guided-arm-mission-start',
  },
  px4: {
    roles: () => ({ guided: null, mission: 'MISSION', hold: 'HOLD', rtl: 'RETURN', land: 'LAND' }),
    setMode(_type, name) {
      const n = px4.modeNumber(name);
      // PX4 reads main and sub mode from param2 and param3.
      return n === undefined ? undefined : { command: DO_SET_MODE, params: [CUSTOM, (n >>> 16) & 0xff, (n >>> 24) & 0xff] };
    },
    start: 'mission-mode-arm',
  },
  other: {
    roles: () => ({ guided: null, mission: 'AUTO', hold: 'HOLD', rtl: 'RTL', land: 'LAND' }),
    setMode: () => undefined,
    start: 'mission-mode-arm',
  },
};

export function profileOf(autopilot: Autopilot): AutopilotProfile {
  return PROFILES[autopilot];
}

/** Messages the map needs, with the rate we ask for. */
const WANTED: [msgid: number, hz: number][] = [
  [33, 4], // GLOBAL_POSITION_INT
  [1, 1], // SYS_STATUS
  [24, 1], // GPS_RAW_INT
  [30, 4], // ATTITUDE
  [74, 2], // VFR_HUD
  [42, 1], // MISSION_CURRENT
  [147, 1], // BATTERY_STATUS
];

/**
 * What to send a newly found vehicle so that it streams telemetry. ArduPilot sends almost
 * nothing until asked and understands REQUEST_DATA_STREAM (as MAVProxy and Mission Planner
 * use); PX4 streams on its own on a GCS link, and per-message intervals top up the rest.
 */
export function streamRequests(autopilot: Autopilot, sysid: number, compid: number): MavLinkData[] {
  if (autopilot === 'ardupilot') {
    const req = new common.RequestDataStream();
    req.targetSystem = sysid;
    req.targetComponent = compid;
    req.reqStreamId = common.MavDataStream.ALL;
    req.reqMessageRate = 4;
    req.startStop = 1;
    return [req];
  }
  return WANTED.map(([msgid, hz]) => {
    const cmd = new common.CommandLong();
    cmd.targetSystem = sysid;
    cmd.targetComponent = compid;
    cmd.command = common.MavCmd.SET_MESSAGE_INTERVAL;
    cmd._param1 = msgid;
    cmd._param2 = 1_000_000 / hz;
    return cmd;
  });
}
