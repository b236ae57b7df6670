import { sql } from 'kysely';
import type { Db } from './connection.ts';
import type { TrackPoint } from '../wire/types.ts';
import type { RecordWriter } from './write-journal.ts';

// The browser draws these points: their shape is defined with the other wire types.
export type { TrackPoint };

export interface SeenVehicle {
  id: string;
  sysid: number;
  linkUri: string;
  autopilot: string;
  type: string;
  firstSeen: number;
  lastSeen: number;
}

const DAY = 24 * 3600_000;
/** how often an unchanged drone's last_seen is written */
const SEEN_EVERY_MS = 60_000;
export const dayOf = (time: number) => Math.floor(time / DAY) * DAY;
/** track_points_20261204: the partition holding one UTC day's points (PostgreSQL) */
const partitionName = (day: number) => `track_points_${new Date(day).toISOString().slice(0, 10).replaceAll('-', '')}`;
/** The statement making one UTC day's partition (PostgreSQL); also used by the store copy (copy-tracks.ts). */
/**
 * Make a day's partition unless it exists. Servers of a city make them side by side: IF NOT EXISTS
 * alone lets the loser of a race fail on the catalogue's key, which would refuse the second's points
 * with it; the block swallows exactly that (DO takes no parameters: the day is a number, written in).
 */
export const makePartition = (day: number) =>
  sql`DO $$ BEGIN CREATE TABLE IF NOT EXISTS ${sql.id(partitionName(day))} PARTITION OF track_points FOR VALUES FROM (${sql.lit(day)}) TO (${
    sql.lit(day + DAY)
  }); EXCEPTION WHEN duplicate_table OR unique_violation THEN NULL; END $$`;

/**
 * Vehicles ever seen and their downsampled flight tracks. Points are written without waiting
 * (write-journal.ts), one batch a second for the whole fleet. On PostgreSQL the points are kept in
 * a partition per UTC day, made with the day's first batch, so that keeping N days drops whole
 * partitions (no long delete holding the table).
 */
export class TrackStore {
  /** each drone's row as last written: what it said, and when */
  private readonly written = new Map<string, { key: string; at: number }>();
  /** days whose partition this service knows exists (PostgreSQL) */
  private readonly partitions = new Set<number>();

  constructor(private readonly db: Db, private readonly writer: RecordWriter) {}

  /** One transaction a second for the whole fleet: cheap, and a crash loses at most that second. */
  record(points: TrackPoint[], seen: { id: string; sysid: number; linkUri: string; autopilot: string; type: string }[], time: number): void {
    const k = this.db.k;
    const queries = [];
    const made: number[] = [];
    for (const day of new Set(points.map((p) => dayOf(p.time)))) {
      if (this.db.dialect !== 'postgres' || this.partitions.has(day)) continue;
      // IF NOT EXISTS: another server of the city may have made it; ours is applied in the journal's order, before the points.
      queries.push(makePartition(day).compile(k));
      made.push(day);
    }
    for (const v of seen) {
      // A drone's row changes rarely: written when its link, autopilot or type changes, else its
      // last_seen once a minute (at 300 drones, a row each a second was 90 % of PostgreSQL's cost).
      const was = this.written.get(v.id);
      if (was && was.key === `${v.linkUri} ${v.autopilot} ${v.type}` && time - was.at < SEEN_EVERY_MS) continue;
      this.written.set(v.id, { key: `${v.linkUri} ${v.autopilot} ${v.type}`, at: time });
      const row = { id: v.id, sysid: v.sysid, link_uri: v.linkUri, autopilot: v.autopilot, type: v.type, first_seen: time, last_seen: time };
      queries.push(
        k.insertInto('vehicles').values(row).onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => ({
            link_uri: eb.ref('excluded.link_uri'),
            autopilot: eb.ref('excluded.autopilot'),
            type: eb.ref('excluded.type'),
            last_seen: eb.ref('excluded.last_seen'),
          }))
        ).compile(),
      );
    }
    if (points.length) {
      const rows = points.map((p) => ({
        vehicle_id: p.vehicleId,
        time: p.time,
        lat: p.lat,
        lon: p.lon,
        alt_msl: p.altMsl,
        alt_rel: p.altRel,
        heading: p.heading,
        speed: p.speed,
        battery: p.battery,
        mode: p.mode,
        armed: p.armed ? (1 as const) : (0 as const),
      }));
      queries.push(k.insertInto('track_points').values(rows).compile());
    }
    if (queries.length && this.writer.write(queries, 'tracks')) { for (const day of made) this.partitions.add(day); }
  }

  /**
   * Delete track points older than `before`; returns how many (on PostgreSQL the partitions of days
   * wholly before it are dropped, and the older points of the day it falls in deleted).
   */
  async prune(before: number): Promise<number> {
    await this.writer.drained();
    const k = this.db.k;
    let removed = 0;
    if (this.db.dialect === 'postgres') {
      const parts = await sql<{ name: string }>`
        SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
        WHERE p.relname = 'track_points' AND c.relnamespace = to_regnamespace(current_schema())::oid`.execute(k);
      for (const part of parts.rows) {
        const m = /^track_points_(\d{4})(\d{2})(\d{2})$/.exec(part.name);
        if (!m) continue;
        const day = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
        if (day + DAY > before) continue;
        // Counted for the log (a day of a city's points counts in a second or two, once a day), then dropped whole.
        const { rows } = await sql<{ n: number }>`SELECT count(*)::bigint AS n FROM ${sql.id(part.name)}`.execute(k);
        await sql`DROP TABLE IF EXISTS ${sql.id(part.name)}`.execute(k);
        this.partitions.delete(day);
        removed += rows[0]!.n;
      }
    }
    const r = await k.deleteFrom('track_points').where('time', '<', before).executeTakeFirst();
    return removed + Number(r.numDeletedRows);
  }

  async vehicles(): Promise<SeenVehicle[]> {
    await this.writer.drained();
    return this.db.k.selectFrom('vehicles')
      .select(['id', 'sysid', 'link_uri as linkUri', 'autopilot', 'type', 'first_seen as firstSeen', 'last_seen as lastSeen'])
      .orderBy('id').execute();
  }

  async track(vehicleId: string, from: number, to: number): Promise<TrackPoint[]> {
    await this.writer.drained();
    const rows = await this.db.k.selectFrom('track_points')
      .select(['vehicle_id as vehicleId', 'time', 'lat', 'lon', 'alt_msl as altMsl', 'alt_rel as altRel', 'heading', 'speed', 'battery', 'mode', 'armed'])
      .where('vehicle_id', '=', vehicleId).where('time', '>=', from).where('time', '<=', to)
      .orderBy('time').execute();
    return rows.map((p) => ({ ...p, armed: p.armed === 1 }));
  }
}
