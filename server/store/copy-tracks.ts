/**
 * A store copy's work on track_points (copy.ts), which has no key: per drone, the source's points
 * later than the newest the target holds for that drone, in pages by time, one transaction per
 * drone (a drone's points are there whole or not at all, so a second run picks up where the target
 * ends). On PostgreSQL each UTC day's partition is made before its points go in, as the service does.
 */
import type { Db } from './connection.ts';
import { type Row, rowsPerInsert } from './copy-tables.ts';
import { dayOf, makePartition } from './tracks.ts';

/** The drone's points after `after` (null: all), in pages of about `size` by time. */
async function* trackPages(db: Db, vehicleId: string, after: number | null, size: number): AsyncGenerator<Row[]> {
  const points = () => db.k.selectFrom('track_points').selectAll().where('vehicle_id', '=', vehicleId);
  let from = after;
  for (;;) {
    let rows = await (from === null ? points() : points().where('time', '>', from)).orderBy('time').limit(size).execute();
    const full = rows.length === size;
    const last = rows.at(-1)?.time;
    if (full) {
      // The page may end inside one time holding several points: take that time whole, so the next page starts after it.
      rows = [...rows.filter((r) => r.time !== last), ...(await points().where('time', '=', last!).execute())];
    }
    if (rows.length) yield rows;
    if (!full) return;
    from = last!;
  }
}

async function newestIn(db: Db, vehicleId: string): Promise<number | null> {
  const r = await db.k.selectFrom('track_points').select((eb) => eb.fn.max('time').as('t')).where('vehicle_id', '=', vehicleId).executeTakeFirst();
  return r?.t ?? null;
}

async function drones(db: Db): Promise<string[]> {
  return (await db.k.selectFrom('track_points').select('vehicle_id').distinct().orderBy('vehicle_id').execute()).map((r) => r.vehicle_id);
}

export async function copyTracks(from: Db, to: Db, size: number): Promise<{ source: number; added: number }> {
  const partitions = new Set<number>();
  let added = 0;
  for (const vehicleId of await drones(from)) {
    const newest = await newestIn(to, vehicleId);
    const made = new Set<number>();
    await to.k.transaction().execute(async (trx) => {
      for await (const page of trackPages(from, vehicleId, newest, size)) {
        if (to.dialect === 'postgres') {
          for (const day of new Set(page.map((p) => dayOf(p.time as number)))) {
            if (partitions.has(day) || made.has(day)) continue;
            await makePartition(day).execute(trx);
            made.add(day);
          }
        }
        const per = rowsPerInsert(Object.keys(page[0]!).length);
        for (let i = 0; i < page.length; i += per) {
          await trx.insertInto('track_points').values(page.slice(i, i + per) as never).execute();
        }
        added += page.length;
      }
    });
    // Known to exist only once committed: a rolled-back transaction takes its partitions with it.
    for (const day of made) partitions.add(day);
  }
  const r = await from.k.selectFrom('track_points').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return { source: Number(r.n), added };
}

export interface TrackCheck {
  source: number;
  target: number;
  /** drones whose points the target does not hold as the source does */
  wrong: string[];
}

/** After the copy: per drone, the target holds as many points as the source over the source's time, and the same newest. */
export async function verifyTracks(from: Db, to: Db): Promise<TrackCheck> {
  const spans = await from.k.selectFrom('track_points')
    .select((eb) => ['vehicle_id', eb.fn.countAll().as('n'), eb.fn.min('time').as('lo'), eb.fn.max('time').as('hi')])
    .groupBy('vehicle_id').orderBy('vehicle_id').execute();
  const check: TrackCheck = { source: 0, target: 0, wrong: [] };
  for (const s of spans) {
    check.source += Number(s.n);
    const t = await to.k.selectFrom('track_points')
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.max('time').as('hi')])
      .where('vehicle_id', '=', s.vehicle_id).where('time', '>=', s.lo).where('time', '<=', s.hi)
      .executeTakeFirstOrThrow();
    if (Number(t.n) !== Number(s.n) || t.hi !== s.hi) check.wrong.push(`${s.vehicle_id}: ${Number(t.n)} points there, ${Number(s.n)} in the source`);
  }
  const all = await to.k.selectFrom('track_points').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  check.target = Number(all.n);
  return check;
}
