import type { Db } from './db.ts';
import type { GotoEvent, GotoState, GotoView, LatLon, PreflightItem } from '../wire/types.ts';

/** A drone sent to a point as stored: what it was asked and where it stands, without its live figures. */
export interface GotoRow {
  id: number;
  vehicleId: string;
  pilot: string;
  alertId: number | null;
  target: LatLon;
  altM: number;
  holdMin: number;
  hold: GotoView['hold'];
  state: GotoState;
  checks: PreflightItem[];
  startedAt: number;
  arrivedAt: number | null;
  endedAt: number | null;
  heldMs: number;
  keepHolding: boolean;
  leftPatrol: GotoView['leftPatrol'];
}

interface StoredRow {
  id: number;
  vehicle_id: string;
  pilot: string;
  alert_id: number | null;
  lat: number;
  lon: number;
  alt_m: number;
  hold_min: number;
  hold: GotoView['hold'];
  state: GotoState;
  checks: string;
  started_at: number;
  arrived_at: number | null;
  ended_at: number | null;
  held_ms: number;
  keep_holding: number;
  left_patrol: string | null;
}

const parsed = (r: StoredRow): GotoRow => ({
  id: r.id,
  vehicleId: r.vehicle_id,
  pilot: r.pilot,
  alertId: r.alert_id,
  target: { lat: r.lat, lon: r.lon },
  altM: r.alt_m,
  holdMin: r.hold_min,
  hold: r.hold,
  state: r.state,
  checks: JSON.parse(r.checks) as PreflightItem[],
  startedAt: r.started_at,
  arrivedAt: r.arrived_at,
  endedAt: r.ended_at,
  heldMs: r.held_ms,
  keepHolding: r.keep_holding === 1,
  leftPatrol: r.left_patrol === null ? null : JSON.parse(r.left_patrol) as GotoView['leftPatrol'],
});

/** The states of a goto still under way: picked up again after a restart. */
const ACTIVE = "('arming', 'climbing', 'transit', 'on_scene')";

/** Drones sent to a point (patrols/goto.ts) and their events: kept so a restart loses none of them. */
export class GotoRecordStore {
  constructor(private readonly db: Db) {}

  create(g: Omit<GotoRow, 'id' | 'arrivedAt' | 'endedAt' | 'heldMs' | 'keepHolding'>): number {
    return Number(
      this.db.prepare(`INSERT INTO gotos (vehicle_id, pilot, alert_id, lat, lon, alt_m, hold_min, hold, state, checks, started_at, left_patrol)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
        g.vehicleId,
        g.pilot,
        g.alertId,
        g.target.lat,
        g.target.lon,
        g.altM,
        g.holdMin,
        g.hold,
        g.state,
        JSON.stringify(g.checks),
        g.startedAt,
        g.leftPatrol === null ? null : JSON.stringify(g.leftPatrol),
      ).lastInsertRowid,
    );
  }

  /** What changes as it flies, written as it changes (a crash keeps the last of it). */
  update(id: number, f: Pick<GotoRow, 'state' | 'hold' | 'arrivedAt' | 'endedAt' | 'heldMs' | 'keepHolding' | 'leftPatrol'>): void {
    this.db.prepare(`UPDATE gotos SET state = ?, hold = ?, arrived_at = ?, ended_at = ?, held_ms = ?, keep_holding = ?, left_patrol = ? WHERE id = ?`)
      .run(
        f.state,
        f.hold,
        f.arrivedAt,
        f.endedAt,
        Math.round(f.heldMs),
        f.keepHolding ? 1 : 0,
        f.leftPatrol === null ? null : JSON.stringify(f.leftPatrol),
        id,
      );
  }

  event(id: number, e: GotoEvent): void {
    const { at, kind, ...detail } = e;
    this.db.prepare('INSERT INTO goto_events (goto_id, time, kind, detail) VALUES (?, ?, ?, ?)').run(id, at, kind, JSON.stringify(detail));
  }

  events(id: number): GotoEvent[] {
    return (this.db.prepare('SELECT time, kind, detail FROM goto_events WHERE goto_id = ? ORDER BY id').all(id) as {
      time: number;
      kind: string;
      detail: string;
    }[])
      .map((e) => ({ at: e.time, kind: e.kind, ...JSON.parse(e.detail) as Omit<GotoEvent, 'at' | 'kind'> }));
  }

  /** Gotos still under way, oldest first (to watch again after a restart). */
  active(): GotoRow[] {
    return (this.db.prepare(`SELECT * FROM gotos WHERE state IN ${ACTIVE} ORDER BY id`).all() as StoredRow[]).map(parsed);
  }

  /** Those that ended since `since` (ms since the epoch), newest first, at most `limit`. */
  endedSince(since: number, limit: number): GotoRow[] {
    return (this.db.prepare(`SELECT * FROM gotos WHERE state NOT IN ${ACTIVE} AND ended_at >= ? ORDER BY id DESC LIMIT ?`).all(since, limit) as StoredRow[])
      .map(parsed);
  }

  get(id: number): GotoRow | undefined {
    const r = this.db.prepare('SELECT * FROM gotos WHERE id = ?').get(id) as StoredRow | undefined;
    return r && parsed(r);
  }

  /** A drone's latest goto, whatever its state. */
  latestFor(vehicleId: string): GotoRow | undefined {
    const r = this.db.prepare('SELECT * FROM gotos WHERE vehicle_id = ? ORDER BY id DESC LIMIT 1').get(vehicleId) as StoredRow | undefined;
    return r && parsed(r);
  }
}
