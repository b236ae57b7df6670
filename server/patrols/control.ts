import { EventEmitter } from 'node:events';
import { Refusal } from '../refusal.ts';
import type { ControlStore } from '../store/control.ts';
import { vehicleIdProblem } from '../vehicles/vehicle-id.ts';
import { said } from '../wire/messages.ts';

/** A refused take, release or command: someone else holds the drone, or no such drone. */
export class ControlError extends Refusal {}

/**
 * Who is in command of each drone: one pilot at a time, as on any flight line. Taking control
 * of a drone someone else holds is refused; they must release it (or an admin releases it).
 * Kept in the database: after a restart the same pilots hold the same drones. Only a drone SkyBeat
 * has heard (connected now, or in the table of drones seen) can be taken: anything else is a
 * client's typo or worse, and would be stored and shown on every screen.
 */
export class ControlRegistry extends EventEmitter<{ changed: [vehicleId: string, pilot: string | null] }> {
  private readonly holders = new Map<string, { pilot: string; since: number }>();

  constructor(private readonly known: (vehicleId: string) => boolean, private readonly store?: ControlStore) {
    super();
    for (const r of store?.all() ?? []) this.holders.set(r.vehicleId, { pilot: r.pilot, since: r.since });
  }

  holder(vehicleId: string): string | null {
    return this.holders.get(vehicleId)?.pilot ?? null;
  }

  take(vehicleId: string, pilot: string): void {
    this.mustExist(vehicleId);
    const h = this.holders.get(vehicleId);
    if (h && h.pilot !== pilot) throw new ControlError('conflict', said('control_held', { vehicle: vehicleId, holder: h.pilot }));
    if (!h) {
      const since = Date.now();
      this.store?.put({ vehicleId, pilot, since });
      this.holders.set(vehicleId, { pilot, since });
      this.emit('changed', vehicleId, pilot);
    }
  }

  release(vehicleId: string, by: string, isAdmin = false): void {
    const h = this.holders.get(vehicleId);
    // A held id is released whatever it looks like: one stored before ids were checked can be cleaned up.
    if (!h) return this.mustExist(vehicleId);
    if (h.pilot !== by && !isAdmin) throw new ControlError('forbidden', said('control_not_yours', { vehicle: vehicleId, holder: h.pilot, user: by }));
    this.store?.remove(vehicleId);
    this.holders.delete(vehicleId);
    this.emit('changed', vehicleId, null);
  }

  private mustExist(vehicleId: string): void {
    const problem = vehicleIdProblem(vehicleId);
    if (problem) throw new ControlError('invalid', problem);
    if (!this.known(vehicleId))
      throw new ControlError('not_found', said('vehicle_never_heard', { vehicle: vehicleId }));
  }

  /** Throws unless `pilot` holds the drone: every flight command passes here first. */
  require(vehicleId: string, pilot: string): void {
    const h = this.holder(vehicleId);
    if (h !== pilot) {
      throw new ControlError(
        'conflict',
        h ? said('control_not_yours', { vehicle: vehicleId, holder: h, user: pilot }) : said('control_take_first', { vehicle: vehicleId }),
      );
    }
  }

  all(): Record<string, string> {
    return Object.fromEntries([...this.holders].map(([v, h]) => [v, h.pilot]));
  }
}
