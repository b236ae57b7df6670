/**
 * What the copter is trying to do right now, as ArduCopter's mode controllers would: hold a
 * point, fly to one, take off, land, or return to launch. Flight modes and mission items both
 * drive the copter through these.
 */
import type { FlightModel, Setpoint } from './physics/flight.ts';
import type { Local } from './physics/geo.ts';

export interface NavContext {
  flight: FlightModel;
  home: Local;
  /** m/s, WPNAV_SPEED or the last DO_CHANGE_SPEED */
  speed: number;
  /** m, WPNAV_RADIUS */
  radius: number;
  /** m above home, RTL_ALT */
  rtlAlt: number;
  /** s, RTL_LOIT_TIME */
  rtlLoiter: number;
}

export interface Nav {
  readonly kind: string;
  /** where to fly on this step; null keeps a landed copter on the ground */
  setpoint(ctx: NavContext): Setpoint | null;
  /** advance after a physics step of dt seconds; true once the manoeuvre is complete */
  update(ctx: NavContext, dt: number): boolean;
  /** the point it is flying to, for NAV_CONTROLLER_OUTPUT and POSITION_TARGET_GLOBAL_INT */
  readonly target: { n: number; e: number; alt: number } | null;
}

/** Time a landed copter takes to be declared landed and spool down (hit ground → disarm ≈ 2 s in the capture). */
const LANDED_SETTLE_S = 2;

/** Fly to a point (or hold it) and optionally wait there; never lifts off a landed copter. */
export class PointNav implements Nav {
  readonly kind = 'point';
  private waited = 0;
  private arrived = false;

  constructor(readonly target: { n: number; e: number; alt: number }, private readonly holdS = Infinity, private readonly speed?: number) {}

  setpoint(ctx: NavContext): Setpoint | null {
    if (ctx.flight.landed) return null;
    return { ...this.target, speed: this.speed ?? ctx.speed };
  }

  update(ctx: NavContext, dt: number): boolean {
    const f = ctx.flight;
    if (!this.arrived) {
      this.arrived = Math.hypot(this.target.n - f.n, this.target.e - f.e) <= ctx.radius && Math.abs(this.target.alt - f.alt) <= 1;
      return this.arrived && this.holdS <= 0;
    }
    this.waited += dt;
    return this.waited >= this.holdS;
  }
}

/** Climb straight up from where the copter stands to `alt`. */
export class TakeoffNav implements Nav {
  readonly kind = 'takeoff';
  readonly target: { n: number; e: number; alt: number };

  constructor(n: number, e: number, alt: number) {
    this.target = { n, e, alt };
  }

  setpoint(ctx: NavContext): Setpoint {
    return { ...this.target, speed: ctx.speed };
  }

  update(ctx: NavContext): boolean {
    return !ctx.flight.landed && ctx.flight.alt >= this.target.alt - 0.1;
  }
}

/** Fly to a point at the current height if one is given, then descend and settle on the ground. */
export class LandNav implements Nav {
  readonly kind = 'land';
  private descending: boolean;
  private settled = 0;

  constructor(readonly target: { n: number; e: number; alt: number }, approach: boolean) {
    this.descending = !approach;
  }

  setpoint(ctx: NavContext): Setpoint | null {
    if (ctx.flight.landed) return null;
    if (!this.descending) return { ...this.target, alt: ctx.flight.alt, speed: ctx.speed };
    return { ...this.target, speed: ctx.speed, land: true };
  }

  update(ctx: NavContext, dt: number): boolean {
    const f = ctx.flight;
    if (!this.descending) this.descending = Math.hypot(this.target.n - f.n, this.target.e - f.e) <= ctx.radius;
    if (f.landed) this.settled += dt;
    return this.settled >= LANDED_SETTLE_S;
  }
}

/** ArduCopter RTL: climb to RTL_ALT if lower, fly home, loiter RTL_LOIT_TIME, land. */
export class RtlNav implements Nav {
  readonly kind = 'rtl';
  /** where it is in the return: read by the vehicle, which announces the landing */
  phase: 'climb' | 'return' | 'loiter' | 'land';
  private readonly returnAlt: number;
  private loitered = 0;
  private readonly land: LandNav;
  private readonly climbFrom: { n: number; e: number };

  constructor(ctx: NavContext) {
    const f = ctx.flight;
    this.returnAlt = Math.max(ctx.rtlAlt, f.alt);
    this.phase = f.landed ? 'land' : 'climb';
    this.land = new LandNav({ n: ctx.home.n, e: ctx.home.e, alt: 0 }, false);
    this.climbFrom = { n: f.n, e: f.e };
  }

  get target(): { n: number; e: number; alt: number } {
    return this.phase === 'climb' ? { ...this.climbFrom, alt: this.returnAlt } : { ...this.land.target, alt: this.returnAlt };
  }

  setpoint(ctx: NavContext): Setpoint | null {
    if (this.phase === 'land') return this.land.setpoint(ctx);
    return { ...this.target, speed: ctx.speed };
  }

  update(ctx: NavContext, dt: number): boolean {
    const f = ctx.flight;
    switch (this.phase) {
      case 'climb':
        if (f.alt >= this.returnAlt - 0.5) this.phase = 'return';
        return false;
      case 'return':
        if (Math.hypot(ctx.home.n - f.n, ctx.home.e - f.e) <= ctx.radius) this.phase = 'loiter';
        return false;
      case 'loiter':
        this.loitered += dt;
        if (this.loitered >= ctx.rtlLoiter) this.phase = 'land';
        return false;
      case 'land':
        return this.land.update(ctx, dt);
    }
  }
}

/**
 * PX4's Orbit (FlightTaskOrbit): straight to the nearest point of the circle at its cruise speed,
 * then round it at the orbit's speed, clockwise when the radius is positive, at the centre's
 * height. The nose faces the centre (yaw behaviour 0): the vehicle keeps its region of interest there.
 */
export class OrbitNav implements Nav {
  readonly kind = 'orbit';
  /** on the circle once within this of it (PX4's horizontal acceptance radius is a few metres) */
  private static readonly ON_CIRCLE_M = 2;
  /** how far ahead round the circle the setpoint is put, seconds of travel */
  private static readonly LEAD_S = 2;

  constructor(readonly centre: { n: number; e: number; alt: number }, readonly radiusM: number, readonly speedMs: number, readonly clockwise: boolean) {}

  get target(): { n: number; e: number; alt: number } {
    return this.centre;
  }

  setpoint(ctx: NavContext): Setpoint | null {
    const f = ctx.flight;
    if (f.landed) return null;
    if (this.radiusM <= 0) return { ...this.centre, speed: ctx.speed };
    const dn = f.n - this.centre.n;
    const de = f.e - this.centre.e;
    const from = Math.hypot(dn, de);
    // A bearing from the centre (north 0, east π/2): growing bearing is clockwise seen from above.
    const bearing = from > 0.01 ? Math.atan2(de, dn) : 0;
    const at = (b: number) => ({ n: this.centre.n + this.radiusM * Math.cos(b), e: this.centre.e + this.radiusM * Math.sin(b), alt: this.centre.alt });
    if (Math.abs(from - this.radiusM) > OrbitNav.ON_CIRCLE_M) return { ...at(bearing), speed: ctx.speed };
    const ahead = (this.speedMs * OrbitNav.LEAD_S) / this.radiusM;
    return { ...at(bearing + (this.clockwise ? ahead : -ahead)), speed: this.speedMs };
  }

  update(): boolean {
    return false; // round and round until told otherwise
  }
}
