/**
 * A month of a city in a fresh store, written by the database itself (bench/store.bench.ts): the
 * real rows are too many to send (300 drones × 8 h × 30 nights at one point a second is 259 M track
 * points), so each table is filled by one INSERT … SELECT over number series (PostgreSQL:
 * generate_series; SQLite: a recursive CTE), the same rows on both. Thinned where the queries do not
 * look (track points of the drone-nights no query reads: one every `stepS` seconds), whole where
 * they do (the drone-nights whose runs are replayed: one a second).
 */
import { sql } from 'kysely';
import type { Db } from '../../server/store/connection.ts';
import { makePartition } from '../../server/store/tracks.ts';

export interface City {
  drones: number;
  nights: number;
  /** track points of the thinned drone-nights: one every stepS seconds */
  stepS: number;
  incidents: number;
  /** drone-nights kept at one point a second (drone k on night 2k mod nights, k = 1..dense) */
  dense: number;
}

const DAY = 24 * 3600_000;
const HOUR = 3600_000;
/** the month: March 2026, UTC; each night flies from 18:00 to 02:00 UTC (so a run crosses midnight: two partitions) */
export const MONTH_START = Date.UTC(2026, 2, 1);
const FLY_FROM = 18 * HOUR;
const FLY_HOURS = 8;
/** each drone flies four 2-hour runs a night */
export const RUN_MS = 2 * HOUR;
const RUNS_A_NIGHT = FLY_HOURS * HOUR / RUN_MS;
const OFFICERS = 200;
export const CATEGORIES = ['fight', 'gambling', 'theft', 'traffic', 'missing_person', 'fire', 'other'];
export const OUTCOMES = ['handled', 'warned', 'handed_over', 'unfounded', 'other'];

export const vehicleId = (n: number) => `udp-${14550 + n}-1`;
export const officerName = (n: number) => `officer${n}`;
/** when drone `drone`'s run `k` (0..3) of night `night` starts */
export const runStart = (night: number, k: number) => MONTH_START + night * DAY + FLY_FROM + k * RUN_MS;
/** the drone-nights written whole, whose runs are the ones replayed */
export const denseNights = (c: City) => Array.from({ length: c.dense }, (_, i) => ({ drone: i + 1, night: (2 * (i + 1)) % c.nights }));

/** A number series as a CTE: `name(i)` from `a` to `b`; bigint on PostgreSQL, where int4 arithmetic would overflow. */
function series(db: Db, name: string, a: number, b: number): string {
  return db.dialect === 'postgres'
    ? `${name}(i) AS (SELECT generate_series(${a}::bigint, ${b}::bigint))`
    : `${name}(i) AS (SELECT ${a} UNION ALL SELECT i + 1 FROM ${name} WHERE i < ${b})`;
}

async function run(db: Db, text: string): Promise<void> {
  await sql.raw(text).execute(db.k);
}

/** A route as flown (its JSON as the runs keep it: the history lists carry it): 20 waypoints, a fence, a home. */
function routeJson(): string {
  const items = Array.from({ length: 20 }, (_, i) => ({
    command: 16,
    frame: 3,
    lat: 22.54 + i * 0.0007,
    lon: 114.05 + (i % 5) * 0.0009,
    alt: 60,
    params: [0, 2, 0, 0],
  }));
  return JSON.stringify({
    id: 'riverside',
    meta: { nameZh: '河滨', nameEn: 'Riverside', station: 'central', defaultDrone: '', schedule: '20:00', notes: '' },
    vehicleType: 2,
    plannedHome: { lat: 22.54, lon: 114.05, alt: 12 },
    items,
    fence: {
      polygons: [[{ lat: 22.53, lon: 114.04 }, { lat: 22.56, lon: 114.04 }, { lat: 22.56, lon: 114.07 }, { lat: 22.53, lon: 114.07 }]],
      circles: [],
      returnPoint: null,
    },
    rally: [],
    plan: null,
    source: { kind: 'plan', file: 'riverside.plan' },
  });
}

/** Fill the store; returns the rows written per table. */
export async function fillCity(db: Db, c: City, log: (line: string) => void): Promise<Record<string, number>> {
  const pg = db.dialect === 'postgres';
  // One partition a UTC day, made as the service makes them; the last night ends the next day.
  if (pg) { for (let d = 0; d <= c.nights; d++) await makePartition(MONTH_START + d * DAY).execute(db.k); }
  const dense = denseNights(c);
  const isDense = dense.length ? `(${dense.map((x) => `(v.i = ${x.drone} AND n.i = ${x.night})`).join(' OR ')})` : '(1 = 0)';
  const flyS = FLY_HOURS * 3600;
  const t0 = performance.now();
  await run(
    db,
    `WITH RECURSIVE ${series(db, 'v', 1, c.drones)} INSERT INTO vehicles (id, sysid, link_uri, autopilot, type, first_seen, last_seen)
     SELECT 'udp-' || (14550 + v.i) || '-1', 1, 'udp://0.0.0.0:' || (14550 + v.i), 'ardupilot', 'quadrotor', ${MONTH_START}, ${
      MONTH_START + c.nights * DAY
    } FROM v`,
  );
  // A point: the drone circles its own patch (a triangle wave, the same arithmetic on both databases).
  const point = (stepS: number, where: string) =>
    `WITH RECURSIVE ${series(db, 'v', 1, c.drones)}, ${series(db, 'n', 0, c.nights - 1)}, ${series(db, 's', 0, flyS / stepS - 1)}
     INSERT INTO track_points (vehicle_id, time, lat, lon, alt_msl, alt_rel, heading, speed, battery, mode, armed)
     SELECT 'udp-' || (14550 + v.i) || '-1', ${MONTH_START + FLY_FROM} + n.i * ${DAY} + s.i * ${stepS * 1000},
       22.45 + (v.i % 20) * 0.01 + abs((s.i * ${stepS} % 600) - 300) * 0.00002,
       113.95 + (v.i / 20) * 0.012 + abs(((s.i * ${stepS} + 150) % 600) - 300) * 0.00002,
       92.5, 80.0, (s.i * ${stepS} * 3) % 360, 8.5, 100 - (s.i * ${stepS} % 7200) * 0.01, 'AUTO', 1
     FROM v, n, s WHERE ${where}`;
  await run(db, point(c.stepS, `NOT ${isDense}`));
  if (dense.length) await run(db, point(1, isDense));
  log(`  ${db.dialect}: track points in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const t1 = performance.now();
  const route = routeJson().replaceAll("'", "''");
  await run(
    db,
    `WITH RECURSIVE ${series(db, 'v', 1, c.drones)}, ${series(db, 'n', 0, c.nights - 1)}, ${series(db, 'k', 0, RUNS_A_NIGHT - 1)}
     INSERT INTO patrol_runs (vehicle_id, route_id, route_json, pilot, state, started_at, ended_at, distance_m, max_alt_m, min_battery, result, outcome)
     SELECT 'udp-' || (14550 + v.i) || '-1', 'riverside', '${route}', 'pilot' || (v.i % 20 + 1), 'landed',
       ${MONTH_START + FLY_FROM} + n.i * ${DAY} + k.i * ${RUN_MS}, ${MONTH_START + FLY_FROM - 300_000} + n.i * ${DAY} + (k.i + 1) * ${RUN_MS},
       42000.0, 80.0, 28.0, 'landed at home', '{"kind":"completed","waypoints":20}'
     FROM n, k, v`,
  );
  // A run's story: preflight (its checks), upload, armed, then its state changes and one command.
  const events: [string, number, string][] = [
    ['preflight', 0, '{"message":"preflight passed","detail":[{"check":"gps","ok":true},{"check":"battery","ok":true},{"check":"fence","ok":true}]}'],
    ['upload', 20, '{"message":"mission uploaded: 20 items"}'],
    ['armed', 40, '{"message":"armed"}'],
    ['state', 45, '{"message":"taking off","said":{"code":"state_takeoff","params":{}}}'],
    ['state', 90, '{"message":"flying the route","said":{"code":"state_flying","params":{}}}'],
    ['command', 3600, '{"message":"pause","detail":{"by":"pilot3"}}'],
    ['state', 3660, '{"message":"flying the route","said":{"code":"state_flying","params":{}}}'],
    ['state', 6600, '{"message":"returning","said":{"code":"state_returning","params":{}}}'],
    ['state', 6900, '{"message":"landed","said":{"code":"state_landed","params":{}}}'],
  ];
  for (const [kind, atS, detail] of events) {
    await run(db, `INSERT INTO patrol_events (run_id, time, kind, detail) SELECT id, started_at + ${atS * 1000}, '${kind}', '${detail}' FROM patrol_runs`);
  }
  log(`  ${db.dialect}: runs in ${((performance.now() - t1) / 1000).toFixed(1)} s`);

  const t2 = performance.now();
  // Incidents spread over the month, evenly; each taken by an officer, resolved with an outcome, closed.
  const spacing = Math.floor(c.nights * DAY / c.incidents);
  const at = (plusS: number) => `created_at + ${plusS * 1000}`;
  const cat = `CASE a.i % 7 ${CATEGORIES.map((x, i) => `WHEN ${i} THEN '${x}'`).join(' ')} END`;
  const out = `CASE a.i % 5 ${OUTCOMES.map((x, i) => `WHEN ${i} THEN '${x}'`).join(' ')} END`;
  await run(
    db,
    `WITH RECURSIVE ${series(db, 'a', 1, c.incidents)}
     INSERT INTO alerts (kind, category, severity, priority, lat, lon, vehicle_id, note, state, created_by, created_at, updated_at, closed_at,
       incident_no, outcome, outcome_note, outcome_by, outcome_at)
     SELECT 'ground', ${cat}, 'info', a.i % 3 + 1, 22.45 + (a.i * 7919 % 10007) * 0.00002, 113.95 + (a.i * 104729 % 10009) * 0.000024,
       NULL, 'caller reports a disturbance near the market', 'closed', 'room' || (a.i % 4 + 1),
       ${MONTH_START} + a.i * ${spacing}, ${MONTH_START} + a.i * ${spacing} + 2400000, ${MONTH_START} + a.i * ${spacing} + 2400000,
       'CT-' || a.i, ${out}, 'spoken to, left', 'officer' || (a.i % ${OFFICERS} + 1), ${MONTH_START} + a.i * ${spacing} + 2100000
     FROM a`,
  );
  const officer = `'officer' || (a.id % ${OFFICERS} + 1)`;
  const alertEvents: [string, string, number, string][] = [
    ['created', `a.created_by`, 0, `'{"category":"' || a.category || '"}'`],
    ['notified', officer, 5, `'{"distanceM":' || (a.id % 2000 + 100) || '}'`],
    ['delivered', officer, 6, 'NULL'],
    ['accept', officer, 40, 'NULL'],
    ['en_route', officer, 60, 'NULL'],
    ['on_scene', officer, 600, `'{"at":{"lat":' || a.lat || ',"lon":' || a.lon || '}}'`],
    ['resolved', officer, 2100, `'{"outcome":"' || a.outcome || '","note":"spoken to, left"}'`],
    ['closed', `a.created_by`, 2400, 'NULL'],
  ];
  for (const [kind, user, atS, detail] of alertEvents) {
    await run(db, `INSERT INTO alert_events (alert_id, time, "user", kind, detail) SELECT a.id, ${at(atS)}, ${user}, '${kind}', ${detail} FROM alerts a`);
  }
  log(`  ${db.dialect}: incidents in ${((performance.now() - t2) / 1000).toFixed(1)} s`);

  const t3 = performance.now();
  // The planner's figures, as a month-old database has them (PostgreSQL: and its visibility map, after the autovacuum).
  if (pg) await run(db, 'VACUUM (ANALYZE) vehicles, track_points, patrol_runs, patrol_events, alerts, alert_events');
  else await run(db, 'ANALYZE');
  log(`  ${db.dialect}: ${pg ? 'VACUUM ANALYZE' : 'ANALYZE'} in ${((performance.now() - t3) / 1000).toFixed(1)} s`);

  const counts: Record<string, number> = {};
  for (const t of ['track_points', 'patrol_runs', 'patrol_events', 'alerts', 'alert_events']) {
    counts[t] = Number((await sql.raw<{ n: number }>(`SELECT count(*) AS n FROM ${t}`).execute(db.k)).rows[0]!.n);
  }
  return counts;
}
