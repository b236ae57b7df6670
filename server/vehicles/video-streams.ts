/**
 * The MAVLink camera protocol's VIDEO_STREAM_INFORMATION (269): where a drone says its video can
 * be had, so the station plays it without configuration.
 *
 * Who answers, as the autopilots really do it: ArduPilot (4.6 on, a camera attached to the
 * autopilot, its stream set by parameters or a Lua script: Siyi, Herelink, Topotek, ViewPro) from
 * the autopilot's own component, with camera_device_id 1-6; PX4 leaves cameras to their own
 * MAVLink components (compid 100-105, HEARTBEAT type CAMERA: a companion computer's camera
 * manager), which answer for themselves. So we ask an ArduPilot autopilot once when it is found
 * (and when its link comes back: it may have rebooted), and every camera component when we first
 * hear it; a drone without a camera answers FAILED, or nothing, and costs one command. Streams
 * that arrive unasked (some companion computers send them every second) are taken too.
 *
 * Asked with MAV_CMD_REQUEST_MESSAGE (param2 0: all streams), sent to the component itself; not
 * through CommandSender, which addresses the autopilot: here the answer that counts is the
 * message, and the ACK only ends the asking.
 */
import { EventEmitter } from 'node:events';
import { common, minimal } from 'node-mavlink';
import { realClock, type Clock, type TimerHandle } from '../clock.ts';
import type { Fleet } from './fleet.ts';
import type { Vehicle } from './vehicle.ts';

export interface AnnouncedStream {
  /** the component that announced it (1: the autopilot; 100-105: a MAVLink camera) */
  compid: number;
  streamId: number;
  name: string;
  /** VIDEO_STREAM_TYPE: rtsp, rtpudp (uri: the port to listen on), tcp_mpeg, mpeg_ts */
  type: 'rtsp' | 'rtpudp' | 'tcp_mpeg' | 'mpeg_ts' | 'unknown';
  uri: string;
  encoding: 'h264' | 'h265' | 'unknown';
  width: number;
  height: number;
  running: boolean;
}

const TYPES: Record<number, AnnouncedStream['type']> = { 0: 'rtsp', 1: 'rtpudp', 2: 'tcp_mpeg', 3: 'mpeg_ts' };
const ENCODINGS: Record<number, AnnouncedStream['encoding']> = { 1: 'h264', 2: 'h265' };
/** MAV_COMP_ID_CAMERA .. MAV_COMP_ID_CAMERA6 */
const CAMERA_COMPIDS = { first: 100, last: 105 };
const ATTEMPTS = 3;
const ATTEMPT_MS = 1500;

export class VideoStreamAnnouncements extends EventEmitter<{ announced: [vehicle: Vehicle, streams: AnnouncedStream[]] }> {
  private readonly streams = new Map<string, AnnouncedStream[]>();
  private readonly watching = new Map<string, (() => void)[]>();
  /** components asked (or answering) per vehicle: each is asked once */
  private readonly asked = new Map<string, Set<number>>();
  private readonly timers = new Set<TimerHandle>();
  private readonly found = (v: Vehicle) => this.watch(v);
  private readonly regained = (v: Vehicle) => {
    this.asked.get(v.id)?.delete(v.autopilotCompid);
    if (v.autopilot === 'ardupilot') this.ask(v, v.autopilotCompid);
  };

  constructor(private readonly fleet: Fleet, private readonly clock: Clock = realClock) {
    super();
    fleet.on('found', this.found);
    fleet.on('regained', this.regained);
    for (const v of fleet.vehicles.values()) this.watch(v);
  }

  /** What the drone has announced, newest per component and stream. */
  of(vehicleId: string): AnnouncedStream[] {
    return this.streams.get(vehicleId) ?? [];
  }

  close(): void {
    this.fleet.off('found', this.found);
    this.fleet.off('regained', this.regained);
    for (const offs of this.watching.values()) for (const off of offs) off();
    for (const t of this.timers) this.clock.clearTimeout(t);
  }

  private watch(v: Vehicle): void {
    if (this.watching.has(v.id)) return;
    this.watching.set(v.id, [
      this.fleet.onMessage(v.id, common.VideoStreamInformation, (m, inc) => this.take(v, inc.frame.compid, m)),
      this.fleet.onMessage(v.id, minimal.Heartbeat, (hb, inc) => {
        const c = inc.frame.compid;
        if (hb.type === minimal.MavType.CAMERA || (c >= CAMERA_COMPIDS.first && c <= CAMERA_COMPIDS.last)) this.ask(v, c);
      }),
    ]);
    if (v.autopilot === 'ardupilot') this.ask(v, v.autopilotCompid);
  }

  /** REQUEST_MESSAGE(269, all streams) to one component, again every 1.5 s until it answers (3 tries). */
  private ask(v: Vehicle, compid: number): void {
    const asked = this.asked.get(v.id) ?? new Set<number>();
    this.asked.set(v.id, asked);
    if (asked.has(compid)) return;
    asked.add(compid);
    let answered = false;
    const offAck = this.fleet.onMessage(v.id, common.CommandAck, (ack, inc) => {
      if (inc.frame.compid === compid && ack.command === common.MavCmd.REQUEST_MESSAGE) answered = true;
    });
    const offInfo = this.fleet.onMessage(v.id, common.VideoStreamInformation, (_m, inc) => {
      if (inc.frame.compid === compid) answered = true;
    });
    const send = (attempt: number) => {
      if (answered || attempt >= ATTEMPTS) {
        offAck();
        offInfo();
        return;
      }
      const m = new common.CommandLong();
      m.targetSystem = v.sysid;
      m.targetComponent = compid;
      m.command = common.MavCmd.REQUEST_MESSAGE;
      m.confirmation = attempt;
      m._param1 = common.VideoStreamInformation.MSG_ID;
      m._param2 = 0;
      [m._param3, m._param4, m._param5, m._param6, m._param7] = [0, 0, 0, 0, 0];
      this.fleet.send(v, m);
      const t = this.clock.setTimeout(() => {
        this.timers.delete(t);
        send(attempt + 1);
      }, ATTEMPT_MS);
      this.timers.add(t);
    };
    send(0);
  }

  private take(v: Vehicle, compid: number, m: common.VideoStreamInformation): void {
    const stream: AnnouncedStream = {
      compid,
      streamId: m.streamId,
      name: m.name,
      type: TYPES[m.type] ?? 'unknown',
      uri: m.uri,
      encoding: ENCODINGS[m.encoding] ?? 'unknown',
      width: m.resolutionH,
      height: m.resolutionV,
      running: (m.flags & common.VideoStreamStatusFlags.RUNNING) !== 0,
    };
    const rest = this.of(v.id).filter((s) => s.compid !== compid || s.streamId !== stream.streamId);
    const before = this.of(v.id).find((s) => s.compid === compid && s.streamId === stream.streamId);
    const streams = [...rest, stream].sort((a, b) => a.compid - b.compid || a.streamId - b.streamId);
    this.streams.set(v.id, streams);
    if (!before || JSON.stringify(before) !== JSON.stringify(stream)) this.emit('announced', v, streams);
  }
}
