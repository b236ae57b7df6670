import { sql, type Updateable } from 'kysely';
import type { Db } from './connection.ts';
import type { RecordWriter } from './write-journal.ts';
import type { Database } from './schema.ts';
import type { RunEvent, RunOutcome, RunState } from '../wire/types.ts';

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

/** What changes as a run flies; a field left out (or null) keeps what the record has. */
export interface RunUpdate {
  state?: RunState;
  distanceM?: number;
  maxAltM?: number;
  minBattery?: number | null;
  result?: string;
  outcome?: RunOutcome;
  endedAt?: number;
}

/** A run's span of its drone's track: from its start to its end (ms). */
export interface RunSpan {
  id: number;
  vehicleId: string;
  from: number;
  to: number;
}

/** A run's figures as its stored track gives them (null: none recorded). */
export interface RunFigures {
  maxAltM: number | null;
  minBattery: number | null;
}

/** A run's event as stored: the message, its code and parameters (said), and what it concerns (detail). */
export type StoredRunEvent = RunEvent & { detail?: unknown };

const ENDED: RunState[] = ['landed', 'failed', 'aborted'];

/** Patrol runs and their events: the flight record. */
export class RunStore {
  /** states and events go through the journal (write-journal.ts): a flight's record is never lost to a database that is away */
  constructor(private readonly db: Db, private readonly writer: RecordWriter) {}

  private select() {
    return this.db.k.selectFrom('patrol_runs').select([
      'id',
      'vehicle_id as vehicleId',
      'route_id as routeId',
      'route_json as routeJson',
      'pilot',
      'state',
      'started_at as startedAt',
      'ended_at as endedAt',
      'distance_m as distanceM',
      'max_alt_m as maxAltM',
      'min_battery as minBattery',
      'result',
      'outcome',
    ]);
  }

  async create(r: { vehicleId: string; routeId: string; routeJson: string; pilot: string; state: RunState; startedAt?: number }): Promise<number> {
    const row = await this.db.k.insertInto('patrol_runs')
      .values({
        vehicle_id: r.vehicleId,
        route_id: r.routeId,
        route_json: r.routeJson,
        pilot: r.pilot,
        state: r.state,
        started_at: r.startedAt ?? Date.now(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** One event of a run; its message is kept as English and as code and parameters, for the pages to say it in their language. */
  async event(runId: number, e: StoredRunEvent): Promise<void> {
    const { time, kind, message, said, detail } = e;
    this.writer.write([
      this.db.k.insertInto('patrol_events')
        .values({ run_id: runId, time, kind, detail: JSON.stringify({ message, ...(said ? { said } : {}), ...(detail === undefined ? {} : { detail }) }) })
        .compile(),
    ], 'kept');
  }

  /** State and figures, written as they change (a crash keeps the last of them). */
  async update(runId: number, f: RunUpdate): Promise<void> {
    const set: Updateable<Database['patrol_runs']> = {};
    if (f.state !== undefined) set.state = f.state;
    if (f.distanceM !== undefined) set.distance_m = f.distanceM;
    if (f.maxAltM !== undefined) set.max_alt_m = f.maxAltM;
    if (f.minBattery != null) set.min_battery = f.minBattery;
    if (f.result !== undefined) set.result = f.result;
    if (f.outcome !== undefined) set.outcome = JSON.stringify(f.outcome);
    if (f.endedAt !== undefined) set.ended_at = f.endedAt;
    if (Object.keys(set).length === 0) return;
    this.writer.write([this.db.k.updateTable('patrol_runs').set(set).where('id', '=', runId).compile()], 'kept');
  }

  async get(id: number): Promise<RunRow | undefined> {
    await this.writer.drained();
    const row = await this.select().where('id', '=', id).executeTakeFirst();
    return row && parsed(row);
  }

  async events(runId: number): Promise<StoredRunEvent[]> {
    return (await this.eventsOf([runId])).get(runId)!;
  }

  /** The events of these runs, each run's oldest first, in one query (the history lists hundreds of runs). */
  async eventsOf(runIds: readonly number[]): Promise<Map<number, StoredRunEvent[]>> {
    const byRun = new Map<number, StoredRunEvent[]>(runIds.map((id) => [id, []]));
    if (runIds.length === 0) return byRun;
    await this.writer.drained();
    const rows = await this.db.k.selectFrom('patrol_events').select(['run_id', 'time', 'kind', 'detail']).where('run_id', 'in', [...runIds])
      .orderBy('id').execute();
    for (const e of rows) {
      byRun.get(e.run_id)?.push({
        time: e.time,
        kind: e.kind,
        ...(e.detail === null ? { message: '' } : JSON.parse(e.detail) as Omit<StoredRunEvent, 'time' | 'kind'>),
      });
    }
    return byRun;
  }

  /**
   * The highest altitude above home and the lowest battery in each run's span of its drone's stored
   * track, for runs whose record lacks them: one query however many runs (the history lists
   * hundreds), a run with no point in its span left out. Each span's join finds its points by the
   * track's (vehicle_id, time) index. The spans are sent as a VALUES list, its columns cast so that
   * PostgreSQL does not take the parameters as text.
   */
  async trackFigures(spans: readonly RunSpan[]): Promise<Map<number, RunFigures>> {
    const figures = new Map<number, RunFigures>();
    if (spans.length === 0) return figures;
    await this.writer.drained();
    const values = sql.join(
      spans.map((r) => sql`(cast(${r.id} as bigint), cast(${r.vehicleId} as text), cast(${r.from} as bigint), cast(${r.to} as bigint))`),
    );
    const { rows } = await sql<{ id: number } & RunFigures>`
      WITH spans (id, vehicle_id, t0, t1) AS (VALUES ${values})
      SELECT s.id AS id, max(t.alt_rel) AS "maxAltM", min(t.battery) AS "minBattery"
      FROM spans s JOIN track_points t ON t.vehicle_id = s.vehicle_id AND t.time >= s.t0 AND t.time <= s.t1
      GROUP BY s.id`.execute(this.db.k);
    for (const { id, ...f } of rows) figures.set(Number(id), f);
    return figures;
  }

  /** Runs not yet ended, to pick up again after a restart. */
  async active(): Promise<RunRow[]> {
    await this.writer.drained();
    return (await this.select().where('state', 'not in', ENDED).orderBy('id').execute()).map(parsed);
  }

  /** Newest first; at most `limit` (100 unless said, never more than 1000). */
  async list(q: { vehicleId?: string; from?: number; to?: number; limit?: number }): Promise<RunRow[]> {
    await this.writer.drained();
    let query = this.select();
    if (q.vehicleId) query = query.where('vehicle_id', '=', q.vehicleId);
    if (q.from !== undefined) query = query.where('started_at', '>=', q.from);
    if (q.to !== undefined) query = query.where('started_at', '<=', q.to);
    return (await query.orderBy('id', 'desc').limit(Math.min(q.limit ?? 100, 1000)).execute()).map(parsed);
  }
}

/** A row as the database returns it: the state as text, the outcome still JSON. */
type StoredRow = Omit<RunRow, 'state' | 'outcome'> & { state: string; outcome: string | null };
const parsed = (r: StoredRow): RunRow => ({
  ...r,
  state: r.state as RunState,
  outcome: r.outcome === null ? null : JSON.parse(r.outcome) as RunOutcome,
});
