import type { Db } from './db.ts';

/** One recorded video file (migration 009): a minute or so of a drone's camera. */
export interface SegmentRow {
  id: number;
  vehicleId: string;
  /** relative to the data folder's recordings/ */
  file: string;
  startedAt: number;
  endedAt: number;
  bytes: number;
  /** still being written (or cut off by a crash, until recovery) */
  writing: boolean;
  codec: 'h264' | 'h265';
  mime: string;
  width: number;
  height: number;
}

const COLUMNS = `id, vehicle_id AS vehicleId, file, started_at AS startedAt, ended_at AS endedAt, bytes, writing,
  codec, mime, width, height`;

type Stored = Omit<SegmentRow, 'writing'> & { writing: number };
const parsed = (r: Stored): SegmentRow => ({ ...r, writing: r.writing === 1 });

/**
 * The recordings' index: which files hold which drone's pictures over which time. The recorder
 * (video/recorder.ts) adds and closes them; recovery and retention (video/recording-files.ts) make
 * them whole and remove them; a run's replay and export read them by drone and time.
 */
export class RecordingStore {
  constructor(private readonly db: Db) {}

  opened(s: Omit<SegmentRow, 'id' | 'endedAt' | 'bytes' | 'writing'>): number {
    return Number(
      this.db.prepare(`INSERT INTO video_segments (vehicle_id, file, started_at, ended_at, bytes, writing, codec, mime, width, height)
        VALUES (?, ?, ?, ?, 0, 1, ?, ?, ?, ?)`).run(s.vehicleId, s.file, s.startedAt, s.startedAt, s.codec, s.mime, s.width, s.height).lastInsertRowid,
    );
  }

  grew(id: number, endedAt: number, bytes: number): void {
    this.db.prepare('UPDATE video_segments SET ended_at = ?, bytes = ? WHERE id = ?').run(endedAt, bytes, id);
  }

  closed(id: number, endedAt: number, bytes: number): void {
    this.db.prepare('UPDATE video_segments SET ended_at = ?, bytes = ?, writing = 0 WHERE id = ?').run(endedAt, bytes, id);
  }

  remove(id: number): void {
    this.db.prepare('DELETE FROM video_segments WHERE id = ?').run(id);
  }

  get(id: number): SegmentRow | undefined {
    const r = this.db.prepare(`SELECT ${COLUMNS} FROM video_segments WHERE id = ?`).get(id) as Stored | undefined;
    return r && parsed(r);
  }

  unfinished(): SegmentRow[] {
    return (this.db.prepare(`SELECT ${COLUMNS} FROM video_segments WHERE writing = 1 ORDER BY started_at`).all() as Stored[]).map(parsed);
  }

  finished(): SegmentRow[] {
    return (this.db.prepare(`SELECT ${COLUMNS} FROM video_segments WHERE writing = 0 ORDER BY started_at, id`).all() as Stored[]).map(parsed);
  }

  /** A drone's files with pictures between from and to (ms), oldest first. */
  during(vehicleId: string, from: number, to: number): SegmentRow[] {
    return (this.db.prepare(`SELECT ${COLUMNS} FROM video_segments WHERE vehicle_id = ? AND started_at < ? AND ended_at > ? ORDER BY started_at, id`)
      .all(vehicleId, to, from) as Stored[]).map(parsed);
  }
}
