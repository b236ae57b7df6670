/**
 * Each node's station in the store (server/cluster/station-table.ts), on both databases: what a
 * node starting while another is down reads of that station. Times are given, not waited for.
 */
import { afterEach, expect, it } from 'vitest';
import { forgetSilentStations, saidStations, sayStation, STATION_SAID_FOR_MS, type StoredStation } from '../../server/cluster/station-table.ts';
import { type Db, openDb } from '../../server/store/connection.ts';
import { type Backend, describeEachBackend } from '../helpers/backends.ts';

const T0 = Date.UTC(2026, 11, 4, 20);
const HF: StoredStation = { id: 'hf', name: '城东派出所', code: 'HF', timeZone: 'Asia/Shanghai', lat: 28.37, lon: 121.38, radiusKm: 3 };
const WL: StoredStation = { id: 'wl', name: '西岭派出所', code: 'WL', timeZone: 'Asia/Shanghai', lat: 28.45, lon: 121.46, radiusKm: 3 };

describeEachBackend('the stations the nodes said', (backend: Backend) => {
  let db: Db;
  afterEach(async () => {
    await db?.close();
  });

  it("reads every other node's station and links as it last said them, for a day", async () => {
    db = await openDb(backend.url());
    await sayStation(db, 'hf', HF, ['hf1'], T0);
    await sayStation(db, 'wl', { ...WL, name: 'old name' }, [], T0);
    await sayStation(db, 'wl', WL, ['wl1', 'wl2'], T0 + 1000);
    await sayStation(db, 'centre', { ...HF, id: 'centre', code: 'QZ' }, [], T0);
    expect(await saidStations(db, 'centre', T0 + 2000)).toEqual([
      { node: 'hf', station: HF, links: ['hf1'], saidAt: T0 },
      { node: 'wl', station: WL, links: ['wl1', 'wl2'], saidAt: T0 + 1000 },
    ]);
    // A node not heard of for a day (renamed, retired) is not read, and then forgotten.
    expect((await saidStations(db, 'centre', T0 + 1000 + STATION_SAID_FOR_MS)).map((s) => s.node)).toEqual(['wl']);
    await forgetSilentStations(db, T0 + 1000 + STATION_SAID_FOR_MS);
    expect((await saidStations(db, 'nobody', T0)).map((s) => s.node)).toEqual(['wl']);
  });

  it('skips a row that does not read as a station, saying which and why', async () => {
    db = await openDb(backend.url());
    await sayStation(db, 'hf', HF, ['hf1'], T0);
    await db.k.insertInto('cluster_stations').values({ node: 'odd', station: '{"id":"odd","lat":"28"}', links: '[]', said_at: T0 }).execute();
    await db.k.insertInto('cluster_stations').values({ node: 'odder', station: 'not json', links: '[]', said_at: T0 }).execute();
    const bad: string[] = [];
    expect((await saidStations(db, 'centre', T0, (node, why) => bad.push(`${node}: ${why}`))).map((s) => s.node)).toEqual(['hf']);
    expect(bad[0]).toBe(
      'odd: station: name (string), code (string), timeZone (string), lat (number), lon (number), radiusKm (number) missing or of another type',
    );
    expect(bad[1]).toMatch(/^odder: .*JSON/);
  });
});
