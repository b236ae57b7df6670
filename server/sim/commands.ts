import { common, standard } from 'node-mavlink';
import { CopterMode, FORCE_ARM_MAGIC } from './ardupilot.ts';
import type { Outgoing, Said, TelemetrySource, Voice } from './firmware.ts';
import type { Streams } from './streams.ts';
import type { SimVehicle } from './vehicle.ts';

const { MavCmd, MavResult, MavFrame, MavDoRepositionFlags } = common;

/** A command the simulated autopilot received (COMMAND_LONG or COMMAND_INT), normalised: a location's degrees in lat/lon, its altitude in alt. */
export interface ReceivedCommand {
  command: number;
  params: [number, number, number, number];
  lat: number;
  lon: number;
  alt: number;
  /** COMMAND_INT's frame; COMMAND_LONG locations count as relative to home, as ArduPilot converts them */
  frame: number;
  /** the message it came in: some commands are taken in one form only (ArduCopter's DO_REPOSITION: COMMAND_INT) */
  form: 'long' | 'int';
}

export interface CommandReply {
  result: number;
  /** messages to send after the COMMAND_ACK (a requested message, ...) */
  after: Outgoing[];
}

export interface CommandContext {
  vehicle: SimVehicle;
  streams: Streams;
  telemetry: TelemetrySource;
  voice: Voice;
  say(said: Said): void;
}

/** Commands that only ask for telemetry: they do not take the copter away from the demo pilot. */
export const TELEMETRY_COMMANDS = new Set<number>([
  MavCmd.SET_MESSAGE_INTERVAL,
  MavCmd.GET_MESSAGE_INTERVAL,
  MavCmd.REQUEST_MESSAGE,
  MavCmd.GET_HOME_POSITION,
  MavCmd.REQUEST_AUTOPILOT_CAPABILITIES,
]);

export function fromCommandLong(m: common.CommandLong): ReceivedCommand {
  return {
    command: m.command,
    params: [m._param1, m._param2, m._param3, m._param4],
    lat: m._param5,
    lon: m._param6,
    alt: m._param7,
    frame: MavFrame.GLOBAL_RELATIVE_ALT,
    form: 'long',
  };
}

export function fromCommandInt(m: common.CommandInt): ReceivedCommand {
  return {
    command: m.command,
    params: [m._param1, m._param2, m._param3, m._param4],
    lat: m._param5 / 1e7,
    lon: m._param6 / 1e7,
    alt: m._param7,
    frame: m.frame,
    form: 'int',
  };
}

const ABSOLUTE_FRAMES = new Set<number>([MavFrame.GLOBAL, MavFrame.GLOBAL_INT]);

/** Altitude above home of a location given in `frame` (terrain is flat in the simulator). */
export function altAboveHome(v: SimVehicle, alt: number, frame: number): number {
  return ABSOLUTE_FRAMES.has(frame) ? alt - (v.home?.altMsl ?? v.origin.altMsl) : alt;
}

export const done = (result: number, after: Outgoing[] = []): CommandReply => ({ result, after });
const ok = (success: boolean): CommandReply => done(success ? MavResult.ACCEPTED : MavResult.FAILED);

/** Run one command the way ArduCopter answers it (a Firmware answers some its own way first). */
export function runCommand(c: ReceivedCommand, ctx: CommandContext): CommandReply {
  const v = ctx.vehicle;
  const [p1, p2] = c.params;
  switch (c.command) {
    case MavCmd.COMPONENT_ARM_DISARM:
      if (p1 === 1) return done(v.arm(p2 === FORCE_ARM_MAGIC));
      if (p1 === 0) return ok(v.disarm(p2 === FORCE_ARM_MAGIC));
      return done(MavResult.UNSUPPORTED);
    case MavCmd.DO_SET_MODE:
      return setMode(v, p1, v.firmware.customModeOf(c.params));
    case MavCmd.NAV_TAKEOFF:
      return ok(v.takeoff(c.alt));
    case MavCmd.MISSION_START:
      // first/last item selection is not supported by ArduCopter
      return p1 !== 0 || p2 !== 0 ? done(MavResult.DENIED) : done(v.missionStart());
    case MavCmd.NAV_RETURN_TO_LAUNCH:
      return ok(v.setMode(CopterMode.RTL));
    case MavCmd.NAV_LAND:
      return ok(v.setMode(CopterMode.LAND));
    case MavCmd.DO_REPOSITION:
      // Seen live: ArduCopter 4.7 answers the COMMAND_LONG form UNSUPPORTED and does nothing.
      return c.form === 'long' ? done(MavResult.UNSUPPORTED) : reposition(c, v);
    case MavCmd.DO_SET_ROI_LOCATION:
      // Both forms taken: the nose turns to the point the short way and holds it.
      return ok(v.lookAt({ lat: c.lat, lon: c.lon }));
    case MavCmd.DO_SET_ROI_NONE:
      v.lookAt(null);
      return done(MavResult.ACCEPTED);
    case MavCmd.NAV_LOITER_UNLIM:
      // Outside a mission ArduCopter only switches to LOITER where it is: the coordinates are ignored.
      return ok(v.setMode(CopterMode.LOITER));
    case MavCmd.DO_CHANGE_SPEED:
      if (!(p2 > 0)) return done(MavResult.FAILED);
      v.changeSpeed(p2);
      return done(MavResult.ACCEPTED);
    case MavCmd.SET_MESSAGE_INTERVAL:
      if (ctx.streams.setInterval(p1, p2)) return done(MavResult.ACCEPTED);
      ctx.say(ctx.voice.noSuchMessage(p1));
      return done(MavResult.DENIED);
    case MavCmd.GET_MESSAGE_INTERVAL:
      return messageInterval(p1, ctx);
    case MavCmd.REQUEST_MESSAGE:
      return requested(ctx.telemetry.build(p1));
    case MavCmd.GET_HOME_POSITION:
      return requested(ctx.telemetry.build(common.HomePosition.MSG_ID));
    case MavCmd.REQUEST_AUTOPILOT_CAPABILITIES:
      return p1 === 1 ? requested(ctx.telemetry.build(standard.AutopilotVersion.MSG_ID)) : done(MavResult.ACCEPTED);
    default:
      return done(MavResult.UNSUPPORTED);
  }
}

/** DO_SET_MODE and the SET_MODE message: only custom modes mean anything to ArduCopter and PX4. */
export function setMode(v: SimVehicle, baseMode: number, customMode: number): CommandReply {
  if ((baseMode & 1) === 0) return done(MavResult.DENIED);
  const mode = v.firmware.modeOf(customMode);
  if (mode === undefined) return done(MavResult.DENIED);
  return ok(v.setMode(mode));
}

export function requested(msg: Outgoing | null): CommandReply {
  return msg ? done(MavResult.ACCEPTED, [msg]) : done(MavResult.FAILED);
}

function messageInterval(msgid: number, ctx: CommandContext): CommandReply {
  const m = new common.MessageInterval();
  m.messageId = msgid;
  const ms = ctx.streams.intervalMs(msgid);
  m.intervalUs = ms < 0 ? -1 : Math.round(ms * 1000);
  return done(MavResult.ACCEPTED, [m]);
}

/** DO_REPOSITION: fly there in GUIDED (switching to GUIDED first if param2 asks for it). */
export function reposition(c: ReceivedCommand, v: SimVehicle): CommandReply {
  const changeMode = (Math.round(c.params[1]) & MavDoRepositionFlags.CHANGE_MODE) !== 0;
  if (v.mode !== CopterMode.GUIDED && !changeMode) return done(MavResult.DENIED);
  if (!Number.isFinite(c.lat) || !Number.isFinite(c.lon) || Math.abs(c.lat) > 90 || Math.abs(c.lon) > 180) return done(MavResult.DENIED);
  if (v.mode !== CopterMode.GUIDED && !v.setMode(CopterMode.GUIDED)) return done(MavResult.FAILED);
  const here = v.position;
  const useHere = c.lat === 0 && c.lon === 0;
  const alt = Number.isFinite(c.alt) ? altAboveHome(v, c.alt, c.frame) : here.altRel;
  return ok(v.goto(useHere ? here : { lat: c.lat, lon: c.lon }, alt));
}
