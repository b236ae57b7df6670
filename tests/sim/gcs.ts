import { common, minimal, type MavLinkData } from 'node-mavlink';
import { afterAll, beforeAll } from 'vitest';
import { Connection } from '../../server/links/connection.ts';
import { UdpInLink } from '../../server/links/udp.ts';
import { nameOf } from '../../server/mavlink/codec.ts';
import type { Frame } from '../../server/mavlink/framer.ts';
import { startSquadron, type Squadron, type SquadronOptions } from '../../server/sim/squadron.ts';

const { MavCmd } = common;

export interface Rec {
  frame: Frame;
  msg: MavLinkData;
  name: string;
  sysid: number;
  /** wall-clock ms when it arrived */
  at: number;
}

/** Plain field values of a mission item to upload. */
export interface PlanItem {
  command: number;
  frame?: number;
  lat?: number;
  lon?: number;
  alt?: number;
  params?: [number, number, number, number];
}

/**
 * A ground station on a real loopback UDP socket (sysid 255, compid 190), built from the
 * project's own UdpInLink and Connection, talking to simulated drones the way QGroundControl
 * would: by sysid, each drone answered at the address it was heard from.
 */
export class GroundStation {
  readonly received: Rec[] = [];
  /** both directions in order: 'up' = sent by this ground station, 'down' = received */
  readonly log: { dir: 'up' | 'down'; sysid: number; name: string; msg: MavLinkData }[] = [];
  private readonly peers = new Map<number, string>();
  private beat: NodeJS.Timeout | null = null;

  private constructor(readonly link: UdpInLink, readonly conn: Connection) {
    conn.on('message', ({ frame, msg, peer }) => {
      if (!msg) return;
      this.peers.set(frame.sysid, peer);
      this.received.push({ frame, msg, name: nameOf(msg), sysid: frame.sysid, at: Date.now() });
      this.log.push({ dir: 'down', sysid: frame.sysid, name: nameOf(msg), msg });
    });
  }

  static async open(): Promise<GroundStation> {
    const link = new UdpInLink('udpin://127.0.0.1:0', '127.0.0.1', 0);
    const conn = new Connection('gcs', link, { sysid: 255, compid: 190 });
    await link.open();
    return new GroundStation(link, conn);
  }

  get uri(): string {
    return `udpout://127.0.0.1:${this.link.boundPort}`;
  }

  /** Start simulated drones that send to this ground station. */
  squadron(opts: Omit<SquadronOptions, 'link'>): Promise<Squadron> {
    return startSquadron({ seed: 1, ...opts, link: this.uri });
  }

  /** Index to pass as `since` so a wait only looks at what arrives from now on. */
  mark(): number {
    return this.received.length;
  }

  of(sysid: number, name: string, since = 0): Rec[] {
    return this.received.slice(since).filter((r) => r.sysid === sysid && r.name === name);
  }

  texts(sysid: number, since = 0): string[] {
    return this.of(sysid, 'STATUSTEXT', since).map((r) => (r.msg as common.StatusText).text);
  }

  last<T extends MavLinkData>(sysid: number, name: string): T | undefined {
    const all = this.of(sysid, name);
    return all[all.length - 1]?.msg as T | undefined;
  }

  /** Resolve with the first record from `since` on that matches; reject after timeoutMs. */
  waitFor(what: string, match: (r: Rec) => boolean, timeoutMs = 20_000, since = 0): Promise<Rec> {
    const end = Date.now() + timeoutMs;
    return new Promise((resolve, reject) => {
      const poll = () => {
        const hit = this.received.slice(since).find(match);
        if (hit) return resolve(hit);
        if (Date.now() > end) return reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
        setTimeout(poll, 10);
      };
      poll();
    });
  }

  waitMsg<T extends MavLinkData>(sysid: number, name: string, pred: (m: T) => boolean = () => true, timeoutMs = 20_000, since = 0): Promise<T> {
    return this.waitFor(`${name} from ${sysid}`, (r) => r.sysid === sysid && r.name === name && pred(r.msg as T), timeoutMs, since)
      .then((r) => r.msg as T);
  }

  waitText(sysid: number, text: string | RegExp, timeoutMs = 20_000, since = 0): Promise<common.StatusText> {
    return this.waitMsg<common.StatusText>(sysid, 'STATUSTEXT', (m) => (typeof text === 'string' ? m.text === text : text.test(m.text)), timeoutMs, since);
  }

  /** Send to one drone (target fields filled in for messages that have them). */
  send(sysid: number, msg: MavLinkData): void {
    const t = msg as { targetSystem?: number; targetComponent?: number };
    if ('targetSystem' in msg) t.targetSystem = sysid;
    if ('targetComponent' in msg) t.targetComponent = 1;
    this.log.push({ dir: 'up', sysid, name: nameOf(msg), msg });
    this.conn.send(msg, this.peers.get(sysid));
  }

  /** The address a drone was heard from. */
  peerOf(sysid: number): string | undefined {
    return this.peers.get(sysid);
  }

  /** Wait until a drone has been heard (so it has an address to answer at). */
  async heard(sysid: number, timeoutMs = 10_000): Promise<void> {
    await this.waitMsg(sysid, 'HEARTBEAT', () => true, timeoutMs);
  }

  /** QGroundControl-style GCS heartbeat at 1 Hz to every drone heard. */
  startHeartbeat(everyMs = 1000): void {
    const send = () => {
      const hb = new minimal.Heartbeat();
      hb.type = minimal.MavType.GCS;
      hb.autopilot = minimal.MavAutopilot.INVALID;
      hb.systemStatus = minimal.MavState.ACTIVE;
      hb.mavlinkVersion = 3;
      for (const peer of new Set(this.peers.values())) this.conn.send(hb, peer);
    };
    send();
    this.beat = setInterval(send, everyMs);
  }

  stopHeartbeat(): void {
    if (this.beat) clearInterval(this.beat);
    this.beat = null;
  }

  requestStreams(sysid: number, hz = 4): void {
    const m = new common.RequestDataStream();
    m.reqStreamId = common.MavDataStream.ALL;
    m.reqMessageRate = hz;
    m.startStop = 1;
    this.send(sysid, m);
  }

  /** COMMAND_LONG and the COMMAND_ACK that answers it. */
  async command(sysid: number, command: number, params: number[] = [], timeoutMs = 10_000): Promise<common.CommandAck> {
    const since = this.mark();
    const m = new common.CommandLong();
    const p = [...params, 0, 0, 0, 0, 0, 0, 0];
    [m._param1, m._param2, m._param3, m._param4, m._param5, m._param6, m._param7] = p as [number, number, number, number, number, number, number];
    m.command = command;
    this.send(sysid, m);
    return this.waitMsg<common.CommandAck>(sysid, 'COMMAND_ACK', (a) => a.command === command, timeoutMs, since);
  }

  /** Arm, retrying every `everyMs` (sim boot takes a while), as the capture's ground station did. */
  async armWhenReady(sysid: number, everyMs = 300, timeoutMs = 20_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const ack = await this.command(sysid, MavCmd.COMPONENT_ARM_DISARM, [1]);
      if (ack.result === common.MavResult.ACCEPTED) return;
      await new Promise((r) => setTimeout(r, everyMs));
    }
    throw new Error(`sysid ${sysid} never accepted arming`);
  }

  /** Upload a plan answering the vehicle's requests; resolves with the vehicle's MISSION_ACK. */
  async upload(sysid: number, items: PlanItem[], missionType = 0, timeoutMs = 20_000): Promise<common.MissionAck> {
    const since = this.mark();
    const answer = (r: Rec) => {
      if (r.sysid !== sysid || (r.name !== 'MISSION_REQUEST' && r.name !== 'MISSION_REQUEST_INT')) return;
      const req = r.msg as common.MissionRequest;
      const item = items[req.seq];
      if (item) this.send(sysid, itemInt(item, req.seq, missionType));
    };
    const listener = ({ frame, msg }: { frame: Frame; msg: MavLinkData | undefined }) => {
      if (msg) answer({ frame, msg, name: nameOf(msg), sysid: frame.sysid, at: Date.now() });
    };
    this.conn.on('message', listener);
    try {
      const count = new common.MissionCount();
      count.count = items.length;
      count.missionType = missionType;
      this.send(sysid, count);
      return await this.waitMsg<common.MissionAck>(sysid, 'MISSION_ACK', (a) => a.missionType === missionType, timeoutMs, since);
    } finally {
      this.conn.off('message', listener);
    }
  }

  /**
   * Upload answering every request for an item it has, recording what the vehicle asks for and
   * acknowledges, until an ACK that ends the transfer (anything but INVALID_SEQUENCE) or
   * `quietMs` without a mission message. `count` may announce more items than it will answer.
   */
  async uploadTrace(sysid: number, items: PlanItem[], opts: { count?: number; quietMs?: number } = {}): Promise<{ requests: number[]; acks: number[] }> {
    const quietMs = opts.quietMs ?? 1500;
    const requests: number[] = [];
    const acks: number[] = [];
    let lastActivity = Date.now();
    let finished = false;
    const listener = ({ frame, msg }: { frame: Frame; msg: MavLinkData | undefined }) => {
      if (frame.sysid !== sysid || !msg) return;
      if (msg instanceof common.MissionRequest || msg instanceof common.MissionRequestInt) {
        lastActivity = Date.now();
        requests.push(msg.seq);
        const item = items[msg.seq];
        if (item) this.send(sysid, itemInt(item, msg.seq));
      } else if (msg instanceof common.MissionAck) {
        lastActivity = Date.now();
        acks.push(msg.type);
        if (msg.type !== common.MavMissionResult.INVALID_SEQUENCE) finished = true;
      }
    };
    this.conn.on('message', listener);
    try {
      const count = new common.MissionCount();
      count.count = opts.count ?? items.length;
      this.send(sysid, count);
      while (!finished && Date.now() - lastActivity < quietMs) await new Promise((r) => setTimeout(r, 10));
      return { requests, acks };
    } finally {
      this.conn.off('message', listener);
    }
  }

  /** Download with MISSION_REQUEST_INT, one item at a time, then the final ACK. */
  async download(sysid: number, missionType = 0, timeoutMs = 10_000): Promise<common.MissionItemInt[]> {
    let since = this.mark();
    const list = new common.MissionRequestList();
    list.missionType = missionType;
    this.send(sysid, list);
    const count = await this.waitMsg<common.MissionCount>(sysid, 'MISSION_COUNT', (c) => c.missionType === missionType, timeoutMs, since);
    const items: common.MissionItemInt[] = [];
    for (let seq = 0; seq < count.count; seq++) {
      since = this.mark();
      const req = new common.MissionRequestInt();
      req.seq = seq;
      req.missionType = missionType;
      this.send(sysid, req);
      items.push(await this.waitMsg<common.MissionItemInt>(sysid, 'MISSION_ITEM_INT', (i) => i.seq === seq, timeoutMs, since));
    }
    const ack = new common.MissionAck();
    ack.type = common.MavMissionResult.ACCEPTED;
    ack.missionType = missionType;
    this.send(sysid, ack);
    return items;
  }

  async close(): Promise<void> {
    this.stopHeartbeat();
    await this.conn.close();
  }
}

/**
 * For a describe block: a ground station and `count` simulated copters at 10× speed, heard,
 * streams asked, every EKF using GPS, before its tests; both closed after. `set` receives them.
 */
export function readySquadron(set: (gcs: GroundStation, sq: Squadron) => void, opts: Partial<Omit<SquadronOptions, 'link'>> = {}): void {
  let gcs: GroundStation | undefined;
  let sq: Squadron | undefined;
  beforeAll(async () => {
    gcs = await GroundStation.open();
    sq = await gcs.squadron({ count: 1, speedup: 10, bootDelayS: 2, ...opts });
    const ids = sq.drones.map((d) => d.sysid);
    for (const id of ids) await gcs.heard(id);
    for (const id of ids) gcs.requestStreams(id);
    for (const id of ids) await gcs.waitText(id, 'EKF3 IMU0 is using GPS');
    set(gcs, sq);
  });
  afterAll(async () => {
    await sq?.close();
    await gcs?.close();
  });
}

export function itemInt(item: PlanItem, seq: number, missionType = 0): common.MissionItemInt {
  const m = new common.MissionItemInt();
  m.seq = seq;
  m.command = item.command;
  m.frame = item.frame ?? common.MavFrame.GLOBAL_RELATIVE_ALT;
  [m.param1, m.param2, m.param3, m.param4] = item.params ?? [0, 0, 0, 0];
  m.x = Math.round((item.lat ?? 0) * 1e7);
  m.y = Math.round((item.lon ?? 0) * 1e7);
  m.z = item.alt ?? 0;
  m.autocontinue = 1;
  m.missionType = missionType;
  return m;
}

/** The capture's patrol (mission-flight.tlog): home placeholder, takeoff 30 m, three waypoints, RTL. */
export const CAPTURE_PATROL: PlanItem[] = [
  { command: MavCmd.NAV_WAYPOINT, frame: common.MavFrame.GLOBAL, lat: 28.37, lon: 121.38, alt: 0 },
  { command: MavCmd.NAV_TAKEOFF, alt: 30 },
  { command: MavCmd.NAV_WAYPOINT, lat: 28.3718, lon: 121.38, alt: 30 },
  { command: MavCmd.NAV_WAYPOINT, lat: 28.3718, lon: 121.3825, alt: 30 },
  { command: MavCmd.NAV_WAYPOINT, lat: 28.37, lon: 121.3825, alt: 30 },
  { command: MavCmd.NAV_RETURN_TO_LAUNCH, frame: common.MavFrame.MISSION },
];
