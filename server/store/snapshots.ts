import type { Db } from './connection.ts';

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

const COLUMNS = [
  'id',
  'vehicle_id as vehicleId',
  'taken_at as takenAt',
  'taken_by as takenBy',
  'lat',
  'lon',
  'alt_m as altM',
  'heading_deg as headingDeg',
  'alert_id as alertId',
  'width',
  'height',
  'mime',
] as const;

/**
 * Stills from the live video, kept as evidence (migration 007). The JPEG is a BLOB on SQLite and
 * a BYTEA on PostgreSQL: a Buffer going in and coming out on both.
 */
export class SnapshotStore {
  constructor(private readonly db: Db) {}

  async add(s: NewSnapshot, now = Date.now()): Promise<SnapshotRow> {
    return this.db.k.insertInto('video_snapshots')
      .values({
        vehicle_id: s.vehicleId,
        taken_at: s.takenAt,
        taken_by: s.takenBy,
        lat: s.lat,
        lon: s.lon,
        alt_m: s.altM,
        heading_deg: s.headingDeg,
        alert_id: s.alertId,
        width: s.width,
        height: s.height,
        mime: s.mime,
        image: s.image,
        created_at: now,
      })
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
  }

  async get(id: number): Promise<SnapshotRow | undefined> {
    return this.db.k.selectFrom('video_snapshots').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  }

  async image(id: number): Promise<{ mime: string; data: Buffer } | undefined> {
    return this.db.k.selectFrom('video_snapshots').select(['mime', 'image as data']).where('id', '=', id).executeTakeFirst();
  }

  /** Attaches a still to an incident as evidence; undefined when there is no such still. */
  async attach(id: number, alertId: number): Promise<SnapshotRow | undefined> {
    return this.db.k.updateTable('video_snapshots').set({ alert_id: alertId }).where('id', '=', id).returning(COLUMNS).executeTakeFirst();
  }

  /** An incident's evidence, oldest first. */
  async forAlert(alertId: number): Promise<SnapshotRow[]> {
    return this.db.k.selectFrom('video_snapshots').select(COLUMNS).where('alert_id', '=', alertId).orderBy('taken_at').orderBy('id').execute();
  }
}
