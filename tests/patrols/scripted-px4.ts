import { common, minimal } from 'node-mavlink';
import type { FakeClock } from '../helpers/fake-clock.ts';
import { scriptedVehicle } from '../helpers/scripted-vehicle.ts';

/** PX4's custom modes as its HEARTBEAT carries them (main << 16 | sub << 24), from the live capture. */
export const PX4_MODE = { HOLD: 0x03040000, MISSION: 0x04040000, RETURN: 0x05040000, LAND: 0x06040000 } as const;

const { MavCmd, MavResult } = common;
const HOME = { lat: 28.37, lon: 121.3815 };

/**
 * A PX4 scripted after the live capture in ../shared/fixtures/px4 (README), in simulated time:
 * it takes a mission with MISSION_REQUEST_INT from seq 0 (no home item), returns frame 3 as 6
 * when read back, answers DO_SET_MODE twice, reports MISSION_CURRENT once a second and
 * position four times a second. What it does in the air is the test's to say: `pos`, `current`,
 * reach(), and its heartbeat's `state` (mode, armed, system status).
 */
export async function scriptedPx4(fc: FakeClock, opts: { current?: number } = {}) {
  const peer = await scriptedVehicle(fc, { autopilot: minimal.MavAutopilot.PX4, customMode: PX4_MODE.HOLD });
  const pos = { ...HOME, altRel: 0 };
  let items: common.MissionItemInt[] = [];
  let expected = 0;
  const px4 = {
    ...peer,
    pos,
    /** MISSION_CURRENT.seq it reports (the previous mission's, until a new one is uploaded) */
    current: opts.current ?? 0,
    /** the mission it holds, as uploaded */
    get items() {
      return items;
    },
    /** MISSION_ITEM_REACHED, as PX4 sends it (then again every second, ten times: once is enough here) */
    reach(seq: number): void {
      peer.send(Object.assign(new common.MissionItemReached(), { seq }));
    },
    async close(): Promise<void> {
      for (const stop of stops) stop();
      await peer.close();
    },
  };
  const ack = (command: number) => Object.assign(new common.CommandAck(), { command, result: MavResult.ACCEPTED, targetSystem: 255, targetComponent: 190 });
  peer.on((m) => {
    if (m instanceof common.MissionCount) {
      expected = m.count;
      items = [];
      peer.send(Object.assign(new common.MissionRequestInt(), { targetSystem: 255, targetComponent: 190, seq: 0, missionType: m.missionType }));
    } else if (m instanceof common.MissionItemInt && m.seq === items.length && m.seq < expected) {
      items.push(m);
      if (items.length < expected)
        peer.send(Object.assign(new common.MissionRequestInt(), { targetSystem: 255, targetComponent: 190, seq: items.length, missionType: m.missionType }));
      else {
        peer.send(Object.assign(new common.MissionAck(), { targetSystem: 255, targetComponent: 190, type: 0, missionType: m.missionType }));
        px4.current = 0; // a new mission starts at its first item
      }
    } else if (m instanceof common.MissionRequestList) {
      peer.send(Object.assign(new common.MissionCount(), { targetSystem: 255, targetComponent: 190, count: items.length, missionType: m.missionType }));
    } else if (m instanceof common.MissionRequestInt && m.seq < items.length) {
      const it = items[m.seq]!;
      peer.send(
        Object.assign(new common.MissionItemInt(), {
          ...it,
          targetSystem: 255,
          targetComponent: 190,
          frame: it.frame === 3 ? 6 : it.frame,
          current: m.seq === 0 ? 1 : 0,
        }),
      );
    } else if (m instanceof common.CommandLong && m.command === MavCmd.DO_SET_MODE) {
      peer.send(ack(m.command));
      peer.send(ack(m.command));
      peer.state.customMode = (m._param2 << 16) | (m._param3 << 24);
    } else if (m instanceof common.CommandLong && m.command === MavCmd.COMPONENT_ARM_DISARM) {
      peer.send(ack(m.command));
      peer.state.armed = m._param1 === 1;
    }
  });
  const position = () =>
    peer.send(Object.assign(new common.GlobalPositionInt(), {
      lat: Math.round(pos.lat * 1e7),
      lon: Math.round(pos.lon * 1e7),
      alt: Math.round((10 + pos.altRel) * 1000),
      relativeAlt: Math.round(pos.altRel * 1000),
      hdg: 0,
    }));
  const status = () => {
    peer.send(Object.assign(new common.SysStatus(), { batteryRemaining: 100, voltageBattery: 16200, currentBattery: -1 }));
    peer.send(Object.assign(new common.GpsRawInt(), { fixType: common.GpsFixType.GPS_FIX_TYPE_3D_FIX, satellitesVisible: 10, eph: 90 }));
    peer.send(Object.assign(new common.MissionCurrent(), { seq: px4.current, total: expected || 5 }));
  };
  const stops = [fc.every(250, position), fc.every(1000, status)];
  return px4;
}
