import { common } from 'node-mavlink';

const { MavDataStream } = common;

/** Which REQUEST_DATA_STREAM group each periodic message belongs to, as in ArduCopter's GCS_Mavlink.cpp. */
const STREAM_OF = new Map<number, number>([
  [1, MavDataStream.EXTENDED_STATUS], // SYS_STATUS
  [42, MavDataStream.EXTENDED_STATUS], // MISSION_CURRENT
  [24, MavDataStream.EXTENDED_STATUS], // GPS_RAW_INT
  [62, MavDataStream.EXTENDED_STATUS], // NAV_CONTROLLER_OUTPUT
  [87, MavDataStream.EXTENDED_STATUS], // POSITION_TARGET_GLOBAL_INT
  [33, MavDataStream.POSITION], // GLOBAL_POSITION_INT
  [32, MavDataStream.POSITION], // LOCAL_POSITION_NED
  [30, MavDataStream.EXTRA1], // ATTITUDE
  [74, MavDataStream.EXTRA2], // VFR_HUD
  [2, MavDataStream.EXTRA3], // SYSTEM_TIME
  [147, MavDataStream.EXTRA3], // BATTERY_STATUS
  [193, MavDataStream.EXTRA3], // EKF_STATUS_REPORT
]);

/**
 * What the vehicle sends by itself and how often. It starts with its firmware's default streams
 * (ArduPilot: nothing but HEARTBEAT at 1 Hz; PX4: ~25 messages, seven at ~50 Hz);
 * REQUEST_DATA_STREAM sets rates per group, SET_MESSAGE_INTERVAL per message (overriding the
 * default and the group; -1 off, 0 back to the default or the group rate).
 */
export class Streams {
  private readonly groupHz = new Map<number, number>();
  private readonly defaults: Map<number, number>;
  private readonly override = new Map<number, number>();
  private readonly due = new Map<number, number>();

  /**
   * @param canSend message ids the vehicle can produce (others are refused by SET_MESSAGE_INTERVAL)
   * @param defaults streamed from power-on: message id → interval in ms
   */
  constructor(private readonly canSend: (msgid: number) => boolean, defaults: [msgid: number, intervalMs: number][]) {
    this.defaults = new Map(defaults);
  }

  requestDataStream(streamId: number, hz: number, start: boolean): void {
    const rate = start ? hz : 0;
    if (streamId === MavDataStream.ALL) {
      for (const id of new Set(STREAM_OF.values())) this.groupHz.set(id, rate);
    } else this.groupHz.set(streamId, rate);
  }

  /** SET_MESSAGE_INTERVAL; false for a message this vehicle does not send. */
  setInterval(msgid: number, intervalUs: number): boolean {
    if (!this.canSend(msgid)) return false;
    if (intervalUs === 0) this.override.delete(msgid);
    else this.override.set(msgid, intervalUs < 0 ? -1 : intervalUs / 1000);
    this.due.delete(msgid);
    return true;
  }

  /** Current interval in ms, -1 when off (for MESSAGE_INTERVAL). */
  intervalMs(msgid: number): number {
    const o = this.override.get(msgid) ?? this.defaults.get(msgid);
    if (o !== undefined) return o;
    const group = STREAM_OF.get(msgid);
    const hz = group === undefined ? 0 : this.groupHz.get(group) ?? 0;
    return hz > 0 ? 1000 / hz : -1;
  }

  /** Messages due at `now` (ms); each is scheduled again one interval later (at most once per call). */
  collect(now: number): number[] {
    const out: number[] = [];
    const ids = new Set([...this.defaults.keys(), ...this.override.keys(), ...STREAM_OF.keys()]);
    for (const id of ids) {
      const interval = this.intervalMs(id);
      if (interval <= 0) {
        this.due.delete(id);
        continue;
      }
      const due = this.due.get(id) ?? now;
      if (now < due) continue;
      out.push(id);
      this.due.set(id, Math.max(due + interval, now));
    }
    return out;
  }
}
