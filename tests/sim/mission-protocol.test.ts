import { common } from 'node-mavlink';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection } from '../../server/links/connection.ts';
import type { Squadron } from '../../server/sim/squadron.ts';
import { GroundStation, itemInt, type PlanItem } from './gcs.ts';

const { MavCmd, MavMissionResult, MavMissionType } = common;

const SPEEDUP = 8;
/** Simulated ms per tick (20 ticks per second): a time read when a packet arrives may be one tick late. */
const TICK_MS = 50 * SPEEDUP;

const wp = (lat: number, lon: number, alt = 20): PlanItem => ({ command: MavCmd.NAV_WAYPOINT, lat, lon, alt });
const plan = (...legs: PlanItem[]): PlanItem[] => [wp(28.37, 121.38, 0), { command: MavCmd.NAV_TAKEOFF, alt: 20 }, ...legs];

describe('simulated ArduCopter: vehicle side of the mission protocol', () => {
  let gcs: GroundStation;
  let sq: Squadron;

  beforeAll(async () => {
    gcs = await GroundStation.open();
    sq = await gcs.squadron({ count: 1, speedup: SPEEDUP, bootDelayS: 2, missionLimits: { mission: 10, fence: 6, rally: 3 } });
    await gcs.heard(1);
  });

  afterAll(async () => {
    await sq?.close();
    await gcs?.close();
  });

  it('uploads with MISSION_REQUEST, acknowledges ACCEPTED and says "Flight plan received"', async () => {
    const since = gcs.mark();
    const ack = await gcs.upload(1, plan(wp(28.371, 121.38), { command: MavCmd.NAV_RETURN_TO_LAUNCH }));
    expect(ack.type).toBe(MavMissionResult.ACCEPTED);
    expect(gcs.of(1, 'MISSION_REQUEST', since).map((r) => (r.msg as common.MissionRequest).seq)).toEqual([0, 1, 2, 3]);
    expect(gcs.of(1, 'MISSION_REQUEST_INT', since)).toHaveLength(0);
    await gcs.waitText(1, 'Flight plan received', 5_000, since);
  });

  it('re-requests a missing item every second and gives up after 8 s with OPERATION_CANCELLED', async () => {
    const drone = sq.drone(1);
    const simTimes: number[] = [];
    const onMsg = ({ msg }: { msg: unknown }) => {
      if (msg instanceof common.MissionRequest) simTimes.push(drone.vehicle.timeMs);
    };
    gcs.conn.on('message', onMsg);
    const since = gcs.mark();
    const count = new common.MissionCount();
    count.count = 3;
    const start = drone.vehicle.timeMs;
    gcs.send(1, count); // and never answer
    const ack = await gcs.waitMsg<common.MissionAck>(1, 'MISSION_ACK', () => true, 10_000, since);
    const cancelledAt = drone.vehicle.timeMs;
    gcs.conn.off('message', onMsg);
    expect(ack.type).toBe(MavMissionResult.OPERATION_CANCELLED);
    expect(gcs.of(1, 'MISSION_REQUEST', since).every((r) => (r.msg as common.MissionRequest).seq === 0)).toBe(true);
    const gaps = simTimes.slice(1).map((t, i) => t - simTimes[i]!);
    expect(gaps.length).toBeGreaterThanOrEqual(5);
    for (const g of gaps) {
      expect(g).toBeGreaterThanOrEqual(1000 - TICK_MS);
      expect(g).toBeLessThanOrEqual(1050 + TICK_MS);
    }
    expect(cancelledAt - start).toBeGreaterThanOrEqual(8000 - TICK_MS);
    expect(cancelledAt - start).toBeLessThanOrEqual(8050 + TICK_MS);
  });

  it('answers a wrong item with INVALID_SEQUENCE without ending the transfer', async () => {
    const items = plan(wp(28.371, 121.38));
    const since = gcs.mark();
    const count = new common.MissionCount();
    count.count = items.length;
    gcs.send(1, count);
    await gcs.waitMsg<common.MissionRequest>(1, 'MISSION_REQUEST', (r) => r.seq === 0, 5_000, since);
    gcs.send(1, itemInt(items[1]!, 1)); // seq 1 where 0 was asked for
    const bad = await gcs.waitMsg<common.MissionAck>(1, 'MISSION_ACK', () => true, 5_000, since);
    expect(bad.type).toBe(MavMissionResult.INVALID_SEQUENCE);
    const ack = await gcs.upload(1, items); // a fresh COUNT from the same ground station restarts it
    expect(ack.type).toBe(MavMissionResult.ACCEPTED);
  });

  it('refuses more items than it has room for with NO_SPACE and says how many fit', async () => {
    const since = gcs.mark();
    const ack = await gcs.upload(1, Array.from({ length: 11 }, () => wp(28.371, 121.38)));
    expect(ack.type).toBe(MavMissionResult.NO_SPACE);
    await gcs.waitText(1, 'Only 10 items are supported', 5_000, since);
  });

  it('denies a second uploader while the first upload runs', async () => {
    const other = new Connection('gcs2', gcs.link, { sysid: 254, compid: 190 });
    const since = gcs.mark();
    const first = new common.MissionCount();
    first.count = 3;
    gcs.send(1, first);
    await gcs.waitMsg(1, 'MISSION_REQUEST', () => true, 5_000, since);
    const second = new common.MissionCount();
    second.targetSystem = 1;
    second.targetComponent = 1;
    second.count = 2;
    other.send(second, gcs.peerOf(1));
    const denied = await gcs.waitMsg<common.MissionAck>(1, 'MISSION_ACK', (a) => a.targetSystem === 254, 5_000, since);
    expect(denied.type).toBe(MavMissionResult.DENIED);
    await gcs.waitMsg<common.MissionAck>(1, 'MISSION_ACK', (a) => a.targetSystem === 255, 10_000, since); // the first one times out
  });

  it('downloads item 0 as the real home and answers MISSION_REQUEST with float MISSION_ITEMs', async () => {
    expect((await gcs.upload(1, plan(wp(28.3712, 121.3801, 25)))).type).toBe(MavMissionResult.ACCEPTED);
    const items = await gcs.download(1);
    expect(items.map((i) => i.command)).toEqual([MavCmd.NAV_WAYPOINT, MavCmd.NAV_TAKEOFF, MavCmd.NAV_WAYPOINT]);
    expect([items[0]!.x, items[0]!.y, items[0]!.z]).toEqual([283700000, 1213800000, 10]);
    expect([items[2]!.x, items[2]!.y, items[2]!.z]).toEqual([283712000, 1213801000, 25]);
    const since = gcs.mark();
    const req = new common.MissionRequest();
    req.seq = 2;
    gcs.send(1, req);
    const item = await gcs.waitMsg<common.MissionItem>(1, 'MISSION_ITEM', () => true, 5_000, since);
    expect(item.x).toBeCloseTo(28.3712, 4);
    expect(item.y).toBeCloseTo(121.3801, 4);
  });

  it('refuses an item past the end of the mission, telling the real count first', async () => {
    const since = gcs.mark();
    const req = new common.MissionRequestInt();
    req.seq = 7;
    gcs.send(1, req);
    const count = await gcs.waitMsg<common.MissionCount>(1, 'MISSION_COUNT', () => true, 5_000, since);
    const ack = await gcs.waitMsg<common.MissionAck>(1, 'MISSION_ACK', () => true, 5_000, since);
    expect(count.count).toBe(3);
    expect(ack.type).toBe(MavMissionResult.ERROR);
  });

  it('keeps fence and rally items apart from the mission (mission_type, MAVLink 2)', async () => {
    const fence: PlanItem[] = [[28.369, 121.379], [28.371, 121.379], [28.371, 121.381], [28.369, 121.381]]
      .map(([lat, lon]) => ({ command: MavCmd.NAV_FENCE_POLYGON_VERTEX_INCLUSION, frame: 0, lat, lon, params: [4, 0, 0, 0] }));
    expect((await gcs.upload(1, fence, MavMissionType.FENCE)).type).toBe(MavMissionResult.ACCEPTED);
    const rally: PlanItem[] = [{ command: MavCmd.NAV_RALLY_POINT, lat: 28.3705, lon: 121.3805, alt: 15 }];
    expect((await gcs.upload(1, rally, MavMissionType.RALLY)).type).toBe(MavMissionResult.ACCEPTED);
    expect((await gcs.download(1, MavMissionType.FENCE)).map((i) => [i.command, i.missionType, i.x])).toEqual(
      fence.map((f) => [f.command, MavMissionType.FENCE, Math.round(f.lat! * 1e7)]),
    );
    expect((await gcs.download(1, MavMissionType.RALLY)).map((i) => i.x)).toEqual([283705000]);
    expect(await gcs.download(1)).toHaveLength(3); // the mission is untouched
    const wrong = await gcs.upload(1, [wp(28.37, 121.38)], MavMissionType.FENCE);
    expect(wrong.type).toBe(MavMissionResult.UNSUPPORTED);
  });

  it('clears with MISSION_CLEAR_ALL, leaving only home', async () => {
    const since = gcs.mark();
    const clear = new common.MissionClearAll();
    clear.missionType = MavMissionType.MISSION;
    gcs.send(1, clear);
    const ack = await gcs.waitMsg<common.MissionAck>(1, 'MISSION_ACK', () => true, 5_000, since);
    expect(ack.type).toBe(MavMissionResult.ACCEPTED);
    expect(await gcs.download(1)).toHaveLength(1);
  });

  it('like ArduPilot, leaves a mix of old and new items after an abandoned upload', async () => {
    const old = plan(wp(28.371, 121.38), wp(28.372, 121.38), wp(28.373, 121.38));
    expect((await gcs.upload(1, old)).type).toBe(MavMissionResult.ACCEPTED);
    const fresh = plan(wp(28.381, 121.38), wp(28.382, 121.38), wp(28.383, 121.38));
    const trace = await gcs.uploadTrace(1, fresh.slice(0, 3), { count: fresh.length }); // answers items 0-2 only, then falls silent
    expect(trace.acks).toEqual([MavMissionResult.OPERATION_CANCELLED]);
    const stored = await gcs.download(1);
    expect(stored.map((i) => i.x)).toEqual([283700000, 0, 283810000, 283720000, 283730000]);
  });

  it('accepts float MISSION_ITEMs, converting degrees to degE7, with a one-time warning', async () => {
    const since = gcs.mark();
    const count = new common.MissionCount();
    count.count = 2;
    gcs.send(1, count);
    for (const seq of [0, 1]) {
      await gcs.waitMsg<common.MissionRequest>(1, 'MISSION_REQUEST', (r) => r.seq === seq, 5_000, since);
      const m = new common.MissionItem();
      m.seq = seq;
      m.command = MavCmd.NAV_WAYPOINT;
      m.frame = 3;
      m.x = 28.3715;
      m.y = 121.3815;
      m.z = 12;
      m.autocontinue = 1;
      gcs.send(1, m);
    }
    const ack = await gcs.waitMsg<common.MissionAck>(1, 'MISSION_ACK', () => true, 5_000, since);
    expect(ack.type).toBe(MavMissionResult.ACCEPTED);
    await gcs.waitText(1, 'got MISSION_ITEM; GCS should send MISSION_ITEM_INT', 5_000, since);
    const stored = await gcs.download(1);
    expect(Math.abs(stored[1]!.x - 283715000)).toBeLessThanOrEqual(10); // float32 degrees carry ~1e-6
  });
});

describe('simulated ArduCopter asking with MISSION_REQUEST_INT (configurable)', () => {
  it('requests upload items with MISSION_REQUEST_INT when told to', async () => {
    const gcs = await GroundStation.open();
    const sq = await gcs.squadron({ count: 1, speedup: SPEEDUP, missionRequest: 'MISSION_REQUEST_INT' });
    try {
      await gcs.heard(1);
      const since = gcs.mark();
      expect((await gcs.upload(1, plan(wp(28.371, 121.38)))).type).toBe(MavMissionResult.ACCEPTED);
      expect(gcs.of(1, 'MISSION_REQUEST_INT', since)).toHaveLength(3);
      expect(gcs.of(1, 'MISSION_REQUEST', since)).toHaveLength(0);
    } finally {
      await sq.close();
      await gcs.close();
    }
  });
});
