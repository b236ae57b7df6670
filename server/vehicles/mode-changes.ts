import type { FlightMode } from '../wire/types.ts';
import { profileOf } from './autopilots/index.ts';
import type { Vehicle } from './vehicle.ts';

/** A change of flight mode: the firmware's names, and what they mean. */
export interface ModeChange {
  fromName: string;
  toName: string;
  from: FlightMode;
  to: FlightMode;
}

/** What the one asking knows beyond the vehicle's own state. */
export interface ModeContext {
  now: number;
  /** a mode asked for from here counts as ours this long after the asking */
  commandWindowMs: number;
  /** the aircraft has flown (been armed) and is disarmed on the ground again */
  landed: boolean;
}

/**
 * Who or what changed the mode, when something here can tell: this station asked for it; the
 * mission a patrol of ours flies explains it (the firmware makes that change by itself at that
 * kind of item: its profile's ownModeChanges); or the aircraft is on the ground after a flight
 * (PX4 changes mode there by itself: RETURN → HOLD at disarm, LAND → MISSION, HOLD after a reboot).
 */
export type ModeCause = { by: 'station' | 'plan' | 'landed'; why: string };

/** Why the mode changed, or null when nobody here knows: a failsafe, or the pilot's radio. */
export function explainModeChange(v: Vehicle, c: ModeChange, ctx: ModeContext): ModeCause | null {
  const asked = v.commandedMode;
  if (asked && asked.mode === c.toName && ctx.now - asked.at < ctx.commandWindowMs) return { by: 'station', why: 'commanded from here' };
  const item = v.planItem;
  const own = item === null ? undefined : profileOf(v.autopilot).ownModeChanges.find((o) => o.from === c.from && o.to === c.to && o.at === item);
  if (own) return { by: 'plan', why: own.why };
  if (ctx.landed) return { by: 'landed', why: 'on the ground after landing' };
  return null;
}
