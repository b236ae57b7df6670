/**
 * What the simulator copies from ArduCopter 4.x: mode numbers, message texts and the fixed
 * bits of its telemetry. Texts are the real ones (seen in ../shared/fixtures/ardupilot/*.tlog or
 * in ArduPilot's source) wherever a ground station may look for them; one place, so a test can
 * compare against the capture and nobody retypes a string.
 */
import { ardupilotmega, common } from 'node-mavlink';
import type { Firmware, Said, Voice } from './firmware.ts';
import { readBack } from './mission-items.ts';
import { Telemetry } from './telemetry.ts';

const { MavCmd, MavSeverity } = common;
const { INFO, WARNING, CRITICAL } = MavSeverity;
export const CopterMode = ardupilotmega.CopterMode;

/** The flight modes the simulator flies (ArduCopter numbers). Others are refused like an unknown mode. */
export const SUPPORTED_MODES = new Map<number, string>([
  [CopterMode.STABILIZE, 'STABILIZE'],
  [CopterMode.AUTO, 'AUTO'],
  [CopterMode.GUIDED, 'GUIDED'],
  [CopterMode.LOITER, 'LOITER'],
  [CopterMode.RTL, 'RTL'],
  [CopterMode.LAND, 'LAND'],
  [CopterMode.BRAKE, 'BRAKE'],
]);

/** Modes ArduCopter will not arm in. */
const NOT_ARMABLE = new Set<number>([CopterMode.AUTO, CopterMode.RTL, CopterMode.LAND, CopterMode.BRAKE]);

/** Modes that need a position estimate once armed (ArduCopter's requires_GPS()). */
export const POSITION_MODES = new Set<number>([CopterMode.AUTO, CopterMode.GUIDED, CopterMode.LOITER, CopterMode.RTL, CopterMode.BRAKE]);

export const modeName = (mode: number): string => SUPPORTED_MODES.get(mode) ?? `MODE(${mode})`;

/** The magic param2 of COMPONENT_ARM_DISARM that skips the checks. */
export const FORCE_ARM_MAGIC = 21196;

/** HEARTBEAT base_mode bits as ArduCopter sets them (81 disarmed, 89 guided-enabled, 217 armed). */
export const BASE_MODE = {
  CUSTOM_MODE_ENABLED: 1,
  GUIDED_ENABLED: 8,
  STABILIZE_ENABLED: 16,
  MANUAL_INPUT_ENABLED: 64,
  SAFETY_ARMED: 128,
} as const;

/**
 * SYS_STATUS sensor bitmaps of the captured SITL quad: present 0x5371fc0f (+ GPS once seen),
 * healthy 0x47519c2f before a position estimate and 0x5771fc2f once armable in GUIDED.
 */
export const SENSORS = {
  PRESENT: 0x5371fc0f,
  HEALTHY_BASE: 0x47519c0f,
  GPS: 0x20,
  /** AHRS + XY and Z position control: healthy with a position estimate */
  POSITION: 0x200000 | 0x4000 | 0x2000,
  BATTERY: 0x2000000,
  PREARM_CHECK: 0x10000000,
} as const;

/** EKF_STATUS_REPORT flags seen in the captures: 167 before GPS is used, 831 after. */
export const EKF_FLAGS = {
  ATTITUDE_ONLY: 167,
  USING_GPS: 831,
} as const;

/** AP_Mission::Mission_Command::type(): the word in "Mission: N <type>". */
const COMMAND_TYPE = new Map<number, string>([
  [MavCmd.NAV_WAYPOINT, 'WP'],
  [MavCmd.NAV_RETURN_TO_LAUNCH, 'RTL'],
  [MavCmd.NAV_LOITER_UNLIM, 'LoitUnlim'],
  [MavCmd.NAV_LOITER_TIME, 'LoitTime'],
  [MavCmd.NAV_LAND, 'Land'],
  [MavCmd.NAV_TAKEOFF, 'Takeoff'],
  [MavCmd.NAV_DELAY, 'Delay'],
  [MavCmd.CONDITION_DELAY, 'CondDelay'],
  [MavCmd.DO_CHANGE_SPEED, 'ChangeSpeed'],
  [MavCmd.DO_JUMP, 'Jump'],
]);

export const missionCommandType = (command: number): string => COMMAND_TYPE.get(command) ?? '?';

/** Reasons ArduCopter gives for refusing to arm (the capture shows the first two and the battery ones). */
export const ARM_CHECK = {
  needPosition: 'Need Position Estimate',
  gyros: 'Gyros inconsistent',
  batteryLow: 'Battery 1 low voltage failsafe',
  batteryFailsafe: 'Battery failsafe',
  modeNotArmable: 'Mode not armable',
  safetySwitch: 'Hardware safety switch',
  /** only where arming in AUTO is allowed (PX4's Mission mode): nothing to fly */
  noMission: 'No mission to fly',
} as const;

/** STATUSTEXTs, as ArduCopter words them. */
export const TEXT = {
  // boot, in the order the capture shows (a subset)
  ready: 'ArduPilot Ready',
  ekfInit: 'EKF3 IMU0 initialised',
  ahrsEkf: 'AHRS: EKF3 active',
  gpsDetected: 'GPS 1: detected u-blox',
  originSet: 'EKF3 IMU0 origin set',
  fieldElevation: (altM: number) => `Field Elevation Set: ${Math.round(altM)}m`,
  usingGps: 'EKF3 IMU0 is using GPS',
  // arming: ArduPilot prefixes each failed check with "Arm: " when asked to arm, "PreArm: " in its periodic report
  arm: (reason: string) => `Arm: ${reason}`,
  prearm: (reason: string) => `PreArm: ${reason}`,
  arming: 'Arming motors',
  disarming: 'Disarming motors',
  // modes
  modeChangeFailed: (mode: string, reason: string) => `Mode change to ${mode} failed: ${reason}`,
  noSuchMode: (mode: number) => `No such mode ${mode}`,
  missingTakeoff: 'Auto: Missing Takeoff Cmd',
  // missions
  flightPlanReceived: 'Flight plan received',
  onlyNItems: (n: number) => `Only ${n} items are supported`,
  floatItems: 'got MISSION_ITEM; GCS should send MISSION_ITEM_INT',
  missionStart: (seq: number, command: number) => `Mission: ${seq} ${missionCommandType(command)}`,
  reached: (seq: number) => `Reached command #${seq}`,
  // flight
  hitGround: (speed: number) => `SIM Hit ground at ${speed.toFixed(6)} m/s`,
  // failsafes
  batteryLow: (volts: number, usedMah: number) => `Battery 1 is low ${volts.toFixed(2)}V used ${usedMah.toFixed(0)} mAh`,
  batteryFailsafe: 'Battery Failsafe',
  batteryFailsafeDisarming: 'Battery Failsafe - Disarming',
  gcsFailsafe: 'GCS Failsafe',
  gcsFailsafeDisarming: 'GCS Failsafe - Disarming',
  gcsFailsafeCleared: 'GCS Failsafe Cleared',
  ekfFailsafe: 'EKF Failsafe',
  noApMessage: (msgid: number) => `No ap_message for mavlink id (${msgid})`,
} as const;

/** ArduCopter defaults the simulator flies by (parameter name, value in the parameter's unit). */
export const DEFAULTS = {
  WPNAV_SPEED: 1000, // cm/s
  WPNAV_SPEED_UP: 250, // cm/s
  WPNAV_SPEED_DN: 150, // cm/s
  WPNAV_ACCEL: 250, // cm/s/s
  WPNAV_RADIUS: 200, // cm
  LAND_SPEED: 50, // cm/s below LAND_ALT_LOW
  LAND_ALT_LOW: 1000, // cm
  RTL_ALT: 1500, // cm
  RTL_LOIT_TIME: 5000, // ms
  DISARM_DELAY: 10, // s
  FS_GCS_ENABLE: 0,
  FS_GCS_TIMEOUT: 5, // s
  BATT_LOW_VOLT: 10.5, // V
  BATT_LOW_TIMER: 10, // s
  BATT_CAPACITY: 8000, // mAh (the simulator's pack: ~10 min of patrol before the low-voltage failsafe)
  BATT_FS_LOW_ACT: 2, // RTL (ArduPilot's default is 0 = none; squadrons set it, as the failsafe capture did)
  MAV_GCS_SYSID: 255,
} as const;

const say = (severity: number, ...texts: string[]): Said => texts.map((t) => [severity, t]);

/** What ArduCopter says, and when (the real texts, as above). */
const voice: Voice = {
  booted: () => say(INFO, TEXT.ready),
  estimatorStarted: () => say(INFO, TEXT.ekfInit, TEXT.ahrsEkf),
  gpsDetected: () => say(INFO, TEXT.gpsDetected),
  originSet: (elevation) => say(INFO, TEXT.originSet, TEXT.fieldElevation(elevation)),
  usingGps: () => say(INFO, TEXT.usingGps),
  armRefused: (reasons) => say(CRITICAL, ...reasons.map(TEXT.arm)),
  prearmReport: (reasons) => say(CRITICAL, ...reasons.map(TEXT.prearm)),
  armed: () => say(INFO, TEXT.arming),
  disarmed: () => say(INFO, TEXT.disarming),
  modeRefused: (mode, reason) => say(WARNING, TEXT.modeChangeFailed(mode, reason)),
  noSuchMode: (mode) => say(WARNING, TEXT.noSuchMode(mode)),
  missingTakeoff: () => say(CRITICAL, TEXT.missingTakeoff),
  missionReceived: () => say(INFO, TEXT.flightPlanReceived),
  tooManyItems: (max) => say(WARNING, TEXT.onlyNItems(max)),
  floatItems: () => say(WARNING, TEXT.floatItems),
  missionStarted: () => [],
  itemStarted: (seq, item) => say(INFO, TEXT.missionStart(seq, item.command)),
  itemReached: (seq, command) => (ANNOUNCED.has(command) ? say(INFO, TEXT.reached(seq)) : []),
  missionFinished: () => [],
  takeoffDetected: () => [],
  touchdown: (speed) => say(INFO, TEXT.hitGround(speed)),
  returning: () => [],
  landingAtHome: () => [],
  batteryLow: (volts, usedMah) => say(WARNING, TEXT.batteryLow(volts, usedMah)),
  batteryFailsafe: (disarming) => say(WARNING, disarming ? TEXT.batteryFailsafeDisarming : TEXT.batteryFailsafe),
  gcsFailsafe: (state) => say(WARNING, state === 'cleared' ? TEXT.gcsFailsafeCleared : state === 'lost' ? TEXT.gcsFailsafe : TEXT.gcsFailsafeDisarming),
  ekfFailsafe: () => say(CRITICAL, TEXT.ekfFailsafe),
  noSuchMessage: (msgid) => say(INFO, TEXT.noApMessage(msgid)),
};

/** Items whose completion ArduCopter announces with "Reached command #N". */
const ANNOUNCED = new Set<number>([MavCmd.NAV_WAYPOINT, MavCmd.NAV_LOITER_TIME, MavCmd.NAV_SPLINE_WAYPOINT]);

/** STATUSTEXT holds 50 characters; ArduCopter's texts fit in one. */
const TEXT_MAX = 50;
const HEARTBEAT_MS = 1000;

/** The simulator as ArduCopter 4.x: the default. */
export const arduCopter: Firmware = {
  kind: 'ardupilot',
  voice,
  mission: {
    firstItem: 1,
    requestIntOnly: false,
    readBack,
    opaqueIds: false,
    marksCurrentItem: false,
    rtlItemEndsMission: false, // an RTL item keeps AUTO until landing
    rewindOnDisarm: true,
  },
  bootMode: CopterMode.STABILIZE,
  modeName,
  customMode: (mode) => mode,
  modeOf: (customMode) => customMode,
  customModeOf: (params) => params[1]!,
  armableIn: (mode) => !NOT_ARMABLE.has(mode),
  modeAfterDisarm: (mode) => mode,
  telemetry: (v, o) => new Telemetry(v, o.startEpochMs, o.uid),
  // Nothing but HEARTBEAT until a ground station asks.
  defaultStreams: [[0, HEARTBEAT_MS]],
  command: () => undefined,
  ackCopies: () => 1,
  statusTexts(severity, text) {
    const m = new common.StatusText();
    m.severity = severity;
    m.text = text.slice(0, TEXT_MAX);
    return [m];
  },
  substepS: 0.05,
  params: {},
  companion: () => null,
};
