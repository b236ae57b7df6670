import type { Db } from './db.ts';
import type { DroneRequestView } from '../wire/types.ts';

/** A request as stored: everything but the drones that could go, which are worked out when shown. */
export type DroneRequestRow = Omit<DroneRequestView, 'candidates'>;

interface StoredRow {
  id: number;
  alert_id: number;
  lat: number;
  lon: number;
  requested_by: string;
  at: number;
  note: string;
  state: DroneRequestRow['state'];
  accepted_by: string | null;
  vehicle_id: string | null;
  goto_id: number | null;
}

const parsed = (r: StoredRow): DroneRequestRow => ({
  id: r.id,
  alertId: r.alert_id,
  target: { lat: r.lat, lon: r.lon },
  requestedBy: r.requested_by,
  at: r.at,
  note: r.note,
  state: r.state,
  acceptedBy: r.accepted_by,
  vehicleId: r.vehicle_id,
  gotoId: r.goto_id,
});

/** The command room's requests for a drone over an incident (patrols/drone-requests.ts). */
export class DroneRequestStore {
  constructor(private readonly db: Db) {}

  create(r: Omit<DroneRequestRow, 'id' | 'state' | 'acceptedBy' | 'vehicleId' | 'gotoId'>): DroneRequestRow {
    const id = Number(
      this.db.prepare(`INSERT INTO drone_requests (alert_id, lat, lon, requested_by, at, note, state) VALUES (?, ?, ?, ?, ?, ?, 'open')`)
        .run(r.alertId, r.target.lat, r.target.lon, r.requestedBy, r.at, r.note).lastInsertRowid,
    );
    return this.get(id)!;
  }

  /** Answered: accepted (by whom, which drone, which goto) or cancelled; only an open one changes. */
  answer(id: number, f: Pick<DroneRequestRow, 'state' | 'acceptedBy' | 'vehicleId' | 'gotoId'>): boolean {
    return this.db.prepare(`UPDATE drone_requests SET state = ?, accepted_by = ?, vehicle_id = ?, goto_id = ? WHERE id = ? AND state = 'open'`)
      .run(f.state, f.acceptedBy, f.vehicleId, f.gotoId, id).changes === 1;
  }

  get(id: number): DroneRequestRow | undefined {
    const r = this.db.prepare('SELECT * FROM drone_requests WHERE id = ?').get(id) as StoredRow | undefined;
    return r && parsed(r);
  }

  open(): DroneRequestRow[] {
    return (this.db.prepare("SELECT * FROM drone_requests WHERE state = 'open' ORDER BY id").all() as StoredRow[]).map(parsed);
  }

  /** The open request for an incident, if any (one at a time). */
  openFor(alertId: number): DroneRequestRow | undefined {
    const r = this.db.prepare("SELECT * FROM drone_requests WHERE alert_id = ? AND state = 'open' ORDER BY id LIMIT 1").get(alertId) as StoredRow | undefined;
    return r && parsed(r);
  }
}
