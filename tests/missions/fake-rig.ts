import { common } from 'node-mavlink';
import { routeToWire } from '../../server/missions/protocol/wire.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { hundredItems } from './routes-for-tests.ts';
import { scriptedArduPilot, type ScriptedArduPilotOptions } from './scripted-ardupilot.ts';

/**
 * For the mission-protocol branch tests: a fake clock and a scripted ArduPilot per test,
 * closed after it. `setup()` inside a test gives both.
 */
export function fakeMissionRig() {
  const cleanup = cleanupAfterEach();
  return async (opts: ScriptedArduPilotOptions = {}) => {
    const fc = fakeClock();
    const drone = await scriptedArduPilot(fc, opts);
    cleanup.push(() => drone.close());
    return { fc, drone, v: drone.vehicle, client: drone.client };
  };
}

/** The 101 rows of the 100-item route as an ArduPilot gets them (home placeholder at 0). */
export const hundredRows = () => routeToWire(hundredItems(), 'mission', 'ardupilot');

export const { MavMissionResult: ACK } = common;

/** A vehicle's MISSION_ACK, addressed to us unless told otherwise. */
export function missionAck(type: number, missionType = 0, targetSystem = 255): common.MissionAck {
  return Object.assign(new common.MissionAck(), { type, missionType, targetSystem, targetComponent: 190 });
}

/** ArduPilot's item request (MISSION_REQUEST) for seq. */
export function request(seq: number, missionType = 0): common.MissionRequest {
  return Object.assign(new common.MissionRequest(), { seq, missionType, targetSystem: 255, targetComponent: 190 });
}

/** a request for item `seq`, either kind */
export const asksFor = (seq: number) => (m: unknown) => (m instanceof common.MissionRequest || m instanceof common.MissionRequestInt) && m.seq === seq;
/** our MISSION_ITEM_INT for `seq` */
export const itemSeq = (seq: number) => (m: common.MissionItemInt) => m.seq === seq;
