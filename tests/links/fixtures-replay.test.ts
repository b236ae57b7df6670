import { expect, it } from 'vitest';
import type { UdpInLink } from '../../server/links/udp.ts';
import { messageName } from '../../server/mavlink/registry.ts';
import { describeWithFixtures, fixture } from '../helpers/shared.ts';
import { groundStation } from '../helpers/ground.ts';
import { waitFor } from '../helpers/wait.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { replayOverUdp } from './udp-replay.ts';

/** Vehicle → GCS packet counts from ../shared/fixtures/ardupilot/README.md (boot-telemetry.tlog). */
const BOOT_COUNTS: Record<string, number> = {
  AHRS: 236,
  AHRS2: 228,
  ATTITUDE: 236,
  BATTERY_STATUS: 236,
  EKF_STATUS_REPORT: 232,
  ESC_TELEMETRY_1_TO_4: 222,
  GLOBAL_POSITION_INT: 236,
  GPS_GLOBAL_ORIGIN: 1,
  GPS_RAW_INT: 236,
  HEARTBEAT: 63,
  HOME_POSITION: 1,
  LOCAL_POSITION_NED: 80,
  MEMINFO: 236,
  MISSION_CURRENT: 236,
  NAV_CONTROLLER_OUTPUT: 236,
  PARAM_VALUE: 25,
  POWER_STATUS: 236,
  RAW_IMU: 236,
  RC_CHANNELS: 236,
  SCALED_IMU2: 236,
  SCALED_IMU3: 236,
  SCALED_PRESSURE: 236,
  SCALED_PRESSURE2: 236,
  SERVO_OUTPUT_RAW: 236,
  SIMSTATE: 236,
  STATUSTEXT: 19,
  SYSTEM_TIME: 236,
  SYS_STATUS: 236,
  TERRAIN_REPORT: 236,
  TERRAIN_REQUEST: 54,
  TIMESYNC: 6,
  VFR_HUD: 236,
  VIBRATION: 236,
  WIND: 80,
};

const cleanup = cleanupAfterEach();

describeWithFixtures('real ArduCopter captures through the link layer', () => {
  it('boot-telemetry.tlog over loopback UDP: every packet decoded, counts and state as recorded', async () => {
    const gs = await groundStation({ l1: 'udpin://127.0.0.1:0' });
    cleanup.push(() => gs.close());
    const counts: Record<string, number> = {};
    gs.conns[0]!.on('message', ({ frame }) => {
      if (frame.sysid !== 255) counts[messageName(frame.msgid)] = (counts[messageName(frame.msgid)] ?? 0) + 1;
    });
    const sent = await replayOverUdp(fixture('ardupilot/boot-telemetry.tlog'), gs.conns[0]!.link as UdpInLink);

    expect(sent).toBe(6203);
    expect(counts).toEqual(BOOT_COUNTS);
    expect(gs.conns[0]!.counters()).toMatchObject({ frames: 6203, crcErrors: 0, unknown: 0, droppedBytes: 0 });

    expect([...gs.fleet.vehicles.keys()]).toEqual(['l1-1']);
    const v = gs.fleet.get('l1-1')!.view(0);
    expect(v).toMatchObject({ autopilot: 'ardupilot', type: 'QUADROTOR', mode: 'STABILIZE', armed: false, systemStatus: 'STANDBY' });
    expect(v.home).toEqual({ lat: 28.37, lon: 121.38, altMsl: 10.1 });
    expect(v.position!.lat).toBeCloseTo(28.37, 5);
    expect(v.position!.lon).toBeCloseTo(121.38, 5);
    expect(v.battery).toMatchObject({ voltage: 12.6, percent: 100 });
    expect(v.gps!.fix).toBeGreaterThanOrEqual(3); // SITL's GPS reports RTK_FIXED
    expect(v.health).toBe('ok');
    expect(v.link).toMatchObject({ lossPercent: 0, packets: 6203 });
    expect(v.messages.at(-1)!.text).toBe('EKF3 IMU1 is using GPS');
  });

  it('squadron-udp.tlog: three copters on one UDP port kept apart by sysid, final modes as recorded', async () => {
    const gs = await groundStation({ l1: 'udpin://127.0.0.1:0' });
    cleanup.push(() => gs.close());
    const sent = await replayOverUdp(fixture('ardupilot/squadron-udp.tlog'), gs.conns[0]!.link as UdpInLink);
    expect(sent).toBe(30574);
    await waitFor('three vehicles', () => gs.fleet.vehicles.size === 3);
    const view = (id: string) => gs.fleet.get(id)!.view(0);
    expect(view('l1-1')).toMatchObject({ mode: 'AUTO', armed: false });
    expect(view('l1-2')).toMatchObject({ mode: 'AUTO', armed: false });
    expect(view('l1-3')).toMatchObject({ mode: 'STABILIZE', armed: false, home: null, messages: [] });
    expect(view('l1-1').home!.lat).toBeCloseTo(28.37, 6);
    expect(view('l1-2').home!.lon).toBeCloseTo(121.3803001, 6);
    expect(view('l1-1').messages.map((m) => m.text)).toContain('Mission: 3 RTL');
    expect(view('l1-1').messages.at(-1)!.text).toBe('Disarming motors');
    // The copters' UDP peers differ, so each is answered at its own address.
    expect(new Set([1, 2, 3].map((s) => gs.fleet.get(`l1-${s}`)!.peer)).size).toBe(3);
  });

  it('failsafe-battery.tlog through the tlog:// link: ends in RTL, CRITICAL, low battery warned', async () => {
    const gs = await groundStation({ l1: `tlog://${fixture('ardupilot/failsafe-battery.tlog')}?speed=0` });
    cleanup.push(() => gs.close());
    await waitFor('end of log', () => gs.conns[0]!.link.state === 'down', 20_000);
    const v = gs.fleet.get('l1-1')!.view(0);
    expect(v).toMatchObject({ mode: 'RTL', armed: false, systemStatus: 'CRITICAL', health: 'warning' });
    expect(v.battery!.percent).toBe(18);
    expect(v.warnings).toEqual([{ code: 'battery', value: 18 }, { code: 'status', value: 'CRITICAL' }]);
    expect(v.messages.some((m) => m.text === 'Battery Failsafe' && m.severity === 4)).toBe(true);
  });

  it('mission-flight.tlog: climbs to 30 m, finishes in AUTO disarmed, mission item back to 0', async () => {
    const gs = await groundStation({ l1: `tlog://${fixture('ardupilot/mission-flight.tlog')}?speed=0` });
    cleanup.push(() => gs.close());
    let maxAlt = 0;
    const modes: string[] = [];
    gs.fleet.on('changed', (veh) => {
      const v = veh.view(0);
      maxAlt = Math.max(maxAlt, v.position?.altRel ?? 0);
      if (modes.at(-1) !== v.mode) modes.push(v.mode);
    });
    await waitFor('end of log', () => gs.conns[0]!.link.state === 'down', 20_000);
    expect(modes).toEqual(['STABILIZE', 'GUIDED', 'AUTO']);
    expect(maxAlt).toBeCloseTo(30, 0);
    expect(gs.fleet.get('l1-1')!.view(0)).toMatchObject({ mode: 'AUTO', armed: false, missionSeq: 0 });
  });
});
