import { common } from 'node-mavlink';
import { EKF_FLAGS } from './ardupilot.ts';
import type { Said, Voice } from './firmware.ts';

const { GpsFixType } = common;

/**
 * When things happen after power-on, in seconds. A real ArduCopter (SITL capture) gets its GPS
 * fix after ~9 s, sets the EKF origin at ~19 s, passes the pre-arm checks usable in STABILIZE
 * at ~22 s and only uses GPS (armable in GUIDED, AUTO possible) at ~40 s.
 */
export interface BootTimeline {
  gpsFixS: number;
  originS: number;
  prearmS: number;
  positionS: number;
}

export function bootTimeline(bootDelayS: number, gpsFixDelayS: number): BootTimeline {
  const positionS = Math.max(bootDelayS, gpsFixDelayS);
  return {
    gpsFixS: gpsFixDelayS,
    originS: (gpsFixDelayS + positionS) / 2,
    prearmS: positionS * 0.55, // 22.5 s of 40.4 s in the capture
    positionS,
  };
}

/** The autopilot reports itself ready at once, its estimator a little later. */
const EKF_INIT_FRACTION = 0.1;
/** After a GPS outage the EKF takes a moment before it trusts GPS again. */
const GPS_REACQUIRE_S = 1;

export interface SensorEvents {
  say(said: Said): void;
  /** the EKF origin (and with it home) has just been set */
  originSet(): void;
}

/** GPS and EKF state over time: boot sequence, loss and return of the GPS. */
export class Sensors {
  private gpsLost = false;
  private gpsBackAt = 0;
  private t = 0;
  private readonly done = new Set<string>();
  gpsEverFixed = false;
  originSet = false;
  private usingGps = false;

  constructor(
    private readonly timeline: BootTimeline,
    private readonly fieldElevation: number,
    private readonly events: SensorEvents,
    private readonly voice: Voice,
  ) {}

  update(t: number): void {
    this.t = t;
    const tl = this.timeline;
    const say = (said: Said) => this.events.say(said);
    this.once('ready', 0, () => say(this.voice.booted()));
    this.once('ekf', tl.positionS * EKF_INIT_FRACTION, () => say(this.voice.estimatorStarted()));
    if (this.gpsFix && !this.gpsEverFixed) {
      this.gpsEverFixed = true;
      say(this.voice.gpsDetected());
    }
    if (!this.originSet && this.gpsFix && t >= tl.originS) {
      this.originSet = true;
      say(this.voice.originSet(this.fieldElevation));
      this.events.originSet();
    }
    const using = this.positionOk;
    if (using && !this.usingGps) say(this.voice.usingGps());
    this.usingGps = using;
  }

  private once(key: string, at: number, fn: () => void): void {
    if (this.t >= at && !this.done.has(key)) {
      this.done.add(key);
      fn();
    }
  }

  get gpsFix(): boolean {
    return !this.gpsLost && this.t >= this.timeline.gpsFixS;
  }

  /** The EKF has an absolute position: GUIDED/AUTO/RTL possible. */
  get positionOk(): boolean {
    return this.originSet && this.gpsFix && this.t >= this.timeline.positionS && this.t >= this.gpsBackAt;
  }

  /** Pre-arm checks that do not need a position (arming in STABILIZE). */
  get prearmOk(): boolean {
    return this.t >= this.timeline.prearmS;
  }

  get fixType(): number {
    if (this.gpsFix) return GpsFixType.GPS_FIX_TYPE_3D_FIX;
    return this.gpsEverFixed ? GpsFixType.NO_FIX : GpsFixType.NO_GPS;
  }

  get ekfFlags(): number {
    if (this.t < this.timeline.positionS * EKF_INIT_FRACTION) return 1024; // EKF_UNINITIALIZED
    return this.positionOk ? EKF_FLAGS.USING_GPS : EKF_FLAGS.ATTITUDE_ONLY;
  }

  loseGps(): void {
    this.gpsLost = true;
  }

  restoreGps(): void {
    if (!this.gpsLost) return;
    this.gpsLost = false;
    this.gpsBackAt = this.t + GPS_REACQUIRE_S;
  }

  get gpsIsLost(): boolean {
    return this.gpsLost;
  }
}
