import { common, minimal } from 'node-mavlink';
import { ARM_CHECK, BASE_MODE, CopterMode, POSITION_MODES, SENSORS, SUPPORTED_MODES } from './ardupilot.ts';
import type { DisarmReason, Firmware, Said } from './firmware.ts';
import type { RawMissionItem } from './mission-items.ts';
import { MissionRunner } from './mission-runner.ts';
import { LandNav, OrbitNav, PointNav, RtlNav, TakeoffNav, type Nav, type NavContext } from './nav.ts';
import type { Params } from './params.ts';
import { Battery, currentDraw } from './physics/battery.ts';
import { FlightModel, type Limits } from './physics/flight.ts';
import type { LatLon } from '../wire/types.ts';
import { LocalFrame, type Local } from './physics/geo.ts';
import { Sensors, type BootTimeline } from './sensors.ts';

const { MavResult, MissionState } = common;
const { MavState } = minimal;

/** Longest physics step: a larger tick (high speedup) is split into these. */
const MAX_STEP_S = 0.1;
/** ArduCopter reports pre-arm failures every 30 s while disarmed. */
const PREARM_REPORT_S = 30;
/** HEARTBEAT system_status BOOT for the first 2 s (capture). */
const BOOT_STATUS_S = 2;
export interface Home extends LatLon {
  altMsl: number;
}

export interface SimVehicleEvents {
  say(said: Said): void;
  /** home (and the EKF origin) set or moved: HOME_POSITION and GPS_GLOBAL_ORIGIN go out */
  homeSet(): void;
  itemReached(seq: number): void;
}

export interface SimVehicleOptions {
  /** where the copter stands at power-on (its EKF origin), metres AMSL */
  origin: Home;
  timeline: BootTimeline;
  params: Params;
  missionItems: () => RawMissionItem[];
  events: SimVehicleEvents;
  /** the autopilot it is: ArduCopter or PX4 (see firmware.ts) */
  firmware: Firmware;
}

/**
 * One simulated aircraft (not the ground side's Vehicle): boot sequence, arming, flight modes,
 * mission execution, battery and failsafes, flying the kinematic model, with its Firmware's
 * habits. It speaks no MAVLink itself; SimDrone (drone.ts) does.
 */
export class SimVehicle {
  timeMs = 0;
  armed = false;
  /** the flight mode, in ArduCopter's numbers whatever the firmware (it names them its own way) */
  mode: number;
  home: Home | null = null;
  /** where DO_SET_ROI_LOCATION points the nose, in the local frame, or null */
  private roi: { n: number; e: number } | null = null;
  readonly frame: LocalFrame;
  readonly flight = new FlightModel();
  readonly battery: Battery;
  readonly sensors: Sensors;
  readonly runner: MissionRunner;
  batteryFailsafe = false;
  gcsFailsafe = false;
  /** a fault: arming refused for this reason (e.g. ARM_CHECK.safetySwitch) */
  refuseArmReason: string | null = null;
  private nav: Nav | null = null;
  private speed: number;
  private lowVoltageSince: number | null = null;
  private landedArmedFor = 0;
  private lastGcsHeartbeat: number | null = null;
  private nextPrearmReport = PREARM_REPORT_S * 1000;
  /** the RTL phase last seen, to tell when it starts to land */
  private rtlPhase: string | null = null;

  constructor(private readonly opts: SimVehicleOptions) {
    this.frame = new LocalFrame(opts.origin);
    this.battery = new Battery(opts.params.get('BATT_CAPACITY'));
    this.speed = this.wpSpeed;
    this.mode = opts.firmware.bootMode;
    this.sensors = new Sensors(opts.timeline, opts.origin.altMsl, {
      say: (said) => this.say(said),
      originSet: () => this.setHomeHere(),
    }, opts.firmware.voice);
    this.runner = new MissionRunner({
      items: opts.missionItems,
      ctx: () => this.navContext(),
      toLocal: (lat, lon) => this.frame.toLocal({ lat: lat / 1e7, lon: lon / 1e7 }),
      homeAltMsl: () => this.home?.altMsl ?? opts.origin.altMsl,
      voice: opts.firmware.voice,
      habits: opts.firmware.mission,
      say: (said) => this.say(said),
      itemReached: (seq) => opts.events.itemReached(seq),
      setSpeed: (mps) => {
        this.speed = mps;
      },
      missionEnded: () => {
        if (this.flight.landed) this.disarm(true, 'landed');
      },
      returnToLaunch: () => {
        this.setMode(CopterMode.RTL);
      },
    });
  }

  get firmware(): Firmware {
    return this.opts.firmware;
  }

  private get voice() {
    return this.opts.firmware.voice;
  }

  /** where the copter stood at power-on: the EKF origin */
  get origin(): Home {
    return this.opts.origin;
  }

  private get params(): Params {
    return this.opts.params;
  }

  private get wpSpeed(): number {
    return this.params.get('WPNAV_SPEED') / 100;
  }

  private say(said: Said): void {
    if (said.length > 0) this.opts.events.say(said);
  }

  // ---------------------------------------------------------------- time

  /** Advance the simulation by dt seconds. */
  tick(dt: number): void {
    for (let left = dt; left > 1e-9; left -= MAX_STEP_S) this.step(Math.min(MAX_STEP_S, left));
  }

  private step(dt: number): void {
    this.timeMs += dt * 1000;
    const t = this.timeMs / 1000;
    this.sensors.update(t);
    this.checkEkf();
    this.checkGcsFailsafe();
    this.fly(dt);
    this.battery.draw(currentDraw(this.armed, this.flight.landed, this.flight.groundSpeed, this.flight.vu), dt);
    this.checkBattery(dt);
    this.checkAutoDisarm(dt);
    this.reportPrearm();
  }

  private fly(dt: number): void {
    const nav = this.activeNav;
    const ctx = this.navContext();
    const sp = this.armed && nav ? nav.setpoint(ctx) : null;
    const wasLanded = this.flight.landed;
    const roi = this.roi;
    this.flight.yawTarget = roi && !this.flight.landed ? ((Math.atan2(roi.e - this.flight.e, roi.n - this.flight.n) * 180) / Math.PI + 360) % 360 : null;
    const { touchdown } = this.flight.step(sp, this.limits(), dt);
    if (wasLanded && !this.flight.landed) this.say(this.voice.takeoffDetected());
    if (touchdown !== undefined) this.say(this.voice.touchdown(touchdown));
    if (!this.armed) return;
    if (this.mode === CopterMode.AUTO) return this.runner.update(dt);
    const done = nav?.update(ctx, dt);
    if (nav instanceof RtlNav && nav.phase !== this.rtlPhase) {
      this.rtlPhase = nav.phase;
      if (nav.phase === 'land') this.say(this.voice.landingAtHome());
    }
    if (done && (nav instanceof LandNav || nav instanceof RtlNav)) this.disarm(true, 'landed');
  }

  private get activeNav(): Nav | null {
    return this.mode === CopterMode.AUTO ? this.runner.nav : this.nav;
  }

  navContext(): NavContext {
    const home = this.home ? this.frame.toLocal(this.home) : { n: 0, e: 0 };
    return {
      flight: this.flight,
      home,
      speed: this.speed,
      radius: this.params.get('WPNAV_RADIUS') / 100,
      rtlAlt: this.params.get('RTL_ALT') / 100,
      rtlLoiter: this.params.get('RTL_LOIT_TIME') / 1000,
    };
  }

  private limits(): Limits {
    const p = this.params;
    return {
      accel: p.get('WPNAV_ACCEL') / 100,
      climb: p.get('WPNAV_SPEED_UP') / 100,
      descend: p.get('WPNAV_SPEED_DN') / 100,
      landSpeed: p.get('LAND_SPEED') / 100,
      landAltLow: p.get('LAND_ALT_LOW') / 100,
    };
  }

  // ---------------------------------------------------------------- arming

  /** Why arming would be refused now (ArduPilot reports every failed check). */
  private armingFailures(): string[] {
    const out: string[] = [];
    if (this.refuseArmReason) out.push(this.refuseArmReason);
    if (!this.sensors.prearmOk) out.push(ARM_CHECK.gyros);
    if (this.batteryFailsafe) out.push(ARM_CHECK.batteryLow, ARM_CHECK.batteryFailsafe);
    if (POSITION_MODES.has(this.mode) && !this.sensors.positionOk) out.push(ARM_CHECK.needPosition);
    return out;
  }

  /** COMPONENT_ARM_DISARM param1 = 1. */
  arm(force: boolean): number {
    if (this.armed) return MavResult.ACCEPTED;
    if (!force) {
      if (!this.firmware.armableIn(this.mode)) {
        this.say(this.voice.armRefused([ARM_CHECK.modeNotArmable]));
        return MavResult.FAILED;
      }
      const failures = this.armingFailures();
      // Where arming in AUTO is allowed (PX4's Mission mode), there must be something to fly.
      if (this.mode === CopterMode.AUTO && !this.hasMission) failures.push(ARM_CHECK.noMission);
      if (failures.length > 0) {
        this.say(this.voice.armRefused(failures));
        return MavResult.FAILED;
      }
    }
    this.armed = true;
    this.landedArmedFor = 0;
    this.speed = this.wpSpeed;
    this.setHomeHere();
    this.say(this.voice.armed());
    // Armed in AUTO (PX4 arms in Mission mode; ArduCopter never does) it takes off and flies the mission.
    if (this.mode === CopterMode.AUTO) this.runner.startOrResume();
    else this.nav = this.holdHere();
    return MavResult.ACCEPTED;
  }

  /** COMPONENT_ARM_DISARM param1 = 0 (refused in the air unless forced), and every automatic disarm. */
  disarm(force: boolean, why: DisarmReason = 'command'): boolean {
    if (!this.armed) return true;
    if (!force && !this.flight.landed) return false;
    this.armed = false;
    this.say(this.voice.disarmed(why));
    if (this.firmware.mission.rewindOnDisarm) this.runner.rewind();
    else this.runner.stop();
    this.nav = null;
    this.rtlPhase = null;
    this.lowVoltageSince = null;
    this.mode = this.firmware.modeAfterDisarm(this.mode);
    return true;
  }

  private setHomeHere(): void {
    if (!this.sensors.originSet) return;
    const here = this.frame.toGlobal({ n: this.flight.n, e: this.flight.e });
    this.home = { ...here, altMsl: this.opts.origin.altMsl + this.flight.alt };
    this.opts.events.homeSet();
  }

  // ---------------------------------------------------------------- modes

  /** Copter::set_mode: true when the vehicle is now in `mode`. */
  setMode(mode: number): boolean {
    if (mode === this.mode) return true;
    const name = SUPPORTED_MODES.get(mode);
    if (!name) {
      this.say(this.voice.noSuchMode(mode));
      return false;
    }
    const ignoreChecks = !this.armed; // disarmed, ArduCopter lets you switch to any mode
    if (!ignoreChecks && POSITION_MODES.has(mode) && !this.sensors.positionOk) {
      this.say(this.voice.modeRefused(name, 'requires position'));
      return false;
    }
    if (mode === CopterMode.AUTO && !this.autoInit(ignoreChecks)) {
      this.say(this.voice.modeRefused(name, 'init failed'));
      return false;
    }
    if (this.mode === CopterMode.AUTO) this.runner.stop();
    this.mode = mode;
    this.nav = this.navForMode(mode);
    this.rtlPhase = null;
    // A new mode takes its own heading (ArduCopter's auto-yaw resets on a mode change).
    this.roi = null;
    if (mode === CopterMode.RTL && this.armed)
      this.say(this.voice.returning(Math.max(this.navContext().rtlAlt, this.flight.alt), this.home?.altMsl ?? this.origin.altMsl));
    if (mode === CopterMode.AUTO && this.armed) this.runner.startOrResume();
    return true;
  }

  /** ModeAuto::init: needs a mission, and a takeoff first when starting on the ground. */
  private autoInit(ignoreChecks: boolean): boolean {
    if (!this.hasMission && !ignoreChecks) return false;
    if (this.armed && this.flight.landed && !this.runner.startsWithTakeoff()) {
      this.say(this.voice.missingTakeoff());
      return false;
    }
    return true;
  }

  /** a mission item is stored (ArduPilot's home at item 0 is not one) */
  private get hasMission(): boolean {
    return this.opts.missionItems().length > this.firmware.mission.firstItem;
  }

  private navForMode(mode: number): Nav | null {
    const f = this.flight;
    switch (mode) {
      case CopterMode.AUTO:
        return null;
      case CopterMode.RTL:
        return new RtlNav(this.navContext());
      case CopterMode.LAND:
        return new LandNav({ n: f.n, e: f.e, alt: 0 }, false);
      default: // GUIDED, LOITER, BRAKE and (with no pilot on the sticks) STABILIZE hold where they are
        return this.holdHere();
    }
  }

  private holdHere(): Nav {
    return new PointNav({ n: this.flight.n, e: this.flight.e, alt: this.flight.alt });
  }

  /** A failsafe's mode change: RTL, or LAND where RTL is impossible (ArduCopter's set_mode_RTL_or_land_with_pause). */
  private failsafeAction(action: 'rtl' | 'land' | 'disarm' | 'none'): void {
    if (action === 'none') return;
    if (action === 'disarm') {
      this.disarm(true, 'failsafe');
      return;
    }
    if (action === 'rtl' && this.setMode(CopterMode.RTL)) return;
    this.forceMode(CopterMode.LAND);
  }

  /** LAND needs nothing, so a failsafe can always get there. */
  private forceMode(mode: number): void {
    if (this.mode === CopterMode.AUTO) this.runner.stop();
    this.mode = mode;
    this.nav = this.navForMode(mode);
  }

  // ---------------------------------------------------------------- guided and mission commands

  /** MAV_CMD_NAV_TAKEOFF: only in GUIDED, armed, on the ground. */
  takeoff(altAboveHome: number): boolean {
    if (this.mode !== CopterMode.GUIDED || !this.armed || !this.flight.landed || altAboveHome <= 0) return false;
    this.nav = new TakeoffNav(this.flight.n, this.flight.e, altAboveHome);
    this.landedArmedFor = 0;
    return true;
  }

  /** DO_SET_ROI_LOCATION: keep the nose on a place (null: DO_SET_ROI_NONE, the heading stays where it is). */
  lookAt(place: LatLon | null): boolean {
    this.roi = place ? this.frame.toLocal(place) : null;
    return true;
  }

  /**
   * Circle a place (PX4's DO_ORBIT), facing it: the mode becomes CIRCLE inside (what PX4 calls
   * ORBIT), outside the ArduCopter modes a DO_SET_MODE can ask for. Only in flight with a position.
   */
  orbit(centre: LatLon, radiusM: number, altAboveHome: number, speedMs: number, clockwise: boolean): boolean {
    if (!this.armed || this.flight.landed || !this.sensors.positionOk) return false;
    if (this.mode === CopterMode.AUTO) this.runner.stop();
    this.mode = CopterMode.CIRCLE;
    this.nav = new OrbitNav({ ...this.frame.toLocal(centre), alt: altAboveHome }, radiusM, speedMs, clockwise);
    this.roi = this.frame.toLocal(centre);
    return true;
  }

  /** Fly to a point in GUIDED (DO_REPOSITION, SET_POSITION_TARGET_GLOBAL_INT). */
  goto(target: LatLon, altAboveHome: number, speed?: number): boolean {
    if (this.mode !== CopterMode.GUIDED) return false;
    const local = this.frame.toLocal(target);
    this.nav = new PointNav({ ...local, alt: altAboveHome }, Infinity, speed);
    return true;
  }

  /** DO_CHANGE_SPEED outside a mission. */
  changeSpeed(metresPerSecond: number): void {
    if (metresPerSecond > 0) this.speed = metresPerSecond;
  }

  /** MAV_CMD_MISSION_START (param1 = param2 = 0). */
  missionStart(): number {
    if (!this.setMode(CopterMode.AUTO)) return MavResult.FAILED;
    if (this.armed) {
      this.runner.startOrResume();
      this.runner.announceCurrent(); // the capture shows "Mission: 1 Takeoff" twice
    }
    return MavResult.ACCEPTED;
  }

  /** The stored mission changed: a running mission keeps its place, like ArduPilot's. */
  missionChanged(): void {
    const count = this.opts.missionItems().length;
    if (this.runner.current >= count) this.runner.rewind();
  }

  // ---------------------------------------------------------------- failsafes

  /** A HEARTBEAT from the ground station ArduCopter listens to (MAV_GCS_SYSID). */
  gcsHeartbeat(sysid: number): void {
    if (sysid === this.params.get('MAV_GCS_SYSID')) this.lastGcsHeartbeat = this.timeMs;
  }

  /** simulated time of the last ground-station HEARTBEAT heard, null before the first */
  get lastGcsHeartbeatMs(): number | null {
    return this.lastGcsHeartbeat;
  }

  private checkGcsFailsafe(): void {
    const enable = this.params.get('FS_GCS_ENABLE');
    if (enable === 0 || this.lastGcsHeartbeat === null) return;
    const lost = this.timeMs - this.lastGcsHeartbeat > this.params.get('FS_GCS_TIMEOUT') * 1000;
    if (lost === this.gcsFailsafe) return;
    this.gcsFailsafe = lost;
    if (!lost) return this.say(this.voice.gcsFailsafe('cleared'));
    if (this.armed && this.flight.landed) {
      this.say(this.voice.gcsFailsafe('lostDisarming'));
      return this.failsafeAction('disarm');
    }
    this.say(this.voice.gcsFailsafe('lost'));
    if (this.armed) this.failsafeAction(enable === 5 ? 'land' : 'rtl');
  }

  /** BATT_LOW_VOLT held for BATT_LOW_TIMER seconds while armed → BATT_FS_LOW_ACT, once. */
  private checkBattery(dt: number): void {
    if (!this.armed || this.batteryFailsafe) return;
    if (this.battery.voltage >= this.params.get('BATT_LOW_VOLT')) {
      this.lowVoltageSince = null;
      return;
    }
    this.lowVoltageSince = (this.lowVoltageSince ?? 0) + dt;
    if (this.lowVoltageSince < this.params.get('BATT_LOW_TIMER')) return;
    this.batteryFailsafe = true;
    this.say(this.voice.batteryLow(this.battery.voltage, this.battery.consumedMah));
    if (this.flight.landed) {
      this.say(this.voice.batteryFailsafe(true));
      return this.failsafeAction('disarm');
    }
    this.say(this.voice.batteryFailsafe(false));
    const action = this.params.get('BATT_FS_LOW_ACT');
    this.failsafeAction(action === 0 ? 'none' : action === 5 ? 'disarm' : [2, 3, 6].includes(action) ? 'rtl' : 'land');
  }

  /** Without a position the EKF failsafe lands a copter flying a position mode (FS_EKF_ACTION 1). */
  private checkEkf(): void {
    if (!this.armed || this.flight.landed || this.sensors.positionOk || !POSITION_MODES.has(this.mode)) return;
    this.say(this.voice.ekfFailsafe());
    this.forceMode(CopterMode.LAND);
  }

  /** DISARM_DELAY: an armed copter left idle on the ground disarms itself. */
  private checkAutoDisarm(dt: number): void {
    const delay = this.params.get('DISARM_DELAY');
    const takingOff = this.activeNav instanceof TakeoffNav;
    if (!this.armed || !this.flight.landed || takingOff || delay === 0) {
      this.landedArmedFor = 0;
      return;
    }
    this.landedArmedFor += dt;
    if (this.landedArmedFor >= delay) this.disarm(true, 'idle');
  }

  private reportPrearm(): void {
    if (this.timeMs < this.nextPrearmReport) return;
    this.nextPrearmReport += PREARM_REPORT_S * 1000;
    if (this.armed) return;
    const failures = this.armingFailures();
    if (failures.length > 0) this.say(this.voice.prearmReport(failures));
  }

  // ---------------------------------------------------------------- what telemetry shows

  get position(): LatLon & { altMsl: number; altRel: number } {
    const p = this.frame.toGlobal({ n: this.flight.n, e: this.flight.e });
    const homeAlt = this.home?.altMsl ?? this.opts.origin.altMsl;
    const altMsl = this.opts.origin.altMsl + this.flight.alt;
    return { ...p, altMsl, altRel: altMsl - homeAlt };
  }

  get local(): Local & { alt: number } {
    return { n: this.flight.n, e: this.flight.e, alt: this.flight.alt };
  }

  /** What it is doing: 'takeoff', 'point', 'land', 'rtl-climb', 'rtl-return', 'rtl-loiter', 'rtl-land'; null with no manoeuvre. */
  get navKind(): string | null {
    const nav = this.activeNav;
    return nav instanceof RtlNav ? `rtl-${nav.phase}` : nav?.kind ?? null;
  }

  /** Where the copter is flying to, when it is flying to somewhere. */
  get navTarget(): (LatLon & { altMsl: number; local: Local & { alt: number } }) | null {
    const t = this.activeNav?.target;
    if (!t || !this.armed || this.flight.landed) return null;
    return { ...this.frame.toGlobal(t), altMsl: this.opts.origin.altMsl + t.alt, local: t };
  }

  get booting(): boolean {
    return this.timeMs < BOOT_STATUS_S * 1000;
  }

  get baseMode(): number {
    let m = BASE_MODE.CUSTOM_MODE_ENABLED | BASE_MODE.STABILIZE_ENABLED | BASE_MODE.MANUAL_INPUT_ENABLED;
    const positionControl = this.mode === CopterMode.GUIDED || (this.armed && POSITION_MODES.has(this.mode));
    if (this.booting || positionControl) m |= BASE_MODE.GUIDED_ENABLED;
    if (this.armed) m |= BASE_MODE.SAFETY_ARMED;
    return m;
  }

  get systemStatus(): number {
    if (this.booting) return MavState.BOOT;
    if (this.batteryFailsafe) return MavState.CRITICAL;
    return this.armed && !this.flight.landed ? MavState.ACTIVE : MavState.STANDBY;
  }

  get sensorsPresent(): number {
    return SENSORS.PRESENT | (this.sensors.gpsEverFixed ? SENSORS.GPS : 0);
  }

  /** every arming check passes in the current mode (the SYS_STATUS pre-arm bit) */
  get armable(): boolean {
    return this.armingFailures().length === 0 && this.firmware.armableIn(this.mode);
  }

  get sensorsHealthy(): number {
    let h = SENSORS.HEALTHY_BASE;
    if (this.sensors.gpsFix) h |= SENSORS.GPS;
    if (this.sensors.positionOk) h |= SENSORS.POSITION;
    if (this.armable) h |= SENSORS.PREARM_CHECK;
    if (this.batteryFailsafe) h &= ~SENSORS.BATTERY;
    return h >>> 0;
  }

  get missionStatus(): { seq: number; total: number; state: number; inMissionMode: boolean } {
    const total = this.opts.missionItems().length - this.firmware.mission.firstItem; // not ArduPilot's home
    const r = this.runner;
    const state = total <= 0 ?
      MissionState.NO_MISSION
      : r.state === 'running' ?
      MissionState.ACTIVE
      : r.state === 'complete'
      ? MissionState.COMPLETE
      : MissionState.NOT_STARTED;
    return { seq: r.current, total: Math.max(0, total), state, inMissionMode: this.mode === CopterMode.AUTO };
  }

  get modeName(): string {
    return this.firmware.modeName(this.mode);
  }

  // ---------------------------------------------------------------- faults

  /** Drain the battery to `fraction` of its capacity (the low-voltage failsafe follows after BATT_LOW_TIMER). */
  setBatteryRemaining(fraction: number): void {
    this.battery.setRemaining(fraction);
  }

  /** A fresh battery, failsafe cleared (the demo's battery swap on the ground). */
  swapBattery(): void {
    this.battery.swap();
    this.batteryFailsafe = false;
  }
}
