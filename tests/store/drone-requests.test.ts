/**
 * The command room's requests for a drone (store/drone-requests.ts, patrols/drone-requests.ts) on
 * SQLite and PostgreSQL alike: one open request per incident and one answer per request, however
 * many ask at once (on PostgreSQL each on a connection of its own).
 */
import { expect, it } from 'vitest';
import { ControlRegistry } from '../../server/patrols/control.ts';
import { DroneRequests } from '../../server/patrols/drone-requests.ts';
import type { Store } from '../../server/store/index.ts';
import { Fleet } from '../../server/vehicles/fleet.ts';
import { describeEachBackend, incidentRow } from '../helpers/backends.ts';

const T0 = Date.UTC(2026, 11, 3, 9, 0, 0);
const PLACE = { lat: 28.37225, lon: 121.3815 };

/** A goto to answer a request with (the gotos' own store is tested in gotos.test.ts). */
const aGoto = (store: Store, vehicleId: string) =>
  store.gotos.create({
    vehicleId,
    pilot: 'pilot1',
    alertId: null,
    target: PLACE,
    altM: 60,
    holdMin: 5,
    hold: 'orbit',
    state: 'arming',
    checks: [],
    startedAt: T0,
    leftPatrol: null,
  });

const ask = (store: Store, alertId: number, note = '') => store.droneRequests.create({ alertId, target: PLACE, requestedBy: 'command1', at: T0, note });

describeEachBackend('drone requests', (backend) => {
  it('one open request per incident: a second ask gets the first; another incident has its own', async () => {
    const store = await backend.open();
    const [a, b] = [await incidentRow(store, T0), await incidentRow(store, T0)];
    const first = await ask(store, a, 'two men at the gate');
    expect(first).toEqual({
      created: true,
      row: {
        id: first.row.id,
        alertId: a,
        target: PLACE,
        requestedBy: 'command1',
        at: T0,
        note: 'two men at the gate',
        state: 'open',
        acceptedBy: null,
        vehicleId: null,
        gotoId: null,
      },
    });
    expect(await ask(store, a)).toEqual({ created: false, row: first.row });
    const other = await ask(store, b);
    expect(other.created).toBe(true);
    expect((await store.droneRequests.open()).map((r) => r.id)).toEqual([first.row.id, other.row.id]);
    expect((await store.droneRequests.open(b)).map((r) => r.id)).toEqual([other.row.id]);
  });

  it('asked by many at once, one request is opened', async () => {
    const store = await backend.open();
    // Every connection of the pool opened first, so the asks overlap.
    await Promise.all(Array.from({ length: 10 }, () => store.droneRequests.open()));
    const a = await incidentRow(store, T0);
    const all = await Promise.all(Array.from({ length: 6 }, () => ask(store, a)));
    expect(all.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(all.map((r) => r.row.id)).size).toBe(1);
    expect(await store.droneRequests.open(a)).toHaveLength(1);
  });

  it('only an open request is answered, once, however many answer at once', async () => {
    const store = await backend.open();
    const { row } = await ask(store, await incidentRow(store, T0));
    const answers = await Promise.all(
      ['pilot1', 'pilot2', 'pilot3'].map((p) => store.droneRequests.answer(row.id, { state: 'accepted', acceptedBy: p, vehicleId: 'sim-1', gotoId: null })),
    );
    expect(answers.filter(Boolean)).toHaveLength(1);
    expect(await store.droneRequests.answer(row.id, { state: 'cancelled', acceptedBy: null, vehicleId: null, gotoId: null })).toBe(false);
    expect((await store.droneRequests.get(row.id))!.state).toBe('accepted');
    expect(await store.droneRequests.open()).toEqual([]);
  });

  it('an accepted request takes its goto, or opens again, only for the pilot who accepted it and before it has one', async () => {
    const store = await backend.open();
    const { row } = await ask(store, await incidentRow(store, T0));
    await store.droneRequests.answer(row.id, { state: 'accepted', acceptedBy: 'pilot1', vehicleId: 'sim-1', gotoId: null });
    expect(await store.droneRequests.reopen(row.id, 'pilot2')).toBe(false);
    expect(await store.droneRequests.reopen(row.id, 'pilot1')).toBe(true);
    expect(await store.droneRequests.get(row.id)).toMatchObject({ state: 'open', acceptedBy: null, vehicleId: null, gotoId: null });
    await store.droneRequests.answer(row.id, { state: 'accepted', acceptedBy: 'pilot1', vehicleId: 'sim-1', gotoId: null });
    const gotoId = await aGoto(store, 'sim-1');
    expect(await store.droneRequests.attachGoto(row.id, 'pilot2', gotoId)).toBe(false);
    expect(await store.droneRequests.attachGoto(row.id, 'pilot1', gotoId)).toBe(true);
    expect(await store.droneRequests.attachGoto(row.id, 'pilot1', gotoId)).toBe(false);
    expect(await store.droneRequests.reopen(row.id, 'pilot1')).toBe(false);
    expect(await store.droneRequests.get(row.id)).toMatchObject({ state: 'accepted', acceptedBy: 'pilot1', vehicleId: 'sim-1', gotoId });
  });

  it('two pilots accept at once: one sends a drone, the other is told who took it and sends none; a refused drone leaves it open', async () => {
    const store = await backend.open();
    const alertId = await incidentRow(store, T0);
    const requests = new DroneRequests(new Fleet({ sysid: 255, compid: 190 }), new ControlRegistry(() => true), store.droneRequests, () => T0);
    const { id } = await requests.create(alertId, PLACE, 'command1', '');
    await expect(requests.create(alertId, PLACE, 'command2', '')).rejects.toThrow(`a drone is already requested for incident ${alertId} (request ${id})`);

    // Refused by the goto's checks: the request is open again, and the refusal is the one said.
    await expect(requests.accept(id, 'pilot1', 'sim-1', () => Promise.reject(new Error('goto checks failed: battery')))).rejects.toThrow(
      'goto checks failed: battery',
    );
    expect((await requests.open(id)).state).toBe('open');

    const sentBy: string[] = [];
    const send = (pilot: string, vehicleId: string) => async () => {
      sentBy.push(pilot);
      return { id: await aGoto(store, vehicleId) };
    };
    const [one, two] = await Promise.allSettled([
      requests.accept(id, 'pilot1', 'sim-1', send('pilot1', 'sim-1')),
      requests.accept(id, 'pilot2', 'sim-2', send('pilot2', 'sim-2')),
    ]);
    const won = [one, two].filter((r) => r.status === 'fulfilled');
    const lost = [one, two].filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(sentBy).toHaveLength(1);
    const winner = sentBy[0]!;
    expect((lost[0] as PromiseRejectedResult).reason.message).toMatch(new RegExp(`^drone request ${id} is accepted by ${winner} \\(sim-\\d\\)$`));
    const { request, goto } = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof requests.accept>>>).value;
    expect(request).toMatchObject({ state: 'accepted', acceptedBy: winner, gotoId: goto.id });
    await expect(requests.cancel(id)).rejects.toThrow(`drone request ${id} is accepted by ${winner}`);
    await expect(requests.cancel(id + 100)).rejects.toThrow(`no drone request ${id + 100}`);
  });

  it('an incident that ended withdraws its open request, once', async () => {
    const store = await backend.open();
    const alertId = await incidentRow(store, T0);
    const requests = new DroneRequests(new Fleet({ sysid: 255, compid: 190 }), new ControlRegistry(() => true), store.droneRequests, () => T0);
    const { id } = await requests.create(alertId, PLACE, 'command1', '');
    const told: number[] = [];
    requests.on('request', (r) => told.push(r.id));
    const [first, second] = await Promise.all([requests.incidentOver(alertId), requests.incidentOver(alertId)]);
    expect([...first, ...second].map((r) => [r.id, r.state])).toEqual([[id, 'cancelled']]);
    expect(told).toEqual([id]);
    expect(await requests.list()).toEqual([]);
  });
});
