/**
 * A 3S LiPo as ArduPilot's SITL models it: 12.6 V full, resting voltage falling with the charge
 * used, sagging under load; remaining percent from consumed mAh (what ArduPilot reports when
 * BATT_CAPACITY is set). Fitted to the failsafe capture: 11.28 V at 64 % under 33 A, 10.13 V
 * resting at 18 %.
 */
const FULL_VOLTS = 12.6;
const EMPTY_VOLTS = 9.6;
const INTERNAL_OHMS = 0.008;

export class Battery {
  consumedMah = 0;
  /** mWh, for BATTERY_STATUS.energy_consumed */
  consumedMwh = 0;
  current = 0; // A

  constructor(public capacityMah: number) {}

  get remaining(): number {
    return Math.max(0, 1 - this.consumedMah / this.capacityMah);
  }

  get voltage(): number {
    return EMPTY_VOLTS + (FULL_VOLTS - EMPTY_VOLTS) * this.remaining - INTERNAL_OHMS * this.current;
  }

  /** Draw `amps` for `dt` seconds. */
  draw(amps: number, dt: number): void {
    this.current = amps;
    this.consumedMah += (amps * dt * 1000) / 3600;
    this.consumedMwh += (amps * this.voltage * dt * 1000) / 3600;
  }

  /** Leave `fraction` (0..1) of the capacity, e.g. to force a low-battery failsafe. */
  setRemaining(fraction: number): void {
    this.consumedMah = this.capacityMah * (1 - Math.max(0, Math.min(1, fraction)));
  }

  /** A fresh pack (the demo's battery swap). */
  swap(): void {
    this.consumedMah = 0;
    this.consumedMwh = 0;
  }
}

/** Current a quad of the captured size draws: idle on the ground, ~27 A hover, more for speed and climb. */
export function currentDraw(armed: boolean, landed: boolean, groundSpeed: number, climb: number): number {
  if (!armed) return 0;
  if (landed) return 1;
  return 27 + 0.35 * groundSpeed + 3 * Math.max(0, climb);
}
