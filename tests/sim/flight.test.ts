import { common, minimal } from 'node-mavlink';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { GroundStation, readySquadron, type PlanItem } from './gcs.ts';

const { MavCmd, MavResult } = common;
const GUIDED = 4, AUTO = 3, RTL = 6;

const home: PlanItem = { command: MavCmd.NAV_WAYPOINT, frame: 0, lat: 28.37, lon: 121.38 };
const takeoff = (alt: number): PlanItem => ({ command: MavCmd.NAV_TAKEOFF, alt });
const wp = (lat: number, lon: number, alt = 15, hold = 0): PlanItem => ({ command: MavCmd.NAV_WAYPOINT, lat, lon, alt, params: [hold, 0, 0, 0] });

describe('simulated ArduCopter: missions in AUTO', () => {
  let gcs: GroundStation;
  readySquadron((g) => {
    gcs = g;
  });

  /** Upload, GUIDED, arm, MISSION_START; resolves once the copter has disarmed again. */
  async function fly(items: PlanItem[]): Promise<number> {
    expect((await gcs.upload(1, items)).type).toBe(common.MavMissionResult.ACCEPTED);
    await gcs.command(1, MavCmd.DO_SET_MODE, [1, GUIDED]);
    await gcs.armWhenReady(1);
    const since = gcs.mark();
    expect((await gcs.command(1, MavCmd.MISSION_START, [0, 0])).result).toBe(MavResult.ACCEPTED);
    await gcs.waitText(1, 'Disarming motors', 60_000, since);
    return since;
  }

  const reached = (since: number) => gcs.of(1, 'MISSION_ITEM_REACHED', since).map((r) => (r.msg as common.MissionItemReached).seq);

  it('follows DO_JUMP (repeat count), DO_CHANGE_SPEED and waypoint hold times, and lands on NAV_LAND', async () => {
    const since = await fly([
      home,
      takeoff(15),
      { command: MavCmd.DO_CHANGE_SPEED, params: [1, 4, -1, 0] }, // 4 m/s ground speed
      wp(28.3705, 121.38), // 2
      wp(28.3705, 121.3806, 15, 5), // 3: hold 5 s
      { command: MavCmd.DO_JUMP, params: [3, 1, 0, 0] }, // 5: back to 3, once
      { command: MavCmd.NAV_LAND, lat: 28.3705, lon: 121.3806 }, // 6
    ]);
    expect(reached(since)).toEqual([1, 3, 4, 3, 4, 6]);
    const texts = gcs.texts(1, since);
    expect(texts).toContain('Mission: 2 ChangeSpeed');
    expect(texts.filter((t) => t === 'Reached command #4')).toHaveLength(2);
    expect(texts.filter((t) => t === 'Mission: 5 Jump')).toHaveLength(0); // jumps are not announced
    expect(texts).toContain('Mission: 6 Land');
    const speeds = gcs.of(1, 'VFR_HUD', since).map((r) => (r.msg as common.VfrHud).groundspeed);
    expect(Math.max(...speeds)).toBeGreaterThan(3.5);
    expect(Math.max(...speeds)).toBeLessThanOrEqual(4.01);
    const last = gcs.last<common.GlobalPositionInt>(1, 'GLOBAL_POSITION_INT')!;
    expect(Math.abs(last.lat - 283705000)).toBeLessThan(20);
    expect(Math.abs(last.lon - 1213806000)).toBeLessThan(25);
  });

  it('hovers at a NAV_LOITER_TIME point for param1 seconds', async () => {
    const since = await fly([home, takeoff(10), { command: MavCmd.NAV_LOITER_TIME, lat: 28.3702, lon: 121.38, alt: 10, params: [8, 0, 0, 0] }, {
      command: MavCmd.NAV_RETURN_TO_LAUNCH,
    }]);
    const near = gcs.of(1, 'GLOBAL_POSITION_INT', since).map((r) => r.msg as common.GlobalPositionInt)
      .filter((p) => Math.abs(p.lat - 283702000) < 25 && Math.abs(p.lon - 1213800000) < 25 && Math.abs(p.relativeAlt - 10_000) < 1000); // within WPNAV_RADIUS
    const stayed = near.at(-1)!.timeBootMs - near[0]!.timeBootMs;
    expect(stayed).toBeGreaterThanOrEqual(8_000);
    expect(stayed).toBeLessThan(11_000);
    expect(gcs.texts(1, since)).toContain('Reached command #2');
  });

  it('keeps AUTO (3) through an RTL mission item until landed, never switching to RTL (6)', async () => {
    const since = await fly([home, takeoff(10), wp(28.3703, 121.38, 10), { command: MavCmd.NAV_RETURN_TO_LAUNCH, frame: 2 }]);
    const modes = new Set(gcs.of(1, 'HEARTBEAT', since).map((r) => (r.msg as minimal.Heartbeat).customMode));
    expect(modes.has(AUTO)).toBe(true);
    expect(modes.has(RTL)).toBe(false);
    expect(reached(since)).toEqual([1, 2, 3]);
  });

  it('reports MISSION_CURRENT with the total (items without home), state and mission mode', async () => {
    const m = await gcs.waitMsg<common.MissionCurrent>(1, 'MISSION_CURRENT', () => true, 5_000, gcs.mark());
    expect([m.seq, m.total, m.missionState, m.missionMode]).toEqual([0, 3, common.MissionState.COMPLETE, 1]);
  });
});

describe('simulated ArduCopter: ground-station heartbeat failsafe (FS_GCS_ENABLE)', () => {
  it('is off by default: a silent ground station changes nothing', async () => {
    const gcs = await GroundStation.open();
    const sq = await gcs.squadron({ count: 1, speedup: 10, bootDelayS: 2 });
    try {
      await gcs.heard(1);
      gcs.startHeartbeat(100); // 1 s simulated
      await gcs.waitText(1, 'EKF3 IMU0 is using GPS');
      await gcs.command(1, MavCmd.DO_SET_MODE, [1, GUIDED]);
      gcs.stopHeartbeat();
      const since = gcs.mark();
      const v = sq.drone(1).vehicle;
      const t0 = v.timeMs;
      await waitFor('10 s simulated', () => v.timeMs - t0 >= 10_000, 20_000, 20);
      expect(gcs.texts(1, since)).not.toContain('GCS Failsafe');
      expect(gcs.last<minimal.Heartbeat>(1, 'HEARTBEAT')!.customMode).toBe(GUIDED);
    } finally {
      await sq.close();
      await gcs.close();
    }
  });

  it('when enabled, returns home (RTL) 5 s after the last ground-station heartbeat, and says when it is back', async () => {
    const gcs = await GroundStation.open();
    const sq = await gcs.squadron({ count: 1, speedup: 10, bootDelayS: 2, params: { FS_GCS_ENABLE: 1 } });
    try {
      await gcs.heard(1);
      gcs.requestStreams(1);
      gcs.startHeartbeat(100); // 1 s simulated
      await gcs.waitText(1, 'EKF3 IMU0 is using GPS');
      await gcs.command(1, MavCmd.DO_SET_MODE, [1, GUIDED]);
      await gcs.armWhenReady(1);
      await gcs.command(1, MavCmd.NAV_TAKEOFF, [0, 0, 0, 0, 0, 0, 10]);
      await gcs.waitMsg<common.GlobalPositionInt>(1, 'GLOBAL_POSITION_INT', (p) => p.relativeAlt > 9_500, 20_000, gcs.mark());
      const v = sq.drone(1).vehicle;
      gcs.stopHeartbeat();
      const since = gcs.mark();
      // Sampled every 10 ms real (100 ms simulated): the silence when the failsafe flag went up.
      await waitFor('the GCS failsafe', () => v.gcsFailsafe, 10_000, 10);
      const silenceMs = v.timeMs - v.lastGcsHeartbeatMs!;
      expect(silenceMs).toBeGreaterThan(5_000);
      expect(silenceMs).toBeLessThan(5_600);
      const text = await gcs.waitText(1, 'GCS Failsafe', 5_000, since);
      expect(text.severity).toBe(4);
      await gcs.waitMsg<minimal.Heartbeat>(1, 'HEARTBEAT', (h) => h.customMode === RTL, 5_000, since);
      gcs.startHeartbeat(100);
      await gcs.waitText(1, 'GCS Failsafe Cleared', 5_000, since);
    } finally {
      await sq.close();
      await gcs.close();
    }
  });
});

describe('simulated squadron: demo pilot (training convenience)', () => {
  it('arms, takes off and loops over home by itself, and stops for good at the first ground-station command', async () => {
    const gcs = await GroundStation.open();
    const sq = await gcs.squadron({ count: 2, speedup: 10, bootDelayS: 2, demo: true });
    try {
      await gcs.heard(1);
      gcs.requestStreams(1);
      gcs.requestStreams(2); // asking for telemetry is not a command: the demo goes on
      await gcs.waitText(1, 'Arming motors', 10_000);
      const moving = await gcs.waitMsg<common.VfrHud>(1, 'VFR_HUD', (h) => h.groundspeed > 3, 20_000);
      expect(moving.alt).toBeGreaterThan(25); // 20 m over a 10 m AMSL home
      expect(sq.drone(1).status().demoFlying).toBe(true);
      expect((await gcs.command(1, MavCmd.GET_HOME_POSITION)).result).toBe(MavResult.ACCEPTED);
      expect(sq.drone(1).status().demoFlying).toBe(true);
      expect((await gcs.command(1, MavCmd.DO_SET_MODE, [1, GUIDED])).result).toBe(MavResult.ACCEPTED);
      expect(sq.drone(1).status().demoFlying).toBe(false);
      expect(sq.drone(2).status().demoFlying).toBe(true); // each drone on its own
      const since = gcs.mark();
      // 6 s of simulated time to brake (counted by the drone: a busy machine ticks it less often).
      const v = sq.drone(1).vehicle;
      const t0 = v.timeMs;
      await waitFor('6 s simulated', () => v.timeMs - t0 >= 6000, 20_000, 20);
      const settled = gcs.of(1, 'VFR_HUD', since).slice(-3).map((r) => (r.msg as common.VfrHud).groundspeed);
      expect(Math.max(...settled)).toBeLessThan(0.5); // holding where it was told to take over
      expect(gcs.last<minimal.Heartbeat>(1, 'HEARTBEAT')!.customMode).toBe(GUIDED);
    } finally {
      await sq.close();
      await gcs.close();
    }
  });
});
