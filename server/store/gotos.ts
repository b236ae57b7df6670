import type { Selectable } from 'kysely';
import type { Db } from './connection.ts';
import type { RecordWriter } from './write-journal.ts';
import type { Database } from './schema.ts';
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

type StoredRow = Selectable<Database['gotos']>;

const parsed = (r: StoredRow): GotoRow => ({
  id: r.id,
  vehicleId: r.vehicle_id,
  pilot: r.pilot,
  alertId: r.alert_id,
  target: { lat: r.lat, lon: r.lon },
  altM: r.alt_m,
  holdMin: r.hold_min,
  hold: r.hold as GotoView['hold'],
  state: r.state as GotoState,
  checks: JSON.parse(r.checks) as PreflightItem[],
  startedAt: r.started_at,
  arrivedAt: r.arrived_at,
  endedAt: r.ended_at,
  heldMs: r.held_ms,
  keepHolding: r.keep_holding === 1,
  leftPatrol: r.left_patrol === null ? null : JSON.parse(r.left_patrol) as GotoView['leftPatrol'],
});

/** The states of a goto still under way: picked up again after a restart. */
const ACTIVE: GotoState[] = ['arming', 'climbing', 'transit', 'on_scene'];

const json = (v: unknown): string | null => (v === null ? null : JSON.stringify(v));

/** Drones sent to a point (patrols/goto.ts) and their events: kept so a restart loses none of them. */
export class GotoRecordStore {
  /** states and events go through the journal (write-journal.ts): a flight's record is never lost to a database that is away */
  constructor(private readonly db: Db, private readonly writer: RecordWriter) {}

  async create(g: Omit<GotoRow, 'id' | 'arrivedAt' | 'endedAt' | 'heldMs' | 'keepHolding'>): Promise<number> {
    const row = await this.db.k.insertInto('gotos')
      .values({
        vehicle_id: g.vehicleId,
        pilot: g.pilot,
        alert_id: g.alertId,
        lat: g.target.lat,
        lon: g.target.lon,
        alt_m: g.altM,
        hold_min: g.holdMin,
        hold: g.hold,
        state: g.state,
        checks: JSON.stringify(g.checks),
        started_at: g.startedAt,
        left_patrol: json(g.leftPatrol),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** What changes as it flies, written as it changes (a crash keeps the last of it). */
  async update(id: number, f: Pick<GotoRow, 'state' | 'hold' | 'arrivedAt' | 'endedAt' | 'heldMs' | 'keepHolding' | 'leftPatrol'>): Promise<void> {
    this.writer.write([
      this.db.k.updateTable('gotos')
        .set({
          state: f.state,
          hold: f.hold,
          arrived_at: f.arrivedAt,
          ended_at: f.endedAt,
          held_ms: Math.round(f.heldMs),
          keep_holding: f.keepHolding ? 1 : 0,
          left_patrol: json(f.leftPatrol),
        })
        .where('id', '=', id)
        .compile(),
    ], 'kept');
  }

  async event(id: number, e: GotoEvent): Promise<void> {
    const { at, kind, ...detail } = e;
    this.writer.write([this.db.k.insertInto('goto_events').values({ goto_id: id, time: at, kind, detail: JSON.stringify(detail) }).compile()], 'kept');
  }

  async events(id: number): Promise<GotoEvent[]> {
    await this.writer.drained();
    const rows = await this.db.k.selectFrom('goto_events').select(['time', 'kind', 'detail']).where('goto_id', '=', id).orderBy('id').execute();
    return rows.map((e) => ({ at: e.time, kind: e.kind, ...JSON.parse(e.detail) as Omit<GotoEvent, 'at' | 'kind'> }));
  }

  /** Gotos still under way, oldest first (to watch again after a restart). */
  async active(): Promise<GotoRow[]> {
    await this.writer.drained();
    return (await this.db.k.selectFrom('gotos').selectAll().where('state', 'in', ACTIVE).orderBy('id').execute()).map(parsed);
  }

  /** Those that ended since `since` (ms since the epoch), newest first, at most `limit`. */
  async endedSince(since: number, limit: number): Promise<GotoRow[]> {
    await this.writer.drained();
    const rows = await this.db.k.selectFrom('gotos').selectAll()
      .where('state', 'not in', ACTIVE)
      .where('ended_at', '>=', since)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(parsed);
  }

  async get(id: number): Promise<GotoRow | undefined> {
    await this.writer.drained();
    const r = await this.db.k.selectFrom('gotos').selectAll().where('id', '=', id).executeTakeFirst();
    return r && parsed(r);
  }

  /** A drone's latest goto, whatever its state. */
  async latestFor(vehicleId: string): Promise<GotoRow | undefined> {
    await this.writer.drained();
    const r = await this.db.k.selectFrom('gotos').selectAll().where('vehicle_id', '=', vehicleId).orderBy('id', 'desc').limit(1).executeTakeFirst();
    return r && parsed(r);
  }
}
