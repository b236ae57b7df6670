import { common, minimal } from 'node-mavlink';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Squadron } from '../../server/sim/squadron.ts';
import { waitFor } from '../helpers/wait.ts';
import { GroundStation, readySquadron } from './gcs.ts';

const { MavCmd, MavResult } = common;
const GUIDED = 4, AUTO = 3, RTL = 6, LAND = 9, STABILIZE = 0;

const hb = (gcs: GroundStation, sysid: number) => gcs.last<minimal.Heartbeat>(sysid, 'HEARTBEAT')!;
const armed = (h: minimal.Heartbeat) => (h.baseMode & 128) !== 0;

describe('simulated ArduCopter: commands before the EKF has a position', () => {
  let gcs: GroundStation;
  let sq: Squadron;

  beforeAll(async () => {
    gcs = await GroundStation.open();
    // 40 s to a position estimate, as the real one; pre-arm checks for STABILIZE pass at 22 s
    sq = await gcs.squadron({ count: 1, speedup: 10, bootDelayS: 40, gpsFixDelayS: 9 });
    await gcs.heard(1);
    gcs.requestStreams(1);
  });

  afterAll(async () => {
    await sq?.close();
    await gcs?.close();
  });

  it('refuses GUIDED arming with FAILED and a severity-2 "Arm: Need Position Estimate"', async () => {
    await gcs.waitText(1, 'EKF3 IMU0 origin set'); // home known, still no position estimate
    expect((await gcs.command(1, MavCmd.DO_SET_MODE, [1, GUIDED])).result).toBe(MavResult.ACCEPTED);
    const since = gcs.mark();
    expect((await gcs.command(1, MavCmd.COMPONENT_ARM_DISARM, [1])).result).toBe(MavResult.FAILED);
    const text = await gcs.waitText(1, 'Arm: Need Position Estimate', 5_000, since);
    expect(text.severity).toBe(2);
  });

  it('arms in STABILIZE, but MISSION_START then fails: "Mode change to AUTO failed: requires position"', async () => {
    await gcs.upload(1, [
      { command: MavCmd.NAV_WAYPOINT, frame: 0, lat: 28.37, lon: 121.38 },
      { command: MavCmd.NAV_TAKEOFF, alt: 10 },
      { command: MavCmd.NAV_WAYPOINT, lat: 28.371, lon: 121.38, alt: 10 },
    ]);
    expect((await gcs.command(1, MavCmd.DO_SET_MODE, [1, STABILIZE])).result).toBe(MavResult.ACCEPTED);
    await gcs.armWhenReady(1);
    const since = gcs.mark();
    expect((await gcs.command(1, MavCmd.MISSION_START, [0, 0])).result).toBe(MavResult.FAILED);
    await gcs.waitText(1, 'Mode change to AUTO failed: requires position', 5_000, since);
    expect(sq.drone(1).vehicle.sensors.positionOk).toBe(false);
    expect((await gcs.command(1, MavCmd.COMPONENT_ARM_DISARM, [0])).result).toBe(MavResult.ACCEPTED);
  });

  it('arms in GUIDED once the EKF uses GPS', async () => {
    await gcs.waitText(1, 'EKF3 IMU0 is using GPS', 30_000);
    expect((await gcs.command(1, MavCmd.DO_SET_MODE, [1, GUIDED])).result).toBe(MavResult.ACCEPTED);
    expect((await gcs.command(1, MavCmd.COMPONENT_ARM_DISARM, [1])).result).toBe(MavResult.ACCEPTED);
  });
});

describe('simulated ArduCopter: commands and flight', () => {
  let gcs: GroundStation;
  let sq: Squadron;

  readySquadron((g, s) => {
    gcs = g;
    sq = s;
  });

  const waitMode = (mode: number, since = gcs.mark()) => gcs.waitMsg<minimal.Heartbeat>(1, 'HEARTBEAT', (h) => h.customMode === mode, 10_000, since);
  const waitDisarmed = (since: number, timeoutMs = 60_000) => gcs.waitMsg<minimal.Heartbeat>(1, 'HEARTBEAT', (h) => !armed(h), timeoutMs, since);

  it('answers SET_MODE with a COMMAND_ACK for command 11 and changes custom_mode', async () => {
    const since = gcs.mark();
    const m = new common.SetMode();
    m.baseMode = 1 as common.MavMode;
    m.customMode = GUIDED;
    gcs.send(1, m);
    const ack = await gcs.waitMsg<common.CommandAck>(1, 'COMMAND_ACK', (a) => (a.command as number) === 11, 5_000, since);
    expect(ack.result).toBe(MavResult.ACCEPTED);
    expect((await waitMode(GUIDED, since)).customMode).toBe(GUIDED);
  });

  it('refuses an unknown mode and ignores commands for another system', async () => {
    const since = gcs.mark();
    expect((await gcs.command(1, MavCmd.DO_SET_MODE, [1, 99])).result).toBe(MavResult.FAILED);
    await gcs.waitText(1, 'No such mode 99', 5_000, since);
    const other = new common.CommandLong();
    other.command = MavCmd.COMPONENT_ARM_DISARM;
    other._param1 = 1;
    other.targetSystem = 7;
    other.targetComponent = 1;
    const before = gcs.mark();
    gcs.conn.send(other, gcs.peerOf(1));
    expect((await gcs.command(1, MavCmd.GET_HOME_POSITION)).result).toBe(MavResult.ACCEPTED); // a later command is answered…
    expect(gcs.of(1, 'COMMAND_ACK', before).map((r) => (r.msg as common.CommandAck).command)).toEqual([MavCmd.GET_HOME_POSITION]); // …the other one never
  });

  it('answers unsupported commands with UNSUPPORTED and MISSION_START with first/last items with DENIED', async () => {
    expect((await gcs.command(1, MavCmd.DO_SET_SERVO, [5, 1500])).result).toBe(MavResult.UNSUPPORTED);
    expect((await gcs.command(1, MavCmd.MISSION_START, [1, 3])).result).toBe(MavResult.DENIED);
  });

  it('sends a requested message after the ACK, and streams by SET_MESSAGE_INTERVAL', async () => {
    let since = gcs.mark();
    expect((await gcs.command(1, MavCmd.REQUEST_MESSAGE, [242])).result).toBe(MavResult.ACCEPTED);
    const home = await gcs.waitMsg<common.HomePosition>(1, 'HOME_POSITION', () => true, 5_000, since);
    expect([home.latitude, home.longitude]).toEqual([283700000, 1213800000]);
    expect((await gcs.command(1, MavCmd.SET_MESSAGE_INTERVAL, [33, 100_000])).result).toBe(MavResult.ACCEPTED);
    since = gcs.mark();
    await waitFor('ten positions', () => gcs.of(1, 'GLOBAL_POSITION_INT', since).length >= 10, 10_000, 20);
    const times = gcs.of(1, 'GLOBAL_POSITION_INT', since).map((r) => (r.msg as common.GlobalPositionInt).timeBootMs);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(150); // 10 Hz of simulated time
    expect((await gcs.command(1, MavCmd.SET_MESSAGE_INTERVAL, [33, 0])).result).toBe(MavResult.ACCEPTED);
    expect((await gcs.command(1, MavCmd.SET_MESSAGE_INTERVAL, [12345, 100_000])).result).toBe(MavResult.DENIED);
  });

  it('disarms an armed copter left idle on the ground after DISARM_DELAY (10 s)', async () => {
    await gcs.command(1, MavCmd.DO_SET_MODE, [1, GUIDED]);
    const v = sq.drone(1).vehicle;
    let armedAt = 0;
    let disarmedAt = 0;
    const clock = ({ msg }: { msg: unknown }) => { // simulated time when each arrives
      if (msg instanceof common.CommandAck && msg.command === MavCmd.COMPONENT_ARM_DISARM) armedAt = v.timeMs;
      if (msg instanceof common.StatusText && msg.text === 'Disarming motors') disarmedAt = v.timeMs;
    };
    gcs.conn.on('message', clock);
    const since = gcs.mark();
    expect((await gcs.command(1, MavCmd.COMPONENT_ARM_DISARM, [1])).result).toBe(MavResult.ACCEPTED);
    await gcs.waitText(1, 'Disarming motors', 10_000, since);
    gcs.conn.off('message', clock);
    // each side is read when its packet arrives, which may be one 0.5 s simulated tick late
    expect(disarmedAt - armedAt).toBeGreaterThanOrEqual(10_000 - 500);
    expect(disarmedAt - armedAt).toBeLessThanOrEqual(10_000 + 500);
  });

  it('takes off in GUIDED to param7 at no more than 2.5 m/s, and refuses a second takeoff in the air', async () => {
    await gcs.command(1, MavCmd.DO_SET_MODE, [1, GUIDED]);
    await gcs.armWhenReady(1);
    const since = gcs.mark();
    expect((await gcs.command(1, MavCmd.NAV_TAKEOFF, [0, 0, 0, 0, 0, 0, 12])).result).toBe(MavResult.ACCEPTED);
    await gcs.waitMsg<common.GlobalPositionInt>(1, 'GLOBAL_POSITION_INT', (p) => p.relativeAlt > 11_800, 20_000, since);
    const climbs = gcs.of(1, 'VFR_HUD', since).map((r) => (r.msg as common.VfrHud).climb);
    expect(Math.max(...climbs)).toBeGreaterThan(2);
    expect(Math.max(...climbs)).toBeLessThanOrEqual(2.5);
    expect(hb(gcs, 1).systemStatus).toBe(minimal.MavState.ACTIVE);
    expect((await gcs.command(1, MavCmd.NAV_TAKEOFF, [0, 0, 0, 0, 0, 0, 20])).result).toBe(MavResult.FAILED);
  });

  it('flies to a DO_REPOSITION target (COMMAND_INT) at copter speeds', async () => {
    const since = gcs.mark();
    const m = new common.CommandInt();
    m.command = MavCmd.DO_REPOSITION;
    m.frame = common.MavFrame.GLOBAL_RELATIVE_ALT_INT;
    m._param1 = -1;
    m._param5 = 283718000; // 200 m north
    m._param6 = 1213800000;
    m._param7 = 12;
    gcs.send(1, m);
    const ack = await gcs.waitMsg<common.CommandAck>(1, 'COMMAND_ACK', (a) => a.command === MavCmd.DO_REPOSITION, 5_000, since);
    expect(ack.result).toBe(MavResult.ACCEPTED);
    const there = await gcs.waitMsg<common.GlobalPositionInt>(1, 'GLOBAL_POSITION_INT', (p) => Math.abs(p.lat - 283718000) < 30, 30_000, since);
    expect(Math.abs(there.lon - 1213800000)).toBeLessThan(30);
    const speeds = gcs.of(1, 'VFR_HUD', since).map((r) => (r.msg as common.VfrHud).groundspeed);
    expect(Math.max(...speeds)).toBeGreaterThan(8); // WPNAV_SPEED 10 m/s
    expect(Math.max(...speeds)).toBeLessThanOrEqual(10.01);
  });

  it('flies to a SET_POSITION_TARGET_GLOBAL_INT position in GUIDED', async () => {
    const since = gcs.mark();
    const m = new common.SetPositionTargetGlobalInt();
    m.coordinateFrame = common.MavFrame.GLOBAL_RELATIVE_ALT_INT;
    m.typeMask = 0b0000_1111_1111_1000 as common.PositionTargetTypemask; // position only
    m.latInt = 283718000;
    m.lonInt = 1213810000; // ~98 m east
    m.alt = 18;
    gcs.send(1, m);
    const p = await gcs.waitMsg<common.GlobalPositionInt>(
      1,
      'GLOBAL_POSITION_INT',
      (q) => Math.abs(q.lon - 1213810000) < 30 && Math.abs(q.relativeAlt - 18_000) < 300,
      30_000,
      since,
    );
    expect(Math.abs(p.lat - 283718000)).toBeLessThan(30);
  });

  it('returns on NAV_RETURN_TO_LAUNCH: RTL (6), home, lands and disarms', async () => {
    const since = gcs.mark();
    expect((await gcs.command(1, MavCmd.NAV_RETURN_TO_LAUNCH)).result).toBe(MavResult.ACCEPTED);
    await waitMode(RTL, since);
    await waitDisarmed(since);
    const p = gcs.last<common.GlobalPositionInt>(1, 'GLOBAL_POSITION_INT')!;
    expect(Math.abs(p.lat - 283700000)).toBeLessThan(20);
    expect(Math.abs(p.lon - 1213800000)).toBeLessThan(25);
    expect(gcs.texts(1, since)).toContain('Disarming motors');
    const descents = gcs.of(1, 'VFR_HUD', since).map((r) => (r.msg as common.VfrHud).climb);
    expect(Math.min(...descents)).toBeGreaterThanOrEqual(-1.5 - 1e-6); // WPNAV_SPEED_DN
  });

  it('climbs to RTL_ALT (15 m) before returning when lower', async () => {
    await gcs.command(1, MavCmd.DO_SET_MODE, [1, GUIDED]);
    await gcs.armWhenReady(1);
    await gcs.command(1, MavCmd.NAV_TAKEOFF, [0, 0, 0, 0, 0, 0, 6]);
    await gcs.waitMsg<common.GlobalPositionInt>(1, 'GLOBAL_POSITION_INT', (p) => p.relativeAlt > 5_800, 20_000, gcs.mark());
    const since = gcs.mark();
    await gcs.command(1, MavCmd.NAV_RETURN_TO_LAUNCH);
    await waitDisarmed(since);
    const maxAlt = Math.max(...gcs.of(1, 'GLOBAL_POSITION_INT', since).map((r) => (r.msg as common.GlobalPositionInt).relativeAlt));
    expect(Math.abs(maxAlt - 15_000)).toBeLessThan(600);
  });

  it('lands where it is on NAV_LAND (9), then disarms', async () => {
    await gcs.command(1, MavCmd.DO_SET_MODE, [1, GUIDED]);
    await gcs.armWhenReady(1);
    await gcs.command(1, MavCmd.NAV_TAKEOFF, [0, 0, 0, 0, 0, 0, 8]);
    await gcs.waitMsg<common.GlobalPositionInt>(1, 'GLOBAL_POSITION_INT', (p) => p.relativeAlt > 7_800, 20_000, gcs.mark());
    const since = gcs.mark();
    expect((await gcs.command(1, MavCmd.NAV_LAND)).result).toBe(MavResult.ACCEPTED);
    await waitMode(LAND, since);
    await waitDisarmed(since);
    const hit = gcs.texts(1, since).find((t) => t.startsWith('SIM Hit ground at'));
    expect(hit).toMatch(/^SIM Hit ground at 0\.5\d* m\/s$/); // LAND_SPEED 50 cm/s at touchdown
  });

  it('refuses AUTO on the ground without a takeoff first: "Auto: Missing Takeoff Cmd"', async () => {
    await gcs.upload(1, [
      { command: MavCmd.NAV_WAYPOINT, frame: 0, lat: 28.37, lon: 121.38 },
      { command: MavCmd.NAV_WAYPOINT, lat: 28.371, lon: 121.38, alt: 10 },
    ]);
    await gcs.command(1, MavCmd.DO_SET_MODE, [1, GUIDED]);
    await gcs.armWhenReady(1);
    const since = gcs.mark();
    expect((await gcs.command(1, MavCmd.MISSION_START, [0, 0])).result).toBe(MavResult.FAILED);
    const text = await gcs.waitText(1, 'Auto: Missing Takeoff Cmd', 5_000, since);
    expect(text.severity).toBe(2);
    expect(hb(gcs, 1).customMode).not.toBe(AUTO);
    await gcs.command(1, MavCmd.COMPONENT_ARM_DISARM, [0]);
  });
});
