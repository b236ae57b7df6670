/**
 * What the simulator as PX4 sends (see px4.ts): PX4's HEARTBEAT, SYS_STATUS and MISSION_CURRENT,
 * the messages it streams that ArduCopter does not, three it sends that no dialect here knows
 * (built byte by byte), and the things it sends by itself beside its streams (Px4Companion).
 */
import { common, minimal, standard, type MavLinkData } from 'node-mavlink';
import type { RawMessage } from '../mavlink/codec.ts';
import { CopterMode } from './ardupilot.ts';
import type { Companion, Outgoing } from './firmware.ts';
import { Telemetry } from './telemetry.ts';
import type { SimVehicle } from './vehicle.ts';

const { MavType, MavAutopilot, MavState } = minimal;
const { MavCmd, MavLandedState, MissionState } = common;

/** base_mode: CUSTOM_MODE_ENABLED | AUTO | GUIDED | STABILIZE (29) in every mode, + SAFETY_ARMED (128) armed. */
const BASE_MODE = 29;
const ARMED = 128;
/** system_status UNINIT for the first 5 s (capture: STANDBY from 5.01 s). */
const UNINIT_S = 5;
/** SYS_STATUS sensor bitmaps of the captured SIH quad once booted, and its pre-arm bit. */
const SENSORS = { PRESENT: 0x0300402f, ENABLED: 0x0301402f, HEALTH: 0x0320883f, PREARM: 0x10000000 } as const;
/** PX4 1.17.0 alpha (type 64), commit 02e73e3b6f, as its AUTOPILOT_VERSION says. */
const VERSION = (1 << 24) | (17 << 16) | (0 << 8) | standard.FirmwareVersionType.ALPHA;
const COMMIT = [0x00, 0x00, 0x00, 0x6f, 0x3b, 0x3e, 0xe7, 0x02];
const CAPABILITIES = 0xe8ffn; // MISSION_FLOAT … MISSION_RALLY, not SET_POSITION_TARGET_GLOBAL_INT
/** No mission stored: MISSION_CURRENT.total is 65535. */
const NO_MISSION_TOTAL = 65535;
const PWM_DISARMED = 1000;
const PWM_HOVER = 1500;

/** Messages of PX4's common.xml that mavlink-mappings lacks: id, CRC_EXTRA, payload length. */
const RAW = {
  LINK_NODE_STATUS: { msgid: 8, crcExtra: 117, length: 36 },
  TIME_ESTIMATE_TO_TARGET: { msgid: 380, crcExtra: 232, length: 20 },
  CURRENT_EVENT_SEQUENCE: { msgid: 411, crcExtra: 106, length: 3 },
} as const;

function raw(kind: keyof typeof RAW, fill: (payload: Buffer) => void): RawMessage {
  const { msgid, crcExtra, length } = RAW[kind];
  const payload = Buffer.alloc(length);
  fill(payload);
  return { msgid, crcExtra, payload };
}

/** A rotation (roll, pitch, yaw in radians) as the quaternion [w, x, y, z]. */
function quaternion(roll: number, pitch: number, yaw: number): [number, number, number, number] {
  const [cr, sr] = [Math.cos(roll / 2), Math.sin(roll / 2)];
  const [cp, sp] = [Math.cos(pitch / 2), Math.sin(pitch / 2)];
  const [cy, sy] = [Math.cos(yaw / 2), Math.sin(yaw / 2)];
  return [cr * cp * cy + sr * sp * sy, sr * cp * cy - cr * sp * sy, cr * sp * cy + sr * cp * sy, cr * cp * sy - sr * sp * cy];
}

export class Px4Telemetry extends Telemetry {
  static readonly LINK_NODE_STATUS = RAW.LINK_NODE_STATUS.msgid;
  static readonly TIME_ESTIMATE_TO_TARGET = RAW.TIME_ESTIMATE_TO_TARGET.msgid;
  static readonly CURRENT_EVENT_SEQUENCE = RAW.CURRENT_EVENT_SEQUENCE.msgid;

  /** What it builds beyond the shared telemetry (RC_CHANNELS: a stream with nothing in it, no RC here). */
  private static readonly OWN = new Set([
    common.AttitudeQuaternion.MSG_ID,
    common.AttitudeTarget.MSG_ID,
    common.PositionTargetLocalNed.MSG_ID,
    common.ServoOutputRaw.MSG_ID,
    common.ExtendedSysState.MSG_ID,
    common.CurrentMode.MSG_ID,
    common.RcChannels.MSG_ID,
    RAW.LINK_NODE_STATUS.msgid,
    RAW.TIME_ESTIMATE_TO_TARGET.msgid,
    RAW.CURRENT_EVENT_SEQUENCE.msgid,
  ]);

  private originSent = false;

  constructor(v: SimVehicle, startEpochMs: number, uid: bigint, private readonly missionId: () => number) {
    super(v, startEpochMs, uid);
  }

  override canBuild(msgid: number): boolean {
    return Px4Telemetry.OWN.has(msgid) || super.canBuild(msgid);
  }

  override build(msgid: number): Outgoing | null {
    switch (msgid) {
      case common.AttitudeQuaternion.MSG_ID:
        return this.attitudeQuaternion();
      case common.AttitudeTarget.MSG_ID:
        return this.attitudeTarget();
      case common.PositionTargetLocalNed.MSG_ID:
        return this.positionTargetLocal();
      case common.ServoOutputRaw.MSG_ID:
        return this.servoOutput();
      case common.ExtendedSysState.MSG_ID:
        return this.extendedSysState();
      case common.CurrentMode.MSG_ID:
        return this.currentMode();
      case common.RcChannels.MSG_ID:
        return null;
      case RAW.LINK_NODE_STATUS.msgid:
        return raw('LINK_NODE_STATUS', (p) => p.writeBigUInt64LE(this.bootUs, 0));
      case RAW.TIME_ESTIMATE_TO_TARGET.msgid:
        return this.timeEstimate();
      case RAW.CURRENT_EVENT_SEQUENCE.msgid:
        return raw('CURRENT_EVENT_SEQUENCE', () => {});
      // PX4 sends no position until its estimator has one (no 0,0 phase)
      // no events sent: sequence 0
      case common.GlobalPositionInt.MSG_ID:
        return this.v.sensors.gpsEverFixed ? this.globalPosition() : null;
      case common.SystemTime.MSG_ID:
        return null;
      case common.NavControllerOutput.MSG_ID:
        return null;
      default:
        return super.build(msgid);
    }
  }

  override heartbeat(): MavLinkData {
    const v = this.v;
    const m = new minimal.Heartbeat();
    m.type = MavType.QUADROTOR;
    m.autopilot = MavAutopilot.PX4;
    m.baseMode = (BASE_MODE | (v.armed ? ARMED : 0)) as minimal.MavModeFlag;
    m.customMode = v.firmware.customMode(v.mode);
    m.systemStatus = v.timeMs < UNINIT_S * 1000 ? MavState.UNINIT : v.batteryFailsafe ? MavState.CRITICAL : v.armed ? MavState.ACTIVE : MavState.STANDBY;
    m.mavlinkVersion = 3;
    return m;
  }

  protected override sysStatus(): MavLinkData {
    const m = super.sysStatus() as common.SysStatus;
    m.onboardControlSensorsPresent = SENSORS.PRESENT as common.MavSysStatusSensor;
    m.onboardControlSensorsEnabled = SENSORS.ENABLED as common.MavSysStatusSensor;
    m.onboardControlSensorsHealth = ((SENSORS.HEALTH | (this.v.armable ? SENSORS.PREARM : 0)) >>> 0) as common.MavSysStatusSensor;
    return m;
  }

  /** PX4's mission manager: total 65535 with no mission, ACTIVE whenever in Mission mode, mission_mode 2 outside it. */
  override missionCurrent(): MavLinkData {
    const s = this.v.missionStatus;
    const m = new common.MissionCurrent();
    m.seq = s.seq;
    m.total = s.state === MissionState.NO_MISSION ? NO_MISSION_TOTAL : s.total;
    m.missionState = s.state === MissionState.NOT_STARTED && s.inMissionMode ? MissionState.ACTIVE : s.state;
    m.missionMode = s.inMissionMode ? 1 : 2;
    m.missionId = this.missionId();
    return m;
  }

  /** GPS_GLOBAL_ORIGIN once, when the estimator sets it; HOME_POSITION whenever home is set (and every 2 s) */
  override homeMessages(): Outgoing[] {
    const out: Outgoing[] = [];
    const origin = this.originSent ? null : this.origin();
    if (origin) out.push(origin);
    this.originSent ||= origin !== null;
    const home = this.homePosition();
    if (home) out.push(home);
    return out;
  }

  override homePosition(): MavLinkData | null {
    const m = super.homePosition() as common.HomePosition | null;
    if (m) m.q = [1, 0, 0, 0];
    return m;
  }

  /** While armed, where it is flying to (frame GLOBAL_INT, every field used). */
  protected override positionTarget(): MavLinkData | null {
    if (!this.v.armed) return null;
    const m = super.positionTarget() as common.PositionTargetGlobalInt | null ?? new common.PositionTargetGlobalInt();
    const t = this.v.navTarget ?? { ...this.v.position };
    m.timeBootMs = this.bootMs;
    m.coordinateFrame = common.MavFrame.GLOBAL_INT;
    m.typeMask = 0 as common.PositionTargetTypemask;
    m.latInt = Math.round(t.lat * 1e7);
    m.lonInt = Math.round(t.lon * 1e7);
    m.alt = t.altMsl;
    return m;
  }

  protected override autopilotVersion(): MavLinkData {
    const m = super.autopilotVersion() as standard.AutopilotVersion;
    m.capabilities = CAPABILITIES as unknown as standard.MavProtocolCapability;
    m.flightSwVersion = m.middlewareSwVersion = VERSION;
    m.boardVersion = 1;
    m.flightCustomVersion = [...COMMIT];
    return m;
  }

  private attitudeQuaternion(): MavLinkData {
    const a = super.attitude() as common.Attitude;
    const m = new common.AttitudeQuaternion();
    m.timeBootMs = this.bootMs;
    [m.q1, m.q2, m.q3, m.q4] = quaternion(a.roll, a.pitch, a.yaw);
    m.reprOffsetQ = [0, 0, 0, 0];
    return m;
  }

  private attitudeTarget(): MavLinkData {
    const a = super.attitude() as common.Attitude;
    const m = new common.AttitudeTarget();
    m.timeBootMs = this.bootMs;
    m.q = quaternion(a.roll, a.pitch, a.yaw);
    m.thrust = this.v.armed && !this.v.flight.landed ? 0.5 : 0;
    return m;
  }

  private positionTargetLocal(): MavLinkData {
    const f = this.v.flight;
    const t = this.v.navTarget?.local ?? { n: f.n, e: f.e, alt: f.alt };
    const m = new common.PositionTargetLocalNed();
    m.timeBootMs = this.bootMs;
    m.coordinateFrame = common.MavFrame.LOCAL_NED;
    m.x = t.n;
    m.y = t.e;
    m.z = -t.alt;
    return m;
  }

  private servoOutput(): MavLinkData {
    const m = new common.ServoOutputRaw();
    m.timeUsec = Number(this.bootUs & 0xffffffffn);
    const pwm = this.v.armed ? PWM_HOVER : PWM_DISARMED;
    m.servo1Raw =
      m.servo2Raw =
      m.servo3Raw =
      m.servo4Raw =
        pwm;
    return m;
  }

  private extendedSysState(): MavLinkData {
    const v = this.v;
    const kind = v.navKind;
    const m = new common.ExtendedSysState();
    m.landedState = v.flight.landed ?
      MavLandedState.ON_GROUND
      : kind === 'takeoff' ?
      MavLandedState.TAKEOFF
      : kind === 'land' || kind === 'rtl-land'
      ? MavLandedState.LANDING
      : MavLandedState.IN_AIR;
    return m;
  }

  private currentMode(): MavLinkData {
    const custom = this.v.firmware.customMode(this.v.mode);
    const m = new common.CurrentMode();
    m.customMode = m.intendedCustomMode = custom;
    m.standardMode = standardMode(custom);
    return m;
  }

  /** Seconds to get home while armed (0 on the ground); the other estimates unknown (-1), as in the capture. */
  private timeEstimate(): RawMessage {
    const v = this.v;
    const home = v.home ? v.frame.toLocal(v.home) : { n: 0, e: 0 };
    const f = v.flight;
    const safeReturn = v.armed ? Math.round(Math.hypot(home.n - f.n, home.e - f.e) / 5 + f.alt / 1.5) : 0;
    return raw('TIME_ESTIMATE_TO_TARGET', (p) => {
      p.writeInt32LE(safeReturn, 0);
      for (let at = 4; at < 20; at += 4) p.writeInt32LE(-1, at);
    });
  }
}

/** CURRENT_MODE.standard_mode (MAV_STANDARD_MODE) by PX4 sub mode: MISSION 6, RETURN 5, LAND 7, TAKEOFF 8; HOLD is non-standard (0). */
const STANDARD_MODE = new Map<number, number>([[4, 6], [5, 5], [6, 7], [2, 8]]);
const standardMode = (customMode: number): number => STANDARD_MODE.get(customMode >>> 24) ?? 0;

const PING_EVERY_MS = 10_000;
/** MISSION_ITEM_REACHED is sent once more every second, ten times (44 = 4 items × 11 in the capture). */
const REACHED_REPEATS = 10;
const REACHED_EVERY_MS = 1000;
/** PX4 repeats a command nobody acknowledges with confirmation 1, 2, 3 (0.5-1 s apart in the capture). */
const OWN_COMMAND_COPIES = 4;
const OWN_COMMAND_EVERY_MS = 750;

interface Scheduled {
  at: number;
  msg: () => Outgoing;
}

/**
 * What PX4 sends beside its streams: PING every 10 s (its boot time, seq counting up, to everyone),
 * MISSION_ITEM_REACHED repeated, and COMMAND_LONG copies of its own internal commands addressed
 * to itself (target component 0) when its mission hands over to RTL and when it lands.
 */
export class Px4Companion implements Companion {
  private pingSeq = 0;
  private nextPing = PING_EVERY_MS;
  private readonly scheduled: Scheduled[] = [];
  private lastMode: number | null = null;
  private wasLanded = true;
  private now = 0;

  constructor(private readonly sysid: number) {}

  update(v: SimVehicle): Outgoing[] {
    this.now = v.timeMs;
    const out: Outgoing[] = [];
    if (v.timeMs >= this.nextPing) {
      this.nextPing += PING_EVERY_MS;
      const m = new common.Ping();
      m.timeUsec = BigInt(Math.round(v.timeMs * 1000));
      m.seq = this.pingSeq++;
      out.push(m);
    }
    // The mission's RTL item switched the mode to RTL: PX4's navigator commands it, and says so.
    if (this.lastMode === CopterMode.AUTO && v.mode === CopterMode.RTL && v.runner.state === 'complete') this.ownCommand(MavCmd.NAV_RETURN_TO_LAUNCH, []);
    if (!this.wasLanded && v.flight.landed && v.armed) this.ownCommand(0, [0, 2, 80, NaN, 0, 0, v.position.altMsl]);
    this.lastMode = v.mode;
    this.wasLanded = v.flight.landed;
    for (let i = 0; i < this.scheduled.length;) {
      const s = this.scheduled[i]!;
      if (s.at > v.timeMs) i++;
      else {
        out.push(s.msg());
        this.scheduled.splice(i, 1);
      }
    }
    return out;
  }

  itemReached(seq: number): void {
    for (let k = 1; k <= REACHED_REPEATS; k++) {
      this.scheduled.push({ at: this.now + k * REACHED_EVERY_MS, msg: () => Object.assign(new common.MissionItemReached(), { seq }) });
    }
  }

  private ownCommand(command: number, params: number[]): void {
    const p = [...params, 0, 0, 0, 0, 0, 0, 0].slice(0, 7);
    for (let confirmation = 0; confirmation < OWN_COMMAND_COPIES; confirmation++) {
      this.scheduled.push({
        at: this.now + confirmation * OWN_COMMAND_EVERY_MS,
        msg: () => {
          const m = new common.CommandLong();
          m.targetSystem = this.sysid;
          m.targetComponent = 0;
          m.command = command as common.MavCmd;
          m.confirmation = confirmation;
          [m._param1, m._param2, m._param3, m._param4, m._param5, m._param6, m._param7] = p as [number, number, number, number, number, number, number];
          return m;
        },
      });
    }
  }
}
