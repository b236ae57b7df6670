import type { Db } from './connection.ts';

export interface ControlRow {
  vehicleId: string;
  pilot: string;
  since: number;
}

/**
 * Which pilot holds which drone (see patrols/control.ts), kept so a restart changes nothing, and
 * shared by every server on one PostgreSQL: a take and a release are each one conditional
 * statement, so of two pilots taking a drone at once, wherever they are, exactly one gets it.
 */
export class ControlStore {
  constructor(private readonly db: Db) {}

  all(): Promise<ControlRow[]> {
    return this.db.k.selectFrom('drone_control').select(['vehicle_id as vehicleId', 'pilot', 'since']).execute();
  }

  /** Who holds it now, if anyone. */
  async holder(vehicleId: string): Promise<ControlRow | undefined> {
    return this.db.k.selectFrom('drone_control').select(['vehicle_id as vehicleId', 'pilot', 'since']).where('vehicle_id', '=', vehicleId)
      .executeTakeFirst();
  }

  /**
   * `r.pilot` takes the drone unless someone holds it. Returns who holds it afterwards: `r` when
   * taken, the row already there (the same pilot's or another's) when not.
   */
  async take(r: ControlRow): Promise<ControlRow> {
    for (;;) {
      const inserted = await this.db.k.insertInto('drone_control')
        .values({ vehicle_id: r.vehicleId, pilot: r.pilot, since: r.since })
        .onConflict((oc) => oc.column('vehicle_id').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows) > 0) return r;
      const held = await this.holder(r.vehicleId);
      if (held) return held;
      // Released between the two statements: try again.
    }
  }

  /** Releases the drone if `pilot` holds it; false if they did not (anymore). */
  async release(vehicleId: string, pilot: string): Promise<boolean> {
    const r = await this.db.k.deleteFrom('drone_control').where('vehicle_id', '=', vehicleId).where('pilot', '=', pilot).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }
}
