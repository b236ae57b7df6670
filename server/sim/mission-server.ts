import { crc32 } from 'node:zlib';
import { common, type MavLinkData } from 'node-mavlink';
import type { MissionHabits, Said, Voice } from './firmware.ts';
import type { MissionFaults } from './mission-faults.ts';
import { fromItemFloat, fromItemInt, storedAltitude, toItemFloat, toItemInt, validateItem, type RawMissionItem } from './mission-items.ts';

const { MavMissionResult, MavMissionType, MavCmd, MavFrame } = common;

/** ArduPilot's MissionItemProtocol timing: re-request after 1 s, abandon after 8 s without an item. */
const REREQUEST_MS = 1000;
const UPLOAD_TIMEOUT_MS = 8000;

export interface Peer {
  sysid: number;
  compid: number;
}

export interface MissionHost {
  /** simulated milliseconds since boot */
  now(): number;
  send(msg: MavLinkData): void;
  say(said: Said): void;
  readonly voice: Voice;
  readonly habits: MissionHabits;
  home(): { lat: number; lon: number; altMsl: number } | null;
  /** the mission item being flown or next to fly (MISSION_CURRENT.seq) */
  currentSeq(): number;
  /** a running mission cannot be cleared */
  missionRunning(): boolean;
  missionChanged(): void;
  readonly faults: MissionFaults;
  /** ask for items with MISSION_REQUEST_INT instead of ArduPilot's MISSION_REQUEST */
  readonly requestInt: boolean;
}

interface Upload {
  count: number;
  next: number;
  from: Peer;
  lastReceive: number;
  lastRequest: number;
  /** fence and rally are committed whole at the end; mission items are written as they arrive */
  staged: RawMissionItem[];
}

const HOME_PLACEHOLDER: RawMissionItem = {
  command: MavCmd.NAV_WAYPOINT,
  frame: MavFrame.GLOBAL,
  param1: 0,
  param2: 0,
  param3: 0,
  param4: 0,
  x: 0,
  y: 0,
  z: 0,
  autocontinue: 1,
};

/**
 * Vehicle side of the MAVLink mission protocol for one mission type, the way ArduPilot runs it
 * (PX4 the same way, with the habits its Firmware names: no home item, opaque ids).
 */
class MissionProtocol {
  items: RawMissionItem[];
  private upload: Upload | null = null;
  /** PX4's opaque_id of what is stored: the same items give the same id */
  opaqueId = 0;

  constructor(private readonly host: MissionHost, readonly type: number, readonly maxItems: number) {
    this.items = this.empty();
  }

  /** ArduPilot keeps home as item 0 of the mission, whatever is uploaded there */
  private get homeSlots(): number {
    return this.type === MavMissionType.MISSION ? this.host.habits.firstItem : 0;
  }

  private empty(): RawMissionItem[] {
    return this.homeSlots ? [{ ...HOME_PLACEHOLDER }] : [];
  }

  private stored(): void {
    this.opaqueId = this.items.length === 0 ? 0 : crc32(JSON.stringify(this.items)) || 1;
  }

  get receiving(): boolean {
    return this.upload !== null;
  }

  handleCount(count: number, from: Peer): void {
    if (this.host.faults.take('upload-no-request', this.type)) return;
    const up = this.upload;
    if (up && (up.from.sysid !== from.sysid || up.from.compid !== from.compid)) return this.ack(from, MavMissionResult.DENIED);
    this.upload = null;
    if (count > this.maxItems) {
      this.ack(from, MavMissionResult.NO_SPACE);
      this.host.say(this.host.voice.tooManyItems(this.maxItems));
      return;
    }
    if (this.type === MavMissionType.MISSION) this.items.length = Math.max(this.homeSlots, Math.min(this.items.length, count));
    const now = this.host.now();
    this.upload = { count, next: 0, from, lastReceive: now, lastRequest: now, staged: [] };
    if (count === 0) return this.complete();
    this.requestNext();
  }

  handleItem(item: RawMissionItem, seq: number, from: Peer): void {
    const up = this.upload;
    if (!up) return this.ack(from, MavMissionResult.ERROR);
    if (seq !== up.next) return this.ack(from, MavMissionResult.INVALID_SEQUENCE);
    if (from.sysid !== up.from.sysid || from.compid !== up.from.compid) return this.ack(from, MavMissionResult.DENIED);
    const valid = validateItem(item, this.type);
    if (valid !== MavMissionResult.ACCEPTED) {
      this.upload = null;
      return this.ack(from, valid);
    }
    if (this.host.faults.take('upload-repeat-request', this.type, seq)) return this.requestNext();
    if (this.type === MavMissionType.MISSION) this.items[seq] = item;
    else up.staged[seq] = item;
    up.lastReceive = this.host.now();
    up.next++;
    if (this.host.faults.take('upload-early-ack', this.type, seq)) return this.complete();
    if (up.next >= up.count) return this.complete();
    this.requestNext();
  }

  /** Ask for the next item, unless a fault spoils the request. */
  private requestNext(): void {
    const up = this.upload!;
    const errorAck = this.host.faults.take('upload-error-ack', this.type, up.next);
    if (errorAck) {
      this.upload = null;
      return this.ack(up.from, errorAck.result ?? MavMissionResult.ERROR);
    }
    let seq = up.next;
    if (this.host.faults.take('upload-skip-request', this.type, up.next)) seq = up.next + 1;
    else if (this.host.faults.take('upload-out-of-range-request', this.type, up.next)) seq = up.count;
    this.sendRequest(seq);
  }

  private sendRequest(seq: number): void {
    const up = this.upload!;
    const m = this.host.requestInt || this.host.habits.requestIntOnly ? new common.MissionRequestInt() : new common.MissionRequest();
    m.targetSystem = up.from.sysid;
    m.targetComponent = up.from.compid;
    m.seq = seq;
    m.missionType = this.type;
    up.lastRequest = this.host.now();
    this.host.send(m);
  }

  private complete(): void {
    const up = this.upload!;
    this.upload = null;
    if (this.type === MavMissionType.MISSION) this.items.length = Math.max(this.homeSlots, up.next);
    else this.items = up.staged.slice(0, up.next);
    this.stored();
    if (!this.host.faults.take('upload-no-final-ack', this.type)) this.ack(up.from, MavMissionResult.ACCEPTED, true);
    if (this.type === MavMissionType.MISSION) {
      this.host.say(this.host.voice.missionReceived());
      this.host.missionChanged();
    }
  }

  handleRequestList(from: Peer): void {
    if (this.host.faults.take('download-no-count', this.type)) return;
    if (this.upload) return this.ack(from, MavMissionResult.DENIED);
    this.sendCount(from);
  }

  private sendCount(to: Peer): void {
    const m = new common.MissionCount();
    m.targetSystem = to.sysid;
    m.targetComponent = to.compid;
    m.count = this.items.length;
    m.missionType = this.type;
    if (this.host.habits.opaqueIds) m.opaqueId = this.opaqueId;
    this.host.send(m);
  }

  handleRequest(seq: number, asInt: boolean, from: Peer): void {
    if (this.upload) return this.ack(from, MavMissionResult.DENIED);
    const faults = this.host.faults;
    if (faults.take('download-no-item', this.type, seq)) return;
    const errorAck = faults.take('download-error-ack', this.type, seq);
    if (errorAck) return this.ack(from, errorAck.result ?? MavMissionResult.ERROR);
    const item = this.itemForDownload(seq);
    if (!item) {
      // ArduPilot tells the ground station the real size before refusing a mission item past the end
      if (this.type !== MavMissionType.MISSION) return this.ack(from, MavMissionResult.INVALID_SEQUENCE);
      this.sendCount(from);
      return this.ack(from, MavMissionResult.ERROR);
    }
    const sentSeq = faults.take('download-wrong-seq', this.type, seq) ? seq + 1 : seq;
    const m = asInt ? toItemInt(item, sentSeq, this.type, from) : toItemFloat(item, sentSeq, this.type, from);
    if (this.host.habits.marksCurrentItem && this.type === MavMissionType.MISSION && seq === this.host.currentSeq()) m.current = 1;
    this.host.send(m);
  }

  /** Item 0 of a mission is the vehicle's real home (ArduPilot), whatever was uploaded there. */
  private itemForDownload(seq: number): RawMissionItem | undefined {
    const home = this.host.home();
    if (this.homeSlots && seq === 0) {
      return home
        ? { ...HOME_PLACEHOLDER, x: Math.round(home.lat * 1e7), y: Math.round(home.lon * 1e7), z: storedAltitude(home.altMsl) }
        : { ...HOME_PLACEHOLDER };
    }
    const item = this.items[seq];
    return item && this.host.habits.readBack(item, this.type);
  }

  handleClearAll(from: Peer): void {
    const running = this.type === MavMissionType.MISSION && this.host.missionRunning();
    if (this.upload || running) return this.ack(from, MavMissionResult.ERROR);
    this.items = this.empty();
    this.stored();
    this.ack(from, MavMissionResult.ACCEPTED);
    if (this.type === MavMissionType.MISSION) this.host.missionChanged();
  }

  /** Re-request a missing item after 1 s; abandon the upload after 8 s of silence. */
  update(now: number): void {
    const up = this.upload;
    if (!up) return;
    if (now - up.lastReceive > UPLOAD_TIMEOUT_MS) {
      this.upload = null;
      this.ack(up.from, MavMissionResult.OPERATION_CANCELLED);
    } else if (now - up.lastRequest > REREQUEST_MS) {
      this.sendRequest(up.next);
    }
  }

  /** `upload`: the ACK that ends an upload, which carries the new mission's opaque_id (PX4) */
  ack(to: Peer, result: number, upload = false): void {
    const m = new common.MissionAck();
    m.targetSystem = to.sysid;
    m.targetComponent = to.compid;
    m.type = result;
    m.missionType = this.type;
    if (upload && this.host.habits.opaqueIds) m.opaqueId = this.opaqueId;
    this.host.send(m);
  }
}

/** Limits of a copter's storage (ArduPilot's depend on the board; these are typical). */
export interface MissionLimits {
  mission: number;
  fence: number;
  rally: number;
}

/** Routes mission-protocol messages to the mission, fence or rally store. */
export class MissionServer {
  private readonly protocols: Map<number, MissionProtocol>;
  private warnedAboutFloatItems = false;

  constructor(private readonly host: MissionHost, limits: MissionLimits) {
    this.protocols = new Map([
      [MavMissionType.MISSION, new MissionProtocol(host, MavMissionType.MISSION, limits.mission)],
      [MavMissionType.FENCE, new MissionProtocol(host, MavMissionType.FENCE, limits.fence)],
      [MavMissionType.RALLY, new MissionProtocol(host, MavMissionType.RALLY, limits.rally)],
    ]);
  }

  /** The stored mission (item 0 is the home placeholder where the firmware keeps one). */
  get mission(): RawMissionItem[] {
    return this.protocols.get(MavMissionType.MISSION)!.items;
  }

  /** PX4's opaque_id of the stored mission, fence or rally (0: none stored). */
  opaqueId(type: number = MavMissionType.MISSION): number {
    return this.protocols.get(type)?.opaqueId ?? 0;
  }

  /** Items stored for a mission type (0 mission, 1 fence, 2 rally). */
  items(type: number): RawMissionItem[] {
    return this.protocols.get(type)?.items ?? [];
  }

  /** Handle a mission-protocol message; false if it is not one. */
  handle(msg: MavLinkData, from: Peer): boolean {
    if (msg instanceof common.MissionCount) this.route(msg.missionType, from, (p) => p.handleCount(msg.count, from), true);
    else if (msg instanceof common.MissionItemInt) this.route(msg.missionType, from, (p) => p.handleItem(fromItemInt(msg), msg.seq, from), true);
    else if (msg instanceof common.MissionItem) {
      this.warnFloatItems();
      this.route(msg.missionType, from, (p) => p.handleItem(fromItemFloat(msg), msg.seq, from), true);
    } else if (msg instanceof common.MissionRequestList) this.route(msg.missionType, from, (p) => p.handleRequestList(from), true);
    else if (msg instanceof common.MissionRequestInt) this.route(msg.missionType, from, (p) => p.handleRequest(msg.seq, true, from), false);
    else if (msg instanceof common.MissionRequest) this.route(msg.missionType, from, (p) => p.handleRequest(msg.seq, false, from), false);
    else if (msg instanceof common.MissionClearAll) this.route(msg.missionType, from, (p) => p.handleClearAll(from), true);
    else return msg instanceof common.MissionAck; // a ground station's final ACK of a download needs no answer
    return true;
  }

  private route(type: number, from: Peer, fn: (p: MissionProtocol) => void, ackUnknown: boolean): void {
    const p = this.protocols.get(type);
    if (p) return fn(p);
    if (!ackUnknown) return;
    const m = new common.MissionAck();
    m.targetSystem = from.sysid;
    m.targetComponent = from.compid;
    m.type = MavMissionResult.UNSUPPORTED;
    m.missionType = type;
    this.host.send(m);
  }

  private warnFloatItems(): void {
    if (this.warnedAboutFloatItems) return;
    this.warnedAboutFloatItems = true;
    this.host.say(this.host.voice.floatItems());
  }

  update(now: number): void {
    for (const p of this.protocols.values()) p.update(now);
  }
}
