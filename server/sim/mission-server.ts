import { common, type MavLinkData } from 'node-mavlink';
import { TEXT } from './ardupilot.ts';
import type { MissionFaults } from './mission-faults.ts';
import { fromItemFloat, fromItemInt, readBack, storedAltitude, toItemFloat, toItemInt, validateItem, type MissionItem } from './mission-items.ts';

const { MavMissionResult, MavMissionType, MavSeverity, MavCmd, MavFrame } = common;

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
  text(severity: number, text: string): void;
  home(): { lat: number; lon: number; altMsl: number } | null;
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
  staged: MissionItem[];
}

const HOME_PLACEHOLDER: MissionItem = {
  command: MavCmd.NAV_WAYPOINT, frame: MavFrame.GLOBAL, param1: 0, param2: 0, param3: 0, param4: 0, x: 0, y: 0, z: 0, autocontinue: 1,
};

/** Vehicle side of the MAVLink mission protocol for one mission type, the way ArduPilot runs it. */
class MissionProtocol {
  items: MissionItem[];
  private upload: Upload | null = null;

  constructor(private readonly host: MissionHost, readonly type: number, readonly maxItems: number) {
    this.items = type === MavMissionType.MISSION ? [{ ...HOME_PLACEHOLDER }] : [];
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
      this.host.text(MavSeverity.WARNING, TEXT.onlyNItems(this.maxItems));
      return;
    }
    if (this.type === MavMissionType.MISSION) this.items.length = Math.max(1, Math.min(this.items.length, count));
    const now = this.host.now();
    this.upload = { count, next: 0, from, lastReceive: now, lastRequest: now, staged: [] };
    if (count === 0) return this.complete();
    this.requestNext();
  }

  handleItem(item: MissionItem, seq: number, from: Peer): void {
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
    const m = this.host.requestInt ? new common.MissionRequestInt() : new common.MissionRequest();
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
    if (this.type === MavMissionType.MISSION) this.items.length = Math.max(1, up.next);
    else this.items = up.staged.slice(0, up.next);
    if (!this.host.faults.take('upload-no-final-ack', this.type)) this.ack(up.from, MavMissionResult.ACCEPTED);
    if (this.type === MavMissionType.MISSION) {
      this.host.text(MavSeverity.INFO, TEXT.flightPlanReceived);
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
    this.host.send(asInt ? toItemInt(item, sentSeq, this.type, from) : toItemFloat(item, sentSeq, this.type, from));
  }

  /** Item 0 of a mission is the vehicle's real home, whatever was uploaded there. */
  private itemForDownload(seq: number): MissionItem | undefined {
    const home = this.host.home();
    if (this.type === MavMissionType.MISSION && seq === 0) {
      return home
        ? { ...HOME_PLACEHOLDER, x: Math.round(home.lat * 1e7), y: Math.round(home.lon * 1e7), z: storedAltitude(home.altMsl) }
        : { ...HOME_PLACEHOLDER };
    }
    const item = this.items[seq];
    return item && readBack(item, this.type);
  }

  handleClearAll(from: Peer): void {
    const running = this.type === MavMissionType.MISSION && this.host.missionRunning();
    if (this.upload || running) return this.ack(from, MavMissionResult.ERROR);
    this.items = this.type === MavMissionType.MISSION ? [{ ...HOME_PLACEHOLDER }] : [];
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

  ack(to: Peer, result: number): void {
    const m = new common.MissionAck();
    m.targetSystem = to.sysid;
    m.targetComponent = to.compid;
    m.type = result;
    m.missionType = this.type;
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

  /** The stored mission, item 0 being the home placeholder. */
  get mission(): MissionItem[] {
    return this.protocols.get(MavMissionType.MISSION)!.items;
  }

  /** Items stored for a mission type (0 mission, 1 fence, 2 rally). */
  items(type: number): MissionItem[] {
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
    this.host.text(MavSeverity.WARNING, 'got MISSION_ITEM; GCS should send MISSION_ITEM_INT');
  }

  update(now: number): void {
    for (const p of this.protocols.values()) p.update(now);
  }
}
