import { common, minimal, type MavLinkData } from 'node-mavlink';
import { Connection, type Incoming } from '../links/connection.ts';
import type { Link } from '../links/link.ts';
import type { RawMessage } from '../mavlink/codec.ts';
import { ARM_CHECK } from './ardupilot.ts';
import { videoStreamInformation, type SimCamera } from './camera.ts';
import {
  TELEMETRY_COMMANDS,
  altAboveHome,
  fromCommandInt,
  fromCommandLong,
  runCommand,
  setMode,
  type ReceivedCommand,
  type CommandContext,
  type CommandReply,
} from './commands.ts';
import { DemoPilot } from './demo-pilot.ts';
import { FaultyLink, type LinkFaultSettings } from './faults.ts';
import type { Companion, Firmware, Outgoing, Said, TelemetrySource } from './firmware.ts';
import { MissionFaults, type MissionFault, type MissionFaultOptions } from './mission-faults.ts';
import type { RawMissionItem } from './mission-items.ts';
import { MissionServer, type MissionLimits, type Peer } from './mission-server.ts';
import { Params } from './params.ts';
import { Prng } from './prng.ts';
import type { BootTimeline } from './sensors.ts';
import { Streams } from './streams.ts';
import { SimVehicle, type Home } from './vehicle.ts';

const AUTOPILOT_COMPID = 1;
/** SET_POSITION_TARGET type_mask bits: x, y, z ignored. */
const POSITION_IGNORED = 0b111;

const isRaw = (m: Outgoing): m is RawMessage => 'crcExtra' in m;

export interface DroneOptions {
  sysid: number;
  /** where it stands at power-on */
  home: Home;
  /** its transport, not yet open */
  link: Link;
  seed: number;
  timeline: BootTimeline;
  missionLimits: MissionLimits;
  /** ask for upload items with MISSION_REQUEST_INT instead of ArduPilot's MISSION_REQUEST */
  requestInt: boolean;
  /** ArduPilot parameter overrides, e.g. { FS_GCS_ENABLE: 1 } */
  params: Partial<Record<string, number>>;
  startEpochMs: number;
  /** the autopilot it behaves as (ArduCopter or PX4) */
  firmware: Firmware;
  /** its camera, sending RTP/UDP to the ground station, if it has one */
  camera?: SimCamera | null;
}

/** A snapshot for logs, the control endpoint and tests. */
export interface DroneStatus {
  sysid: number;
  mode: string;
  armed: boolean;
  landed: boolean;
  lat: number;
  lon: number;
  altRel: number;
  batteryPercent: number;
  missionItems: number;
  missionSeq: number;
  linkSilent: boolean;
  linkFaults: { down: LinkFaultSettings; up: LinkFaultSettings };
  gpsLost: boolean;
  missionFaults: MissionFault[];
  demoFlying: boolean;
}

/**
 * One simulated copter (ArduCopter or PX4, as its Firmware says) on its own MAVLink link: the
 * The simulated vehicle plus everything a ground station talks to (commands, mission protocol, parameters,
 * streams), and the fault switches.
 */
export class SimDrone {
  readonly sysid: number;
  readonly vehicle: SimVehicle;
  readonly link: FaultyLink;
  readonly connection: Connection;
  readonly missionFaults = new MissionFaults();
  readonly params: Params;
  private readonly missions: MissionServer;
  private readonly streams: Streams;
  private readonly telemetry: TelemetrySource;
  private readonly firmware: Firmware;
  /** what the firmware sends by itself beyond its streams (PX4's PING, ...), if anything */
  private readonly companion: Companion | null;
  /** vehicle events wait here so they follow the COMMAND_ACK that caused them, as on the real link */
  private readonly outbox: Outgoing[] = [];
  /** the training stand-in pilot, when the squadron runs as a demo */
  private demo: DemoPilot | null = null;
  /** sends its video; announced with VIDEO_STREAM_INFORMATION when asked */
  readonly camera: SimCamera | null;

  constructor(opts: DroneOptions) {
    this.sysid = opts.sysid;
    this.camera = opts.camera ?? null;
    const fw = opts.firmware;
    this.firmware = fw;
    this.params = new Params({ ...fw.params, ...opts.params });
    this.link = new FaultyLink(opts.link, Prng.derive(opts.seed, `link-${opts.sysid}`));
    this.connection = new Connection(`sim-${opts.sysid}`, this.link, { sysid: opts.sysid, compid: AUTOPILOT_COMPID });
    this.missions = new MissionServer({
      now: () => this.vehicle.timeMs,
      send: (m) => this.send(m),
      say: (said) => this.queueSaid(said),
      voice: fw.voice,
      habits: fw.mission,
      currentSeq: () => this.vehicle.runner.current,
      home: () => this.vehicle.home,
      missionRunning: () => this.vehicle.runner.state === 'running',
      missionChanged: () => this.vehicle.missionChanged(),
      faults: this.missionFaults,
      requestInt: opts.requestInt,
    }, opts.missionLimits);
    this.vehicle = new SimVehicle({
      origin: opts.home,
      timeline: opts.timeline,
      params: this.params,
      missionItems: () => this.missions.mission,
      firmware: fw,
      events: {
        say: (said) => this.queueSaid(said),
        homeSet: () => {
          for (const m of this.telemetry.homeMessages()) this.queue(m);
        },
        itemReached: (seq) => {
          const m = new common.MissionItemReached();
          m.seq = seq;
          this.queue(m);
          this.companion?.itemReached(seq);
        },
      },
    });
    const uid = BigInt(opts.seed >>> 0) << 8n | BigInt(opts.sysid);
    this.telemetry = fw.telemetry(this.vehicle, { startEpochMs: opts.startEpochMs, uid, missionId: () => this.missions.opaqueId() });
    this.streams = new Streams((id) => this.telemetry.canBuild(id), fw.defaultStreams);
    this.companion = fw.companion(opts.sysid);
    this.connection.on('message', (m) => this.receive(m));
  }

  async open(): Promise<void> {
    await this.link.open();
  }

  /** The port a tcpin/udpin drone listens on. */
  get port(): number | undefined {
    return this.link.boundPort;
  }

  /** Let the demo pilot fly this drone until a ground station sends a command (see DemoPilot). */
  startDemo(index: number): void {
    this.demo = new DemoPilot(this.vehicle, index);
  }

  /** Advance simulated time by dt seconds and send whatever falls due on the way. */
  tick(dt: number): void {
    const most = this.firmware.substepS;
    for (let left = dt; left > 1e-9; left -= most) this.step(Math.min(most, left));
  }

  private step(dt: number): void {
    this.demo?.update();
    this.vehicle.tick(dt);
    this.missions.update(this.vehicle.timeMs);
    this.flush();
    for (const id of this.streams.collect(this.vehicle.timeMs)) {
      const m = this.telemetry.build(id);
      if (m) this.send(m);
    }
    for (const m of this.companion?.update(this.vehicle) ?? []) this.send(m);
  }

  private send(msg: Outgoing): void {
    if (isRaw(msg)) this.connection.sendRaw(msg);
    else this.connection.send(msg);
  }

  private queue(msg: Outgoing | null | undefined): void {
    if (msg) this.outbox.push(msg);
  }

  /** STATUSTEXTs, in the firmware's way of sending them (PX4 chunks long ones). */
  private queueSaid(said: Said): void {
    for (const [severity, text] of said) for (const m of this.firmware.statusTexts(severity, text)) this.queue(m);
  }

  private flush(): void {
    for (const m of this.outbox.splice(0)) this.send(m);
  }

  // ---------------------------------------------------------------- incoming

  private receive({ frame, msg }: Incoming): void {
    if (!msg || !this.addressedToUs(msg)) return;
    const from: Peer = { sysid: frame.sysid, compid: frame.compid };
    if (msg instanceof minimal.Heartbeat) this.vehicle.gcsHeartbeat(frame.sysid);
    else if (msg instanceof common.RequestDataStream) this.streams.requestDataStream(msg.reqStreamId, msg.reqMessageRate, msg.startStop === 1);
    else if (msg instanceof common.CommandLong) this.command(fromCommandLong(msg), from);
    else if (msg instanceof common.CommandInt) this.command(fromCommandInt(msg), from);
    else if (msg instanceof common.SetMode) this.setModeMessage(msg, from);
    else if (msg instanceof common.SetPositionTargetGlobalInt) this.positionTarget(msg);
    else if (msg instanceof common.ParamRequestRead) this.queue(this.params.valueMessage(msg.paramIndex >= 0 ? msg.paramIndex : msg.paramId));
    else if (msg instanceof common.ParamRequestList) { for (let i = 0; i < this.params.count; i++) this.queue(this.params.valueMessage(i)); }
    else if (msg instanceof common.ParamSet) this.paramSet(msg);
    else if (this.missions.handle(msg, from)) {
      if (msg instanceof common.MissionCount || msg instanceof common.MissionClearAll) this.groundControl();
    }
    this.flush();
  }

  /** The autopilot acts on messages for its own system (or broadcast) and its autopilot component (or any). */
  private addressedToUs(msg: MavLinkData): boolean {
    const t = msg as { targetSystem?: number; targetComponent?: number };
    if (t.targetSystem !== undefined && t.targetSystem !== 0 && t.targetSystem !== this.sysid) return false;
    return t.targetComponent === undefined || t.targetComponent === 0 || t.targetComponent === AUTOPILOT_COMPID;
  }

  private command(c: ReceivedCommand, from: Peer): void {
    if (!TELEMETRY_COMMANDS.has(c.command)) this.groundControl();
    const ctx: CommandContext = {
      vehicle: this.vehicle,
      streams: this.streams,
      telemetry: this.telemetry,
      voice: this.firmware.voice,
      say: (said) => this.queueSaid(said),
    };
    const outcome = this.cameraCommand(c) ?? this.firmware.command(c, ctx) ?? runCommand(c, ctx);
    for (let i = this.firmware.ackCopies(c.command); i > 0; i--) this.ack(c.command, outcome.result, from);
    for (const m of outcome.after) this.send(m);
  }

  /**
   * VIDEO_STREAM_INFORMATION asked with REQUEST_MESSAGE, answered as ArduPilot 4.6 answers for a
   * camera attached to the autopilot (from the autopilot's own component). Without a camera the
   * request falls through to the common answer: FAILED, nothing to send.
   */
  private cameraCommand(c: ReceivedCommand): CommandReply | undefined {
    if (!this.camera || c.command !== common.MavCmd.REQUEST_MESSAGE || Math.round(c.params[0]!) !== common.VideoStreamInformation.MSG_ID) return undefined;
    return { result: common.MavResult.ACCEPTED, after: [videoStreamInformation(this.camera.info)] };
  }

  /** ArduPilot answers the SET_MODE message with a COMMAND_ACK whose command is the message id (11). */
  private setModeMessage(msg: common.SetMode, from: Peer): void {
    this.groundControl();
    this.ack(11, setMode(this.vehicle, msg.baseMode, msg.customMode).result, from);
  }

  private ack(command: number, result: number, to: Peer): void {
    const m = new common.CommandAck();
    m.command = command;
    m.result = result;
    m.targetSystem = to.sysid;
    m.targetComponent = to.compid;
    this.send(m);
  }

  /** SET_POSITION_TARGET_GLOBAL_INT in GUIDED: position targets only (no velocity control here). */
  private positionTarget(msg: common.SetPositionTargetGlobalInt): void {
    this.groundControl();
    if ((msg.typeMask & POSITION_IGNORED) !== 0) return;
    const alt = altAboveHome(this.vehicle, msg.alt, msg.coordinateFrame);
    this.vehicle.goto({ lat: msg.latInt / 1e7, lon: msg.lonInt / 1e7 }, alt);
  }

  private paramSet(msg: common.ParamSet): void {
    this.groundControl();
    if (!this.params.set(msg.paramId, msg.paramValue)) return; // ArduPilot ignores unknown names and bad values
    if (msg.paramId === 'BATT_CAPACITY') this.vehicle.battery.capacityMah = this.params.get('BATT_CAPACITY');
    this.queue(this.params.valueMessage(msg.paramId));
  }

  /** A ground station is in charge now. */
  private groundControl(): void {
    this.demo?.stop();
  }

  // ---------------------------------------------------------------- faults

  /** Loss, duplication, reordering, delay, bit errors on this drone's link ({} to clear). */
  setLinkFaults(settings: LinkFaultSettings): void {
    this.link.setFaults(settings);
  }

  /** The link goes silent both ways (out of radio range) until restoreLink(). */
  dropLink(): void {
    this.link.setSilent(true);
  }

  restoreLink(): void {
    this.link.setSilent(false);
  }

  loseGps(): void {
    this.vehicle.sensors.loseGps();
  }

  restoreGps(): void {
    this.vehicle.sensors.restoreGps();
  }

  /**
   * Battery nearly flat now: the voltage drops below BATT_LOW_VOLT and, once armed for
   * BATT_LOW_TIMER seconds below it, the low-battery failsafe acts.
   */
  lowBatteryNow(remainingFraction = 0.15): void {
    this.vehicle.setBatteryRemaining(remainingFraction);
  }

  /** Refuse every arming request with "Arm: <reason>" until allowArm(). */
  refuseArm(reason: string = ARM_CHECK.safetySwitch): void {
    this.vehicle.refuseArmReason = reason;
  }

  allowArm(): void {
    this.vehicle.refuseArmReason = null;
  }

  addMissionFault(fault: MissionFault, opts?: MissionFaultOptions): void {
    this.missionFaults.add(fault, opts);
  }

  /** Every fault off: link clean and up, GPS back, arming allowed, mission transfers normal. */
  clearFaults(): void {
    this.setLinkFaults({});
    this.restoreLink();
    this.restoreGps();
    this.allowArm();
    this.missionFaults.clear();
  }

  /** Items stored for a mission type (0 mission, 1 fence, 2 rally), as the vehicle holds them. */
  storedItems(missionType = 0): readonly RawMissionItem[] {
    return this.missions.items(missionType);
  }

  status(): DroneStatus {
    const v = this.vehicle;
    const p = v.position;
    return {
      sysid: this.sysid,
      mode: v.modeName,
      armed: v.armed,
      landed: v.flight.landed,
      lat: p.lat,
      lon: p.lon,
      altRel: Math.round(p.altRel * 100) / 100,
      batteryPercent: Math.round(v.battery.remaining * 100),
      missionItems: this.missions.mission.length,
      missionSeq: v.runner.current,
      linkSilent: this.link.isSilent,
      linkFaults: this.link.faults,
      gpsLost: v.sensors.gpsIsLost,
      missionFaults: this.missionFaults.list(),
      demoFlying: this.demo?.flying ?? false,
    };
  }

  close(): Promise<void> {
    this.camera?.close();
    return this.connection.close();
  }
}
