import { common, minimal } from 'node-mavlink';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { px4 } from '../../server/sim/px4.ts';
import type { Squadron } from '../../server/sim/squadron.ts';
import { GroundStation, type PlanItem, type Rec } from './gcs.ts';

const { MavCmd, MavFrame, MavResult } = common;
const HOLD = 0x03040000;
const MISSION = 0x04040000;

const SHORT: PlanItem[] = [
  { command: MavCmd.NAV_TAKEOFF, lat: 28.37, lon: 121.38, alt: 15 },
  { command: MavCmd.NAV_WAYPOINT, lat: 28.3703, lon: 121.38, alt: 15 },
  { command: MavCmd.NAV_RETURN_TO_LAUNCH, frame: MavFrame.MISSION },
];

/** Messages of one type a second, between the HEARTBEATs (1 Hz of the drone's clock) after `since`. */
function rate(recs: Rec[], name: string, seconds = 4): number {
  const beats = recs.flatMap((r, i) => (r.name === 'HEARTBEAT' ? [i] : []));
  return recs.slice(beats[0]!, beats[seconds]!).filter((r) => r.name === name).length / seconds;
}

describe('the simulator as PX4 (--autopilot px4), without the capture', () => {
  let gcs: GroundStation;
  let sq: Squadron;
  beforeAll(async () => {
    gcs = await GroundStation.open();
    sq = await gcs.squadron({ count: 1, autopilot: 'px4', speedup: 5, tickHz: 50, bootDelayS: 2, gpsFixDelayS: 0 });
    await gcs.heard(1);
    gcs.startHeartbeat();
  });
  afterAll(async () => {
    await sq?.close();
    await gcs?.close();
  });

  it('boots in HOLD as PX4 (autopilot 12, base mode 29) and streams at ~50 Hz unasked', async () => {
    const hb = await gcs.waitMsg<minimal.Heartbeat>(1, 'HEARTBEAT');
    expect([hb.autopilot, hb.baseMode, hb.customMode]).toEqual([minimal.MavAutopilot.PX4, 29, HOLD]);
    await gcs.waitMsg(1, 'HEARTBEAT', () => gcs.of(1, 'HEARTBEAT').length >= 6);
    expect(rate(gcs.received.filter((r) => r.sysid === 1), 'ATTITUDE_QUATERNION')).toBeGreaterThan(40);
    expect(sq.drone(1).status().mode).toBe('HOLD');
  });

  it("lowers a stream with SET_MESSAGE_INTERVAL, turns one off with -1, restores the default with 0; refuses MISSION_CURRENT's rate with FAILED", async () => {
    const ack = async (msgid: number, us: number) => (await gcs.command(1, MavCmd.SET_MESSAGE_INTERVAL, [msgid, us])).result;
    expect(await ack(common.MissionCurrent.MSG_ID, 1_000_000)).toBe(MavResult.FAILED);
    expect(await ack(common.AttitudeQuaternion.MSG_ID, 500_000)).toBe(MavResult.ACCEPTED);
    expect(await ack(common.ServoOutputRaw.MSG_ID, -1)).toBe(MavResult.ACCEPTED);
    let since = gcs.mark();
    await gcs.waitMsg(1, 'HEARTBEAT', () => gcs.of(1, 'HEARTBEAT', since).length >= 6);
    const lowered = gcs.received.slice(since).filter((r) => r.sysid === 1);
    expect(rate(lowered, 'ATTITUDE_QUATERNION')).toBeCloseTo(2, 0);
    expect(rate(lowered, 'SERVO_OUTPUT_RAW')).toBe(0);
    expect(rate(lowered, 'MISSION_CURRENT')).toBeCloseTo(1, 0);
    expect(await ack(common.AttitudeQuaternion.MSG_ID, 0)).toBe(MavResult.ACCEPTED);
    since = gcs.mark();
    await gcs.waitMsg(1, 'HEARTBEAT', () => gcs.of(1, 'HEARTBEAT', since).length >= 6);
    expect(rate(gcs.received.slice(since).filter((r) => r.sysid === 1), 'ATTITUDE_QUATERNION')).toBeGreaterThan(40);
  });

  it('answers DO_SET_MODE twice; a mode it does not fly here (POSCTL) is DENIED, twice', async () => {
    const acks = async (params: number[]) => {
      const since = gcs.mark();
      await gcs.command(1, MavCmd.DO_SET_MODE, params);
      await gcs.waitMsg(1, 'HEARTBEAT', () => true, 5_000, gcs.mark());
      return gcs.of(1, 'COMMAND_ACK', since).map((r) => (r.msg as common.CommandAck).result);
    };
    expect(await acks([1, 3, 0])).toEqual([MavResult.DENIED, MavResult.DENIED]);
    expect(await acks([1, 4, 3])).toEqual([MavResult.ACCEPTED, MavResult.ACCEPTED]);
  });

  it('refuses to arm in Mission mode with no mission, saying so', async () => {
    await gcs.command(1, MavCmd.DO_SET_MODE, [1, 4, 4]);
    await gcs.waitMsg<minimal.Heartbeat>(1, 'HEARTBEAT', (h) => h.customMode === MISSION);
    const since = gcs.mark();
    expect((await gcs.command(1, MavCmd.COMPONENT_ARM_DISARM, [1])).result).toBe(MavResult.FAILED);
    expect(gcs.texts(1, since).join('')).toBe('Arming denied: Resolve system health failures first\t'); // 52 characters: two chunks
    await gcs.command(1, MavCmd.DO_SET_MODE, [1, 4, 3]);
  });

  it('refuses DO_ORBIT on the ground as its commander does: TEMPORARILY_REJECTED, "Orbit command rejected", its mode unchanged', async () => {
    const heartbeat = () => gcs.waitMsg<minimal.Heartbeat>(1, 'HEARTBEAT', () => true, 5_000, gcs.mark());
    const before = (await heartbeat()).customMode;
    const since = gcs.mark();
    expect((await gcs.command(1, MavCmd.DO_ORBIT, [20, 2, 0, NaN, 28.371, 121.381, 40])).result).toBe(MavResult.TEMPORARILY_REJECTED);
    await gcs.waitText(1, 'Orbit command rejected\t', 5_000, since);
    expect((await heartbeat()).customMode).toBe(before);
  });

  it('keeps the mission from seq 0 (no home item); the same mission keeps its opaque id, another gets a new one', async () => {
    const first = await gcs.upload(1, SHORT);
    const again = await gcs.upload(1, SHORT);
    const other = await gcs.upload(1, [...SHORT.slice(0, 2), { ...SHORT[1]!, lat: 28.3706 }, SHORT[2]!]);
    expect([first.type, again.type, other.type]).toEqual([0, 0, 0]);
    expect(first.opaqueId).not.toBe(0);
    expect(again.opaqueId).toBe(first.opaqueId);
    expect(other.opaqueId).not.toBe(first.opaqueId);
    expect(sq.drone(1).storedItems().map((i) => i.command)).toEqual([
      MavCmd.NAV_TAKEOFF,
      MavCmd.NAV_WAYPOINT,
      MavCmd.NAV_WAYPOINT,
      MavCmd.NAV_RETURN_TO_LAUNCH,
    ]);
    expect(gcs.of(1, 'MISSION_REQUEST').length).toBe(0);
  });
});

describe("PX4's STATUSTEXT", () => {
  it('numbers every text; one longer than 50 characters goes in chunks of one id', () => {
    const fw = px4();
    const one = fw.statusTexts(6, 'Takeoff detected\t') as common.StatusText[];
    const long = fw.statusTexts(6, `${'x'.repeat(50)}${'y'.repeat(50)}z`) as common.StatusText[];
    expect(one.map((m) => [m.id, m.chunkSeq, m.text])).toEqual([[0, 0, 'Takeoff detected\t']]);
    expect(long.map((m) => [m.id, m.chunkSeq, m.text])).toEqual([[1, 0, 'x'.repeat(50)], [1, 1, 'y'.repeat(50)], [1, 2, 'z']]);
    expect((px4().statusTexts(6, 'a') as common.StatusText[])[0]!.id).toBe(0); // each drone counts its own
  });
});
