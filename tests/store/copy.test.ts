import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { type Db, dropSchema } from '../../server/store/connection.ts';
import { copyStore } from '../../server/store/copy.ts';
import { verifyTable } from '../../server/store/copy-rows.ts';
import { verifyTracks } from '../../server/store/copy-tracks.ts';
import { openCopyEnds } from '../../server/store/copy-open.ts';
import { TABLE_ORDER, TABLES, type TableName } from '../../server/store/copy-tables.ts';
import { openStore, type Store } from '../../server/store/index.ts';
import type { TrackPoint } from '../../server/wire/types.ts';
import { POSTGRES_URL, postgresAnswers, postgresSchemaUrl } from '../helpers/backends.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { REPO } from '../helpers/shared.ts';

const cleanup = cleanupAfterEach();
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-copy-'));
/** 2026-12-01 23:59:58 UTC: a drone's points run across midnight, into a second day's partition. */
const T0 = Date.UTC(2026, 11, 1, 23, 59, 58);
const PREFIX = () => 'HF-20261201-';

/** A PostgreSQL schema of its own, dropped after the test. */
function schemaUrl(): string {
  const url = postgresSchemaUrl();
  cleanup.push(() => dropSchema(url));
  return url;
}

async function open(dataDir: string, url?: string): Promise<Store> {
  const store = await openStore(dataDir, url);
  cleanup.push(() => store.close());
  return store;
}

async function ends(from: string, to: string): Promise<{ from: Db; to: Db }> {
  const e = await openCopyEnds(from, to);
  cleanup.push(() => e.to.close(), () => e.from.close());
  return e;
}

const point = (vehicleId: string, time: number, lat: number): TrackPoint => ({
  vehicleId,
  time,
  lat,
  lon: 121.38,
  altMsl: 40.5,
  altRel: 30.25,
  heading: 90,
  speed: 5.5,
  battery: 80,
  mode: 'AUTO',
  armed: true,
});
const seen = (id: string) => ({ id, sysid: Number(id.slice(-1)), linkUri: 'udpin://0.0.0.0:14550', autopilot: 'ardupilotmega', type: 'quadrotor' });

/** A station's history in every table, written through the store's own methods. */
async function fill(store: Store): Promise<void> {
  const pilot = await store.users.add('li.wei', 'hash-1', ['pilot'], '李伟');
  await store.users.add('zhang.min', 'hash-2', ['command', 'pilot']);
  await store.users.createSession(pilot.id, 3600_000, '10.0.0.7');
  for (let i = 0; i < 7; i++) store.audit.record({ user: 'li.wei', action: 'vehicle.command', target: 'l1-1', result: 'ok', detail: { i } });
  // Seven points for one drone (two at the same time, where a page of 3 ends: the next must not begin after both), three for another.
  const times = [0, 1000, 2000, 2000, 3000, 4000, 5000];
  store.tracks.record(times.map((t, i) => point('l1-1', T0 + t, 28.37 + i / 1e4)), [seen('l1-1'), seen('l1-2')], T0);
  store.tracks.record([0, 1000, 2000].map((t) => point('l1-2', T0 + t, 28.36)), [], T0 + 2000);
  const run = await store.runs.create({ vehicleId: 'l1-1', routeId: 'riverside', routeJson: '{"items":[]}', pilot: 'li.wei', state: 'flying', startedAt: T0 });
  await store.runs.event(run, { time: T0 + 1000, kind: 'launched', message: 'launched', detail: { item: 1 } });
  await store.runs.update(run, { state: 'landed', endedAt: T0 + 5000, distanceM: 812.5, maxAltM: 30.25, minBattery: 79, result: 'completed' });
  await store.alerts.raiseAircraft({ vehicleId: 'l1-1', rule: 'battery_low', severity: 'caution', message: 'battery low: 25%', at: T0 });
  const incident = await store.groundAlerts.create(
    { category: 'theft', priority: 2, lat: 28.371, lon: 121.381, note: '仓库 break-in', vehicleId: null, createdBy: 'zhang.min' },
    PREFIX,
  );
  await store.groundAlerts.record(incident.id, 'zhang.min', 'dispatched', { officers: ['wang'] }, 'dispatched');
  await store.control.take({ vehicleId: 'l1-1', pilot: 'li.wei', since: T0 });
  const goto = await store.gotos.create({
    vehicleId: 'l1-1',
    pilot: 'li.wei',
    alertId: incident.id,
    target: { lat: 28.371, lon: 121.381 },
    altM: 30,
    holdMin: 5,
    hold: 'orbit',
    state: 'transit',
    checks: [{ id: 'battery', pass: true, value: '80%', overridable: false }],
    startedAt: T0 + 2000,
    leftPatrol: { runId: run, item: 2, lat: 28.37, lon: 121.38, at: T0 + 2000 },
  });
  await store.gotos.event(goto, { at: T0 + 2000, kind: 'transit', message: 'on its way', said: { code: 'alert_battery_low', params: { percent: 25 } } });
  await store.droneRequests.create({
    alertId: incident.id,
    target: { lat: 28.371, lon: 121.381 },
    requestedBy: 'zhang.min',
    at: T0 + 1500,
    note: 'look from above',
  });
  await store.snapshots.add({
    vehicleId: 'l1-1',
    takenAt: T0 + 3000,
    takenBy: 'li.wei',
    lat: 28.371,
    lon: 121.381,
    altM: 30,
    headingDeg: 180,
    alertId: incident.id,
    width: 2,
    height: 2,
    mime: 'image/jpeg',
    image: Buffer.from([0xff, 0xd8, 0x00, 0x01, 0xff, 0xd9]),
  }, T0 + 3100);
  await store.videoSources.put({ drone: 'l1-1', uri: 'rtsp://cam:secret@10.0.0.9/live', setBy: 'admin', setAt: T0 });
  const segment = await store.recordings.opened({
    vehicleId: 'l1-1',
    file: 'l1-1/20261201T235958.mp4',
    startedAt: T0,
    codec: 'h264',
    mime: 'video/mp4',
    width: 1280,
    height: 720,
  });
  await store.recordings.closed(segment, T0 + 5000, 123_456);
  await store.db.k.insertInto('journal_applied').values({ key: 'tracks:1', at: T0 }).execute();
  await store.db.k.insertInto('cluster_leases').values({ name: 'link:l1', holder: 'node-a', epoch: 3, expires_at: T0 + 8000 }).execute();
  const command = { id: '6f1c2b9e-4d3a-4e6b-9a7c-2f8e1d0c5b4a', node: 'node-a', state: 'done', result: '{"status":200}', at: T0 } as const;
  await store.db.k.insertInto('cluster_commands').values(command).execute();
  const station = { node: 'node-a', station: '{"id":"hf","lat":28.37,"lon":121.38,"radiusKm":3}', links: '["hf1"]', said_at: T0 };
  await store.db.k.insertInto('cluster_stations').values(station).execute();
}

/** Every row of every table, in key order (track points by drone, time and place). */
async function dump(db: Db): Promise<Record<string, unknown[]>> {
  const all: Record<string, unknown[]> = {};
  for (const table of TABLE_ORDER) {
    const order = TABLES[table]?.key ?? ['vehicle_id', 'time', 'lat'];
    let q = db.k.selectFrom(table as 'users').selectAll();
    for (const c of order) q = q.orderBy(c as 'id');
    all[table] = await q.execute();
  }
  return all;
}

const added = (r: { tables: { table: TableName; added: number }[] }) => Object.fromEntries(r.tables.map((t) => [t.table, t.added]));

const pgIt = postgresAnswers ? it : it.skip;
const PG_SKIPPED = postgresAnswers ? '' : ` [skipped: PostgreSQL does not answer at ${POSTGRES_URL}]`;

describe('store copy between SQLite and PostgreSQL', () => {
  pgIt(
    `copies every table row for row with its ids, adds nothing the second time, only what is new the third, and back to a new SQLite file${PG_SKIPPED}`,
    async () => {
      const dir = tmp();
      const source = await open(dir);
      await fill(source);
      const sqliteUrl = `sqlite:${path.join(dir, 'skybeat.db')}`;
      const pgUrl = schemaUrl();
      const { from, to } = await ends(sqliteUrl, pgUrl);

      // Pages of 3 rows: every table with more takes several, and l1-1's two points at one time fall on a page's end.
      const first = await copyStore(from, to, { page: 3 });
      expect(first.verified).toBe(true);
      for (const t of first.tables) expect(t.alreadyThere).toBe(0);
      expect(added(first)).toMatchObject({
        users: 2,
        user_roles: 3,
        sessions: 1,
        audit: 7,
        vehicles: 2,
        track_points: 10,
        video_snapshots: 1,
        journal_applied: 1,
      });
      const rows = await dump(from);
      for (const table of TABLE_ORDER) expect(rows[table]!.length, table).toBeGreaterThan(0); // the fill reached every table
      expect(await dump(to)).toEqual(rows);
      // The points after midnight went into their own day's partition, as the service would have put them.
      const parts = await sql<{ name: string }>`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'track_points' AND c.relnamespace = to_regnamespace(current_schema())::oid ORDER BY 1`.execute(
        to.k,
      );
      expect(parts.rows.map((p) => p.name)).toEqual(['track_points_20261201', 'track_points_20261202']);

      const second = await copyStore(from, to);
      expect(Object.values(added(second)).every((n) => n === 0)).toBe(true);
      expect(second.tables.find((t) => t.table === 'audit')).toMatchObject({ source: 7, alreadyThere: 7 });
      expect(second.verified).toBe(true);

      // The station flew on: only its new points and rows are added.
      source.tracks.record([point('l1-1', T0 + 6000, 28.38), point('l1-3', T0 + 6000, 28.39)], [seen('l1-3')], T0 + 6000);
      await source.users.add('wang.fang', 'hash-3', ['officer']);
      const third = await copyStore(from, to, { page: 3 });
      expect(third.verified).toBe(true);
      expect(Object.fromEntries(Object.entries(added(third)).filter(([, n]) => n > 0))).toEqual({ users: 1, user_roles: 1, vehicles: 1, track_points: 2 });
      expect(await dump(to)).toEqual(await dump(from));

      // And back, into a new SQLite file: the same rows again.
      const back = `sqlite:${path.join(tmp(), 'back.db')}`;
      const again = await ends(pgUrl, back);
      expect((await copyStore(again.from, again.to, { page: 4 })).verified).toBe(true);
      expect(await dump(again.to)).toEqual(await dump(from));
    },
  );

  pgIt(`leaves PostgreSQL's id sequences past the copied ids, so the service's next insert works${PG_SKIPPED}`, async () => {
    const dir = tmp();
    await fill(await open(dir));
    const pgUrl = schemaUrl();
    const { from, to } = await ends(`sqlite:${path.join(dir, 'skybeat.db')}`, pgUrl);
    await copyStore(from, to);
    const target = await open(tmp(), pgUrl);
    expect((await target.users.add('new.user', 'hash-9', ['pilot'])).id).toBe(3);
    const incident = await target.groundAlerts.create({
      category: 'fire',
      priority: 1,
      lat: 28.3,
      lon: 121.3,
      note: '',
      vehicleId: null,
      createdBy: 'new.user',
    }, PREFIX);
    expect(incident.id).toBe(3); // an aircraft alert and an incident were copied
    expect(await target.runs.create({ vehicleId: 'l1-1', routeId: 'r', routeJson: '{}', pilot: 'new.user', state: 'flying' })).toBe(2);
  });

  pgIt(`refuses a target holding another station's rows under the same ids, naming the table and id, and writes nothing${PG_SKIPPED}`, async () => {
    const pgUrl = schemaUrl();
    const a = tmp();
    await fill(await open(a));
    const first = await ends(`sqlite:${path.join(a, 'skybeat.db')}`, pgUrl);
    await copyStore(first.from, first.to);
    const before = await dump(first.to);

    // Another station: its first user has id 1 too, under another name.
    const b = tmp();
    const other = await open(b);
    await other.users.add('chen.jie', 'hash-b', ['pilot']);
    const second = await ends(`sqlite:${path.join(b, 'skybeat.db')}`, pgUrl);
    const refused = await copyStore(second.from, second.to).catch((err: Error) => err.message);
    expect(refused).toMatch(/^users id 1: the target holds a different row under this key \(name: "chen\.jie" in the source, "li\.wei" in the target; /);
    expect(refused).toContain('password_hash: … in the source, … in the target'); // what a message should not show, it does not
    expect(refused).toMatch(/\)\. It holds records of another station \(or this one changed them since an earlier copy\): copy into an empty store/);

    // A row under a new id holding a name the target has (names are unique without regard to case).
    const c = tmp();
    const third = await open(c);
    await third.db.k.insertInto('users').values({ id: 9, name: 'LI.WEI', password_hash: 'hash-c', created_at: T0 }).execute();
    const thirdEnds = await ends(`sqlite:${path.join(c, 'skybeat.db')}`, pgUrl);
    await expect(copyStore(thirdEnds.from, thirdEnds.to)).rejects.toThrow('users id 9: the target holds another row (id 1) with the same name "li.wei"');
    expect(await dump(first.to)).toEqual(before);
  });
});

describe('store copy verification', () => {
  it('finds source rows and points the target lacks, naming the first', async () => {
    const dir = tmp();
    await fill(await open(dir));
    const { from, to } = await ends(`sqlite:${path.join(dir, 'skybeat.db')}`, `sqlite:${path.join(tmp(), 'copy.db')}`);
    expect((await copyStore(from, to)).verified).toBe(true);
    await to.k.deleteFrom('audit').where('id', 'in', [3, 5]).execute();
    await to.k.deleteFrom('track_points').where('vehicle_id', '=', 'l1-2').where('time', '=', T0 + 1000).execute();
    expect(await verifyTable(from.k as never, to.k as never, 'audit', TABLES.audit!, 2)).toEqual({
      table: 'audit',
      source: 7,
      target: 5,
      missing: 2,
      problem: '2 of 7 rows are not in the target (the first: id 3)',
    });
    expect(await verifyTracks(from, to)).toEqual({ source: 10, target: 9, wrong: ['l1-2: 2 points there, 3 in the source'] });
  });
});

/** `npm run store -- ARGS`, as package.json has it, minus npm. */
function npmRunStore(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const [node, ...script] = pkg.scripts.store!.split(' ');
  expect(node).toBe('node');
  return new Promise((resolve) => {
    execFile(process.execPath, [...script, ...args], { cwd: REPO }, (error, out, err) => resolve({ code: error ? Number(error.code) : 0, out, err }));
  });
}

describe('npm run store', () => {
  pgIt(`copies, reports the counts per table and that it verified them, without the password; again adds nothing${PG_SKIPPED}`, async () => {
    const dir = tmp();
    const store = await openStore(dir);
    await fill(store);
    await store.close();
    const from = `sqlite:${path.join(dir, 'skybeat.db')}`;
    const u = new URL(schemaUrl());
    u.password = 'not-shown'; // trust authentication: accepted, never needed
    const to = u.toString();
    const run = await npmRunStore('copy', '--from', from, '--to', to);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).not.toContain('not-shown');
    expect(run.out).toContain(`copying ${from} to ${to.replace('not-shown', '***')}\n`);
    expect(run.out).toMatch(/^table +in source +added +already there$/m);
    expect(run.out).toMatch(/^track_points +10 +10 +0$/m);
    expect(run.out).toMatch(/^audit +7 +7 +0$/m);
    expect(run.out).toMatch(/^added \d+ rows; 0 were there already\nverified: the target holds every row of the source, in all 21 tables\n$/m);
    const again = await npmRunStore('copy', '--from', from, '--to', to);
    expect(again).toMatchObject({ code: 0, err: '' });
    expect(again.out).toMatch(/^track_points +10 +0 +10$/m);
    expect(again.out).toMatch(/^added 0 rows; \d+ were there already$/m);
  });

  it('explains its usage, and refuses a bad URL, a missing source and the same store at both ends, creating nothing', async () => {
    expect(await npmRunStore('--help')).toMatchObject({ code: 0, out: expect.stringContaining('Usage: npm run store -- copy --from URL --to URL'), err: '' });
    const dir = tmp();
    const missing = path.join(dir, 'missing.db');
    const target = path.join(dir, 'target.db');
    expect(await npmRunStore('copy', '--from', 'mysql://x', '--to', `sqlite:${target}`)).toEqual({
      code: 2,
      out: '',
      err: 'store: --from mysql://x: a store is sqlite:PATH or postgres://… (e.g. postgres://skybeat@127.0.0.1:5432/skybeat)\n',
    });
    expect(await npmRunStore('copy', '--from', `sqlite:${missing}`)).toMatchObject({
      code: 2,
      err: 'store: copy needs --from URL and --to URL (missing --to). Run with --help.\n',
    });
    expect(await npmRunStore('copy', '--from', `sqlite:${missing}`, '--to', `sqlite:${target}`)).toEqual({
      code: 1,
      out: '',
      err: `store: ${missing}: no such file (the source must be an existing SkyBeat database; none is created)\n`,
    });
    const store = await openStore(dir);
    await store.close();
    const db = path.join(dir, 'skybeat.db');
    expect(await npmRunStore('copy', '--from', `sqlite:${db}`, '--to', `sqlite:${path.join(dir, '.', 'skybeat.db')}`)).toEqual({
      code: 1,
      out: '',
      err: `store: --from and --to are the same store (sqlite:${db}): a copy needs two different ones\n`,
    });
    expect(fs.existsSync(missing) || fs.existsSync(target)).toBe(false);
  });
});
