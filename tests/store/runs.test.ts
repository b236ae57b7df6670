/**
 * Patrol runs and their events (store/runs.ts) on SQLite and PostgreSQL alike; and a run's record
 * written behind its flight (patrols/run.ts, server/in-order.ts): in order, a failure logged, never thrown.
 */
import { expect, it } from 'vitest';
import type { Logger } from '../../server/log.ts';
import { EMPTY_META, emptyFence, QUADROTOR, type Route } from '../../server/missions/model.ts';
import { InOrder } from '../../server/in-order.ts';
import { PatrolRun } from '../../server/patrols/run.ts';
import type { RunStore } from '../../server/store/runs.ts';
import { said } from '../../server/wire/messages.ts';
import type { RunState, TrackPoint } from '../../server/wire/types.ts';
import { describeEachBackend } from '../helpers/backends.ts';

const T0 = Date.UTC(2026, 11, 3, 9, 0, 0);

const ROUTE: Route = {
  id: 'loop',
  meta: EMPTY_META,
  vehicleType: QUADROTOR,
  plannedHome: null,
  items: [],
  fence: emptyFence(),
  rally: [],
  plan: null,
  source: { format: 'plan', file: 'loop.plan', locations: [] },
};

const newRun = (runs: RunStore, over: { vehicleId?: string; state?: RunState; startedAt?: number } = {}) =>
  runs.create({ vehicleId: 'sim-1', routeId: 'loop', routeJson: JSON.stringify(ROUTE), pilot: 'pilot1', state: 'uploading', startedAt: T0, ...over });

/** A logger that keeps what went wrong. */
function errorsKept(): { log: Logger; errors: string[] } {
  const errors: string[] = [];
  return { log: { error: (_obj: unknown, msg: string) => errors.push(msg) } as unknown as Logger, errors };
}

describeEachBackend('patrol runs', (backend) => {
  it('a new run reads back as created: figures and outcome empty, times as numbers', async () => {
    const { runs } = await backend.open();
    const id = await newRun(runs);
    expect(await runs.get(id)).toEqual({
      id,
      vehicleId: 'sim-1',
      routeId: 'loop',
      routeJson: JSON.stringify(ROUTE),
      pilot: 'pilot1',
      state: 'uploading',
      startedAt: T0,
      endedAt: null,
      distanceM: null,
      maxAltM: null,
      minBattery: null,
      result: null,
      outcome: null,
    });
    expect(await newRun(runs)).toBeGreaterThan(id);
    expect(await runs.get(id + 100)).toBeUndefined();
  });

  it('an update changes what it gives and keeps the rest (a null battery keeps the last)', async () => {
    const { runs } = await backend.open();
    const id = await newRun(runs);
    await runs.update(id, { state: 'flying', distanceM: 120.5, maxAltM: 31.2, minBattery: 88 });
    await runs.update(id, { distanceM: 240.25, minBattery: null });
    expect(await runs.get(id)).toMatchObject({ state: 'flying', distanceM: 240.25, maxAltM: 31.2, minBattery: 88, endedAt: null });
    const outcome = { kind: 'returned_early' as const, afterItem: 3, of: 5, by: 'failsafe' as const };
    await runs.update(id, { state: 'landed', result: 'returned early after item 3 of 5 (a failsafe)', outcome, endedAt: T0 + 600_000 });
    expect(await runs.get(id)).toMatchObject({ state: 'landed', result: 'returned early after item 3 of 5 (a failsafe)', outcome, endedAt: T0 + 600_000 });
    await runs.update(id, {}); // nothing to write
    expect((await runs.get(id))!.distanceM).toBe(240.25);
  });

  it("a run's events come back in order, with their code and parameters and what they concern; another run's are not among them", async () => {
    const { runs } = await backend.open();
    const a = await newRun(runs);
    const b = await newRun(runs);
    const items = [{ id: 'gps', pass: true, value: '3D fix, 11 satellites', overridable: false }];
    await runs.event(a, { time: T0, kind: 'preflight', message: 'preflight passed', said: said('run_preflight_passed'), detail: items });
    await runs.event(b, { time: T0 + 1, kind: 'link', message: 'link lost' });
    await runs.event(a, { time: T0 + 2, kind: 'state', message: 'arming' });
    expect(await runs.events(a)).toEqual([
      { time: T0, kind: 'preflight', message: 'preflight passed', said: said('run_preflight_passed'), detail: items },
      { time: T0 + 2, kind: 'state', message: 'arming' },
    ]);
    expect(await runs.events(b)).toEqual([{ time: T0 + 1, kind: 'link', message: 'link lost' }]);
    // Many runs' at once (the history's list): each run's as its own, a run without any given none.
    const c = await newRun(runs);
    expect(await runs.eventsOf([b, a, c])).toEqual(new Map([[b, await runs.events(b)], [a, await runs.events(a)], [c, []]]));
    expect(await runs.eventsOf([])).toEqual(new Map());
  });

  it("many runs' figures from their drones' stored tracks in one query: each the same as its own track's, a run with no point in its span left out", async () => {
    const store = await backend.open();
    const point = (vehicleId: string, time: number, altRel: number | null, battery: number | null): TrackPoint => ({
      vehicleId,
      time,
      lat: 28.37,
      lon: 121.38,
      altMsl: altRel === null ? null : altRel + 10,
      altRel,
      heading: 0,
      speed: 0,
      battery,
      mode: 'AUTO',
      armed: true,
    });
    const seen = ['sim-1', 'sim-2'].map((id) => ({ id, sysid: 1, linkUri: 'udpin://0.0.0.0:14550', autopilot: 'ardupilot', type: 'QUADROTOR' }));
    store.tracks.record(
      [
        point('sim-1', T0, 0, 98),
        point('sim-1', T0 + 1000, 31.25, 90),
        point('sim-1', T0 + 2000, 12, 84.5),
        point('sim-2', T0 + 1000, 80, 20),
        point('sim-1', T0 + 60_000, 90, 10),
        point('sim-2', T0 + 60_000, null, null),
      ],
      seen,
      T0,
    );
    const spans = [
      { id: 1, vehicleId: 'sim-1', from: T0, to: T0 + 2000 }, // both ends in
      { id: 2, vehicleId: 'sim-1', from: T0 + 1, to: T0 + 1999 },
      { id: 3, vehicleId: 'sim-2', from: T0, to: T0 + 60_000 },
      { id: 4, vehicleId: 'sim-2', from: T0 + 30_000, to: T0 + 90_000 }, // a point without figures
      { id: 5, vehicleId: 'sim-1', from: T0 + 3000, to: T0 + 50_000 }, // no point
      { id: 6, vehicleId: 'sim-3', from: T0, to: T0 + 90_000 }, // a drone never seen
    ];
    const figures = await store.runs.trackFigures(spans);
    expect(figures).toEqual(
      new Map([
        [1, { maxAltM: 31.25, minBattery: 84.5 }],
        [2, { maxAltM: 31.25, minBattery: 90 }],
        [3, { maxAltM: 80, minBattery: 20 }],
        [4, { maxAltM: null, minBattery: null }],
      ]),
    );
    expect(await store.runs.trackFigures([])).toEqual(new Map());
  });

  it('active: the runs not ended (to pick up after a restart), oldest first', async () => {
    const { runs } = await backend.open();
    const ids: Record<string, number> = {};
    for (const state of ['flying', 'landed', 'returning', 'failed', 'aborted', 'uploading'] as const) ids[state] = await newRun(runs, { state });
    expect((await runs.active()).map((r) => r.id)).toEqual([ids.flying, ids.returning, ids.uploading]);
  });

  it('list: newest first, by drone and by start (both ends in), at most `limit`', async () => {
    const { runs } = await backend.open();
    const a = await newRun(runs, { startedAt: T0 });
    const b = await newRun(runs, { vehicleId: 'sim-2', startedAt: T0 + 1000 });
    const c = await newRun(runs, { startedAt: T0 + 2000 });
    const ids = async (q: Parameters<RunStore['list']>[0]) => (await runs.list(q)).map((r) => r.id);
    expect(await ids({})).toEqual([c, b, a]);
    expect(await ids({ vehicleId: 'sim-1' })).toEqual([c, a]);
    expect(await ids({ from: T0 + 1000, to: T0 + 2000 })).toEqual([c, b]);
    expect(await ids({ to: T0 })).toEqual([a]);
    expect(await ids({ limit: 2 })).toEqual([c, b]);
  });

  it("a run's record written behind its flight lands in order: the last state, every event once", async () => {
    const store = await backend.open();
    const { log, errors } = errorsKept();
    const books = { store: store.runs, writes: new InOrder(log, (id) => `run ${id}`) };
    const id = await newRun(store.runs);
    // Every connection of the pool opened first, so that writes not kept in order would overtake each other.
    await Promise.all(Array.from({ length: 10 }, () => store.runs.get(id)));
    const run = new PatrolRun(id, 'sim-1', ROUTE, 'pilot1', T0, 'uploading', [], books, 'ardupilot');
    // As the flight does it: one after another, nobody waiting (on PostgreSQL each could take another connection).
    const states: RunState[] = ['arming', 'starting', 'climbing', 'flying', 'paused', 'flying', 'returning'];
    for (const s of states) run.setState(s);
    run.finish({ kind: 'completed' });
    await books.writes.done();
    expect(errors).toEqual([]);
    expect(await store.runs.get(id)).toMatchObject({ state: 'landed', result: 'completed', outcome: { kind: 'completed' } });
    const events = await store.runs.events(id);
    expect(events.map((e) => e.message)).toEqual(run.view(undefined).events.map((e) => e.message));
    expect(events.map((e) => e.message)).toEqual([...states, 'completed']);
  });

  it('a write that fails is logged and the next goes on; nothing is thrown', async () => {
    const store = await backend.open();
    const { log, errors } = errorsKept();
    const writes = new InOrder(log, (id) => `run ${id}: its record not written`);
    const id = await newRun(store.runs);
    writes.queue(id, () => store.runs.event(id + 1000, { time: T0, kind: 'state', message: 'no such run' }));
    writes.queue(id, () => store.runs.update(id, { state: 'flying' }));
    await writes.done(id);
    await store.journal.drained();
    if (store.db.dialect === 'sqlite') {
      // Written at once: the refusal comes back to the writer, which logs it.
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(new RegExp(`^run ${id}: its record not written: .*foreign key`, 'i'));
    } else {
      // Through the journal: the entry the database refused is set aside and counted; the next is written.
      expect(store.journal.state().refused).toBe(1);
    }
    expect((await store.runs.get(id))!.state).toBe('flying');
  });
});
