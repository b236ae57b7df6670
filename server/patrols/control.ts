import { EventEmitter } from 'node:events';
import { Refusal } from '../refusal.ts';
import type { ControlStore } from '../store/control.ts';
import { vehicleIdProblem } from '../vehicles/vehicle-id.ts';
import { said } from '../wire/messages.ts';

/** A refused take, release or command: someone else holds the drone, or no such drone. */
export class ControlError extends Refusal {}

const held = (vehicle: string, holder: string) => new ControlError('conflict', said('control_held', { vehicle, holder }));

/**
 * Who is in command of each drone: one pilot at a time, as on any flight line. Taking control
 * of a drone someone else holds is refused; they must release it (or an admin releases it).
 * Kept in the database: after a restart the same pilots hold the same drones. Only a drone SkyBeat
 * has heard (connected now, or in the table of drones seen) can be taken: anything else is a
 * client's typo or worse, and would be stored and shown on every screen.
 */
export class ControlRegistry extends EventEmitter<{ changed: [vehicleId: string, pilot: string | null] }> {
  /** what every flight check reads, at once and without the database: the store's rows as this server last saw them */
  private readonly holders = new Map<string, { pilot: string; since: number }>();

  /**
   * Without a store (tests of one drone), control lives in memory only; with one, use load().
   * `known` may ask the database (the table of drones seen).
   */
  constructor(private readonly known: (vehicleId: string) => boolean | Promise<boolean>, private readonly store?: ControlStore) {
    super();
  }

  /** The registry with the holders the store keeps. */
  static async load(known: (vehicleId: string) => boolean | Promise<boolean>, store: ControlStore): Promise<ControlRegistry> {
    const registry = new ControlRegistry(known, store);
    for (const r of await store.all()) registry.holders.set(r.vehicleId, { pilot: r.pilot, since: r.since });
    return registry;
  }

  /**
   * Reads every holder again from the store: another node of the city has changed one. Each
   * difference is a 'changed', as if it had happened here.
   */
  async refresh(): Promise<void> {
    if (!this.store) return;
    const rows = await this.store.all();
    const now = new Map(rows.map((r) => [r.vehicleId, r]));
    for (const id of new Set([...this.holders.keys(), ...now.keys()])) this.note(id, now.get(id) ?? null);
  }

  holder(vehicleId: string): string | null {
    return this.holders.get(vehicleId)?.pilot ?? null;
  }

  /**
   * Takes the drone for `pilot`. The store decides, not what this server last saw: a race (two
   * pilots at once, here or on another server sharing the database) is won by one, and the other
   * is refused with who holds it; a drone released elsewhere can be taken.
   */
  async take(vehicleId: string, pilot: string): Promise<void> {
    await this.mustExist(vehicleId);
    const wanted = { vehicleId, pilot, since: Date.now() };
    const holder = this.store ? await this.store.take(wanted) : this.holders.get(vehicleId) ?? wanted;
    this.note(vehicleId, holder);
    if (holder.pilot !== pilot) throw held(vehicleId, holder.pilot);
  }

  async release(vehicleId: string, by: string, isAdmin = false): Promise<void> {
    // Who holds it as the store says (another server may have changed it), and only that pilot's
    // hold is released: one who takes it meanwhile keeps it.
    const h = this.store ? await this.store.holder(vehicleId) : this.holders.get(vehicleId);
    this.note(vehicleId, h ?? null);
    // A held id is released whatever it looks like: one stored before ids were checked can be cleaned up.
    if (!h) return this.mustExist(vehicleId);
    if (h.pilot !== by && !isAdmin) throw new ControlError('forbidden', said('control_not_yours', { vehicle: vehicleId, holder: h.pilot, user: by }));
    await this.store?.release(vehicleId, h.pilot);
    this.note(vehicleId, null);
  }

  /** What the store now says of a drone; 'changed' when that differs from what was here. */
  private note(vehicleId: string, holder: { pilot: string; since: number } | null): void {
    if ((this.holders.get(vehicleId)?.pilot ?? null) === (holder?.pilot ?? null)) return;
    if (holder) this.holders.set(vehicleId, { pilot: holder.pilot, since: holder.since });
    else this.holders.delete(vehicleId);
    this.emit('changed', vehicleId, holder?.pilot ?? null);
  }

  private async mustExist(vehicleId: string): Promise<void> {
    const problem = vehicleIdProblem(vehicleId);
    if (problem) throw new ControlError('invalid', problem);
    if (!(await this.known(vehicleId)))
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
