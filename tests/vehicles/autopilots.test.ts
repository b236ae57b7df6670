import { ardupilotmega, common, minimal } from 'node-mavlink';
import { describe, expect, it } from 'vitest';
import { flightModeOf, modeName, profileOf, streamRequests } from '../../server/vehicles/autopilots/index.ts';

/**
 * The autopilot profiles (server/vehicles/autopilots/): each firmware's modes mapped onto one
 * firmware-neutral FlightMode, and the other differences the rest of SkyBeat asks them for.
 * PX4's custom modes are the ones its HEARTBEATs carried in ../shared/fixtures/px4 (README).
 */

const CUSTOM = minimal.MavModeFlag.CUSTOM_MODE_ENABLED;
const QUAD = minimal.MavType.QUADROTOR;
const { CopterMode, PlaneMode, RoverMode } = ardupilotmega;
const PX4 = {
  HOLD: 0x03040000,
  MISSION: 0x04040000,
  RETURN: 0x05040000,
  LAND: 0x06040000,
  POSCTL: 0x00030000,
  ORBIT: 0x01030000,
  OFFBOARD: 0x00060000,
  READY: 0x01040000,
};

describe('one flight mode, whatever the firmware calls it', () => {
  it('ArduCopter: AUTO is a mission, RTL and SMART_RTL return, BRAKE and LOITER hold, GUIDED is guided', () => {
    const fm = (m: number) => flightModeOf('ardupilot', QUAD, CUSTOM, m);
    expect([CopterMode.AUTO, CopterMode.RTL, CopterMode.SMART_RTL, CopterMode.AUTO_RTL, CopterMode.LAND].map(fm)).toEqual([
      'mission',
      'return',
      'return',
      'return',
      'land',
    ]);
    expect([CopterMode.BRAKE, CopterMode.LOITER, CopterMode.GUIDED, CopterMode.STABILIZE, CopterMode.ALT_HOLD, CopterMode.POSHOLD].map(fm))
      .toEqual(['hold', 'hold', 'guided', 'stabilized', 'altitude', 'position']);
    expect([CopterMode.CIRCLE, CopterMode.FLIP, 99].map(fm)).toEqual(['orbit', 'other', 'unknown']);
  });

  it("ArduPlane and ArduRover: their own numbers, the same meanings (QLAND lands, a rover's HOLD holds)", () => {
    expect(flightModeOf('ardupilot', minimal.MavType.FIXED_WING, CUSTOM, PlaneMode.QLAND)).toBe('land');
    expect(flightModeOf('ardupilot', minimal.MavType.FIXED_WING, CUSTOM, PlaneMode.AUTO)).toBe('mission');
    expect(flightModeOf('ardupilot', minimal.MavType.GROUND_ROVER, CUSTOM, RoverMode.HOLD)).toBe('hold');
    // The same number is another mode in another family: 10 is AUTO on a rover, a plane's AUTO too, a copter's nothing.
    expect(modeName('ardupilot', minimal.MavType.GROUND_ROVER, CUSTOM, 10)).toBe('AUTO');
    expect(modeName('ardupilot', QUAD, CUSTOM, 10)).toBe('UNKNOWN(10)');
  });

  it('PX4: main and sub mode, as its HEARTBEATs carried them in the live capture', () => {
    const both = (m: number) => [modeName('px4', QUAD, 29, m), flightModeOf('px4', QUAD, 29, m)];
    expect(both(PX4.HOLD)).toEqual(['HOLD', 'hold']);
    expect(both(PX4.MISSION)).toEqual(['MISSION', 'mission']);
    expect(both(PX4.RETURN)).toEqual(['RETURN', 'return']);
    expect(both(PX4.LAND)).toEqual(['LAND', 'land']);
    expect(both(PX4.POSCTL)).toEqual(['POSCTL', 'position']);
    expect(both(PX4.ORBIT)).toEqual(['ORBIT', 'orbit']);
    expect(both(PX4.OFFBOARD)).toEqual(['OFFBOARD', 'guided']);
    expect(both(PX4.READY)).toEqual(['READY', 'other']);
    expect(both(0x7f040000)).toEqual(['AUTO(127)', 'unknown']);
  });

  it('without MAV_MODE_FLAG_CUSTOM_MODE_ENABLED the custom mode means nothing, for any firmware', () => {
    for (const ap of ['ardupilot', 'px4', 'other'] as const) expect(flightModeOf(ap, QUAD, 0, 4)).toBe('unknown');
    expect(flightModeOf('other', QUAD, CUSTOM, 4)).toBe('unknown');
  });

  it('each profile asks for its own modes by name and maps them back to what they do', () => {
    for (const ap of ['ardupilot', 'px4'] as const) {
      const p = profileOf(ap);
      const roles = p.roles(QUAD);
      expect([roles.mission, roles.hold, roles.rtl, roles.land].map((name) => p.flightMode(QUAD, name))).toEqual(['mission', 'hold', 'return', 'land']);
      for (const name of [roles.mission, roles.hold, roles.rtl, roles.land]) expect(p.setMode(QUAD, name)).toBeDefined();
    }
    expect(profileOf('px4').setMode(QUAD, 'RETURN')).toEqual({ command: common.MavCmd.DO_SET_MODE, params: [CUSTOM, 4, 5] });
    expect(profileOf('ardupilot').setMode(QUAD, 'RTL')).toEqual({ command: common.MavCmd.DO_SET_MODE, params: [CUSTOM, CopterMode.RTL] });
  });
});

describe('what else differs, asked of the profile', () => {
  it('mission numbering and read-back: ArduPilot keeps home at 0 and returns coarser altitudes; PX4 neither', () => {
    expect([profileOf('ardupilot').homeItem, profileOf('px4').homeItem, profileOf('other').homeItem]).toEqual([true, false, false]);
    expect(profileOf('ardupilot').readBack).toEqual({ altToleranceM: { mission: 0.01, fence: 0.01, rally: 0.5 }, autocontinueKept: false });
    expect(profileOf('px4').readBack).toEqual({ altToleranceM: { mission: 0, fence: 0, rally: 0 }, autocontinueKept: true });
  });

  it("the mode changes a firmware makes by itself: PX4 returns at the mission's RTL item, ArduPilot keeps AUTO", () => {
    expect(profileOf('px4').ownModeChanges.map((c) => [c.from, c.to, c.at])).toEqual([['mission', 'return', 'return']]);
    expect(profileOf('ardupilot').ownModeChanges).toEqual([]);
  });

  it("streams: ArduPilot gets REQUEST_DATA_STREAM (all, 4 Hz) from the fleet; PX4's plan is per-message intervals and -1 for the five it streams unread", () => {
    const [ap, ...more] = streamRequests('ardupilot', 1, 1);
    expect(more).toEqual([]);
    expect(ap).toBeInstanceOf(common.RequestDataStream);
    expect(ap).toMatchObject({ reqStreamId: common.MavDataStream.ALL, reqMessageRate: 4, startStop: 1 });
    // PX4's go one at a time with their answers read (telemetry-rates.test.ts), not from the fleet.
    expect(streamRequests('px4', 1, 1)).toEqual([]);
    const plan = profileOf('px4').telemetry;
    expect(Object.fromEntries(plan.intervals)).toEqual({
      [common.GlobalPositionInt.MSG_ID]: 4,
      [common.VfrHud.MSG_ID]: 2,
      [common.SysStatus.MSG_ID]: 1,
      [common.GpsRawInt.MSG_ID]: 1,
      [common.Attitude.MSG_ID]: 1,
    });
    // ATTITUDE_QUATERNION, SERVO_OUTPUT_RAW, ATTITUDE_TARGET, LOCAL_POSITION_NED, POSITION_TARGET_LOCAL_NED
    expect(plan.off).toEqual([31, 36, 83, 32, 85]);
    // PX4's mission manager sends MISSION_CURRENT by itself, and refuses a rate for it.
    expect(plan.intervals.some(([id]) => id === common.MissionCurrent.MSG_ID)).toBe(false);
  });
});
