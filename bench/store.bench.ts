/**
 * The store on SQLite and on PostgreSQL, side by side in one run (issue 17):
 *  - writes: 300 drones' track points (a batch a second, as server/vehicles/track-recorder.ts writes
 *    them) and audit entries, as fast as the store takes them: CPU time per record and records a
 *    second, from the first record until all are in the database (PostgreSQL: journal drained);
 *  - the event loop: 300 drones' tracks written in real time, a batch a second: the CPU it costs
 *    (a fraction of a core) and how long it holds the loop;
 *  - a month of a city (300 drones, 100,000 incidents; bench/lib/store-city.ts): the history's,
 *    heat map's and incident log's queries, through the store's own methods.
 * Baselines: SQLite for PostgreSQL's figures; the same process idle for the event loop's.
 * PostgreSQL: this machine's (127.0.0.1:5432, database test), in a schema of its own, dropped after;
 * where it does not answer, SQLite alone is measured and the notes say so.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setImmediate as yieldLoop } from 'node:timers/promises';
import pg from 'pg';
import { dropSchema } from '../server/store/connection.ts';
import { openStore, type Store } from '../server/store/index.ts';
import type { RunRow } from '../server/store/runs.ts';
import type { TrackPoint } from '../server/wire/types.ts';
import { startBackendCpu } from './lib/postgres-cpu.ts';
import { figure, median, quantile, type Bench, type Figure } from './lib/report.ts';
import { CATEGORIES, type City, denseNights, fillCity, MONTH_START, OUTCOMES, officerName, RUN_MS, runStart, vehicleId } from './lib/store-city.ts';

const DRONES = 300;
const DAY = 24 * 3600_000;
const QUERY_AIM_MS = 200;
const CPU_AIM = 0.1;
const POSTGRES_URL = process.env.SKYBEAT_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';

type Name = 'SQLite' | 'PostgreSQL';
interface Backend {
  name: Name;
  store: Store;
  url: string;
  dir: string;
}

async function postgresAnswers(): Promise<string | null> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await client.end().catch(() => {});
  }
}

const SEEN = Array.from({ length: DRONES }, (_, i) => ({
  id: vehicleId(i + 1),
  sysid: 1,
  linkUri: `udp://0.0.0.0:${14551 + i}`,
  autopilot: 'ardupilot',
  type: 'quadrotor',
}));

/** The fleet's points of second `s`, as the recorder takes them from the vehicles' state (full-precision numbers, as telemetry gives). */
function fleetSecond(s: number, time: number): TrackPoint[] {
  return SEEN.map((v, i) => ({
    vehicleId: v.id,
    time,
    lat: 22.45 + (i % 20) * 0.01 + Math.sin((s + i) / 60) * 0.004 + i * 1.37e-7,
    lon: 113.95 + Math.floor(i / 20) * 0.012 + Math.cos((s + i) / 60) * 0.004 + i * 2.11e-7,
    altMsl: 92.5 + Math.sin(s / 7) * 0.83,
    altRel: 80.1 + Math.sin(s / 7) * 0.83,
    heading: ((s * 3 + i) % 360) + 0.25,
    speed: 8.5 + Math.cos(s / 5) * 0.61,
    battery: 100 - s * 0.011,
    mode: 'AUTO',
    armed: true,
  }));
}

/** The process's CPU time (user + system) since `since`, in ms. */
const cpuSince = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};

/** A failing journal resolves drained() at once: a figure taken then would be false. */
function checkJournal(b: Backend): void {
  const s = b.store.journal.state();
  if (s.pending || s.failingSince !== null || s.dropped) throw new Error(`${b.name}: journal not applied (${JSON.stringify(s)})`);
}

interface WriteResult {
  records: number;
  wallMs: number;
  cpuMs: number;
  /** PostgreSQL's backends (NaN on SQLite: its work is in cpuMs) */
  serverCpuMs: number;
}

/** Records written as fast as the store takes them, the loop let go after each (so the journal applies alongside). */
async function writeAll(b: Backend, records: number, write: (i: number) => number): Promise<WriteResult> {
  const server = b.store.db.dialect === 'postgres' ? await startBackendCpu(b.store.db) : undefined;
  globalThis.gc?.();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let written = 0;
  for (let i = 0; written < records; i++) {
    written += write(i);
    await yieldLoop();
  }
  await b.store.journal.drained();
  const wallMs = performance.now() - t0;
  const cpuMs = cpuSince(c0);
  checkJournal(b);
  return { records: written, wallMs, cpuMs, serverCpuMs: server ? server.stop() : NaN };
}

async function writeTracks(b: Backend, seconds: number): Promise<WriteResult> {
  const start = Date.now() - seconds * 1000;
  const batches = Array.from({ length: seconds }, (_, s) => fleetSecond(s, start + s * 1000));
  return writeAll(b, seconds * DRONES, (s) => {
    b.store.tracks.record(batches[s]!, SEEN, start + s * 1000);
    return DRONES;
  });
}

async function writeAudit(b: Backend, entries: number): Promise<WriteResult> {
  return writeAll(b, entries, (i) => {
    b.store.audit.record({
      user: `pilot${i % 20 + 1}`,
      action: 'vehicle.command',
      target: vehicleId(i % DRONES + 1),
      result: 'ok',
      detail: { command: 'pause', verified: true },
      ip: `10.0.${i % 4}.${i % 250 + 1}`,
    });
    return 1;
  });
}

interface LoopResult {
  /** CPU used over the period, as a fraction of one core */
  core: number;
  p99Ms: number;
  maxMs: number;
  /** how long each record() call held the loop (its synchronous part: SQLite's transaction, or the journal's append and sync), ms */
  recordMs: number[];
  serverCore: number;
}

/** `seconds` of 300 drones' tracks in real time (a batch a second, as the service writes them), or of the idle process. */
async function realTime(b: Backend | null, seconds: number): Promise<LoopResult> {
  const server = b?.store.db.dialect === 'postgres' ? await startBackendCpu(b.store.db) : undefined;
  const h = monitorEventLoopDelay({ resolution: 1 });
  globalThis.gc?.();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  h.enable();
  const recordMs: number[] = [];
  await new Promise<void>((resolve) => {
    let s = 0;
    const timer = setInterval(() => {
      const now = Date.now();
      const points = fleetSecond(s, now);
      const r0 = performance.now();
      b?.store.tracks.record(points, SEEN, now);
      recordMs.push(performance.now() - r0);
      if (++s >= seconds) {
        clearInterval(timer);
        resolve();
      }
    }, 1000);
  });
  if (b) await b.store.journal.drained();
  h.disable();
  const wallMs = performance.now() - t0;
  const core = cpuSince(c0) / wallMs;
  if (b) checkJournal(b);
  return { core, p99Ms: h.percentile(99) / 1e6, maxMs: h.max / 1e6, recordMs, serverCore: server ? server.stop() / wallMs : NaN };
}

interface QueryResult {
  coldMs: number;
  ms: number[];
  /** what one answer held (rows), for the notes */
  rows: number;
}

/** A query of the service, timed `reps` times after a first (cold) run; `ask(i)` varies what it asks. */
async function timeQuery(reps: number, ask: (i: number) => Promise<number>): Promise<QueryResult> {
  const once = async (i: number) => {
    const t0 = performance.now();
    const rows = await ask(i);
    if (rows === 0) throw new Error('a city query found nothing: the fill and the query disagree');
    return { ms: performance.now() - t0, rows };
  };
  const cold = await once(0);
  const ms: number[] = [];
  for (let i = 1; i <= reps; i++) ms.push((await once(i)).ms);
  return { coldMs: cold.ms, ms, rows: cold.rows };
}

/** The queries the service makes on a city's month (each through the store method its API calls). */
function cityQueries(store: Store, c: City) {
  const dense = denseNights(c);
  const weekDays = Math.min(7, c.nights);
  /** the history's default period, a week (web/src/history/history-panel.tsx), ending on a different day each time */
  const week = (i: number) => {
    const end = MONTH_START + (weekDays + (i * 3) % (c.nights - weekDays + 1)) * DAY;
    return { from: end - weekDays * DAY, to: end - 1 };
  };
  const month = { from: MONTH_START, to: MONTH_START + (c.nights + 1) * DAY };
  /** one 2-hour run of a drone-night written whole */
  const run = (i: number) => {
    const d = dense[i % dense.length]!;
    const from = runStart(d.night, i % 4);
    return { vehicle: vehicleId(d.drone), from, to: from + RUN_MS - 300_000 };
  };
  const span = (r: RunRow) => ({ id: r.id, vehicleId: r.vehicleId, from: r.startedAt, to: r.endedAt! });
  return {
    // GET /api/runs/:id/track (and a goto's): the run's points, one a second.
    'track of one 2-hour run': async (i: number) => {
      const r = run(i);
      return (await store.tracks.track(r.vehicle, r.from, r.to)).length;
    },
    // The heat map: the log's selection for the period as positions only (GET /api/alerts/heat?from&to&limit=10000).
    'heat map: a week of incidents': async (i: number) => (await store.groundAlerts.heat({ ...week(i), limit: 10_000 })).length,
    'incident log: a month, by category and outcome': async (i: number) =>
      (await store.groundAlerts.log({ ...month, category: CATEGORIES[i % CATEGORIES.length], outcome: OUTCOMES[i % OUTCOMES.length], limit: 10_000 }))
        .length,
    'incident log: a month, by officer': async (i: number) =>
      (await store.groundAlerts.log({ ...month, officer: officerName((i * 37) % 200 + 1), limit: 10_000 })).length,
    // GET /api/runs?from&to&limit=500 as server/http/patrols-api.ts builds it: the list, the events of
    // all its runs (patrols.views), and the track's figures of the ended runs whose record lacks them
    // (none here: every run of the city has its figures).
    'history: a week of runs (500)': async (i: number) => {
      const rows = await store.runs.list({ ...week(i), limit: 500 });
      const lacking = rows.filter((r) => r.endedAt !== null && (r.minBattery === null || !((r.maxAltM ?? 0) > 0)));
      await Promise.all([store.runs.eventsOf(rows.map((r) => r.id)), store.runs.trackFigures(lacking.map(span))]);
      return rows.length;
    },
    // The same list's worst case: no run's record has its figures (runs from before SkyBeat kept them), all 500 read from the track.
    'history: a week of runs (500), figures from the track': async (i: number) => {
      const rows = await store.runs.list({ ...week(i), limit: 500 });
      await Promise.all([store.runs.eventsOf(rows.map((r) => r.id)), store.runs.trackFigures(rows.map(span))]);
      return rows.length;
    },
    // A replay's incidents (GET /api/alerts?from&to: a day before the run to its end).
    "replay: a run's incidents": async (i: number) => {
      const r = run(i);
      return (await store.groundAlerts.history({ from: r.from - DAY, to: r.to, limit: 10_000 })).length;
    },
  };
}

async function open(name: Name, root: string): Promise<Backend> {
  const dir = fs.mkdtempSync(path.join(root, `${name.toLowerCase()}-`));
  const url = name === 'SQLite' ? `sqlite:${path.join(dir, 'skybeat.db')}` : (() => {
    const u = new URL(POSTGRES_URL);
    u.searchParams.set('schema', `bench_store_${crypto.randomBytes(5).toString('hex')}`);
    return u.toString();
  })();
  return { name, store: await openStore(dir, url), url, dir };
}

/** Fill, with SQLite's page cache large for the fill only (the queries then run with the service's own setting). */
async function fill(b: Backend, c: City, log: (line: string) => void): Promise<Record<string, number>> {
  const file = b.store.db.sqlite;
  const cache = file?.pragma('cache_size', { simple: true });
  file?.pragma('cache_size = -1000000');
  try {
    return await fillCity(b.store.db, c, log);
  } finally {
    if (file) {
      file.pragma(`cache_size = ${cache}`);
      // As the service's file would be after a month: its WAL checkpointed into the database.
      file.pragma('wal_checkpoint(TRUNCATE)');
    }
  }
}

const us = (r: WriteResult) => (r.cpuMs * 1000) / r.records;
const perS = (r: WriteResult) => r.records / (r.wallMs / 1000);

const bench: Bench = async ({ quick, log }) => {
  const city: City = quick
    ? { drones: DRONES, nights: 3, stepS: 60, incidents: 10_000, dense: 3 }
    : { drones: DRONES, nights: 30, stepS: 60, incidents: 100_000, dense: 12 };
  const trackSeconds = quick ? 60 : 300;
  const auditEntries = quick ? 1000 : 5000;
  const loopSeconds = quick ? 5 : 20;
  const reps = quick ? 5 : 20;

  const load0 = os.loadavg()[0]!;
  const pgRefused = await postgresAnswers();
  const names: Name[] = pgRefused ? ['SQLite'] : ['SQLite', 'PostgreSQL'];
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-bench-store-'));
  const backends: Backend[] = [];
  try {
    for (const n of names) backends.push(await open(n, root));

    // A month of a city, then its queries.
    const counts: Record<string, Record<string, number>> = {};
    for (const b of backends) {
      log(`store: filling ${b.name} with ${city.nights} nights of ${city.drones} drones and ${city.incidents} incidents`);
      counts[b.name] = await fill(b, city, log);
    }
    const queries: Record<string, Record<string, QueryResult>> = {};
    for (const b of backends) {
      queries[b.name] = {};
      for (const [what, ask] of Object.entries(cityQueries(b.store, city))) {
        queries[b.name]![what] = await timeQuery(reps, ask);
        log(`store: ${b.name} ${what}: median ${median(queries[b.name]![what]!.ms).toFixed(1)} ms`);
      }
    }

    // Writes as fast as the store takes them, on top of the month.
    const tracks: Record<string, WriteResult> = {};
    const audit: Record<string, WriteResult> = {};
    for (const b of backends) {
      tracks[b.name] = await writeTracks(b, trackSeconds);
      audit[b.name] = await writeAudit(b, auditEntries);
      log(`store: ${b.name} ${perS(tracks[b.name]!).toFixed(0)} points/s, ${perS(audit[b.name]!).toFixed(0)} audit entries/s`);
    }

    // The event loop: idle, then each store recording the fleet in real time.
    const idle = await realTime(null, loopSeconds);
    const loop: Record<string, LoopResult> = {};
    for (const b of backends) {
      loop[b.name] = await realTime(b, loopSeconds);
      log(`store: ${b.name} real time: ${(loop[b.name]!.core * 100).toFixed(2)} % of a core`);
    }

    const figures: Figure[] = [];
    const sqliteAs = (v: Record<string, number>, n: Name) => (n === 'PostgreSQL' ? { name: 'SQLite', value: v.SQLite! } : undefined);
    const within2x = (v: Record<string, number>, n: Name) =>
      n === 'PostgreSQL' ? { text: '≤ 2× SQLite per record', met: v.PostgreSQL! <= 2 * v.SQLite! } : undefined;
    const by = <T>(m: Record<string, T>, f: (t: T) => number) => Object.fromEntries(Object.entries(m).map(([k, t]) => [k, f(t)]));
    const trackUs = by(tracks, us);
    const auditUs = by(audit, us);
    for (const n of names) {
      figures.push(figure(`${n}: track point, service CPU per point`, 'µs', trackUs[n]!, sqliteAs(trackUs, n), within2x(trackUs, n)));
      figures.push(figure(`${n}: track points written per second`, '/s', perS(tracks[n]!), sqliteAs(by(tracks, perS), n), {
        text: `≥ ${DRONES}/s (${DRONES} drones)`,
        met: perS(tracks[n]!) >= DRONES,
      }));
      figures.push(figure(`${n}: audit entry, service CPU per entry`, 'µs', auditUs[n]!, sqliteAs(auditUs, n), within2x(auditUs, n)));
      figures.push(figure(`${n}: audit entries written per second`, '/s', perS(audit[n]!), sqliteAs(by(audit, perS), n)));
      if (n === 'PostgreSQL') {
        figures.push(figure(`${n}: track point, its server's CPU per point`, 'µs', (tracks[n]!.serverCpuMs * 1000) / tracks[n]!.records));
      }
    }
    for (const n of names) {
      const l = loop[n]!;
      figures.push(
        figure(`${n}: ${DRONES} drones' tracks in real time, CPU`, '% of a core', l.core * 100, { name: 'idle', value: idle.core * 100 }, {
          text: `< ${CPU_AIM * 100} % of a core`,
          met: l.core < CPU_AIM,
        }),
      );
      figures.push(figure(`${n}: event-loop delay p99 while recording`, 'ms', l.p99Ms, { name: 'idle', value: idle.p99Ms }));
      figures.push(figure(`${n}: event-loop delay max while recording`, 'ms', l.maxMs, { name: 'idle', value: idle.maxMs }));
    }
    for (const what of Object.keys(queries.SQLite!)) {
      for (const [stat, q] of [['median', 0.5], ['p95', 0.95]] as const) {
        const v = by(queries, (r) => quantile(r[what]!.ms, q));
        for (const n of names) {
          figures.push(figure(`${n}: ${what}, ${stat}`, 'ms', v[n]!, sqliteAs(v, n), { text: `≤ ${QUERY_AIM_MS} ms`, met: v[n]! <= QUERY_AIM_MS }));
        }
      }
    }

    const rowsOf = (what: string) => queries.SQLite![what]!.rows;
    const c = counts.SQLite!;
    return {
      name: 'store',
      title: 'The store: SQLite and PostgreSQL side by side — writes, the event loop, a month of a city',
      figures,
      notes: [
        ...(pgRefused ? [`PostgreSQL NOT measured: it does not answer at ${POSTGRES_URL} (${pgRefused}); SQLite alone.`] : []),
        `writes: ${trackSeconds} s of ${DRONES} drones' track points (a batch a second with the ${DRONES} vehicles seen, as track-recorder.ts writes them), then ${auditEntries} audit entries, each as fast as the store takes it, the loop let go after each; per record: the process's CPU (user + system) from the first record until all are in the database (PostgreSQL: the journal drained), into the filled store.`,
        "service CPU is SkyBeat's process only: on SQLite that includes the database's work, on PostgreSQL the server's own is the row 'its server's CPU' (its backends for this store, from /proc; not its WAL writer or checkpointer).",
        `event loop: ${loopSeconds} s of real time (a batch a second) for each store and for the idle process (the baseline: mostly the 1 ms delay monitor itself, running in every phase); delay from perf_hooks.monitorEventLoopDelay at 1 ms resolution; each second's record() call held the loop ${
          names.map((n) => `${n} ${median(loop[n]!.recordMs).toFixed(1)} ms (longest ${Math.max(...loop[n]!.recordMs).toFixed(1)})`).join(', ')
        }${loop.PostgreSQL ? `; PostgreSQL's server spent ${(loop.PostgreSQL.serverCore * 100).toFixed(2)} % of a core on it` : ''}.`,
        `machine: ${os.cpus().length} cores, load average ${load0.toFixed(1)} at the start and ${
          os.loadavg()[0]!.toFixed(1)
        } at the end (other work on the same cores moves the p95s and maxima most).`,
        `city: ${city.nights} nights of ${city.drones} drones flying 18:00–02:00 UTC (four 2-hour runs each a night: ${c.patrol_runs} runs, ${c.patrol_events} run events), ${c.alerts} incidents with ${c.alert_events} events (8 each); track points thinned to one every ${city.stepS} s except ${city.dense} drone-nights kept at one a second (the runs replayed): ${c.track_points} points (a real month at one a second: ${
          (city.drones * city.nights * 8 * 3600 / 1e6).toFixed(0)
        } M). PostgreSQL: a partition a UTC day; VACUUM ANALYZE after the fill, SQLite ANALYZE.`,
        `queries: through the store's methods, each ${reps} times after a first run (not counted: it reads cold pages), parameters varied (drone-night, week, category and outcome, officer); answers held: track ${
          rowsOf('track of one 2-hour run')
        } points, heat map ${rowsOf('heat map: a week of incidents')} positions (the log's limit is 10,000), by category and outcome ${
          rowsOf('incident log: a month, by category and outcome')
        }, by officer ${rowsOf('incident log: a month, by officer')}, runs ${rowsOf('history: a week of runs (500)')}, replay ${
          rowsOf("replay: a run's incidents")
        } incidents.`,
        ...(quick ? ['--quick: a 3-night city, 10,000 incidents and short phases: not the city-scale figures.'] : []),
      ],
      detail: { city, counts, tracks, audit, idle, loop, queries },
    };
  } finally {
    for (const b of backends) {
      await b.store.close().catch((e: unknown) => log(`store: closing ${b.name}: ${(e as Error).message}`));
      if (b.name === 'PostgreSQL') await dropSchema(b.url).catch((e: unknown) => log(`store: dropping ${b.url}: ${(e as Error).message}`));
    }
    fs.rmSync(root, { recursive: true, force: true });
  }
};

export default bench;
