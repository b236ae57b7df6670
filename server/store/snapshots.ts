import type { Db } from './db.ts';

/** A still from a drone's video as stored, without its picture. */
export interface SnapshotRow {
  id: number;
  vehicleId: string;
  takenAt: number;
  takenBy: string;
  lat: number | null;
  lon: number | null;
  altM: number | null;
  headingDeg: number | null;
  alertId: number | null;
  width: number;
  height: number;
  mime: string;
}

export type NewSnapshot = Omit<SnapshotRow, 'id'> & { image: Buffer };

const COLUMNS = `id, vehicle_id AS vehicleId, taken_at AS takenAt, taken_by AS takenBy, lat, lon, alt_m AS altM,
  heading_deg AS headingDeg, alert_id AS alertId, width, height, mime`;

/** Stills from the live video, kept as evidence (migration 007). */
export class SnapshotStore {
  constructor(private readonly db: Db) {}

  add(s: NewSnapshot, now = Date.now()): SnapshotRow {
    const r = this.db.prepare(
      `INSERT INTO video_snapshots (vehicle_id, taken_at, taken_by, lat, lon, alt_m, heading_deg, alert_id, width, height, mime, image, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(s.vehicleId, s.takenAt, s.takenBy, s.lat, s.lon, s.altM, s.headingDeg, s.alertId, s.width, s.height, s.mime, s.image, now);
    return this.get(Number(r.lastInsertRowid))!;
  }

  get(id: number): SnapshotRow | undefined {
    return this.db.prepare(`SELECT ${COLUMNS} FROM video_snapshots WHERE id = ?`).get(id) as SnapshotRow | undefined;
  }

  image(id: number): { mime: string; data: Buffer } | undefined {
    return this.db.prepare('SELECT mime, image AS data FROM video_snapshots WHERE id = ?').get(id) as { mime: string; data: Buffer } | undefined;
  }

  /** Attaches a still to an incident as evidence. */
  attach(id: number, alertId: number): SnapshotRow | undefined {
    this.db.prepare('UPDATE video_snapshots SET alert_id = ? WHERE id = ?').run(alertId, id);
    return this.get(id);
  }

  /** An incident's evidence, oldest first. */
  forAlert(alertId: number): SnapshotRow[] {
    return this.db.prepare(`SELECT ${COLUMNS} FROM video_snapshots WHERE alert_id = ? ORDER BY taken_at, id`).all(alertId) as SnapshotRow[];
  }
}
