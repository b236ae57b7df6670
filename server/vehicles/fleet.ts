import { EventEmitter } from 'node:events';
import { common, minimal, type MavLinkData, type MavLinkDataConstructor } from 'node-mavlink';
import { realClock, type Clock } from '../clock.ts';
import { DEFAULT_STATION_ID } from '../wire/types.ts';
import type { Connection, Incoming } from '../links/connection.ts';
import { streamRequests } from './autopilots/index.ts';
import { answerPing, isOwnCommand } from './link-manners.ts';
import { MessageHandlers, type MessageHandler } from './message-handlers.ts';
import { Part, Vehicle } from './vehicle.ts';

const { MavType, MavAutopilot, MavState } = minimal;
const HEARTBEAT = minimal.Heartbeat.MSG_ID;

/** Heartbeat senders that are not aircraft. */
const NOT_AIRCRAFT = new Set<number>([MavType.GCS, MavType.ONBOARD_CONTROLLER, MavType.ADSB, MavType.GIMBAL, MavType.CAMERA]);
const CHECK_MS = 250;
/** Ask again for streams when a vehicle has sent no position this long after we asked. */
const STREAM_RETRY_MS = 5000;

interface FleetEvents {
  /** something shown about this vehicle changed: `parts` says what (Part flags) */
  changed: [vehicle: Vehicle, parts: number];
  found: [vehicle: Vehicle];
  lost: [vehicle: Vehicle];
  regained: [vehicle: Vehicle];
}

export interface FleetOptions {
  /** the time chunked STATUSTEXTs wait for a lost chunk on (tests pass a fake one) */
  clock?: Clock;
  /** the station this fleet's drones belong to (the node's; wire/types.ts STATION_ID) */
  station?: string;
}

/**
 * Finds aircraft by their HEARTBEAT on every connection, keeps their state, asks them for
 * telemetry, and sends our own ground-station heartbeat on every link once a second.
 * A vehicle is (connection, sysid): the same sysid on two links is two entries.
 * Capabilities built on top (commands, missions) take the messages they need from one vehicle
 * with onMessage(); views, alerts and patrols follow `changed`.
 */
export class Fleet extends EventEmitter<FleetEvents> {
  readonly vehicles = new Map<string, Vehicle>();
  readonly connections = new Map<string, Connection>();
  /** per connection, its vehicles by sysid: found for every packet without building an id */
  private readonly bySysid = new Map<Connection, (Vehicle | undefined)[]>();
  private readonly handlers = new MessageHandlers();
  private readonly streamsAsked = new Map<string, number>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly clock: Clock;
  /** the station its drones belong to */
  readonly station: string;

  constructor(private readonly gcs: { sysid: number; compid: number }, opts: FleetOptions = {}) {
    super();
    this.clock = opts.clock ?? realClock;
    this.station = opts.station ?? DEFAULT_STATION_ID;
    this.timers.push(setInterval(() => this.sendHeartbeats(), 1000));
    this.timers.push(setInterval(() => this.checkLinks(Date.now()), CHECK_MS));
  }

  addConnection(conn: Connection): void {
    this.connections.set(conn.id, conn);
    const vehicles: (Vehicle | undefined)[] = [];
    this.bySysid.set(conn, vehicles);
    conn.on('message', (inc) => this.receive(conn, vehicles, inc));
  }

  /**
   * Stops hearing a connection (in a city, its link is now served by another node): its vehicles
   * leave this fleet. The connection itself is closed by whoever opened it.
   */
  removeConnection(conn: Connection): void {
    this.connections.delete(conn.id);
    this.bySysid.delete(conn);
    conn.removeAllListeners('message');
    for (const [id, v] of this.vehicles) {
      if (v.connection !== conn) continue;
      v.close();
      this.vehicles.delete(id);
      this.streamsAsked.delete(id);
    }
  }

  get(id: string): Vehicle | undefined {
    return this.vehicles.get(id);
  }

  /**
   * Call `fn` with every `cls` message (e.g. common.CommandAck) from vehicle `vehicleId`, after
   * its state took it, until the returned function is called.
   */
  onMessage<T extends MavLinkData>(vehicleId: string, cls: MavLinkDataConstructor<T>, fn: MessageHandler<T>): () => void {
    return this.handlers.on(vehicleId, cls, fn);
  }

  /** Handlers registered for a vehicle, all message ids together (tests: none left behind). */
  handlerCount(vehicleId: string): number {
    return this.handlers.count(vehicleId);
  }

  /** Send a message to a vehicle, at the peer address it was last heard from. */
  send(v: Vehicle, msg: MavLinkData): void {
    v.connection.send(msg, v.peer);
  }

  crcErrorsOf(v: Vehicle): number {
    return v.connection.peerCounters(v.peer)?.crcErrors ?? 0;
  }

  private receive(conn: Connection, vehicles: (Vehicle | undefined)[], inc: Incoming): void {
    const { frame, msg, peer } = inc;
    if (!msg || frame.sysid === this.gcs.sysid && frame.compid === this.gcs.compid) return;
    let v = vehicles[frame.sysid];
    if (!v) {
      if (frame.msgid !== HEARTBEAT) return;
      const hb = msg as minimal.Heartbeat;
      if (hb.autopilot === MavAutopilot.INVALID || NOT_AIRCRAFT.has(hb.type)) return;
      const id = `${conn.id}-${frame.sysid}`;
      const found: Vehicle = new Vehicle(id, frame.sysid, frame.compid, peer, conn, {
        clock: this.clock,
        changed: (parts) => this.emit('changed', found, parts),
      });
      v = found;
      vehicles[frame.sysid] = v;
      this.vehicles.set(id, v);
      v.apply(frame, msg, Date.now());
      this.emit('found', v);
      this.askStreams(v);
      this.emit('changed', v, Part.ALL);
      return;
    }
    v.peer = peer; // a drone's address can change (DHCP, a radio bridge restarting)
    const now = Date.now();
    const wasLost = v.lost;
    const parts = v.apply(frame, msg, now);
    if (parts) this.emit('changed', v, parts);
    if (wasLost && frame.msgid === HEARTBEAT && frame.compid === v.autopilotCompid && v.checkLink(now)) {
      // Regained: the autopilot may have rebooted and forgotten our stream request.
      this.askStreams(v);
      this.emit('regained', v);
      this.emit('changed', v, Part.LINK);
    }
    if (frame.msgid === common.Ping.MSG_ID) {
      const answer = answerPing(msg as common.Ping, frame);
      if (answer) this.send(v, answer);
    }
    if (isOwnCommand(frame, msg)) return; // PX4's copies of its own commands: for nobody here
    this.handlers.dispatch(v.id, inc);
  }

  private askStreams(v: Vehicle): void {
    this.streamsAsked.set(v.id, Date.now());
    for (const m of streamRequests(v.autopilot, v.sysid, v.autopilotCompid)) {
      this.send(v, m);
    }
  }

  private checkLinks(now: number): void {
    for (const v of this.vehicles.values()) {
      if (v.checkLink(now)) {
        if (v.lost) this.emit('lost', v);
        this.emit('changed', v, Part.LINK);
      }
      // A lost stream request (radio loss) leaves the map blank: ask again until position flows.
      const asked = this.streamsAsked.get(v.id) ?? 0;
      if (!v.lost && now - asked > STREAM_RETRY_MS && now - v.lastPositionAt > STREAM_RETRY_MS) this.askStreams(v);
    }
  }

  private sendHeartbeats(): void {
    const hb = new minimal.Heartbeat();
    hb.type = MavType.GCS;
    hb.autopilot = MavAutopilot.INVALID;
    hb.baseMode = 0 as minimal.MavModeFlag;
    hb.customMode = 0;
    hb.systemStatus = MavState.ACTIVE;
    hb.mavlinkVersion = 3;
    for (const c of this.connections.values()) c.send(hb);
  }

  close(): void {
    for (const t of this.timers) clearInterval(t);
    for (const v of this.vehicles.values()) v.close();
  }
}
