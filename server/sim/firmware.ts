/**
 * What differs between the autopilots the simulator can be: ArduCopter (the default,
 * `arduCopter` in ardupilot.ts) and PX4 (`px4` in px4.ts). The flight itself (physics, modes as
 * behaviours, missions flown item by item, failsafes) is shared and keeps ArduCopter's mode
 * numbers inside; a Firmware says how that looks on the link and where the autopilot's habits
 * differ. Everything an autopilot does its own way is here, named, instead of tests of "is this
 * PX4" spread through the simulator.
 */
import type { MavLinkData } from 'node-mavlink';
import type { RawMessage } from '../mavlink/codec.ts';
import type { ReceivedCommand, CommandContext, CommandReply } from './commands.ts';
import type { RawMissionItem } from './mission-items.ts';
import type { SimVehicle } from './vehicle.ts';

export type AutopilotKind = 'ardupilot' | 'px4';

/** A message the simulator sends: one node-mavlink knows, or one it does not (PX4's EVENT, ...). */
export type Outgoing = MavLinkData | RawMessage;

/** STATUSTEXTs to send: [severity, text], in order; empty when the autopilot says nothing. */
export type Said = [severity: number, text: string][];

/** Why the motors stopped. */
export type DisarmReason = 'landed' | 'command' | 'failsafe' | 'idle';

/** The moments an autopilot may say something about, in its own words (STATUSTEXT). */
export interface Voice {
  booted(): Said;
  estimatorStarted(): Said;
  gpsDetected(): Said;
  originSet(fieldElevationM: number): Said;
  usingGps(): Said;
  /** asked to arm, refused for these reasons */
  armRefused(reasons: string[]): Said;
  /** the periodic pre-arm report while disarmed */
  prearmReport(reasons: string[]): Said;
  armed(): Said;
  disarmed(why: DisarmReason): Said;
  modeRefused(mode: string, reason: string): Said;
  noSuchMode(mode: number): Said;
  missingTakeoff(): Said;
  missionReceived(): Said;
  tooManyItems(max: number): Said;
  /** a ground station uploads with MISSION_ITEM (floats) rather than MISSION_ITEM_INT */
  floatItems(): Said;
  /** a mission starts (or resumes) flying */
  missionStarted(): Said;
  /** (repeat: asked again, as MISSION_START does) */
  itemStarted(seq: number, item: RawMissionItem, altAboveHomeM: number, repeat: boolean): Said;
  itemReached(seq: number, command: number): Said;
  /** the mission ran out of items in the air */
  missionFinished(): Said;
  takeoffDetected(): Said;
  touchdown(speedMps: number): Said;
  /** RTL begins: the height above home it returns at, and home's altitude AMSL */
  returning(returnAltAboveHomeM: number, homeAltMslM: number): Said;
  /** RTL is over home and starts to land */
  landingAtHome(): Said;
  batteryLow(volts: number, usedMah: number): Said;
  batteryFailsafe(disarming: boolean): Said;
  gcsFailsafe(state: 'lost' | 'lostDisarming' | 'cleared'): Said;
  ekfFailsafe(): Said;
  noSuchMessage(msgid: number): Said;
}

/** How the autopilot runs the mission protocol and its missions. */
export interface MissionHabits {
  /** seq of the first mission item: 1 when item 0 holds home (ArduPilot), 0 when not (PX4) */
  firstItem: 0 | 1;
  /** ask for upload items with MISSION_REQUEST_INT always (PX4), else as the squadron options say */
  requestIntOnly: boolean;
  /** a mission item as a download returns it */
  readBack(item: RawMissionItem, missionType: number): RawMissionItem;
  /** MISSION_ACK of an upload and MISSION_COUNT carry the stored mission's opaque_id (PX4) */
  opaqueIds: boolean;
  /** a downloaded item has current = 1 when it is the mission's current item (PX4) */
  marksCurrentItem: boolean;
  /** an RTL item ends the mission and switches the mode to RTL (PX4), instead of being flown in AUTO */
  rtlItemEndsMission: boolean;
  /** disarming sets the mission back to its start (ArduCopter); PX4 keeps its place (MISSION_CURRENT stays) */
  rewindOnDisarm: boolean;
}

/** How it builds telemetry: by message id, a message to send, or null for none now. */
export interface TelemetrySource {
  build(msgid: number): Outgoing | null;
  canBuild(msgid: number): boolean;
  /** HOME_POSITION and GPS_GLOBAL_ORIGIN, sent when home is set or moves */
  homeMessages(): Outgoing[];
}

export interface TelemetryOptions {
  /** the wall-clock time at power-on (SYSTEM_TIME) */
  startEpochMs: number;
  /** AUTOPILOT_VERSION.uid */
  uid: bigint;
  /** the stored mission's opaque id (PX4's MISSION_CURRENT.mission_id) */
  missionId(): number;
}

/** Things an autopilot sends by itself beyond its streams (PX4: PING, repeated MISSION_ITEM_REACHED, ...). */
export interface Companion {
  /** after each simulated step: what falls due now */
  update(v: SimVehicle): Outgoing[];
  /** a mission item was reached and reported */
  itemReached(seq: number): void;
}

export interface Firmware {
  readonly kind: AutopilotKind;
  readonly voice: Voice;
  readonly mission: MissionHabits;
  /** the mode at power-on (ArduCopter numbers inside the simulator) */
  readonly bootMode: number;
  /** the autopilot's name for a mode, as status() reports it */
  modeName(mode: number): string;
  /** HEARTBEAT's custom_mode for a mode */
  customMode(mode: number): number;
  /** the mode a custom_mode (SET_MODE, DO_SET_MODE) asks for; undefined when it names none */
  modeOf(customMode: number): number | undefined;
  /** the custom_mode DO_SET_MODE's params 2-4 carry (ArduPilot: param2; PX4: main mode in param2, sub mode in param3) */
  customModeOf(params: readonly number[]): number;
  /** whether arming is allowed in this mode */
  armableIn(mode: number): boolean;
  /** the mode it is in after disarming in `mode` (PX4 goes to HOLD by itself) */
  modeAfterDisarm(mode: number): number;
  /** its telemetry for one vehicle */
  telemetry(v: SimVehicle, opts: TelemetryOptions): TelemetrySource;
  /** messages streamed from power-on, with their interval in ms (HEARTBEAT among them) */
  readonly defaultStreams: [msgid: number, intervalMs: number][];
  /** a command answered its own way; undefined: as every autopilot here does it (commands.ts) */
  command(c: ReceivedCommand, ctx: CommandContext): CommandReply | undefined;
  /** how many identical COMMAND_ACKs answer a command (PX4 ACKs DO_SET_MODE twice) */
  ackCopies(command: number): number;
  /** STATUSTEXT messages for one text (PX4 chunks long ones) */
  statusTexts(severity: number, text: string): MavLinkData[];
  /** longest simulated step between two stream checks: bounds the fastest stream rate */
  readonly substepS: number;
  /** tuning (the simulator's parameters, ArduPilot's names) set before the squadron's own */
  readonly params: Partial<Record<string, number>>;
  /** for the drone with this sysid */
  companion(sysid: number): Companion | null;
}
