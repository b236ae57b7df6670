import type { Db } from './db.ts';

export interface ControlRow {
  vehicleId: string;
  pilot: string;
  since: number;
}

/** Which pilot holds which drone (see patrols/control.ts), kept so a restart changes nothing. */
export class ControlStore {
  constructor(private readonly db: Db) {}

  all(): ControlRow[] {
    return this.db.prepare('SELECT vehicle_id AS vehicleId, pilot, since FROM drone_control').all() as ControlRow[];
  }

  put(r: ControlRow): void {
    this.db.prepare('INSERT OR REPLACE INTO drone_control (vehicle_id, pilot, since) VALUES (?, ?, ?)').run(r.vehicleId, r.pilot, r.since);
  }

  remove(vehicleId: string): void {
    this.db.prepare('DELETE FROM drone_control WHERE vehicle_id = ?').run(vehicleId);
  }
}
