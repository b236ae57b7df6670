import { ardupilotmega, common, minimal } from 'node-mavlink';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Squadron } from '../../server/sim/squadron.ts';
import { describeWithFixtures } from '../helpers/shared.ts';
import { path, readCapture, type CaptureRec } from './capture.ts';
import { CAPTURE_PATROL, GroundStation } from './gcs.ts';

const { MavCmd, MavResult } = common;

const MISSION_PROTOCOL = new Set([
  'MISSION_COUNT',
  'MISSION_REQUEST',
  'MISSION_REQUEST_INT',
  'MISSION_ITEM',
  'MISSION_ITEM_INT',
  'MISSION_ACK',
  'MISSION_REQUEST_LIST',
]);

/** One mission-protocol message as "direction NAME field=value…", without timing or coordinates. */
function shape(dir: 'up' | 'down', name: string, m: Record<string, unknown>): string {
  const f = (k: string) => (m[k] === undefined ? '' : ` ${k}=${m[k]}`);
  return `${dir} ${name}${f('count')}${f('seq')}${name === 'MISSION_ACK' ? f('type') : ''}${f('missionType')}`;
}

/** The STATUSTEXTs of a patrol that a ground station acts on, numbers of the simulated physics left out. */
const PATROL_TEXT = /^(Flight plan received|Arming motors|Mission: \d+ \w+|Reached command #\d+|SIM Hit ground|Disarming motors)/;
const patrolTexts = (texts: string[]) => texts.filter((t) => PATROL_TEXT.test(t)).map((t) => t.replace(/ at [\d.]+ m\/s$/, ''));

const capTexts = (cap: CaptureRec[]) => cap.filter((r) => r.name === 'STATUSTEXT' && r.sysid === 1).map((r) => (r.msg as common.StatusText).text);
const capOf = <T>(cap: CaptureRec[], name: string, sysid = 1) => cap.filter((r) => r.name === name && r.sysid === sysid).map((r) => r.msg as T);

describeWithFixtures('simulated ArduCopter against the real captures (../shared/fixtures/ardupilot)', () => {
  describeWithFixtures("mission-flight.tlog: the capture's patrol flown against one simulated copter", () => {
    let gcs: GroundStation;
    let sq: Squadron;
    let cap: CaptureRec[];
    let downloaded: common.MissionItemInt[];
    let armAcks: common.CommandAck[];
    let refusalTexts: common.StatusText[];

    beforeAll(async () => {
      cap = readCapture('mission-flight.tlog'); // not in the describe body, which runs even when the tests are skipped
      gcs = await GroundStation.open();
      // boot delay 20 s (real: 40 s) at 10x, so some arming attempts are refused as in the capture
      sq = await gcs.squadron({ count: 1, speedup: 10, bootDelayS: 20, gpsFixDelayS: 5, home: { lat: 28.37, lon: 121.38, altMsl: 10.1 } });
      await gcs.heard(1);
      gcs.startHeartbeat();
      gcs.requestStreams(1);
      await gcs.waitText(1, 'EKF3 IMU0 origin set');
      // the capture's ground station: upload, read back, GUIDED, arm every 3 s (0.3 s at 10x), MISSION_START
      expect((await gcs.upload(1, CAPTURE_PATROL)).type).toBe(0);
      downloaded = await gcs.download(1);
      expect((await gcs.command(1, MavCmd.DO_SET_MODE, [1, 4])).result).toBe(MavResult.ACCEPTED);
      const since = gcs.mark();
      armAcks = [];
      for (;;) {
        const ack = await gcs.command(1, MavCmd.COMPONENT_ARM_DISARM, [1]);
        armAcks.push(ack);
        if (ack.result === MavResult.ACCEPTED) break;
        await new Promise((r) => setTimeout(r, 300));
      }
      refusalTexts = gcs.of(1, 'STATUSTEXT', since).map((r) => r.msg as common.StatusText).filter((t) => t.text.startsWith('Arm:'));
      expect((await gcs.command(1, MavCmd.MISSION_START, [0, 0])).result).toBe(MavResult.ACCEPTED);
      const landed = gcs.mark();
      await gcs.waitText(1, 'Disarming motors', 60_000);
      await gcs.waitMsg<minimal.Heartbeat>(1, 'HEARTBEAT', (h) => (h.baseMode & 128) === 0, 5_000, landed);
      await gcs.waitMsg<common.MissionCurrent>(1, 'MISSION_CURRENT', (m) => m.seq === 0, 5_000, gcs.mark());
    }, 120_000);

    afterAll(async () => {
      await sq?.close();
      await gcs?.close();
    });

    it('exchanges the same mission-protocol messages as the real upload and download, in the same order', () => {
      const real = cap.filter((r) => r.t < 30 && MISSION_PROTOCOL.has(r.name))
        .map((r) => shape(r.sysid === 255 ? 'up' : 'down', r.name, r.msg as unknown as Record<string, unknown>));
      const sim = gcs.log.filter((r) => MISSION_PROTOCOL.has(r.name) && r.sysid === 1)
        .map((r) => shape(r.dir, r.name, r.msg as unknown as Record<string, unknown>));
      expect(real).toHaveLength(29); // COUNT, 6 × (REQUEST, ITEM_INT), ACK; LIST, COUNT, 6 × (REQUEST_INT, ITEM_INT), ACK
      expect(sim).toEqual(real);
      expect(real.filter((s) => s.startsWith('down MISSION_REQUEST '))).toHaveLength(6); // MISSION_REQUEST (40), not _INT
    });

    it('reads the mission back as the real one did: item 0 is the real home, the RTL comes back with frame 0', () => {
      const realItems = cap.filter((r) => r.t < 30 && r.sysid === 1 && r.name === 'MISSION_ITEM_INT').map((r) => r.msg as common.MissionItemInt);
      const fields = (i: common.MissionItemInt) => [i.seq, i.command, i.frame, i.x, i.y, i.z, i.param1, i.autocontinue, i.current];
      expect(downloaded.map(fields)).toEqual(realItems.map(fields));
      expect(downloaded[5]!.frame).toBe(0); // uploaded with frame 2 (MISSION)
      expect(downloaded[0]!.z).toBeCloseTo(10.1, 4); // home AMSL, not the placeholder's 0
    });

    it('refuses arming before a position estimate the way the real one did', () => {
      const realAcks = capOf<common.CommandAck>(cap, 'COMMAND_ACK').filter((a) => a.command === MavCmd.COMPONENT_ARM_DISARM);
      const realRefusals = capOf<common.StatusText>(cap, 'STATUSTEXT').filter((t) => t.text === 'Arm: Need Position Estimate');
      expect(realAcks.map((a) => a.result)).toEqual([4, 4, 4, 4, 4, 4, 4, 0]);
      expect(new Set(realRefusals.map((t) => t.severity))).toEqual(new Set([2]));
      expect(armAcks.length).toBeGreaterThan(1);
      expect(armAcks.slice(0, -1).every((a) => a.result === MavResult.FAILED)).toBe(true);
      expect(armAcks.at(-1)!.result).toBe(MavResult.ACCEPTED);
      const needPosition = refusalTexts.filter((t) => t.text === 'Arm: Need Position Estimate');
      expect(needPosition).toHaveLength(armAcks.length - 1);
      expect(new Set(needPosition.map((t) => t.severity))).toEqual(new Set([2]));
    });

    it('flies the patrol with the real STATUSTEXTs in the real order', () => {
      const real = patrolTexts(capTexts(cap));
      expect(real).toEqual([
        'Flight plan received',
        'Arming motors',
        'Mission: 1 Takeoff',
        'Mission: 1 Takeoff',
        'Mission: 2 WP',
        'Reached command #2',
        'Mission: 3 WP',
        'Reached command #3',
        'Mission: 4 WP',
        'Reached command #4',
        'Mission: 5 RTL',
        'SIM Hit ground',
        'Disarming motors',
      ]);
      expect(patrolTexts(gcs.texts(1))).toEqual(real);
    });

    it('reports MISSION_ITEM_REACHED, MISSION_CURRENT and modes as the real flight did', () => {
      const reached = (seqs: { seq: number }[]) => seqs.map((m) => m.seq);
      expect(reached(gcs.of(1, 'MISSION_ITEM_REACHED').map((r) => r.msg as common.MissionItemReached)))
        .toEqual(reached(capOf(cap, 'MISSION_ITEM_REACHED')));
      const seqPath = (ms: common.MissionCurrent[]) => path(ms.map((m) => m.seq));
      expect(seqPath(gcs.of(1, 'MISSION_CURRENT').map((r) => r.msg as common.MissionCurrent)))
        .toEqual(seqPath(capOf(cap, 'MISSION_CURRENT')));
      const modes = (hbs: minimal.Heartbeat[]) => path(hbs.map((h) => h.customMode));
      const simHb = gcs.of(1, 'HEARTBEAT').map((r) => r.msg as minimal.Heartbeat);
      expect(modes(simHb)).toEqual(modes(capOf(cap, 'HEARTBEAT')));
      const finalReal = capOf<minimal.Heartbeat>(cap, 'HEARTBEAT').at(-1)!;
      const finalSim = simHb.at(-1)!;
      expect([finalSim.customMode, finalSim.baseMode]).toEqual([finalReal.customMode, finalReal.baseMode]); // AUTO, disarmed
    });

    it('climbs to the mission altitude and lands back at home', () => {
      const pos = gcs.of(1, 'GLOBAL_POSITION_INT').map((r) => r.msg as common.GlobalPositionInt);
      const realMax = Math.max(...capOf<common.GlobalPositionInt>(cap, 'GLOBAL_POSITION_INT').map((p) => p.relativeAlt));
      const simMax = Math.max(...pos.map((p) => p.relativeAlt));
      expect(Math.abs(simMax - realMax)).toBeLessThan(500); // mm
      const last = pos.at(-1)!;
      expect(Math.abs(last.lat - 283700000)).toBeLessThan(20); // within ~2 m of home
      expect(Math.abs(last.lon - 1213800000)).toBeLessThan(25);
      expect(last.relativeAlt).toBe(0);
    });
  });

  describeWithFixtures('failsafe-battery.tlog: low battery mid-patrol', () => {
    let gcs: GroundStation;
    let sq: Squadron;
    let cap: CaptureRec[];
    let paramEchoes: common.ParamValue[];

    beforeAll(async () => {
      cap = readCapture('failsafe-battery.tlog');
      gcs = await GroundStation.open();
      sq = await gcs.squadron({ count: 1, speedup: 10, bootDelayS: 5 });
      await gcs.heard(1);
      gcs.startHeartbeat();
      gcs.requestStreams(1);
      // as the capture's ground station did, plus the pack size its frame model had (1.8 Ah)
      const since = gcs.mark();
      for (const [id, value, type] of [['BATT_LOW_VOLT', 11.4, 9], ['BATT_FS_LOW_ACT', 2, 2], ['BATT_CAPACITY', 1800, 6]] as const) {
        const m = new common.ParamSet();
        m.paramId = id;
        m.paramValue = value;
        m.paramType = type;
        gcs.send(1, m);
      }
      await gcs.waitMsg<common.ParamValue>(1, 'PARAM_VALUE', (p) => p.paramId === 'BATT_CAPACITY', 5_000, since);
      paramEchoes = gcs.of(1, 'PARAM_VALUE', since).map((r) => r.msg as common.ParamValue);
      await gcs.waitText(1, 'EKF3 IMU0 is using GPS');
      expect((await gcs.upload(1, CAPTURE_PATROL)).type).toBe(0);
      await gcs.command(1, MavCmd.DO_SET_MODE, [1, 4]);
      await gcs.waitMsg<minimal.Heartbeat>(1, 'HEARTBEAT', (h) => h.customMode === 4);
      await gcs.armWhenReady(1);
      await gcs.command(1, MavCmd.MISSION_START, [0, 0]);
      const flying = gcs.mark();
      await gcs.waitText(1, 'Disarming motors', 90_000);
      await gcs.waitMsg<minimal.Heartbeat>(1, 'HEARTBEAT', (h) => (h.baseMode & 128) === 0, 5_000, flying);
      await gcs.waitMsg<common.GlobalPositionInt>(1, 'GLOBAL_POSITION_INT', () => true, 5_000, gcs.mark());
    }, 150_000);

    afterAll(async () => {
      await sq?.close();
      await gcs?.close();
    });

    it('answers PARAM_SET with the new value, as in the capture', () => {
      expect(paramEchoes.map((p) => [p.paramId, p.paramValue])).toEqual([['BATT_LOW_VOLT', Math.fround(11.4)], ['BATT_FS_LOW_ACT', 2], [
        'BATT_CAPACITY',
        1800,
      ]]);
      const realEchoes = capOf<common.ParamValue>(cap, 'PARAM_VALUE').filter((p) => p.paramId === 'BATT_LOW_VOLT' || p.paramId === 'BATT_FS_LOW_ACT');
      expect(realEchoes.map((p) => [p.paramId, p.paramValue])).toContainEqual(['BATT_LOW_VOLT', Math.fround(11.4)]);
    });

    it('warns with the real texts at severity 4 and switches to RTL (6), system status CRITICAL (5)', () => {
      const lowText = /^Battery 1 is low \d+\.\d\dV used \d+ mAh$/;
      for (const texts of [capOf<common.StatusText>(cap, 'STATUSTEXT'), gcs.of(1, 'STATUSTEXT').map((r) => r.msg as common.StatusText)]) {
        const i = texts.findIndex((t) => lowText.test(t.text));
        expect(i).toBeGreaterThanOrEqual(0);
        expect([texts[i]!.severity, texts[i + 1]!.text, texts[i + 1]!.severity]).toEqual([4, 'Battery Failsafe', 4]);
      }
      const modes = (hbs: minimal.Heartbeat[]) => path(hbs.map((h) => h.customMode));
      const simHb = gcs.of(1, 'HEARTBEAT').map((r) => r.msg as minimal.Heartbeat);
      expect(modes(simHb)).toEqual(modes(capOf(cap, 'HEARTBEAT'))); // 0 → 4 → 3 → 6
      const rtl = simHb.find((h) => h.customMode === 6)!;
      expect(rtl.systemStatus).toBe(minimal.MavState.CRITICAL);
    });

    it('ends like the capture: RTL, disarmed, still CRITICAL, back at home', () => {
      const real = capOf<minimal.Heartbeat>(cap, 'HEARTBEAT').at(-1)!;
      const sim = gcs.last<minimal.Heartbeat>(1, 'HEARTBEAT')!;
      expect([sim.customMode, sim.baseMode, sim.systemStatus]).toEqual([real.customMode, real.baseMode, real.systemStatus]);
      const pos = gcs.last<common.GlobalPositionInt>(1, 'GLOBAL_POSITION_INT')!;
      expect(Math.abs(pos.lat - 283700000)).toBeLessThan(20);
      expect(Math.abs(pos.lon - 1213800000)).toBeLessThan(25);
      const stateAfter = (ms: common.MissionCurrent[]) => ms.at(-1)!.missionState;
      expect(stateAfter(gcs.of(1, 'MISSION_CURRENT').map((r) => r.msg as common.MissionCurrent)))
        .toBe(stateAfter(capOf(cap, 'MISSION_CURRENT'))); // NOT_STARTED: the failsafe stopped the mission
    });
  });

  describeWithFixtures('boot-telemetry.tlog: power-on to armable', () => {
    let gcs: GroundStation;
    let sq: Squadron;
    let cap: CaptureRec[];

    beforeAll(async () => {
      cap = readCapture('boot-telemetry.tlog');
      gcs = await GroundStation.open();
      sq = await gcs.squadron({ count: 1, speedup: 5, bootDelayS: 8, gpsFixDelayS: 3 });
      await gcs.heard(1);
      await new Promise((r) => setTimeout(r, 300)); // 1.5 s simulated with nothing asked
      gcs.requestStreams(1);
      await gcs.waitText(1, 'EKF3 IMU0 is using GPS');
      await new Promise((r) => setTimeout(r, 800));
    }, 60_000);

    afterAll(async () => {
      await sq?.close();
      await gcs?.close();
    });

    it('sends HEARTBEATs like the capture: quadrotor, ArduPilot, BOOT with base mode 89 first, then 81 STANDBY', () => {
      const key = (h: minimal.Heartbeat) => `${h.type}/${h.autopilot}/${h.baseMode}/${h.systemStatus}/${h.customMode}`;
      const sim = path(gcs.of(1, 'HEARTBEAT').map((r) => key(r.msg as minimal.Heartbeat)));
      const real = path(capOf<minimal.Heartbeat>(cap, 'HEARTBEAT').map(key));
      expect(real).toEqual(['2/3/89/1/0', '2/3/81/3/0']);
      expect(sim).toEqual(real);
    });

    it('sends only HEARTBEAT, STATUSTEXT and the home messages until streams are requested', () => {
      const request = gcs.log.findIndex((r) => r.dir === 'up' && r.name === 'REQUEST_DATA_STREAM');
      const before = new Set(gcs.log.slice(0, request).map((r) => r.name));
      expect([...before].sort()).toEqual(['HEARTBEAT', 'STATUSTEXT']);
      expect(gcs.log.slice(request).some((r) => r.name === 'GLOBAL_POSITION_INT')).toBe(true);
    });

    it('sends only message types the real ArduCopter sends, including the ones the service reads', () => {
      const real = new Set(cap.filter((r) => r.sysid === 1).map((r) => r.name));
      const sim = new Set(gcs.received.map((r) => r.name));
      expect([...sim].filter((n) => !real.has(n))).toEqual([]);
      for (
        const n of [
          'HEARTBEAT',
          'SYS_STATUS',
          'GLOBAL_POSITION_INT',
          'GPS_RAW_INT',
          'ATTITUDE',
          'VFR_HUD',
          'BATTERY_STATUS',
          'HOME_POSITION',
          'MISSION_CURRENT',
          'EKF_STATUS_REPORT',
          'STATUSTEXT',
        ]
      ) {
        expect(sim.has(n), n).toBe(true);
      }
    });

    it('reports lat = lon = 0 until the GPS fix, then the real home, and EKF flags 167 → 831 as the capture', () => {
      for (
        const pos of [
          capOf<common.GlobalPositionInt>(cap, 'GLOBAL_POSITION_INT'),
          gcs.of(1, 'GLOBAL_POSITION_INT').map((r) => r.msg as common.GlobalPositionInt),
        ]
      ) {
        const firstFix = pos.findIndex((p) => p.lat !== 0);
        expect(firstFix).toBeGreaterThan(0);
        expect(pos.slice(0, firstFix).every((p) => p.lat === 0 && p.lon === 0)).toBe(true);
        expect([pos[firstFix]!.lat, pos[firstFix]!.lon]).toEqual([283700000, 1213800000]);
      }
      const flags = (ms: ardupilotmega.EkfStatusReport[]) => path(ms.map((m) => m.flags)).slice(-2);
      expect(flags(gcs.of(1, 'EKF_STATUS_REPORT').map((r) => r.msg as ardupilotmega.EkfStatusReport)))
        .toEqual(flags(capOf(cap, 'EKF_STATUS_REPORT')));
    });

    it('streams at the requested 4 Hz of simulated time', () => {
      const times = gcs.of(1, 'GLOBAL_POSITION_INT').map((r) => (r.msg as common.GlobalPositionInt).timeBootMs);
      const gaps = times.slice(1).map((t, i) => t - times[i]!);
      const median = gaps.sort((a, b) => a - b)[Math.floor(gaps.length / 2)]!;
      expect(median).toBeGreaterThanOrEqual(240);
      expect(median).toBeLessThanOrEqual(300);
    });
  });

  describeWithFixtures('squadron-udp.tlog: three copters on one ground-station port', () => {
    let gcs: GroundStation;
    let sq: Squadron;
    let cap: CaptureRec[];

    beforeAll(async () => {
      cap = readCapture('squadron-udp.tlog');
      gcs = await GroundStation.open();
      sq = await gcs.squadron({ count: 3, speedup: 10, bootDelayS: 5 });
      for (const id of [1, 2, 3]) await gcs.heard(id);
      gcs.startHeartbeat();
      for (const id of [1, 2, 3]) gcs.requestStreams(id);
      await gcs.waitText(1, 'EKF3 IMU0 is using GPS');
      const legs = { 1: { lat: 28.3709, lon: 121.38 }, 2: { lat: 28.37, lon: 121.38132 } } as const;
      await Promise.all(([1, 2] as const).map(async (id) => {
        const home = sq.drone(id).vehicle.home!;
        await gcs.upload(id, [
          { command: MavCmd.NAV_WAYPOINT, frame: 0, lat: home.lat, lon: home.lon },
          { command: MavCmd.NAV_TAKEOFF, alt: 20 },
          { command: MavCmd.NAV_WAYPOINT, ...legs[id], alt: 20 },
          { command: MavCmd.NAV_RETURN_TO_LAUNCH, frame: 2 },
        ]);
        await gcs.command(id, MavCmd.DO_SET_MODE, [1, 4]);
        await gcs.armWhenReady(id);
        await gcs.command(id, MavCmd.MISSION_START, [0, 0]);
      }));
      await Promise.all([1, 2].map(async (id) => {
        await gcs.waitText(id, 'Disarming motors', 60_000);
        await gcs.waitMsg<minimal.Heartbeat>(id, 'HEARTBEAT', (h) => (h.baseMode & 128) === 0, 5_000, gcs.mark());
      }));
    }, 120_000);

    afterAll(async () => {
      await sq?.close();
      await gcs?.close();
    });

    it('sends each copter from its own source port to the one ground-station port', () => {
      expect(gcs.link.peerCount).toBe(3);
    });

    it('spaces the homes as the capture: 0.0003° of longitude apart at 28.37 N', () => {
      const realHomes = capOf<common.HomePosition>(cap, 'HOME_POSITION', 1).concat(capOf(cap, 'HOME_POSITION', 2));
      const simLon = (id: number) => gcs.of(id, 'GLOBAL_POSITION_INT').map((r) => (r.msg as common.GlobalPositionInt).lon).find((l) => l !== 0)!;
      expect(Math.abs(simLon(1) - realHomes[0]!.longitude)).toBeLessThan(5);
      expect(Math.abs(simLon(2) - realHomes[1]!.longitude)).toBeLessThan(5);
      expect(Math.abs(simLon(3) - simLon(2) - (simLon(2) - simLon(1)))).toBeLessThan(5);
    });

    it('flies two missions at once: 3 MISSION_ITEM_REACHED each, back home disarmed in AUTO; the third copter untouched in STABILIZE', () => {
      const reachedBy = (recs: { sysid: number; msg: unknown }[], id: number) =>
        recs.filter((r) => r.sysid === id).map((r) => (r.msg as common.MissionItemReached).seq);
      const capReached = cap.filter((r) => r.name === 'MISSION_ITEM_REACHED');
      const simReached = gcs.received.filter((r) => r.name === 'MISSION_ITEM_REACHED');
      for (const id of [1, 2]) expect(reachedBy(simReached, id)).toEqual(reachedBy(capReached, id));
      for (const id of [1, 2, 3]) {
        const real = capOf<minimal.Heartbeat>(cap, 'HEARTBEAT', id).at(-1)!;
        const sim = gcs.last<minimal.Heartbeat>(id, 'HEARTBEAT')!;
        expect([id, sim.customMode, sim.baseMode & 128]).toEqual([id, real.customMode, real.baseMode & 128]);
      }
    });
  });
});
