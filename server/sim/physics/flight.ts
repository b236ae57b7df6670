/**
 * Kinematic copter: position in metres north/east of the EKF origin and altitude above the
 * (flat) ground, velocity limited by speed and acceleration like ArduCopter's position
 * controller with WPNAV_* limits. Not aerodynamics: enough for a ground station to see a copter
 * climb, cruise, brake, turn and land at believable rates.
 */

export interface Setpoint {
  n: number;
  e: number;
  /** metres above ground; ignored while `land` */
  alt: number;
  /** horizontal speed limit, m/s */
  speed: number;
  /** descend at landing speeds until touchdown */
  land?: boolean;
}

export interface Limits {
  accel: number; // m/s/s, horizontal
  climb: number; // m/s
  descend: number; // m/s
  landSpeed: number; // m/s below landAltLow
  landAltLow: number; // m
}

const VERTICAL_ACCEL = 2.5; // m/s/s (PILOT_ACCEL_Z 250 cm/s/s)
const YAW_RATE = 90; // deg/s
const G = 9.80665;
/** tan(tilt) per m/s of forward speed: the captured SITL quad pitched 0.52 rad at 10 m/s. */
const TILT_PER_SPEED = 0.056;

export interface StepResult {
  /** set on the step that touched the ground: vertical speed at impact, m/s */
  touchdown?: number;
}

/** Velocity change toward `target`, at most `maxDelta`. */
function approach(current: number, target: number, maxDelta: number): number {
  return current + Math.max(-maxDelta, Math.min(maxDelta, target - current));
}

/** Speed that still stops within `dist` at deceleration `accel`, reached in one step at most. */
function stoppingSpeed(dist: number, accel: number, dt: number): number {
  return Math.min(Math.sqrt(2 * accel * dist), dist / dt);
}

export class FlightModel {
  n = 0;
  e = 0;
  alt = 0;
  vn = 0;
  ve = 0;
  /** up positive */
  vu = 0;
  yaw = 0; // degrees 0..360
  /** a heading to hold whatever the direction of travel (a region of interest), or null */
  yawTarget: number | null = null;
  landed = true;
  /** last horizontal acceleration, for the attitude */
  private an = 0;
  private ae = 0;

  get groundSpeed(): number {
    return Math.hypot(this.vn, this.ve);
  }

  step(sp: Setpoint | null, lim: Limits, dt: number): StepResult {
    if (this.landed && (!sp || sp.land || sp.alt <= this.alt + 0.1)) {
      this.stop();
      return {};
    }
    this.landed = false;
    const target = sp ?? { n: this.n, e: this.e, alt: this.alt, speed: 0 };
    this.stepHorizontal(target, lim, dt);
    return this.stepVertical(target, lim, dt);
  }

  private stepHorizontal(sp: Setpoint, lim: Limits, dt: number): void {
    const dn = sp.n - this.n;
    const de = sp.e - this.e;
    const dist = Math.hypot(dn, de);
    const speed = dist < 1e-3 ? 0 : Math.min(sp.speed, stoppingSpeed(dist, lim.accel, dt));
    const wantN = dist < 1e-3 ? 0 : (dn / dist) * speed;
    const wantE = dist < 1e-3 ? 0 : (de / dist) * speed;
    // accelerate the velocity vector toward the wanted one, limited in magnitude
    const dvn = wantN - this.vn;
    const dve = wantE - this.ve;
    const dv = Math.hypot(dvn, dve);
    const k = dv > lim.accel * dt ? (lim.accel * dt) / dv : 1;
    this.an = (dvn * k) / dt;
    this.ae = (dve * k) / dt;
    this.vn += dvn * k;
    this.ve += dve * k;
    this.n += this.vn * dt;
    this.e += this.ve * dt;
    if (this.yawTarget !== null) this.turnToward(this.yawTarget, dt);
    else if (this.groundSpeed > 1) this.turnToward((Math.atan2(this.ve, this.vn) * 180) / Math.PI, dt);
  }

  private stepVertical(sp: Setpoint, lim: Limits, dt: number): StepResult {
    let want: number;
    if (sp.land) want = -(this.alt > lim.landAltLow ? lim.descend : lim.landSpeed);
    else {
      const dz = sp.alt - this.alt;
      const rate = stoppingSpeed(Math.abs(dz), VERTICAL_ACCEL, dt);
      want = Math.sign(dz) * Math.min(rate, dz > 0 ? lim.climb : lim.descend);
    }
    this.vu = approach(this.vu, want, VERTICAL_ACCEL * dt);
    this.alt += this.vu * dt;
    if (this.alt <= 0 && this.vu < 0) {
      const impact = -this.vu;
      this.alt = 0;
      this.landed = true;
      this.stop();
      return { touchdown: impact };
    }
    return {};
  }

  private turnToward(heading: number, dt: number): void {
    const diff = ((heading - this.yaw + 540) % 360) - 180;
    this.yaw = (this.yaw + Math.max(-YAW_RATE * dt, Math.min(YAW_RATE * dt, diff)) + 360) % 360;
  }

  private stop(): void {
    this.vn =
      this.ve =
      this.vu =
      this.an =
      this.ae =
        0;
  }

  /** Roll and pitch (radians) a copter needs for its speed and acceleration, in its own frame. */
  attitude(): { roll: number; pitch: number } {
    const y = (this.yaw * Math.PI) / 180;
    const fwdV = this.vn * Math.cos(y) + this.ve * Math.sin(y);
    const rightV = -this.vn * Math.sin(y) + this.ve * Math.cos(y);
    const fwdA = this.an * Math.cos(y) + this.ae * Math.sin(y);
    const rightA = -this.an * Math.sin(y) + this.ae * Math.cos(y);
    return {
      pitch: -Math.atan(TILT_PER_SPEED * fwdV + fwdA / G),
      roll: Math.atan(TILT_PER_SPEED * rightV + rightA / G),
    };
  }
}
