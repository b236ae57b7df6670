import { common, minimal, standard } from 'node-mavlink';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Frame } from '../../server/mavlink/framer.ts';
import type { Squadron } from '../../server/sim/squadron.ts';
import { describeWithFixtures } from '../helpers/shared.ts';
import { path, readCapture, type CaptureRec } from './capture.ts';
import { GroundStation, type PlanItem } from './gcs.ts';

const { MavCmd, MavFrame, MavResult } = common;

/** The mission the capture's ground station uploaded (../shared/fixtures/px4/README.md, "Mission protocol"). */
const CAPTURE_MISSION: PlanItem[] = [
  { command: MavCmd.NAV_TAKEOFF, lat: 28.37, lon: 121.3815, alt: 20 },
  { command: MavCmd.NAV_WAYPOINT, lat: 28.3709, lon: 121.3815, alt: 20 },
  { command: MavCmd.NAV_WAYPOINT, lat: 28.3709, lon: 121.38252, alt: 20 },
  { command: MavCmd.NAV_WAYPOINT, lat: 28.37, lon: 121.38252, alt: 20 },
  { command: MavCmd.NAV_RETURN_TO_LAUNCH, frame: MavFrame.MISSION },
];
/** Its SET_MESSAGE_INTERVAL commands: [message id, µs]. */
const CAPTURE_INTERVALS = [[33, 250_000], [30, 250_000], [32, 250_000], [31, 1e6], [83, 1e6], [85, 1e6], [36, 1e6], [65, 1e6]] as const;
const HOLD = 0x03040000;
const MISSION = 0x04040000;
const RETURN = 0x05040000;

const MISSION_PROTOCOL = new Set([
  'MISSION_COUNT',
  'MISSION_REQUEST',
  'MISSION_REQUEST_INT',
  'MISSION_ITEM',
  'MISSION_ITEM_INT',
  'MISSION_ACK',
  'MISSION_REQUEST_LIST',
]);

/** One mission-protocol message as "direction NAME field=value…", with whether it carries an opaque_id. */
function shape(dir: 'up' | 'down', name: string, m: Record<string, unknown>): string {
  const f = (k: string) => (m[k] === undefined ? '' : ` ${k}=${m[k]}`);
  return `${dir} ${name}${f('count')}${f('seq')}${name === 'MISSION_ACK' ? f('type') : ''}${f('missionType')}${m.opaqueId ? ' opaque' : ''}`;
}

const capOf = <T>(cap: CaptureRec[], name: string, sysid = 1) => cap.filter((r) => r.name === name && r.sysid === sysid).map((r) => r.msg as T);
/** PX4 names its onboard log after the date: compare the texts without the file name. */
const text = (t: common.StatusText) => `${t.id}/${t.chunkSeq}/${t.severity} ${t.text.replace(/^\[logger\] .*\t$/, '[logger] …\t')}`;

/**
 * Messages a second of each type, counted between two HEARTBEATs `seconds` apart from the
 * `from`-th (PX4 sends HEARTBEAT at 1 Hz of its own clock): rates in simulated time.
 */
function rates(recs: { name: string }[], from: number, seconds: number): Record<string, number> {
  const beats = recs.flatMap((r, i) => (r.name === 'HEARTBEAT' ? [i] : []));
  const window = recs.slice(beats[from]!, beats[from + seconds]!);
  const out: Record<string, number> = {};
  for (const r of window) out[r.name] = (out[r.name] ?? 0) + 1 / seconds;
  return out;
}

describeWithFixtures('the simulator as PX4 against the real PX4 capture (../shared/fixtures/px4)', () => {
  let gcs: GroundStation;
  let sq: Squadron;
  let cap: CaptureRec[];
  let defaultRates: Record<string, number>;
  let intervalAcks: common.CommandAck[];
  let uploadAck: common.MissionAck;
  let downloaded: common.MissionItemInt[];
  let missionCount: common.MissionCount;
  let modeAcks: number[][];
  const unknownIds = new Map<number, number>();

  beforeAll(async () => {
    cap = readCapture('mission-flight.tlog', 'px4'); // not in the describe body, which runs even when the tests are skipped
    gcs = await GroundStation.open();
    gcs.conn.on('message', ({ frame, msg }: { frame: Frame; msg: unknown }) => {
      if (msg === undefined) unknownIds.set(frame.msgid, (unknownIds.get(frame.msgid) ?? 0) + 1);
    });
    // The capture's home (28.37, 121.3815, ground 10.23 m AMSL), at 10× time. 50 ticks a second
    // keep each tick's burst of ~50 Hz streams small enough for a loopback socket's buffer.
    sq = await gcs.squadron({ count: 1, autopilot: 'px4', speedup: 10, tickHz: 50, bootDelayS: 5, home: { lat: 28.37, lon: 121.3815, altMsl: 10.23 } });
    await gcs.heard(1);
    gcs.startHeartbeat();
    // The capture's ground station waited 20 s with the default rates, then asked for the version and set rates.
    await gcs.waitMsg<minimal.Heartbeat>(1, 'HEARTBEAT', () => gcs.of(1, 'HEARTBEAT').length >= 20, 30_000);
    defaultRates = rates(gcs.received.filter((r) => r.sysid === 1), 5, 12);
    expect((await gcs.command(1, MavCmd.REQUEST_MESSAGE, [standard.AutopilotVersion.MSG_ID])).result).toBe(MavResult.ACCEPTED);
    intervalAcks = [];
    for (const [id, us] of CAPTURE_INTERVALS) intervalAcks.push(await gcs.command(1, MavCmd.SET_MESSAGE_INTERVAL, [id, us]));
    uploadAck = await gcs.upload(1, CAPTURE_MISSION);
    // As the capture: the next MISSION_CURRENT tells the new mission, then the read-back, Mission mode, arming.
    await gcs.waitMsg<common.MissionCurrent>(1, 'MISSION_CURRENT', (m) => m.total === 5, 5_000, gcs.mark());
    let since = gcs.mark();
    downloaded = await gcs.download(1);
    missionCount = gcs.of(1, 'MISSION_COUNT', since)[0]!.msg as common.MissionCount;
    modeAcks = [];
    since = gcs.mark();
    await gcs.command(1, MavCmd.DO_SET_MODE, [1, 4, 4]);
    await gcs.waitMsg<minimal.Heartbeat>(1, 'HEARTBEAT', (h) => h.customMode === MISSION, 5_000, since);
    modeAcks.push(
      gcs.of(1, 'COMMAND_ACK', since).filter((r) => (r.msg as common.CommandAck).command === MavCmd.DO_SET_MODE).map((r) =>
        (r.msg as common.CommandAck).result
      ),
    );
    expect((await gcs.command(1, MavCmd.COMPONENT_ARM_DISARM, [1])).result).toBe(MavResult.ACCEPTED);
    await gcs.waitText(1, 'Disarmed by landing\t', 60_000);
    await gcs.waitMsg<minimal.Heartbeat>(1, 'HEARTBEAT', (h) => (h.baseMode & 128) === 0, 5_000, gcs.mark());
    // Then HOLD on the ground, as the capture's ground station asked at the end.
    since = gcs.mark();
    await gcs.command(1, MavCmd.DO_SET_MODE, [1, 4, 3]);
    await gcs.waitMsg<minimal.Heartbeat>(1, 'HEARTBEAT', () => true, 5_000, gcs.mark());
    modeAcks.push(
      gcs.of(1, 'COMMAND_ACK', since).filter((r) => (r.msg as common.CommandAck).command === MavCmd.DO_SET_MODE).map((r) =>
        (r.msg as common.CommandAck).result
      ),
    );
    // The last MISSION_ITEM_REACHED repeats go out 10 s after the RTL item: all sent by now (landing takes longer).
  }, 150_000);

  afterAll(async () => {
    await sq?.close();
    await gcs?.close();
  });

  it('exchanges the same mission-protocol messages as the real upload and read-back: MISSION_REQUEST_INT only, opaque ids', () => {
    const real = cap.filter((r) => r.t < 30 && MISSION_PROTOCOL.has(r.name))
      .map((r) => shape(r.sysid === 255 ? 'up' : 'down', r.name, r.msg as unknown as Record<string, unknown>));
    const sim = gcs.log.filter((r) => MISSION_PROTOCOL.has(r.name) && r.sysid === 1)
      .map((r) => shape(r.dir, r.name, r.msg as unknown as Record<string, unknown>));
    expect(real).toHaveLength(25); // COUNT, 5 × (REQUEST_INT, ITEM_INT), ACK; LIST, COUNT, 5 × (REQUEST_INT, ITEM_INT), ACK
    expect(sim).toEqual(real);
    expect(real.filter((s) => s.startsWith('down MISSION_REQUEST '))).toEqual([]); // never MISSION_REQUEST (40)
  });

  it('tells the mission by one opaque id in MISSION_ACK, MISSION_COUNT and MISSION_CURRENT.mission_id, as PX4 does', () => {
    const realAck = capOf<common.MissionAck>(cap, 'MISSION_ACK')[0]!;
    const realCount = capOf<common.MissionCount>(cap, 'MISSION_COUNT')[0]!;
    expect(realCount.opaqueId).toBe(realAck.opaqueId);
    expect(capOf<common.MissionCurrent>(cap, 'MISSION_CURRENT').at(-1)!.missionId).toBe(realAck.opaqueId);
    expect(uploadAck.opaqueId).not.toBe(0);
    expect(missionCount.opaqueId).toBe(uploadAck.opaqueId);
    expect(gcs.last<common.MissionCurrent>(1, 'MISSION_CURRENT')!.missionId).toBe(uploadAck.opaqueId);
  });

  it('reads the mission back as the real one did: seq 0 is the takeoff, frame 3 comes back as 6, the RTL keeps frame 2, current on seq 0', () => {
    const realItems = cap.filter((r) => r.t < 30 && r.sysid === 1 && r.name === 'MISSION_ITEM_INT').map((r) => r.msg as common.MissionItemInt);
    const fields = (i: common.MissionItemInt) => [i.seq, i.command, i.frame, i.x, i.y, i.z, i.param1, i.autocontinue, i.current, i.missionType];
    expect(realItems).toHaveLength(5);
    expect(downloaded.map(fields)).toEqual(realItems.map(fields));
  });

  it('answers the rate commands and DO_SET_MODE as the real one did: every interval ACKed 0, DO_SET_MODE ACKed twice', () => {
    const realAcks = capOf<common.CommandAck>(cap, 'COMMAND_ACK');
    expect(realAcks.filter((a) => a.command === MavCmd.SET_MESSAGE_INTERVAL).map((a) => a.result)).toEqual(intervalAcks.map((a) => a.result));
    expect(intervalAcks.every((a) => a.result === MavResult.ACCEPTED)).toBe(true);
    const realModeAcks = realAcks.filter((a) => a.command === MavCmd.DO_SET_MODE).map((a) => a.result);
    expect(realModeAcks).toEqual([0, 0, 0, 0]); // two commands, two ACKs each
    expect(modeAcks).toEqual([[0, 0], [0, 0]]);
    const version = gcs.last<standard.AutopilotVersion>(1, 'AUTOPILOT_VERSION')!;
    const real = capOf<standard.AutopilotVersion>(cap, 'AUTOPILOT_VERSION')[0]!;
    expect([version.flightSwVersion, version.capabilities, version.flightCustomVersion]).toEqual([
      real.flightSwVersion,
      real.capabilities,
      real.flightCustomVersion,
    ]);
  });

  it("goes through the real flight's modes: HOLD at boot, MISSION, RETURN by itself at the RTL item, HOLD by itself at disarm", () => {
    const key = (h: minimal.Heartbeat) => `${h.type}/${h.autopilot}/${h.customMode.toString(16)}/${h.baseMode}/${h.systemStatus}`;
    const real = path(capOf<minimal.Heartbeat>(cap, 'HEARTBEAT').map(key));
    expect(real).toEqual(['2/12/3040000/29/0', '2/12/3040000/29/3', '2/12/4040000/29/3', '2/12/4040000/157/4', '2/12/5040000/157/4', '2/12/3040000/29/3']);
    expect(path(gcs.of(1, 'HEARTBEAT').map((r) => key(r.msg as minimal.Heartbeat)))).toEqual(real);
    const current = (m: common.CurrentMode) => `${m.customMode.toString(16)}/${m.standardMode}`;
    expect(path(gcs.of(1, 'CURRENT_MODE').map((r) => current(r.msg as common.CurrentMode))))
      .toEqual(path(capOf<common.CurrentMode>(cap, 'CURRENT_MODE').map(current)));
    expect([HOLD, MISSION, RETURN].map((m) => m.toString(16))).toEqual(['3040000', '4040000', '5040000']);
  });

  it('says what the real one said, word for word, with the same ids and chunks (the RTL text in two)', () => {
    const real = capOf<common.StatusText>(cap, 'STATUSTEXT').map(text);
    expect(real).toHaveLength(13);
    expect(real).toContain('8/1/6 \t');
    expect(gcs.of(1, 'STATUSTEXT').map((r) => text(r.msg as common.StatusText))).toEqual(real);
  });

  it('reports MISSION_ITEM_REACHED and MISSION_CURRENT as the real flight did: 11 of each item, never the last waypoint', () => {
    const seqs = (ms: { seq: number }[]) => ms.map((m) => m.seq);
    const real = seqs(capOf<common.MissionItemReached>(cap, 'MISSION_ITEM_REACHED'));
    expect(real).toHaveLength(44);
    expect(seqs(gcs.of(1, 'MISSION_ITEM_REACHED').map((r) => r.msg as common.MissionItemReached))).toEqual(real);
    const state = (m: common.MissionCurrent) => `${m.seq}/${m.total}/${m.missionState}/${m.missionMode}/${m.missionId ? 'id' : 0}`;
    expect(path(gcs.of(1, 'MISSION_CURRENT').map((r) => state(r.msg as common.MissionCurrent))))
      .toEqual(path(capOf<common.MissionCurrent>(cap, 'MISSION_CURRENT').map(state)));
  });

  it('sends copies of its own RTL and landing commands to itself, confirmation 0-3, never to the ground station', () => {
    const own = (ms: common.CommandLong[]) => ms.map((m) => `${m.command}:${m.targetSystem}/${m.targetComponent}/${m.confirmation}`);
    const real = own(capOf<common.CommandLong>(cap, 'COMMAND_LONG'));
    const sim = own(gcs.of(1, 'COMMAND_LONG').map((r) => r.msg as common.CommandLong));
    expect(sim).toEqual(['20:1/0/0', '20:1/0/1', '20:1/0/2', '20:1/0/3', '0:1/0/0', '0:1/0/1', '0:1/0/2', '0:1/0/3']);
    expect(real.filter((c) => c.startsWith('20:') || c.startsWith('0:'))).toEqual(sim);
  });

  it('pings every 10 s of its own clock with its boot time, seq counting up, to everyone', () => {
    const pings = gcs.of(1, 'PING').map((r) => r.msg as common.Ping);
    const real = capOf<common.Ping>(cap, 'PING');
    for (const ps of [real, pings]) {
      expect(ps.length).toBeGreaterThan(10);
      expect(ps.map((p) => p.seq)).toEqual(ps.map((_, i) => i));
      expect(ps.every((p) => p.targetSystem === 0 && p.targetComponent === 0)).toBe(true);
      const gaps = ps.slice(1).map((p, i) => Number(p.timeUsec - ps[i]!.timeUsec) / 1e6);
      expect(gaps.every((g) => Math.abs(g - 10) < 0.05)).toBe(true);
    }
  });

  it('streams what the real one streams by default, at its rates (seven at ~50 Hz), and sends the ids no dialect here knows', () => {
    const realRates = rates(cap.filter((r) => r.sysid === 1), 5, 12);
    for (const [name, hz] of Object.entries(defaultRates)) {
      if (name === 'STATUSTEXT' || name === 'PING' || name === 'PARAM_VALUE') continue; // events, not streams
      expect(realRates[name], `${name} is not in the capture`).toBeDefined();
      expect(Math.abs(hz - realRates[name]!) / realRates[name]!, `${name}: ${hz.toFixed(2)} Hz, real ${realRates[name]!.toFixed(2)}`).toBeLessThan(0.2);
    }
    for (
      const name of [
        'ATTITUDE',
        'GLOBAL_POSITION_INT',
        'LOCAL_POSITION_NED',
        'SERVO_OUTPUT_RAW',
        'GPS_RAW_INT',
        'VFR_HUD',
        'SYS_STATUS',
        'MISSION_CURRENT',
        'BATTERY_STATUS',
        'HOME_POSITION',
        'EXTENDED_SYS_STATE',
      ]
    ) {
      expect(defaultRates[name], name).toBeGreaterThan(0);
    }
    expect(defaultRates.ATTITUDE).toBeGreaterThan(45);
    // LINK_NODE_STATUS, TIME_ESTIMATE_TO_TARGET, CURRENT_EVENT_SEQUENCE as in the capture (EVENT itself is not simulated)
    expect([...unknownIds.keys()].sort((a, b) => a - b)).toEqual([8, 380, 411]);
  });

  it('flies the mission at 20 m, returns at 30 m above home and lands back at home', () => {
    const pos = gcs.of(1, 'GLOBAL_POSITION_INT').map((r) => r.msg as common.GlobalPositionInt);
    const maxAlt = Math.max(...pos.map((p) => p.alt)) / 1000;
    const realMax = Math.max(...capOf<common.GlobalPositionInt>(cap, 'GLOBAL_POSITION_INT').map((p) => p.alt)) / 1000;
    expect(Math.abs(maxAlt - realMax)).toBeLessThan(1); // 40.00 m AMSL, the RTL return height
    const last = pos.at(-1)!;
    expect(Math.abs(last.lat - 283700000)).toBeLessThan(20); // within ~2 m of home
    expect(Math.abs(last.lon - 1213815000)).toBeLessThan(25);
    const landed = gcs.last<common.ExtendedSysState>(1, 'EXTENDED_SYS_STATE')!;
    expect(landed.landedState).toBe(capOf<common.ExtendedSysState>(cap, 'EXTENDED_SYS_STATE').at(-1)!.landedState);
    const states = (ms: common.ExtendedSysState[]) => path(ms.map((m) => m.landedState));
    expect(states(gcs.of(1, 'EXTENDED_SYS_STATE').map((r) => r.msg as common.ExtendedSysState)))
      .toEqual(states(capOf<common.ExtendedSysState>(cap, 'EXTENDED_SYS_STATE'))); // ON_GROUND, TAKEOFF, IN_AIR, LANDING, ON_GROUND
  });
});
