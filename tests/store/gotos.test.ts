/** Drones sent to a point and their events (store/gotos.ts) on SQLite and PostgreSQL alike. */
import { expect, it } from 'vitest';
import type { GotoRecordStore, GotoRow } from '../../server/store/gotos.ts';
import { said } from '../../server/wire/messages.ts';
import type { GotoState } from '../../server/wire/types.ts';
import { describeEachBackend, incidentRow } from '../helpers/backends.ts';

const T0 = Date.UTC(2026, 11, 3, 9, 0, 0);

const sent = (over: Partial<GotoRow> = {}): Omit<GotoRow, 'id' | 'arrivedAt' | 'endedAt' | 'heldMs' | 'keepHolding'> => ({
  vehicleId: 'sim-1',
  pilot: 'pilot1',
  alertId: null,
  target: { lat: 28.37225, lon: 121.3815 },
  altM: 60,
  holdMin: 5,
  hold: 'orbit',
  state: 'arming',
  checks: [{ id: 'battery', pass: true, value: 'needs 52%, has 90%', said: said('check_battery_none'), overridable: false }],
  startedAt: T0,
  leftPatrol: null,
  ...over,
});

/** A goto brought to `state`, ended at `endedAt` when given. */
async function inState(gotos: GotoRecordStore, state: GotoState, endedAt: number | null = null, vehicleId = 'sim-1'): Promise<number> {
  const id = await gotos.create(sent({ vehicleId }));
  await gotos.update(id, { state, hold: 'orbit', arrivedAt: null, endedAt, heldMs: 0, keepHolding: false, leftPatrol: null });
  return id;
}

describeEachBackend('drones sent to a point', (backend) => {
  it('a goto reads back as sent: its checks, the patrol it left, its incident', async () => {
    const store = await backend.open();
    const alertId = await incidentRow(store, T0);
    const leftPatrol = { runId: 7, item: 3, lat: 28.3709, lon: 121.38, at: T0 - 1000 };
    const id = await store.gotos.create(sent({ alertId, leftPatrol, state: 'transit' }));
    expect(await store.gotos.get(id)).toEqual({
      id,
      ...sent({ alertId, leftPatrol, state: 'transit' }),
      arrivedAt: null,
      endedAt: null,
      heldMs: 0,
      keepHolding: false,
    });
    expect(await store.gotos.get(id + 100)).toBeUndefined();
  });

  it('what changes as it flies is written whole; the time held in whole milliseconds', async () => {
    const { gotos } = await backend.open();
    const id = await gotos.create(sent({ leftPatrol: { runId: 7, item: null, lat: 28.37, lon: 121.38, at: T0 } }));
    await gotos.update(id, { state: 'on_scene', hold: 'position', arrivedAt: T0 + 22_000, endedAt: null, heldMs: 4999.6, keepHolding: true, leftPatrol: null });
    expect(await gotos.get(id)).toMatchObject({
      state: 'on_scene',
      hold: 'position',
      arrivedAt: T0 + 22_000,
      endedAt: null,
      heldMs: 5000,
      keepHolding: true,
      leftPatrol: null,
    });
  });

  it("a goto's events come back in order with their code and parameters; another's are not among them", async () => {
    const { gotos } = await backend.open();
    const a = await gotos.create(sent());
    const b = await gotos.create(sent({ vehicleId: 'sim-2' }));
    const e1 = { at: T0, kind: 'sent', message: 'sent', said: said('goto_restarted') };
    const e2 = { at: T0 + 5, kind: 'moving', message: 'moving', said: said('goto_moving', { metres: 240 }) };
    await gotos.event(a, e1);
    await gotos.event(b, { ...e1, at: T0 + 1 });
    await gotos.event(a, e2);
    expect(await gotos.events(a)).toEqual([e1, e2]);
    expect(await gotos.events(b)).toEqual([{ ...e1, at: T0 + 1 }]);
  });

  it('under way, ended since a time (newest first, at most so many), and a drone’s latest', async () => {
    const { gotos } = await backend.open();
    const arming = await inState(gotos, 'arming');
    const returning = await inState(gotos, 'returning', T0 + 1000);
    const onScene = await inState(gotos, 'on_scene');
    const failed = await inState(gotos, 'failed', T0 + 3000);
    const old = await inState(gotos, 'ended', T0 - 3600_000);
    const other = await inState(gotos, 'transit', null, 'sim-2');
    expect((await gotos.active()).map((g) => g.id)).toEqual([arming, onScene, other]);
    expect((await gotos.endedSince(T0, 10)).map((g) => g.id)).toEqual([failed, returning]);
    expect((await gotos.endedSince(T0 - 7200_000, 2)).map((g) => g.id)).toEqual([old, failed]);
    expect((await gotos.latestFor('sim-1'))!.id).toBe(old);
    expect((await gotos.latestFor('sim-2'))!.id).toBe(other);
    expect(await gotos.latestFor('sim-9')).toBeUndefined();
  });
});
