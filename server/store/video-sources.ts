import type { Db } from './db.ts';

export interface VideoSourceRow {
  drone: string;
  uri: string;
  setBy: string;
  setAt: number;
}

/** Camera sources an admin set (they win over the configuration file's), kept across restarts. */
export class VideoSourceStore {
  constructor(private readonly db: Db) {}

  all(): VideoSourceRow[] {
    return this.db.prepare('SELECT drone, uri, set_by AS setBy, set_at AS setAt FROM video_sources ORDER BY drone').all() as VideoSourceRow[];
  }

  put(r: VideoSourceRow): void {
    this.db.prepare('INSERT OR REPLACE INTO video_sources (drone, uri, set_by, set_at) VALUES (?, ?, ?, ?)').run(r.drone, r.uri, r.setBy, r.setAt);
  }

  /** true when there was one */
  remove(drone: string): boolean {
    return this.db.prepare('DELETE FROM video_sources WHERE drone = ?').run(drone).changes > 0;
  }
}
