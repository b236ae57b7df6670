import { afterEach, expect, it } from 'vitest';
import type { RunView, TrackPoint } from '../../server/wire/types.ts';
import { ADMIN_PASSWORD, testService } from '../helpers/service.ts';

/**
 * A run's highest altitude and lowest battery, over HTTP from a real database file: as its record
 * keeps them, and from its stored track where the record has none (a run recorded before SkyBeat
 * kept them, or one that ended before its first save).
 */

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

const ROUTE = {
  id: 'loop',
  meta: { nameZh: '环线', nameEn: 'Loop', station: '', defaultDrone: '', schedule: '', notes: '' },
  vehicleType: 2,
  plannedHome: null,
  items: [],
  fence: { inclusion: [], exclusion: [] },
  rally: [],
};
const point = (time: number, altRel: number, battery: number): TrackPoint => ({
  vehicleId: 'l1-7',
  time,
  lat: 28.37,
  lon: 121.38,
  altMsl: 10 + altRel,
  altRel,
  heading: 0,
  speed: 0,
  battery,
  mode: 'AUTO',
  armed: true,
});

async function service() {
  const t = await testService();
  close = () => t.close();
  const store = t.svc.store;
  const start = Date.now() - 600_000;
  const track = [point(start + 1000, 0, 98), point(start + 2000, 31.26, 90), point(start + 3000, 12, 84), point(start + 9000, 0, 83)];
  // Another drone's and a later track are not this run's.
  const others = [{ ...point(start + 2500, 80, 20), vehicleId: 'l1-8' }, point(start + 60_000, 90, 10)];
  store.tracks.record([...track, ...others], [{ id: 'l1-7', sysid: 7, linkUri: 'udpin://0.0.0.0:14550', autopilot: 'ardupilot', type: 'QUADROTOR' }], start);
  // Started when the flight started (the track above), not when the record is made here.
  const run = (state: 'landed') =>
    store.runs.create({ vehicleId: 'l1-7', routeId: 'loop', routeJson: JSON.stringify(ROUTE), pilot: 'pilot1', state, startedAt: start });
  return { t, store, start, run, token: await t.login('admin', ADMIN_PASSWORD) };
}

it('a run whose record has no figures shows those of its stored track', async () => {
  const { t, store, start, run, token } = await service();
  const id = await run('landed');
  await store.runs.update(id, { endedAt: start + 10_000 });
  const one = (await t.api('GET', `/api/runs/${id}`, token)).body as RunView;
  expect(one).toMatchObject({ maxAltM: 31.3, minBattery: 83 });
  const listed = ((await t.api('GET', '/api/runs', token)).body as RunView[]).find((r) => r.id === id)!;
  expect(listed).toMatchObject({ maxAltM: 31.3, minBattery: 83 });
});

it("the list of many runs is each run's own view: its events (of all the runs in one query) and figures, from its record or its track", async () => {
  const { t, store, start, run, token } = await service();
  const ids: number[] = [];
  for (let i = 0; i < 12; i++) {
    const id = await run('landed');
    ids.push(id);
    // Figures in the record (every third), from the track (the others), or none anywhere (ended before the track began).
    if (i % 3 === 0) await store.runs.update(id, { endedAt: start + 10_000, maxAltM: 20 + i, minBattery: 70 + i });
    else await store.runs.update(id, i % 3 === 1 ? { endedAt: start + 10_000 } : { endedAt: start + 500, maxAltM: 5 });
    // Their events interleaved, as runs flown side by side write them.
    await store.runs.event(id, { time: start + i, kind: 'state', message: `armed ${i}` });
  }
  for (const [i, id] of ids.entries()) await store.runs.event(id, { time: start + 100 + i, kind: 'state', message: `landed ${i}` });
  // One not ended: its record's figures as they stand, none read from the track.
  const flying = await store.runs.create({
    vehicleId: 'l1-7',
    routeId: 'loop',
    routeJson: JSON.stringify(ROUTE),
    pilot: 'pilot1',
    state: 'landed',
    startedAt: start,
  });
  await store.runs.update(flying, { state: 'flying', maxAltM: 12 });
  ids.push(flying);

  const list = (await t.api('GET', '/api/runs?limit=100', token)).body as RunView[];
  expect(list.map((r) => r.id)).toEqual([...ids].reverse());
  const each = await Promise.all(list.map(async (r) => (await t.api('GET', `/api/runs/${r.id}`, token)).body as RunView));
  expect(list).toEqual(each);
  expect(list.find((r) => r.id === ids[1])).toMatchObject({ maxAltM: 31.3, minBattery: 83, events: [{ message: 'armed 1' }, { message: 'landed 1' }] });
  expect(list.find((r) => r.id === ids[3])).toMatchObject({ maxAltM: 23, minBattery: 73 });
  expect(list.find((r) => r.id === ids[2])).toMatchObject({ maxAltM: 5, minBattery: null });
  expect(list.find((r) => r.id === flying)).toMatchObject({ state: 'flying', maxAltM: 12, minBattery: null, events: [] });
});

it('a run whose record has its figures keeps them', async () => {
  const { t, store, start, run, token } = await service();
  const id = await run('landed');
  await store.runs.update(id, { endedAt: start + 10_000, maxAltM: 25, minBattery: 88 });
  expect((await t.api('GET', `/api/runs/${id}`, token)).body).toMatchObject({ maxAltM: 25, minBattery: 88 });
});
