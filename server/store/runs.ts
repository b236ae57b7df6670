import type { Db } from './db.ts';
import type { RunEvent, RunOutcome, RunState } from '../wire/types.ts';
import type { ServerMessage } from '../wire/messages.ts';

export interface RunRow {
  id: number;
  vehicleId: string;
  routeId: string;
  routeJson: string;
  pilot: string;
  state: RunState;
  startedAt: number;
  endedAt: number | null;
  distanceM: number | null;
  maxAltM: number | null;
  minBattery: number | null;
  result: string | null;
  /** null while it flies and for runs recorded before schema version 3 */
  outcome: RunOutcome | null;
}

const COLUMNS = `id, vehicle_id AS vehicleId, route_id AS routeId, route_json AS routeJson, pilot, state, started_at AS startedAt,
  ended_at AS endedAt, distance_m AS distanceM, max_alt_m AS maxAltM, min_battery AS minBattery, result, outcome`;

/** A row as SQLite returns it: the outcome still JSON text. */
type StoredRow = Omit<RunRow, 'outcome'> & { outcome: string | null };
const parsed = (r: StoredRow): RunRow => ({ ...r, outcome: r.outcome === null ? null : JSON.parse(r.outcome) as RunOutcome });

/** Patrol runs and their events: the flight record. */
export class RunStore {
  constructor(private readonly db: Db) {}

  create(r: { vehicleId: string; routeId: string; routeJson: string; pilot: string; state: RunState }): number {
    return Number(
      this.db.prepare(`INSERT INTO patrol_runs (vehicle_id, route_id, route_json, pilot, state, started_at)
      VALUES (?, ?, ?, ?, ?, ?)`).run(r.vehicleId, r.routeId, r.routeJson, r.pilot, r.state, Date.now()).lastInsertRowid,
    );
  }

  /** said: the message as code and parameters, kept beside its English for the pages to say it in their language */
  event(runId: number, kind: string, message: string, detail?: unknown, said?: ServerMessage): RunEvent {
    const time = Date.now();
    this.db.prepare('INSERT INTO patrol_events (run_id, time, kind, detail) VALUES (?, ?, ?, ?)')
      .run(runId, time, kind, JSON.stringify({ message, ...(said ? { said } : {}), ...(detail === undefined ? {} : { detail }) }));
    return said ? { time, kind, message, said } : { time, kind, message };
  }

  /** State and figures, written as they change (a crash keeps the last of them). */
  update(
    runId: number,
    f: { state?: RunState; distanceM?: number; maxAltM?: number; minBattery?: number | null; result?: string; outcome?: RunOutcome; endedAt?: number },
  ): void {
    this.db.prepare(`UPDATE patrol_runs SET state = COALESCE(@state, state), distance_m = COALESCE(@distanceM, distance_m),
      max_alt_m = COALESCE(@maxAltM, max_alt_m), min_battery = COALESCE(@minBattery, min_battery), result = COALESCE(@result, result),
      outcome = COALESCE(@outcome, outcome), ended_at = COALESCE(@endedAt, ended_at) WHERE id = @id`)
      .run({
        id: runId,
        state: null,
        distanceM: null,
        maxAltM: null,
        minBattery: null,
        result: null,
        endedAt: null,
        ...f,
        outcome: f.outcome ? JSON.stringify(f.outcome) : null,
      });
  }

  get(id: number): RunRow | undefined {
    const row = this.db.prepare(`SELECT ${COLUMNS} FROM patrol_runs WHERE id = ?`).get(id) as StoredRow | undefined;
    return row && parsed(row);
  }

  events(runId: number): (RunEvent & { detail?: unknown })[] {
    return (this.db.prepare('SELECT time, kind, detail FROM patrol_events WHERE run_id = ? ORDER BY id').all(runId) as {
      time: number;
      kind: string;
      detail: string;
    }[])
      .map((e) => ({ time: e.time, kind: e.kind, ...JSON.parse(e.detail) }));
  }

  /** Runs not yet ended, to pick up again after a restart. */
  active(): RunRow[] {
    return (this.db.prepare(`SELECT ${COLUMNS} FROM patrol_runs WHERE state NOT IN ('landed', 'failed', 'aborted') ORDER BY id`).all() as StoredRow[]).map(
      parsed,
    );
  }

  list(q: { vehicleId?: string; from?: number; to?: number; limit?: number }): RunRow[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.vehicleId) {
      where.push('vehicle_id = ?');
      args.push(q.vehicleId);
    }
    if (q.from !== undefined) {
      where.push('started_at >= ?');
      args.push(q.from);
    }
    if (q.to !== undefined) {
      where.push('started_at <= ?');
      args.push(q.to);
    }
    return (this.db.prepare(`SELECT ${COLUMNS} FROM patrol_runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`)
      .all(...args, Math.min(q.limit ?? 100, 1000)) as StoredRow[]).map(parsed);
  }
}
