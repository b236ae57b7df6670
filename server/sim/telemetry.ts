import { ardupilotmega, common, minimal, standard, type MavLinkData } from 'node-mavlink';
import type { Outgoing, TelemetrySource } from './firmware.ts';
import type { SimVehicle } from './vehicle.ts';

const { MavType, MavAutopilot } = minimal;
const { MavBatteryChargeState } = common;
const { MavProtocolCapability, FirmwareVersionType } = standard;

/** The captured SITL's GPS: 10 satellites, hdop 1.21, vdop 2.0, 0.3 m accuracy. */
const GPS = { satellites: 10, eph: 121, epv: 200, accMm: 300 };
/** MOT_THST_HOVER of the captured quad: 38 % throttle in a hover. */
const HOVER_THROTTLE = 38;
/** ArduCopter 4.7.0-dev, as the captured SITL reports itself. */
const FLIGHT_SW_VERSION = (4 << 24) | (7 << 16) | (0 << 8) | FirmwareVersionType.DEV;
const CAPABILITIES = [
  MavProtocolCapability.MISSION_FLOAT,
  MavProtocolCapability.PARAM_FLOAT,
  MavProtocolCapability.MISSION_INT,
  MavProtocolCapability.COMMAND_INT,
  MavProtocolCapability.SET_POSITION_TARGET_GLOBAL_INT,
  MavProtocolCapability.MAVLINK2,
  MavProtocolCapability.MISSION_FENCE,
  MavProtocolCapability.MISSION_RALLY,
].reduce((a, b) => a | BigInt(b), 0n);

const e7 = (deg: number) => Math.round(deg * 1e7);
const cdeg = (deg: number) => Math.round(((deg % 360) + 360) % 360 * 100);

/** Builds the vehicle's telemetry messages from its state; null when ArduCopter would not send one now. */
export class Telemetry implements TelemetrySource {
  constructor(protected readonly v: SimVehicle, protected readonly startEpochMs: number, protected readonly uid: bigint) {}

  protected get bootMs(): number {
    return Math.floor(this.v.timeMs);
  }

  protected get bootUs(): bigint {
    return BigInt(Math.floor(this.v.timeMs * 1000));
  }

  /** Message ids build() can produce. */
  static readonly IDS = new Set([
    minimal.Heartbeat,
    common.SysStatus,
    common.SystemTime,
    common.GpsRawInt,
    common.Attitude,
    common.LocalPositionNed,
    common.GlobalPositionInt,
    common.MissionCurrent,
    common.GpsGlobalOrigin,
    common.NavControllerOutput,
    common.VfrHud,
    common.PositionTargetGlobalInt,
    common.BatteryStatus,
    standard.AutopilotVersion,
    ardupilotmega.EkfStatusReport,
    common.HomePosition,
  ].map((cls) => cls.MSG_ID));

  canBuild(msgid: number): boolean {
    return Telemetry.IDS.has(msgid);
  }

  homeMessages(): Outgoing[] {
    return [this.origin(), this.homePosition()].filter((m) => m !== null);
  }

  build(msgid: number): Outgoing | null {
    switch (msgid) {
      case minimal.Heartbeat.MSG_ID:
        return this.heartbeat();
      case common.SysStatus.MSG_ID:
        return this.sysStatus();
      case common.SystemTime.MSG_ID:
        return this.systemTime();
      case common.GpsRawInt.MSG_ID:
        return this.gpsRaw();
      case common.Attitude.MSG_ID:
        return this.attitude();
      case common.LocalPositionNed.MSG_ID:
        return this.localPosition();
      case common.GlobalPositionInt.MSG_ID:
        return this.globalPosition();
      case common.MissionCurrent.MSG_ID:
        return this.missionCurrent();
      case common.GpsGlobalOrigin.MSG_ID:
        return this.origin();
      case common.NavControllerOutput.MSG_ID:
        return this.navController();
      case common.VfrHud.MSG_ID:
        return this.vfrHud();
      case common.PositionTargetGlobalInt.MSG_ID:
        return this.positionTarget();
      case common.BatteryStatus.MSG_ID:
        return this.batteryStatus();
      case standard.AutopilotVersion.MSG_ID:
        return this.autopilotVersion();
      case ardupilotmega.EkfStatusReport.MSG_ID:
        return this.ekfStatus();
      case common.HomePosition.MSG_ID:
        return this.homePosition();
      default:
        return null;
    }
  }

  heartbeat(): MavLinkData {
    const m = new minimal.Heartbeat();
    m.type = MavType.QUADROTOR;
    m.autopilot = MavAutopilot.ARDUPILOTMEGA;
    m.baseMode = this.v.baseMode;
    m.customMode = this.v.mode;
    m.systemStatus = this.v.systemStatus;
    m.mavlinkVersion = 3;
    return m;
  }

  protected sysStatus(): MavLinkData {
    const b = this.v.battery;
    const m = new common.SysStatus();
    m.onboardControlSensorsPresent = this.v.sensorsPresent;
    m.onboardControlSensorsEnabled = this.v.sensorsPresent;
    m.onboardControlSensorsHealth = this.v.sensorsHealthy;
    m.voltageBattery = Math.round(b.voltage * 1000);
    m.currentBattery = Math.round(b.current * 100);
    m.batteryRemaining = Math.round(b.remaining * 100);
    return m;
  }

  protected systemTime(): MavLinkData {
    const m = new common.SystemTime();
    m.timeUnixUsec = BigInt(Math.round(this.startEpochMs + this.v.timeMs)) * 1000n;
    m.timeBootMs = this.bootMs;
    return m;
  }

  protected gpsRaw(): MavLinkData {
    const s = this.v.sensors;
    const m = new common.GpsRawInt();
    m.fixType = s.fixType;
    m.eph = m.epv = 65535;
    if (s.gpsFix) {
      const p = this.v.position;
      const f = this.v.flight;
      m.timeUsec = this.bootUs;
      m.lat = e7(p.lat);
      m.lon = e7(p.lon);
      m.alt = m.altEllipsoid = Math.round(p.altMsl * 1000);
      m.eph = GPS.eph;
      m.epv = GPS.epv;
      m.vel = Math.round(f.groundSpeed * 100);
      m.cog = f.groundSpeed > 0.2 ? cdeg((Math.atan2(f.ve, f.vn) * 180) / Math.PI) : 0;
      m.satellitesVisible = GPS.satellites;
      m.hAcc = m.vAcc = GPS.accMm;
    }
    return m;
  }

  protected attitude(): MavLinkData {
    const f = this.v.flight;
    const { roll, pitch } = f.attitude();
    const m = new common.Attitude();
    m.timeBootMs = this.bootMs;
    m.roll = roll;
    m.pitch = pitch;
    m.yaw = ((f.yaw > 180 ? f.yaw - 360 : f.yaw) * Math.PI) / 180;
    return m;
  }

  protected localPosition(): MavLinkData | null {
    if (!this.v.sensors.positionOk) return null; // ArduPilot sends it only once the EKF uses GPS
    const f = this.v.flight;
    const m = new common.LocalPositionNed();
    m.timeBootMs = this.bootMs;
    m.x = f.n;
    m.y = f.e;
    m.z = -f.alt;
    m.vx = f.vn;
    m.vy = f.ve;
    m.vz = -f.vu;
    return m;
  }

  /** lat = lon = 0 until the first GPS fix, as ArduCopter sends it. */
  protected globalPosition(): MavLinkData {
    const m = new common.GlobalPositionInt();
    m.timeBootMs = this.bootMs;
    const f = this.v.flight;
    m.hdg = cdeg(f.yaw);
    if (this.v.sensors.gpsEverFixed) {
      const p = this.v.position;
      m.lat = e7(p.lat);
      m.lon = e7(p.lon);
      m.alt = Math.round(p.altMsl * 1000);
      m.relativeAlt = Math.round(p.altRel * 1000);
      m.vx = Math.round(f.vn * 100);
      m.vy = Math.round(f.ve * 100);
      m.vz = Math.round(-f.vu * 100);
    }
    return m;
  }

  missionCurrent(): MavLinkData {
    const s = this.v.missionStatus;
    const m = new common.MissionCurrent();
    m.seq = s.seq;
    m.total = s.total;
    m.missionState = s.state;
    m.missionMode = s.inMissionMode ? 1 : 0;
    return m;
  }

  origin(): MavLinkData | null {
    if (!this.v.home) return null; // set together with home
    const o = this.v.origin;
    const m = new common.GpsGlobalOrigin();
    m.latitude = e7(o.lat);
    m.longitude = e7(o.lon);
    m.altitude = Math.round(o.altMsl * 1000);
    m.timeUsec = this.bootUs;
    return m;
  }

  protected navController(): MavLinkData {
    const m = new common.NavControllerOutput();
    const { roll, pitch } = this.v.flight.attitude();
    m.navRoll = (roll * 180) / Math.PI;
    m.navPitch = (pitch * 180) / Math.PI;
    const t = this.v.navTarget;
    const f = this.v.flight;
    if (t) {
      const dn = t.local.n - f.n;
      const de = t.local.e - f.e;
      const bearing = Math.round(((Math.atan2(de, dn) * 180) / Math.PI + 360) % 360);
      m.navBearing = m.targetBearing = bearing;
      m.wpDist = Math.min(65535, Math.round(Math.hypot(dn, de)));
      m.altError = t.local.alt - f.alt;
    }
    return m;
  }

  protected vfrHud(): MavLinkData {
    const f = this.v.flight;
    const m = new common.VfrHud();
    m.groundspeed = m.airspeed = f.groundSpeed;
    m.heading = Math.round(f.yaw) % 360;
    m.throttle = !this.v.armed ? 0 : f.landed ? 0 : Math.max(0, Math.min(100, Math.round(HOVER_THROTTLE + 6 * f.vu + 0.3 * f.groundSpeed)));
    m.alt = this.v.position.altMsl;
    m.climb = f.vu;
    return m;
  }

  /** Only while the copter is flying to a target, as in the AUTO part of the capture. */
  protected positionTarget(): MavLinkData | null {
    const t = this.v.navTarget;
    if (!t) return null;
    const m = new common.PositionTargetGlobalInt();
    m.timeBootMs = this.bootMs;
    m.coordinateFrame = 0;
    m.typeMask = 65016 as common.PositionTargetTypemask; // position only, as ArduCopter reports it
    m.latInt = e7(t.lat);
    m.lonInt = e7(t.lon);
    m.alt = t.altMsl;
    return m;
  }

  protected batteryStatus(): MavLinkData {
    const b = this.v.battery;
    const m = new common.BatteryStatus();
    m.temperature = 32767;
    m.voltages = [Math.round(b.voltage * 1000), ...Array<number>(9).fill(65535)];
    m.voltagesExt = [0, 0, 0, 0];
    m.currentBattery = Math.round(b.current * 100);
    m.currentConsumed = Math.round(b.consumedMah);
    m.energyConsumed = Math.round(b.consumedMwh * 3.6 / 100); // hJ
    m.batteryRemaining = Math.round(b.remaining * 100);
    m.chargeState = this.v.batteryFailsafe ? MavBatteryChargeState.LOW : MavBatteryChargeState.OK;
    return m;
  }

  protected autopilotVersion(): MavLinkData {
    const m = new standard.AutopilotVersion();
    m.capabilities = CAPABILITIES as unknown as standard.MavProtocolCapability; // a uint64 bitmask (bigint on the wire)
    m.uid = this.uid;
    m.flightSwVersion = FLIGHT_SW_VERSION;
    m.flightCustomVersion = Array<number>(8).fill(0);
    m.middlewareCustomVersion = Array<number>(8).fill(0);
    m.osCustomVersion = Array<number>(8).fill(0);
    m.uid2 = Array<number>(18).fill(0);
    return m;
  }

  protected ekfStatus(): MavLinkData {
    const m = new ardupilotmega.EkfStatusReport();
    m.flags = this.v.sensors.ekfFlags;
    const good = this.v.sensors.positionOk;
    m.velocityVariance = good ? 0.006 : 0;
    m.posHorizVariance = good ? 0.008 : 0;
    m.posVertVariance = 0.005;
    m.compassVariance = 0.013;
    return m;
  }

  homePosition(): MavLinkData | null {
    const h = this.v.home;
    if (!h) return null;
    const local = this.v.frame.toLocal(h);
    const m = new common.HomePosition();
    m.latitude = e7(h.lat);
    m.longitude = e7(h.lon);
    m.altitude = Math.round(h.altMsl * 1000);
    m.x = local.n;
    m.y = local.e;
    m.z = -(h.altMsl - this.v.origin.altMsl);
    m.q = [NaN, NaN, NaN, NaN];
    m.timeUsec = this.bootUs;
    return m;
  }
}
