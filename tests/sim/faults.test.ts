import { ardupilotmega, common, minimal } from 'node-mavlink';
import { describe, expect, it } from 'vitest';
import type { Squadron } from '../../server/sim/squadron.ts';
import { readySquadron, type GroundStation, type PlanItem, type Rec } from './gcs.ts';

const { MavCmd, MavResult, MavMissionResult } = common;
const GUIDED = 4;

/** Sequence numbers of one sender as they arrived. */
const seqs = (recs: Rec[]) => recs.map((r) => r.frame.seq);

/** Packets a sender's sequence numbers say went missing, and those that arrived (mod-256 counter). */
function lossOf(seq: number[]): { missing: number; arrived: number } {
  let missing = 0;
  for (let i = 1; i < seq.length; i++) {
    const gap = (seq[i]! - seq[i - 1]! + 256) % 256;
    if (gap > 0 && gap < 128) missing += gap - 1;
  }
  return { missing, arrived: seq.length };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('simulated ArduCopter: faults on demand, seen from the ground', () => {
  let gcs: GroundStation;
  let sq: Squadron;
  const from = (sysid: number, since: number) => gcs.received.slice(since).filter((r) => r.sysid === sysid);

  readySquadron((g, s) => {
    gcs = g;
    sq = s;
  }, { count: 6, seed: 42 });

  /** Take off in GUIDED and wait at `alt` metres. */
  async function airborne(sysid: number, alt = 10): Promise<void> {
    await gcs.command(sysid, MavCmd.DO_SET_MODE, [1, GUIDED]);
    await gcs.armWhenReady(sysid);
    expect((await gcs.command(sysid, MavCmd.NAV_TAKEOFF, [0, 0, 0, 0, 0, 0, alt])).result).toBe(MavResult.ACCEPTED);
    await gcs.waitMsg<common.GlobalPositionInt>(sysid, 'GLOBAL_POSITION_INT', (p) => p.relativeAlt > alt * 1000 - 300, 20_000, gcs.mark());
  }

  describe('link faults', () => {
    it("packet loss shows as gaps in the drone's sequence numbers", async () => {
      sq.drone(1).setLinkFaults({ loss: 0.3, direction: 'down' });
      const since = gcs.mark();
      await sleep(600);
      sq.drone(1).setLinkFaults({});
      const { missing, arrived } = lossOf(seqs(from(1, since)));
      const rate = missing / (missing + arrived);
      expect(arrived).toBeGreaterThan(100);
      expect(rate).toBeGreaterThan(0.2);
      expect(rate).toBeLessThan(0.4);
      expect(lossOf(seqs(from(2, since))).missing).toBe(0); // the neighbour's link is clean
    });

    it('duplication shows as repeated sequence numbers', async () => {
      sq.drone(2).setLinkFaults({ duplicate: 0.3, direction: 'down' });
      const since = gcs.mark();
      await sleep(600);
      sq.drone(2).setLinkFaults({});
      const s = seqs(from(2, since));
      const repeats = s.filter((q, i) => i > 0 && q === s[i - 1]).length;
      expect(repeats / s.length).toBeGreaterThan(0.15);
      expect(repeats / s.length).toBeLessThan(0.35);
    });

    it('reordering shows as sequence numbers going backwards', async () => {
      sq.drone(3).setLinkFaults({ reorder: 0.2, direction: 'down' });
      const since = gcs.mark();
      await sleep(600);
      sq.drone(3).setLinkFaults({});
      const s = seqs(from(3, since));
      const backwards = s.filter((q, i) => i > 0 && (s[i - 1]! - q + 256) % 256 > 0 && (s[i - 1]! - q + 256) % 256 < 128).length;
      expect(backwards).toBeGreaterThan(5);
      expect(lossOf(s).missing).toBeGreaterThan(0); // a held packet reads as a gap until it arrives
    });

    it('bit corruption shows as CRC errors on the ground, and the bad packets are dropped', async () => {
      const peer = gcs.peerOf(4)!;
      const before = gcs.conn.peerCounters(peer)!.crcErrors;
      sq.drone(4).setLinkFaults({ corrupt: 0.2, direction: 'down' });
      const since = gcs.mark();
      await sleep(600);
      sq.drone(4).setLinkFaults({});
      const errors = gcs.conn.peerCounters(peer)!.crcErrors - before;
      const { missing, arrived } = lossOf(seqs(from(4, since)));
      expect(errors).toBeGreaterThan(10);
      expect(missing).toBeGreaterThan(10);
      expect(errors / (missing + arrived)).toBeLessThan(0.3);
    });

    it("delay holds every packet back both ways (a command's ACK takes at least twice the delay)", async () => {
      const quick = Date.now();
      await gcs.command(5, MavCmd.GET_HOME_POSITION);
      const normal = Date.now() - quick;
      sq.drone(5).setLinkFaults({ delayMs: 300 });
      const start = Date.now();
      const ack = await gcs.command(5, MavCmd.GET_HOME_POSITION);
      const delayed = Date.now() - start;
      sq.drone(5).setLinkFaults({});
      expect(ack.result).toBe(MavResult.ACCEPTED);
      expect(delayed).toBeGreaterThanOrEqual(600);
      expect(normal).toBeLessThan(600);
    });

    it('uplink loss loses commands: no ACK comes back', async () => {
      sq.drone(5).setLinkFaults({ loss: 1, direction: 'up' });
      await expect(gcs.command(5, MavCmd.GET_HOME_POSITION, [], 500)).rejects.toThrow(/timed out/);
      sq.drone(5).setLinkFaults({});
      expect((await gcs.command(5, MavCmd.GET_HOME_POSITION)).result).toBe(MavResult.ACCEPTED);
    });

    it('a dropped link goes silent both ways, then comes back', async () => {
      sq.drone(6).dropLink();
      await sleep(50); // packets already on their way
      const since = gcs.mark();
      await expect(gcs.command(6, MavCmd.GET_HOME_POSITION, [], 500)).rejects.toThrow(/timed out/);
      expect(from(6, since)).toHaveLength(0);
      sq.drone(6).restoreLink();
      await gcs.waitMsg(6, 'HEARTBEAT', () => true, 5_000, gcs.mark());
      expect((await gcs.command(6, MavCmd.GET_HOME_POSITION)).result).toBe(MavResult.ACCEPTED);
    });
  });

  describe('vehicle faults', () => {
    it('GPS loss: no fix, EKF without position, an airborne copter lands (EKF failsafe) and arming is refused', async () => {
      await airborne(1);
      const since = gcs.mark();
      sq.drone(1).loseGps();
      const gps = await gcs.waitMsg<common.GpsRawInt>(1, 'GPS_RAW_INT', (g) => g.fixType === common.GpsFixType.NO_FIX, 5_000, since);
      expect(gps.satellitesVisible).toBe(0);
      await gcs.waitMsg<ardupilotmega.EkfStatusReport>(1, 'EKF_STATUS_REPORT', (e) => (e.flags as number) === 167, 5_000, since);
      await gcs.waitText(1, 'EKF Failsafe', 5_000, since);
      await gcs.waitMsg<minimal.Heartbeat>(1, 'HEARTBEAT', (h) => h.customMode === 9, 5_000, since);
      await gcs.waitText(1, 'Disarming motors', 30_000, since);
      await gcs.command(1, MavCmd.DO_SET_MODE, [1, GUIDED]);
      const refused = gcs.mark();
      expect((await gcs.command(1, MavCmd.COMPONENT_ARM_DISARM, [1])).result).toBe(MavResult.FAILED);
      await gcs.waitText(1, 'Arm: Need Position Estimate', 5_000, refused);
      sq.drone(1).restoreGps();
      await gcs.waitText(1, 'EKF3 IMU0 is using GPS', 5_000, refused);
      await gcs.waitMsg<common.GpsRawInt>(1, 'GPS_RAW_INT', (g) => g.fixType === common.GpsFixType.GPS_FIX_TYPE_3D_FIX, 5_000, refused);
    });

    it('low battery now: after BATT_LOW_TIMER the failsafe warns and returns (RTL), system status CRITICAL', async () => {
      await airborne(2);
      const since = gcs.mark();
      sq.drone(2).lowBatteryNow();
      const low = await gcs.waitText(2, /^Battery 1 is low \d+\.\d\dV used \d+ mAh$/, 10_000, since);
      expect(low.severity).toBe(4);
      expect((await gcs.waitText(2, 'Battery Failsafe', 5_000, since)).severity).toBe(4);
      const hb = await gcs.waitMsg<minimal.Heartbeat>(2, 'HEARTBEAT', (h) => h.customMode === 6, 5_000, since);
      expect(hb.systemStatus).toBe(minimal.MavState.CRITICAL);
      const status = gcs.last<common.SysStatus>(2, 'SYS_STATUS')!;
      expect(status.batteryRemaining).toBeLessThanOrEqual(15);
      expect(status.voltageBattery).toBeLessThan(10_500);
    });

    it('refuse to arm: FAILED with a severity-2 reason until allowed again', async () => {
      sq.drone(3).refuseArm();
      await gcs.command(3, MavCmd.DO_SET_MODE, [1, GUIDED]);
      const since = gcs.mark();
      expect((await gcs.command(3, MavCmd.COMPONENT_ARM_DISARM, [1])).result).toBe(MavResult.FAILED);
      expect((await gcs.waitText(3, 'Arm: Hardware safety switch', 5_000, since)).severity).toBe(2);
      sq.drone(3).allowArm();
      expect((await gcs.command(3, MavCmd.COMPONENT_ARM_DISARM, [1])).result).toBe(MavResult.ACCEPTED);
      expect((await gcs.command(3, MavCmd.COMPONENT_ARM_DISARM, [0])).result).toBe(MavResult.ACCEPTED);
    });
  });

  describe("mission-transfer faults (the cases QGroundControl's MockLink rehearses)", () => {
    const PLAN: PlanItem[] = [
      { command: MavCmd.NAV_WAYPOINT, frame: 0, lat: 28.37, lon: 121.3812 },
      { command: MavCmd.NAV_TAKEOFF, alt: 15 },
      { command: MavCmd.NAV_WAYPOINT, lat: 28.371, lon: 121.3812, alt: 15 },
      { command: MavCmd.NAV_WAYPOINT, lat: 28.371, lon: 121.3822, alt: 15 },
    ];
    const D = 4; // the drone these run against

    it('no answer to MISSION_COUNT: the ground station hears nothing, a retry goes through', async () => {
      sq.drone(D).addMissionFault({ kind: 'upload-no-request' }, { times: 1 });
      expect(await gcs.uploadTrace(D, PLAN, { quietMs: 500 })).toEqual({ requests: [], acks: [] });
      expect(await gcs.uploadTrace(D, PLAN)).toEqual({ requests: [0, 1, 2, 3], acks: [MavMissionResult.ACCEPTED] });
    });

    it('a skipped item request: the answer to it is INVALID_SEQUENCE, the re-request recovers', async () => {
      sq.drone(D).addMissionFault({ kind: 'upload-skip-request', seq: 1 }, { times: 1 });
      expect(await gcs.uploadTrace(D, PLAN)).toEqual({
        requests: [0, 2, 1, 2, 3],
        acks: [MavMissionResult.INVALID_SEQUENCE, MavMissionResult.ACCEPTED],
      });
    });

    it('a repeated item request', async () => {
      sq.drone(D).addMissionFault({ kind: 'upload-repeat-request', seq: 2 }, { times: 1 });
      expect(await gcs.uploadTrace(D, PLAN)).toEqual({ requests: [0, 1, 2, 2, 3], acks: [MavMissionResult.ACCEPTED] });
    });

    it('an out-of-range sequence number in a request', async () => {
      sq.drone(D).addMissionFault({ kind: 'upload-out-of-range-request', seq: 1 }, { times: 1 });
      expect(await gcs.uploadTrace(D, PLAN)).toEqual({ requests: [0, PLAN.length, 1, 2, 3], acks: [MavMissionResult.ACCEPTED] });
    });

    it('an error ACK at the first item and in the middle', async () => {
      sq.drone(D).addMissionFault({ kind: 'upload-error-ack', seq: 0 }, { times: 1 });
      expect(await gcs.uploadTrace(D, PLAN)).toEqual({ requests: [], acks: [MavMissionResult.ERROR] });
      sq.drone(D).addMissionFault({ kind: 'upload-error-ack', seq: 2, result: MavMissionResult.NO_SPACE }, { times: 1 });
      expect(await gcs.uploadTrace(D, PLAN)).toEqual({ requests: [0, 1], acks: [MavMissionResult.NO_SPACE] });
    });

    it('no final ACK, though every item was stored', async () => {
      sq.drone(D).addMissionFault({ kind: 'upload-no-final-ack' }, { times: 1 });
      expect(await gcs.uploadTrace(D, PLAN, { quietMs: 500 })).toEqual({ requests: [0, 1, 2, 3], acks: [] });
      expect((await gcs.download(D)).map((i) => i.x)).toEqual([283700000, 0, 283710000, 283710000]);
    });

    it('an ACK before all items were requested leaves a shorter mission', async () => {
      sq.drone(D).addMissionFault({ kind: 'upload-early-ack', seq: 1 }, { times: 1 });
      expect(await gcs.uploadTrace(D, PLAN)).toEqual({ requests: [0, 1], acks: [MavMissionResult.ACCEPTED] });
      expect(await gcs.download(D)).toHaveLength(2);
    });

    it('no answer to MISSION_REQUEST_LIST, then a normal download', async () => {
      sq.drone(D).addMissionFault({ kind: 'download-no-count' }, { times: 1 });
      const since = gcs.mark();
      const list = new common.MissionRequestList();
      gcs.send(D, list);
      await sleep(300);
      expect(gcs.of(D, 'MISSION_COUNT', since)).toHaveLength(0);
      expect(await gcs.download(D)).toHaveLength(2);
    });

    it('download: a request left unanswered, an item with the wrong sequence number, an error ACK', async () => {
      const ask = async (seq: number) => {
        const since = gcs.mark();
        const req = new common.MissionRequestInt();
        req.seq = seq;
        gcs.send(D, req);
        await sleep(150);
        return gcs.received.slice(since).filter((r) => r.sysid === D && (r.name === 'MISSION_ITEM_INT' || r.name === 'MISSION_ACK'))
          .map((r) => (r.name === 'MISSION_ACK' ? `ack ${(r.msg as common.MissionAck).type}` : `item ${(r.msg as common.MissionItemInt).seq}`));
      };
      sq.drone(D).addMissionFault({ kind: 'download-no-item', seq: 1 }, { times: 1 });
      expect(await ask(1)).toEqual([]);
      expect(await ask(1)).toEqual(['item 1']);
      sq.drone(D).addMissionFault({ kind: 'download-wrong-seq', seq: 1 }, { times: 1 });
      expect(await ask(1)).toEqual(['item 2']);
      sq.drone(D).addMissionFault({ kind: 'download-error-ack', seq: 0 }, { times: 1 });
      expect(await ask(0)).toEqual([`ack ${MavMissionResult.ERROR}`]);
    });
  });
});
