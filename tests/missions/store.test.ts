import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { distanceM } from '../../server/missions/flight.ts';
import { exportRoute, parseRoute } from '../../server/missions/formats/index.ts';
import { RouteStore, RouteFileError, type RouteEntry } from '../../server/missions/store.ts';
import { REPO } from '../helpers/shared.ts';
import { waitFor } from '../helpers/wait.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';

const EXAMPLES = path.join(REPO, 'missions');
const DEMO_HOME = { lat: 28.37, lon: 121.38 };

const cleanup = cleanupAfterEach();

async function tempStore() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-missions-'));
  const store = new RouteStore(dir, { debounceMs: 50 });
  await store.open();
  cleanup.push(() => store.close(), () => fs.rmSync(dir, { recursive: true, force: true }));
  const changes: [string, RouteEntry | null][] = [];
  store.on('changed', (id, e) => changes.push([id, e]));
  return { dir, store, changes, file: (name: string) => path.join(dir, name) };
}

async function routeFileError(p: Promise<unknown>): Promise<RouteFileError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(RouteFileError);
  return err as RouteFileError;
}

const example = (name: string) => fs.readFileSync(path.join(EXAMPLES, name), 'utf8');

describe('the example routes for the Wenling demo area', () => {
  it('three clean routes: takeoff first, RTL last, 30-60 m above home, within 600 m of the demo home', async () => {
    const store = new RouteStore(EXAMPLES);
    await store.open();
    cleanup.push(() => store.close());
    const entries = store.list();
    expect(entries.map((e) => e.id)).toEqual(['night-market', 'residential-loop', 'riverside']);
    for (const e of entries) {
      expect(e.issues, e.file).toEqual([]);
      const r = e.route!;
      expect(r.meta.nameZh && r.meta.nameEn && r.meta.station && r.meta.schedule, e.file).toBeTruthy();
      expect(r.plannedHome).toEqual({ lat: 28.37, lon: 121.38, alt: 10 });
      expect(r.items[0]!.command).toBe(22);
      expect(r.items.at(-1)!.command).toBe(20);
      for (const it of r.items.filter((i) => i.command === 16 || i.command === 22)) {
        expect(it.frame).toBe(3);
        expect(it.alt).toBeGreaterThanOrEqual(30);
        expect(it.alt).toBeLessThanOrEqual(60);
        if (it.command === 16) expect(distanceM(DEMO_HOME, it)).toBeLessThan(600);
      }
    }
    expect(entries.find((e) => e.id === 'residential-loop')!.route!.fence.polygons).toHaveLength(1);
  });
});

describe('RouteStore over a real folder', () => {
  it('files copied in appear without a restart, edits are picked up, removed files go away', async () => {
    const { store, changes, file } = await tempStore();
    expect(store.list()).toEqual([]);
    fs.writeFileSync(file('riverside.plan'), example('riverside.plan'));
    const e = await waitFor('riverside to appear', () => store.get('riverside'));
    expect(e.route!.meta.nameEn).toBe('Riverside path patrol');
    expect(changes.map(([id]) => id)).toEqual(['riverside']);

    const route = parseRoute(example('riverside.plan'), 'riverside.plan');
    route.meta.notes = 'changed by hand';
    fs.writeFileSync(file('riverside.plan'), exportRoute(route, 'plan'));
    await waitFor('the edit', () => store.get('riverside')?.route?.meta.notes === 'changed by hand');

    fs.writeFileSync(file('README.txt'), 'not a route'); // a .txt is a route only when it is QGC WPL
    fs.rmSync(file('riverside.plan'));
    await waitFor('riverside to go', () => !store.get('riverside'));
    expect(store.list()).toEqual([]);
    expect(changes.at(-1)).toEqual(['riverside', null]);
  });

  it('a broken file is listed with its problems, not dropped; two files for one id are both refused', async () => {
    const { store, file } = await tempStore();
    fs.writeFileSync(file('broken.waypoints'), 'QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t28.37\t121.38\n');
    fs.writeFileSync(file('twice.plan'), example('riverside.plan'));
    fs.writeFileSync(file('twice.waypoints'), exportRoute(parseRoute(example('riverside.plan'), 'x.plan'), 'waypoints'));
    await store.rescan();
    const broken = store.get('broken')!;
    expect(broken.route).toBeNull();
    expect(broken.issues.map((i) => `${i.file}: ${i.where}: ${i.message}`)).toEqual([
      'broken.waypoints: line 2: 10 columns, expected 12 (INDEX CURRENT FRAME COMMAND P1 P2 P3 P4 LAT LON ALT AUTOCONTINUE)',
    ]);
    expect(store.get('twice')!.route).toBeNull();
    expect(store.get('twice')!.issues[0]!.message).toBe('twice.plan, twice.waypoints all define route "twice": rename or remove all but one');
  });

  it('creates routes from route JSON and from files; refuses bad ones and writes nothing', async () => {
    const { dir, store, file } = await tempStore();
    const json = JSON.parse(JSON.stringify(parseRoute(example('night-market.plan'), 'night-market.plan')));
    const created = await store.create({ route: { ...json, id: 'market-2' } });
    expect(created.file).toBe('market-2.plan');
    expect(parseRoute(fs.readFileSync(file('market-2.plan'), 'utf8'), 'market-2.plan').items).toEqual(created.route!.items);
    expect((await routeFileError(store.create({ route: { ...json, id: 'market-2' } }))).kind).toBe('conflict');

    const wpl = exportRoute(created.route!, 'waypoints');
    expect(await store.create({ fileName: 'Market 3.waypoints', content: wpl }).catch((e: RouteFileError) => e.message))
      .toBe('route id "Market 3": use letters, digits, "-", "_" or "." (it becomes the file name), at most 100 characters');
    const kept = await store.create({ fileName: '夜市-3.waypoints', content: wpl });
    expect(fs.readFileSync(file('夜市-3.waypoints'), 'utf8')).toBe(wpl); // a pilot's file is kept as made

    const line = JSON.stringify({ type: 'LineString', coordinates: [[121.379, 28.371], [121.381, 28.371]] });
    const drawn = await store.create({ fileName: 'drawn.geojson', content: line, altitude: 50 });
    expect(drawn.file).toBe('drawn.plan');
    expect(drawn.route!.items.map((i) => i.alt)).toEqual([50, 50, 50, 0]);

    const tooHigh = JSON.stringify({ type: 'LineString', coordinates: [[121.379, 28.371]] });
    const err = await routeFileError(store.create({ fileName: 'high.geojson', content: tooHigh, altitude: 150 }));
    expect(err.kind).toBe('unprocessable');
    expect(err.issues.filter((i) => i.level === 'error').map((i) => `${i.where}: ${i.message}`))
      .toEqual([
        'takeoff (added): altitude 150 m above home is over the legal ceiling of 120 m',
        'coordinates[0]: altitude 150 m above home is over the legal ceiling of 120 m',
      ]);
    expect((await routeFileError(store.create({ route: { id: 'x', items: [{ command: 16, frame: 'three' }] } }))).message)
      .toMatch(/^items\.0\.frame: expected a number; items\.0\.params: /);
    expect(fs.readdirSync(dir).sort()).toEqual(['drawn.plan', 'market-2.plan', '夜市-3.waypoints']);
    expect(kept.id).toBe('夜市-3');
  });

  it('a bad replacement leaves the good file byte for byte; a change of format keeps the old file in .trash', async () => {
    const { dir, store, file } = await tempStore();
    const original = exportRoute(parseRoute(example('riverside.plan'), 'riverside.plan'), 'waypoints');
    fs.writeFileSync(file('riverside.waypoints'), original);
    await store.rescan();

    const bad = original.replace('\t35\t1\n', '\t350\t1\n');
    const err = await routeFileError(store.replace('riverside', { fileName: 'riverside.waypoints', content: bad }));
    expect(err.kind).toBe('unprocessable');
    expect(err.issues.filter((i) => i.level === 'error').map((i) => `${i.file}: ${i.where}: ${i.message}`))
      .toEqual(['riverside.waypoints: line 3: altitude 350 m above home is over the legal ceiling of 120 m']);
    expect(fs.readFileSync(file('riverside.waypoints'), 'utf8')).toBe(original);

    // Names need a .plan: the .waypoints file moves to .trash, nothing is lost.
    const json = JSON.parse(JSON.stringify(store.get('riverside')!.route));
    json.meta.nameEn = 'Riverside (renamed)';
    const replaced = await store.replace('riverside', { route: json });
    expect(replaced.file).toBe('riverside.plan');
    expect(fs.readdirSync(dir).filter((f) => !f.startsWith('.'))).toEqual(['riverside.plan']);
    const trashed = fs.readdirSync(path.join(dir, '.trash'));
    expect(trashed).toHaveLength(1);
    expect(fs.readFileSync(path.join(dir, '.trash', trashed[0]!), 'utf8')).toBe(original);

    await store.remove('riverside');
    expect(store.get('riverside')).toBeUndefined();
    expect(fs.readdirSync(path.join(dir, '.trash'))).toHaveLength(2);
    expect((await routeFileError(store.remove('riverside'))).kind).toBe('not_found');
  });
});
