import { common, minimal, ardupilotmega, type MavLinkData } from 'node-mavlink';
import { realClock, type Clock } from '../clock.ts';
import type { Connection } from '../links/connection.ts';
import type { SequenceCounts } from '../mavlink/sequence.ts';
import type { Frame } from '../mavlink/framer.ts';
import type { Autopilot, FlightMode, Position, RateRefusal, StatusMessage, VehicleView, VehicleWarning } from '../wire/types.ts';
import { autopilotOf, flightModeOf, modeName, type MissionItemKind } from './autopilots/index.ts';
import { StatusTextJoiner, type JoinedText } from './status-text.ts';

/** Vehicle is lost after this long without a HEARTBEAT (QGroundControl uses 3.5 s). */
export const LINK_LOST_MS = 3500;
const MAX_MESSAGES = 20;
const BATTERY_WARN_PERCENT = 25;

const enumName = (e: object, v: number) => (e as Record<number, string>)[v] ?? String(v);
const fixName = (fix: number) => enumName(common.GpsFixType, fix).replace('GPS_FIX_TYPE_', '');

/**
 * What parts of a vehicle's state one change touched, so a listener that cares about one part
 * (an alert rule on the battery) skips the others at telemetry rates.
 */
export const Part = {
  STATE: 1, // HEARTBEAT: mode, armed, system status
  POSITION: 2,
  MOTION: 4, // speed, climb, heading, attitude
  BATTERY: 8,
  GPS: 16,
  HOME: 32,
  MISSION: 64,
  MESSAGES: 128,
  LINK: 256,
  ALL: 511,
} as const;

/**
 * Everything we know about one aircraft (one MAVLink system on one link), kept current from
 * its telemetry. Raw MAVLink units are converted once, here.
 */
export class Vehicle {
  autopilot: Autopilot = 'other';
  type = 0;
  autopilotCompid: number;
  peer: string;
  baseMode = 0;
  customMode = 0;
  systemStatus = 0;
  position: Position | null = null;
  heading: number | null = null;
  groundSpeed: number | null = null;
  climbRate: number | null = null;
  attitude: VehicleView['attitude'] = null;
  battery: VehicleView['battery'] = null;
  gps: VehicleView['gps'] = null;
  home: VehicleView['home'] = null;
  missionSeq: number | null = null;
  ekfFlags: number | null = null;
  /** a GPS fix was seen since we found it (so a later loss is a loss, not a boot) */
  everHadFix = false;
  /** the last mode we asked for, so a change we caused is not reported as unexpected */
  commandedMode: { mode: string; at: number } | null = null;
  /**
   * The kind of mission item a patrol of ours has this vehicle at (the patrol sets it), so a mode
   * change its firmware makes by itself there (PX4: Return at an RTL item) is not unexpected.
   */
  planItem: MissionItemKind | null = null;
  /** telemetry rates it refused or never answered (vehicles/telemetry-rates.ts) */
  refusedRates: RateRefusal[] = [];
  readonly messages: StatusMessage[] = [];
  /** STATUSTEXTs received in all (the list above keeps only the latest) */
  messageCount = 0;
  lastHeard = 0;
  lastHeartbeat = 0;
  /** when a GLOBAL_POSITION_INT last arrived (0 = never): shows whether streams flow */
  lastPositionAt = 0;
  lost = false;
  /**
   * Packets from this system on its link and the loss their sequence numbers show: counted by the
   * connection over every packet, decoded or not (PX4's EVENT and its like would read as loss here).
   */
  get sequence(): SequenceCounts {
    return this.connection.sequenceOf(this.sysid);
  }
  private readonly texts: StatusTextJoiner;

  /**
   * `connection` is the link it was heard on (what we send to it goes there, to `peer`);
   * `changed` hears of changes made outside apply(): a chunked text shown when its lost chunk's
   * time ran out, on `clock`.
   */
  constructor(
    readonly id: string,
    readonly sysid: number,
    compid: number,
    peer: string,
    readonly connection: Connection,
    opts: { clock?: Clock; changed?: (parts: number) => void } = {},
  ) {
    this.autopilotCompid = compid;
    this.peer = peer;
    const clock = opts.clock ?? realClock;
    this.texts = new StatusTextJoiner(clock, (t) => {
      if (this.addText(t, clock.now())) opts.changed?.(Part.MESSAGES);
    });
  }

  get linkUri(): string {
    return this.connection.link.uri;
  }

  get armed(): boolean {
    return (this.baseMode & minimal.MavModeFlag.SAFETY_ARMED) !== 0;
  }

  get typeName(): string {
    return enumName(minimal.MavType, this.type);
  }

  get mode(): string {
    return modeName(this.autopilot, this.type, this.baseMode, this.customMode);
  }

  /** What its mode does, whatever its firmware calls it. */
  get flightMode(): FlightMode {
    return flightModeOf(this.autopilot, this.type, this.baseMode, this.customMode);
  }

  /** Apply one decoded message from this system. Returns the Part flags it changed, 0 if none. */
  apply(frame: Frame, msg: MavLinkData, now: number): number {
    this.lastHeard = now;
    switch (frame.msgid) {
      case minimal.Heartbeat.MSG_ID: {
        if (frame.compid !== this.autopilotCompid) return 0;
        const m = msg as minimal.Heartbeat;
        this.lastHeartbeat = now;
        this.autopilot = autopilotOf(m.autopilot);
        this.type = m.type;
        this.baseMode = m.baseMode;
        this.customMode = m.customMode;
        this.systemStatus = m.systemStatus;
        return Part.STATE;
      }
      case common.GlobalPositionInt.MSG_ID: {
        const m = msg as common.GlobalPositionInt;
        this.lastPositionAt = now;
        // ArduPilot reports exactly 0,0 until its GPS is up: that is "no position", not Null Island.
        this.position = m.lat === 0 && m.lon === 0 ?
          null
          : { lat: m.lat / 1e7, lon: m.lon / 1e7, altMsl: m.alt / 1000, altRel: m.relativeAlt / 1000 };
        if (m.hdg !== 0xffff) this.heading = m.hdg / 100;
        this.groundSpeed = Math.hypot(m.vx, m.vy) / 100;
        this.climbRate = -m.vz / 100;
        return Part.POSITION | Part.MOTION;
      }
      case common.VfrHud.MSG_ID: {
        const m = msg as common.VfrHud;
        this.groundSpeed = m.groundspeed;
        this.climbRate = m.climb;
        this.heading = m.heading;
        return Part.MOTION;
      }
      case common.Attitude.MSG_ID: {
        const m = msg as common.Attitude;
        const deg = 180 / Math.PI;
        this.attitude = { roll: m.roll * deg, pitch: m.pitch * deg, yaw: m.yaw * deg };
        return Part.MOTION;
      }
      case common.SysStatus.MSG_ID: {
        const m = msg as common.SysStatus;
        this.battery = {
          percent: m.batteryRemaining >= 0 ? m.batteryRemaining : this.battery?.percent ?? null,
          voltage: m.voltageBattery !== 0xffff ? m.voltageBattery / 1000 : null,
          current: m.currentBattery >= 0 ? m.currentBattery / 100 : null,
        };
        return Part.BATTERY;
      }
      case common.GpsRawInt.MSG_ID: {
        const m = msg as common.GpsRawInt;
        this.gps = {
          fix: m.fixType,
          fixName: fixName(m.fixType),
          satellites: m.satellitesVisible === 255 ? null : m.satellitesVisible,
          hdop: m.eph === 0xffff ? null : m.eph / 100,
        };
        if (m.fixType >= common.GpsFixType.GPS_FIX_TYPE_3D_FIX) this.everHadFix = true;
        return Part.GPS;
      }
      case common.HomePosition.MSG_ID: {
        const m = msg as common.HomePosition;
        this.home = { lat: m.latitude / 1e7, lon: m.longitude / 1e7, altMsl: m.altitude / 1000 };
        return Part.HOME;
      }
      case common.MissionCurrent.MSG_ID: {
        const m = msg as common.MissionCurrent;
        if (m.seq === this.missionSeq) return 0;
        this.missionSeq = m.seq;
        return Part.MISSION;
      }
      case ardupilotmega.EkfStatusReport.MSG_ID: { // ArduPilot's
        this.ekfFlags = (msg as ardupilotmega.EkfStatusReport).flags;
        return 0;
      }
      case common.StatusText.MSG_ID: {
        const t = this.texts.add(frame.compid, msg as common.StatusText);
        return t && this.addText(t, now) ? Part.MESSAGES : 0;
      }
      default:
        return 0;
    }
  }

  /** Keep a whole text (an empty one says nothing); false if there was nothing to keep. */
  private addText(t: JoinedText, time: number): boolean {
    if (!t.text) return false;
    this.messages.push({ time, severity: t.severity, text: t.text });
    this.messageCount++;
    if (this.messages.length > MAX_MESSAGES) this.messages.shift();
    return true;
  }

  /** Stop its timers: the fleet is closing. */
  close(): void {
    this.texts.close();
  }

  /** Re-evaluate link loss; true if the lost flag changed. */
  checkLink(now: number): boolean {
    const lost = now - this.lastHeartbeat > LINK_LOST_MS;
    if (lost === this.lost) return false;
    this.lost = lost;
    return true;
  }

  warnings(): VehicleWarning[] {
    const w: VehicleWarning[] = [];
    const pct = this.battery?.percent;
    if (pct != null && pct <= BATTERY_WARN_PERCENT) w.push({ code: 'battery', value: pct });
    if (this.gps && this.gps.fix < common.GpsFixType.GPS_FIX_TYPE_3D_FIX) w.push({ code: 'gps', value: this.gps.fixName });
    if (this.systemStatus >= minimal.MavState.CRITICAL && this.systemStatus <= minimal.MavState.EMERGENCY) {
      w.push({ code: 'status', value: enumName(minimal.MavState, this.systemStatus) });
    }
    if (!this.position) w.push({ code: 'no_position', value: null });
    return w;
  }

  view(crcErrors: number): VehicleView {
    const warnings = this.warnings();
    return {
      id: this.id,
      sysid: this.sysid,
      callsign: `Drone ${this.sysid}`,
      autopilot: this.autopilot,
      type: this.typeName,
      mode: this.mode,
      flightMode: this.flightMode,
      armed: this.armed,
      systemStatus: enumName(minimal.MavState, this.systemStatus),
      position: this.position,
      heading: this.heading,
      groundSpeed: this.groundSpeed,
      climbRate: this.climbRate,
      attitude: this.attitude,
      battery: this.battery,
      gps: this.gps,
      home: this.home,
      missionSeq: this.missionSeq,
      messages: [...this.messages],
      link: {
        uri: this.linkUri,
        lost: this.lost,
        lastHeard: this.lastHeard,
        packets: this.sequence.received,
        lossPercent: Math.round(this.sequence.lossPercent * 10) / 10,
        crcErrors,
        refusedRates: [...this.refusedRates],
      },
      health: this.lost ? 'lost' : warnings.length ? 'warning' : 'ok',
      warnings,
    };
  }
}
