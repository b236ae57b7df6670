import { common } from 'node-mavlink';
import { CopterMode } from './ardupilot.ts';
import { offset } from './physics/geo.ts';
import type { SimVehicle } from './vehicle.ts';

const { MavResult } = common;

const LOOP_RADIUS_M = 40;
const LOOP_POINTS = 8;
const LOOP_SPEED = 5; // m/s: a gentle patrol
const BASE_ALT_M = 20;
const ALT_STEP_M = 5; // neighbours fly at different heights
const RETRY_S = 3; // between arming attempts, like a patient pilot
const BATTERY_SWAP_S = 30; // on the ground after a landing, then a fresh pack
const SWAP_BELOW = 0.5; // swap when landed with less than half a pack
const STAGGER_S = 15; // neighbours take off one after another, not all at once

/**
 * TRAINING CONVENIENCE, NOT AUTOPILOT BEHAVIOUR: with `demo` on, this stand-in pilot arms the
 * copter once it is ready, takes off in GUIDED and flies a gentle loop over its home, so the
 * command-room map shows movement without anyone flying. After a failsafe landing it swaps the
 * battery and goes again. It lets go for good the moment a ground station sends a command.
 * A real ArduCopter never does any of this by itself.
 */
export class DemoPilot {
  private active = true;
  private nextTry = 0;
  private waypoint = 0;
  private landedSince: number | null = null;
  private readonly alt: number;

  constructor(private readonly v: SimVehicle, index: number) {
    this.alt = BASE_ALT_M + ALT_STEP_M * (index % 3);
    this.waypoint = index % LOOP_POINTS;
    this.nextTry = index * STAGGER_S;
  }

  get flying(): boolean {
    return this.active;
  }

  /** A ground station took over: hold where we are and never act again. */
  stop(): void {
    if (!this.active) return;
    this.active = false;
    const v = this.v;
    if (v.mode === CopterMode.GUIDED && v.armed && !v.flight.landed) v.goto(v.position, v.position.altRel);
  }

  update(): void {
    if (!this.active) return;
    const v = this.v;
    const t = v.timeMs / 1000;
    if (!v.armed) return this.onGround(t);
    this.landedSince = null;
    if (v.mode !== CopterMode.GUIDED || v.flight.landed) return; // taking off, or a failsafe has the copter
    if (v.flight.alt < this.alt - 1) return; // still climbing
    const target = v.navTarget;
    const here = v.local;
    if (target && Math.hypot(target.local.n - here.n, target.local.e - here.e) > 3) return;
    this.waypoint = (this.waypoint + 1) % LOOP_POINTS;
    v.goto(this.loopPoint(this.waypoint), this.alt, LOOP_SPEED);
  }

  private onGround(t: number): void {
    const v = this.v;
    this.landedSince ??= t;
    if ((v.batteryFailsafe || v.battery.remaining < SWAP_BELOW) && t - this.landedSince >= BATTERY_SWAP_S) v.swapBattery();
    if (v.batteryFailsafe || t < this.nextTry || !v.sensors.positionOk) return;
    this.nextTry = t + RETRY_S;
    if (!v.setMode(CopterMode.GUIDED) || v.arm(false) !== MavResult.ACCEPTED) return;
    v.takeoff(this.alt);
  }

  private loopPoint(i: number): { lat: number; lon: number } {
    return offset(this.v.home ?? this.v.origin, LOOP_RADIUS_M, (360 / LOOP_POINTS) * i);
  }
}
