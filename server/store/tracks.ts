import type { Db } from './db.ts';
import type { TrackPoint } from '../wire/types.ts';

// The browser draws these points: their shape is defined with the other wire types.
export type { TrackPoint };

export interface SeenVehicle {
  id: string;
  sysid: number;
  linkUri: string;
  autopilot: string;
  type: string;
  firstSeen: number;
  lastSeen: number;
}

/** Vehicles ever seen and their downsampled flight tracks. */
export class TrackStore {
  private readonly upsertVehicle;
  private readonly insertPoint;

  constructor(private readonly db: Db) {
    this.upsertVehicle = db.prepare(`
      INSERT INTO vehicles (id, sysid, link_uri, autopilot, type, first_seen, last_seen) VALUES (@id, @sysid, @linkUri, @autopilot, @type, @time, @time)
      ON CONFLICT(id) DO UPDATE SET link_uri = excluded.link_uri, autopilot = excluded.autopilot, type = excluded.type, last_seen = excluded.last_seen`);
    this.insertPoint = db.prepare(`
      INSERT INTO track_points (vehicle_id, time, lat, lon, alt_msl, alt_rel, heading, speed, battery, mode, armed)
      VALUES (@vehicleId, @time, @lat, @lon, @altMsl, @altRel, @heading, @speed, @battery, @mode, @armed)`);
  }

  /** One transaction a second for the whole fleet: cheap, and a crash loses at most that second. */
  record(points: TrackPoint[], seen: { id: string; sysid: number; linkUri: string; autopilot: string; type: string }[], time: number): void {
    this.db.transaction(() => {
      for (const v of seen) this.upsertVehicle.run({ ...v, time });
      for (const p of points) this.insertPoint.run({ ...p, armed: p.armed ? 1 : 0 });
    })();
  }

  /** Delete track points older than `before`; returns how many. */
  prune(before: number): number {
    return this.db.prepare('DELETE FROM track_points WHERE time < ?').run(before).changes;
  }

  vehicles(): SeenVehicle[] {
    return this.db.prepare(
      'SELECT id, sysid, link_uri AS linkUri, autopilot, type, first_seen AS firstSeen, last_seen AS lastSeen FROM vehicles ORDER BY id',
    ).all() as SeenVehicle[];
  }

  /** The highest altitude above home and the lowest battery recorded for a drone over a period (null: none recorded). */
  figures(vehicleId: string, from: number, to: number): { maxAltM: number | null; minBattery: number | null } {
    return this.db.prepare(`SELECT MAX(alt_rel) AS maxAltM, MIN(battery) AS minBattery FROM track_points
      WHERE vehicle_id = ? AND time BETWEEN ? AND ?`).get(vehicleId, from, to) as { maxAltM: number | null; minBattery: number | null };
  }

  track(vehicleId: string, from: number, to: number): TrackPoint[] {
    return (this.db.prepare(`
      SELECT vehicle_id AS vehicleId, time, lat, lon, alt_msl AS altMsl, alt_rel AS altRel, heading, speed, battery, mode, armed
      FROM track_points WHERE vehicle_id = ? AND time BETWEEN ? AND ? ORDER BY time`).all(
      vehicleId,
      from,
      to,
    ) as (Omit<TrackPoint, 'armed'> & { armed: number })[])
      .map((p) => ({ ...p, armed: p.armed === 1 }));
  }
}
