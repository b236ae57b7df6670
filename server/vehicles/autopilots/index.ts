import { common, minimal, type MavLinkData } from 'node-mavlink';
import type { Autopilot } from '../../wire/types.ts';
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
