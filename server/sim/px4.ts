/**
 * The simulator as PX4 (v1.17, upstream main early 2026), as seen live on its SITL with the SIH
 * quadcopter: ../shared/fixtures/px4/mission-flight.tlog and its README. What it does its own way:
 * - HEARTBEAT autopilot 12; custom_mode = main mode << 16 | sub mode << 24; boots in HOLD;
 *   DO_SET_MODE [1, main, sub], answered with two identical COMMAND_ACKs.
 * - Arming in MISSION takes off and flies the mission; at an RTL item the mission is finished
 *   (MISSION_ITEM_REACHED of the RTL item, never of the waypoint before it) and the mode becomes
 *   RETURN by itself; at the disarm after landing the mode becomes HOLD by itself.
 * - Mission protocol: only MISSION_REQUEST_INT, seq 0 is the first item (no home item), frame 3
 *   reads back as 6, MISSION_ACK and MISSION_COUNT carry the mission's opaque_id.
 * - ~50 Hz streams from power-on, which SET_MESSAGE_INTERVAL lowers (ACK 0), except
 *   MISSION_CURRENT's rate (FAILED); messages no dialect here knows (LINK_NODE_STATUS, ...).
 * - STATUSTEXT ends in a tab, long ones come in chunks (id, chunk_seq); PING every 10 s;
 *   copies of its own commands addressed to itself (px4-telemetry.ts).
 * Texts the capture shows are PX4's own words; the few it does not show (refusals, failsafes)
 * are worded after PX4's style, not copied from a flight.
 */
import { common } from 'node-mavlink';
import { CopterMode } from './ardupilot.ts';
import { altAboveHome, done, reposition, type ReceivedCommand, type CommandContext, type CommandReply } from './commands.ts';
import type { Firmware, MissionHabits, Said, Voice } from './firmware.ts';
import type { RawMissionItem } from './mission-items.ts';
import { Px4Companion, Px4Telemetry } from './px4-telemetry.ts';

const { MavCmd, MavFrame, MavMissionType, MavResult, MavSeverity } = common;
const { INFO, WARNING, CRITICAL } = MavSeverity;

/** PX4's main mode AUTO and its sub modes, the ones a patrol uses. */
const AUTO = 4;
export const PX4_SUB = { TAKEOFF: 2, HOLD: 3, MISSION: 4, RETURN: 5, LAND: 6 } as const;
/** Orbit is a sub mode of POSCTL (main mode 3), sub mode 1. */
const POSCTL = 3;
const POSCTL_ORBIT = 1;

/** custom_mode of a sub mode: main mode in bits 16-23, sub mode in bits 24-31. */
export const px4CustomMode = (sub: number, main = AUTO): number => ((main << 16) | (sub << 24)) >>> 0;

/**
 * PX4's modes onto the simulator's behaviours (ArduCopter's numbers inside). HOLD holds where
 * it is; a reposition (GUIDED inside) shows as HOLD too, as PX4 flies DO_REPOSITION in Hold.
 */
const MODES: { mode: number; name: string; sub: number; main?: number }[] = [
  { mode: CopterMode.LOITER, name: 'HOLD', sub: PX4_SUB.HOLD },
  { mode: CopterMode.AUTO, name: 'MISSION', sub: PX4_SUB.MISSION },
  { mode: CopterMode.RTL, name: 'RETURN', sub: PX4_SUB.RETURN },
  { mode: CopterMode.LAND, name: 'LAND', sub: PX4_SUB.LAND },
  { mode: CopterMode.GUIDED, name: 'HOLD', sub: PX4_SUB.HOLD },
  { mode: CopterMode.BRAKE, name: 'HOLD', sub: PX4_SUB.HOLD },
  // DO_ORBIT's mode (SimVehicle.orbit flies it); not one DO_SET_MODE asks for here.
  { mode: CopterMode.CIRCLE, name: 'ORBIT', sub: POSCTL_ORBIT, main: POSCTL },
];
const HOLD = MODES[0]!;
const modeEntry = (mode: number) => MODES.find((m) => m.mode === mode) ?? HOLD;

/** PX4 ends every message it prints with a tab (its console's column separator). */
const TAB = '\t';
const say = (severity: number, ...texts: string[]): Said => texts.map((t) => [severity, t + TAB]);

const voice: Voice = {
  booted: () => say(INFO, '[logger] ./log/sim/flight.ulg'),
  // The one message without the tab; PX4 prints it once while its estimator settles.
  estimatorStarted: () => [[CRITICAL, 'Preflight Fail: heading estimate not stable']],
  gpsDetected: () => [],
  originSet: () => [],
  usingGps: () => [],
  armRefused: () => say(CRITICAL, 'Arming denied: Resolve system health failures first'),
  prearmReport: () => [],
  armed: () => say(INFO, 'Armed by external command'),
  disarmed: (why) =>
    say(
      INFO,
      why === 'landed' ?
        'Disarmed by landing'
        : why === 'idle'
        ? 'Disarmed by auto preflight disarming'
        : why === 'failsafe'
        ? 'Disarmed by failsafe'
        : 'Disarmed by external command',
    ),
  modeRefused: () => [],
  noSuchMode: () => [],
  missingTakeoff: () => [],
  // Nothing is said for an upload.
  missionReceived: () => [],
  tooManyItems: () => [],
  floatItems: () => [],
  missionStarted: () => say(INFO, 'Executing Mission'),
  itemStarted: (_seq, item, alt, repeat) => (item.command === MavCmd.NAV_TAKEOFF && !repeat ? say(INFO, `Climb to ${alt.toFixed(1)} meters above home`) : []),
  itemReached: () => [],
  missionFinished: () => say(INFO, 'Mission finished, loitering'),
  takeoffDetected: () => say(INFO, 'Takeoff detected'),
  touchdown: () => say(INFO, 'Landing detected'),
  // PX4 rounds both heights up: 40.23 m AMSL, 30.0 m above home → "41 m (30 m above destination)".
  returning: (alt, homeAlt) =>
    say(INFO, 'Returning to launch', `RTL: start return at ${Math.ceil(homeAlt + alt - 1e-6)} m (${Math.ceil(alt - 1e-6)} m above destination)`),
  landingAtHome: () => say(INFO, 'RTL: land at destination'),
  batteryLow: () => say(WARNING, 'Low battery level, return advised'),
  batteryFailsafe: () => say(CRITICAL, 'Critical battery level, returning'),
  gcsFailsafe: (state) => (state === 'cleared' ? say(INFO, 'Data link regained') : say(CRITICAL, 'Connection to ground station lost')),
  ekfFailsafe: () => say(CRITICAL, 'Position estimate lost, landing'),
  noSuchMessage: () => [],
};

/** Location frames and the *_INT frame PX4 gives them back in (it stores "relative or not"). */
const INT_FRAME = new Map<number, number>([
  [MavFrame.GLOBAL, MavFrame.GLOBAL_INT],
  [MavFrame.GLOBAL_INT, MavFrame.GLOBAL_INT],
  [MavFrame.GLOBAL_RELATIVE_ALT, MavFrame.GLOBAL_RELATIVE_ALT_INT],
  [MavFrame.GLOBAL_RELATIVE_ALT_INT, MavFrame.GLOBAL_RELATIVE_ALT_INT],
  [MavFrame.GLOBAL_TERRAIN_ALT, MavFrame.GLOBAL_TERRAIN_ALT_INT],
  [MavFrame.GLOBAL_TERRAIN_ALT_INT, MavFrame.GLOBAL_TERRAIN_ALT_INT],
]);

const mission: MissionHabits = {
  firstItem: 0,
  requestIntOnly: true,
  // The capture: frame 3 came back as 6, the RTL item's frame 2 as 2, all else as sent.
  readBack: (
    item: RawMissionItem,
    missionType: number,
  ) => (missionType === MavMissionType.MISSION ? { ...item, frame: INT_FRAME.get(item.frame) ?? item.frame } : { ...item }),
  opaqueIds: true,
  marksCurrentItem: true,
  rtlItemEndsMission: true,
  rewindOnDisarm: false, // MISSION_CURRENT stayed at the RTL item, COMPLETE, after landing
};

/** Streamed from power-on on a GCS link (ms), as measured in the capture's first 20 s. */
const FAST_MS = 20; // ~50 Hz
const DEFAULT_STREAMS: [number, number][] = [
  [common.Attitude.MSG_ID, FAST_MS],
  [common.AttitudeQuaternion.MSG_ID, FAST_MS],
  [common.AttitudeTarget.MSG_ID, FAST_MS],
  [common.GlobalPositionInt.MSG_ID, FAST_MS],
  [common.LocalPositionNed.MSG_ID, FAST_MS],
  [common.PositionTargetLocalNed.MSG_ID, FAST_MS],
  [common.ServoOutputRaw.MSG_ID, FAST_MS],
  [common.GpsRawInt.MSG_ID, 200],
  [common.VfrHud.MSG_ID, 250],
  [0, 1000], // HEARTBEAT
  [common.SysStatus.MSG_ID, 1000],
  [common.ExtendedSysState.MSG_ID, 1000],
  [common.MissionCurrent.MSG_ID, 1000],
  [common.PositionTargetGlobalInt.MSG_ID, 1000], // only while armed
  [Px4Telemetry.LINK_NODE_STATUS, 1000],
  [common.BatteryStatus.MSG_ID, 2000],
  [common.CurrentMode.MSG_ID, 2000],
  [common.HomePosition.MSG_ID, 2000],
  [Px4Telemetry.TIME_ESTIMATE_TO_TARGET, 2000],
  [Px4Telemetry.CURRENT_EVENT_SEQUENCE, 3000],
];

/**
 * The simulator's tuning (ArduPilot's parameter names) set to what the PX4 capture flew:
 * 5 m/s cruise, ~1.5 m/s climb and descent, 0.6 m/s below 8 m, RTL 30 m above home without a loiter.
 */
const TUNING: Partial<Record<string, number>> = {
  WPNAV_SPEED: 500,
  WPNAV_SPEED_UP: 150,
  WPNAV_SPEED_DN: 150,
  WPNAV_ACCEL: 300,
  WPNAV_RADIUS: 200,
  LAND_SPEED: 60,
  LAND_ALT_LOW: 800,
  RTL_ALT: 3000,
  RTL_LOIT_TIME: 0,
};

const TEXT_MAX = 50;

/** SET_MESSAGE_INTERVAL as PX4 answers it: any stream it has; MISSION_CURRENT belongs to its mission manager, not a stream. */
function setMessageInterval(c: ReceivedCommand, ctx: CommandContext): CommandReply {
  const [msgid, intervalUs] = c.params;
  if (msgid === common.MissionCurrent.MSG_ID) return done(MavResult.FAILED);
  return done(ctx.streams.setInterval(msgid, intervalUs) ? MavResult.ACCEPTED : MavResult.FAILED);
}

/**
 * NAV_TAKEOFF as PX4 takes it: armed on the ground in Hold, param7 is the altitude AMSL (NaN: its
 * MIS_TAKEOFF_ALT, 2.5 m); it climbs there and holds. (Inside, the simulator flies it in GUIDED,
 * which shows as HOLD, as a reposition does.)
 */
function takeoff(c: ReceivedCommand, ctx: CommandContext): CommandReply {
  const v = ctx.vehicle;
  if (!v.armed) return done(MavResult.DENIED);
  const alt = Number.isFinite(c.alt) ? altAboveHome(v, c.alt, common.MavFrame.GLOBAL) : 2.5;
  if (!v.setMode(CopterMode.GUIDED)) return done(MavResult.FAILED);
  return done(v.takeoff(alt) ? MavResult.ACCEPTED : MavResult.FAILED);
}

/** PX4's MC_ORBIT_RAD_MAX default and the Orbit task's smallest radius, metres. */
const ORBIT_RADIUS = { min: 1, max: 1000 };

/**
 * DO_ORBIT as a PX4 multicopter takes it, either form (its sources: Commander, FlightTaskOrbit).
 * The commander switches to Orbit and answers ACCEPTED, or TEMPORARILY_REJECTED and "Orbit command
 * rejected" when the switch is refused (here: no position, or not flying; the real one also in a
 * VTOL transition), staying in its mode. The task then reads param1 (radius, its sign the direction),
 * param2 (speed), param3 (yaw behaviour; only facing the centre is flown here), param5/6 the centre
 * and param7 its height AMSL (NaN: where it is). A radius out of range is still ACCEPTED by the
 * commander; the task says "Orbit radius limit exceeded" and (inside PX4, a failsafe task) holds.
 */
function orbit(c: ReceivedCommand, ctx: CommandContext): CommandReply {
  const v = ctx.vehicle;
  const refuse = () => {
    ctx.say(say(CRITICAL, 'Orbit command rejected'));
    return done(MavResult.TEMPORARILY_REJECTED);
  };
  if (!v.armed || v.flight.landed || !v.sensors.positionOk) return refuse();
  const [radiusParam, speedParam] = c.params;
  const radius = Number.isFinite(radiusParam) ? Math.abs(radiusParam) : ORBIT_RADIUS.min;
  const here = v.position;
  const centre = Number.isFinite(c.lat) && Number.isFinite(c.lon) ? { lat: c.lat, lon: c.lon } : here;
  const alt = Number.isFinite(c.alt) ? altAboveHome(v, c.alt, MavFrame.GLOBAL) : here.altRel;
  if (radius < ORBIT_RADIUS.min || radius > ORBIT_RADIUS.max) {
    if (!v.orbit(here, 0, here.altRel, 0, true)) return refuse(); // radius 0: it holds where it is
    ctx.say(say(CRITICAL, 'Orbit radius limit exceeded'));
    return done(MavResult.ACCEPTED);
  }
  const speed = Number.isFinite(speedParam) && speedParam > 0 ? speedParam : 1;
  return v.orbit(centre, radius, alt, speed, !(radiusParam < 0)) ? done(MavResult.ACCEPTED) : refuse();
}

/** A fresh PX4 for one drone (its STATUSTEXT ids count per drone). */
export function px4(): Firmware {
  let textId = 0;
  return {
    kind: 'px4',
    voice,
    mission,
    bootMode: HOLD.mode,
    modeName: (mode) => modeEntry(mode).name,
    customMode: (mode) => px4CustomMode(modeEntry(mode).sub, modeEntry(mode).main),
    modeOf: (customMode) => {
      if (((customMode >>> 16) & 0xff) !== AUTO) return undefined;
      return MODES.find((m) => m.main === undefined && m.sub === customMode >>> 24)?.mode;
    },
    // DO_SET_MODE: param2 the main mode, param3 the sub mode.
    customModeOf: (params) => ((params[1]! << 16) | (params[2]! << 24)) >>> 0,
    armableIn: (mode) => mode === CopterMode.LOITER || mode === CopterMode.AUTO,
    modeAfterDisarm: (mode) => (mode === CopterMode.RTL || mode === CopterMode.LAND ? HOLD.mode : mode),
    telemetry: (v, o) => new Px4Telemetry(v, o.startEpochMs, o.uid, o.missionId),
    defaultStreams: DEFAULT_STREAMS,
    // PX4's mavlink receiver takes DO_REPOSITION in either form (it converts both to a vehicle_command,
    // copying the height into param7 whatever the frame: its navigator reads it as AMSL).
    command: (c, ctx) => (c.command === MavCmd.SET_MESSAGE_INTERVAL ?
      setMessageInterval(c, ctx)
      : c.command === MavCmd.DO_REPOSITION ?
      reposition({ ...c, frame: MavFrame.GLOBAL }, ctx.vehicle)
      : c.command === MavCmd.DO_ORBIT ?
      orbit(c, ctx)
      : c.command === MavCmd.NAV_TAKEOFF
      ? takeoff(c, ctx)
      : undefined),
    ackCopies: (command) => (command === MavCmd.DO_SET_MODE ? 2 : 1),
    // Every text gets the next id; one longer than 50 characters goes in chunks (chunk_seq 0, 1, …).
    statusTexts(severity, text) {
      const id = textId;
      textId = (textId + 1) & 0xffff;
      const out: common.StatusText[] = [];
      for (let at = 0, chunk = 0; at < text.length; at += TEXT_MAX, chunk++) {
        const m = new common.StatusText();
        m.severity = severity;
        m.text = text.slice(at, at + TEXT_MAX);
        m.id = id;
        m.chunkSeq = chunk;
        out.push(m);
      }
      return out;
    },
    substepS: FAST_MS / 1000,
    params: TUNING,
    companion: (sysid) => new Px4Companion(sysid),
  };
}
